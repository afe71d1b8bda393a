/**
 * Pushes onto a stack that is not yet loaded (privilege changes in interrupts and call gates):
 * the inner stack from the TSS is validated (#TS), written with supervisor rights and its limit
 * checked (#SS) before any register changes, so a fault leaves the old state intact.
 */
import { SS_FAULT, TR, TS } from './constants.js';
import type { Core } from './core.js';
import { raise } from './core.js';
import { sysRead, sysWrite } from './linear.js';
import { desc, descBase, descLimit, fetchDescriptor } from './segments.js';

/** The stack being built: its selector, descriptor, base, offset range and current pointer. */
export const ns = { sel: 0, lo: 0, hi: 0, base: 0, min: 0, max: 0, sp: 0, big: true };

/** Reads the inner stack SS:ESP for privilege level `dpl` from the current TSS into ns.sel / ns.sp. */
export function stackFromTss(c: Core, dpl: number, ext: number): void {
  const type = c.segAttr[TR]! & 0xf;
  const base = c.segBase[TR]!;
  if (type === 9 || type === 11) {
    const off = 4 + dpl * 8;
    if (off + 5 > c.segLimit[TR]!) raise(c, TS, (c.segSel[TR]! & 0xfffc) | ext);
    ns.sp = sysRead(c, base + off, 4);
    ns.sel = sysRead(c, base + off + 4, 2);
  } else {
    const off = 2 + dpl * 4;
    if (off + 3 > c.segLimit[TR]!) raise(c, TS, (c.segSel[TR]! & 0xfffc) | ext);
    ns.sp = sysRead(c, base + off, 2);
    ns.sel = sysRead(c, base + off + 2, 2);
  }
}

/** Validates ns.sel as the stack for privilege `dpl` (#TS for TSS stacks, else `vector`); fills ns. */
export function checkNewStack(c: Core, dpl: number, ext: number, vector: number = TS): void {
  const sel = ns.sel;
  if ((sel & 0xfffc) === 0) raise(c, vector, ext);
  fetchDescriptor(c, sel, vector, ext);
  const hi = desc.hi, type = (hi >>> 8) & 0xf;
  if ((sel & 3) !== dpl || ((hi >>> 13) & 3) !== dpl || !(hi & 0x1000) || type & 8 || !(type & 2)) raise(c, vector, (sel & 0xfffc) | ext);
  if (!(hi & 0x8000)) raise(c, SS_FAULT, (sel & 0xfffc) | ext);
  ns.lo = desc.lo;
  ns.hi = desc.hi;
  ns.base = descBase(desc.lo, desc.hi);
  const limit = descLimit(desc.lo, desc.hi);
  ns.big = (hi & 0x400000) !== 0;
  if (type & 4) { ns.min = limit + 1; ns.max = ns.big ? 0xffffffff : 0xffff; }
  else { ns.min = 0; ns.max = limit; }
  if (!ns.big) ns.sp &= 0xffff;
}

/** Pushes `size` bytes onto the stack being built. */
export function nsPush(c: Core, size: number, v: number): void {
  const sp = ns.big ? (ns.sp - size) >>> 0 : (ns.sp - size) & 0xffff;
  if (sp < ns.min || sp + size - 1 > ns.max) raise(c, SS_FAULT, ns.sel & 0xfffc);
  sysWrite(c, ns.base + sp, size, v);
  ns.sp = sp;
}

