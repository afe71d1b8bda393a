/**
 * Arithmetic and logic with the SDM's flags: the eight ALU operations, shifts and rotates,
 * multiply and divide (with #DE), and the BCD adjustments. Undefined flags follow what Intel
 * P6-and-later processors produce where that is known (AF cleared by logic ops and shifts).
 */
import { AF, CF, DE, EAX, EDX, OF } from './constants.js';
import type { Core } from './core.js';
import { raise, setReg, sizeMask } from './core.js';
import { carry, getFlag, lazyAdd, lazyResult, lazySub, materialize } from './flags.js';

/** ALU operation numbers (the reg field of 80-83 and the row of 00-3F). */
export const ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7;

/** Performs ALU operation `n` on a and b of `size` bytes; returns the masked result (CMP returns a). */
export function alu(c: Core, n: number, a: number, b: number, size: number): number {
  const m = sizeMask(size);
  let r: number;
  switch (n) {
    case ADD: r = (a + b) & m; lazyAdd(c, a, b, r, size); return r;
    case OR: r = (a | b) & m; lazyResult(c, r, size, CF | OF | AF, 0); return r;
    case ADC: r = (a + b + carry(c)) & m; lazyAdd(c, a, b, r, size); return r;
    case SBB: r = (a - b - carry(c)) & m; lazySub(c, a, b, r, size); return r;
    case AND: r = a & b & m; lazyResult(c, r, size, CF | OF | AF, 0); return r;
    case SUB: r = (a - b) & m; lazySub(c, a, b, r, size); return r;
    case XOR: r = (a ^ b) & m; lazyResult(c, r, size, CF | OF | AF, 0); return r;
    default: r = (a - b) & m; lazySub(c, a, b, r, size); return a;
  }
}

/** Shift/rotate operation numbers (the reg field of C0/C1/D0-D3). */
export const ROL = 0, ROR = 1, RCL = 2, RCR = 3, SHL = 4, SHR = 5, SAL = 6, SAR = 7;

/** Shifts or rotates v (size bytes) by count (already masked to 5 bits); returns the result. */
export function shift(c: Core, n: number, v: number, count: number, size: number): number {
  const bits = size * 8;
  const m = sizeMask(size);
  const sign = 1 << (bits - 1);
  v &= m;
  let r: number, cf: number, of: number;
  switch (n) {
    case ROL: {
      if (count === 0) return v;
      const k = count & (bits - 1);
      r = k === 0 ? v : ((v << k) | (v >>> (bits - k))) & m;
      cf = r & 1;
      of = ((r & sign) ? 1 : 0) ^ cf;
      setCfOf(c, cf, of);
      return r >>> 0;
    }
    case ROR: {
      if (count === 0) return v;
      const k = count & (bits - 1);
      r = k === 0 ? v : ((v >>> k) | (v << (bits - k))) & m;
      cf = (r & sign) ? 1 : 0;
      of = cf ^ ((r & (sign >>> 1)) ? 1 : 0);
      setCfOf(c, cf, of);
      return r >>> 0;
    }
    case RCL: {
      const k = size === 4 ? count : count % (bits + 1);
      if (k === 0) return v;
      let x = v, cin = carry(c);
      for (let i = 0; i < k; i++) {
        const out = (x & sign) ? 1 : 0;
        x = ((x << 1) | cin) & m;
        cin = out;
      }
      cf = cin;
      of = ((x & sign) ? 1 : 0) ^ cf;
      setCfOf(c, cf, of);
      return x >>> 0;
    }
    case RCR: {
      const k = size === 4 ? count : count % (bits + 1);
      if (k === 0) return v;
      let x = v, cin = carry(c);
      of = ((x & sign) ? 1 : 0) ^ cin;
      for (let i = 0; i < k; i++) {
        const out = x & 1;
        x = ((x >>> 1) | (cin ? sign : 0)) & m;
        cin = out;
      }
      cf = cin;
      of = ((x & sign) ? 1 : 0) ^ ((x & (sign >>> 1)) ? 1 : 0);
      setCfOf(c, cf, of);
      return x >>> 0;
    }
    case SHL: case SAL:
      if (count === 0) return v;
      r = count < 32 ? (v << count) & m : 0;
      cf = count <= bits ? (v >>> (bits - count)) & 1 : 0;
      of = ((r & sign) ? 1 : 0) ^ cf;
      lazyResult(c, r, size, CF | OF | AF, (cf ? CF : 0) | (of ? OF : 0));
      return r >>> 0;
    case SHR:
      if (count === 0) return v;
      r = count < 32 ? (v >>> count) & m : 0;
      cf = count <= bits ? (v >>> (count - 1)) & 1 : 0;
      of = (v & sign) ? 1 : 0;
      lazyResult(c, r, size, CF | OF | AF, (cf ? CF : 0) | (of ? OF : 0));
      return r >>> 0;
    default: {
      if (count === 0) return v;
      const sv = size === 4 ? v | 0 : size === 2 ? (v << 16) >> 16 : (v << 24) >> 24;
      r = (sv >> (count > 31 ? 31 : count)) & m;
      cf = count < bits ? (sv >> (count - 1)) & 1 : (sv < 0 ? 1 : 0);
      lazyResult(c, r, size, CF | OF | AF, cf ? CF : 0);
      return r >>> 0;
    }
  }
}

function setCfOf(c: Core, cf: number, of: number): void {
  materialize(c);
  c.flags = (c.flags & ~(CF | OF)) | (cf ? CF : 0) | (of ? OF : 0);
}

/** SHLD/SHRD: shifts dst by count (masked to 5 bits) filling from src. */
export function shiftDouble(c: Core, left: boolean, dst: number, src: number, count: number, size: number): number {
  count &= 31;
  if (count === 0) return dst;
  const sign = size === 4 ? 0x80000000 : 0x8000;
  let r: number, cf: number;
  if (size === 4) {
    if (left) { r = ((dst << count) | (src >>> (32 - count))) >>> 0; cf = (dst >>> (32 - count)) & 1; }
    else { r = ((dst >>> count) | (src << (32 - count))) >>> 0; cf = (dst >>> (count - 1)) & 1; }
  } else if (left) {
    // Counts above 16 are undefined; shift through dst:src:dst as a 48-bit value.
    const x = count <= 16 ? ((dst << 16) | src) >>> 0 : ((src << 16) | dst) >>> 0;
    const k = count <= 16 ? count : count - 16;
    r = ((x << k) >>> 16) & 0xffff;
    cf = (x >>> (32 - k)) & 1;
  } else {
    const x = count <= 16 ? ((src << 16) | dst) >>> 0 : ((dst << 16) | src) >>> 0;
    const k = count <= 16 ? count : count - 16;
    r = (x >>> k) & 0xffff;
    cf = k > 0 ? (x >>> (k - 1)) & 1 : (src >>> 15) & 1;
  }
  const of = ((r ^ dst) & sign) ? 1 : 0;
  lazyResult(c, r, size, CF | OF | AF, (cf ? CF : 0) | (of ? OF : 0));
  return r >>> 0;
}

/** Unsigned 32x32 multiply: returns the low half and leaves the high half in mulHigh. */
export let mulHigh = 0;
export function mul32(a: number, b: number): number {
  const aL = a & 0xffff, aH = a >>> 16, bL = b & 0xffff, bH = b >>> 16;
  const ll = aL * bL, lh = aL * bH, hl = aH * bL, hh = aH * bH;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  mulHigh = (hh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) >>> 0;
  return (((mid & 0xffff) << 16) | (ll & 0xffff)) >>> 0;
}

/** Signed 32x32 multiply: low half returned, high half in mulHigh. */
export function imul32(a: number, b: number): number {
  const lo = mul32(a >>> 0, b >>> 0);
  let hi = mulHigh;
  if (a & 0x80000000) hi -= b >>> 0;
  if (b & 0x80000000) hi -= a >>> 0;
  mulHigh = hi >>> 0;
  return lo;
}

/** MUL r/m (one operand): EDX:EAX / DX:AX / AX = accumulator * v. */
export function mulAcc(c: Core, v: number, size: number): void {
  const a = c.r[EAX]!;
  let lo: number, hi: number;
  if (size === 1) { const p = (a & 0xff) * v; setReg(c, 2, EAX, p); lo = p & 0xff; hi = p >>> 8; }
  else if (size === 2) { const p = (a & 0xffff) * v; setReg(c, 2, EAX, p); setReg(c, 2, EDX, p >>> 16); lo = p & 0xffff; hi = p >>> 16; }
  else { lo = mul32(a, v); hi = mulHigh; c.r[EAX] = lo; c.r[EDX] = hi; }
  const f = hi !== 0 ? CF | OF : 0;
  lazyResult(c, lo, size, CF | OF | AF, f);
}

/** IMUL r/m (one operand). */
export function imulAcc(c: Core, v: number, size: number): void {
  const a = c.r[EAX]!;
  let ovf: boolean, lo: number;
  if (size === 1) {
    const p = ((a << 24) >> 24) * ((v << 24) >> 24);
    setReg(c, 2, EAX, p); lo = p & 0xff; ovf = p !== ((p << 24) >> 24);
  } else if (size === 2) {
    const p = ((a << 16) >> 16) * ((v << 16) >> 16);
    setReg(c, 2, EAX, p); setReg(c, 2, EDX, p >> 16); lo = p & 0xffff; ovf = p !== ((p << 16) >> 16);
  } else {
    lo = imul32(a, v);
    c.r[EAX] = lo; c.r[EDX] = mulHigh;
    ovf = mulHigh !== ((lo & 0x80000000) ? 0xffffffff : 0);
  }
  lazyResult(c, lo, size, CF | OF | AF, ovf ? CF | OF : 0);
}

/** IMUL r, r/m(, imm): truncated signed product with CF=OF when it did not fit. */
export function imulTrunc(c: Core, a: number, b: number, size: number): number {
  let r: number, ovf: boolean;
  if (size === 2) {
    const p = ((a << 16) >> 16) * ((b << 16) >> 16);
    r = p & 0xffff; ovf = p !== ((p << 16) >> 16);
  } else {
    r = imul32(a | 0, b | 0);
    ovf = mulHigh !== ((r & 0x80000000) ? 0xffffffff : 0);
  }
  lazyResult(c, r, size, CF | OF | AF, ovf ? CF | OF : 0);
  return r;
}

/** Unsigned divide of hi:lo (64 bits, hi < d) by d; remainder in divRem. */
export let divRem = 0;
function udiv64(hi: number, lo: number, d: number): number {
  const n1 = hi * 65536 + (lo >>> 16);
  const q1 = Math.floor(n1 / d);
  const r1 = n1 - q1 * d;
  const n0 = r1 * 65536 + (lo & 0xffff);
  const q0 = Math.floor(n0 / d);
  divRem = n0 - q0 * d;
  return q1 * 65536 + q0;
}

/** DIV r/m. */
export function divAcc(c: Core, v: number, size: number): void {
  if (v === 0) raise(c, DE);
  if (size === 1) {
    const n = c.r[EAX]! & 0xffff;
    const q = Math.floor(n / v);
    if (q > 0xff) raise(c, DE);
    setReg(c, 2, EAX, ((n % v) << 8) | q);
  } else if (size === 2) {
    const n = ((c.r[EDX]! & 0xffff) << 16 | (c.r[EAX]! & 0xffff)) >>> 0;
    const q = Math.floor(n / v);
    if (q > 0xffff) raise(c, DE);
    setReg(c, 2, EAX, q); setReg(c, 2, EDX, n % v);
  } else {
    const hi = c.r[EDX]!, lo = c.r[EAX]!;
    if (hi >= v) raise(c, DE);
    const q = udiv64(hi, lo, v);
    c.r[EAX] = q; c.r[EDX] = divRem;
  }
}

/** IDIV r/m. */
export function idivAcc(c: Core, v: number, size: number): void {
  if ((v & sizeMask(size)) === 0) raise(c, DE);
  if (size === 1) {
    const n = (c.r[EAX]! << 16) >> 16, d = (v << 24) >> 24;
    const q = Math.trunc(n / d);
    if (q > 127 || q < -128) raise(c, DE);
    setReg(c, 2, EAX, (((n % d) & 0xff) << 8) | (q & 0xff));
  } else if (size === 2) {
    const n = ((c.r[EDX]! & 0xffff) << 16) | (c.r[EAX]! & 0xffff), d = (v << 16) >> 16;
    const q = Math.trunc(n / d);
    if (q > 32767 || q < -32768) raise(c, DE);
    setReg(c, 2, EAX, q); setReg(c, 2, EDX, n % d);
  } else {
    let hi = c.r[EDX]!, lo = c.r[EAX]!;
    const neg = (hi & 0x80000000) !== 0;
    if (neg) { lo = (~lo + 1) >>> 0; hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0; }
    const dneg = (v & 0x80000000) !== 0;
    const d = dneg ? (-(v | 0)) >>> 0 : v >>> 0;
    if (hi >= d) raise(c, DE);
    const q = udiv64(hi, lo, d);
    const qneg = neg !== dneg;
    if (qneg ? q > 0x80000000 : q > 0x7fffffff) raise(c, DE);
    c.r[EAX] = qneg ? -q : q;
    c.r[EDX] = neg ? -divRem : divRem;
  }
}

/** DAA / DAS / AAA / AAS / AAM / AAD (op is the opcode byte; imm the base for AAM/AAD). */
export function bcd(c: Core, op: number, imm: number): void {
  const al = c.r[EAX]! & 0xff;
  const cf = getFlag(c, CF), af = getFlag(c, AF);
  switch (op) {
    case 0x27: case 0x2f: {
      const sub = op === 0x2f;
      let r = al, ncf = false, naf = false;
      if ((al & 0xf) > 9 || af) { r = sub ? r - 6 : r + 6; naf = true; }
      if (al > 0x99 || cf) { r = sub ? r - 0x60 : r + 0x60; ncf = true; }
      r &= 0xff;
      setReg(c, 1, EAX, r);
      // OF is undefined (left clear).
      lazyResult(c, r, 1, CF | OF | AF, (ncf ? CF : 0) | (naf ? AF : 0));
      return;
    }
    case 0x37: case 0x3f: {
      const sub = op === 0x3f;
      let ax = c.r[EAX]! & 0xffff;
      let adj = false;
      if ((al & 0xf) > 9 || af) {
        ax = sub ? ax - 6 - 0x100 : ax + 0x106;
        adj = true;
      }
      ax = (ax & 0xff00) | (ax & 0x0f);
      setReg(c, 2, EAX, ax);
      lazyResult(c, ax & 0xff, 1, CF | OF | AF, adj ? CF | AF : 0);
      return;
    }
    case 0xd4: {
      if (imm === 0) raise(c, DE);
      const r = al % imm;
      setReg(c, 2, EAX, (Math.floor(al / imm) << 8) | r);
      lazyResult(c, r, 1, CF | OF | AF, 0);
      return;
    }
    default: {
      const ah = (c.r[EAX]! >>> 8) & 0xff;
      const r = (al + ah * imm) & 0xff;
      setReg(c, 2, EAX, r);
      lazyResult(c, r, 1, CF | OF | AF, 0);
      return;
    }
  }
}

/** NEG: 0 - v with CF = (v != 0). */
export function neg(c: Core, v: number, size: number): number {
  const r = (0 - v) & sizeMask(size);
  lazySub(c, 0, v, r, size);
  return r;
}
