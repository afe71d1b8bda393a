/**
 * One processor's local APIC in xAPIC mode (Intel SDM vol. 3, chapter 10 "Advanced Programmable
 * Interrupt Controller"), for the software CPU; under KVM the kernel's LAPIC is used. It looks like
 * QEMU's and KVM's: version 0x14 with six LVT entries (max LVT 5), a 1 GHz APIC bus for the timer
 * (one-shot, periodic, and TSC-deadline when the CPU offers it), BSP LINT0 in ExtINT mode at
 * reset so the 8259A pair reaches the CPU, no directed EOI.
 *
 * The register page is mapped by the machine at the APIC base (0xFEE00000 unless the guest moves
 * it through the IA32_APIC_BASE MSR, which the CPU forwards to `readBaseMsr`/`writeBaseMsr`).
 * IPIs written to the ICR and EOIs of level-triggered vectors leave through injected callbacks
 * (lapic-bus.ts routes IPIs between processors; the IOAPIC takes the EOI broadcast). Messages
 * arrive through `receive`. The timer counts from the clock (lapic-timer.ts); one DeviceTimer is
 * armed for the next expiry.
 *
 * Threat note: every register value comes from the guest; nothing here throws on guest input.
 */
import type { BusDevice } from '../bus/bus-device.js';
import { fillLe, leValue } from './access.js';
import { ApicTimerCounter } from './lapic-timer.js';
import type { ApicTimerState } from './lapic-timer.js';
import type { Clock, DeviceLog, DeviceTimer } from './scheduler.js';
import { silentLog } from './scheduler.js';

/** The default physical address of the local APIC's register page. */
export const APIC_DEFAULT_BASE = 0xfee00000;
/** Size of the register page. */
export const APIC_WINDOW_SIZE = 0x1000;
/** IA32_APIC_BASE. */
export const MSR_APIC_BASE = 0x1b;
/** IA32_APIC_BASE bit 8: this is the bootstrap processor. */
export const APIC_BASE_BSP = 0x100;
/** IA32_APIC_BASE bit 11: the APIC is globally enabled. */
export const APIC_BASE_ENABLE = 0x800;
/** The version register: version 0x14, max LVT entry 5 (QEMU and KVM). */
export const APIC_VERSION = 0x00050014;

/** Delivery modes of LVT entries, ICR and IOAPIC redirection entries. */
export const ApicDelivery = { FIXED: 0, LOWEST: 1, SMI: 2, NMI: 4, INIT: 5, STARTUP: 6, EXTINT: 7 } as const;

/** Register offsets within the page. */
export const ApicReg = {
  ID: 0x20, VERSION: 0x30, TPR: 0x80, APR: 0x90, PPR: 0xa0, EOI: 0xb0, RRD: 0xc0, LDR: 0xd0, DFR: 0xe0,
  SVR: 0xf0, ISR: 0x100, TMR: 0x180, IRR: 0x200, ESR: 0x280, ICR_LOW: 0x300, ICR_HIGH: 0x310,
  LVT_TIMER: 0x320, LVT_THERMAL: 0x330, LVT_PERF: 0x340, LVT_LINT0: 0x350, LVT_LINT1: 0x360,
  LVT_ERROR: 0x370, TIMER_INITIAL: 0x380, TIMER_CURRENT: 0x390, TIMER_DIVIDE: 0x3e0,
} as const;

/** LVT indexes. */
const LVT_TIMER = 0;
const LVT_LINT0 = 3;
const LVT_LINT1 = 4;
const LVT_ERROR = 5;
const LVT_COUNT = 6;
/** Writable bits of each LVT entry (timer: one-shot/periodic; TSC-deadline added when offered). */
const LVT_WRITABLE = [0x300ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff] as const;
const LVT_MASKED = 0x10000;
/** Timer mode field (bits 18:17) and its values. */
const LVT_TIMER_MODE = 0x60000;
const LVT_PERIODIC = 0x20000;
const LVT_TSC_DEADLINE = 0x40000;
const LVT_LEVEL = 0x8000;
const SVR_ENABLE = 0x100;
const SVR_WRITABLE = 0x3ff;
/** ESR bits. */
const ESR_SEND_ILLEGAL_VECTOR = 0x20;
const ESR_RECEIVE_ILLEGAL_VECTOR = 0x40;
/** IA32_APIC_BASE bits a guest may not set: reserved 0-7, 9, and 10 (x2APIC, not offered). */
const BASE_RESERVED_LOW = 0x6ff;

/** Highest set bit of a 256-bit vector bitmap, or -1. */
function highestVector(bits: Uint32Array): number {
  for (let w = 7; w >= 0; w--) {
    const v = bits[w]!;
    if (v !== 0) return w * 32 + 31 - Math.clz32(v);
  }
  return -1;
}

function testBit(bits: Uint32Array, v: number): boolean {
  return (bits[v >> 5]! & (1 << (v & 31))) !== 0;
}

function setBit(bits: Uint32Array, v: number, on: boolean): void {
  if (on) bits[v >> 5]! |= 1 << (v & 31);
  else bits[v >> 5]! &= ~(1 << (v & 31));
}

/** What the machine injects into one local APIC. */
export interface LocalApicOptions {
  /** Initial APIC ID (also the CPUID initial APIC ID). */
  id: number;
  /** Whether this is the bootstrap processor (IA32_APIC_BASE.BSP, LINT0 ExtINT at reset). */
  bsp: boolean;
  /** Monotonic nanoseconds (the timer). */
  clock: Clock;
  /** One-shot timer for the next APIC timer expiry. */
  timer?: DeviceTimer;
  /**
   * Offer the TSC-deadline timer mode (the CPU then sets CPUID.01H:ECX[24] and forwards
   * IA32_TSC_DEADLINE writes to `writeTscDeadline`).
   */
  tscDeadline?: boolean;
  /** An IPI written to the ICR (low dword write), with the ICR's two halves: route it (ApicBus). */
  sendIpi?: (from: LocalApic, icrLow: number, icrHigh: number) => void;
  /** EOI of a level-triggered vector: broadcast to the IOAPIC(s). */
  eoiBroadcast?: (vector: number) => void;
  /** An INIT message reached this processor (after the APIC's own INIT reset). */
  onInit?: () => void;
  /** A start-up IPI reached this processor with its vector (the AP starts at vector << 12). */
  onStartup?: (vector: number) => void;
  /** Something became pending for the processor (an interrupt, NMI, INIT or SIPI): wake it. */
  onWake?: () => void;
  /** The guest moved the register page (IA32_APIC_BASE): the machine remaps it. */
  onBaseChange?: (base: number) => void;
  /** Where ignored guest mistakes are reported. */
  log?: DeviceLog;
}

/** A local APIC's state as plain data. */
export interface LocalApicState {
  id: number;
  base: number;
  tpr: number;
  ldr: number;
  dfr: number;
  svr: number;
  isr: number[];
  tmr: number[];
  irr: number[];
  esr: number;
  esrPending: number;
  icrLow: number;
  icrHigh: number;
  lvt: number[];
  timer: ApicTimerState;
  nmiPending: boolean;
  extIntPending: boolean;
  lintLevels: number;
  tscDeadlineNs?: number;
}

/** One processor's local APIC. */
export class LocalApic implements BusDevice {
  /** APIC ID (8 bits). */
  id: number;
  /** IA32_APIC_BASE as the CPU reads it. */
  private base: number;
  private tpr = 0;
  private ldr = 0;
  private dfr = 0xffffffff;
  private svr = 0xff;
  private readonly isr = new Uint32Array(8);
  private readonly tmr = new Uint32Array(8);
  private readonly irr = new Uint32Array(8);
  private esr = 0;
  private esrPending = 0;
  private icrLow = 0;
  private icrHigh = 0;
  private readonly lvt = new Uint32Array(LVT_COUNT);
  private readonly timerCounter = new ApicTimerCounter();
  /** TSC-deadline mode: the armed deadline on the clock, or undefined (disarmed or fired). */
  private tscDeadlineNs: number | undefined = undefined;
  private nmiPending = false;
  /** An ExtINT message arrived (IOAPIC pin in ExtINT mode): the 8259A pair supplies the vector. */
  extIntPending = false;
  /** LINT0/LINT1 input levels (bits 0, 1) for edge detection. */
  private lintLevels = 0;
  /** The vector `acknowledge` would deliver, or -1: cached so hasInterrupt is one compare. */
  private pending = -1;
  private readonly log: DeviceLog;

  constructor(private readonly options: LocalApicOptions) {
    this.id = options.id & 0xff;
    this.base = APIC_DEFAULT_BASE | APIC_BASE_ENABLE | (options.bsp ? APIC_BASE_BSP : 0);
    this.log = options.log ?? silentLog;
    this.resetRegisters();
  }

  /** Power-on/RESET: registers to their reset values, APIC globally enabled at 0xFEE00000. */
  reset(): void {
    const oldBase = (this.base & ~0xfff) >>> 0;
    this.id = this.options.id & 0xff;
    this.base = APIC_DEFAULT_BASE | APIC_BASE_ENABLE | (this.options.bsp ? APIC_BASE_BSP : 0);
    this.resetRegisters();
    if (oldBase !== APIC_DEFAULT_BASE) this.options.onBaseChange?.(APIC_DEFAULT_BASE);
  }

  /** The INIT reset (SDM 10.4.7.3): like RESET but the APIC ID and IA32_APIC_BASE are kept. */
  private resetRegisters(): void {
    this.tpr = 0;
    this.ldr = 0;
    this.dfr = 0xffffffff;
    this.svr = 0xff;
    this.isr.fill(0);
    this.tmr.fill(0);
    this.irr.fill(0);
    this.esr = 0;
    this.esrPending = 0;
    this.icrLow = 0;
    this.icrHigh = 0;
    this.lvt.fill(LVT_MASKED);
    // As QEMU and KVM: the BSP's LINT0 is ExtINT and unmasked, so the 8259A reaches the CPU.
    if ((this.base & APIC_BASE_BSP) !== 0) this.lvt[LVT_LINT0] = ApicDelivery.EXTINT << 8;
    this.timerCounter.start(0, this.options.clock());
    this.timerCounter.divideConfig = 0;
    this.tscDeadlineNs = undefined;
    this.nmiPending = false;
    this.extIntPending = false;
    this.lintLevels = 0;
    this.options.timer?.setTimer(undefined);
    this.update();
  }

  // ---- the CPU's side ----------------------------------------------------------------------

  /** IA32_APIC_BASE for RDMSR 0x1B (the high dword is 0: the page is below 4 GiB). */
  readBaseMsr(): number {
    return this.base >>> 0;
  }

  /**
   * WRMSR 0x1B with EDX:EAX = hi:lo. Returns false when the CPU must raise #GP (reserved bits,
   * x2APIC enable, an address above 4 GiB). Clearing the enable bit puts the APIC in its reset
   * state (SDM 10.4.3); the machine is told when the register page moves.
   */
  writeBaseMsr(lo: number, hi: number): boolean {
    if ((lo & BASE_RESERVED_LOW) !== 0 || hi !== 0) return false;
    const old = this.base;
    this.base = lo >>> 0;
    if ((old & APIC_BASE_ENABLE) !== 0 && (lo & APIC_BASE_ENABLE) === 0) this.resetRegisters();
    if (((old ^ lo) & ~0xfff) !== 0) this.options.onBaseChange?.((lo & ~0xfff) >>> 0);
    this.update();
    return true;
  }

  /** The register page's physical address. */
  get baseAddress(): number {
    return (this.base & ~0xfff) >>> 0;
  }

  /** IA32_APIC_BASE.EN: CPUID.1:EDX.APIC follows it. */
  get hardwareEnabled(): boolean {
    return (this.base & APIC_BASE_ENABLE) !== 0;
  }

  /** SVR bit 8: the APIC is software enabled. */
  get softwareEnabled(): boolean {
    return (this.svr & SVR_ENABLE) !== 0;
  }

  /** True while a fixed interrupt is deliverable (above the processor priority). */
  hasInterrupt(): boolean {
    return this.pending >= 0;
  }

  /**
   * The INTA cycle for an APIC interrupt: the highest requested vector moves from IRR to ISR. If
   * nothing is deliverable any more (the TPR was raised meanwhile), the spurious vector (SVR) is
   * returned and no ISR bit is set.
   */
  acknowledge(): number {
    const v = this.pending;
    if (v < 0) return this.svr & 0xff;
    setBit(this.irr, v, false);
    setBit(this.isr, v, true);
    this.update();
    return v;
  }

  /** Whether the 8259A's INTR reaches this CPU: APIC globally disabled, or LINT0 unmasked ExtINT. */
  acceptsPicInterrupt(): boolean {
    if ((this.base & APIC_BASE_ENABLE) === 0) return true;
    const lint0 = this.lvt[LVT_LINT0]!;
    return (lint0 & LVT_MASKED) === 0 && ((lint0 >> 8) & 7) === ApicDelivery.EXTINT;
  }

  /** The NMI latch: true once per NMI message or LINT NMI edge. */
  takeNmi(): boolean {
    if (!this.nmiPending) return false;
    this.nmiPending = false;
    return true;
  }

  // ---- messages from the APIC bus ----------------------------------------------------------

  /** Whether a message for `dest` in physical or logical mode addresses this APIC. */
  matches(dest: number, logical: boolean): boolean {
    if ((this.base & APIC_BASE_ENABLE) === 0) return false;
    if (dest === 0xff) return true;
    if (!logical) return dest === this.id;
    const ldr = this.ldr >>> 24;
    if ((this.dfr >>> 28) === 0xf) return (ldr & dest) !== 0;
    // Cluster model: high nibble the cluster, low nibble a member bitmap.
    return ((dest >> 4) === (ldr >> 4) || (dest >> 4) === 0xf) && (dest & ldr & 0xf) !== 0;
  }

  /** The priority class used for lowest-priority arbitration (lower wins). */
  arbitrationPriority(): number {
    return this.tpr & 0xf0;
  }

  /** A message for this APIC: fixed/lowest vectors, NMI, INIT, start-up or ExtINT. */
  receive(mode: number, vector: number, level: boolean): void {
    if ((this.base & APIC_BASE_ENABLE) === 0) return;
    switch (mode) {
      case ApicDelivery.FIXED:
      case ApicDelivery.LOWEST:
        this.acceptVector(vector, level);
        return;
      case ApicDelivery.NMI:
        this.nmiPending = true;
        this.options.onWake?.();
        return;
      case ApicDelivery.INIT:
        this.resetRegisters();
        this.options.onInit?.();
        this.options.onWake?.();
        return;
      case ApicDelivery.STARTUP:
        this.options.onStartup?.(vector & 0xff);
        this.options.onWake?.();
        return;
      case ApicDelivery.EXTINT:
        this.extIntPending = true;
        this.options.onWake?.();
        return;
      default:
        this.log(`local APIC ${this.id}: delivery mode ${mode} (SMI or reserved) ignored`);
    }
  }

  /** Sets IRR (and TMR for level-triggered) for a fixed vector, or flags a receive error. */
  private acceptVector(vector: number, level: boolean): void {
    if (!this.softwareEnabled) return;
    vector &= 0xff;
    if (vector < 16) {
      this.raiseError(ESR_RECEIVE_ILLEGAL_VECTOR);
      return;
    }
    setBit(this.irr, vector, true);
    setBit(this.tmr, vector, level);
    this.update();
  }

  private raiseError(bit: number): void {
    this.esrPending |= bit;
    const entry = this.lvt[LVT_ERROR]!;
    if ((entry & LVT_MASKED) === 0 && (entry & 0xff) >= 16) this.acceptVector(entry & 0xff, false);
  }

  /** Drives the LINT0/LINT1 pin (`pin` 0 or 1): NMI or fixed entries act on the rising edge, or the level. */
  setLint(pin: 0 | 1, level: boolean): void {
    const bit = 1 << pin;
    const rising = level && (this.lintLevels & bit) === 0;
    this.lintLevels = level ? this.lintLevels | bit : this.lintLevels & ~bit;
    const entry = this.lvt[pin === 0 ? LVT_LINT0 : LVT_LINT1]!;
    if ((entry & LVT_MASKED) !== 0 || (this.base & APIC_BASE_ENABLE) === 0) return;
    const mode = (entry >> 8) & 7;
    const levelTriggered = (entry & LVT_LEVEL) !== 0;
    if (mode === ApicDelivery.NMI && rising) this.receive(ApicDelivery.NMI, 0, false);
    else if (mode === ApicDelivery.FIXED && (rising || (levelTriggered && level))) this.acceptVector(entry & 0xff, levelTriggered);
  }

  // ---- priorities ----------------------------------------------------------------------------

  /** The processor priority register (SDM 10.8.3.1). */
  private ppr(): number {
    const isrv = Math.max(0, highestVector(this.isr));
    return (this.tpr >> 4) >= (isrv >> 4) ? this.tpr : isrv & 0xf0;
  }

  /** Recomputes the deliverable vector and wakes the CPU when one appears. */
  private update(): void {
    let next = -1;
    if ((this.base & APIC_BASE_ENABLE) !== 0 && this.softwareEnabled) {
      const v = highestVector(this.irr);
      if (v >= 0 && (v & 0xf0) > (this.ppr() & 0xf0)) next = v;
    }
    const was = this.pending;
    this.pending = next;
    if (next >= 0 && next !== was) this.options.onWake?.();
  }

  /** An EOI write: the highest in-service vector ends; level-triggered ones are broadcast. */
  private eoi(): void {
    const v = highestVector(this.isr);
    if (v < 0) return;
    setBit(this.isr, v, false);
    if (testBit(this.tmr, v)) this.options.eoiBroadcast?.(v);
    this.update();
  }

  // ---- the timer ---------------------------------------------------------------------------

  private timerPeriodic(): boolean {
    return (this.lvt[LVT_TIMER]! & LVT_TIMER_MODE) === LVT_PERIODIC;
  }

  private timerTscDeadline(): boolean {
    return (this.lvt[LVT_TIMER]! & LVT_TIMER_MODE) === LVT_TSC_DEADLINE;
  }

  /**
   * WRMSR IA32_TSC_DEADLINE, with the TSC value already converted by the CPU to a time on this
   * APIC's clock (undefined for a write of 0, which disarms). Ignored unless the timer LVT is in
   * TSC-deadline mode (SDM 10.5.4.1). A deadline already passed fires at once.
   */
  writeTscDeadline(deadlineNs: number | undefined): void {
    if (!this.timerTscDeadline()) return;
    this.tscDeadlineNs = deadlineNs;
    this.syncTimer(this.options.clock());
  }

  /** Whether a TSC deadline is armed: RDMSR IA32_TSC_DEADLINE reads 0 once it fired or was disarmed. */
  get tscDeadlineArmed(): boolean {
    return this.tscDeadlineNs !== undefined;
  }

  /** The machine's timer callback: signals expiries up to now (coalesced) and re-arms. */
  onTimer(nowNs: number): void {
    this.syncTimer(Math.max(nowNs, this.options.clock()));
  }

  private syncTimer(now: number): void {
    if (this.timerTscDeadline()) {
      const deadline = this.tscDeadlineNs;
      if (deadline !== undefined && now >= deadline) {
        this.tscDeadlineNs = undefined;
        const entry = this.lvt[LVT_TIMER]!;
        if ((entry & LVT_MASKED) === 0) this.acceptVector(entry & 0xff, false);
      }
      this.options.timer?.setTimer(this.tscDeadlineNs);
      return;
    }
    const t = this.timerCounter;
    const periodic = this.timerPeriodic();
    const n = t.expiriesBy(now, periodic);
    if (n > t.expiries) {
      t.expiries = n;
      const entry = this.lvt[LVT_TIMER]!;
      if ((entry & LVT_MASKED) === 0) this.acceptVector(entry & 0xff, false);
    }
    this.options.timer?.setTimer(t.nextExpiry(periodic));
  }

  // ---- registers -----------------------------------------------------------------------------

  /** The 32-bit register at `reg` (a 16-byte aligned offset). */
  readRegister(reg: number): number {
    switch (reg) {
      case ApicReg.ID: return (this.id << 24) >>> 0;
      case ApicReg.VERSION: return APIC_VERSION;
      case ApicReg.TPR: return this.tpr;
      case ApicReg.APR: return 0;
      case ApicReg.PPR: return this.ppr();
      case ApicReg.EOI: case ApicReg.RRD: return 0;
      case ApicReg.LDR: return this.ldr >>> 0;
      case ApicReg.DFR: return this.dfr >>> 0;
      case ApicReg.SVR: return this.svr;
      case ApicReg.ESR: return this.esr;
      case ApicReg.ICR_LOW: return this.icrLow; // delivery is immediate: status always idle
      case ApicReg.ICR_HIGH: return this.icrHigh >>> 0;
      case ApicReg.TIMER_INITIAL: return this.timerTscDeadline() ? 0 : this.timerCounter.initial;
      case ApicReg.TIMER_CURRENT: return this.timerTscDeadline() ? 0 : this.timerCounter.current(this.options.clock(), this.timerPeriodic());
      case ApicReg.TIMER_DIVIDE: return this.timerCounter.divideConfig;
      default: break;
    }
    if (reg >= ApicReg.ISR && reg < ApicReg.ISR + 0x80) return this.isr[(reg - ApicReg.ISR) >> 4]! >>> 0;
    if (reg >= ApicReg.TMR && reg < ApicReg.TMR + 0x80) return this.tmr[(reg - ApicReg.TMR) >> 4]! >>> 0;
    if (reg >= ApicReg.IRR && reg < ApicReg.IRR + 0x80) return this.irr[(reg - ApicReg.IRR) >> 4]! >>> 0;
    if (reg >= ApicReg.LVT_TIMER && reg <= ApicReg.LVT_ERROR) return this.lvt[(reg - ApicReg.LVT_TIMER) >> 4]!;
    return 0; // reserved registers read 0, as on KVM
  }

  /** A 32-bit write of the register at `reg`. */
  writeRegister(reg: number, v: number): void {
    v >>>= 0;
    switch (reg) {
      case ApicReg.ID: this.id = v >>> 24; return;
      case ApicReg.TPR: this.tpr = v & 0xff; this.update(); return;
      case ApicReg.EOI: this.eoi(); return;
      case ApicReg.LDR: this.ldr = v & 0xff000000; return;
      case ApicReg.DFR: this.dfr = (v | 0x0fffffff) >>> 0; return;
      case ApicReg.SVR:
        this.svr = v & SVR_WRITABLE;
        if (!this.softwareEnabled) for (let i = 0; i < LVT_COUNT; i++) this.lvt[i]! |= LVT_MASKED;
        this.update();
        return;
      case ApicReg.ESR: this.esr = this.esrPending; this.esrPending = 0; return;
      case ApicReg.ICR_LOW: this.sendIpi(v); return;
      case ApicReg.ICR_HIGH: this.icrHigh = v & 0xff000000; return;
      case ApicReg.TIMER_INITIAL: {
        if (this.timerTscDeadline()) return; // ignored in TSC-deadline mode
        const now = this.options.clock();
        this.timerCounter.start(v, now);
        this.syncTimer(now);
        return;
      }
      case ApicReg.TIMER_DIVIDE: {
        const now = this.options.clock();
        this.timerCounter.setDivide(v, now);
        this.syncTimer(now);
        return;
      }
      default: break;
    }
    if (reg >= ApicReg.LVT_TIMER && reg <= ApicReg.LVT_ERROR) {
      const i = (reg - ApicReg.LVT_TIMER) >> 4;
      let entry = v & (LVT_WRITABLE[i]! | (i === LVT_TIMER && this.options.tscDeadline ? LVT_TSC_DEADLINE : 0));
      if (!this.softwareEnabled) entry |= LVT_MASKED;
      const old = this.lvt[i]!;
      // Remote IRR (bit 14) of LINT entries is read-only.
      this.lvt[i] = entry | (old & 0x4000);
      if (i === LVT_TIMER) {
        const now = this.options.clock();
        // Entering or leaving TSC-deadline mode disarms the timer (as KVM: the count is cleared too).
        if (((old ^ entry) & LVT_TIMER_MODE) !== 0 && ((old | entry) & LVT_TSC_DEADLINE) !== 0) {
          this.tscDeadlineNs = undefined;
          this.timerCounter.start(0, now);
        }
        this.timerCounter.expiries = this.timerCounter.expiriesBy(now, this.timerPeriodic());
        this.syncTimer(now);
      }
      return;
    }
    // Read-only and reserved registers ignore writes, as on KVM.
    this.log(`local APIC ${this.id}: write of ${v.toString(16)} to read-only or reserved register +${reg.toString(16)} ignored`);
  }

  private sendIpi(low: number): void {
    this.icrLow = low & 0xcfff; // vector, mode, dest mode, level, trigger, shorthand (no status)
    this.icrLow |= low & 0xc0000;
    const mode = (low >> 8) & 7;
    if ((mode === ApicDelivery.FIXED || mode === ApicDelivery.LOWEST) && (low & 0xff) < 16) {
      this.raiseError(ESR_SEND_ILLEGAL_VECTOR);
      return;
    }
    this.options.sendIpi?.(this, this.icrLow, this.icrHigh);
  }

  read(offset: number, data: Uint8Array): void {
    const within = offset & 0xf;
    const value = within < 4 ? this.readRegister(offset & 0xff0) : 0;
    fillLe(data, within < 4 ? value >>> (8 * within) : 0);
  }

  write(offset: number, data: Uint8Array): void {
    if ((offset & 0xf) !== 0 || data.length < 4) {
      this.log(`local APIC ${this.id}: ${data.length}-byte write at +${offset.toString(16)} ignored (registers take aligned dwords)`);
      return;
    }
    this.writeRegister(offset & 0xff0, leValue(data.subarray(0, 4)));
  }

  /** A copy of the state as plain data. */
  saveState(): LocalApicState {
    return {
      id: this.id, base: this.base, tpr: this.tpr, ldr: this.ldr, dfr: this.dfr, svr: this.svr,
      isr: [...this.isr], tmr: [...this.tmr], irr: [...this.irr], esr: this.esr, esrPending: this.esrPending,
      icrLow: this.icrLow, icrHigh: this.icrHigh, lvt: [...this.lvt], timer: this.timerCounter.saveState(),
      nmiPending: this.nmiPending, extIntPending: this.extIntPending, lintLevels: this.lintLevels,
      tscDeadlineNs: this.tscDeadlineNs,
    };
  }

  /** Restores a state from saveState() and re-arms the timer. */
  loadState(s: LocalApicState): void {
    this.id = s.id & 0xff;
    this.base = s.base >>> 0;
    this.tpr = s.tpr & 0xff;
    this.ldr = s.ldr >>> 0;
    this.dfr = s.dfr >>> 0;
    this.svr = s.svr & SVR_WRITABLE;
    this.isr.set(s.isr.slice(0, 8));
    this.tmr.set(s.tmr.slice(0, 8));
    this.irr.set(s.irr.slice(0, 8));
    this.esr = s.esr;
    this.esrPending = s.esrPending;
    this.icrLow = s.icrLow;
    this.icrHigh = s.icrHigh;
    this.lvt.set(s.lvt.slice(0, LVT_COUNT));
    this.timerCounter.loadState(s.timer);
    this.nmiPending = s.nmiPending;
    this.extIntPending = s.extIntPending;
    this.lintLevels = s.lintLevels;
    this.tscDeadlineNs = s.tscDeadlineNs;
    this.update();
    this.syncTimer(this.options.clock());
  }
}
