/**
 * The instruction decoder: legacy prefixes, one-byte/0F/0F38/0F3A opcode maps, ModRM and SIB with
 * 16- and 32-bit addressing, displacements and immediates, into one fixed-size row of numbers that
 * the executor reads (decode once, run many times). Room is left for REX and 64-bit mode: register
 * numbers are 5-bit fields and the mode is an argument.
 */
import { CS, DS, EBP, ES, FS, GP, GS, REG_NONE, SS } from './constants.js';
import type { Core } from './core.js';
import { raise } from './core.js';
import { fetch8 } from './linear.js';
import { A_MODRM, IMM_B, IMM_FAR, IMM_GRP3, IMM_MASK, IMM_MOFFS, IMM_W, IMM_WB, IMM_Z, OPCODE_ATTR } from './opcode-table.js';

/** Numbers per decoded instruction row. */
export const ROW = 8;
/** Row field offsets. */
export const R_OP = 0, R_INFO = 1, R_MODRM = 2, R_MEM = 3, R_DISP = 4, R_IMM = 5, R_IMM2 = 6, R_FAST = 7;
/** Info bits: length (0-3), 32-bit operand size, 32-bit address size, F3, F2, LOCK, segment (9-11), segment override, 66 present. */
export const I_LEN = 0xf, I_OSZ32 = 0x10, I_ASZ32 = 0x20, I_REP = 0x40, I_REPNE = 0x80, I_LOCK = 0x100, I_SEG_SHIFT = 9, I_SEGOV = 0x1000, I_P66 = 0x2000;

/** Decode modes. */
export const MODE_16 = 0, MODE_32 = 1;

const MODRM16_BASE = [3, 3, EBP, EBP, REG_NONE, REG_NONE, EBP, 3];
const MODRM16_INDEX = [6, 7, 6, 7, 6, 7, REG_NONE, REG_NONE];

/** The operand byte the 0F-map SIMD instructions use (so that the FPU unit can say whether an imm8 follows). */
function isSimd(op: number): boolean {
  const b = op & 0xff;
  if (op >= 0x200) return true;
  return (b >= 0x10 && b <= 0x17) || (b >= 0x28 && b <= 0x2f) || (b >= 0x50 && b <= 0x7f) || (b >= 0xc2 && b <= 0xc6) || b >= 0xd0;
}

/**
 * Decodes the instruction at linear address `lin` into rows[p..p+ROW). Returns its length.
 * Faults (#PF on fetch, #GP for more than 15 bytes) propagate.
 */
export function decodeInstruction(c: Core, lin: number, mode: number, rows: Int32Array, p: number): number {
  let pos = 0;
  let osz32 = mode === MODE_32, asz32 = mode === MODE_32;
  let info = 0;
  let seg = -1;
  let b: number;
  for (;;) {
    if (pos >= 15) raise(c, GP, 0);
    b = fetch8(c, lin + pos++);
    switch (b) {
      case 0x26: seg = ES; continue;
      case 0x2e: seg = CS; continue;
      case 0x36: seg = SS; continue;
      case 0x3e: seg = DS; continue;
      case 0x64: seg = FS; continue;
      case 0x65: seg = GS; continue;
      case 0x66: osz32 = mode !== MODE_32; info |= I_P66; continue;
      case 0x67: asz32 = mode !== MODE_32; continue;
      case 0xf0: info |= I_LOCK; continue;
      case 0xf2: info = (info & ~I_REP) | I_REPNE; continue;
      case 0xf3: info = (info & ~I_REPNE) | I_REP; continue;
    }
    break;
  }
  let op = b;
  if (b === 0x0f) {
    b = fetch8(c, lin + pos++);
    op = 0x100 + b;
    if (b === 0x38 || b === 0x3a) op = (b === 0x38 ? 0x200 : 0x300) + fetch8(c, lin + pos++);
  }
  let attr = OPCODE_ATTR[op]!;
  let modrm = 0, mem = REG_NONE | (REG_NONE << 8), disp = 0, imm = 0, imm2 = 0;
  let defSeg = DS;
  if (attr & A_MODRM) {
    modrm = fetch8(c, lin + pos++);
    const mod = modrm >>> 6, rm = modrm & 7;
    if (mod !== 3) {
      if (asz32) {
        let base: number = rm, index = REG_NONE, scale = 0;
        if (rm === 4) {
          const sib = fetch8(c, lin + pos++);
          scale = sib >>> 6;
          index = (sib >>> 3) & 7;
          if (index === 4) index = REG_NONE;
          base = sib & 7;
          if (base === 5 && mod === 0) {
            base = REG_NONE;
            disp = fetch32(c, lin + pos); pos += 4;
          }
        } else if (rm === 5 && mod === 0) {
          base = REG_NONE;
          disp = fetch32(c, lin + pos); pos += 4;
        }
        if (base === 4 || base === 5) defSeg = SS;
        mem = base | (index << 8) | (scale << 16);
      } else {
        let base = MODRM16_BASE[rm]!, index = MODRM16_INDEX[rm]!;
        if (rm === 6 && mod === 0) {
          base = REG_NONE;
          disp = fetch8(c, lin + pos) | (fetch8(c, lin + pos + 1) << 8); pos += 2;
        }
        if (base === EBP) defSeg = SS;
        mem = base | (index << 8);
      }
      if (mod === 1) { disp = (fetch8(c, lin + pos++) << 24) >> 24; }
      else if (mod === 2) {
        if (asz32) { disp = fetch32(c, lin + pos); pos += 4; }
        else { disp = fetch8(c, lin + pos) | (fetch8(c, lin + pos + 1) << 8); pos += 2; }
      }
    }
  }
  if (op >= 0x100 && c.fpu && isSimd(op)) {
    const prefix = info & I_REP ? 0xf3 : info & I_REPNE ? 0xf2 : info & I_P66 ? 0x66 : 0;
    const si = c.fpu.simdInfo(prefix, op >= 0x300 ? 0x3a00 | (op & 0xff) : op >= 0x200 ? 0x3800 | (op & 0xff) : op & 0xff);
    attr = (attr & ~IMM_MASK) | (si.imm8 ? IMM_B : 0);
  }
  switch (attr & IMM_MASK) {
    case IMM_B: imm = fetch8(c, lin + pos++); break;
    case IMM_Z:
      if (osz32) { imm = fetch32(c, lin + pos); pos += 4; }
      else { imm = fetch16(c, lin + pos); pos += 2; }
      break;
    case IMM_W: imm = fetch16(c, lin + pos); pos += 2; break;
    case IMM_WB: imm = fetch16(c, lin + pos); imm2 = fetch8(c, lin + pos + 2); pos += 3; break;
    case IMM_FAR:
      if (osz32) { imm = fetch32(c, lin + pos); pos += 4; }
      else { imm = fetch16(c, lin + pos); pos += 2; }
      imm2 = fetch16(c, lin + pos); pos += 2;
      break;
    case IMM_MOFFS:
      if (asz32) { imm = fetch32(c, lin + pos); pos += 4; }
      else { imm = fetch16(c, lin + pos); pos += 2; }
      break;
    case IMM_GRP3:
      if (((modrm >>> 3) & 7) < 2) {
        if (op === 0xf6) imm = fetch8(c, lin + pos++);
        else if (osz32) { imm = fetch32(c, lin + pos); pos += 4; }
        else { imm = fetch16(c, lin + pos); pos += 2; }
      }
      break;
  }
  if (pos > 15) raise(c, GP, 0);
  if (seg >= 0) info |= I_SEGOV;
  info |= pos | (osz32 ? I_OSZ32 : 0) | (asz32 ? I_ASZ32 : 0) | ((seg >= 0 ? seg : defSeg) << I_SEG_SHIFT);
  rows[p + R_OP] = op;
  rows[p + R_INFO] = info;
  rows[p + R_MODRM] = modrm;
  rows[p + R_MEM] = mem;
  rows[p + R_DISP] = disp;
  rows[p + R_IMM] = imm;
  rows[p + R_IMM2] = imm2;
  return pos;
}

function fetch16(c: Core, lin: number): number {
  return fetch8(c, lin) | (fetch8(c, lin + 1) << 8);
}

function fetch32(c: Core, lin: number): number {
  return fetch8(c, lin) | (fetch8(c, lin + 1) << 8) | (fetch8(c, lin + 2) << 16) | (fetch8(c, lin + 3) << 24);
}
