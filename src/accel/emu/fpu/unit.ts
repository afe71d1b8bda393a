/**
 * The FPU unit object: owns the x87/MMX register file and the SSE state and routes the core's
 * calls (x87 escapes, 0F-map SIMD instructions, FXSAVE/FXRSTOR, WAIT, MXCSR) to the instruction
 * modules.
 */
import { EmuFpuFault, type EmuFpuOperand, type EmuFpuUnit, type EmuLinearMemory } from '../contract.js';
import { fxrstorImage, fxsaveImage } from './fxsave.js';
import { MXCSR_MASK, SseState } from './sse-state.js';
import { execSimd, simdInfo } from './sse-exec.js';
import { checkPending, execX87 } from './x87-exec.js';
import { X87State } from './x87-state.js';

/** EmuFpuUnit implementation. */
export class FpuUnit implements EmuFpuUnit {
  /** x87 and MMX registers. */
  readonly x87s = new X87State();
  /** XMM registers and MXCSR. */
  readonly sse = new SseState();

  constructor() {
    this.reset();
  }

  reset(): void {
    const st = this.x87s;
    st.init();
    st.fcw = 0x40;
    st.sig.fill(0);
    st.se.fill(0);
    this.sse.reset();
  }

  get eflags(): number {
    return this.x87s.eflags;
  }

  set eflags(v: number) {
    this.x87s.eflags = v;
  }

  x87(opcode: number, op: EmuFpuOperand, mem: EmuLinearMemory, gpr?: Uint32Array): void {
    execX87(this.x87s, opcode, op, mem, gpr);
  }

  simd(prefix: number, opcode: number, op: EmuFpuOperand, imm: number, gpr: Uint32Array, mem: EmuLinearMemory): void {
    execSimd(this.x87s, this.sse, prefix, opcode, op, imm, gpr, mem);
  }

  simdInfo(prefix: number, opcode: number): { readonly known: boolean; readonly imm8: boolean } {
    return simdInfo(prefix, opcode);
  }

  fxsave(linear: number, mem: EmuLinearMemory): void {
    fxsaveImage(this.x87s, this.sse, linear, mem);
  }

  fxrstor(linear: number, mem: EmuLinearMemory): void {
    fxrstorImage(this.x87s, this.sse, linear, mem);
  }

  wait(): void {
    checkPending(this.x87s);
  }

  get mxcsr(): number {
    return this.sse.mxcsr;
  }

  set mxcsr(v: number) {
    if ((v & ~MXCSR_MASK) !== 0) throw new EmuFpuFault(13);
    this.sse.mxcsr = v >>> 0;
  }
}
