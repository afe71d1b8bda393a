/**
 * x87 data transfer between memory and the register stack (SDM vol. 2 FLD, FST/FSTP, FILD,
 * FIST/FISTP, FBLD, FBSTP): conversions of m16/m32/m64 integers, m32/m64/m80 reals and m80 packed
 * BCD, with the stack-fault, invalid, denormal, overflow, underflow and precision responses.
 */
import type { EmuLinearMemory } from '../contract.js';
import { intOut, roundIntMagnitude } from './xf-arith.js';
import {
  A, BIAS, C_DENORM, C_INF, C_QNAN, C_SNAN, C_UNSUPP, C_ZERO, E_DE, E_IE, E_OE, E_PE, E_UE, fmt, loadD, loadF,
  loadX, out, outToDouble, outToSingle, dbl, roundPack, setDoubleFormat, setSingleFormat, type Operand,
} from './xf-core.js';
import { storeReg80 } from './x87-env.js';
import type { X87State } from './x87-state.js';

/** Indefinite encodings pushed or stored by masked invalid responses. */
const IND_SE = 0xffff;
const IND_HI = 0xc0000000;

/** Pushes out's value (stack overflow checked by the caller through `canPush`). */
export function push(st: X87State, se: number, hi: number, lo: number): void {
  st.top = (st.top - 1) & 7;
  st.setRaw(0, se, hi, lo);
}

/** Checks for stack overflow before a push; false when the push must not happen (unmasked #IS). */
export function canPush(st: X87State): boolean {
  if (!st.isEmpty(7)) {
    if (st.stackFault(true)) push(st, IND_SE, IND_HI, 0);
    return false;
  }
  return true;
}

/** Sets an operand register to +0. */
function setZero(o: Operand): void {
  o.s = 0;
  o.e = 0;
  o.h = 0;
  o.l = 0;
  o.c = C_ZERO;
}

/** Loads a signed 32-bit integer into an operand register (exact). */
export function loadInt32(o: Operand, v: number): void {
  if (v === 0) return setZero(o);
  o.s = v < 0 ? 1 : 0;
  const m = Math.abs(v) >>> 0;
  const z = Math.clz32(m);
  o.h = (m << z) >>> 0;
  o.l = 0;
  o.e = BIAS + 31 - z;
  o.c = 1;
}

/** Loads a signed 64-bit integer given as two's complement halves (exact). */
export function loadInt64(o: Operand, hi: number, lo: number): void {
  let h = hi >>> 0;
  let l = lo >>> 0;
  o.s = h >>> 31;
  if (o.s === 1) {
    l = (~l + 1) >>> 0;
    h = (~h + (l === 0 ? 1 : 0)) >>> 0;
  }
  if ((h | l) === 0) return setZero(o);
  let e = BIAS + 63;
  if (h === 0) {
    h = l;
    l = 0;
    e -= 32;
  }
  const z = Math.clz32(h);
  if (z > 0) {
    h = ((h << z) | (l >>> (32 - z))) >>> 0;
    l = (l << z) >>> 0;
  }
  o.h = h;
  o.l = l;
  o.e = e - z;
  o.c = 1;
}

/** FLD m32real / m64real: push the converted value (SNaN → IE, denormal → DE). */
export function fldReal(st: X87State, mem: EmuLinearMemory, a: number, double: boolean): void {
  if (!canPush(st)) return;
  const c = double ? loadD(A, mem.read32(a + 4), mem.read32(a), false) : loadF(A, mem.read32(a), false);
  let exc = 0;
  if (c === C_SNAN) {
    exc = E_IE;
    A.h = (A.h | 0x40000000) >>> 0;
  } else if (c === C_DENORM) exc = E_DE;
  st.setC1(false);
  if (exc !== 0) {
    st.raise(exc);
    // an unmasked DE still loads the value; an unmasked IE does not
    if ((exc & ~st.fcw & E_IE) !== 0) return;
  }
  push(st, (A.s << 15) | (c === C_ZERO ? 0 : A.e), A.h, A.l);
}

/** FLD m80real: push the bits unchanged. */
export function fldExt(st: X87State, mem: EmuLinearMemory, a: number): void {
  if (!canPush(st)) return;
  const lo = mem.read32(a) >>> 0;
  const hi = mem.read32(a + 4) >>> 0;
  const se = mem.read16(a + 8);
  st.setC1(false);
  push(st, se, hi, lo);
}

/** FILD m16/m32/m64. */
export function fild(st: X87State, mem: EmuLinearMemory, a: number, bits: number): void {
  if (!canPush(st)) return;
  if (bits === 16) loadInt32(A, (mem.read16(a) << 16) >> 16);
  else if (bits === 32) loadInt32(A, mem.read32(a) | 0);
  else loadInt64(A, mem.read32(a + 4), mem.read32(a));
  st.setC1(false);
  push(st, (A.s << 15) | A.e, A.h, A.l);
}

/**
 * FST/FSTP m32real / m64real / m80real. Returns whether the store happened (FSTP pops only then).
 */
export function fstReal(st: X87State, mem: EmuLinearMemory, a: number, size: number): boolean {
  // a page fault must leave the FPU state alone, so the destination is probed before any change
  mem.probeWrite(a, size);
  const rc = (st.fcw >>> 10) & 3;
  const masks = st.fcw & 0x3f;
  if (st.isEmpty(0)) {
    if (!st.stackFault(false)) return false;
    if (size === 4) mem.write32(a, 0xffc00000);
    else if (size === 8) {
      mem.write32(a, 0);
      mem.write32(a + 4, 0xfff80000);
    } else storeReg80(mem, a, IND_SE, IND_HI, 0);
    return true;
  }
  if (size === 10) {
    mem.probeWrite(a, 10);
    storeReg80(mem, a, st.seOf(0), st.hiOf(0), st.loOf(0));
    st.setC1(false);
    return true;
  }
  const p = st.top;
  const c = loadX(A, st.se[p]!, st.sig[2 * p + 1]!, st.sig[2 * p]!);
  out.exc = 0;
  out.up = false;
  if (size === 4) setSingleFormat(rc, masks);
  else setDoubleFormat(rc, masks);
  fmt.tinyAfter = false;
  fmt.ftz = false;
  fmt.peOnUnmasked = false;
  if (c >= C_QNAN) {
    if (c === C_UNSUPP) {
      out.exc = E_IE;
      out.se = IND_SE;
      out.hi = IND_HI;
      out.lo = 0;
    } else {
      if (c === C_SNAN) out.exc = E_IE;
      out.se = st.seOf(0);
      out.hi = (A.h | 0x40000000) >>> 0;
      out.lo = A.l;
    }
  } else if (c === C_ZERO || c === C_INF) {
    out.se = (A.s << 15) | (c === C_ZERO ? 0 : 0x7fff);
    out.hi = c === C_ZERO ? 0 : 0x80000000;
    out.lo = 0;
  } else roundPack(A.s, A.e, A.h, A.l, 0);
  const exc = out.exc;
  st.raise(exc);
  st.setC1(out.up);
  if ((exc & ~masks & (E_IE | E_OE | E_UE)) !== 0) return false;
  if (size === 4) mem.write32(a, outToSingle());
  else {
    outToDouble();
    mem.probeWrite(a, 8);
    mem.write32(a, dbl.lo);
    mem.write32(a + 4, dbl.hi);
  }
  return true;
}

/** Integer indefinite / out-of-range result handling shared by FIST and FBSTP: true = store `ind`. */
function intInvalid(st: X87State): boolean {
  st.raise(E_IE);
  st.setC1(false);
  return (st.fcw & E_IE) !== 0;
}

/** FIST/FISTP m16/m32/m64 with the FCW rounding control; returns whether the store happened. */
export function fist(st: X87State, mem: EmuLinearMemory, a: number, bits: number): boolean {
  mem.probeWrite(a, bits >>> 3);
  let hi = 0;
  let lo = 0;
  let indefinite = false;
  if (st.isEmpty(0)) {
    if (!st.stackFault(false)) return false;
    indefinite = true;
  } else {
    const c = loadX(A, st.seOf(0), st.hiOf(0), st.loOf(0));
    if (c >= C_INF || c === C_UNSUPP) {
      if (!intInvalid(st)) return false;
      indefinite = true;
    } else if (c !== C_ZERO) {
      if (A.e >= BIAS + 64) {
        if (!intInvalid(st)) return false;
        indefinite = true;
      } else {
        fmt.rc = (st.fcw >>> 10) & 3;
        roundIntMagnitude();
        const mh = intOut.hi;
        const ml = intOut.lo;
        const neg = A.s === 1;
        let fits: boolean;
        if (bits === 16) fits = mh === 0 && (ml < 0x8000 || (neg && ml === 0x8000));
        else if (bits === 32) fits = mh === 0 && (ml < 0x80000000 || (neg && ml === 0x80000000));
        else fits = mh < 0x80000000 || (neg && mh === 0x80000000 && ml === 0);
        if (!fits) {
          if (!intInvalid(st)) return false;
          indefinite = true;
        } else {
          hi = mh;
          lo = ml;
          if (neg) {
            lo = (~lo + 1) >>> 0;
            hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
          }
          st.setC1(intOut.up);
          if (intOut.inexact) st.raise(E_PE);
        }
      }
    } else st.setC1(false);
  }
  if (indefinite) {
    hi = 0x80000000;
    lo = bits === 16 ? 0x8000 : bits === 32 ? 0x80000000 : 0;
  }
  if (bits === 16) mem.write16(a, lo & 0xffff);
  else if (bits === 32) mem.write32(a, lo);
  else {
    mem.probeWrite(a, 8);
    mem.write32(a, lo);
    mem.write32(a + 4, hi);
  }
  return true;
}

/** FBLD m80bcd: 18 packed decimal digits and a sign byte. */
export function fbld(st: X87State, mem: EmuLinearMemory, a: number): void {
  if (!canPush(st)) return;
  let v = 0n;
  for (let i = 8; i >= 0; i--) {
    const b = mem.read8(a + i);
    v = v * 100n + BigInt((b >>> 4) * 10 + (b & 15));
  }
  const neg = (mem.read8(a + 9) & 0x80) !== 0;
  st.setC1(false);
  if (v === 0n) {
    push(st, neg ? 0x8000 : 0, 0, 0);
    return;
  }
  const bitsLen = v.toString(2).length;
  const sig = v << BigInt(64 - bitsLen);
  push(st, ((neg ? 1 : 0) << 15) | (BIAS + bitsLen - 1), Number(sig >> 32n), Number(sig & 0xffffffffn));
}

/** FBSTP m80bcd; returns whether the store happened. */
export function fbstp(st: X87State, mem: EmuLinearMemory, a: number): boolean {
  mem.probeWrite(a, 10);
  let indefinite = false;
  let mag = 0n;
  let neg = false;
  if (st.isEmpty(0)) {
    if (!st.stackFault(false)) return false;
    indefinite = true;
  } else {
    const c = loadX(A, st.seOf(0), st.hiOf(0), st.loOf(0));
    neg = A.s === 1;
    if (c >= C_INF || c === C_UNSUPP || (c !== C_ZERO && A.e >= BIAS + 64)) {
      if (!intInvalid(st)) return false;
      indefinite = true;
    } else if (c !== C_ZERO) {
      fmt.rc = (st.fcw >>> 10) & 3;
      roundIntMagnitude();
      mag = (BigInt(intOut.hi) << 32n) + BigInt(intOut.lo);
      if (mag >= 1000000000000000000n) {
        if (!intInvalid(st)) return false;
        indefinite = true;
      } else {
        st.setC1(intOut.up);
        if (intOut.inexact) st.raise(E_PE);
      }
    } else st.setC1(false);
  }
  if (indefinite) {
    for (let i = 0; i < 7; i++) mem.write8(a + i, 0);
    mem.write8(a + 7, 0xc0);
    mem.write8(a + 8, 0xff);
    mem.write8(a + 9, 0xff);
    return true;
  }
  for (let i = 0; i < 9; i++) {
    const d = Number(mag % 100n);
    mag /= 100n;
    mem.write8(a + i, ((Math.floor(d / 10) << 4) | (d % 10)) & 0xff);
  }
  mem.write8(a + 9, neg ? 0x80 : 0);
  return true;
}
