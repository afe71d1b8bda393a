/**
 * The extended-precision core shared by the x87 and SSE paths: the IEEE exception bits, the
 * rounding context (precision, rounding control, exponent range of the destination format), operand
 * classification, and round-and-pack of a 96-bit working significand (Intel SDM vol. 1 §4.8, §8.5).
 *
 * Values travel as numbers, never objects: a significand is two unsigned 32-bit halves (hi with
 * the explicit J bit at bit 31, lo) plus, while rounding, a 32-bit extension word whose low bit is
 * sticky. Exponents are biased like the 80-bit format (bias 16383) for every format; a double or
 * single result is an extended value whose exponent range and precision were limited by `fmt`.
 */

/** Exception bits, as in the FSW and MXCSR low six bits. */
export const E_IE = 1;
/** Denormal operand. */
export const E_DE = 2;
/** Divide by zero. */
export const E_ZE = 4;
/** Overflow. */
export const E_OE = 8;
/** Underflow. */
export const E_UE = 16;
/** Precision (inexact). */
export const E_PE = 32;

/** Extended exponent bias. */
export const BIAS = 16383;

/** Operand classes returned by the classifiers. */
export const C_ZERO = 0;
/** Normal finite value (J bit set). */
export const C_NORMAL = 1;
/** Denormal, or an x87 pseudo-denormal. */
export const C_DENORM = 2;
/** Infinity. */
export const C_INF = 3;
/** Quiet NaN. */
export const C_QNAN = 4;
/** Signaling NaN. */
export const C_SNAN = 5;
/** x87 unsupported encoding (unnormal, pseudo-NaN, pseudo-infinity): an invalid operand. */
export const C_UNSUPP = 6;

/** The rounding context of the operation in progress, set by the caller before each operation. */
export const fmt = {
  /** Significand bits kept: 64, 53 or 24. */
  prec: 64,
  /** Rounding control: 0 nearest-even, 1 down, 2 up, 3 toward zero. */
  rc: 0,
  /** Smallest normal biased exponent and largest finite one of the destination format. */
  emin: 1,
  emax: 0x7ffe,
  /** Exception masks (bits as E_*): set bit = masked. */
  masks: 0x3f,
  /** x87 register destination: unmasked overflow/underflow deliver a result scaled by 2^∓24576. */
  biasAdjust: true,
  /** Tininess detected after rounding (SSE) instead of before (x87). */
  tinyAfter: false,
  /** MXCSR.FTZ: masked underflow flushes to zero. */
  ftz: false,
  /** SSE NaN rules (first source's NaN wins) instead of the x87 larger-significand rule. */
  sseNaN: false,
  /** SSE: an unmasked overflow/underflow also reports PE when inexact (x87 memory stores do not). */
  peOnUnmasked: false,
};

/** The result of the last core operation (extended format) and what it raised. */
export const out = {
  /** Sign (bit 15) and biased exponent of the result. */
  se: 0,
  hi: 0,
  lo: 0,
  /** Exception bits raised (accumulated; the caller clears it). */
  exc: 0,
  /** The result was rounded up in magnitude (the x87 C1 bit). */
  up: false,
};

/** A classified, normalized operand: sign (0/1), unbounded biased exponent, significand. */
export interface Operand {
  s: number;
  e: number;
  h: number;
  l: number;
  c: number;
}
/** The first operand register of the core. */
export const A: Operand = { s: 0, e: 0, h: 0, l: 0, c: 0 };
/** The second operand register of the core. */
export const B: Operand = { s: 0, e: 0, h: 0, l: 0, c: 0 };

const TWO32 = 4294967296;

/**
 * Loads an 80-bit value into `o`, classifying it; denormals are normalized (exponent may go below
 * 1). With `daz` (never on x87) denormals read as zero.
 */
export function loadX(o: Operand, se: number, hi: number, lo: number): number {
  const e = se & 0x7fff;
  o.s = se >>> 15;
  o.h = hi >>> 0;
  o.l = lo >>> 0;
  o.e = e;
  let c: number;
  if (e === 0) {
    if ((hi | lo) === 0) c = C_ZERO;
    else {
      c = C_DENORM;
      o.e = 1;
      normalizeOperand(o);
    }
  } else if (e === 0x7fff) {
    if ((hi & 0x80000000) === 0) c = C_UNSUPP;
    else if ((hi & 0x7fffffff) === 0 && lo === 0) c = C_INF;
    else c = (hi & 0x40000000) !== 0 ? C_QNAN : C_SNAN;
  } else c = (hi & 0x80000000) !== 0 ? C_NORMAL : C_UNSUPP;
  o.c = c;
  return c;
}

function normalizeOperand(o: Operand): void {
  if (o.h === 0) {
    o.h = o.l;
    o.l = 0;
    o.e -= 32;
  }
  const z = Math.clz32(o.h);
  if (z > 0) {
    o.h = ((o.h << z) | (o.l >>> (32 - z))) >>> 0;
    o.l = (o.l << z) >>> 0;
    o.e -= z;
  }
}

/** Loads an IEEE double given as its two 32-bit halves; `daz` reads denormals as zero. */
export function loadD(o: Operand, whi: number, wlo: number, daz: boolean): number {
  const e = (whi >>> 20) & 0x7ff;
  const fh = whi & 0xfffff;
  o.s = whi >>> 31;
  o.h = ((fh << 11) | (wlo >>> 21)) >>> 0;
  o.l = (wlo << 11) >>> 0;
  let c: number;
  if (e === 0) {
    if ((fh | wlo) === 0 || daz) {
      c = C_ZERO;
      o.h = 0;
      o.l = 0;
      o.e = 0;
    } else {
      c = C_DENORM;
      o.e = BIAS - 1022;
      normalizeOperand(o);
    }
  } else if (e === 0x7ff) {
    o.e = 0x7fff;
    o.h = (o.h | 0x80000000) >>> 0;
    c = (fh | wlo) === 0 ? C_INF : (fh & 0x80000) !== 0 ? C_QNAN : C_SNAN;
  } else {
    c = C_NORMAL;
    o.e = e - 1023 + BIAS;
    o.h = (o.h | 0x80000000) >>> 0;
  }
  o.c = c;
  return c;
}

/** Loads an IEEE single; `daz` reads denormals as zero. */
export function loadF(o: Operand, w: number, daz: boolean): number {
  const e = (w >>> 23) & 0xff;
  const f = w & 0x7fffff;
  o.s = w >>> 31;
  o.h = (f << 8) >>> 0;
  o.l = 0;
  let c: number;
  if (e === 0) {
    if (f === 0 || daz) {
      c = C_ZERO;
      o.h = 0;
      o.e = 0;
    } else {
      c = C_DENORM;
      o.e = BIAS - 126;
      normalizeOperand(o);
    }
  } else if (e === 0xff) {
    o.e = 0x7fff;
    o.h = (o.h | 0x80000000) >>> 0;
    c = f === 0 ? C_INF : (f & 0x400000) !== 0 ? C_QNAN : C_SNAN;
  } else {
    c = C_NORMAL;
    o.e = e - 127 + BIAS;
    o.h = (o.h | 0x80000000) >>> 0;
  }
  o.c = c;
  return c;
}

/** Copies operand register `src` into `dst`. */
export function copyOperand(dst: Operand, src: Operand): void {
  dst.s = src.s;
  dst.e = src.e;
  dst.h = src.h;
  dst.l = src.l;
  dst.c = src.c;
}

/** Scratch for swapOperands. */
const T: Operand = { s: 0, e: 0, h: 0, l: 0, c: 0 };

/** Exchanges A and B (reversed operations: FSUBR, FDIVR, atan's y/x). */
export function swapOperands(): void {
  copyOperand(T, A);
  copyOperand(A, B);
  copyOperand(B, T);
}

/**
 * Working significand while rounding (hi, lo, extension with sticky low bit). An object's number
 * fields are updated in place; module-level `let`s would box every non-Smi value on the heap.
 */
const w = { h: 0, l: 0, x: 0 };

/** Shifts the 96-bit value (h, l, x) right by n into w.h, w.l, w.x, keeping a sticky bit. */
function shr96(h: number, l: number, x: number, n: number): void {
  if (n <= 0) {
    w.h = h;
    w.l = l;
    w.x = x;
    return;
  }
  let sticky = 0;
  if (n < 32) {
    sticky = (x << (32 - n)) !== 0 ? 1 : 0;
    w.x = ((l << (32 - n)) | (x >>> n) | sticky) >>> 0;
    w.l = ((h << (32 - n)) | (l >>> n)) >>> 0;
    w.h = h >>> n;
  } else if (n < 64) {
    const m = n - 32;
    if (m === 0) {
      w.x = (l | (x !== 0 ? 1 : 0)) >>> 0;
      w.l = h;
    } else {
      sticky = x !== 0 || (l << (32 - m)) !== 0 ? 1 : 0;
      w.x = ((h << (32 - m)) | (l >>> m) | sticky) >>> 0;
      w.l = h >>> m;
    }
    w.h = 0;
  } else if (n < 96) {
    const m = n - 64;
    if (m === 0) w.x = (h | ((x | l) !== 0 ? 1 : 0)) >>> 0;
    else {
      sticky = (x | l) !== 0 || (h << (32 - m)) !== 0 ? 1 : 0;
      w.x = ((h >>> m) | sticky) >>> 0;
    }
    w.l = 0;
    w.h = 0;
  } else {
    w.x = (h | l | x) !== 0 ? 1 : 0;
    w.l = 0;
    w.h = 0;
  }
}

/** Rounds w.h:w.l:w.x at fmt.prec; returns 0 exact, 1 inexact truncated, 2 inexact incremented (w.h may reach 2^32). */
function roundSig(sign: number): number {
  let half: number;
  let lsb: number;
  const p = fmt.prec;
  if (p === 64) {
    if (w.x === 0) return 0;
    half = w.x > 0x80000000 ? 3 : w.x === 0x80000000 ? 2 : 1;
    lsb = w.l & 1;
  } else if (p === 53) {
    const low = w.l & 0x7ff;
    if (low === 0 && w.x === 0) return 0;
    half = low > 0x400 || (low === 0x400 && w.x !== 0) ? 3 : low === 0x400 ? 2 : 1;
    lsb = (w.l >>> 11) & 1;
  } else {
    const low = w.h & 0xff;
    if (low === 0 && (w.l | w.x) === 0) return 0;
    half = low > 0x80 || (low === 0x80 && (w.l | w.x) !== 0) ? 3 : low === 0x80 ? 2 : 1;
    lsb = (w.h >>> 8) & 1;
  }
  const rc = fmt.rc;
  const inc = rc === 0 ? half === 3 || (half === 2 && lsb === 1) : rc === 1 ? sign === 1 : rc === 2 ? sign === 0 : false;
  w.x = 0;
  if (p === 64) {
    if (inc) {
      w.l += 1;
      if (w.l === TWO32) {
        w.l = 0;
        w.h += 1;
      }
    }
  } else if (p === 53) {
    w.l = (w.l & 0xfffff800) >>> 0;
    if (inc) {
      w.l += 0x800;
      if (w.l >= TWO32) {
        w.l -= TWO32;
        w.h += 1;
      }
    }
  } else {
    w.h = (w.h & 0xffffff00) >>> 0;
    w.l = 0;
    if (inc) w.h += 0x100;
  }
  return inc ? 2 : 1;
}

/** Writes the result registers. */
function put(sign: number, e: number, h: number, l: number): void {
  out.se = (sign << 15) | e;
  out.hi = h >>> 0;
  out.lo = l >>> 0;
}

/** A signed zero result. */
export function putZero(sign: number): void {
  put(sign, 0, 0, 0);
}

/** An infinity result. */
export function putInf(sign: number): void {
  put(sign, 0x7fff, 0x80000000, 0);
}

/** The default QNaN ("real indefinite"). */
export function putIndefinite(): void {
  put(1, 0x7fff, 0xc0000000, 0);
}

/** The largest finite value of the format at fmt.prec. */
function putMax(sign: number): void {
  const p = fmt.prec;
  put(sign, fmt.emax, p === 24 ? 0xffffff00 : 0xffffffff, p === 64 ? 0xffffffff : p === 53 ? 0xfffff800 : 0);
}

/**
 * Rounds and packs sign × (h:l:x) × 2^(e−BIAS−63), where h has bit 31 set (or everything is zero),
 * into `out` under `fmt`, raising OE/UE/PE in out.exc and setting out.up.
 */
export function roundPack(sign: number, e: number, h: number, l: number, x: number): void {
  if ((h | l | x) === 0) {
    putZero(sign);
    out.up = false;
    return;
  }
  const f = fmt;
  if (e < f.emin) {
    if ((f.masks & E_UE) === 0 && !f.biasAdjust) {
      // memory and SSE destinations: no result; UE, and for SSE PE when the rounded value is inexact
      out.exc |= E_UE;
      if (f.peOnUnmasked) {
        w.h = h;
        w.l = l;
        w.x = x;
        if (roundSig(sign) !== 0) out.exc |= E_PE;
      }
      out.up = false;
      putZero(sign);
      return;
    }
    if ((f.masks & E_UE) === 0 && e + 24576 < f.emin) {
      // beyond the bias-adjusted range: zero
      out.exc |= E_UE | E_PE;
      out.up = false;
      putZero(sign);
      return;
    }
    if ((f.masks & E_UE) === 0) {
      out.exc |= E_UE;
      if (f.biasAdjust) e += 24576;
      // rounded below like a normal result (a discarded one for SSE and memory destinations)
    } else {
      let tiny = true;
      if (f.tinyAfter && e === f.emin - 1) {
        w.h = h;
        w.l = l;
        w.x = x;
        roundSig(sign);
        if (w.h >= TWO32) tiny = false;
      }
      if (tiny && f.ftz) {
        out.exc |= E_UE | E_PE;
        putZero(sign);
        out.up = false;
        return;
      }
      shr96(h, l, x, f.emin - e);
      const r = roundSig(sign);
      out.up = r === 2;
      if (r !== 0) out.exc |= tiny ? E_UE | E_PE : E_PE;
      if (w.h >= TWO32 || (w.h & 0x80000000) !== 0) {
        put(sign, f.emin, w.h >= TWO32 ? 0x80000000 : w.h, w.l);
      } else if ((w.h | w.l) === 0) {
        put(sign, 0, 0, 0);
      } else put(sign, f.emin - 1, w.h, w.l);
      return;
    }
  }
  w.h = h;
  w.l = l;
  w.x = x;
  const r = roundSig(sign);
  if (w.h >= TWO32) {
    w.h = 0x80000000;
    e += 1;
  }
  out.up = r === 2;
  if (r !== 0) out.exc |= E_PE;
  if (e > f.emax) {
    if ((f.masks & E_OE) === 0) {
      if (!f.biasAdjust) {
        // memory and SSE destinations: no result; OE, and for SSE PE when inexact
        out.exc = (f.peOnUnmasked ? out.exc : out.exc & ~E_PE) | E_OE;
        out.up = false;
        putInf(sign);
        return;
      }
      if (e - 24576 > f.emax) {
        // beyond the bias-adjusted range: infinity
        out.exc |= E_OE | E_PE;
        out.up = true;
        putInf(sign);
        return;
      }
      out.exc |= E_OE;
      put(sign, e - 24576, w.h, w.l);
      return;
    }
    out.exc |= E_OE | E_PE;
    const rc = f.rc;
    const toInf = rc === 0 || (rc === 1 && sign === 1) || (rc === 2 && sign === 0);
    if (toInf) putInf(sign);
    else putMax(sign);
    out.up = toInf;
    return;
  }
  put(sign, e, w.h, w.l);
}

/** Rounding context of the 80-bit register format with an x87 precision control and rounding control. */
export function setX87Format(prec: number, rc: number, masks: number): void {
  fmt.prec = prec;
  fmt.rc = rc;
  fmt.emin = 1;
  fmt.emax = 0x7ffe;
  fmt.masks = masks;
  fmt.biasAdjust = true;
  fmt.tinyAfter = false;
  fmt.ftz = false;
  fmt.sseNaN = false;
  fmt.peOnUnmasked = false;
}

/** Rounding context of an IEEE destination with `prec` bits and unbiased exponents emin..emax. */
function setIeeeFormat(prec: number, emin: number, emax: number, rc: number, masks: number): void {
  fmt.prec = prec;
  fmt.rc = rc;
  fmt.emin = BIAS + emin;
  fmt.emax = BIAS + emax;
  fmt.masks = masks;
  fmt.biasAdjust = false;
}

/** Rounding context of an IEEE double destination. */
export function setDoubleFormat(rc: number, masks: number): void {
  setIeeeFormat(53, -1022, 1023, rc, masks);
}

/** Rounding context of an IEEE single destination. */
export function setSingleFormat(rc: number, masks: number): void {
  setIeeeFormat(24, -126, 127, rc, masks);
}

/** `out` as IEEE double halves (after rounding in a double format); NaNs keep their top fraction bits. */
export const dbl = { hi: 0, lo: 0 };

/** Converts the (already double-rounded) `out` value into `dbl`. */
export function outToDouble(): void {
  const s = out.se >>> 15;
  const e = out.se & 0x7fff;
  const h = out.hi;
  const l = out.lo;
  let de: number;
  if (e === 0x7fff) de = 0x7ff;
  else if (e === 0 || (h & 0x80000000) === 0) de = 0;
  else de = e - BIAS + 1023;
  dbl.hi = ((s << 31) | (de << 20) | ((h >>> 11) & 0xfffff)) >>> 0;
  dbl.lo = ((h << 21) | (l >>> 11)) >>> 0;
}

/** Converts the (already single-rounded) `out` value into IEEE single bits. */
export function outToSingle(): number {
  const s = out.se >>> 15;
  const e = out.se & 0x7fff;
  const h = out.hi;
  let fe: number;
  if (e === 0x7fff) fe = 0xff;
  else if (e === 0 || (h & 0x80000000) === 0) fe = 0;
  else fe = e - BIAS + 127;
  return ((s << 31) | (fe << 23) | ((h >>> 8) & 0x7fffff)) >>> 0;
}
