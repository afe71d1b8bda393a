/**
 * Helpers for local APIC tests: a LocalApic on a manual clock and recording timer, with register
 * access through its MMIO BusDevice side, as a guest driver does.
 */
import { LocalApic } from './lapic.js';
import type { LocalApicOptions } from './lapic.js';
import { ManualClock, RecordingTimer } from './scheduler.js';

/** A local APIC under test and what it told the machine. */
export interface ApicHarness {
  apic: LocalApic;
  clock: ManualClock;
  timer: RecordingTimer;
  /** Vectors broadcast as level-triggered EOIs. */
  eois: number[];
  /** INIT and SIPI vectors received, as 'init' / 'sipi:vv'. */
  events: string[];
  /** Reads the 32-bit register at `reg`. */
  rd(reg: number): number;
  /** Writes the 32-bit register at `reg`. */
  wr(reg: number, value: number): void;
  /** Runs the timer callback when its deadline has passed, as a (possibly late) machine would. */
  fire(): void;
}

/** Builds a local APIC with id `id` (BSP when id is 0) and extra options. */
export function apicHarness(id = 0, extra: Partial<LocalApicOptions> = {}, clock = new ManualClock()): ApicHarness {
  const timer = new RecordingTimer();
  const eois: number[] = [];
  const events: string[] = [];
  const apic = new LocalApic({
    id, bsp: id === 0, clock: clock.clock, timer,
    eoiBroadcast: (v) => eois.push(v),
    onInit: () => events.push('init'),
    onStartup: (v) => events.push(`sipi:${v.toString(16)}`),
    ...extra,
  });
  const rd = (reg: number): number => {
    const d = new Uint8Array(4);
    apic.read(reg, d);
    return new DataView(d.buffer).getUint32(0, true);
  };
  const wr = (reg: number, value: number): void => {
    const d = new Uint8Array(4);
    new DataView(d.buffer).setUint32(0, value >>> 0, true);
    apic.write(reg, d);
  };
  const fire = (): void => {
    if (timer.deadline !== undefined && clock.now >= timer.deadline) apic.onTimer(clock.now);
  };
  return { apic, clock, timer, eois, events, rd, wr, fire };
}
