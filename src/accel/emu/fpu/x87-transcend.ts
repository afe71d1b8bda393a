/**
 * The x87 transcendentals FSIN/FCOS/FSINCOS/FPTAN/FPATAN/F2XM1/FYL2X/FYL2XP1 (SDM vol. 2).
 *
 * The core functions are evaluated in IEEE double precision (JavaScript's Math), so results agree
 * with a real x87 to within about one double ulp, not to its own 64-bit accuracy. What surrounds
 * them keeps the 80-bit range and the x87's behaviour: arguments are reduced modulo π/2 with the
 * x87's own 66-bit π (so large arguments give the hardware's answers, not the mathematically exact
 * ones), arguments outside the double range are scaled, tiny arguments take their limits
 * (sin x = x, 2^x − 1 = x·ln 2) in extended precision, and the final products of FYL2X/FYL2XP1 are
 * extended multiplications. Special operands follow the SDM's tables.
 */
import { div, invalid, mul, nan1, nan2 } from './xf-arith.js';
import {
  A, B, BIAS, C_DENORM, C_INF, C_QNAN, C_ZERO, copyOperand, E_DE, E_PE, E_UE, E_ZE, fmt, loadD, out, putInf,
  putZero, roundPack, swapOperands, type Operand,
} from './xf-core.js';

/** π/2 as the x87 holds it: 66 significant bits, value PI66 · 2^−65. */
const PI66 = (0xc90fdaa22168c234n << 2n) | 3n;
/** ln 2 and log2 e in the extended format (for tiny-argument limits). */
const LN2_HI = 0xb17217f7;
const LN2_LO = 0xd1cf79ac;
const LOG2E_HI = 0xb8aa3b29;
const LOG2E_LO = 0x5c17f0bc;

/** Holds y while FYL2XP1 forms x·log2 e. */
const Y: Operand = { s: 0, e: 0, h: 0, l: 0, c: 0 };

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** An operand's magnitude as m · 2^k with m in [1, 2), as a double (m exact to 53 bits). */
function mantissa(o: Operand): number {
  return (o.h * 4294967296 + o.l) / 9223372036854775808;
}

/** An operand's value as a double (rounded; ±0/±∞ beyond the double range). */
export function toNumber(o: Operand): number {
  if (o.c === C_ZERO) return o.s === 1 ? -0 : 0;
  if (o.c === C_INF) return o.s === 1 ? -Infinity : Infinity;
  const v = mantissa(o) * 2 ** (o.e - BIAS);
  return o.s === 1 ? -v : v;
}

/** Loads a double into operand register o. */
function loadNumber(o: Operand, v: number): void {
  f64[0] = v;
  loadD(o, u32[1]!, u32[0]!, false);
}

/** Puts a double into out (exact in the extended format), raising PE when `inexact`. */
export function putNumber(v: number, inexact: boolean): void {
  loadNumber(A, v);
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

/** A rounded as itself with PE (and UE when denormal): the limit of sin x and tan x for tiny x. */
function tinyIdentity(): void {
  if (A.e < 1) out.exc |= E_UE;
  roundPack(A.s, A.e, A.h, A.l, 0);
  out.exc |= E_PE;
}

/** A × (hi:lo, exponent e) rounded in extended precision: tiny-argument limits and final products. */
function timesConstant(hi: number, lo: number, e: number): void {
  B.s = 0;
  B.e = e;
  B.h = hi;
  B.l = lo;
  B.c = 1;
  mul();
  out.exc |= E_PE;
}

/** Reduction of |A| by π/2: the quadrant and the remainder as a double. */
const reduced = { quadrant: 0, r: 0 };

function reduce(): void {
  const s = A.e - BIAS - 63 + 65;
  const x = (BigInt(A.h) << 32n) | BigInt(A.l);
  if (s < 1) {
    reduced.quadrant = 0;
    reduced.r = Math.abs(toNumber(A));
    return;
  }
  const n = x << BigInt(s);
  const q = (2n * n + PI66) / (2n * PI66);
  reduced.quadrant = Number(q & 3n);
  reduced.r = Number(n - q * PI66) * 2 ** -65;
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
  out.up = false;
  if (ca === C_ZERO) {
    if (kind === 1) putNumber(1, false);
    else putZero(A.s);
    return true;
  }
  if (kind === 3) {
    if (A.e < BIAS - 60) timesConstant(LN2_HI, LN2_LO, BIAS - 1);
    else putNumber(Math.expm1(toNumber(A) * Math.LN2), true);
    return true;
  }
  if (A.e < BIAS - 32) {
    if (kind === 1) putNumber(1, true);
    else tinyIdentity();
    return true;
  }
  reduce();
  const q = reduced.quadrant;
  const r = reduced.r;
  let v: number;
  if (kind === 0) v = q === 0 ? Math.sin(r) : q === 1 ? Math.cos(r) : q === 2 ? -Math.sin(r) : -Math.cos(r);
  else if (kind === 1) v = q === 0 ? Math.cos(r) : q === 1 ? -Math.sin(r) : q === 2 ? -Math.cos(r) : Math.sin(r);
  else v = (q & 1) === 0 ? Math.tan(r) : -1 / Math.tan(r);
  if (A.s === 1 && kind !== 1) v = -v;
  putNumber(v, true);
  return true;
}

/** ±0, ±∞ or ±1 (any finite nonzero value) for an operand. */
function signClass(o: Operand): number {
  const m = o.c === C_ZERO ? 0 : o.c === C_INF ? Infinity : 1;
  return o.s === 1 ? -m : m;
}

/** FPATAN of finite nonzero A (x) and B (y): scaled so the exponents' difference decides. */
function atan2Finite(): void {
  const d = B.e - A.e;
  if (A.s === 0 && d < -60) {
    // atan(y/x) = y/x to extended precision (the core divides A by B)
    swapOperands();
    div();
    out.exc |= E_PE;
    return;
  }
  const m = Math.max(A.e, B.e);
  const x = mantissa(A) * 2 ** (A.e - m) * (A.s === 1 ? -1 : 1);
  const y = mantissa(B) * 2 ** (B.e - m) * (B.s === 1 ? -1 : 1);
  putNumber(Math.atan2(y, x), true);
}

/** log2 of finite positive A as a double (near 1 through log1p, so no cancellation). */
function log2Of(): number {
  const k = A.e - BIAS;
  if (k === 0 || k === -1) {
    // x − 1 is exact in the extended format; its double rounding keeps the relative accuracy
    const t = (A.h * 4294967296 + A.l) / 9223372036854775808 * 2 ** k - 1;
    return Math.log1p(t) * Math.LOG2E;
  }
  return k + Math.log2(mantissa(A));
}

/**
 * B (y) × l rounded in extended precision, with l a double: the last step of FYL2X/FYL2XP1. `exact`
 * says l is exact (log2 of a power of two), so only the product's own rounding can raise PE.
 */
function yTimes(l: number, exact: boolean): void {
  const ys = B.s;
  loadNumber(A, l);
  if (A.c === C_ZERO || B.c === C_ZERO) {
    putZero(A.s ^ ys);
    return;
  }
  mul();
  if (!exact) out.exc |= E_PE;
}

/** Two-operand transcendental: 0 FPATAN atan2(B, A), 1 FYL2X B·log2(A), 2 FYL2XP1 B·log2(A+1). */
export function binaryTranscendental(kind: number): boolean {
  const ca = A.c;
  const cb = B.c;
  if (ca >= C_QNAN || cb >= C_QNAN) return nan2();
  if (kind === 1) {
    if (A.s === 1 && ca !== C_ZERO) return invalid();
    if (ca === C_ZERO && cb === C_ZERO) return invalid();
    if (ca === C_INF && cb === C_ZERO) return invalid();
    if (ca === 1 && A.e === BIAS && A.h === 0x80000000 && A.l === 0 && cb === C_INF) return invalid();
  }
  if (kind === 2 && ca === C_ZERO && cb === C_INF) return invalid();
  if (kind === 1 && ca === C_ZERO) {
    // log2(0) = −∞: divide-by-zero for a finite y (checked before the denormal operand), none for ∞
    out.up = false;
    if (cb !== C_INF) {
      out.exc |= E_ZE;
      if ((fmt.masks & E_ZE) === 0) return false;
    }
    putInf(B.s ^ 1);
    return true;
  }
  if (ca === C_DENORM || cb === C_DENORM) {
    out.exc |= E_DE;
    if ((fmt.masks & E_DE) === 0) return false;
  }
  out.up = false;
  if (kind === 0) {
    if (ca === C_ZERO || cb === C_ZERO || ca === C_INF || cb === C_INF) {
      // only signs and classes matter here: finite nonzero operands stand in as ±1
      const v = Math.atan2(signClass(B), signClass(A));
      putNumber(v, v !== 0 && !Object.is(v, -0));
    } else atan2Finite();
    return true;
  }
  if (kind === 1) {
    if (ca === C_INF || cb === C_INF) {
      const v = toNumber(B) * Math.log2(toNumber(A));
      putNumber(v, false);
      return true;
    }
    // the x87 reports PE even when log2 x is an exact integer
    yTimes(log2Of(), false);
    return true;
  }
  if (ca === C_ZERO || cb === C_ZERO) {
    putZero(A.s ^ B.s);
    return true;
  }
  if (cb === C_INF || ca === C_INF) {
    putNumber(toNumber(B) * Math.log1p(toNumber(A)), false);
    return true;
  }
  if (A.e < BIAS - 60) {
    // log2(1 + x) = x · log2 e for tiny x, then times y; the intermediate x·log2 e is formed
    // 2^16384 higher, so only the final product is ever tiny
    copyOperand(Y, B);
    A.e += 0x4000;
    timesConstant(LOG2E_HI, LOG2E_LO, BIAS);
    A.s = out.se >>> 15;
    A.e = (out.se & 0x7fff) - 0x4000;
    A.h = out.hi;
    A.l = out.lo;
    A.c = 1;
    copyOperand(B, Y);
    mul();
    out.exc |= E_PE;
    return true;
  }
  yTimes(Math.log1p(toNumber(A)) * Math.LOG2E, false);
  return true;
}
