/**
 * The one-byte opcode map: data movement, ALU, stack, control flow and flag instructions, one
 * `switch` over the decoded opcode. System-level work (far transfers, interrupts, I/O, strings,
 * the 0F map) lives in its own modules.
 */
import { AF, CF, CS, DF, DS, EAX, EBP, EBX, ECX, EDX, ESP, GP, IF, IOPL, OF, PF, SF, SS, UD, VM, ZF, TF, AC, NT, RF, ID, VIF, VIP, BR, DB } from './constants.js';
import type { Core } from './core.js';
import { getReg, raise, setReg, signExtend, sizeMask } from './core.js';
import { alu, bcd, divAcc, idivAcc, imulAcc, imulTrunc, mulAcc, neg, shift, CMP } from './alu.js';
import { carry, condition, getFlags, lazyIncDec, materialize, setFlagBits } from './flags.js';
import { I_LOCK, I_REP } from './decoder.js';
import { ea, getRM, peek, pop, push, readSeg, regField, rmwGet, rmwSet, setRM, setSp, sp, segRead, segWrite, writeSeg } from './operands.js';
import { checkAlign, probeWrite, updateAlignCheck, wrSize } from './linear.js';
import { loadSeg } from './segments.js';
import { execTwoByte } from './exec-0f.js';
import { enter } from './enter.js';
import { stringOp } from './string-ops.js';
import { portIn, portOut } from './io.js';
import { farCall, farJump, farReturn } from './far-transfer.js';
import { interruptReturn, softwareInterrupt } from './interrupts.js';
import { fpuEscape, fpuWait } from './fpu-bridge.js';

/** Near control transfer to `target` (already wrapped to the operand size) with the CS limit check. */
export function nearJump(c: Core, target: number): void {
  if (target > c.segLimit[CS]!) raise(c, GP, 0);
  c.nextEip = target;
}

function relTarget(c: Core, rel: number): number {
  const t = c.nextEip + rel;
  return c.osz === 4 ? t >>> 0 : t & 0xffff;
}

const LOCKABLE = new Uint8Array(0x200);
for (const o of [0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28, 0x29, 0x30, 0x31, 0x80, 0x81, 0x82, 0x83, 0x86, 0x87, 0xf6, 0xf7, 0xfe, 0xff,
  0x1ab, 0x1b3, 0x1bb, 0x1ba, 0x1b0, 0x1b1, 0x1c0, 0x1c1, 0x1c7]) LOCKABLE[o] = 1;

function checkLock(c: Core): void {
  if (c.op >= 0x200 || !LOCKABLE[c.op] || c.modrm >= 0xc0) raise(c, UD);
  const reg = regField(c);
  if ((c.op >= 0x80 && c.op <= 0x83 && reg === 7) || ((c.op === 0xf6 || c.op === 0xf7) && reg !== 2 && reg !== 3) ||
    (c.op === 0xfe || c.op === 0xff) && reg > 1 || (c.op === 0x1ba && reg < 5) || (c.op === 0x1c7 && reg !== 1)) raise(c, UD);
}

/** POPF/IRET flag rules: which EFLAGS bits `v` may change at the current privilege and mode. */
export function writeFlags(c: Core, v: number, size: number): void {
  materialize(c);
  let mask = CF | PF | AF | ZF | SF | TF | DF | OF | NT;
  if (size === 4) mask |= AC | ID;
  if (!(c.cr0 & 1)) mask |= IF | IOPL;
  else if (c.flags & VM) { mask |= IF; }
  else {
    if (c.cpl === 0) mask |= IOPL;
    if (c.cpl <= ((c.flags >>> 12) & 3)) mask |= IF;
  }
  if (size === 2) mask &= 0xffff;
  c.flags = ((c.flags & ~mask) | (v & mask) | 2) & ~RF;
  updateAlignCheck(c);
  c.breakBlock = true;
}

/** Executes the decoded instruction in c (one-byte map; 0F map delegated). */
export function execute(c: Core): void {
  const op = c.op;
  if (c.info & I_LOCK) checkLock(c);
  if (op < 0x40 && (op & 7) < 6) { aluForm(c, op >>> 3, op & 7); return; }
  const osz = c.osz;
  switch (op) {
    case 0x06: case 0x0e: case 0x16: case 0x1e: pushSeg(c, op >>> 3); return;
    case 0x07: case 0x17: case 0x1f: popSeg(c, op >>> 3); return;
    case 0x27: case 0x2f: case 0x37: case 0x3f: bcd(c, op, 0); return;
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47: {
      const i = op & 7, a = getReg(c, osz, i), r = (a + 1) & sizeMask(osz);
      setReg(c, osz, i, r); lazyIncDec(c, a, r, osz, false); return;
    }
    case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f: {
      const i = op & 7, a = getReg(c, osz, i), r = (a - 1) & sizeMask(osz);
      setReg(c, osz, i, r); lazyIncDec(c, a, r, osz, true); return;
    }
    case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
      push(c, osz, getReg(c, osz, op & 7)); return;
    case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f: {
      const v = pop(c, osz); setReg(c, osz, op & 7, v); return;
    }
    case 0x60: {
      const t = c.r[ESP]!;
      const mask = c.stack32 ? 0xffffffff : 0xffff;
      let s = sp(c);
      // Check the bottom of the frame first (#SS before any write); ESP changes only at the end.
      segRead(c, SS, ((s - 8 * osz) & mask) >>> 0, 1);
      for (let i = 0; i < 8; i++) {
        s = ((s - osz) & mask) >>> 0;
        wrSize(c, segWrite(c, SS, s, osz), osz, i === ESP ? t : getReg(c, osz, i));
      }
      setSp(c, s);
      return;
    }
    case 0x61: {
      // A flat 32-bit stack: check the whole frame first so a fault changes no register.
      if (c.stack32) {
        const lin = segRead(c, SS, c.r[ESP]!, 8 * osz);
        checkAlign(c, lin, osz, c.permR);
        probeWrite(c, lin, 8 * osz, c.permR);
      }
      for (let i = 7; i >= 0; i--) {
        const v = pop(c, osz);
        if (i !== ESP) setReg(c, osz, i, v);
      }
      return;
    }
    case 0x62: {
      if (c.modrm >= 0xc0) raise(c, UD);
      const off = ea(c), idx = signExtend(getReg(c, osz, regField(c)), osz);
      const lo = signExtend(readSeg(c, c.seg, off, osz), osz);
      const hi = signExtend(readSeg(c, c.seg, (off + osz) & (c.asz === 4 ? 0xffffffff : 0xffff), osz), osz);
      if (idx < lo || idx > hi) raise(c, BR);
      return;
    }
    case 0x63: {
      if (c.realOrV86) raise(c, UD);
      const d = rmwGet(c, 2), s = getReg(c, 2, regField(c));
      if ((d & 3) < (s & 3)) { rmwSet(c, 2, (d & ~3) | (s & 3)); setFlagBits(c, ZF, ZF); }
      else setFlagBits(c, ZF, 0);
      return;
    }
    case 0x68: push(c, osz, c.imm); return;
    case 0x69: setReg(c, osz, regField(c), imulTrunc(c, getRM(c, osz), c.imm, osz)); return;
    case 0x6a: push(c, osz, (c.imm << 24) >> 24); return;
    case 0x6b: setReg(c, osz, regField(c), imulTrunc(c, getRM(c, osz), (c.imm << 24) >> 24, osz)); return;
    case 0x6c: case 0x6d: case 0x6e: case 0x6f: case 0xa4: case 0xa5: case 0xa6: case 0xa7:
    case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf:
      stringOp(c, op); return;
    case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
    case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f:
      if (condition(c, op & 15)) nearJump(c, relTarget(c, (c.imm << 24) >> 24));
      return;
    case 0x80: case 0x81: case 0x82: case 0x83: {
      const size = op & 1 ? osz : 1;
      const b = op === 0x83 ? ((c.imm << 24) >> 24) & sizeMask(size) : c.imm & sizeMask(size);
      const n = regField(c);
      if (n === CMP) alu(c, CMP, getRM(c, size), b, size);
      else rmwSet(c, size, alu(c, n, rmwGet(c, size), b, size));
      return;
    }
    case 0x84: case 0x85: {
      const size = op & 1 ? osz : 1;
      alu(c, 4, getRM(c, size), getReg(c, size, regField(c)), size); return;
    }
    case 0x86: case 0x87: {
      const size = op & 1 ? osz : 1;
      const a = rmwGet(c, size), r = regField(c), b = getReg(c, size, r);
      rmwSet(c, size, b); setReg(c, size, r, a); return;
    }
    case 0x88: setRM(c, 1, getReg(c, 1, regField(c))); return;
    case 0x89: setRM(c, osz, getReg(c, osz, regField(c))); return;
    case 0x8a: setReg(c, 1, regField(c), getRM(c, 1)); return;
    case 0x8b: setReg(c, osz, regField(c), getRM(c, osz)); return;
    case 0x8c: {
      const s = regField(c);
      if (s > 5) raise(c, UD);
      if (c.modrm >= 0xc0) setReg(c, osz, c.modrm & 7, c.segSel[s]!);
      else setRM(c, 2, c.segSel[s]!);
      return;
    }
    case 0x8d: {
      if (c.modrm >= 0xc0) raise(c, UD);
      setReg(c, osz, regField(c), ea(c)); return;
    }
    case 0x8e: {
      const s = regField(c);
      if (s === CS || s > 5) raise(c, UD);
      loadSeg(c, s, getRM(c, 2));
      if (s === SS) { c.shadow = true; c.breakBlock = true; }
      return;
    }
    case 0x8f: {
      if (regField(c) !== 0) raise(c, UD);
      const v = peek(c, osz, 0);
      const old = c.r[ESP]!;
      setSp(c, sp(c) + osz);
      try { setRM(c, osz, v); } catch (e) { c.r[ESP] = old; throw e; }
      return;
    }
    case 0x90:
      // PAUSE (F3 90) in a spin-wait: on a multiprocessor the slice ends so the CPU awaited runs.
      if (c.info & I_REP && c.pauseYield) c.target = c.retired + 1;
      return;
    case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: {
      const i = op & 7, a = getReg(c, osz, EAX);
      setReg(c, osz, EAX, getReg(c, osz, i)); setReg(c, osz, i, a); return;
    }
    case 0x98:
      if (osz === 4) c.r[EAX] = (c.r[EAX]! << 16) >> 16;
      else setReg(c, 2, EAX, (c.r[EAX]! << 24) >> 24);
      return;
    case 0x99:
      if (osz === 4) c.r[EDX] = c.r[EAX]! & 0x80000000 ? 0xffffffff : 0;
      else setReg(c, 2, EDX, c.r[EAX]! & 0x8000 ? 0xffff : 0);
      return;
    case 0x9a: farCall(c, c.imm2 & 0xffff, osz === 4 ? c.imm >>> 0 : c.imm & 0xffff, osz); return;
    case 0x9b: fpuWait(c); return;
    case 0x9c: {
      if (c.flags & VM && ((c.flags >>> 12) & 3) < 3) raise(c, GP, 0);
      const f = getFlags(c) & ~(VM | RF);
      push(c, osz, osz === 4 ? f : f & 0xffff); return;
    }
    case 0x9d: {
      if (c.flags & VM && ((c.flags >>> 12) & 3) < 3) raise(c, GP, 0);
      const v = pop(c, osz);
      writeFlags(c, v, osz);
      return;
    }
    case 0x9e: setFlagBits(c, SF | ZF | AF | PF | CF, (c.r[EAX]! >>> 8) & 0xff); return;
    case 0x9f: setReg(c, 1, 4, (getFlags(c) & 0xd5) | 2); return;
    case 0xa0: case 0xa1: {
      const size = op & 1 ? osz : 1;
      setReg(c, size, EAX, readSeg(c, c.seg, moffs(c), size)); return;
    }
    case 0xa2: case 0xa3: {
      const size = op & 1 ? osz : 1;
      writeSeg(c, c.seg, moffs(c), size, getReg(c, size, EAX)); return;
    }
    case 0xa8: alu(c, 4, c.r[EAX]! & 0xff, c.imm & 0xff, 1); return;
    case 0xa9: alu(c, 4, getReg(c, osz, EAX), c.imm & sizeMask(osz), osz); return;
    case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
      setReg(c, 1, op & 7, c.imm); return;
    case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
      setReg(c, osz, op & 7, c.imm); return;
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
      const size = op & 1 ? osz : 1;
      const count = (op <= 0xc1 ? c.imm : op <= 0xd1 ? 1 : c.r[ECX]!) & 31;
      const v = rmwGet(c, size);
      rmwSet(c, size, shift(c, regField(c), v, count, size));
      return;
    }
    case 0xc2: case 0xc3: {
      const t = pop(c, osz);
      if (t > c.segLimit[CS]!) { setSp(c, sp(c) - osz); raise(c, GP, 0); }
      c.nextEip = t;
      if (op === 0xc2) setSp(c, sp(c) + c.imm);
      return;
    }
    case 0xc4: case 0xc5: loadFarPointer(c, op === 0xc4 ? 0 : DS); return;
    case 0xc6: if (regField(c) !== 0) raise(c, UD); setRM(c, 1, c.imm); return;
    case 0xc7: if (regField(c) !== 0) raise(c, UD); setRM(c, osz, c.imm); return;
    case 0xc8: enter(c); return;
    case 0xc9: {
      // LEAVE reads the saved frame pointer before changing ESP, so a fault leaves ESP as it was.
      const bp = c.stack32 ? c.r[EBP]! : c.r[EBP]! & 0xffff;
      const v = readSeg(c, SS, bp, osz);
      setSp(c, c.stack32 ? (bp + osz) >>> 0 : (bp + osz) & 0xffff);
      setReg(c, osz, EBP, v);
      return;
    }
    case 0xca: case 0xcb: farReturn(c, osz, op === 0xca ? c.imm : 0); return;
    case 0xcc: softwareInterrupt(c, 3, 1); return;
    case 0xcd: softwareInterrupt(c, c.imm & 0xff, 0); return;
    case 0xce: if (getFlags(c) & OF) softwareInterrupt(c, 4, 1); return;
    case 0xcf: interruptReturn(c, osz); return;
    case 0xd4: case 0xd5: bcd(c, op, c.imm & 0xff); return;
    case 0xd6: setReg(c, 1, EAX, carry(c) ? 0xff : 0); return;
    case 0xd7: {
      const off = (getReg(c, c.asz, EBX) + (c.r[EAX]! & 0xff)) & (c.asz === 4 ? 0xffffffff : 0xffff);
      setReg(c, 1, EAX, readSeg(c, c.seg, off >>> 0, 1)); return;
    }
    case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
      fpuEscape(c, op); return;
    case 0xe0: case 0xe1: case 0xe2: {
      const cnt = (getReg(c, c.asz, ECX) - 1) & sizeMask(c.asz);
      setReg(c, c.asz, ECX, cnt);
      let take = cnt !== 0;
      if (op === 0xe0) take = take && !(getFlags(c) & ZF);
      else if (op === 0xe1) take = take && (getFlags(c) & ZF) !== 0;
      if (take) nearJump(c, relTarget(c, (c.imm << 24) >> 24));
      return;
    }
    case 0xe3:
      if (getReg(c, c.asz, ECX) === 0) nearJump(c, relTarget(c, (c.imm << 24) >> 24));
      return;
    case 0xe4: setReg(c, 1, EAX, portIn(c, c.imm & 0xff, 1)); return;
    case 0xe5: setReg(c, osz, EAX, portIn(c, c.imm & 0xff, osz)); return;
    case 0xe6: portOut(c, c.imm & 0xff, 1, c.r[EAX]! & 0xff); return;
    case 0xe7: portOut(c, c.imm & 0xff, osz, getReg(c, osz, EAX)); return;
    case 0xe8: {
      const t = relTarget(c, c.imm);
      if (t > c.segLimit[CS]!) raise(c, GP, 0);
      push(c, osz, c.nextEip);
      c.nextEip = t;
      return;
    }
    case 0xe9: nearJump(c, relTarget(c, c.imm)); return;
    case 0xea: farJump(c, c.imm2 & 0xffff, osz === 4 ? c.imm >>> 0 : c.imm & 0xffff); return;
    case 0xeb: nearJump(c, relTarget(c, (c.imm << 24) >> 24)); return;
    case 0xec: setReg(c, 1, EAX, portIn(c, c.r[EDX]! & 0xffff, 1)); return;
    case 0xed: setReg(c, osz, EAX, portIn(c, c.r[EDX]! & 0xffff, osz)); return;
    case 0xee: portOut(c, c.r[EDX]! & 0xffff, 1, c.r[EAX]! & 0xff); return;
    case 0xef: portOut(c, c.r[EDX]! & 0xffff, osz, getReg(c, osz, EAX)); return;
    case 0xf1: softwareInterrupt(c, DB, 2); return;
    case 0xf4:
      if (c.cpl !== 0) raise(c, GP, 0);
      c.halted = true; c.breakBlock = true; return;
    case 0xf5: materialize(c); c.flags ^= CF; return;
    case 0xf6: case 0xf7: group3(c, op & 1 ? osz : 1); return;
    case 0xf8: setFlagBits(c, CF, 0); return;
    case 0xf9: setFlagBits(c, CF, CF); return;
    case 0xfa: case 0xfb: cliSti(c, op === 0xfb); return;
    case 0xfc: c.flags &= ~DF; return;
    case 0xfd: c.flags |= DF; return;
    case 0xfe: {
      const n = regField(c);
      if (n > 1) raise(c, UD);
      const a = rmwGet(c, 1), r = (n ? a - 1 : a + 1) & 0xff;
      rmwSet(c, 1, r); lazyIncDec(c, a, r, 1, n === 1); return;
    }
    case 0xff: group5(c); return;
    default:
      if (op >= 0x100) { execTwoByte(c); return; }
      raise(c, UD);
  }
}

function moffs(c: Core): number {
  return c.asz === 4 ? c.imm >>> 0 : c.imm & 0xffff;
}

function aluForm(c: Core, n: number, form: number): void {
  const size = form & 1 ? c.osz : 1;
  switch (form) {
    case 0: case 1: {
      const b = getReg(c, size, regField(c));
      if (n === CMP) alu(c, CMP, getRM(c, size), b, size);
      else rmwSet(c, size, alu(c, n, rmwGet(c, size), b, size));
      return;
    }
    case 2: case 3: {
      const b = getRM(c, size), rf = regField(c);
      const r = alu(c, n, getReg(c, size, rf), b, size);
      if (n !== CMP) setReg(c, size, rf, r);
      return;
    }
    default: {
      const r = alu(c, n, getReg(c, size, EAX), c.imm & sizeMask(size), size);
      if (n !== CMP) setReg(c, size, EAX, r);
    }
  }
}

function pushSeg(c: Core, s: number): void {
  const v = c.segSel[s]!;
  if (c.osz === 4) {
    // 32-bit push of a segment register writes only the low word on P6 and later.
    const ns = c.stack32 ? (c.r[ESP]! - 4) >>> 0 : (c.r[ESP]! - 4) & 0xffff;
    const lin = segWriteStack(c, ns);
    // ... but is alignment-checked as a dword.
    checkAlign(c, lin, 4, c.permW);
    wrSize(c, lin, 2, v);
    setSp(c, ns);
  } else push(c, 2, v);
}

function segWriteStack(c: Core, off: number): number {
  return segWrite(c, SS, off, 4);
}

/** POP ES/SS/DS/FS/GS. */
export function popSeg(c: Core, s: number): void {
  const v = peek(c, c.osz, 0) & 0xffff;
  loadSeg(c, s, v);
  setSp(c, sp(c) + c.osz);
  if (s === SS) { c.shadow = true; c.breakBlock = true; }
}

/** PUSH FS/GS and friends for the 0F map. */
export { pushSeg };

/** LES/LDS/LSS/LFS/LGS: loads a far pointer from memory into segment `s` and the reg field. */
export function loadFarPointer(c: Core, s: number): void {
  if (c.modrm >= 0xc0) raise(c, UD);
  const off = ea(c), osz = c.osz;
  const o = readSeg(c, c.seg, off, osz);
  const sel = readSeg(c, c.seg, (off + osz) & (c.asz === 4 ? 0xffffffff : 0xffff), 2);
  loadSeg(c, s, sel);
  if (s === SS) { c.shadow = true; c.breakBlock = true; }
  setReg(c, osz, regField(c), o);
}

function group3(c: Core, size: number): void {
  switch (regField(c)) {
    case 0: case 1: alu(c, 4, getRM(c, size), c.imm & sizeMask(size), size); return;
    case 2: rmwSet(c, size, ~rmwGet(c, size) & sizeMask(size)); return;
    case 3: rmwSet(c, size, neg(c, rmwGet(c, size), size)); return;
    case 4: mulAcc(c, getRM(c, size), size); return;
    case 5: imulAcc(c, getRM(c, size), size); return;
    case 6: divAcc(c, getRM(c, size), size); return;
    default: idivAcc(c, getRM(c, size), size); return;
  }
}

function group5(c: Core): void {
  const osz = c.osz;
  const n = regField(c);
  switch (n) {
    case 0: case 1: {
      const a = rmwGet(c, osz), r = (n ? a - 1 : a + 1) & sizeMask(osz);
      rmwSet(c, osz, r); lazyIncDec(c, a, r, osz, n === 1); return;
    }
    case 2: {
      const t = getRM(c, osz);
      if (t > c.segLimit[CS]!) raise(c, GP, 0);
      push(c, osz, c.nextEip);
      c.nextEip = t;
      return;
    }
    case 3: case 5: {
      if (c.modrm >= 0xc0) raise(c, UD);
      const off = ea(c);
      const o = readSeg(c, c.seg, off, osz);
      const sel = readSeg(c, c.seg, (off + osz) & (c.asz === 4 ? 0xffffffff : 0xffff), 2);
      if (n === 3) farCall(c, sel, o, osz); else farJump(c, sel, o);
      return;
    }
    case 4: nearJump(c, getRM(c, osz)); return;
    case 6: push(c, osz, getRM(c, osz)); return;
    default: raise(c, UD);
  }
}

function cliSti(c: Core, sti: boolean): void {
  const iopl = (c.flags & IOPL) >>> 12;
  if (c.cr0 & 1) {
    const v86 = (c.flags & VM) !== 0;
    if (v86 ? iopl < 3 : c.cpl > iopl) {
      // VME (v86) / PVI (CPL 3): the virtual interrupt flag instead.
      const virt = v86 ? (c.cr4 & 1) !== 0 : c.cpl === 3 && (c.cr4 & 2) !== 0;
      if (!virt) raise(c, GP, 0);
      if (sti) {
        if (c.flags & VIP) raise(c, GP, 0);
        c.flags |= VIF;
      } else c.flags &= ~VIF;
      return;
    }
  }
  if (sti) {
    if (!(c.flags & IF)) { c.flags |= IF; c.shadow = true; }
    c.breakBlock = true;
  } else c.flags &= ~IF;
}
