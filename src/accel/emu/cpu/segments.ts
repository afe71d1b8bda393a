/**
 * Segment descriptor tables and segment register loads (SDM vol. 3 ch. 3 and 5): descriptor
 * fetch with table-limit checks, the hidden descriptor cache, real/v86 loads, and the protected
 * mode checks for data and stack segment loads with #GP/#NP/#SS error codes.
 */
import { CS, GP, LDTR, NP, SEG_READ, SEG_VALID, SEG_WRITE, SS, SS_FAULT, VM } from './constants.js';
import type { Core } from './core.js';
import { raise, refreshSegSizes } from './core.js';
import { sysRead, sysWrite } from './linear.js';

/** The last descriptor fetched by fetchDescriptor: low and high dwords and its linear address. */
export const desc = { lo: 0, hi: 0, addr: 0 };

/**
 * Reads the descriptor for `sel` from the GDT or LDT into `desc`; faults with `vector` and
 * error code sel&0xFFFC (plus `ext`) when the selector lies beyond the table.
 */
export function fetchDescriptor(c: Core, sel: number, vector: number = GP, ext = 0): void {
  let base: number, limit: number;
  if (sel & 4) {
    if (!(c.segAcc[LDTR]! & SEG_VALID)) raise(c, vector, (sel & 0xfffc) | ext);
    base = c.segBase[LDTR]!; limit = c.segLimit[LDTR]!;
  } else {
    base = c.gdtBase; limit = c.gdtLimit;
  }
  if ((sel | 7) > limit) raise(c, vector, (sel & 0xfffc) | ext);
  const addr = (base + (sel & 0xfff8)) >>> 0;
  desc.addr = addr;
  desc.lo = sysRead(c, addr, 4);
  desc.hi = sysRead(c, addr + 4, 4);
}

/** Sets the accessed bit of the descriptor last fetched (if clear). */
export function markAccessed(c: Core): void {
  if (!(desc.hi & 0x100)) {
    desc.hi |= 0x100;
    sysWrite(c, desc.addr + 5, 1, (desc.hi >>> 8) & 0xff);
  }
}

/** Base address of a descriptor. */
export function descBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
}

/** Limit of a descriptor with granularity applied. */
export function descLimit(lo: number, hi: number): number {
  const l = (lo & 0xffff) | (hi & 0xf0000);
  return hi & 0x800000 ? ((l << 12) | 0xfff) >>> 0 : l;
}

/** Loads segment cache `s` from a descriptor (lo, hi) with selector `sel`. */
export function setSegCache(c: Core, s: number, sel: number, lo: number, hi: number): void {
  const base = descBase(lo, hi), limit = descLimit(lo, hi);
  const attr = (hi >>> 8) & 0xf0ff;
  c.segSel[s] = sel;
  c.segBase[s] = base;
  c.segLimit[s] = limit;
  c.segAttr[s] = attr;
  setSegBounds(c, s);
  if (s === CS || s === SS) refreshSegSizes(c);
}

/** Recomputes the valid offset range and access bits of segment `s` from its cache. */
export function setSegBounds(c: Core, s: number): void {
  const attr = c.segAttr[s]!, limit = c.segLimit[s]!;
  const type = attr & 0xf;
  if (!(attr & 0x10) && s < LDTR) {
    // System descriptor in a segment register (only as a null-like cache): unusable.
    c.segLo[s] = 0; c.segHi[s] = limit; c.segAcc[s] = 0;
    return;
  }
  if (!(type & 8) && type & 4) {
    c.segLo[s] = limit + 1;
    c.segHi[s] = attr & 0x4000 ? 0xffffffff : 0xffff;
  } else {
    c.segLo[s] = 0;
    c.segHi[s] = limit;
  }
  let acc = SEG_VALID;
  if (type & 8) { if (type & 2) acc |= SEG_READ; }
  else { acc |= SEG_READ; if (type & 2) acc |= SEG_WRITE; }
  c.segAcc[s] = acc;
}

/** A real-mode or virtual-8086 segment load: base = selector * 16. */
export function loadSegReal(c: Core, s: number, sel: number): void {
  sel &= 0xffff;
  c.segSel[s] = sel;
  c.segBase[s] = sel << 4;
  if (c.flags & VM) {
    c.segLimit[s] = 0xffff;
    c.segAttr[s] = s === CS ? 0xfb : 0xf3;
    c.segLo[s] = 0; c.segHi[s] = 0xffff;
  }
  c.segAcc[s] = SEG_READ | SEG_WRITE | SEG_VALID;
  if (s === CS || s === SS) refreshSegSizes(c);
}

/** Makes segment `s` null (protected mode, DS/ES/FS/GS with a null selector). */
export function loadNull(c: Core, s: number, sel: number): void {
  c.segSel[s] = sel;
  c.segBase[s] = 0;
  c.segLimit[s] = 0;
  c.segAttr[s] = 0;
  c.segAcc[s] = 0;
  c.segLo[s] = 1; c.segHi[s] = 0;
}

/** MOV/POP/LxS to a data or stack segment register with the protected-mode checks. */
export function loadSeg(c: Core, s: number, sel: number): void {
  sel &= 0xffff;
  if (c.realOrV86) { loadSegReal(c, s, sel); return; }
  const rpl = sel & 3, cpl = c.cpl;
  if (s === SS) {
    if ((sel & 0xfffc) === 0) raise(c, GP, 0);
    fetchDescriptor(c, sel);
    const hi = desc.hi;
    const dpl = (hi >>> 13) & 3, type = (hi >>> 8) & 0xf;
    if (rpl !== cpl || dpl !== cpl || !(hi & 0x1000) || type & 8 || !(type & 2)) raise(c, GP, sel & 0xfffc);
    if (!(hi & 0x8000)) raise(c, SS_FAULT, sel & 0xfffc);
    markAccessed(c);
    setSegCache(c, SS, sel, desc.lo, desc.hi);
    return;
  }
  if ((sel & 0xfffc) === 0) { loadNull(c, s, sel); return; }
  fetchDescriptor(c, sel);
  const hi = desc.hi;
  const dpl = (hi >>> 13) & 3, type = (hi >>> 8) & 0xf;
  if (!(hi & 0x1000) || (type & 0xa) === 0x8) raise(c, GP, sel & 0xfffc);
  // Data and non-conforming code: RPL and CPL must not exceed DPL.
  if ((!(type & 8) || !(type & 4)) && (rpl > dpl || cpl > dpl)) raise(c, GP, sel & 0xfffc);
  if (!(hi & 0x8000)) raise(c, NP, sel & 0xfffc);
  markAccessed(c);
  setSegCache(c, s, sel, desc.lo, desc.hi);
}

/** After a privilege drop (RET/IRET to outer level): data segments the new CPL may not use become null. */
export function nullInvalidSegs(c: Core, segs: readonly number[]): void {
  for (const s of segs) {
    const attr = c.segAttr[s]!;
    const dpl = (attr >>> 5) & 3;
    const code = (attr & 8) !== 0, conforming = (attr & 4) !== 0;
    if ((!code || !conforming) && dpl < c.cpl) loadNull(c, s, 0);
  }
}
