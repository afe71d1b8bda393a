/**
 * One counter of the Intel 8254 programmable interval timer, computed from elapsed time: the count
 * and OUT are functions of the PIT input clocks since the counter was (re)started, so nothing ticks.
 * Modes 0-5, binary or BCD counting, LSB/MSB/word access, the count and status latches and the gate
 * input follow the 8254 datasheet.
 */

/** The PIT's input clock: 1.193182 MHz on every PC. */
export const PIT_HZ = 1193182;
const NS_PER_SEC = 1e9;

/** Whole PIT input clocks in `ns` nanoseconds (exact for any safe-integer `ns`). */
export function pitTicks(ns: number): number {
  const whole = Math.floor(ns / NS_PER_SEC);
  const rest = ns - whole * NS_PER_SEC;
  return whole * PIT_HZ + Math.floor((rest * PIT_HZ) / NS_PER_SEC);
}

/** The smallest whole ns at which `pitTicks(ns) >= ticks`. */
export function pitNs(ticks: number): number {
  const whole = Math.floor(ticks / PIT_HZ);
  const rest = ticks - whole * PIT_HZ;
  return whole * NS_PER_SEC + Math.ceil((rest * NS_PER_SEC) / PIT_HZ);
}

/** Access modes of the control word's RW field. */
export const PitAccess = { LATCH: 0, LSB: 1, MSB: 2, WORD: 3 } as const;

function toBcd(v: number): number {
  return (v % 10) | ((Math.floor(v / 10) % 10) << 4) | ((Math.floor(v / 100) % 10) << 8) | ((Math.floor(v / 1000) % 10) << 12);
}

function fromBcd(v: number): number {
  // Invalid BCD digits (A-F) count as their binary value, as the hardware's decade counters would.
  return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000;
}

/** One counter's state as plain data. */
export interface PitCounterState {
  mode: number;
  bcd: boolean;
  access: number;
  reload: number;
  loaded: boolean;
  triggered: boolean;
  running: boolean;
  startNs: number;
  heldTicks: number;
  loadNs: number;
  gate: boolean;
  frozenValue: number;
  writeLow: number;
  writeHigh: boolean;
  readHigh: boolean;
  latchBytes: number;
  latchValue: number;
  statusLatched: boolean;
  statusValue: number;
}

/** One 8254 counter. All methods take the current clock time where time matters. */
export class PitCounter {
  /** Counter mode 0-5 (6 and 7 alias 2 and 3). */
  mode = 0;
  bcd = false;
  /** RW field: LSB, MSB or WORD. */
  access: number = PitAccess.WORD;
  /** The count as loaded (1..65536 binary, 1..10000 BCD; a written 0 is the maximum). */
  reload = 0x10000;
  /** A count has been written since the last control word. */
  loaded = false;
  /** Modes 1 and 5: the gate has triggered the count. */
  triggered = false;
  /** The counting element is counting (loaded, gate allowing, triggered where needed). */
  running = false;
  /** Clock time counting (re)started at; `heldTicks` were counted before it. */
  startNs = 0;
  heldTicks = 0;
  /** When the count was last written (NULL COUNT lasts until the next input clock). */
  loadNs = 0;
  /** Gate input level (counters 0 and 1 are tied high on the PC). */
  gate: boolean;
  /** What the counter reads after a control word and before a count is written. */
  frozenValue = 0;
  private writeLow = 0;
  private writeHigh = false;
  private readHigh = false;
  private latchBytes = 0;
  private latchValue = 0;
  private statusLatched = false;
  private statusValue = 0;

  constructor(gate: boolean) {
    this.gate = gate;
  }

  /** 65536 for binary counting, 10000 for BCD. */
  private modulus(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  /** Input clocks counted since the last (re)start. */
  elapsed(now: number): number {
    return this.running ? this.heldTicks + pitTicks(Math.max(0, now - this.startNs)) : this.heldTicks;
  }

  /** The counting element's value now, in binary. */
  value(now: number): number {
    if (!this.loaded || ((this.mode === 1 || this.mode === 5) && !this.triggered)) return this.frozenValue;
    const n = this.reload;
    const d = this.elapsed(now);
    const m = this.modulus();
    switch (this.mode) {
      case 2: return (n - (d % n)) % m;
      case 3: return (n - ((2 * d) % n)) % m;
      default: return (((n - d) % m) + m) % m;
    }
  }

  /** The OUT pin after `d` input clocks of counting. */
  private outAt(d: number): boolean {
    const n = this.reload;
    switch (this.mode) {
      case 0: return d >= n;
      case 1: return !this.triggered || d >= n;
      case 2: return n < 2 || d % n !== n - 1;
      case 3: return d % n < Math.ceil(n / 2);
      case 4: return d !== n;
      default: return !this.triggered || d !== n;
    }
  }

  /** The OUT pin now. */
  out(now: number): boolean {
    if (!this.loaded) return this.mode !== 0;
    // Modes 2 and 3: a low gate forces OUT high at once.
    if ((this.mode === 2 || this.mode === 3) && !this.gate) return true;
    return this.outAt(this.elapsed(now));
  }

  /** The first elapsed-clock count after `d` at which OUT rises, or -1 when it will not. */
  nextRisingEdge(d: number): number {
    if (!this.loaded || !this.running) return -1;
    const n = this.reload;
    switch (this.mode) {
      case 0: return d < n ? n : -1;
      case 1: return d < n ? n : -1;
      case 2: case 3: return n < 2 ? -1 : (Math.floor(d / n) + 1) * n;
      default: return d < n + 1 ? n + 1 : -1;
    }
  }

  /** The clock time at which `elapsed` reaches `ticks` while running. */
  timeOfTicks(ticks: number): number {
    return this.startNs + pitNs(ticks - this.heldTicks);
  }

  private restart(now: number): void {
    this.heldTicks = 0;
    this.startNs = now;
    this.running = true;
  }

  /** A control word selecting this counter (mode, access, BCD): resets it, OUT to its idle state. */
  control(v: number, now: number): void {
    this.frozenValue = this.value(now);
    this.access = (v >> 4) & 3;
    let mode = (v >> 1) & 7;
    if (mode > 5) mode -= 4;
    this.mode = mode;
    this.bcd = (v & 1) !== 0;
    this.loaded = false;
    this.triggered = false;
    this.running = false;
    this.heldTicks = 0;
    this.writeHigh = false;
    this.readHigh = false;
    this.latchBytes = 0;
    this.statusLatched = false;
    this.loadNs = now;
  }

  /** The counter latch command (or the read-back's COUNT bit): the first latch holds until read. */
  latchCount(now: number): void {
    if (this.latchBytes > 0) return;
    this.latchValue = this.readable(this.value(now));
    this.latchBytes = this.access === PitAccess.WORD ? 2 : 1;
  }

  /** The read-back's STATUS bit: OUT, NULL COUNT and the programmed control bits. */
  latchStatus(now: number): void {
    if (this.statusLatched) return;
    this.statusLatched = true;
    this.statusValue = (this.out(now) ? 0x80 : 0) | (this.nullCount(now) ? 0x40 : 0) | (this.access << 4) | (this.mode << 1) | (this.bcd ? 1 : 0);
  }

  /** NULL COUNT: a written count has not reached the counting element yet. */
  private nullCount(now: number): boolean {
    if (!this.loaded) return true;
    if ((this.mode === 1 || this.mode === 5) && !this.triggered) return true;
    return pitTicks(Math.max(0, now - this.loadNs)) < 1;
  }

  private readable(v: number): number {
    return this.bcd ? toBcd(v) : v & 0xffff;
  }

  /** A read of the counter's port. */
  readPort(now: number): number {
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.statusValue;
    }
    if (this.latchBytes > 0) {
      const high = this.access === PitAccess.MSB || (this.access === PitAccess.WORD && this.latchBytes === 1);
      this.latchBytes--;
      return high ? this.latchValue >> 8 : this.latchValue & 0xff;
    }
    const v = this.readable(this.value(now));
    if (this.access === PitAccess.LSB) return v & 0xff;
    if (this.access === PitAccess.MSB) return v >> 8;
    const high = this.readHigh;
    this.readHigh = !high;
    return high ? v >> 8 : v & 0xff;
  }

  /** A write of the counter's port. Returns true when a new count was loaded. */
  writePort(v: number, now: number): boolean {
    switch (this.access) {
      case PitAccess.LSB: this.load(v, now); return true;
      case PitAccess.MSB: this.load(v << 8, now); return true;
      default:
        if (!this.writeHigh) {
          this.writeLow = v;
          this.writeHigh = true;
          // Mode 0: writing the first byte stops the count.
          if (this.mode === 0 && this.loaded) {
            this.frozenValue = this.value(now);
            this.heldTicks = this.elapsed(now);
            this.running = false;
            this.loaded = false;
          }
          return false;
        }
        this.writeHigh = false;
        this.load(this.writeLow | (v << 8), now);
        return true;
    }
  }

  private load(raw: number, now: number): void {
    this.reload = raw === 0 ? this.modulus() : this.bcd ? fromBcd(raw) : raw;
    this.loaded = true;
    this.loadNs = now;
    if (this.mode === 1 || this.mode === 5) return; // waits for a gate trigger
    this.restart(now);
    if (!this.gate) {
      this.running = false;
    }
  }

  /** Drives the gate input. Returns true when counting restarted (a trigger or a reload). */
  setGate(level: boolean, now: number): boolean {
    if (level === this.gate) return false;
    this.gate = level;
    if (!this.loaded) return false;
    switch (this.mode) {
      case 1: case 5:
        if (!level) return false;
        this.triggered = true;
        this.restart(now);
        return true;
      case 2: case 3:
        if (level) {
          this.restart(now);
          return true;
        }
        this.heldTicks = this.elapsed(now);
        this.running = false;
        return false;
      default:
        if (level) {
          this.startNs = now;
          this.running = true;
        } else {
          this.heldTicks = this.elapsed(now);
          this.running = false;
        }
        return false;
    }
  }

  /** A copy of the state as plain data. */
  saveState(): PitCounterState {
    const { mode, bcd, access, reload, loaded, triggered, running, startNs, heldTicks, loadNs, gate, frozenValue,
      writeLow, writeHigh, readHigh, latchBytes, latchValue, statusLatched, statusValue } = this;
    return { mode, bcd, access, reload, loaded, triggered, running, startNs, heldTicks, loadNs, gate, frozenValue,
      writeLow, writeHigh, readHigh, latchBytes, latchValue, statusLatched, statusValue };
  }

  /** Restores a state from saveState(). */
  loadState(s: PitCounterState): void {
    Object.assign(this, s);
    this.mode = Math.min(5, Math.max(0, s.mode | 0));
    this.reload = Math.min(0x10000, Math.max(1, s.reload | 0));
  }
}
