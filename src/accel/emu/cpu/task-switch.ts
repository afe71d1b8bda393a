/**
 * Hardware task switching (SDM vol. 3 ch. 7) through JMP/CALL to a TSS or task gate, interrupts
 * through task gates (Linux i686 handles double faults this way) and IRET with NT set: saves the
 * outgoing state into its TSS, manages busy bits, the back link and NT, loads CR3, LDTR and the
 * incoming registers, and checks the new segments with #TS error codes.
 */
import { CR0_PG, CR0_TS, CS, DS, ES, FS, GP, GS, LDTR, NP, NT, SS, TR, TS, VM, EFLAGS_VALID } from './constants.js';
import type { Core } from './core.js';
import { raise, refreshSegSizes } from './core.js';
import { getFlags, materialize } from './flags.js';
import { setCpl, sysRead, sysWrite } from './linear.js';
import { flushTlb } from './paging.js';
import { desc, descBase, descLimit, fetchDescriptor, loadNull, loadSegReal, setSegCache } from './segments.js';

/** Why the task switch happens. */
export const TASK_JMP = 0, TASK_CALL = 1, TASK_IRET = 2;

const newState = { eip: 0, flags: 0, cr3: 0, ldt: 0, gpr: new Uint32Array(8), seg: new Uint16Array(6) };

/**
 * Switches to the task whose TSS selector is `sel`; `returnEip` is saved as the outgoing task's
 * EIP; `ext` is the EXT bit for error codes.
 */
export function taskSwitch(c: Core, sel: number, reason: number, returnEip: number, ext: number, gateSel = -1): void {
  c.breakBlock = true;
  const errSel = (sel & 0xfffc) | ext;
  if (sel & 4) raise(c, reason === TASK_IRET ? TS : GP, errSel);
  fetchDescriptor(c, sel, reason === TASK_IRET ? TS : GP, ext);
  const lo = desc.lo, hi = desc.hi, daddr = desc.addr;
  const type = (hi >>> 8) & 0x1f;
  if (reason === TASK_IRET) { if (type !== 3 && type !== 11) raise(c, TS, errSel); }
  else if (type !== 1 && type !== 9) raise(c, GP, gateSel >= 0 ? (gateSel & 0xfffc) | ext : errSel);
  if (!(hi & 0x8000)) raise(c, NP, errSel);
  const big = (type & 8) !== 0;
  const nbase = descBase(lo, hi), nlimit = descLimit(lo, hi);
  if (nlimit < (big ? 0x67 : 0x2b)) raise(c, TS, errSel);

  // Read the incoming state first (a fault here leaves everything unchanged).
  if (big) {
    newState.cr3 = sysRead(c, nbase + 0x1c, 4);
    newState.eip = sysRead(c, nbase + 0x20, 4);
    newState.flags = sysRead(c, nbase + 0x24, 4);
    for (let i = 0; i < 8; i++) newState.gpr[i] = sysRead(c, nbase + 0x28 + 4 * i, 4);
    for (let i = 0; i < 6; i++) newState.seg[i] = sysRead(c, nbase + 0x48 + 4 * i, 2);
    newState.ldt = sysRead(c, nbase + 0x60, 2);
  } else {
    newState.cr3 = c.cr3;
    newState.eip = sysRead(c, nbase + 0x0e, 2);
    newState.flags = sysRead(c, nbase + 0x10, 2);
    for (let i = 0; i < 8; i++) newState.gpr[i] = sysRead(c, nbase + 0x12 + 2 * i, 2) | (c.r[i]! & 0xffff0000);
    for (let i = 0; i < 4; i++) newState.seg[i] = sysRead(c, nbase + 0x22 + 2 * i, 2);
    newState.seg[4] = 0; newState.seg[5] = 0;
    newState.ldt = sysRead(c, nbase + 0x2a, 2);
  }

  // Save the outgoing state.
  materialize(c);
  let oflags = getFlags(c);
  if (reason === TASK_IRET) oflags &= ~NT;
  const obase = c.segBase[TR]!;
  const obig = (c.segAttr[TR]! & 8) !== 0;
  if (obig) {
    sysWrite(c, obase + 0x20, 4, returnEip);
    sysWrite(c, obase + 0x24, 4, oflags);
    for (let i = 0; i < 8; i++) sysWrite(c, obase + 0x28 + 4 * i, 4, c.r[i]!);
    for (let i = 0; i < 6; i++) sysWrite(c, obase + 0x48 + 4 * i, 2, c.segSel[i]!);
  } else {
    sysWrite(c, obase + 0x0e, 2, returnEip);
    sysWrite(c, obase + 0x10, 2, oflags);
    for (let i = 0; i < 8; i++) sysWrite(c, obase + 0x12 + 2 * i, 2, c.r[i]!);
    for (let i = 0; i < 4; i++) sysWrite(c, obase + 0x22 + 2 * i, 2, c.segSel[i]!);
  }
  const oldSel = c.segSel[TR]!;
  if (reason !== TASK_CALL) {
    // Clear the outgoing task's busy bit.
    const oaddr = c.gdtBase + (oldSel & 0xfff8);
    const ohi = sysRead(c, oaddr + 4, 4);
    sysWrite(c, oaddr + 5, 1, ((ohi >>> 8) & ~2) & 0xff);
  }
  let nflags = newState.flags;
  if (reason === TASK_CALL) {
    sysWrite(c, nbase, 2, oldSel);
    nflags |= NT;
  }
  if (reason !== TASK_IRET) sysWrite(c, daddr + 5, 1, ((hi >>> 8) | 2) & 0xff);

  // Load the incoming task.
  c.segSel[TR] = sel;
  c.segBase[TR] = nbase;
  c.segLimit[TR] = nlimit;
  c.segAttr[TR] = ((hi >>> 8) & 0xf0ff) | 2;
  c.segAcc[TR] = 4;
  c.cr0 |= CR0_TS;
  if (big && c.cr0 & CR0_PG && newState.cr3 !== c.cr3) {
    c.cr3 = newState.cr3;
    flushTlb(c, true);
  }
  c.flags = (nflags & EFLAGS_VALID) | 2;
  c.lMask = 0;
  c.eip = c.nextEip = newState.eip;
  for (let i = 0; i < 8; i++) c.r[i] = newState.gpr[i]!;
  // Selectors first (so a #TS below is reported in the new task's context), then descriptors.
  for (let i = 0; i < 6; i++) c.segSel[i] = newState.seg[i]!;
  c.segSel[LDTR] = newState.ldt;
  loadTaskLdt(c, newState.ldt);
  if (c.flags & VM) {
    setCpl(c, 3);
    for (let i = 0; i < 6; i++) loadSegReal(c, i, newState.seg[i]!);
    refreshSegSizes(c);
    return;
  }
  const cs = newState.seg[CS]!;
  setCpl(c, cs & 3);
  loadTaskSeg(c, CS, cs);
  loadTaskSeg(c, SS, newState.seg[SS]!);
  for (const s of [ES, DS, FS, GS]) loadTaskSeg(c, s, newState.seg[s]!);
  refreshSegSizes(c);
}

function loadTaskLdt(c: Core, sel: number): void {
  if ((sel & 0xfffc) === 0) { loadNull(c, LDTR, sel); return; }
  if (sel & 4) raise(c, TS, sel & 0xfffc);
  fetchDescriptor(c, sel, TS);
  const hi = desc.hi;
  if (((hi >>> 8) & 0x1f) !== 2) raise(c, TS, sel & 0xfffc);
  if (!(hi & 0x8000)) raise(c, TS, sel & 0xfffc);
  c.segSel[LDTR] = sel;
  c.segBase[LDTR] = descBase(desc.lo, hi);
  c.segLimit[LDTR] = descLimit(desc.lo, hi);
  c.segAttr[LDTR] = (hi >>> 8) & 0xf0ff;
  c.segAcc[LDTR] = 4;
}

function loadTaskSeg(c: Core, s: number, sel: number): void {
  const cpl = c.cpl;
  if ((sel & 0xfffc) === 0) {
    if (s === CS || s === SS) raise(c, TS, sel & 0xfffc);
    loadNull(c, s, sel);
    return;
  }
  fetchDescriptor(c, sel, TS);
  const hi = desc.hi, type = (hi >>> 8) & 0xf, dpl = (hi >>> 13) & 3;
  if (!(hi & 0x1000)) raise(c, TS, sel & 0xfffc);
  if (s === CS) {
    if (!(type & 8) || (type & 4 ? dpl > cpl : dpl !== cpl)) raise(c, TS, sel & 0xfffc);
  } else if (s === SS) {
    if (type & 8 || !(type & 2) || dpl !== cpl || (sel & 3) !== cpl) raise(c, TS, sel & 0xfffc);
  } else if ((type & 0xa) === 8 || ((!(type & 8) || !(type & 4)) && ((sel & 3) > dpl || cpl > dpl))) raise(c, TS, sel & 0xfffc);
  if (!(hi & 0x8000)) raise(c, s === SS ? 12 : NP, sel & 0xfffc);
  if (!(hi & 0x100)) sysWrite(c, desc.addr + 5, 1, ((hi >>> 8) | 1) & 0xff);
  setSegCache(c, s, sel, desc.lo, hi | 0x100);
}
