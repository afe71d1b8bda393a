/**
 * Correctly rounded extended-precision arithmetic on the core's operand registers A and B: add,
 * multiply, divide, square root, remainder, round to integer and compare, with the IEEE special
 * cases and NaN rules of the x87 (SDM vol. 1 §4.8.3, table 4-7) and of SSE (first source wins).
 * Results go to `out` through roundPack; each returns false when an unmasked invalid, denormal or
 * divide-by-zero exception suppresses the result (the caller then leaves the destination alone).
 * Add, multiply and divide work on 32-bit halves; only square root and remainder use BigInt.
 */
import {
  A, B, BIAS, C_DENORM, C_INF, C_QNAN, C_SNAN, C_UNSUPP, C_ZERO, E_DE, E_IE, E_ZE, fmt, out,
  putIndefinite, putInf, putZero, roundPack, type Operand,
} from './xf-core.js';

const TWO32 = 4294967296;

/** Signals invalid: the default NaN when masked. */
export function invalid(): boolean {
  out.exc |= E_IE;
  out.up = false;
  if ((fmt.masks & E_IE) === 0) return false;
  putIndefinite();
  return true;
}

function putNaN(o: Operand): void {
  out.se = (o.s << 15) | 0x7fff;
  out.hi = (o.h | 0xc0000000) >>> 0;
  out.lo = o.l;
  out.up = false;
}

/** NaN (or unsupported) operands of a two-operand operation: the propagated QNaN. */
export function nan2(): boolean {
  const ca = A.c;
  const cb = B.c;
  if (ca === C_UNSUPP || cb === C_UNSUPP) return invalid();
  const snan = ca === C_SNAN || cb === C_SNAN;
  if (snan) {
    out.exc |= E_IE;
    if ((fmt.masks & E_IE) === 0) return false;
  }
  const aNaN = ca >= C_QNAN;
  const bNaN = cb >= C_QNAN;
  if (fmt.sseNaN) {
    putNaN(aNaN ? A : B);
    return true;
  }
  let pick: Operand;
  if (!aNaN) pick = B;
  else if (!bNaN) pick = A;
  else if (ca === C_SNAN && cb === C_QNAN) pick = B;
  else if (cb === C_SNAN && ca === C_QNAN) pick = A;
  else {
    const ah = (A.h | 0xc0000000) >>> 0;
    const bh = (B.h | 0xc0000000) >>> 0;
    if (ah !== bh) pick = ah > bh ? A : B;
    else if (A.l !== B.l) pick = A.l > B.l ? A : B;
    else pick = A.s <= B.s ? A : B;
  }
  putNaN(pick);
  return true;
}

/** NaN (or unsupported) operand of a one-operand operation. */
export function nan1(): boolean {
  if (A.c === C_UNSUPP) return invalid();
  if (A.c === C_SNAN) {
    out.exc |= E_IE;
    if ((fmt.masks & E_IE) === 0) return false;
  }
  putNaN(A);
  return true;
}

/** Raises DE when an operand is denormal; false when DE is unmasked (no result). */
function denormalCheck(two: boolean): boolean {
  if (A.c === C_DENORM || (two && B.c === C_DENORM)) {
    out.exc |= E_DE;
    if ((fmt.masks & E_DE) === 0) return false;
  }
  return true;
}

/** Rounds operand o itself into the destination format (FLD conversions, x + 0, FST). */
export function roundOperand(o: Operand): void {
  roundPack(o.s, o.e, o.h, o.l, 0);
}

/** Shifted significand of normalize96/align (an object, so updates do not allocate). */
const sv = { h: 0, l: 0, x: 0 };

/** Normalizes the 96-bit value (h, l, x) left so bit 95 is set; returns the shift. */
function normalize96(h: number, l: number, x: number): number {
  let n = 0;
  while (h === 0) {
    h = l;
    l = x;
    x = 0;
    n += 32;
  }
  const z = Math.clz32(h);
  if (z > 0) {
    h = ((h << z) | (l >>> (32 - z))) >>> 0;
    l = ((l << z) | (x >>> (32 - z))) >>> 0;
    x = (x << z) >>> 0;
  }
  sv.h = h;
  sv.l = l;
  sv.x = x;
  return n + z;
}

/** Aligns a 64-bit significand shifted right by n (with sticky) into sv.h, sv.l, sv.x. */
function align(h: number, l: number, n: number): void {
  if (n === 0) {
    sv.h = h;
    sv.l = l;
    sv.x = 0;
  } else if (n < 32) {
    sv.x = (l << (32 - n)) >>> 0;
    sv.l = ((h << (32 - n)) | (l >>> n)) >>> 0;
    sv.h = h >>> n;
  } else if (n < 64) {
    const m = n - 32;
    if (m === 0) {
      sv.x = l;
      sv.l = h;
    } else {
      sv.x = ((h << (32 - m)) | (l >>> m) | ((l << (32 - m)) !== 0 ? 1 : 0)) >>> 0;
      sv.l = h >>> m;
    }
    sv.h = 0;
  } else if (n < 96) {
    const m = n - 64;
    if (m === 0) sv.x = (h | (l !== 0 ? 1 : 0)) >>> 0;
    else sv.x = ((h >>> m) | ((l !== 0 || (h << (32 - m)) !== 0) ? 1 : 0)) >>> 0;
    sv.l = 0;
    sv.h = 0;
  } else {
    sv.x = 1;
    sv.l = 0;
    sv.h = 0;
  }
}

/** A + (−1)^negB · B. */
export function add(negB: number): boolean {
  const ca = A.c;
  const cb = B.c;
  if (ca >= C_QNAN || cb >= C_QNAN) return nan2();
  const bs = B.s ^ negB;
  if (ca === C_INF && cb === C_INF && A.s !== bs) return invalid();
  if (!denormalCheck(true)) return false;
  out.up = false;
  if (ca === C_INF) {
    putInf(A.s);
    return true;
  }
  if (cb === C_INF) {
    putInf(bs);
    return true;
  }
  if (cb === C_ZERO) {
    if (ca === C_ZERO) putZero(A.s === bs ? A.s : fmt.rc === 1 ? 1 : 0);
    else roundOperand(A);
    return true;
  }
  if (ca === C_ZERO) {
    roundPack(bs, B.e, B.h, B.l, 0);
    return true;
  }
  let s1 = A.s;
  let e1 = A.e;
  let h1 = A.h;
  let l1 = A.l;
  let s2 = bs;
  let e2 = B.e;
  let h2 = B.h;
  let l2 = B.l;
  if (e1 < e2 || (e1 === e2 && (h1 < h2 || (h1 === h2 && l1 < l2)))) {
    s1 = bs;
    e1 = B.e;
    h1 = B.h;
    l1 = B.l;
    s2 = A.s;
    e2 = A.e;
    h2 = A.h;
    l2 = A.l;
  }
  align(h2, l2, e1 - e2);
  if (s1 === s2) {
    let x = sv.x;
    let lo = l1 + sv.l;
    let c = 0;
    if (lo >= TWO32) {
      lo -= TWO32;
      c = 1;
    }
    let hi = h1 + sv.h + c;
    if (hi >= TWO32) {
      hi -= TWO32;
      x = (((lo & 1) << 31) | (x >>> 1) | (x & 1)) >>> 0;
      lo = (((hi & 1) << 31) | (lo >>> 1)) >>> 0;
      hi = (0x80000000 | (hi >>> 1)) >>> 0;
      e1 += 1;
    }
    roundPack(s1, e1, hi, lo, x);
    return true;
  }
  let x = -sv.x;
  let borrow = 0;
  if (x < 0) {
    x += TWO32;
    borrow = 1;
  }
  let lo = l1 - sv.l - borrow;
  borrow = 0;
  if (lo < 0) {
    lo += TWO32;
    borrow = 1;
  }
  const hi = h1 - sv.h - borrow;
  if ((hi | lo | x) === 0) {
    putZero(fmt.rc === 1 ? 1 : 0);
    return true;
  }
  const n = normalize96(hi, lo, x);
  roundPack(s1, e1 - n, sv.h, sv.l, sv.x);
  return true;
}

/** A × B. */
export function mul(): boolean {
  const ca = A.c;
  const cb = B.c;
  if (ca >= C_QNAN || cb >= C_QNAN) return nan2();
  const s = A.s ^ B.s;
  if ((ca === C_INF && cb === C_ZERO) || (ca === C_ZERO && cb === C_INF)) return invalid();
  if (!denormalCheck(true)) return false;
  out.up = false;
  if (ca === C_INF || cb === C_INF) {
    putInf(s);
    return true;
  }
  if (ca === C_ZERO || cb === C_ZERO) {
    putZero(s);
    return true;
  }
  const a3 = A.h >>> 16;
  const a2 = A.h & 0xffff;
  const a1 = A.l >>> 16;
  const a0 = A.l & 0xffff;
  const b3 = B.h >>> 16;
  const b2 = B.h & 0xffff;
  const b1 = B.l >>> 16;
  const b0 = B.l & 0xffff;
  // column sums stay below 2^36: split each into its low 16 bits and a carry with Math.floor
  let c = a0 * b0;
  let q = Math.floor(c / 65536);
  const p0 = c - q * 65536;
  c = q + a0 * b1 + a1 * b0;
  q = Math.floor(c / 65536);
  const p1 = c - q * 65536;
  c = q + a0 * b2 + a1 * b1 + a2 * b0;
  q = Math.floor(c / 65536);
  const p2 = c - q * 65536;
  c = q + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  q = Math.floor(c / 65536);
  const p3 = c - q * 65536;
  c = q + a1 * b3 + a2 * b2 + a3 * b1;
  q = Math.floor(c / 65536);
  const p4 = c - q * 65536;
  c = q + a2 * b3 + a3 * b2;
  q = Math.floor(c / 65536);
  const p5 = c - q * 65536;
  c = q + a3 * b3;
  q = Math.floor(c / 65536);
  const p6 = c - q * 65536;
  const p7 = q;
  let w3 = p7 * 65536 + p6;
  let w2 = p5 * 65536 + p4;
  let w1 = p3 * 65536 + p2;
  const w0 = p1 * 65536 + p0;
  let e = A.e + B.e - BIAS;
  if (w3 >= 0x80000000) e += 1;
  else {
    w3 = ((w3 << 1) | (w2 >>> 31)) >>> 0;
    w2 = ((w2 << 1) | (w1 >>> 31)) >>> 0;
    w1 = ((w1 << 1) | (w0 >>> 31)) >>> 0;
    if ((w0 & 0x7fffffff) !== 0) w1 = (w1 | 1) >>> 0;
    roundPack(s, e, w3, w2, w1);
    return true;
  }
  roundPack(s, e, w3, w2, (w1 | (w0 !== 0 ? 1 : 0)) >>> 0);
  return true;
}

/** A ÷ B. */
export function div(): boolean {
  const ca = A.c;
  const cb = B.c;
  if (ca >= C_QNAN || cb >= C_QNAN) return nan2();
  const s = A.s ^ B.s;
  if ((ca === C_INF && cb === C_INF) || (ca === C_ZERO && cb === C_ZERO)) return invalid();
  out.up = false;
  if (ca === C_INF) {
    if (!denormalCheck(true)) return false;
    putInf(s);
    return true;
  }
  if (cb === C_ZERO) {
    // a finite dividend over zero raises only ZE, even when the dividend is denormal
    out.exc |= E_ZE;
    if ((fmt.masks & E_ZE) === 0) return false;
    putInf(s);
    return true;
  }
  if (!denormalCheck(true)) return false;
  if (ca === C_ZERO || cb === C_INF) {
    putZero(s);
    return true;
  }
  const bh = B.h;
  const bl = B.l;
  let rh = A.h;
  let rl = A.l;
  let e = A.e - B.e + BIAS;
  if (rh < bh || (rh === bh && rl < bl)) {
    rh = rh * 2 + (rl >>> 31);
    rl = (rl << 1) >>> 0;
    e -= 1;
  }
  let qh = 0;
  let ql = 0;
  let qx = 0;
  for (let i = 0; i < 96; i++) {
    let bit = 0;
    if (rh > bh || (rh === bh && rl >= bl)) {
      let nl = rl - bl;
      let nh = rh - bh;
      if (nl < 0) {
        nl += TWO32;
        nh -= 1;
      }
      rl = nl;
      rh = nh;
      bit = 1;
    }
    if (i < 32) qh = qh * 2 + bit;
    else if (i < 64) ql = ql * 2 + bit;
    else qx = qx * 2 + bit;
    rh = rh * 2 + (rl >>> 31);
    rl = (rl << 1) >>> 0;
  }
  if (rh !== 0 || rl !== 0) qx = (qx | 1) >>> 0;
  roundPack(s, e, qh, ql, qx);
  return true;
}

function sigBig(o: Operand): bigint {
  return (BigInt(o.h) << 32n) | BigInt(o.l);
}

function isqrt(n: bigint): bigint {
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** √A. */
export function sqrt(): boolean {
  const ca = A.c;
  if (ca >= C_QNAN) return nan1();
  if (ca === C_ZERO) {
    out.up = false;
    putZero(A.s);
    return true;
  }
  if (A.s === 1) return invalid();
  if (!denormalCheck(false)) return false;
  out.up = false;
  if (ca === C_INF) {
    putInf(0);
    return true;
  }
  const k = A.e - BIAS;
  const odd = (k & 1) !== 0;
  const n = sigBig(A) << (odd ? 128n : 127n);
  const q = isqrt(n);
  const exact = q * q === n;
  const qh = Number(q >> 64n);
  const ql = Number((q >> 32n) & 0xffffffffn);
  const qx = Number(q & 0xffffffffn) | (exact ? 0 : 1);
  roundPack(0, BIAS + Math.floor(k / 2), qh, ql, qx >>> 0);
  return true;
}

/** Quotient bits and completion of the last remainder: C2 set when only partial. */
export const remState = { q: 0, partial: false };

/** FPREM (truncating quotient) or FPREM1 (nearest quotient): A rem B, exact. */
export function rem(nearest: boolean): boolean {
  const ca = A.c;
  const cb = B.c;
  remState.q = 0;
  remState.partial = false;
  if (ca >= C_QNAN || cb >= C_QNAN) return nan2();
  if (ca === C_INF || cb === C_ZERO) return invalid();
  if (!denormalCheck(true)) return false;
  out.up = false;
  if (ca === C_ZERO || cb === C_INF) {
    roundPack(A.s, A.e, A.h, A.l, 0);
    return true;
  }
  const d = A.e - B.e;
  if (d < 0 && !(nearest && d === -1)) {
    roundPack(A.s, A.e, A.h, A.l, 0);
    return true;
  }
  const sa = sigBig(A);
  const sb = sigBig(B);
  let r: bigint;
  if (d >= 64) {
    // partial remainder: the quotient scaled down by 2^(d−n) leaves ST(0) reduced by d−n bits
    const n = 32 + (d % 32);
    const num = sa << BigInt(n);
    r = num - (num / sb) * sb;
    remState.partial = true;
    if (r === 0n) {
      putZero(A.s);
      return true;
    }
    return packRem(A.s, r, B.e + d - n);
  }
  let num: bigint;
  let den = sb;
  if (d >= 0) num = sa << BigInt(d);
  else {
    num = sa;
    den = sb << 1n;
  }
  let q = num / den;
  r = num - q * den;
  let sign = A.s;
  if (nearest) {
    const twice = r * 2n;
    if (twice > den || (twice === den && (q & 1n) === 1n)) {
      q += 1n;
      r = den - r;
      sign ^= 1;
    }
  }
  remState.q = Number(q & 7n);
  const eRes = d >= 0 ? B.e : B.e - 1;
  if (r === 0n) {
    putZero(A.s);
    return true;
  }
  return packRem(sign, r, eRes);
}

function packRem(sign: number, r: bigint, e: number): boolean {
  // r is an integer multiple of 2^(e − BIAS − 63)
  const bits = r.toString(2).length;
  const v = r << BigInt(64 - bits);
  const saved = fmt.prec;
  fmt.prec = 64;
  roundPack(sign, e - (64 - bits), Number(v >> 32n), Number(v & 0xffffffffn), 0);
  fmt.prec = saved;
  return true;
}

/** Integer result of roundInt: magnitude as hi:lo (hi may be 2^32 after a carry) and whether inexact/rounded up. */
export const intOut = { hi: 0, lo: 0, inexact: false, up: false };

/** Rounds finite nonzero A to an integer magnitude with fmt.rc into intOut (A.e < BIAS + 64 required). */
export function roundIntMagnitude(): void {
  const n = BIAS + 63 - A.e;
  align(A.h, A.l, n);
  let h = sv.h;
  let l = sv.l;
  const x = sv.x;
  intOut.inexact = x !== 0;
  intOut.up = false;
  if (x !== 0) {
    const half = x > 0x80000000 ? 3 : x === 0x80000000 ? 2 : 1;
    const rc = fmt.rc;
    const inc = rc === 0 ? half === 3 || (half === 2 && (l & 1) === 1) : rc === 1 ? A.s === 1 : rc === 2 ? A.s === 0 : false;
    if (inc) {
      l += 1;
      if (l === TWO32) {
        l = 0;
        h += 1;
      }
      intOut.up = true;
    }
  }
  intOut.hi = h;
  intOut.lo = l;
}

/** FRNDINT: A rounded to an integer in the extended format. */
export function roundToInt(): boolean {
  const ca = A.c;
  if (ca >= C_QNAN) return nan1();
  if (!denormalCheck(false)) return false;
  out.up = false;
  if (ca === C_ZERO || ca === C_INF || A.e >= BIAS + 63) {
    out.se = (A.s << 15) | (ca === C_ZERO ? 0 : A.e);
    out.hi = A.h;
    out.lo = A.l;
    return true;
  }
  roundIntMagnitude();
  if (intOut.inexact) out.exc |= 32;
  out.up = intOut.up;
  if (intOut.hi === 0 && intOut.lo === 0) {
    putZero(A.s);
    return true;
  }
  if (intOut.hi >= TWO32) {
    out.se = (A.s << 15) | (BIAS + 64);
    out.hi = 0x80000000;
    out.lo = 0;
    return true;
  }
  const z = normalize96(intOut.hi, intOut.lo, 0);
  out.se = (A.s << 15) | (BIAS + 63 - z);
  out.hi = sv.h;
  out.lo = sv.l;
  return true;
}

/** Compare results. */
export const CMP_LT = 0;
/** A equals B. */
export const CMP_EQ = 1;
/** A greater than B. */
export const CMP_GT = 2;
/** Unordered (a NaN). */
export const CMP_UN = 3;

/**
 * Compares A with B. Signaling compares (FCOM, COMISS) raise IE on any NaN; quiet ones (FUCOM,
 * UCOMISS) only on SNaN. Unsupported x87 encodings always raise IE. Returns CMP_UN with the
 * invalid flag when IE is raised.
 */
export function compare(signaling: boolean): number {
  const ca = A.c;
  const cb = B.c;
  if (ca >= C_QNAN || cb >= C_QNAN) {
    if (signaling || ca === C_SNAN || cb === C_SNAN || ca === C_UNSUPP || cb === C_UNSUPP) out.exc |= E_IE;
    return CMP_UN;
  }
  if (A.c === C_DENORM || B.c === C_DENORM) out.exc |= E_DE;
  return order();
}

/** Orders two non-NaN operands. */
export function order(): number {
  const ca = A.c;
  const cb = B.c;
  if (ca === C_ZERO && cb === C_ZERO) return CMP_EQ;
  if (A.s !== B.s) return A.s === 1 ? CMP_LT : CMP_GT;
  let mag: number;
  if (ca === C_ZERO) mag = -1;
  else if (cb === C_ZERO) mag = 1;
  else if (ca === C_INF || cb === C_INF) mag = ca === cb ? 0 : ca === C_INF ? 1 : -1;
  else if (A.e !== B.e) mag = A.e > B.e ? 1 : -1;
  else if (A.h !== B.h) mag = A.h > B.h ? 1 : -1;
  else if (A.l !== B.l) mag = A.l > B.l ? 1 : -1;
  else mag = 0;
  if (A.s === 1) mag = -mag;
  return mag < 0 ? CMP_LT : mag > 0 ? CMP_GT : CMP_EQ;
}
