/**
 * x87 operations outside the basic arithmetic and the transcendentals: constants (FLD1, FLDPI,
 * ...), FXAM, FSCALE and FXTRACT (SDM vol. 2).
 */
import { invalid, nan1, nan2 } from './xf-arith.js';
import {
  A, B, BIAS, C_DENORM, C_INF, C_QNAN, C_UNSUPP, C_ZERO, E_DE, E_ZE, fmt, out, putInf, putZero, roundPack,
} from './xf-core.js';

/** The seven constants as sign/exponent, significand and the next 32 bits (for RC rounding). */
const CONSTANTS = [
  [0x3fff, 0x80000000, 0, 0], // FLD1
  [0x4000, 0xd49a784b, 0xcd1b8afe, 0x492bf6ff], // FLDL2T
  [0x3fff, 0xb8aa3b29, 0x5c17f0bb, 0xbe87fed0], // FLDL2E
  [0x4000, 0xc90fdaa2, 0x2168c234, 0xc4c6628b], // FLDPI
  [0x3ffd, 0x9a209a84, 0xfbcff798, 0x8f8959ac], // FLDLG2
  [0x3ffe, 0xb17217f7, 0xd1cf79ab, 0xc9e3b398], // FLDLN2
  [0, 0, 0, 0], // FLDZ
] as const;

/** The constant for D9 E8+k rounded with the FCW's RC into out (no exceptions). */
export function constant(k: number, rc: number): void {
  const c = CONSTANTS[k]!;
  fmt.prec = 64;
  fmt.rc = rc;
  fmt.emin = 1;
  fmt.emax = 0x7ffe;
  if (c[1] === 0) {
    putZero(0);
    return;
  }
  roundPack(0, c[0], c[1], c[2], c[3]);
}

/** FXAM condition codes (C3, C2, C0 and C1 = sign) for ST0. */
export function fxamCodes(empty: boolean, se: number, c: number): number {
  const c1 = (se & 0x8000) !== 0 ? 0x200 : 0;
  if (empty) return 0x4100 | c1;
  switch (c) {
    case C_UNSUPP:
      return c1;
    case C_ZERO:
      return 0x4000 | c1;
    case C_DENORM:
      return 0x4400 | c1;
    case C_INF:
      return 0x0500 | c1;
    case 1:
      return 0x0400 | c1;
    default:
      return 0x0100 | c1;
  }
}

/** FSCALE: A × 2^trunc(B). */
export function scale(): boolean {
  const ca = A.c;
  const cb = B.c;
  if (ca >= C_QNAN || cb >= C_QNAN) return nan2();
  if (cb === C_INF) {
    if (B.s === 0 ? ca === C_ZERO : ca === C_INF) return invalid();
  }
  if (ca === C_DENORM || cb === C_DENORM) {
    out.exc |= E_DE;
    if ((fmt.masks & E_DE) === 0) return false;
  }
  out.up = false;
  if (ca === C_ZERO || ca === C_INF) {
    out.se = (A.s << 15) | (ca === C_ZERO ? 0 : 0x7fff);
    out.hi = ca === C_ZERO ? 0 : 0x80000000;
    out.lo = 0;
    return true;
  }
  if (cb === C_INF) {
    if (B.s === 0) putInf(A.s);
    else putZero(A.s);
    return true;
  }
  let n = 0;
  if (cb !== C_ZERO && B.e >= BIAS) {
    if (B.e >= BIAS + 20) n = 0x10000;
    else n = Math.floor(B.h / 2 ** (31 - (B.e - BIAS)));
    if (B.s === 1) n = -n;
  }
  roundPack(A.s, A.e + n, A.h, A.l, 0);
  return true;
}

/** FXTRACT: out = significand (exponent 0), and the exponent as a value in `expOut`. */
export const expOut = { se: 0, hi: 0, lo: 0 };

/** FXTRACT of A: sets expOut (exponent as real) and out (significand). */
export function extract(): boolean {
  const ca = A.c;
  if (ca >= C_QNAN) {
    if (!nan1()) return false;
    expOut.se = out.se;
    expOut.hi = out.hi;
    expOut.lo = out.lo;
    return true;
  }
  out.up = false;
  if (ca === C_ZERO) {
    out.exc |= E_ZE;
    if ((fmt.masks & E_ZE) === 0) return false;
    expOut.se = 0xffff;
    expOut.hi = 0x80000000;
    expOut.lo = 0;
    putZero(A.s);
    return true;
  }
  if (ca === C_INF) {
    expOut.se = 0x7fff;
    expOut.hi = 0x80000000;
    expOut.lo = 0;
    putInf(A.s);
    return true;
  }
  if (ca === C_DENORM) {
    out.exc |= E_DE;
    if ((fmt.masks & E_DE) === 0) return false;
  }
  const k = A.e - BIAS;
  if (k === 0) {
    expOut.se = 0;
    expOut.hi = 0;
    expOut.lo = 0;
  } else {
    const m = Math.abs(k);
    const z = Math.clz32(m);
    expOut.se = ((k < 0 ? 1 : 0) << 15) | (BIAS + 31 - z);
    expOut.hi = (m << z) >>> 0;
    expOut.lo = 0;
  }
  out.se = (A.s << 15) | BIAS;
  out.hi = A.h;
  out.lo = A.l;
  return true;
}

