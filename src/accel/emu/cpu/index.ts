/**
 * tkvm's software IA-32 processor (`-accel emu`): a P6-class integer core with segmentation,
 * paging, interrupts, task switching and v8086 mode, decoding blocks once and running them many
 * times; x87/MMX/SSE go to an optional EmuFpuUnit.
 */
import type { EmuCpu, EmuCpuState, EmuCpuWiring, EmuFpuUnit, EmuStopReason } from '../contract.js';
import { Core } from './core.js';
import { runCore } from './run-loop.js';
import { getState, initCore, resetCore, setState } from './state.js';
import { readMsr, writeMsr } from './msr.js';

class SoftwareCpu implements EmuCpu {
  readonly core: Core;

  constructor(wiring: EmuCpuWiring, fpu?: EmuFpuUnit) {
    this.core = new Core(wiring.memory, wiring.io, wiring.interrupts, wiring.apicId, wiring.cpus, wiring.clockNs, wiring.hooks, fpu);
    resetCore(this.core);
  }

  get retired(): number {
    return this.core.retired;
  }

  reset(): void {
    resetCore(this.core);
  }

  init(): void {
    initCore(this.core);
  }

  setPauseYield(on: boolean): void {
    this.core.pauseYield = on;
  }

  shareCodeWith(peers: readonly EmuCpu[]): void {
    this.core.codePeers = peers.filter((p): p is SoftwareCpu => p instanceof SoftwareCpu && p !== this).map((p) => p.core);
  }

  run(maxInstructions: number): EmuStopReason {
    return runCore(this.core, maxInstructions);
  }

  requestStop(): void {
    this.core.stopRequested = true;
    this.core.breakBlock = true;
    this.core.target = 0;
  }

  getState(): EmuCpuState {
    return getState(this.core);
  }

  setState(state: EmuCpuState): void {
    setState(this.core, state);
  }

  readMsr(index: number): bigint | undefined {
    return readMsr(this.core, index);
  }

  writeMsr(index: number, value: bigint): void {
    writeMsr(this.core, index, value);
  }
}

/** Builds one software processor on the machine's memory, ports and interrupt pin, with an optional x87/MMX/SSE unit. */
export function createEmuCpu(wiring: EmuCpuWiring, fpu?: EmuFpuUnit): EmuCpu {
  return new SoftwareCpu(wiring, fpu);
}
