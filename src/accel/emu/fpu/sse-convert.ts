/**
 * SSE/SSE2 conversion lanes (SDM vol. 2 CVT*): int32 ↔ single/double, single ↔ double, with
 * MXCSR rounding or truncation; out-of-range and NaN inputs give the integer indefinite
 * 0x80000000 with IE. Flags collect in out.exc like the arithmetic lanes.
 */
import { intOut, nan1, roundIntMagnitude } from './xf-arith.js';
import {
  A, BIAS, C_DENORM, C_INF, C_QNAN, C_ZERO, dbl, E_DE, E_IE, E_PE, fmt, loadD, loadF, out, outToDouble,
  outToSingle, putZero, roundPack,
} from './xf-core.js';
import { loadInt32 } from './x87-load-store.js';
import { sseFormat } from './sse-float.js';

/** int32 → single bits (rounded with MXCSR.RC). */
export function i32ToF(v: number, mxcsr: number): number {
  sseFormat(mxcsr, false);
  loadInt32(A, v | 0);
  if (A.c === C_ZERO) return 0;
  roundPack(A.s, A.e, A.h, A.l, 0);
  return outToSingle();
}

/** int32 → double (exact) into dbl. */
export function i32ToD(v: number): void {
  loadInt32(A, v | 0);
  if (A.c === C_ZERO) {
    dbl.hi = 0;
    dbl.lo = 0;
    return;
  }
  out.se = (A.s << 15) | A.e;
  out.hi = A.h;
  out.lo = A.l;
  outToDouble();
}

/** Rounds the loaded finite or special operand A into the current format (NaNs quieted). */
function convertLoaded(): void {
  const c = A.c;
  if (c >= C_QNAN) {
    nan1();
    return;
  }
  if (c === C_ZERO) {
    putZero(A.s);
    return;
  }
  if (c === C_INF) {
    out.se = (A.s << 15) | 0x7fff;
    out.hi = 0x80000000;
    out.lo = 0;
    return;
  }
  if (c === C_DENORM) out.exc |= E_DE;
  roundPack(A.s, A.e, A.h, A.l, 0);
}

/** single → double into dbl. */
export function fToD(a: number, mxcsr: number): void {
  sseFormat(mxcsr, true);
  loadF(A, a, (mxcsr & 0x40) !== 0);
  convertLoaded();
  outToDouble();
}

/** double → single bits. */
export function dToF(hi: number, lo: number, mxcsr: number): number {
  sseFormat(mxcsr, false);
  loadD(A, hi, lo, (mxcsr & 0x40) !== 0);
  convertLoaded();
  return outToSingle();
}

/** The loaded operand A to int32 (truncating or with MXCSR.RC); 0x80000000 with IE when it does not fit. */
function toInt32(trunc: boolean, mxcsr: number): number {
  const c = A.c;
  if (c === C_ZERO) return 0;
  if (c >= C_INF || A.e >= BIAS + 32) {
    out.exc |= E_IE;
    return 0x80000000;
  }
  fmt.rc = trunc ? 3 : (mxcsr >>> 13) & 3;
  roundIntMagnitude();
  const m = intOut.lo;
  if (intOut.hi !== 0 || m > 0x80000000 || (m === 0x80000000 && A.s === 0)) {
    out.exc |= E_IE;
    return 0x80000000;
  }
  if (intOut.inexact) out.exc |= E_PE;
  return A.s === 1 ? (-m) >>> 0 : m;
}

/** single → int32. */
export function fToI32(a: number, trunc: boolean, mxcsr: number): number {
  loadF(A, a, (mxcsr & 0x40) !== 0);
  return toInt32(trunc, mxcsr);
}

/** double → int32. */
export function dToI32(hi: number, lo: number, trunc: boolean, mxcsr: number): number {
  loadD(A, hi, lo, (mxcsr & 0x40) !== 0);
  return toInt32(trunc, mxcsr);
}
