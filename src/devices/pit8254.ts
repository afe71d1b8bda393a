/**
 * Intel 8254 programmable interval timer at ports 0x40-0x43 for the software CPU (under KVM the
 * kernel's PIT is used): three counters (pit8254-counter.ts), the control word with counter latch
 * and read-back commands, gate inputs (counter 2's from port 0x61, see pit-port61.ts) and counter
 * 0's OUT on IRQ0.
 *
 * Time model: counts and OUT are computed from the injected clock at 1.193182 MHz; the only timer
 * is armed for counter 0's next OUT rising edge, when IRQ0 must be raised. A late timer still gives
 * one edge (missed periods coalesce, as on a busy real PC with an edge-triggered IRQ0).
 *
 * Threat note: every value comes from the guest; nothing here throws on guest input.
 */
import type { BusDevice, IrqLine } from '../bus/bus-device.js';
import { readBytes, writeBytes } from './access.js';
import { PitCounter } from './pit8254-counter.js';
import type { PitCounterState } from './pit8254-counter.js';
import type { Clock, DeviceTimer } from './scheduler.js';

export { PIT_HZ, pitTicks, pitNs } from './pit8254-counter.js';

/** First port of the PIT (counters at +0..+2, control word at +3). */
export const PIT_PORT = 0x40;
/** Number of ports the PIT decodes. */
export const PIT_PORT_COUNT = 4;
/** The ISA IRQ of counter 0's OUT. */
export const PIT_IRQ = 0;

/** What the machine injects into the PIT. */
export interface Pit8254Options {
  /** IRQ0: counter 0's OUT. */
  irq0: IrqLine;
  /** Monotonic nanoseconds. */
  clock: Clock;
  /** One-shot timer for counter 0's next rising edge; without it IRQ0 moves only on port accesses. */
  timer?: DeviceTimer;
}

/** The PIT's state as plain data. */
export interface Pit8254State {
  counters: PitCounterState[];
  irqTicks: number;
  irqLevel: boolean;
}

/** The 8254 PIT of the PC. */
export class Pit8254 implements BusDevice {
  /** Counters 0-2 (0: IRQ0, 1: DRAM refresh, 2: speaker and port 0x61). */
  readonly counters: readonly [PitCounter, PitCounter, PitCounter];
  /** Counter 0's elapsed clocks through which IRQ0 edges were delivered. */
  private irqTicks = 0;
  private irqLevel = false;

  constructor(private readonly options: Pit8254Options) {
    this.counters = [new PitCounter(true), new PitCounter(true), new PitCounter(false)];
    this.powerOn();
  }

  read(offset: number, data: Uint8Array): void {
    const now = this.options.clock();
    readBytes(offset, data, PIT_PORT_COUNT, (reg) => {
      if (reg === 3) return 0xff; // the control word register is write-only
      return this.counters[reg as 0 | 1 | 2].readPort(now);
    });
  }

  write(offset: number, data: Uint8Array): void {
    const now = this.options.clock();
    writeBytes(offset, data, PIT_PORT_COUNT, (reg, v) => {
      if (reg === 3) this.writeControl(v, now);
      else {
        if (reg === 0) this.syncIrq0(now);
        const restarted = this.counters[reg as 0 | 1 | 2].writePort(v, now);
        if (reg === 0) {
          if (restarted) this.irqTicks = 0;
          this.syncIrq0(now);
        }
      }
    });
  }

  private writeControl(v: number, now: number): void {
    const select = v >> 6;
    if (select === 3) {
      // Read-back: bit 5 low latches counts, bit 4 low latches status, bits 1-3 pick counters.
      for (let i = 0; i < 3; i++) {
        if ((v & (2 << i)) === 0) continue;
        const c = this.counters[i as 0 | 1 | 2];
        if ((v & 0x20) === 0) c.latchCount(now);
        if ((v & 0x10) === 0) c.latchStatus(now);
      }
      return;
    }
    const c = this.counters[select as 0 | 1 | 2];
    if ((v & 0x30) === 0) {
      c.latchCount(now);
      return;
    }
    if (select === 0) this.syncIrq0(now);
    c.control(v, now);
    if (select === 0) {
      this.irqTicks = 0;
      this.syncIrq0(now);
    }
  }

  /** Drives counter `index`'s gate (counter 2's comes from port 0x61; 0 and 1 are tied high). */
  setGate(index: 0 | 1 | 2, level: boolean): void {
    const now = this.options.clock();
    if (index === 0) this.syncIrq0(now);
    const restarted = this.counters[index].setGate(level, now);
    if (index === 0) {
      if (restarted) this.irqTicks = 0;
      this.syncIrq0(now);
    }
  }

  /** Counter `index`'s gate input. */
  gate(index: 0 | 1 | 2): boolean {
    return this.counters[index].gate;
  }

  /** Counter `index`'s OUT pin now. */
  out(index: 0 | 1 | 2): boolean {
    return this.counters[index].out(this.options.clock());
  }

  /** The machine's timer callback: raises IRQ0 for edges up to now and re-arms. */
  onTimer(nowNs: number): void {
    this.syncIrq0(Math.max(nowNs, this.options.clock()));
  }

  /** Brings IRQ0 up to date with counter 0 at `now` and arms the timer for the next rising edge. */
  private syncIrq0(now: number): void {
    const c = this.counters[0];
    const d = c.elapsed(now);
    const edge = c.nextRisingEdge(this.irqTicks);
    this.irqTicks = d;
    const irq = this.options.irq0;
    if (edge >= 0 && edge <= d) {
      if (this.irqLevel) irq.set(false);
      irq.set(true);
      this.irqLevel = true;
    }
    const out = c.out(now);
    if (out !== this.irqLevel) {
      irq.set(out);
      this.irqLevel = out;
    }
    const next = c.nextRisingEdge(d);
    this.options.timer?.setTimer(next >= 0 ? c.timeOfTicks(next) : undefined);
  }

  /**
   * Power-on state as QEMU gives it: every counter in mode 3 (square wave) with count 0 (65536),
   * counting from now where its gate allows (gate 2 is low until port 0x61 raises it), so IRQ0
   * runs at 18.2 Hz before any firmware programs it.
   */
  private powerOn(): void {
    const now = this.options.clock();
    this.counters.forEach((c, i) => {
      c.loadState(new PitCounter(i !== 2).saveState());
      c.control(0x36, now);
      c.writePort(0, now);
      c.writePort(0, now);
    });
    this.irqTicks = 0;
    this.syncIrq0(now);
  }

  /** System reset: back to the power-on state (gate 2 low). */
  reset(): void {
    this.powerOn();
  }

  /** A copy of the state as plain data. */
  saveState(): Pit8254State {
    return { counters: this.counters.map((c) => c.saveState()), irqTicks: this.irqTicks, irqLevel: this.irqLevel };
  }

  /** Restores a state from saveState() and re-arms the timer. */
  loadState(state: Pit8254State): void {
    state.counters.slice(0, 3).forEach((s, i) => this.counters[i as 0 | 1 | 2].loadState(s));
    this.irqTicks = state.irqTicks;
    this.irqLevel = state.irqLevel;
    this.syncIrq0(this.options.clock());
  }
}
