/**
 * The 0F-map MMX/SSE/SSE2 dispatcher and the decoder's opcode table (filled in by the SIMD
 * instruction groups).
 */
import { EmuFpuFault, type EmuFpuOperand, type EmuLinearMemory } from '../contract.js';
import type { SseState } from './sse-state.js';
import type { X87State } from './x87-state.js';

const UNKNOWN = { known: false, imm8: false } as const;

/** Whether (prefix, opcode) is implemented and takes an imm8. */
export function simdInfo(prefix: number, opcode: number): { readonly known: boolean; readonly imm8: boolean } {
  void prefix;
  void opcode;
  return UNKNOWN;
}

/** Executes one SIMD instruction. */
export function execSimd(
  st: X87State,
  sse: SseState,
  prefix: number,
  opcode: number,
  op: EmuFpuOperand,
  imm: number,
  gpr: Uint32Array,
  mem: EmuLinearMemory,
): void {
  void st;
  void sse;
  void prefix;
  void opcode;
  void op;
  void imm;
  void gpr;
  void mem;
  throw new EmuFpuFault(6);
}
