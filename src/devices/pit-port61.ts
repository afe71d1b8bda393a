/**
 * Port 0x61, System Control Port B of the PC/PIIX: bit 0 drives the 8254 counter 2 gate, bit 1
 * enables the speaker, bits 2-3 (parity/IOCHK enables) read back as written; bit 4 toggles on each
 * DRAM refresh request (every 15.085 µs, which Linux's and BIOS delay loops count) and bit 5 shows
 * counter 2's OUT (which SeaBIOS and Linux poll to calibrate the TSC). Bits 6-7 (SERR/IOCHK
 * status) read 0: no parity or channel errors on a virtual machine.
 */
import type { BusDevice } from '../bus/bus-device.js';
import type { Pit8254 } from './pit8254.js';
import type { Clock } from './scheduler.js';

/** The port's address. */
export const PORT61 = 0x61;
/** The DRAM refresh request period (counter 1 at 18 input clocks on a PC), in ns. */
export const REFRESH_PERIOD_NS = 15085;

const GATE2 = 0x01;
const SPEAKER = 0x02;
const WRITABLE = 0x0f;
const REFRESH = 0x10;
const OUT2 = 0x20;

/** What the machine injects. */
export interface PitPort61Options {
  /** The PIT whose counter 2 gate and OUT this port shows. */
  pit: Pit8254;
  /** Monotonic nanoseconds (the refresh toggle). */
  clock: Clock;
  /** Told when the speaker is switched on or off (gate and speaker-data bits both set). */
  onSpeaker?: (on: boolean) => void;
}

/** The port's state as plain data. */
export interface PitPort61State {
  value: number;
}

/** System Control Port B. */
export class PitPort61 implements BusDevice {
  private value = 0;

  constructor(private readonly options: PitPort61Options) {}

  read(_offset: number, data: Uint8Array): void {
    data.fill(0xff);
    const refresh = Math.floor(this.options.clock() / REFRESH_PERIOD_NS) & 1 ? REFRESH : 0;
    const out2 = this.options.pit.out(2) ? OUT2 : 0;
    data[0] = (this.value & WRITABLE) | refresh | out2;
  }

  write(_offset: number, data: Uint8Array): void {
    const v = data[0];
    if (v === undefined) return;
    const old = this.value;
    this.value = v & WRITABLE;
    this.options.pit.setGate(2, (v & GATE2) !== 0);
    const on = (this.value & (GATE2 | SPEAKER)) === (GATE2 | SPEAKER);
    if (on !== ((old & (GATE2 | SPEAKER)) === (GATE2 | SPEAKER))) this.options.onSpeaker?.(on);
  }

  /** System reset: gate 2 low, speaker off. */
  reset(): void {
    this.value = 0;
    this.options.pit.setGate(2, false);
  }

  /** A copy of the state as plain data. */
  saveState(): PitPort61State {
    return { value: this.value };
  }

  /** Restores a state from saveState() (the PIT's own state carries the gate). */
  loadState(state: PitPort61State): void {
    this.value = state.value & WRITABLE;
  }
}
