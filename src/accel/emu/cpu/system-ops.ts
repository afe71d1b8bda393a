/**
 * System instructions: descriptor-table registers (LGDT/LIDT/SGDT/SIDT/LLDT/LTR/SLDT/STR),
 * LMSW/SMSW/CLTS/INVLPG, MOV to and from control and debug registers, LAR/LSL/VERR/VERW,
 * RDMSR/WRMSR/RDTSC, SYSENTER/SYSEXIT and CPUID.
 */
import { SEG_READ, SEG_WRITE, SEG_VALID, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR4_DE, CR4_PAE, CR4_PGE, CR4_PSE, CR4_TSD, CS, EAX, ECX, EDX, EBX, ESP, GP, IF, LDTR, NP, RF, SS, TR, UD, VM, ZF, CR0_CD, CR0_NW, CR0_ET } from './constants.js';
import type { Core } from './core.js';
import { raise, refreshSegSizes, setReg } from './core.js';
import { setFlagBits } from './flags.js';
import { setCpl, sysWrite, updateAlignCheck } from './linear.js';
import { ea, getRM, readSeg, regField, segRead, setRM, writeSeg } from './operands.js';
import { flushTlb, flushTlbPage } from './paging.js';
import { desc, descBase, descLimit, fetchDescriptor, setSegBounds } from './segments.js';
import { readMsr, readTsc, writeMsr } from './msr.js';
import { cpuid } from './cpuid.js';

function requireCpl0(c: Core): void {
  if (c.cpl !== 0 || (c.cr0 & 1 && c.flags & VM)) raise(c, GP, 0);
}

/** 0F 00: SLDT, STR, LLDT, LTR, VERR, VERW. */
export function group6(c: Core): void {
  if (c.realOrV86) raise(c, UD);
  const n = regField(c);
  switch (n) {
    case 0: case 1: {
      const v = c.segSel[n === 0 ? LDTR : TR]!;
      if (c.modrm >= 0xc0) setReg(c, c.osz, c.modrm & 7, v); else setRM(c, 2, v);
      return;
    }
    case 2: {
      requireCpl0(c);
      const sel = getRM(c, 2);
      if ((sel & 0xfffc) === 0) { c.segSel[LDTR] = sel; c.segAcc[LDTR] = 0; c.segBase[LDTR] = 0; c.segLimit[LDTR] = 0; c.segAttr[LDTR] = 0; return; }
      if (sel & 4) raise(c, GP, sel & 0xfffc);
      fetchDescriptor(c, sel);
      if (((desc.hi >>> 8) & 0x1f) !== 2) raise(c, GP, sel & 0xfffc);
      if (!(desc.hi & 0x8000)) raise(c, NP, sel & 0xfffc);
      c.segSel[LDTR] = sel;
      c.segBase[LDTR] = descBase(desc.lo, desc.hi);
      c.segLimit[LDTR] = descLimit(desc.lo, desc.hi);
      c.segAttr[LDTR] = (desc.hi >>> 8) & 0xf0ff;
      c.segAcc[LDTR] = 4;
      return;
    }
    case 3: {
      requireCpl0(c);
      const sel = getRM(c, 2);
      if ((sel & 0xfffc) === 0) raise(c, GP, 0);
      if (sel & 4) raise(c, GP, sel & 0xfffc);
      fetchDescriptor(c, sel);
      const type = (desc.hi >>> 8) & 0x1f;
      if (type !== 1 && type !== 9) raise(c, GP, sel & 0xfffc);
      if (!(desc.hi & 0x8000)) raise(c, NP, sel & 0xfffc);
      sysWrite(c, desc.addr + 5, 1, ((desc.hi >>> 8) | 2) & 0xff);
      c.segSel[TR] = sel;
      c.segBase[TR] = descBase(desc.lo, desc.hi);
      c.segLimit[TR] = descLimit(desc.lo, desc.hi);
      c.segAttr[TR] = ((desc.hi >>> 8) & 0xf0ff) | 2;
      c.segAcc[TR] = 4;
      return;
    }
    case 4: case 5: {
      const sel = getRM(c, 2);
      setFlagBits(c, ZF, verify(c, sel, n === 5) ? ZF : 0);
      return;
    }
    default: raise(c, UD);
  }
}

function lookup(c: Core, sel: number): boolean {
  if ((sel & 0xfffc) === 0) return false;
  const limit = sel & 4 ? (c.segAcc[LDTR] ? c.segLimit[LDTR]! : -1) : c.gdtLimit;
  if ((sel | 7) > limit) return false;
  fetchDescriptor(c, sel);
  return true;
}

function privOk(c: Core, sel: number, hi: number): boolean {
  const dpl = (hi >>> 13) & 3;
  const conformingCode = (hi & 0x1c00) === 0x1c00;
  return conformingCode || (dpl >= c.cpl && dpl >= (sel & 3));
}

function verify(c: Core, sel: number, write: boolean): boolean {
  if (!lookup(c, sel)) return false;
  const hi = desc.hi;
  if (!(hi & 0x1000)) return false;
  const type = (hi >>> 8) & 0xf;
  if (write) return !(type & 8) && (type & 2) !== 0 && privOk(c, sel, hi);
  if (type & 8 && !(type & 2)) return false;
  return privOk(c, sel, hi);
}

/** LAR (lsl=false) / LSL (lsl=true). */
export function larLsl(c: Core, lsl: boolean): void {
  if (c.realOrV86) raise(c, UD);
  const sel = getRM(c, 2);
  let ok = lookup(c, sel);
  const hi = desc.hi;
  if (ok) {
    if (!(hi & 0x1000)) {
      const t = (hi >>> 8) & 0xf;
      ok = lsl ? [1, 2, 3, 9, 11].includes(t) : [1, 2, 3, 4, 5, 9, 11, 12].includes(t);
    }
    ok = ok && privOk(c, sel, hi);
  }
  if (ok) {
    const v = lsl ? descLimit(desc.lo, hi) : hi & 0x00ffff00;
    setReg(c, c.osz, regField(c), c.osz === 2 ? v & 0xffff : v);
  }
  setFlagBits(c, ZF, ok ? ZF : 0);
}

/** 0F 01: SGDT, SIDT, LGDT, LIDT, SMSW, LMSW, INVLPG. */
export function group7(c: Core): void {
  const n = regField(c);
  if (c.modrm >= 0xc0) {
    if (n === 4) { setReg(c, c.osz, c.modrm & 7, c.osz === 4 ? c.cr0 : c.cr0 & 0xffff); return; }
    if (n === 6) { lmsw(c, getRM(c, 2)); return; }
    raise(c, UD);
  }
  const off = ea(c), amask = c.asz === 4 ? 0xffffffff : 0xffff;
  switch (n) {
    case 0: case 1: {
      const base = n === 0 ? c.gdtBase : c.idtBase, limit = n === 0 ? c.gdtLimit : c.idtLimit;
      writeSeg(c, c.seg, off, 2, limit);
      writeSeg(c, c.seg, ((off + 2) & amask) >>> 0, 4, c.osz === 4 ? base : base & 0xffffff);
      return;
    }
    case 2: case 3: {
      requireCpl0(c);
      const limit = readSeg(c, c.seg, off, 2);
      let base = readSeg(c, c.seg, ((off + 2) & amask) >>> 0, 4);
      if (c.osz === 2) base &= 0xffffff;
      if (n === 2) { c.gdtBase = base; c.gdtLimit = limit; } else { c.idtBase = base; c.idtLimit = limit; }
      return;
    }
    case 4: setRM(c, 2, c.cr0 & 0xffff); return;
    case 6: lmsw(c, getRM(c, 2)); return;
    case 7: {
      requireCpl0(c);
      flushTlbPage(c, (c.segBase[c.seg]! + off) >>> 0);
      c.breakBlock = true;
      return;
    }
    default: raise(c, UD);
  }
}

function lmsw(c: Core, v: number): void {
  requireCpl0(c);
  // PE can be set but not cleared; MP, EM, TS load.
  writeCr0(c, (c.cr0 & ~0xe) | (v & 0xf) | (c.cr0 & 1));
}

/** Writes CR0 with its consistency checks and the TLB/mode side effects. */
export function writeCr0(c: Core, v: number): void {
  v = (v | CR0_ET) >>> 0;
  if ((v & CR0_PG) && !(v & CR0_PE)) raise(c, GP, 0);
  if ((v & CR0_NW) && !(v & CR0_CD)) raise(c, GP, 0);
  const old = c.cr0;
  c.cr0 = v & 0xe005003f;
  updateAlignCheck(c);
  if ((old ^ c.cr0) & (CR0_PG | CR0_WP)) flushTlb(c, false);
  if ((old ^ c.cr0) & CR0_PE) {
    if (!(c.cr0 & CR0_PE)) {
      setCpl(c, 0);
      // Real mode checks no access rights: every data segment stays usable with its cached limit.
      for (let s = 0; s < 6; s++) c.segAcc[s] = SEG_READ | SEG_WRITE | SEG_VALID;
    }
    refreshSegSizes(c);
  }
  c.breakBlock = true;
}

/** Writes CR4. */
export function writeCr4(c: Core, v: number): void {
  if (v & ~0x7ff) raise(c, GP, 0);
  const old = c.cr4;
  c.cr4 = v;
  if ((old ^ v) & (CR4_PAE | CR4_PSE | CR4_PGE)) flushTlb(c, false);
  c.breakBlock = true;
}

/** 0F 20-23: MOV from/to CRn and DRn (the r/m field is always a register). */
export function movControl(c: Core, op: number): void {
  requireCpl0(c);
  const n = regField(c), r = c.modrm & 7;
  switch (op) {
    case 0x120:
      if (n === 0) c.r[r] = c.cr0; else if (n === 2) c.r[r] = c.cr2; else if (n === 3) c.r[r] = c.cr3; else if (n === 4) c.r[r] = c.cr4; else raise(c, UD);
      return;
    case 0x122: {
      const v = c.r[r]!;
      if (n === 0) writeCr0(c, v);
      else if (n === 2) c.cr2 = v;
      else if (n === 3) { c.cr3 = v & (c.cr4 & CR4_PAE ? 0xffffffe0 : 0xfffff018); flushTlb(c, true); c.breakBlock = true; }
      else if (n === 4) writeCr4(c, v);
      else raise(c, UD);
      return;
    }
    case 0x121: {
      let i = n;
      if (i === 4 || i === 5) { if (c.cr4 & CR4_DE) raise(c, UD); i += 2; }
      let v = c.dr[i]!;
      if (i === 6) v = (v & 0xe00f) | 0xffff0ff0;
      else if (i === 7) v = (v & 0xffff2bff) | 0x400;
      c.r[r] = v;
      return;
    }
    default: {
      let i = n;
      if (i === 4 || i === 5) { if (c.cr4 & CR4_DE) raise(c, UD); i += 2; }
      c.dr[i] = c.r[r]!;
      return;
    }
  }
}

/** CLTS. */
export function clts(c: Core): void {
  requireCpl0(c);
  c.cr0 &= ~CR0_TS;
}

/** RDTSC. */
export function rdtsc(c: Core): void {
  if (c.cr4 & CR4_TSD && c.cpl !== 0 && c.cr0 & 1) raise(c, GP, 0);
  const t = readTsc(c);
  c.r[EAX] = t % 4294967296;
  c.r[EDX] = Math.floor(t / 4294967296);
}

/** RDMSR / WRMSR. */
export function msrAccess(c: Core, write: boolean): void {
  requireCpl0(c);
  const idx = c.r[ECX]!;
  if (write) {
    const v = (BigInt(c.r[EDX]!) << 32n) | BigInt(c.r[EAX]!);
    if (!writeMsr(c, idx, v)) raise(c, GP, 0);
    c.breakBlock = true;
  } else {
    const v = readMsr(c, idx);
    if (v === undefined) raise(c, GP, 0);
    c.r[EAX] = Number(v & 0xffffffffn);
    c.r[EDX] = Number(v >> 32n);
  }
}

const cpuidOut = new Uint32Array(4);
/** CPUID. */
export function cpuidInsn(c: Core): void {
  cpuid(c, c.r[EAX]!, cpuidOut, c.r[ECX]!);
  c.r[EAX] = cpuidOut[0]!; c.r[EBX] = cpuidOut[1]!; c.r[ECX] = cpuidOut[2]!; c.r[EDX] = cpuidOut[3]!;
}

function flatSeg(c: Core, s: number, sel: number, code: boolean, dpl: number): void {
  c.segSel[s] = sel;
  c.segBase[s] = 0;
  c.segLimit[s] = 0xffffffff;
  c.segAttr[s] = (code ? 0xb : 0x3) | 0x10 | (dpl << 5) | 0x80 | 0x4000 | 0x8000;
  setSegBounds(c, s);
}

/** SYSENTER / SYSEXIT with the flat segments the SDM prescribes. */
export function sysenter(c: Core, exit: boolean): void {
  c.breakBlock = true;
  if (!(c.cr0 & 1)) raise(c, GP, 0);
  const cs = c.sysenterCs & 0xfffc;
  if (cs === 0) raise(c, GP, 0);
  if (!exit) {
    c.flags &= ~(VM | IF | RF);
    setCpl(c, 0);
    flatSeg(c, CS, cs, true, 0);
    flatSeg(c, SS, cs + 8, false, 0);
    refreshSegSizes(c);
    c.r[ESP] = c.sysenterEsp;
    c.nextEip = c.sysenterEip;
  } else {
    if (c.cpl !== 0 || c.flags & VM) raise(c, GP, 0);
    setCpl(c, 3);
    flatSeg(c, CS, (cs + 16) | 3, true, 3);
    flatSeg(c, SS, (cs + 24) | 3, false, 3);
    refreshSegSizes(c);
    c.r[ESP] = c.r[ECX]!;
    c.nextEip = c.r[EDX]!;
  }
}

/** Segment checks for CLFLUSH and friends that only touch an address. */
export function touchAddress(c: Core): void {
  segRead(c, c.seg, ea(c), 1);
}

