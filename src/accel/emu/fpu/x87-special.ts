/**
 * x87 operations outside the basic arithmetic: constants (FLD1, FLDPI, ...), FXAM, FSCALE,
 * FXTRACT, and the transcendentals FSIN/FCOS/FSINCOS/FPTAN/FPATAN/F2XM1/FYL2X/FYL2XP1.
 *
 * The transcendentals are computed in IEEE double precision (JavaScript's Math) and widened to the
 * 80-bit format: results agree with a real x87 to within about one double ulp, not to the x87's
 * own 64-bit accuracy. Their special cases (NaN, infinities, zeros, out-of-range arguments with C2)
 * follow the SDM.
 */
import { invalid, nan1, nan2 } from './xf-arith.js';
import {
  A, B, BIAS, C_DENORM, C_INF, C_QNAN, C_UNSUPP, C_ZERO, E_DE, E_PE, E_ZE, fmt, loadD, out, putInf,
  putZero, roundPack, type Operand,
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

/** An operand's value as a JavaScript double (rounded to nearest). */
export function toNumber(o: Operand): number {
  if (o.c === C_ZERO) return o.s === 1 ? -0 : 0;
  if (o.c === C_INF) return o.s === 1 ? -Infinity : Infinity;
  const m = o.h * 4294967296 + o.l;
  let v = m * 2 ** (o.e - BIAS - 63);
  if (!Number.isFinite(v) || v === 0) v = o.h * 2 ** (o.e - BIAS - 31);
  return o.s === 1 ? -v : v;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Puts a double into out (extended, exact), raising PE when `inexact`. */
export function putNumber(v: number, inexact: boolean): void {
  f64[0] = v;
  loadD(A, u32[1]!, u32[0]!, false);
  out.up = false;
  if (A.c === C_ZERO) putZero(A.s);
  else if (A.c === C_INF) putInf(A.s);
  else {
    out.se = (A.s << 15) | A.e;
    out.hi = A.h;
    out.lo = A.l;
  }
  if (inexact) out.exc |= E_PE;
}

/** |x| ≥ 2^63: FSIN/FCOS/FSINCOS/FPTAN leave ST0 alone and set C2. */
export function outOfTrigRange(o: Operand): boolean {
  return (o.c === 1 || o.c === C_DENORM) && o.e >= BIAS + 63;
}

/** One-operand transcendental of A: 0 FSIN, 1 FCOS, 2 FPTAN (tan), 3 F2XM1. */
export function unaryTranscendental(kind: number): boolean {
  const ca = A.c;
  if (ca >= C_QNAN) return nan1();
  if (ca === C_INF) {
    if (kind === 3) {
      out.up = false;
      if (A.s === 1) putNumber(-1, false);
      else putInf(0);
      return true;
    }
    return invalid();
  }
  if (ca === C_DENORM) {
    out.exc |= E_DE;
    if ((fmt.masks & E_DE) === 0) return false;
  }
  if (ca === C_ZERO) {
    if (kind === 1) putNumber(1, false);
    else putZero(A.s);
    out.up = false;
    return true;
  }
  const x = toNumber(A);
  let r: number;
  if (kind === 0) r = Math.sin(x);
  else if (kind === 1) r = Math.cos(x);
  else if (kind === 2) r = Math.tan(x);
  else r = Math.expm1(x * Math.LN2);
  putNumber(r, true);
  return true;
}

/** Two-operand transcendental: 0 FPATAN atan2(B, A), 1 FYL2X B·log2(A), 2 FYL2XP1 B·log2(A+1). */
export function binaryTranscendental(kind: number): boolean {
  const ca = A.c;
  const cb = B.c;
  if (ca >= C_QNAN || cb >= C_QNAN) return nan2();
  const x = toNumber(A);
  const y = toNumber(B);
  if (kind === 1) {
    if (A.s === 1 && ca !== C_ZERO) return invalid();
    if (ca === C_ZERO && (cb === C_ZERO || cb === C_INF) && cb === C_ZERO) return invalid();
    if (ca === C_INF && cb === C_ZERO) return invalid();
    if (x === 1 && cb === C_INF) return invalid();
  }
  if (kind === 2 && ((ca === C_ZERO && cb === C_INF) || x < -1)) return invalid();
  if (ca === C_DENORM || cb === C_DENORM) {
    out.exc |= E_DE;
    if ((fmt.masks & E_DE) === 0) return false;
  }
  if (kind === 1 && ca === C_ZERO) {
    out.exc |= E_ZE;
    if ((fmt.masks & E_ZE) === 0) return false;
    putInf(B.s ^ 1);
    out.up = false;
    return true;
  }
  let r: number;
  if (kind === 0) r = Math.atan2(y, x);
  else if (kind === 1) r = y * Math.log2(x);
  else r = (y * Math.log1p(x)) / Math.LN2;
  const exact = (kind === 0 && (cb === C_ZERO || (ca === C_ZERO && false))) || r === 0;
  putNumber(r, !exact);
  out.up = false;
  return true;
}
