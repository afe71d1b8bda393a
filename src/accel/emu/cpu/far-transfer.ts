/**
 * Far JMP, CALL and RET (SDM vol. 2 and vol. 3 ch. 5.8): real-mode loads, protected-mode code
 * segment checks, call gates with the stack switch and parameter copy, task gates and TSS
 * targets, and returns to an outer privilege level.
 */
import { CS, DS, ES, FS, GP, GS, NP, SS, ESP } from './constants.js';
import type { Core } from './core.js';
import { raise } from './core.js';
import { setCpl } from './linear.js';
import { peek, push, setSp, sp, segRead } from './operands.js';
import { rdSize } from './linear.js';
import { desc, descLimit, fetchDescriptor, loadSegReal, markAccessed, nullInvalidSegs, setSegCache } from './segments.js';
import { checkNewStack, ns, nsPush, stackFromTss } from './new-stack.js';
import { TASK_CALL, TASK_JMP, taskSwitch } from './task-switch.js';

function checkLimit(c: Core, off: number, lo: number, hi: number): void {
  if (off > descLimit(lo, hi)) raise(c, GP, 0);
}

/** Loads CS from a checked descriptor with RPL forced to `cpl`. */
function enterCode(c: Core, sel: number, lo: number, hi: number, cpl: number): void {
  markAccessed(c);
  setCpl(c, cpl);
  setSegCache(c, CS, (sel & 0xfffc) | cpl, lo, hi | 0x100);
}

/** Checks a code-segment target of JMP/CALL (not through a gate). */
function checkDirectCode(c: Core, sel: number, hi: number): void {
  const dpl = (hi >>> 13) & 3, rpl = sel & 3, type = (hi >>> 8) & 0xf;
  if (type & 4) { if (dpl > c.cpl) raise(c, GP, sel & 0xfffc); }
  else if (rpl > c.cpl || dpl !== c.cpl) raise(c, GP, sel & 0xfffc);
  if (!(hi & 0x8000)) raise(c, NP, sel & 0xfffc);
}

/**
 * Fetches the descriptor a far JMP/CALL names (#GP(0) for null) into desc and returns its low
 * dword; a code segment target is checked (type, privilege, presence, limit) right away.
 */
function fetchTarget(c: Core, sel: number, off: number): number {
  if ((sel & 0xfffc) === 0) raise(c, GP, 0);
  fetchDescriptor(c, sel);
  const lo = desc.lo, hi = desc.hi;
  if (hi & 0x1000) {
    if (!((hi >>> 8) & 8)) raise(c, GP, sel & 0xfffc);
    checkDirectCode(c, sel, hi);
    checkLimit(c, off, lo, hi);
  }
  return lo;
}

/** A JMP/CALL to a task gate (type 5) or a TSS (1, 9) switches tasks; any other system type is #GP(selector). */
function systemTarget(c: Core, sel: number, lo: number, type: number, reason: number): void {
  if (type !== 5 && type !== 1 && type !== 9) raise(c, GP, sel & 0xfffc);
  taskSwitch(c, type === 5 ? lo >>> 16 : sel, reason, c.nextEip, 0, type === 5 ? sel : -1);
}

/** Reads a call gate's target and checks its code segment; leaves the code descriptor in desc. */
function gateTarget(c: Core, sel: number, glo: number, ghi: number): { cs: number; off: number } {
  const gdpl = (ghi >>> 13) & 3;
  if (gdpl < c.cpl || gdpl < (sel & 3)) raise(c, GP, sel & 0xfffc);
  if (!(ghi & 0x8000)) raise(c, NP, sel & 0xfffc);
  const cs = glo >>> 16;
  const big = ((ghi >>> 8) & 0xf) === 12;
  const off = big ? ((glo & 0xffff) | (ghi & 0xffff0000)) >>> 0 : glo & 0xffff;
  if ((cs & 0xfffc) === 0) raise(c, GP, 0);
  fetchDescriptor(c, cs);
  const hi = desc.hi, type = (hi >>> 8) & 0xf;
  if (!(hi & 0x1000) || !(type & 8) || ((hi >>> 13) & 3) > c.cpl) raise(c, GP, cs & 0xfffc);
  if (!(hi & 0x8000)) raise(c, NP, cs & 0xfffc);
  gate.cs = cs; gate.off = off;
  return gate;
}
const gate = { cs: 0, off: 0 };

/** JMP ptr16:16/32 or m16:16/32. */
export function farJump(c: Core, sel: number, off: number): void {
  c.breakBlock = true;
  if (c.realOrV86) {
    if (off > c.segLimit[CS]! && c.flags & 0x20000) raise(c, GP, 0);
    loadSegReal(c, CS, sel);
    c.nextEip = off;
    return;
  }
  const lo = fetchTarget(c, sel, off), hi = desc.hi;
  if (hi & 0x1000) {
    enterCode(c, sel, lo, hi, c.cpl);
    c.nextEip = off;
    return;
  }
  const type = (hi >>> 8) & 0xf;
  switch (type) {
    case 4: case 12: {
      const g = gateTarget(c, sel, lo, hi);
      const clo = desc.lo, chi = desc.hi;
      const dpl = (chi >>> 13) & 3;
      if (!(chi & 0x400) && dpl !== c.cpl) raise(c, GP, g.cs & 0xfffc);
      checkLimit(c, g.off, clo, chi);
      enterCode(c, g.cs, clo, chi, c.cpl);
      c.nextEip = g.off;
      return;
    }
    default:
      systemTarget(c, sel, lo, type, TASK_JMP);
  }
}

/** Pushes CS and the return EIP for a far CALL on the current stack; a fault leaves ESP unchanged. */
function pushReturnAddress(c: Core, osz: number): void {
  const save = c.r[ESP]!;
  try {
    push(c, osz, c.segSel[CS]!);
    push(c, osz, c.nextEip);
  } catch (e) { c.r[ESP] = save; throw e; }
}

/** CALL ptr16:16/32 or m16:16/32. */
export function farCall(c: Core, sel: number, off: number, osz: number): void {
  c.breakBlock = true;
  if (c.realOrV86) {
    pushReturnAddress(c, osz);
    loadSegReal(c, CS, sel);
    c.nextEip = off;
    return;
  }
  const lo = fetchTarget(c, sel, off), hi = desc.hi;
  if (hi & 0x1000) {
    pushReturnAddress(c, osz);
    enterCode(c, sel, lo, hi, c.cpl);
    c.nextEip = off;
    return;
  }
  const type = (hi >>> 8) & 0xf;
  switch (type) {
    case 4: case 12: {
      const big = type === 12;
      const g = gateTarget(c, sel, lo, hi);
      const clo = desc.lo, chi = desc.hi;
      const dpl = (chi >>> 13) & 3;
      checkLimit(c, g.off, clo, chi);
      const gsize = big ? 4 : 2;
      if (!(chi & 0x400) && dpl < c.cpl) {
        const params = hi & 0x1f;
        stackFromTss(c, dpl, 0);
        checkNewStack(c, dpl, 0);
        const oldSs = c.segSel[SS]!, oldEsp = c.r[ESP]!;
        nsPush(c, gsize, oldSs);
        nsPush(c, gsize, c.stack32 ? oldEsp : oldEsp & 0xffff);
        for (let i = params - 1; i >= 0; i--) {
          const o = ((c.stack32 ? oldEsp : oldEsp & 0xffff) + i * gsize) & (c.stack32 ? 0xffffffff : 0xffff);
          nsPush(c, gsize, rdSize(c, segRead(c, SS, o >>> 0, gsize), gsize));
        }
        nsPush(c, gsize, c.segSel[CS]!);
        nsPush(c, gsize, c.nextEip);
        const ssSel = ns.sel, sslo = ns.lo, sshi = ns.hi;
        fetchDescriptor(c, g.cs);
        enterCode(c, g.cs, clo, chi, dpl);
        setSegCache(c, SS, ssSel, sslo, sshi | 0x100);
        c.r[ESP] = ns.big ? ns.sp : (c.r[ESP]! & 0xffff0000) | ns.sp;
      } else {
        const save = c.r[ESP]!;
        try {
          push(c, gsize, c.segSel[CS]!);
          push(c, gsize, c.nextEip);
        } catch (e) { c.r[ESP] = save; throw e; }
        fetchDescriptor(c, g.cs);
        enterCode(c, g.cs, clo, chi, c.cpl);
      }
      c.nextEip = g.off;
      return;
    }
    default:
      systemTarget(c, sel, lo, type, TASK_CALL);
  }
}

/** RET far (RETF / RETF imm16). */
export function farReturn(c: Core, osz: number, imm: number): void {
  c.breakBlock = true;
  const eip = peek(c, osz, 0), sel = peek(c, osz, osz) & 0xffff;
  if (c.realOrV86) {
    if (eip > c.segLimit[CS]!) raise(c, GP, 0);
    loadSegReal(c, CS, sel);
    setSp(c, sp(c) + 2 * osz + imm);
    c.nextEip = eip;
    return;
  }
  if ((sel & 0xfffc) === 0) raise(c, GP, 0);
  fetchDescriptor(c, sel);
  const lo = desc.lo, hi = desc.hi;
  const rpl = sel & 3, dpl = (hi >>> 13) & 3, type = (hi >>> 8) & 0xf;
  if (!(hi & 0x1000) || !(type & 8) || rpl < c.cpl) raise(c, GP, sel & 0xfffc);
  if (type & 4 ? dpl > rpl : dpl !== rpl) raise(c, GP, sel & 0xfffc);
  if (!(hi & 0x8000)) raise(c, NP, sel & 0xfffc);
  checkLimit(c, eip, lo, hi);
  if (rpl === c.cpl) {
    markAccessed(c);
    setSegCache(c, CS, sel, lo, hi | 0x100);
    setSp(c, sp(c) + 2 * osz + imm);
    c.nextEip = eip;
    return;
  }
  const esp = peek(c, osz, 2 * osz + imm), ssSel = peek(c, osz, 3 * osz + imm) & 0xffff;
  ns.sel = ssSel;
  ns.sp = esp;
  checkNewStack(c, rpl, 0, GP);
  fetchDescriptor(c, sel);
  markAccessed(c);
  setCpl(c, rpl);
  setSegCache(c, CS, sel, lo, hi | 0x100);
  setSegCache(c, SS, ssSel, ns.lo, ns.hi);
  const nsp = ns.big ? (esp + imm) >>> 0 : (esp + imm) & 0xffff;
  c.r[ESP] = ns.big ? nsp : (c.r[ESP]! & 0xffff0000) | nsp;
  nullInvalidSegs(c, [ES, DS, FS, GS]);
  c.nextEip = eip;
}
