/**
 * Interrupt and exception delivery (SDM vol. 3 ch. 6): the real-mode IVT, and the protected-mode
 * IDT with interrupt, trap and task gates, privilege checks for software interrupts, the stack
 * switch from the TSS, v8086-mode exits, error codes; and IRET back to the same or an outer
 * level, to v8086 mode, or to the previous task (NT).
 */
import { AC, CS, DS, ES, FS, GP, GS, IF, IOPL, NP, NT, RF, SS, TF, VM, ESP, VIF, VIP, ID, EFLAGS_VALID } from './constants.js';
import type { Core } from './core.js';
import { raise, refreshSegSizes } from './core.js';
import { getFlags, materialize } from './flags.js';
import { setCpl, sysRead } from './linear.js';
import { peek, push, setSp, sp } from './operands.js';
import { desc, fetchDescriptor, loadNull, loadSegReal, markAccessed, nullInvalidSegs, setSegCache } from './segments.js';
import { checkNewStack, ns, nsPush, stackFromTss } from './new-stack.js';
import { TASK_CALL, TASK_IRET, taskSwitch } from './task-switch.js';

/** Event kinds: software INT n (DPL-checked, IOPL-sensitive in v86), INT3/INTO (DPL-checked), external interrupt or exception. */
export const EV_SOFT = 0, EV_SOFT_EXC = 1, EV_HW = 2;

/** INT n / INT3 / INTO / INT1 from the executing instruction (`kind` 0, 1, 2). */
export function softwareInterrupt(c: Core, vector: number, kind: number): void {
  if (kind !== 0) {
    // INT3 / INTO / INT1 are traps: the instruction completes and the exception (seen by
    // hooks.exception) is raised with EIP after it.
    c.eip = c.nextEip;
    c.retired++;
    c.faultKind = kind === 2 ? EV_HW : EV_SOFT_EXC;
    raise(c, vector);
  }
  if (c.flags & VM && ((c.flags & IOPL) >>> 12) < 3) raise(c, GP, 0);
  deliver(c, vector, -1, c.nextEip, EV_SOFT);
  c.breakBlock = true;
}

/**
 * Delivers `vector` with `code` (-1 for none); `returnEip` is what gets pushed. On return c.eip
 * and c.nextEip hold the handler's entry point.
 */
export function deliver(c: Core, vector: number, code: number, returnEip: number, kind: number): void {
  materialize(c);
  c.halted = false;
  const ext = kind === EV_HW ? 1 : 0;
  if (!(c.cr0 & 1)) {
    const base = c.idtBase + vector * 4;
    if (vector * 4 + 3 > c.idtLimit) raise(c, GP, vector * 8 + 2 + ext);
    const ip = sysRead(c, base, 2), cs = sysRead(c, base + 2, 2);
    push(c, 2, c.flags);
    push(c, 2, c.segSel[CS]!);
    push(c, 2, returnEip);
    c.flags &= ~(IF | TF | AC | RF);
    loadSegReal(c, CS, cs);
    c.eip = c.nextEip = ip;
    return;
  }
  if (vector * 8 + 7 > c.idtLimit) raise(c, GP, vector * 8 + 2 + ext);
  const gaddr = c.idtBase + vector * 8;
  const glo = sysRead(c, gaddr, 4), ghi = sysRead(c, gaddr + 4, 4);
  const gtype = (ghi >>> 8) & 0x1f;
  const gdpl = (ghi >>> 13) & 3;
  const idtErr = vector * 8 + 2 + ext;
  if (gtype !== 5 && gtype !== 6 && gtype !== 7 && gtype !== 14 && gtype !== 15) raise(c, GP, idtErr);
  if (kind !== EV_HW && gdpl < c.cpl) raise(c, GP, idtErr);
  if (!(ghi & 0x8000)) raise(c, NP, idtErr);
  if (gtype === 5) {
    taskSwitch(c, glo >>> 16, TASK_CALL, returnEip, ext);
    if (code >= 0) push(c, c.segAttr[7]! & 8 ? 4 : 2, code);
    return;
  }
  const big = (gtype & 8) !== 0;
  const gsize = big ? 4 : 2;
  const sel = glo >>> 16;
  const offset = big ? ((glo & 0xffff) | (ghi & 0xffff0000)) >>> 0 : glo & 0xffff;
  if ((sel & 0xfffc) === 0) raise(c, GP, ext);
  fetchDescriptor(c, sel, GP, ext);
  const lo = desc.lo, hi = desc.hi;
  const dpl = (hi >>> 13) & 3, type = (hi >>> 8) & 0xf;
  if (!(hi & 0x1000) || !(type & 8) || dpl > c.cpl) raise(c, GP, (sel & 0xfffc) | ext);
  if (!(hi & 0x8000)) raise(c, NP, (sel & 0xfffc) | ext);
  const flags = getFlags(c);
  const fromV86 = (flags & VM) !== 0;
  const limit = ((lo & 0xffff) | (hi & 0xf0000)) * (hi & 0x800000 ? 4096 : 1) + (hi & 0x800000 ? 4095 : 0);
  if (offset > limit) raise(c, GP, ext);
  if (!(type & 4) && dpl < c.cpl) {
    // Inner privilege: new stack from the TSS.
    if (fromV86 && dpl !== 0) raise(c, GP, (sel & 0xfffc) | ext);
    stackFromTss(c, dpl, ext);
    checkNewStack(c, dpl, ext);
    if (fromV86) {
      nsPush(c, gsize, c.segSel[GS]!);
      nsPush(c, gsize, c.segSel[FS]!);
      nsPush(c, gsize, c.segSel[DS]!);
      nsPush(c, gsize, c.segSel[ES]!);
    }
    nsPush(c, gsize, c.segSel[SS]!);
    nsPush(c, gsize, c.r[ESP]!);
    nsPush(c, gsize, flags);
    nsPush(c, gsize, c.segSel[CS]!);
    nsPush(c, gsize, returnEip);
    if (code >= 0) nsPush(c, gsize, code);
    // Commit.
    if (fromV86) {
      loadNull(c, GS, 0); loadNull(c, FS, 0); loadNull(c, DS, 0); loadNull(c, ES, 0);
    }
    c.flags &= ~(TF | VM | RF | NT);
    if (!(gtype & 1)) c.flags &= ~IF;
    setCpl(c, dpl);
    markAccessedAt(c, ns.sel);
    setSegCache(c, SS, ns.sel, ns.lo, ns.hi);
    c.r[ESP] = ns.big ? ns.sp : (c.r[ESP]! & 0xffff0000) | ns.sp;
  } else {
    if (fromV86) raise(c, GP, (sel & 0xfffc) | ext);
    if (!(type & 4) && dpl !== c.cpl) raise(c, GP, (sel & 0xfffc) | ext);
    const save = c.r[ESP]!;
    try {
      push(c, gsize, flags);
      push(c, gsize, c.segSel[CS]!);
      push(c, gsize, returnEip);
      if (code >= 0) push(c, gsize, code);
    } catch (e) {
      c.r[ESP] = save;
      throw e;
    }
    c.flags &= ~(TF | VM | RF | NT);
    if (!(gtype & 1)) c.flags &= ~IF;
  }
  const cpl = c.cpl;
  setSegCache(c, CS, (sel & 0xfffc) | cpl, lo, hi | 0x100);
  markAccessedAt(c, sel);
  refreshSegSizes(c);
  c.eip = c.nextEip = offset;
}

function markAccessedAt(c: Core, sel: number): void {
  fetchDescriptor(c, sel);
  markAccessed(c);
}

/** IRET / IRETD. */
export function interruptReturn(c: Core, osz: number): void {
  c.breakBlock = true;
  c.nmiBlocked = false;
  if (!(c.cr0 & 1)) {
    const ip = peek(c, osz, 0), cs = peek(c, osz, osz) & 0xffff, fl = peek(c, osz, 2 * osz);
    if (ip > c.segLimit[CS]! && osz === 2) raise(c, GP, 0);
    setSp(c, sp(c) + 3 * osz);
    loadSegReal(c, CS, cs);
    materialize(c);
    const mask = osz === 4 ? EFLAGS_VALID & ~(VM | VIP | VIF) : 0x7fd5;
    c.flags = (c.flags & ~mask) | (fl & mask) | 2;
    c.nextEip = ip;
    return;
  }
  if (c.flags & VM) {
    if (((c.flags & IOPL) >>> 12) < 3) raise(c, GP, 0);
    const ip = peek(c, osz, 0), cs = peek(c, osz, osz) & 0xffff, fl = peek(c, osz, 2 * osz);
    setSp(c, sp(c) + 3 * osz);
    loadSegReal(c, CS, cs);
    materialize(c);
    const mask = (osz === 4 ? EFLAGS_VALID & ~(VM | VIP | VIF | IOPL | RF) : 0xffff & ~IOPL) & EFLAGS_VALID;
    c.flags = (c.flags & ~mask) | (fl & mask) | 2;
    c.nextEip = ip & 0xffff;
    return;
  }
  if (c.flags & NT) {
    const back = sysRead(c, c.segBase[7]!, 2);
    taskSwitch(c, back, TASK_IRET, c.nextEip, 0);
    return;
  }
  const eip = peek(c, osz, 0), csSel = peek(c, osz, osz) & 0xffff, fl = peek(c, osz, 2 * osz);
  if (osz === 4 && fl & VM && c.cpl === 0) {
    returnToV86(c, eip, csSel, fl);
    return;
  }
  if ((csSel & 0xfffc) === 0) raise(c, GP, 0);
  fetchDescriptor(c, csSel);
  const lo = desc.lo, hi = desc.hi;
  const rpl = csSel & 3, dpl = (hi >>> 13) & 3, type = (hi >>> 8) & 0xf;
  if (!(hi & 0x1000) || !(type & 8) || rpl < c.cpl) raise(c, GP, csSel & 0xfffc);
  if (type & 4 ? dpl > rpl : dpl !== rpl) raise(c, GP, csSel & 0xfffc);
  if (!(hi & 0x8000)) raise(c, NP, csSel & 0xfffc);
  const limit = ((lo & 0xffff) | (hi & 0xf0000)) * (hi & 0x800000 ? 4096 : 1) + (hi & 0x800000 ? 4095 : 0);
  const target = osz === 4 ? eip : eip & 0xffff;
  const oldCpl = c.cpl;
  if (rpl > oldCpl) {
    const espNew = peek(c, osz, 3 * osz), ssSel = peek(c, osz, 4 * osz) & 0xffff;
    ns.sel = ssSel;
    ns.sp = espNew;
    checkNewStack(c, rpl, 0, GP);
    if (target > limit) raise(c, GP, 0);
    setCpl(c, rpl);
    setSegCache(c, CS, csSel, lo, hi);
    setSegCache(c, SS, ssSel, ns.lo, ns.hi);
    c.r[ESP] = ns.big ? espNew : (c.r[ESP]! & 0xffff0000) | (espNew & 0xffff);
    returnFlags(c, fl, osz, oldCpl);
    nullInvalidSegs(c, [ES, DS, FS, GS]);
  } else {
    if (target > limit) raise(c, GP, 0);
    setSp(c, sp(c) + 3 * osz);
    setSegCache(c, CS, csSel, lo, hi);
    returnFlags(c, fl, osz, oldCpl);
  }
  c.nextEip = target;
}

function returnFlags(c: Core, fl: number, osz: number, cpl: number): void {
  materialize(c);
  let mask = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | TF | 0x400 | 0x800 | NT | RF;
  if (osz === 4) mask |= AC | ID;
  if (cpl === 0) { mask |= IOPL | IF; if (osz === 4) mask |= VIF | VIP; }
  else if (cpl <= ((c.flags & IOPL) >>> 12)) mask |= IF;
  c.flags = (c.flags & ~mask) | (fl & mask) | 2;
}

function returnToV86(c: Core, eip: number, csSel: number, fl: number): void {
  const esp = peek(c, 4, 12), ss = peek(c, 4, 16), es = peek(c, 4, 20), ds = peek(c, 4, 24), fs = peek(c, 4, 28), gs = peek(c, 4, 32);
  materialize(c);
  c.flags = (fl & EFLAGS_VALID) | 2 | VM;
  setCpl(c, 3);
  loadSegReal(c, CS, csSel);
  loadSegReal(c, SS, ss);
  loadSegReal(c, ES, es);
  loadSegReal(c, DS, ds);
  loadSegReal(c, FS, fs);
  loadSegReal(c, GS, gs);
  c.r[ESP] = esp;
  refreshSegSizes(c);
  c.nextEip = eip & 0xffff;
}
