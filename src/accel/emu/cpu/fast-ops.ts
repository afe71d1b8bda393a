/**
 * Fast forms of the most frequent instructions (register-register moves and ALU operations,
 * 32-bit immediates, INC/DEC, PUSH/POP, Jcc): recognised once at decode time and run straight
 * from the decoded row without loading the general operand fields. Semantics are the general
 * executor's (the same ALU and flag helpers), only the dispatch is shorter.
 */
import type { Core } from './core.js';
import { alu } from './alu.js';
import { condition, lazyIncDec } from './flags.js';
import { I_LOCK, I_OSZ32, I_REP, I_REPNE, R_IMM, R_INFO, R_MODRM, R_OP } from './decoder.js';
import { pop, push } from './operands.js';
import { nearJump } from './exec-main.js';

/** Fast-form kinds (low byte of R_FAST); operands in bits 8-12 (dst), 16-20 (src), 24-26 (ALU op). */
export const F_MOV_RR = 1, F_ALU_RR = 2, F_ALU_RI = 3, F_INC = 4, F_DEC = 5, F_PUSH = 6, F_POP = 7, F_JCC = 8, F_MOV_RI = 9;

/** The fast form of the instruction in rows[p..], or 0. */
export function classifyFast(rows: Int32Array, p: number): number {
  const op = rows[p + R_OP]!, info = rows[p + R_INFO]!, modrm = rows[p + R_MODRM]!;
  if (info & (I_LOCK | I_REP | I_REPNE)) return 0;
  if (op >= 0x70 && op <= 0x7f) return F_JCC | ((op & 15) << 8);
  if (op >= 0x180 && op <= 0x18f) return F_JCC | ((op & 15) << 8) | (1 << 16);
  if (!(info & I_OSZ32)) return 0;
  const reg = (modrm >>> 3) & 7, rm = modrm & 7;
  if (modrm >= 0xc0) {
    if (op === 0x89) return F_MOV_RR | (rm << 8) | (reg << 16);
    if (op === 0x8b) return F_MOV_RR | (reg << 8) | (rm << 16);
    if (op < 0x40 && (op & 7) === 1) return F_ALU_RR | (rm << 8) | (reg << 16) | ((op >>> 3) << 24);
    if (op < 0x40 && (op & 7) === 3) return F_ALU_RR | (reg << 8) | (rm << 16) | ((op >>> 3) << 24);
    if (op === 0x85) return F_ALU_RR | (rm << 8) | (reg << 16) | (8 << 24);
    if (op === 0x81 || op === 0x83) return F_ALU_RI | (rm << 8) | (reg << 24) | (op === 0x83 ? 1 << 16 : 0);
  }
  if (op < 0x40 && (op & 7) === 5) return F_ALU_RI | (0 << 8) | ((op >>> 3) << 24);
  if (op >= 0x40 && op <= 0x47) return F_INC | ((op & 7) << 8);
  if (op >= 0x48 && op <= 0x4f) return F_DEC | ((op & 7) << 8);
  if (op >= 0x50 && op <= 0x57) return F_PUSH | ((op & 7) << 8);
  if (op >= 0x58 && op <= 0x5f) return F_POP | ((op & 7) << 8);
  if (op >= 0xb8 && op <= 0xbf) return F_MOV_RI | ((op & 7) << 8);
  return 0;
}

/** Executes a fast form; c.eip/c.nextEip are set by the caller. */
export function execFast(c: Core, f: number, rows: Int32Array, p: number): void {
  const r = c.r;
  const d = (f >>> 8) & 0x1f;
  switch (f & 0xff) {
    case F_MOV_RR: r[d] = r[(f >>> 16) & 0x1f]!; return;
    case F_ALU_RR: {
      const n = f >>> 24;
      if (n === 8) { alu(c, 4, r[d]!, r[(f >>> 16) & 0x1f]!, 4); return; }
      const v = alu(c, n, r[d]!, r[(f >>> 16) & 0x1f]!, 4);
      if (n !== 7) r[d] = v;
      return;
    }
    case F_ALU_RI: {
      const n = f >>> 24;
      let imm = rows[p + R_IMM]!;
      if (f & 0x10000) imm = (imm << 24) >> 24;
      const v = alu(c, n, r[d]!, imm >>> 0, 4);
      if (n !== 7) r[d] = v;
      return;
    }
    case F_INC: { const a = r[d]!, v = (a + 1) >>> 0; r[d] = v; lazyIncDec(c, a, v, 4, false); return; }
    case F_DEC: { const a = r[d]!, v = (a - 1) >>> 0; r[d] = v; lazyIncDec(c, a, v, 4, true); return; }
    case F_PUSH: c.osz = 4; push(c, 4, r[d]!); return;
    case F_POP: { c.osz = 4; const v = pop(c, 4); r[d] = v; return; }
    case F_MOV_RI: r[d] = rows[p + R_IMM]!; return;
    default: {
      if (!condition(c, d)) return;
      const info = rows[p + R_INFO]!;
      const rel = f & 0x10000 ? rows[p + R_IMM]! : (rows[p + R_IMM]! << 24) >> 24;
      const t = c.nextEip + rel;
      c.osz = info & I_OSZ32 ? 4 : 2;
      nearJump(c, c.osz === 4 ? t >>> 0 : t & 0xffff);
      return;
    }
  }
}

