/**
 * MC146818A real-time clock with its CMOS RAM, at ports 0x70 (index, bit 7 = NMI disable) and 0x71
 * (data); optionally the upper 128-byte bank at 0x72/0x73 as on PIIX chipsets.
 *
 * Time model: the guest's calendar is "seconds since the epoch" counted by a divider chain whose
 * phase is `anchorNs` on the injected monotonic clock, so time never jumps with the host's wall
 * clock after start. Flags (UF/AF/PF) are computed lazily from the clock on every access and on the
 * timer, so a guest that polls register C sees them without any timer at all; the timer is only
 * armed while an enabled interrupt could fire and IRQF is still clear.
 *
 * Threat note: all register values come from the guest; calendar fields are decoded leniently
 * (invalid BCD or out-of-range values normalise through the Date arithmetic) and nothing throws.
 */
import type { BusDevice, IrqLine } from '../bus/bus-device.js';
import { TkvmError } from '../errors.js';
import { readBytes, writeBytes } from './access.js';
import type { Clock, DeviceLog, DeviceTimer } from './scheduler.js';
import { silentLog } from './scheduler.js';

/** First I/O port of the RTC (index); data is at +1, the upper bank at +2/+3. */
export const RTC_PORT = 0x70;
/** The RTC's ISA interrupt. */
export const RTC_IRQ = 8;
/** CMOS byte holding the century (BCD or binary like the other fields); IBM/SeaBIOS convention. */
export const CMOS_CENTURY = 0x32;

/** Register indexes of the MC146818A itself. */
export const RtcReg = {
  SECONDS: 0x00, SECONDS_ALARM: 0x01, MINUTES: 0x02, MINUTES_ALARM: 0x03, HOURS: 0x04,
  HOURS_ALARM: 0x05, DAY_OF_WEEK: 0x06, DAY_OF_MONTH: 0x07, MONTH: 0x08, YEAR: 0x09,
  A: 0x0a, B: 0x0b, C: 0x0c, D: 0x0d,
} as const;

const A_UIP = 0x80;
const B_SET = 0x80;
const B_PIE = 0x40;
const B_AIE = 0x20;
const B_UIE = 0x10;
const B_SQWE = 0x08;
const B_DM_BINARY = 0x04;
const B_24H = 0x02;
const C_IRQF = 0x80;
const C_PF = 0x40;
const C_AF = 0x20;
const C_UF = 0x10;
const D_VRT = 0x80;

const NS_PER_SEC = 1e9;
/** UIP rises this long before each update: 8 cycles of the 32.768 kHz time base (244 µs). */
const UIP_LEAD_NS = (8 * NS_PER_SEC) / 32768;
const SECONDS_PER_DAY = 86400;

/** What the machine injects into the RTC. */
export interface CmosRtcOptions {
  /** IRQ 8. */
  irq: IrqLine;
  /** Monotonic nanoseconds: drives the divider chain (seconds, periodic rate, UIP). */
  clock: Clock;
  /** One-shot timer for periodic/alarm/update interrupts; without it flags appear only on access. */
  timer?: DeviceTimer;
  /** Wall clock read once at start (ms since the epoch); defaults to Date.now. */
  wallClockMs?: () => number;
  /** Added to the wall clock at start (QEMU's -rtc base=localtime or a fixed date, as an offset). */
  baseOffsetMs?: number;
  /** Decode ports 0x72/0x73 as a second 128-byte bank (256 bytes of CMOS in all). */
  extendedBank?: boolean;
  /** Where ignored guest mistakes are reported. */
  log?: DeviceLog;
}

/** The RTC as plain data (v86-style save/restore). */
export interface CmosRtcState {
  /** CMOS bytes; indexes 0-9 hold the guest-written time only while SET is 1. */
  cmos: number[];
  index: number;
  extIndex: number;
  nmiDisabled: boolean;
  regA: number;
  regB: number;
  flags: number;
  /** Guest calendar second counted at anchorNs (or held while the divider is stopped). */
  baseSec: number;
  anchorNs: number;
  /** Sub-second phase kept while the divider is stopped (0 after a divider reset). */
  stoppedFracNs: number;
  /** Clock time up to which flags have been evaluated. */
  evaluatedNs: number;
}

/** Calendar fields of one second, as the registers show them (in binary). */
interface Fields {
  sec: number;
  min: number;
  hour: number;
  dow: number;
  day: number;
  month: number;
  year: number;
  century: number;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

function fieldsOf(epochSec: number): Fields {
  const d = new Date(epochSec * 1000);
  const y = d.getUTCFullYear();
  return {
    sec: d.getUTCSeconds(), min: d.getUTCMinutes(), hour: d.getUTCHours(), dow: d.getUTCDay() + 1,
    day: d.getUTCDate(), month: d.getUTCMonth() + 1, year: mod(y, 100), century: Math.floor(y / 100),
  };
}

function epochOf(f: Fields): number {
  const d = new Date(0);
  d.setUTCFullYear(f.century * 100 + f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.min, f.sec, 0);
  const ms = d.getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

/** The MC146818A RTC + CMOS RAM; see the file comment for the time model. */
export class CmosRtc implements BusDevice {
  /** Ports decoded: 2, or 4 with the extended bank. */
  readonly portCount: number;
  private s: CmosRtcState;
  private irqLevel = false;
  private armed: number | undefined = undefined;
  private readonly irq: IrqLine;
  private readonly clock: Clock;
  private readonly timer: DeviceTimer | undefined;
  private readonly log: DeviceLog;

  constructor(options: CmosRtcOptions) {
    this.irq = options.irq;
    this.clock = options.clock;
    this.timer = options.timer;
    this.log = options.log ?? silentLog;
    this.portCount = options.extendedBank ? 4 : 2;
    const wallMs = (options.wallClockMs ?? Date.now)() + (options.baseOffsetMs ?? 0);
    const now = this.clock();
    this.s = {
      cmos: new Array<number>(this.portCount === 4 ? 256 : 128).fill(0),
      index: 0, extIndex: 0, nmiDisabled: false,
      regA: 0x26, regB: B_24H, flags: 0,
      baseSec: Math.floor(wallMs / 1000), anchorNs: now - mod(wallMs, 1000) * 1e6,
      stoppedFracNs: 0, evaluatedNs: now,
    };
  }

  read(offset: number, data: Uint8Array): void {
    readBytes(offset, data, this.portCount, (port) => {
      switch (port) {
        case 1: return this.readRegister(this.s.index);
        case 3: return this.s.cmos[128 + this.s.extIndex] ?? 0xff;
        default: return 0xff; // index ports are write-only; QEMU reads 0xff
      }
    });
  }

  write(offset: number, data: Uint8Array): void {
    writeBytes(offset, data, this.portCount, (port, value) => {
      switch (port) {
        case 0:
          this.s.index = value & 0x7f;
          this.s.nmiDisabled = (value & 0x80) !== 0;
          return;
        case 1:
          this.writeRegister(this.s.index, value);
          return;
        case 2:
          this.s.extIndex = value & 0x7f;
          return;
        default:
          this.s.cmos[128 + this.s.extIndex] = value;
      }
    });
  }

  /** Whether the guest's last index write set bit 7 (NMI masked on a PC). */
  get nmiDisabled(): boolean {
    return this.s.nmiDisabled;
  }

  /** The IRQ level the device currently drives. */
  get irqAsserted(): boolean {
    return this.irqLevel;
  }

  /** Register C's IRQF as the guest would read it now (without clearing anything). */
  interruptPending(): boolean {
    this.catchUp(this.clock());
    return this.irqf();
  }

  /** Stores a CMOS byte for the machine (memory sizes, boot order...). The RTC's own registers
   *  0x00-0x0D and the century byte belong to the clock and are refused. */
  setNvram(index: number, value: number): void {
    if (!Number.isInteger(index) || index < 0x0e || index >= this.s.cmos.length || index === CMOS_CENTURY) {
      throw new TkvmError('bad-cmos-index', `CMOS index ${index} is not free NVRAM`, { index });
    }
    this.s.cmos[index] = value & 0xff;
  }

  /** Reads a CMOS byte as the guest would (time registers included), without side effects on C. */
  getNvram(index: number): number {
    if (index === RtcReg.C) return this.s.flags | (this.irqf() ? C_IRQF : 0);
    return this.readRegister(index & (this.s.cmos.length - 1));
  }

  /** The guest's current calendar time in seconds since the epoch (as if its fields were UTC). */
  guestTimeSec(): number {
    return this.currentSec(this.clock());
  }

  /** Called by the machine when the timer deadline has passed. */
  onTimer(nowNs: number = this.clock()): void {
    this.armed = undefined;
    this.catchUp(nowNs);
    this.update(nowNs);
  }

  /** The RESET pin: clears PIE, AIE, UIE, SQWE and all flags; time and RAM are kept. */
  reset(): void {
    const now = this.clock();
    this.catchUp(now);
    this.s.regB &= ~(B_PIE | B_AIE | B_UIE | B_SQWE);
    this.s.flags = 0;
    this.update(now);
  }

  /** A copy of the device state as plain data. */
  saveState(): CmosRtcState {
    return { ...this.s, cmos: [...this.s.cmos] };
  }

  /** Restores a state from saveState() (same bank size). */
  loadState(state: CmosRtcState): void {
    const cmos = this.s.cmos.map((_, i) => (state.cmos[i] ?? 0) & 0xff);
    const num = (v: number, d: number): number => (Number.isFinite(v) ? v : d);
    this.s = {
      cmos, index: state.index & 0x7f, extIndex: state.extIndex & 0x7f, nmiDisabled: !!state.nmiDisabled,
      regA: state.regA & 0x7f, regB: state.regB & 0xff, flags: state.flags & 0x70,
      baseSec: Math.trunc(num(state.baseSec, 0)), anchorNs: num(state.anchorNs, 0),
      stoppedFracNs: mod(num(state.stoppedFracNs, 0), NS_PER_SEC), evaluatedNs: num(state.evaluatedNs, 0),
    };
    this.armed = undefined;
    this.update(this.clock());
  }

  private running(): boolean {
    return ((this.s.regA >> 4) & 7) <= 2; // DV 000/001/010 count (QEMU), 011-101 stop, 11x reset
  }

  private currentSec(now: number): number {
    if (!this.running()) return this.s.baseSec;
    return this.s.baseSec + Math.floor((now - this.s.anchorNs) / NS_PER_SEC);
  }

  private periodNs(): number | undefined {
    const rs = this.s.regA & 0x0f;
    if (rs === 0) return undefined;
    const code = rs <= 2 ? rs + 7 : rs; // RS 1 and 2 give 256 and 128 Hz with a 32.768 kHz base
    return (2 ** (code - 1) * NS_PER_SEC) / 32768;
  }

  private irqf(): boolean {
    return (this.s.flags & this.s.regB & (C_PF | C_AF | C_UF)) !== 0;
  }

  /** Sets UF/AF/PF for every update and periodic edge between the last evaluation and `now`. */
  private catchUp(now: number): void {
    const s = this.s;
    if (!(now > s.evaluatedNs)) return;
    const before = s.flags;
    if (this.running()) {
      if (!(s.regB & B_SET)) {
        const k0 = Math.floor((s.evaluatedNs - s.anchorNs) / NS_PER_SEC);
        const k1 = Math.floor((now - s.anchorNs) / NS_PER_SEC);
        if (k1 > k0) {
          s.flags |= C_UF;
          if (!(s.flags & C_AF)) {
            // H:M:S patterns repeat daily, so the last day of updates covers every possible match.
            for (let k = Math.max(k0 + 1, k1 - SECONDS_PER_DAY + 1); k <= k1; k++) {
              if (this.alarmMatches(s.baseSec + k)) {
                s.flags |= C_AF;
                break;
              }
            }
          }
        }
      }
      const p = this.periodNs();
      if (p !== undefined && Math.floor((now - s.anchorNs) / p) > Math.floor((s.evaluatedNs - s.anchorNs) / p)) {
        s.flags |= C_PF;
      }
    }
    s.evaluatedNs = now;
    if (s.flags !== before) this.update(now); // a flag found late still raises IRQ 8 now
  }

  private alarmMatches(epochSec: number): boolean {
    const c = this.s.cmos;
    const sec = mod(epochSec, 60);
    const min = mod(Math.floor(epochSec / 60), 60);
    const hour = mod(Math.floor(epochSec / 3600), 24);
    const dontCare = (v: number): boolean => (v & 0xc0) === 0xc0;
    const sa = c[RtcReg.SECONDS_ALARM]!;
    const ma = c[RtcReg.MINUTES_ALARM]!;
    const ha = c[RtcReg.HOURS_ALARM]!;
    return (dontCare(sa) || this.decode(sa, false) === sec) &&
      (dontCare(ma) || this.decode(ma, false) === min) &&
      (dontCare(ha) || this.decode(ha, true) === hour);
  }

  /** Register value (binary or BCD per DM; 12-hour with bit 7 = PM for hours) -> binary. */
  private decode(raw: number, isHour: boolean): number {
    const binary = (this.s.regB & B_DM_BINARY) !== 0;
    const num = (v: number): number => (binary ? v : (v >> 4) * 10 + (v & 0x0f));
    if (!isHour || (this.s.regB & B_24H)) return num(raw);
    return (num(raw & 0x7f) % 12) + ((raw & 0x80) ? 12 : 0);
  }

  /** Binary -> register value per DM and 12/24-hour mode. */
  private encode(value: number, isHour: boolean): number {
    const binary = (this.s.regB & B_DM_BINARY) !== 0;
    const num = (v: number): number => (binary ? v : (Math.floor(v / 10) % 10) * 16 + (v % 10)) & 0xff;
    if (!isHour || (this.s.regB & B_24H)) return num(value);
    return num(value % 12 || 12) | (value >= 12 ? 0x80 : 0);
  }

  private fieldIndex(index: number): keyof Fields | undefined {
    switch (index) {
      case RtcReg.SECONDS: return 'sec';
      case RtcReg.MINUTES: return 'min';
      case RtcReg.HOURS: return 'hour';
      case RtcReg.DAY_OF_WEEK: return 'dow';
      case RtcReg.DAY_OF_MONTH: return 'day';
      case RtcReg.MONTH: return 'month';
      case RtcReg.YEAR: return 'year';
      case CMOS_CENTURY: return 'century';
      default: return undefined;
    }
  }

  private readRegister(index: number): number {
    const s = this.s;
    const now = this.clock();
    this.catchUp(now);
    const field = this.fieldIndex(index);
    if (field !== undefined) {
      if (s.regB & B_SET) return s.cmos[index]!;
      return this.encode(fieldsOf(this.currentSec(now))[field], field === 'hour');
    }
    switch (index) {
      case RtcReg.A: {
        const frac = mod(now - s.anchorNs, NS_PER_SEC);
        const uip = this.running() && !(s.regB & B_SET) && frac >= NS_PER_SEC - UIP_LEAD_NS;
        return s.regA | (uip ? A_UIP : 0);
      }
      case RtcReg.B:
        return s.regB;
      case RtcReg.C: {
        const v = s.flags | (this.irqf() ? C_IRQF : 0);
        s.flags = 0; // reading C clears every flag and releases IRQ 8
        this.update(now);
        return v;
      }
      case RtcReg.D:
        return D_VRT;
      default:
        return s.cmos[index] ?? 0xff;
    }
  }

  private writeRegister(index: number, value: number): void {
    const s = this.s;
    const now = this.clock();
    this.catchUp(now);
    const field = this.fieldIndex(index);
    if (field !== undefined) {
      if (s.regB & B_SET) {
        s.cmos[index] = value;
        return;
      }
      // Written while the clock runs: change that one field now, keeping the divider phase.
      const f = fieldsOf(this.currentSec(now));
      if (field !== 'dow') f[field] = this.decode(value, field === 'hour');
      this.setTime(epochOf(f), now);
      return;
    }
    switch (index) {
      case RtcReg.A:
        this.writeA(value & 0x7f, now);
        break;
      case RtcReg.B:
        this.writeB(value, now);
        break;
      case RtcReg.C:
      case RtcReg.D:
        this.log(`rtc: write 0x${value.toString(16)} to read-only register ${index} ignored`);
        return;
      default:
        s.cmos[index] = value; // alarm bytes and NVRAM
    }
    this.update(now);
  }

  private writeA(value: number, now: number): void {
    const s = this.s;
    const wasRunning = this.running();
    const wasReset = ((s.regA >> 5) & 3) === 3;
    if (wasRunning) {
      const sec = this.currentSec(now);
      s.stoppedFracNs = mod(now - s.anchorNs, NS_PER_SEC);
      s.regA = value;
      if (!this.running()) s.baseSec = sec;
    } else {
      s.regA = value;
    }
    const isReset = ((s.regA >> 5) & 3) === 3;
    if (isReset) s.stoppedFracNs = 0;
    if (!wasRunning && this.running()) {
      // Leaving divider reset, the first update comes 500 ms later (datasheet, register A DV bits).
      const frac = wasReset ? NS_PER_SEC / 2 : s.stoppedFracNs;
      s.anchorNs = now - frac;
      s.evaluatedNs = now;
    }
  }

  private writeB(value: number, now: number): void {
    const s = this.s;
    const wasSet = (s.regB & B_SET) !== 0;
    if (value & B_SET) value &= ~B_UIE; // SET clears UIE
    if (!wasSet && (value & B_SET)) {
      // Freeze the user-visible copy: unwritten fields keep the time SET was raised at.
      const f = fieldsOf(this.currentSec(now));
      for (const idx of [0, 2, 4, 6, 7, 8, 9, CMOS_CENTURY]) {
        const field = this.fieldIndex(idx)!;
        s.cmos[idx] = this.encode(f[field], field === 'hour');
      }
    }
    if (wasSet && !(value & B_SET)) {
      const f = {} as Fields;
      for (const idx of [0, 2, 4, 6, 7, 8, 9, CMOS_CENTURY]) {
        const field = this.fieldIndex(idx)!;
        f[field] = this.decode(s.cmos[idx]!, field === 'hour');
      }
      s.regB = value;
      this.setTime(epochOf(f), now);
      s.evaluatedNs = now; // the jump itself is not an update cycle
      return;
    }
    s.regB = value;
  }

  private setTime(epochSec: number, now: number): void {
    const s = this.s;
    if (this.running()) s.baseSec = epochSec - Math.floor((now - s.anchorNs) / NS_PER_SEC);
    else s.baseSec = epochSec;
  }

  /** Drives IRQ 8 from IRQF and arms the timer for the next edge that could raise it. */
  private update(now: number): void {
    const level = this.irqf();
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.set(level);
    }
    if (this.timer === undefined) return;
    const s = this.s;
    let deadline: number | undefined;
    if (!level && this.running()) {
      const p = this.periodNs();
      if (p !== undefined && (s.regB & B_PIE)) deadline = s.anchorNs + (Math.floor((now - s.anchorNs) / p) + 1) * p;
      if ((s.regB & (B_UIE | B_AIE)) && !(s.regB & B_SET)) {
        const next = s.anchorNs + (Math.floor((now - s.anchorNs) / NS_PER_SEC) + 1) * NS_PER_SEC;
        deadline = deadline === undefined ? next : Math.min(deadline, next);
      }
    }
    if (deadline !== this.armed) {
      this.armed = deadline;
      this.timer.setTimer(deadline);
    }
  }
}
