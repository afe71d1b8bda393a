/**
 * System Control Port A (0x92, PS/2 "fast A20 and reset"), with QEMU's semantics: the register
 * reads back as written, bit 1 drives the A20 gate, and a 0 -> 1 edge of bit 0 resets the CPU.
 */
import type { BusDevice } from '../bus/bus-device.js';

/** The port's address. */
export const PORT92 = 0x92;

const A20 = 0x02;
const RESET = 0x01;

/** What the machine injects. */
export interface Port92Options {
  /** Fast reset requested (bit 0 rising). */
  onReset: () => void;
  /** Bit 1 written: the A20 gate this port asks for (sent on every write, as QEMU does). */
  onA20: (enabled: boolean) => void;
}

/** The device's state as plain data. */
export interface Port92State {
  value: number;
}

/** System Control Port A. */
export class Port92 implements BusDevice {
  private value = 0;

  constructor(private readonly options: Port92Options) {}

  read(_offset: number, data: Uint8Array): void {
    data.fill(0xff);
    data[0] = this.value;
  }

  write(_offset: number, data: Uint8Array): void {
    const v = data[0];
    if (v === undefined) return;
    const old = this.value;
    this.value = v;
    this.options.onA20((v & A20) !== 0);
    if ((v & RESET) && !(old & RESET)) this.options.onReset();
  }

  /** System reset: bit 0 returns to 0 so the next fast reset is an edge again (A20 bit kept). */
  reset(): void {
    this.value &= ~RESET;
  }

  /** A copy of the state as plain data. */
  saveState(): Port92State {
    return { value: this.value };
  }

  /** Restores a state from saveState(). */
  loadState(state: Port92State): void {
    this.value = state.value & 0xff;
  }
}
