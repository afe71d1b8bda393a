/**
 * The ACPI fixed-hardware register block of the PIIX4 power-management function, as the guest sees
 * it at the PM I/O base (ACPI 6.5 section 4.8.3; Intel 82371AB datasheet, "Power Management I/O
 * Space"; the offsets QEMU's pc machine and its FADT use):
 *   +0 PM1_STS (16 bits, write 1 to clear)   +2 PM1_EN (16 bits)
 *   +4 PM1_CNT (16 bits: SCI_EN, SLP_TYP, SLP_EN)   +8 PM_TMR (32-bit read, 24-bit count)
 * Other offsets of the 64-byte block are not decoded (reads all ones, writes ignored).
 * Any access width works; wide accesses cover consecutive bytes, as on the ISA-style bus.
 */
import type { BusDevice } from '../bus/bus-device.js';
import type { Clock, DeviceLog, DeviceTimer } from './scheduler.js';
import { silentLog } from './scheduler.js';
import { AcpiPmTimer } from './acpi-pm-timer.js';

/** Size of the PIIX4 PM I/O block (PMBA decodes 64 bytes). */
export const PM_IO_SIZE = 0x40;
/** Offsets in the block: PM1a event (status + enable), PM1a control, PM timer. */
export const PM_REG = { PM1_STS: 0x00, PM1_EN: 0x02, PM1_CNT: 0x04, PM_TMR: 0x08 } as const;
/** Lengths the FADT gives for those blocks. */
export const PM1_EVT_LEN = 4;
export const PM1_CNT_LEN = 2;
export const PM_TMR_LEN = 4;

/** PM1 status/enable bits (ACPI tables 4.16 and 4.17). */
export const PM1_EVT = {
  TMR: 1 << 0,
  BM: 1 << 4,
  GBL: 1 << 5,
  PWRBTN: 1 << 8,
  SLPBTN: 1 << 9,
  RTC: 1 << 10,
  WAK: 1 << 15,
} as const;
/** PM1 control bits (ACPI table 4.18). */
export const PM1_CNT = { SCI_EN: 1 << 0, BM_RLD: 1 << 1, GBL_RLS: 1 << 2, SLP_EN: 1 << 13 } as const;
/** SLP_TYP field of PM1_CNT: bits 12:10. */
export const SLP_TYP_SHIFT = 10;
export const SLP_TYP_MASK = 0x7;

/** The status bits that raise an SCI when enabled (timer, global lock, power button, RTC). */
const SCI_SOURCES = PM1_EVT.TMR | PM1_EVT.GBL | PM1_EVT.PWRBTN | PM1_EVT.RTC;
/** Status bits the hardware can set here; the rest read 0. */
const STS_IMPLEMENTED = PM1_EVT.TMR | PM1_EVT.BM | PM1_EVT.GBL | PM1_EVT.PWRBTN | PM1_EVT.SLPBTN | PM1_EVT.RTC | PM1_EVT.WAK;
/** Enable bits that exist (ACPI PM1_EN: TMR, GBL, PWRBTN, SLPBTN, RTC). */
const EN_IMPLEMENTED = PM1_EVT.TMR | PM1_EVT.GBL | PM1_EVT.PWRBTN | PM1_EVT.SLPBTN | PM1_EVT.RTC;

/** What the register block needs from its function and machine. */
export interface AcpiPmRegistersOptions {
  readonly clock: Clock;
  /** Fires at the next timer overflow while TMR_EN is set, so TMR_STS can raise the SCI in time. */
  readonly timer: DeviceTimer;
  /** The guest wrote SLP_EN with sleep type `slpTyp` (the \_Sx value from the DSDT). */
  readonly onSleep: (slpTyp: number) => void;
  /** The block's share of the SCI changed; read `sciPending`. */
  readonly onSciChange: () => void;
  readonly log?: DeviceLog;
}

/** PM1 event and control registers plus the PM timer. */
export class AcpiPmRegisters implements BusDevice {
  private readonly pmTimer: AcpiPmTimer;
  private sts = 0;
  private en = 0;
  private cnt = 0;
  /** Timer overflows the guest has acknowledged by clearing TMR_STS. */
  private overflowsSeen = 0;
  private readonly log: DeviceLog;

  constructor(private readonly o: AcpiPmRegistersOptions) {
    this.pmTimer = new AcpiPmTimer(o.clock);
    this.log = o.log ?? silentLog;
  }

  /** Whether an enabled event is pending (the SCI line is the OR of this and the GPE block). */
  get sciPending(): boolean {
    return (this.status() & this.en & SCI_SOURCES) !== 0;
  }

  /** SCI_EN: the OS has taken the hardware into ACPI mode. */
  get sciEnabled(): boolean {
    return (this.cnt & PM1_CNT.SCI_EN) !== 0;
  }

  /** TMR_VAL now. */
  timerValue(): number {
    return this.pmTimer.value();
  }

  /** The power button was pressed (QMP system_powerdown): sets PWRBTN_STS. */
  pressPowerButton(): void {
    this.sts |= PM1_EVT.PWRBTN;
    this.o.onSciChange();
  }

  /** ACPI enable/disable handshake through the SMI command port: sets or clears SCI_EN. */
  setSciEnable(on: boolean): void {
    this.cnt = on ? this.cnt | PM1_CNT.SCI_EN : this.cnt & ~PM1_CNT.SCI_EN;
  }

  /** The device's timer fired: TMR_STS may now be set. */
  onTimer(): void {
    this.o.onSciChange();
    this.armTimer();
  }

  /** Power-on state: no status, nothing enabled, legacy (non-ACPI) mode. */
  reset(): void {
    this.sts = 0;
    this.en = 0;
    this.cnt = 0;
    this.overflowsSeen = this.pmTimer.overflows();
    this.o.timer.setTimer(undefined);
    this.o.onSciChange();
  }

  read(offset: number, data: Uint8Array): void {
    // One clock reading per access: a dword read of PM_TMR must not tear across a carry.
    const now = this.o.clock();
    for (let i = 0; i < data.length; i++) data[i] = this.readByte(offset + i, now);
  }

  write(offset: number, data: Uint8Array): void {
    // Collect the bytes per 16-bit register first, so a word write of PM1_CNT acts once.
    let stsClear = 0;
    let enBytes: Array<number | undefined> | undefined;
    let cntBytes: Array<number | undefined> | undefined;
    for (let i = 0; i < data.length; i++) {
      const reg = offset + i;
      const b = data[i]!;
      if (reg < 2) stsClear |= b << (8 * reg);
      else if (reg < 4) (enBytes ??= [])[reg - 2] = b;
      else if (reg < 6) (cntBytes ??= [])[reg - 4] = b;
      else this.log(`acpi-pm: write to undecoded offset 0x${reg.toString(16)} ignored`);
    }
    if (stsClear !== 0) this.clearStatus(stsClear);
    if (enBytes !== undefined) {
      this.en = mergeBytes(this.en, enBytes) & EN_IMPLEMENTED;
      this.armTimer();
    }
    if (cntBytes !== undefined) this.writeControl(mergeBytes(this.cnt, cntBytes));
    if (stsClear !== 0 || enBytes !== undefined) this.o.onSciChange();
  }

  private readByte(reg: number, now: number): number {
    if (reg < 2) return (this.status(now) >> (8 * reg)) & 0xff;
    if (reg < 4) return (this.en >> (8 * (reg - 2))) & 0xff;
    if (reg < 6) return (this.cnt >> (8 * (reg - 4))) & 0xff;
    if (reg >= PM_REG.PM_TMR && reg < PM_REG.PM_TMR + PM_TMR_LEN) return Math.floor(this.pmTimer.value(now) / 2 ** (8 * (reg - PM_REG.PM_TMR))) & 0xff;
    return 0xff;
  }

  /** PM1_STS with TMR_STS worked out from the clock. */
  private status(now: number = this.o.clock()): number {
    const tmr = this.pmTimer.overflows(now) > this.overflowsSeen ? PM1_EVT.TMR : 0;
    return (this.sts | tmr) & STS_IMPLEMENTED;
  }

  private clearStatus(bits: number): void {
    if (bits & PM1_EVT.TMR) this.overflowsSeen = this.pmTimer.overflows();
    this.sts &= ~bits;
    this.armTimer();
  }

  private writeControl(value: number): void {
    // SLP_EN is write-only and self-clearing; GBL_RLS is write-only (there is no BIOS to signal).
    this.cnt = value & ~(PM1_CNT.SLP_EN | PM1_CNT.GBL_RLS) & 0xffff;
    if (value & PM1_CNT.SLP_EN) this.o.onSleep((value >> SLP_TYP_SHIFT) & SLP_TYP_MASK);
  }

  /** Keeps the overflow timer armed only while TMR_EN is set and TMR_STS is still clear. */
  private armTimer(): void {
    const want = (this.en & PM1_EVT.TMR) !== 0 && (this.status() & PM1_EVT.TMR) === 0;
    this.o.timer.setTimer(want ? this.pmTimer.nextOverflowNs() : undefined);
  }
}

/** `old` with the given little-endian bytes replaced (undefined entries keep the old byte). */
function mergeBytes(old: number, bytes: ReadonlyArray<number | undefined>): number {
  let v = old;
  bytes.forEach((b, i) => {
    if (b !== undefined) v = (v & ~(0xff << (8 * i))) | (b << (8 * i));
  });
  return v & 0xffff;
}
