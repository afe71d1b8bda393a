/**
 * The 0F-map MMX/SSE/SSE2 instructions (SDM vol. 2 opcode map table A-3 with its mandatory
 * prefixes): operand fetch with the 16-byte alignment rule of legacy SSE (#GP for a misaligned
 * 128-bit memory operand except the MOVU* forms), the x87→MMX transition, moves, shuffles,
 * conversions, and the dispatch to the float and integer lane modules. `simdInfo` is the
 * decoder's table of what exists and which forms take an imm8.
 */
import { EmuFpuFault, type EmuFpuOperand, type EmuLinearMemory } from '../contract.js';
import { byteShift, DA, intOp, SB, shiftLanes, shuffle } from './simd-int.js';
import { dToF, dToI32, fToD, fToI32, i32ToD, i32ToF } from './sse-convert.js';
import {
  cmpPredicate, comisFlags, commitFlags, daz, estimate, laneD, laneF, OP_ADD, OP_DIV, OP_MAX, OP_MIN, OP_MUL,
  OP_SQRT, OP_SUB, sseFormat,
} from './sse-float.js';
import type { SseState } from './sse-state.js';
import { A, B, dbl, loadD, loadF, out } from './xf-core.js';
import { checkPending } from './x87-exec.js';
import type { X87State } from './x87-state.js';

/** Source operand words (a register copy or the memory operand). */
const S = new Uint32Array(4);
/** Result words staged until the flags allow the write. */
const R = new Uint32Array(4);
const da32 = new Uint32Array(DA.buffer);
const sb32 = new Uint32Array(SB.buffer);

function ud(): never {
  throw new EmuFpuFault(6);
}

/** Reads `words` dwords of the memory operand into S (rest zero); `align` 16 checks alignment. */
function readMem(op: EmuFpuOperand, mem: EmuLinearMemory, words: number, align: boolean): void {
  const a = op.linear;
  if (align && (a & 15) !== 0) throw new EmuFpuFault(13);
  S.fill(0);
  for (let i = 0; i < words; i++) S[i] = mem.read32(a + 4 * i);
}

/** Writes `words` dwords from `src` (at word offset `o`) to the memory operand. */
function writeMem(op: EmuFpuOperand, mem: EmuLinearMemory, src: Uint32Array, o: number, words: number, align: boolean): void {
  const a = op.linear;
  if (align && (a & 15) !== 0) throw new EmuFpuFault(13);
  if (words > 1) mem.probeWrite(a, 4 * words);
  for (let i = 0; i < words; i++) mem.write32(a + 4 * i, src[o + i]!);
}

/** XMM source: register rm or `words` dwords of memory (16-byte aligned when 4 words and `align`). */
function xmmSrc(sse: SseState, op: EmuFpuOperand, mem: EmuLinearMemory, words: number, align = true): void {
  const m = op.modrm;
  if (m >= 0xc0) {
    const b = 4 * (m & 7);
    S[0] = sse.u32[b]!;
    S[1] = sse.u32[b + 1]!;
    S[2] = sse.u32[b + 2]!;
    S[3] = sse.u32[b + 3]!;
  } else readMem(op, mem, words, align && words === 4);
}

/** UNPCKLPD/UNPCKHPD/SHUFPD: XMMreg ← (its qword at word qd, the source's qword at word qs). */
function pickQwords(sse: SseState, reg: number, qd: number, qs: number): void {
  const d = 4 * reg;
  R[0] = sse.u32[d + qd]!;
  R[1] = sse.u32[d + qd + 1]!;
  R[2] = S[qs]!;
  R[3] = S[qs + 1]!;
  setXmm(sse, reg, R);
}

/** The x87→MMX transition: pending #MF, TOP = 0, all tags valid. */
function mmxEnter(st: X87State): void {
  checkPending(st);
  st.top = 0;
  st.empty = 0;
}

/** MMX source into S[0..1]: register rm or a 64-bit memory operand. */
function mmSrc(st: X87State, op: EmuFpuOperand, mem: EmuLinearMemory): void {
  const m = op.modrm;
  if (m >= 0xc0) {
    S[0] = st.sig[2 * (m & 7)]!;
    S[1] = st.sig[2 * (m & 7) + 1]!;
    S[2] = 0;
    S[3] = 0;
  } else readMem(op, mem, 2, false);
}

/** Writes MMi (and its exponent field to all ones, as any MMX write does). */
function setMm(st: X87State, i: number, lo: number, hi: number): void {
  st.sig[2 * i] = lo;
  st.sig[2 * i + 1] = hi;
  st.se[i] = 0xffff;
}

function setXmm(sse: SseState, i: number, src: Uint32Array): void {
  const x = sse.u32;
  const b = 4 * i;
  x[b] = src[0]!;
  x[b + 1] = src[1]!;
  x[b + 2] = src[2]!;
  x[b + 3] = src[3]!;
}

/** Copies four words from `src` at `o` into `dst` (no views allocated on the hot path). */
function copy4(dst: Uint32Array, src: Uint32Array, o: number): void {
  dst[0] = src[o]!;
  dst[1] = src[o + 1]!;
  dst[2] = src[o + 2]!;
  dst[3] = src[o + 3]!;
}

/** Copies XMMi into DA. */
function xmmToDa(sse: SseState, i: number): void {
  copy4(da32, sse.u32, 4 * i);
}

/** Copies MMi into DA's low eight bytes. */
function mmToDa(st: X87State, i: number): void {
  da32[0] = st.sig[2 * i]!;
  da32[1] = st.sig[2 * i + 1]!;
}

/** Float lane operation per opcode (−1: not a float arithmetic opcode). */
const FLOAT_KIND = new Int8Array(256).fill(-1);
FLOAT_KIND[0x51] = OP_SQRT;
FLOAT_KIND[0x58] = OP_ADD;
FLOAT_KIND[0x59] = OP_MUL;
FLOAT_KIND[0x5c] = OP_SUB;
FLOAT_KIND[0x5d] = OP_MIN;
FLOAT_KIND[0x5e] = OP_DIV;
FLOAT_KIND[0x5f] = OP_MAX;

/** Fetches the source into S, the destination into R, clears the flags and sets the lane format; returns DAZ. */
function floatPrologue(sse: SseState, single: boolean, scalar: boolean, reg: number, op: EmuFpuOperand, mem: EmuLinearMemory): boolean {
  xmmSrc(sse, op, mem, scalar ? (single ? 1 : 2) : 4);
  const mx = sse.mxcsr;
  copy4(R, sse.u32, 4 * reg);
  out.exc = 0;
  sseFormat(mx, !single);
  return daz(mx);
}

/** Packed or scalar float arithmetic: prefix 0 PS, 66 PD, F3 SS, F2 SD. */
function floatArith(sse: SseState, kind: number, p: number, reg: number, op: EmuFpuOperand, mem: EmuLinearMemory): void {
  const single = p === 0 || p === 0xf3;
  const scalar = p === 0xf3 || p === 0xf2;
  const dz = floatPrologue(sse, single, scalar, reg, op, mem);
  if (single) {
    const n = scalar ? 1 : 4;
    for (let i = 0; i < n; i++) R[i] = laneF(kind, R[i]!, S[i]!, dz);
  } else {
    const n = scalar ? 1 : 2;
    for (let i = 0; i < n; i++) {
      laneD(kind, R[2 * i + 1]!, R[2 * i]!, S[2 * i + 1]!, S[2 * i]!, dz);
      R[2 * i] = dbl.lo;
      R[2 * i + 1] = dbl.hi;
    }
  }
  commitFlags(sse);
  setXmm(sse, reg, R);
}

function floatCompare(sse: SseState, p: number, reg: number, op: EmuFpuOperand, mem: EmuLinearMemory, imm: number): void {
  const single = p === 0 || p === 0xf3;
  const scalar = p === 0xf3 || p === 0xf2;
  const dz = floatPrologue(sse, single, scalar, reg, op, mem);
  const pred = imm & 7;
  if (single) {
    const n = scalar ? 1 : 4;
    for (let i = 0; i < n; i++) {
      loadF(A, R[i]!, dz);
      loadF(B, S[i]!, dz);
      R[i] = cmpPredicate(pred) ? 0xffffffff : 0;
    }
  } else {
    const n = scalar ? 1 : 2;
    for (let i = 0; i < n; i++) {
      loadD(A, R[2 * i + 1]!, R[2 * i]!, dz);
      loadD(B, S[2 * i + 1]!, S[2 * i]!, dz);
      const t = cmpPredicate(pred) ? 0xffffffff : 0;
      R[2 * i] = t;
      R[2 * i + 1] = t;
    }
  }
  commitFlags(sse);
  setXmm(sse, reg, R);
}

function comis(st: X87State, sse: SseState, double: boolean, signaling: boolean, reg: number, op: EmuFpuOperand, mem: EmuLinearMemory): void {
  xmmSrc(sse, op, mem, double ? 2 : 1);
  const mx = sse.mxcsr;
  const dz = daz(mx);
  const b = 4 * reg;
  out.exc = 0;
  sseFormat(mx, double);
  if (double) {
    loadD(A, sse.u32[b + 1]!, sse.u32[b]!, dz);
    loadD(B, S[1]!, S[0]!, dz);
  } else {
    loadF(A, sse.u32[b]!, dz);
    loadF(B, S[0]!, dz);
  }
  const f = comisFlags(signaling);
  commitFlags(sse);
  st.eflags = (st.eflags & ~0x8d5) | f;
}

/** Integer SIMD on MMX (prefix 0) or XMM (66) registers. */
function integerOp(st: X87State, sse: SseState, opc: number, p: number, reg: number, op: EmuFpuOperand, mem: EmuLinearMemory): void {
  if (p === 0x66) {
    xmmSrc(sse, op, mem, 4);
    xmmToDa(sse, reg);
    copy4(sb32, S, 0);
    intOp(opc, 16);
    setXmm(sse, reg, da32);
    return;
  }
  mmxEnter(st);
  mmSrc(st, op, mem);
  mmToDa(st, reg);
  copy4(sb32, S, 0);
  intOp(opc, 8);
  setMm(st, reg, da32[0]!, da32[1]!);
}

function isIntegerOpcode(opc: number): boolean {
  return (
    (opc >= 0x60 && opc <= 0x6d) ||
    (opc >= 0x74 && opc <= 0x76) ||
    (opc >= 0xd1 && opc <= 0xd5) ||
    (opc >= 0xd8 && opc <= 0xdf) ||
    (opc >= 0xe0 && opc <= 0xe5) ||
    (opc >= 0xe8 && opc <= 0xef) ||
    (opc >= 0xf1 && opc <= 0xf6) ||
    (opc >= 0xf8 && opc <= 0xfe)
  );
}

/** Reads r/m32 (a GPR or memory). */
function rm32(op: EmuFpuOperand, gpr: Uint32Array, mem: EmuLinearMemory): number {
  return op.modrm >= 0xc0 ? gpr[op.modrm & 7]! : mem.read32(op.linear);
}

/** Executes one SIMD instruction. */
export function execSimd(
  st: X87State,
  sse: SseState,
  p: number,
  opc: number,
  op: EmuFpuOperand,
  imm: number,
  gpr: Uint32Array,
  mem: EmuLinearMemory,
): void {
  const pi = prefixIndex(p);
  if (pi < 0 || opc < 0 || opc > 0xff || TABLE[pi * 256 + opc] === 0) ud();
  const modrm = op.modrm;
  const reg = (modrm >>> 3) & 7;
  const rm = modrm & 7;
  const isReg = modrm >= 0xc0;
  const x = sse.u32;
  if (isIntegerOpcode(opc)) return integerOp(st, sse, opc, p, reg, op, mem);
  const kind = FLOAT_KIND[opc & 0xff]!;
  if (kind >= 0) return floatArith(sse, kind, p, reg, op, mem);
  switch (opc) {
    case 0x10:
    case 0x11:
    case 0x28:
    case 0x29: {
      const store = (opc & 1) === 1;
      const aligned = opc >= 0x28;
      const words = p === 0xf3 ? 1 : p === 0xf2 ? 2 : 4;
      if (store) {
        if (isReg) {
          for (let i = 0; i < words; i++) x[4 * rm + i] = x[4 * reg + i]!;
        } else writeMem(op, mem, x, 4 * reg, words, aligned);
      } else if (isReg) {
        for (let i = 0; i < words; i++) x[4 * reg + i] = x[4 * rm + i]!;
      } else {
        readMem(op, mem, words, aligned);
        setXmm(sse, reg, S);
      }
      return;
    }
    case 0x12:
    case 0x16: {
      const high = opc === 0x16 ? 2 : 0;
      if (isReg) {
        if (p !== 0) return ud();
        // MOVHLPS: low ← source high; MOVLHPS: high ← source low
        const from = opc === 0x12 ? 2 : 0;
        x[4 * reg + high] = x[4 * rm + from]!;
        x[4 * reg + high + 1] = x[4 * rm + from + 1]!;
        return;
      }
      readMem(op, mem, 2, false);
      x[4 * reg + high] = S[0]!;
      x[4 * reg + high + 1] = S[1]!;
      return;
    }
    case 0x13:
    case 0x17:
      if (isReg) return ud();
      writeMem(op, mem, x, 4 * reg + (opc === 0x17 ? 2 : 0), 2, false);
      return;
    case 0x14:
    case 0x15: {
      xmmSrc(sse, op, mem, 4);
      const d = 4 * reg;
      const hi = opc === 0x15 ? 2 : 0;
      if (p === 0) {
        R[0] = x[d + hi]!;
        R[1] = S[hi]!;
        R[2] = x[d + hi + 1]!;
        R[3] = S[hi + 1]!;
        setXmm(sse, reg, R);
      } else pickQwords(sse, reg, hi, hi);
      return;
    }
    case 0x18:
      return;
    case 0x2a:
      return cvtToFloat(st, sse, p, reg, op, gpr, mem);
    case 0x2b:
    case 0xe7:
      if (isReg) return ud();
      if (opc === 0xe7 && p === 0) {
        mmxEnter(st);
        writeMem(op, mem, st.sig, 2 * reg, 2, false);
      } else writeMem(op, mem, x, 4 * reg, 4, true);
      return;
    case 0x2c:
    case 0x2d:
      return cvtToInt(st, sse, p, opc === 0x2c, reg, op, gpr, mem);
    case 0x2e:
    case 0x2f:
      return comis(st, sse, p === 0x66, opc === 0x2f, reg, op, mem);
    case 0x50: {
      if (!isReg) return ud();
      const b = 4 * rm;
      gpr[reg] = p === 0x66 ? (x[b + 1]! >>> 31) | ((x[b + 3]! >>> 31) << 1) : (x[b]! >>> 31) | ((x[b + 1]! >>> 31) << 1) | ((x[b + 2]! >>> 31) << 2) | ((x[b + 3]! >>> 31) << 3);
      return;
    }
    case 0x52:
    case 0x53: {
      xmmSrc(sse, op, mem, p === 0xf3 ? 1 : 4);
      copy4(R, sse.u32, 4 * reg);
      const n = p === 0xf3 ? 1 : 4;
      for (let i = 0; i < n; i++) R[i] = estimate(S[i]!, opc === 0x52);
      setXmm(sse, reg, R);
      return;
    }
    case 0x54:
    case 0x55:
    case 0x56:
    case 0x57:
      // ANDPS/ANDNPS/ORPS/XORPS and the PD forms: bitwise on the whole XMM register
      return integerOp(st, sse, opc, 0x66, reg, op, mem);
    case 0x5a:
    case 0x5b:
    case 0xe6:
      return cvtFloat(sse, p, opc, reg, op, mem);
    case 0x6e: {
      const v = rm32(op, gpr, mem);
      if (p === 0x66) {
        x[4 * reg] = v;
        x[4 * reg + 1] = 0;
        x[4 * reg + 2] = 0;
        x[4 * reg + 3] = 0;
      } else {
        mmxEnter(st);
        setMm(st, reg, v, 0);
      }
      return;
    }
    case 0x6f:
    case 0x7f:
      return moveQDq(st, sse, p, opc === 0x7f, reg, op, mem);
    case 0x70:
      if (p === 0) {
        mmxEnter(st);
        mmSrc(st, op, mem);
        copy4(sb32, S, 0);
        shuffle(0, imm);
        setMm(st, reg, da32[0]!, da32[1]!);
        return;
      }
      xmmSrc(sse, op, mem, 4);
      copy4(sb32, S, 0);
      shuffle(p === 0x66 ? 1 : p === 0xf3 ? 3 : 2, imm);
      setXmm(sse, reg, da32);
      return;
    case 0x71:
    case 0x72:
    case 0x73:
      return shiftImmediate(st, sse, p, opc, reg, rm, imm);
    case 0x77:
      // EMMS: tags empty and, like every MMX instruction, TOP = 0 (SDM vol. 1 table 9-2)
      checkPending(st);
      st.top = 0;
      st.empty = 0xff;
      return;
    case 0x7e:
      if (p === 0xf3) {
        xmmSrc(sse, op, mem, 2);
        R[0] = S[0]!;
        R[1] = S[1]!;
        R[2] = 0;
        R[3] = 0;
        setXmm(sse, reg, R);
        return;
      }
      {
        let v: number;
        if (p === 0x66) v = x[4 * reg]!;
        else {
          mmxEnter(st);
          v = st.sig[2 * reg]!;
        }
        if (isReg) gpr[rm] = v;
        else mem.write32(op.linear, v);
      }
      return;
    case 0xc2:
      return floatCompare(sse, p, reg, op, mem, imm);
    case 0xc3:
      if (isReg) return ud();
      mem.write32(op.linear, gpr[reg]!);
      return;
    case 0xc4: {
      const v = (isReg ? gpr[rm]! : mem.read16(op.linear)) & 0xffff;
      if (p === 0x66) {
        const i = imm & 7;
        sse.u8[16 * reg + 2 * i] = v;
        sse.u8[16 * reg + 2 * i + 1] = v >>> 8;
      } else {
        mmxEnter(st);
        const i = imm & 3;
        st.bytes[8 * reg + 2 * i] = v;
        st.bytes[8 * reg + 2 * i + 1] = v >>> 8;
        st.se[reg] = 0xffff;
      }
      return;
    }
    case 0xc5: {
      if (!isReg) return ud();
      if (p === 0x66) {
        const i = imm & 7;
        gpr[reg] = sse.u8[16 * rm + 2 * i]! | (sse.u8[16 * rm + 2 * i + 1]! << 8);
      } else {
        mmxEnter(st);
        const i = imm & 3;
        gpr[reg] = st.bytes[8 * rm + 2 * i]! | (st.bytes[8 * rm + 2 * i + 1]! << 8);
      }
      return;
    }
    case 0xc6: {
      xmmSrc(sse, op, mem, 4);
      const d = 4 * reg;
      if (p === 0) {
        R[0] = x[d + (imm & 3)]!;
        R[1] = x[d + ((imm >>> 2) & 3)]!;
        R[2] = S[(imm >>> 4) & 3]!;
        R[3] = S[(imm >>> 6) & 3]!;
        setXmm(sse, reg, R);
      } else pickQwords(sse, reg, (imm & 1) * 2, ((imm >>> 1) & 1) * 2);
      return;
    }
    case 0xd6:
      if (p === 0x66) {
        if (isReg) {
          x[4 * rm] = x[4 * reg]!;
          x[4 * rm + 1] = x[4 * reg + 1]!;
          x[4 * rm + 2] = 0;
          x[4 * rm + 3] = 0;
        } else writeMem(op, mem, x, 4 * reg, 2, false);
        return;
      }
      if (!isReg) return ud();
      mmxEnter(st);
      if (p === 0xf3) {
        x[4 * reg] = st.sig[2 * rm]!;
        x[4 * reg + 1] = st.sig[2 * rm + 1]!;
        x[4 * reg + 2] = 0;
        x[4 * reg + 3] = 0;
      } else setMm(st, reg, x[4 * rm]!, x[4 * rm + 1]!);
      return;
    case 0xd7: {
      if (!isReg) return ud();
      let m = 0;
      if (p === 0x66) for (let i = 0; i < 16; i++) m |= (sse.u8[16 * rm + i]! >>> 7) << i;
      else {
        mmxEnter(st);
        for (let i = 0; i < 8; i++) m |= (st.bytes[8 * rm + i]! >>> 7) << i;
      }
      gpr[reg] = m;
      return;
    }
    case 0xf7: {
      if (!isReg) return ud();
      const base = op.implicitLinear ?? op.linear;
      const n = p === 0x66 ? 16 : 8;
      if (p !== 0x66) mmxEnter(st);
      const data = p === 0x66 ? sse.u8 : st.bytes;
      for (let i = 0; i < n; i++) {
        if ((data[n * rm + i]! & 0x80) !== 0) mem.write8(base + i, data[n * reg + i]!);
      }
      return;
    }
    default:
      return ud();
  }
}

/** MOVQ mm (0F 6F/7F), MOVDQA (66), MOVDQU (F3), loads and stores. */
function moveQDq(st: X87State, sse: SseState, p: number, store: boolean, reg: number, op: EmuFpuOperand, mem: EmuLinearMemory): void {
  const isReg = op.modrm >= 0xc0;
  const rm = op.modrm & 7;
  if (p === 0) {
    mmxEnter(st);
    if (store) {
      if (isReg) setMm(st, rm, st.sig[2 * reg]!, st.sig[2 * reg + 1]!);
      else writeMem(op, mem, st.sig, 2 * reg, 2, false);
    } else {
      mmSrc(st, op, mem);
      setMm(st, reg, S[0]!, S[1]!);
    }
    return;
  }
  const aligned = p === 0x66;
  if (store) {
    if (isReg) sse.u32.copyWithin(4 * rm, 4 * reg, 4 * reg + 4);
    else writeMem(op, mem, sse.u32, 4 * reg, 4, aligned);
  } else {
    xmmSrc(sse, op, mem, 4, aligned);
    setXmm(sse, reg, S);
  }
}

/** 0F 71/72/73 shift-by-immediate groups on MMX or XMM registers. */
function shiftImmediate(st: X87State, sse: SseState, p: number, opc: number, sub: number, rm: number, imm: number): void {
  const xmm = p === 0x66;
  const n = xmm ? 16 : 8;
  if (!xmm) mmxEnter(st);
  if (xmm) xmmToDa(sse, rm);
  else mmToDa(st, rm);
  const count = imm & 0xff;
  if (opc === 0x73 && (sub === 3 || sub === 7)) {
    if (!xmm) return ud();
    byteShift(sub === 7, count);
  } else {
    const bits = opc === 0x71 ? 16 : opc === 0x72 ? 32 : 64;
    const kind = sub === 2 ? 0 : sub === 4 ? 1 : sub === 6 ? 2 : -1;
    if (kind < 0 || (kind === 1 && bits === 64)) return ud();
    shiftLanes(kind, bits, count, n);
  }
  if (xmm) setXmm(sse, rm, da32);
  else setMm(st, rm, da32[0]!, da32[1]!);
}

/** R ← the two int32 in S[0..1] as doubles (CVTPI2PD, CVTDQ2PD; exact). */
function twoIntsToDoubles(): void {
  i32ToD(S[0]!);
  R[0] = dbl.lo;
  R[1] = dbl.hi;
  i32ToD(S[1]!);
  R[2] = dbl.lo;
  R[3] = dbl.hi;
}

/** 0F 2A: CVTPI2PS, CVTPI2PD, CVTSI2SS, CVTSI2SD. */
function cvtToFloat(st: X87State, sse: SseState, p: number, reg: number, op: EmuFpuOperand, gpr: Uint32Array, mem: EmuLinearMemory): void {
  const mx = sse.mxcsr;
  copy4(R, sse.u32, 4 * reg);
  out.exc = 0;
  if (p === 0xf3 || p === 0xf2) {
    const v = rm32(op, gpr, mem);
    if (p === 0xf3) R[0] = i32ToF(v, mx);
    else {
      i32ToD(v);
      R[0] = dbl.lo;
      R[1] = dbl.hi;
    }
  } else {
    if (op.modrm >= 0xc0) mmxEnter(st);
    mmSrc(st, op, mem);
    if (p === 0) {
      R[0] = i32ToF(S[0]!, mx);
      R[1] = i32ToF(S[1]!, mx);
    } else {
      twoIntsToDoubles();
    }
  }
  commitFlags(sse);
  setXmm(sse, reg, R);
}

/** 0F 2C/2D: CVT(T)PS2PI, CVT(T)PD2PI, CVT(T)SS2SI, CVT(T)SD2SI. */
function cvtToInt(st: X87State, sse: SseState, p: number, trunc: boolean, reg: number, op: EmuFpuOperand, gpr: Uint32Array, mem: EmuLinearMemory): void {
  const mx = sse.mxcsr;
  out.exc = 0;
  const single = p === 0 || p === 0xf3;
  xmmSrc(sse, op, mem, p === 0xf3 ? 1 : p === 0x66 ? 4 : 2);
  let r0: number;
  let r1 = 0;
  if (single) {
    r0 = fToI32(S[0]!, trunc, mx);
    if (p === 0) r1 = fToI32(S[1]!, trunc, mx);
  } else {
    r0 = dToI32(S[1]!, S[0]!, trunc, mx);
    if (p === 0x66) r1 = dToI32(S[3]!, S[2]!, trunc, mx);
  }
  commitFlags(sse);
  if (p === 0xf3 || p === 0xf2) gpr[reg] = r0;
  else {
    mmxEnter(st);
    setMm(st, reg, r0, r1);
  }
}

/** 0F 5A/5B/E6: conversions between singles, doubles and dword integers in XMM registers. */
function cvtFloat(sse: SseState, p: number, opc: number, reg: number, op: EmuFpuOperand, mem: EmuLinearMemory): void {
  const mx = sse.mxcsr;
  out.exc = 0;
  copy4(R, sse.u32, 4 * reg);
  if (opc === 0x5a) {
    if (p === 0) {
      xmmSrc(sse, op, mem, 2);
      fToD(S[0]!, mx);
      R[0] = dbl.lo;
      R[1] = dbl.hi;
      fToD(S[1]!, mx);
      R[2] = dbl.lo;
      R[3] = dbl.hi;
    } else if (p === 0x66) {
      xmmSrc(sse, op, mem, 4);
      R[0] = dToF(S[1]!, S[0]!, mx);
      R[1] = dToF(S[3]!, S[2]!, mx);
      R[2] = 0;
      R[3] = 0;
    } else if (p === 0xf3) {
      xmmSrc(sse, op, mem, 1);
      fToD(S[0]!, mx);
      R[0] = dbl.lo;
      R[1] = dbl.hi;
    } else {
      xmmSrc(sse, op, mem, 2);
      R[0] = dToF(S[1]!, S[0]!, mx);
    }
  } else if (opc === 0x5b) {
    xmmSrc(sse, op, mem, 4);
    for (let i = 0; i < 4; i++) R[i] = p === 0 ? i32ToF(S[i]!, mx) : fToI32(S[i]!, p === 0xf3, mx);
  } else if (p === 0xf3) {
    xmmSrc(sse, op, mem, 2);
    twoIntsToDoubles();
  } else {
    xmmSrc(sse, op, mem, 4);
    const trunc = p === 0x66;
    R[0] = dToI32(S[1]!, S[0]!, trunc, mx);
    R[1] = dToI32(S[3]!, S[2]!, trunc, mx);
    R[2] = 0;
    R[3] = 0;
  }
  commitFlags(sse);
  setXmm(sse, reg, R);
}

const UNKNOWN = Object.freeze({ known: false, imm8: false });
const KNOWN = Object.freeze({ known: true, imm8: false });
const KNOWN_IMM = Object.freeze({ known: true, imm8: true });

/** Per prefix (0, 66, F3, F2) and opcode: 0 unknown, 1 known, 2 known with imm8. */
const TABLE = new Uint8Array(4 * 256);

function prefixIndex(p: number): number {
  return p === 0 ? 0 : p === 0x66 ? 1 : p === 0xf3 ? 2 : p === 0xf2 ? 3 : -1;
}

function define(prefixes: number[], opcodes: number[], v: number): void {
  for (const p of prefixes) for (const o of opcodes) TABLE[prefixIndex(p) * 256 + o] = v;
}

const ALL = [0, 0x66, 0xf3, 0xf2];
const PS_PD = [0, 0x66];
define(ALL, [0x10, 0x11, 0x51, 0x58, 0x59, 0x5a, 0x5c, 0x5d, 0x5e, 0x5f, 0x2a, 0x2c, 0x2d], 1);
define(ALL, [0xc2], 2);
define(PS_PD, [0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x28, 0x29, 0x2b, 0x2e, 0x2f, 0x50, 0x54, 0x55, 0x56, 0x57], 1);
define(PS_PD, [0xc6, 0xc4, 0xc5, 0x70, 0x71, 0x72, 0x73], 2);
define([0, 0xf3], [0x52, 0x53], 1);
define([0, 0x66, 0xf3], [0x5b], 1);
define([0x66, 0xf3, 0xf2], [0xe6, 0xd6], 1);
define([0xf3, 0xf2], [0x70], 2);
define(ALL, [0x18], 1);
define([0], [0x77, 0xc3], 1);
define(PS_PD, [0x6e, 0x6f, 0x7e, 0x7f, 0xd7, 0xe7, 0xf7], 1);
define([0xf3], [0x6f, 0x7e, 0x7f], 1);
for (let o = 0; o < 256; o++) {
  if ((o >= 0x60 && o <= 0x6b) || (o >= 0x74 && o <= 0x76) || (o >= 0xd1 && o <= 0xd5) || (o >= 0xd8 && o <= 0xdf) ||
    (o >= 0xe0 && o <= 0xe5) || (o >= 0xe8 && o <= 0xef) || (o >= 0xf1 && o <= 0xf6) || (o >= 0xf8 && o <= 0xfe)) {
    define(PS_PD, [o], 1);
  }
}
define([0x66], [0x6c, 0x6d], 1);

/** Whether (prefix, opcode) is implemented and takes an imm8. */
export function simdInfo(prefix: number, opcode: number): { readonly known: boolean; readonly imm8: boolean } {
  const i = prefixIndex(prefix);
  if (i < 0 || opcode < 0 || opcode > 0xff) return UNKNOWN;
  const v = TABLE[i * 256 + opcode]!;
  return v === 0 ? UNKNOWN : v === 2 ? KNOWN_IMM : KNOWN;
}
