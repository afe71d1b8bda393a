/**
 * Time for devices, injected by the machine so devices stay pure state machines: a monotonic clock
 * and a one-shot timer per device. A device that must act later calls `setTimer(deadline)`; the
 * machine calls the device's `onTimer(nowNs)` once the clock reaches that deadline (late is fine,
 * the device catches up from the clock; early calls are harmless and re-arm).
 */

/** A monotonic clock in nanoseconds (e.g. `() => Number(process.hrtime.bigint())`). */
export type Clock = () => number;

/** The one-shot timer a device owns; the newest deadline replaces the previous one. */
export interface DeviceTimer {
  /** Arms the timer for `deadlineNs` on the device's clock, or cancels it with `undefined`. */
  setTimer(deadlineNs: number | undefined): void;
}

/** A timer that only records its deadline: for unit tests and for machines that poll. */
export class RecordingTimer implements DeviceTimer {
  /** The armed deadline, or undefined when the timer is idle. */
  deadline: number | undefined = undefined;
  /** How many times the device re-armed or cancelled the timer. */
  calls = 0;
  setTimer(deadlineNs: number | undefined): void {
    this.deadline = deadlineNs;
    this.calls++;
  }
}

/** A clock a test drives by hand. */
export class ManualClock {
  /** The current time in nanoseconds. */
  now = 0;
  /** The clock function to inject into devices. */
  readonly clock: Clock = () => this.now;
  /** Moves time forward by `ns` nanoseconds. */
  advance(ns: number): void {
    this.now += ns;
  }
}

/** Where a device reports guest mistakes it ignores (bad commands, invalid accesses). */
export type DeviceLog = (message: string) => void;

/** The default DeviceLog: drops messages. */
export const silentLog: DeviceLog = () => {};
