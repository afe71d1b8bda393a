/**
 * SSE/SSE2 floating-point lanes (SDM vol. 1 §10.4, §11.4, and §11.5 for exceptions): arithmetic,
 * MIN/MAX, compares, COMIS*, reciprocal estimates, with MXCSR rounding, DAZ and FTZ. Each lane goes
 * through the extended core with a single or double destination format, so results and flags are
 * IEEE-exact. An instruction collects the flags of all its lanes; `commitFlags` then applies the
 * SSE rule: unmasked invalid/denormal/divide-by-zero stop the instruction with only those flags
 * recorded, otherwise all flags are recorded and an unmasked overflow/underflow/precision raises
 * #XM, and in both cases the destination is left unchanged.
 */
import { EmuFpuFault } from '../contract.js';
import { add, CMP_EQ, CMP_GT, CMP_LT, CMP_UN, compare, div, mul, sqrt } from './xf-arith.js';
import {
  A, B, C_DENORM, C_QNAN, C_ZERO, dbl, E_DE, E_IE, E_ZE, fmt, loadD, loadF, out, outToDouble,
  outToSingle, setDoubleFormat, setSingleFormat,
} from './xf-core.js';
import type { SseState } from './sse-state.js';

/** Lane operations. */
export const OP_ADD = 0;
/** Multiply. */
export const OP_MUL = 1;
/** Subtract. */
export const OP_SUB = 2;
/** Divide. */
export const OP_DIV = 3;
/** Minimum. */
export const OP_MIN = 4;
/** Maximum. */
export const OP_MAX = 5;
/** Square root (of the source). */
export const OP_SQRT = 6;

/** Sets the core's context for SSE lanes of one format from MXCSR. */
export function sseFormat(mxcsr: number, double: boolean): void {
  const rc = (mxcsr >>> 13) & 3;
  const masks = (mxcsr >>> 7) & 0x3f;
  if (double) setDoubleFormat(rc, masks);
  else setSingleFormat(rc, masks);
  fmt.tinyAfter = true;
  fmt.ftz = (mxcsr & 0x8000) !== 0;
  fmt.sseNaN = true;
  fmt.peOnUnmasked = true;
}

/** Whether MXCSR.DAZ is set. */
export function daz(mxcsr: number): boolean {
  return (mxcsr & 0x40) !== 0;
}

/**
 * Applies the flags collected in out.exc to MXCSR; throws #XM (vector 19, the core turns it into
 * #UD when CR4.OSXMMEXCPT is clear) when an unmasked one occurred.
 */
export function commitFlags(sse: SseState): void {
  const exc = out.exc;
  if (exc === 0) return;
  const masks = (sse.mxcsr >>> 7) & 0x3f;
  const pre = exc & (E_IE | E_DE | E_ZE);
  if ((pre & ~masks) !== 0) {
    sse.mxcsr |= pre;
    throw new EmuFpuFault(19);
  }
  sse.mxcsr |= exc;
  if ((exc & ~masks) !== 0) throw new EmuFpuFault(19);
}

function minMax(max: boolean): boolean {
  // NaN in either operand, or both zero: the source (second operand) is returned
  const ca = A.c;
  const cb = B.c;
  if (ca >= C_QNAN || cb >= C_QNAN) {
    out.exc |= E_IE;
    return false;
  }
  if (ca === C_DENORM || cb === C_DENORM) out.exc |= E_DE;
  const r = compare(false);
  if (max) return r === CMP_GT;
  return r === CMP_LT;
}

/** Runs an arithmetic lane operation on the loaded A (B for square root) and B. */
function arithmetic(kind: number): void {
  switch (kind) {
    case OP_ADD:
      add(0);
      return;
    case OP_SUB:
      add(1);
      return;
    case OP_MUL:
      mul();
      return;
    case OP_DIV:
      div();
      return;
    default:
      A.s = B.s;
      A.e = B.e;
      A.h = B.h;
      A.l = B.l;
      A.c = B.c;
      sqrt();
  }
}

/** One single-precision lane: returns the result bits (out.exc collects flags). */
export function laneF(kind: number, a: number, b: number, dz: boolean): number {
  loadF(A, a, dz);
  loadF(B, b, dz);
  if (kind === OP_MIN || kind === OP_MAX) {
    const pickA = minMax(kind === OP_MAX);
    const o = pickA ? A : B;
    return dz && o.c === C_ZERO ? (o.s << 31) >>> 0 : pickA ? a : b;
  }
  arithmetic(kind);
  return outToSingle();
}

/** One double-precision lane: result in dbl. */
export function laneD(kind: number, ah: number, al: number, bh: number, bl: number, dz: boolean): void {
  loadD(A, ah, al, dz);
  loadD(B, bh, bl, dz);
  if (kind === OP_MIN || kind === OP_MAX) {
    const pickA = minMax(kind === OP_MAX);
    const o = pickA ? A : B;
    if (dz && o.c === C_ZERO) {
      dbl.hi = (o.s << 31) >>> 0;
      dbl.lo = 0;
    } else {
      dbl.hi = pickA ? ah : bh;
      dbl.lo = pickA ? al : bl;
    }
    return;
  }
  arithmetic(kind);
  outToDouble();
}

/** CMPPS/CMPSS/CMPPD/CMPSD predicate 0–7 on A and B: true or false (flags into out.exc). */
export function cmpPredicate(pred: number): boolean {
  const signaling = pred === 1 || pred === 2 || pred === 5 || pred === 6;
  const r = compare(signaling);
  switch (pred & 7) {
    case 0:
      return r === CMP_EQ;
    case 1:
      return r === CMP_LT;
    case 2:
      return r === CMP_LT || r === CMP_EQ;
    case 3:
      return r === CMP_UN;
    case 4:
      return r !== CMP_EQ;
    case 5:
      return r !== CMP_LT;
    case 6:
      return r !== CMP_LT && r !== CMP_EQ;
    default:
      return r !== CMP_UN;
  }
}

/** COMISS/UCOMISS/COMISD/UCOMISD result as EFLAGS ZF/PF/CF bits (OF, SF, AF cleared by the caller). */
export function comisFlags(signaling: boolean): number {
  const r = compare(signaling);
  if (r === CMP_UN) return 0x45;
  if (r === CMP_LT) return 0x01;
  if (r === CMP_EQ) return 0x40;
  return 0;
}

const f32 = new Float32Array(1);
const u32f = new Uint32Array(f32.buffer);

/**
 * RCPSS/RSQRTSS-style estimate of single `a`: 1/a or 1/√a with at most 1.5·2^−12 relative error
 * (computed exactly, then rounded to 12 significant bits — real processors use their own tables,
 * so only the error bound is architectural). Denormal inputs count as zero, tiny results flush to
 * zero, and no exception is raised.
 */
export function estimate(a: number, rsqrt: boolean): number {
  const s = a >>> 31;
  const e = (a >>> 23) & 0xff;
  const f = a & 0x7fffff;
  if (e === 0xff) {
    if (f !== 0) return (a | 0x400000) >>> 0;
    if (rsqrt && s === 1) return 0xffc00000;
    return (s << 31) >>> 0;
  }
  if (e === 0) return rsqrt ? ((s << 31) | 0x7f800000) >>> 0 : ((s << 31) | 0x7f800000) >>> 0;
  if (rsqrt && s === 1) return 0xffc00000;
  u32f[0] = a;
  const x = f32[0]!;
  const r = rsqrt ? 1 / Math.sqrt(x) : 1 / x;
  f32[0] = r;
  let bits = u32f[0]!;
  if (((bits >>> 23) & 0xff) === 0) return (s << 31) >>> 0;
  bits = (bits + 0x400) & 0xfffff800;
  return bits >>> 0;
}

