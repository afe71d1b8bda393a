/**
 * The software processors of one pc machine, run by the machine's thread in turn: round-robin, a
 * bounded slice of instructions each, so a CPU spinning on a lock cannot starve the one holding
 * it, and the order is deterministic. A HLTed CPU is skipped until an interrupt wakes it.
 *
 * The multiprocessor start-up protocol (Intel SDM vol. 3, 9.4 "Multiple-Processor (MP)
 * Initialization" and 10.6.1 "Interrupt Command Register"): at power-on and after an INIT
 * message an application processor (AP) waits for a start-up IPI (wait-for-SIPI: it runs nothing
 * and takes no interrupts); a SIPI then starts it in real mode at CS = vector << 8 (base
 * vector << 12), IP = 0. A SIPI to a CPU that is not waiting is ignored. The bootstrap processor
 * (CPU 0) restarts from the reset vector on INIT, as under KVM.
 */
import type { EmuCpu, EmuInterruptPin, EmuStopReason } from '../accel/emu/contract.js';

/** Where one processor stands between slices. */
export type EmuCpuRunState = 'running' | 'halted' | 'wait-for-sipi';

/** What the scheduler needs from the machine. */
export interface EmuProcessorsOptions {
  /** The processors, CPU 0 the BSP (index = APIC ID). */
  readonly cpus: readonly EmuCpu[];
  /** Each CPU's interrupt pin (to tell a HLT that can end at once from one that waits). */
  readonly pins: readonly EmuInterruptPin[];
  /** Called before CPU `cpu` runs a slice (the APIC register page follows the running CPU). */
  readonly select: (cpu: number) => void;
}

/** The machine's processors and their turns. */
export class EmuProcessors {
  /** Run state of each CPU. */
  readonly states: EmuCpuRunState[];
  /** The CPU running a slice now, or -1. */
  private running = -1;
  /** The CPU that ran last (the round-robin position). */
  private last = -1;
  /** An INIT that reached a CPU while it was running: carried out when its slice ends. */
  private readonly deferredInit: boolean[];
  /** State of the fixed pseudo-random sequence of slice lengths. */
  private seed = 1;

  constructor(private readonly o: EmuProcessorsOptions) {
    this.states = o.cpus.map(() => 'running');
    this.deferredInit = o.cpus.map(() => false);
    for (const cpu of o.cpus) cpu.shareCodeWith?.(o.cpus);
    this.powerOn();
  }

  /** Power-on or machine reset (the CPUs' own state is reset by the machine): the BSP runs, the APs wait for SIPI. */
  powerOn(): void {
    this.states.forEach((_, i) => {
      this.states[i] = i === 0 ? 'running' : 'wait-for-sipi';
      this.deferredInit[i] = false;
    });
    this.last = -1;
  }

  /** Instructions retired by all CPUs. */
  get retired(): number {
    let n = 0;
    for (const cpu of this.o.cpus) n += cpu.retired;
    return n;
  }

  /** Something became pending for CPU `cpu` (the APIC's or the PIC's wake-up): a HLT ends. */
  wake(cpu: number): void {
    if (this.states[cpu] === 'halted') this.states[cpu] = 'running';
  }

  /** An INIT message reached CPU `cpu`. */
  init(cpu: number): void {
    const target = this.o.cpus[cpu];
    if (target === undefined) return;
    if (cpu === this.running) {
      // INIT to itself: the slice ends after the ICR write; the INIT follows.
      this.deferredInit[cpu] = true;
      target.requestStop();
      return;
    }
    if (target.init) target.init();
    else target.reset();
    this.states[cpu] = cpu === 0 ? 'running' : 'wait-for-sipi';
  }

  /** A start-up IPI with `vector` reached CPU `cpu`: it starts at vector << 12 if it waits for one. */
  startup(cpu: number, vector: number): void {
    const target = this.o.cpus[cpu];
    if (target === undefined || this.states[cpu] !== 'wait-for-sipi') return;
    const s = target.getState();
    s.cs = { ...s.cs, selector: (vector & 0xff) << 8, base: (vector & 0xff) << 12, limit: 0xffff };
    s.eip = 0;
    target.setState(s);
    this.states[cpu] = 'running';
  }

  /** The CPU whose turn is next (round-robin among running ones), or -1 when every CPU halts or waits. */
  next(): number {
    const n = this.states.length;
    for (let k = 1; k <= n; k++) {
      const i = (this.last + k) % n;
      if (this.states[i] === 'running') return i;
    }
    return -1;
  }

  /** Runs CPU `i` for a slice of up to `slice` instructions. */
  run(i: number, slice: number): EmuStopReason {
    const cpu = this.o.cpus[i]!;
    this.last = i;
    this.running = i;
    this.o.select(i);
    cpu.setPauseYield?.(this.othersRunning(i));
    const before = cpu.retired;
    let reason: EmuStopReason;
    try {
      reason = cpu.run(this.sliceLength(slice));
    } finally {
      this.running = -1;
    }
    if (reason === 'halted') {
      // A HLT just executed may have an interrupt already waiting (STI; HLT): one more look, at once.
      const justHalted = cpu.retired !== before;
      this.states[i] = justHalted && this.o.pins[i]!.hasInterrupt() ? 'running' : 'halted';
    }
    if (this.deferredInit[i]) {
      this.deferredInit[i] = false;
      this.init(i);
    }
    return reason;
  }

  /** Whether a CPU other than `i` is ready to run (a spin-wait on `i` then hands over at PAUSE). */
  private othersRunning(i: number): boolean {
    return this.states.some((state, j) => j !== i && state === 'running');
  }

  /**
   * With several CPUs, slices vary between half and all of `slice` (a fixed sequence, so runs
   * repeat): a spin-wait loop whose length divides the slice cannot stay in phase with the CPU
   * holding its lock and starve it (the livelock of strict alternation).
   */
  private sliceLength(slice: number): number {
    if (this.states.length === 1) return slice;
    this.seed = (Math.imul(this.seed, 1664525) + 1013904223) >>> 0;
    return slice - (this.seed % Math.max(1, slice >> 1));
  }

  /** After the machine slept: a halted CPU whose pin shows an interrupt gets another look. */
  recheckHalted(): void {
    this.states.forEach((state, i) => {
      if (state === 'halted' && this.o.pins[i]!.hasInterrupt()) this.states[i] = 'running';
    });
  }
}
