/**
 * The ACPI power-management timer (ACPI 6.5 section 4.8.3.3): a free-running counter at
 * 3.579545 MHz, read through PM_TMR_BLK. It is 24 bits wide here (the FADT leaves TMR_VAL_EXT
 * clear, as on PIIX4 and QEMU's pc machine); each time bit 23 changes the hardware sets TMR_STS.
 * The count comes from the machine's clock, so it advances with real time under either CPU.
 */
import type { Clock } from './scheduler.js';

/** The PM timer's frequency in Hz (ACPI: 3.579545 MHz). */
export const PM_TIMER_HZ = 3_579_545;
/** Mask of the 24-bit counter. */
export const PM_TIMER_MASK = 0xff_ffff;
/** Ticks between two TMR_STS events: bit 23 of the counter changes every 2^23 ticks. */
export const PM_TIMER_OVERFLOW_TICKS = 0x80_0000;

const NS_PER_S = 1_000_000_000;

/** Whole timer ticks in `ns` nanoseconds (exact in doubles for any uptime: no product exceeds 2^53). */
export function pmTicksIn(ns: number): number {
  const s = Math.floor(ns / NS_PER_S);
  const rest = ns - s * NS_PER_S;
  return s * PM_TIMER_HZ + Math.floor((rest * PM_TIMER_HZ) / NS_PER_S);
}

/** The first nanosecond count at which `ticks` ticks have elapsed (the inverse of pmTicksIn). */
export function nsForPmTicks(ticks: number): number {
  const s = Math.floor(ticks / PM_TIMER_HZ);
  const rest = ticks - s * PM_TIMER_HZ;
  return s * NS_PER_S + Math.ceil((rest * NS_PER_S) / PM_TIMER_HZ);
}

/** The counter, counting from the machine's power-on. */
export class AcpiPmTimer {
  private readonly start: number;

  constructor(private readonly clock: Clock) {
    this.start = clock();
  }

  /** Ticks since power-on (not masked). */
  ticks(nowNs: number = this.clock()): number {
    return pmTicksIn(Math.max(0, nowNs - this.start));
  }

  /** TMR_VAL: the 24-bit count the guest reads. */
  value(nowNs: number = this.clock()): number {
    return this.ticks(nowNs) % (PM_TIMER_MASK + 1);
  }

  /** How many times bit 23 has changed since power-on (each change sets TMR_STS). */
  overflows(nowNs: number = this.clock()): number {
    return Math.floor(this.ticks(nowNs) / PM_TIMER_OVERFLOW_TICKS);
  }

  /** When bit 23 next changes after `nowNs` (on the machine's clock). */
  nextOverflowNs(nowNs: number = this.clock()): number {
    return this.start + nsForPmTicks((this.overflows(nowNs) + 1) * PM_TIMER_OVERFLOW_TICKS);
  }
}
