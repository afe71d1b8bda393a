/**
 * The local APIC timer's counting, computed from the clock: the APIC bus clock runs at 1 GHz as in
 * QEMU and KVM (one bus clock per ns), divided by the divide configuration register, so the
 * current count is a function of the time since the initial count was written. Nothing ticks; the
 * owner arms a one-shot DeviceTimer for `nextExpiry`.
 */

/** APIC bus clocks per ns (QEMU and KVM both use a 1 GHz APIC bus). */
export const APIC_BUS_CLOCKS_PER_NS = 1;

/** The divisor selected by a divide configuration register value (bits 0, 1 and 3). */
export function apicTimerDivisor(tdcr: number): number {
  const code = (tdcr & 3) | ((tdcr & 8) >> 1);
  return code === 7 ? 1 : 2 << code;
}

/** The timer's counting state as plain data. */
export interface ApicTimerState {
  initial: number;
  divideConfig: number;
  startNs: number;
  expiries: number;
}

/** One-shot and periodic counting of the APIC timer (TSC-deadline mode is not implemented). */
export class ApicTimerCounter {
  /** Initial count register (0 = stopped). */
  initial = 0;
  /** Divide configuration register (bits 0, 1, 3). */
  divideConfig = 0;
  /** When the initial count was written, in clock ns. */
  startNs = 0;
  /** Expiries already signalled since startNs. */
  expiries = 0;

  private divisor(): number {
    return apicTimerDivisor(this.divideConfig);
  }

  /** Timer clocks counted since the start. */
  private ticks(now: number): number {
    return Math.floor((Math.max(0, now - this.startNs) * APIC_BUS_CLOCKS_PER_NS) / this.divisor());
  }

  /** Starts counting down from `count` now (a write of the initial count register). */
  start(count: number, now: number): void {
    this.initial = count >>> 0;
    this.startNs = now;
    this.expiries = 0;
  }

  /** The current count register. */
  current(now: number, periodic: boolean): number {
    if (this.initial === 0) return 0;
    const t = this.ticks(now);
    if (periodic) return this.initial - (t % this.initial);
    return t >= this.initial ? 0 : this.initial - t;
  }

  /** How many expiries have happened by `now` (one-shot: at most one). */
  expiriesBy(now: number, periodic: boolean): number {
    if (this.initial === 0) return 0;
    const n = Math.floor(this.ticks(now) / this.initial);
    return periodic ? n : Math.min(n, 1);
  }

  /** The clock time of the next expiry not yet signalled, or undefined when none will come. */
  nextExpiry(periodic: boolean): number | undefined {
    if (this.initial === 0 || (!periodic && this.expiries >= 1)) return undefined;
    return this.startNs + Math.ceil(((this.expiries + 1) * this.initial * this.divisor()) / APIC_BUS_CLOCKS_PER_NS);
  }

  /** A new divide configuration: counting goes on from the current count at the new rate. */
  setDivide(value: number, now: number): void {
    const counted = this.ticks(now);
    this.divideConfig = value & 0xb;
    if (this.initial !== 0) this.startNs = now - Math.ceil((counted * this.divisor()) / APIC_BUS_CLOCKS_PER_NS);
  }

  /** A copy of the state as plain data. */
  saveState(): ApicTimerState {
    return { initial: this.initial, divideConfig: this.divideConfig, startNs: this.startNs, expiries: this.expiries };
  }

  /** Restores a state from saveState(). */
  loadState(s: ApicTimerState): void {
    this.initial = s.initial >>> 0;
    this.divideConfig = s.divideConfig & 0xb;
    this.startNs = s.startNs;
    this.expiries = s.expiries;
  }
}
