/**
 * The x87 escape opcodes D8–DF (SDM vol. 2, opcode map tables ): decoding of the ModRM
 * forms, the pending-#MF check of waiting instructions, the last-instruction pointers, and the
 * arithmetic, compare, stack and control instructions on the X87State.
 */
import { EmuFpuFault, type EmuFpuOperand, type EmuLinearMemory } from '../contract.js';
import { add, CMP_EQ, CMP_LT, CMP_UN, compare, div, mul, rem, remState, roundToInt, sqrt } from './xf-arith.js';
import {
  A, B, E_IE, loadD, loadF, loadX, out, setX87Format, swapOperands,
} from './xf-core.js';
import { envSize, loadEnv, loadState, storeEnv, storeState } from './x87-env.js';
import {
  canPush, fbld, fbstp, fild, fist, fldExt, fldReal, fstReal, loadInt32, push,
} from './x87-load-store.js';
import { constant, expOut, extract, fxamCodes, scale } from './x87-special.js';
import { binaryTranscendental, outOfTrigRange, unaryTranscendental } from './x87-transcend.js';
import { loadedFcw, SW_C0, SW_C1, SW_C2, SW_C3, SW_CC, type X87State } from './x87-state.js';

/** Significand bits for each precision-control value (01 is reserved; it behaves as 64 here). */
const PC_BITS = [24, 64, 53, 64] as const;

/** EFLAGS bits written by FCOMI/FUCOMI (ZF, PF, CF; OF, SF, AF cleared). */
const EFL_CF = 0x1;
const EFL_PF = 0x4;
const EFL_AF = 0x10;
const EFL_ZF = 0x40;
const EFL_SF = 0x80;
const EFL_OF = 0x800;


function arithFormat(st: X87State): void {
  setX87Format(PC_BITS[(st.fcw >>> 8) & 3]!, (st.fcw >>> 10) & 3, st.fcw & 0x3f);
}

function extFormat(st: X87State): void {
  setX87Format(64, (st.fcw >>> 10) & 3, st.fcw & 0x3f);
}

/** Loads ST(i) into operand register A or B. */
function loadSt(st: X87State, toB: boolean, i: number): void {
  // indexes the arrays directly: a non-inlined getter would box the 32-bit halves
  const p = (st.top + i) & 7;
  loadX(toB ? B : A, st.se[p]!, st.sig[2 * p + 1]!, st.sig[2 * p]!);
}

/** Stores the result of a core operation into ST(dst) and pops; false results only raise flags. */
function finish(st: X87State, ok: boolean, dst: number, pops: number): void {
  st.raise(out.exc);
  if (!ok) return;
  st.setC1(out.up);
  st.setFromOut(dst);
  for (let i = 0; i < pops; i++) st.pop();
}

/** Masked stack underflow writes the indefinite into ST(dst) then pops; unmasked does nothing. */
function underflow(st: X87State, dst: number, pops: number): void {
  if (!st.stackFault(false)) return;
  if (dst >= 0) st.setRaw(dst, 0xffff, 0xc0000000, 0);
  for (let i = 0; i < pops; i++) st.pop();
}

/** Runs one of the eight arithmetic operations: reg 0 add, 1 mul, 4 a−b, 5 b−a, 6 a/b, 7 b/a. */
function arith(reg: number): boolean {
  switch (reg) {
    case 0:
      return add(0);
    case 1:
      return mul();
    case 4:
      return add(1);
    case 6:
      return div();
    default:
      return false;
  }
}

/** A (ST0) op B with the result into ST(dst); reversed ops swap the operands first. */
function arithOp(st: X87State, reg: number, dst: number, pops: number): void {
  out.exc = 0;
  arithFormat(st);
  if (reg === 5 || reg === 7) {
    swapOperands();
    reg -= 1;
  }
  finish(st, arith(reg), dst, pops);
}

/** Sets C3/C2/C0 from a compare result (C1 cleared). */
function setCompareCodes(st: X87State, r: number): void {
  st.sw &= ~SW_CC;
  if (r === CMP_LT) st.sw |= SW_C0;
  else if (r === CMP_EQ) st.sw |= SW_C3;
  else if (r === CMP_UN) st.sw |= SW_C0 | SW_C2 | SW_C3;
}

/** FCOM/FUCOM family: compare A (ST0) with B, pop `pops` times. */
function fcom(st: X87State, signaling: boolean, pops: number): void {
  out.exc = 0;
  const r = compare(signaling);
  st.raise(out.exc);
  setCompareCodes(st, r);
  if ((out.exc & ~st.fcw & 0x3) !== 0) return;
  for (let i = 0; i < pops; i++) st.pop();
}

/** FCOMI/FUCOMI family: compare ST0 with ST(i) into EFLAGS. */
function fcomi(st: X87State, i: number, signaling: boolean, pop: boolean): void {
  let r: number;
  out.exc = 0;
  if (st.isEmpty(0) || st.isEmpty(i)) {
    if (!st.stackFault(false)) out.exc = E_IE;
    r = CMP_UN;
  } else {
    loadSt(st, false, 0);
    loadSt(st, true, i);
    r = compare(signaling);
    st.raise(out.exc);
    st.setC1(false);
  }
  const unmasked = (out.exc & ~st.fcw & 0x3) !== 0;
  let f = st.eflags & ~(EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_OF);
  if (r === CMP_LT) f |= EFL_CF;
  else if (r === CMP_EQ) f |= EFL_ZF;
  else if (r === CMP_UN) f |= EFL_ZF | EFL_PF | EFL_CF;
  st.eflags = f;
  if (pop && !unmasked) st.pop();
}

/** Reads the memory operand of D8/DA/DC/DE into B: m32real, m32int, m64real, m16int. */
function loadMemOperand(opcode: number, mem: EmuLinearMemory, a: number): void {
  switch (opcode) {
    case 0xd8:
      loadF(B, mem.read32(a), false);
      break;
    case 0xda:
      loadInt32(B, mem.read32(a) | 0);
      break;
    case 0xdc:
      loadD(B, mem.read32(a + 4), mem.read32(a), false);
      break;
    default:
      loadInt32(B, (mem.read16(a) << 16) >> 16);
  }
}

/** Whether opcode/modrm is a control instruction (does not update FIP/FDP/FOP). */
function isControl(opcode: number, modrm: number): boolean {
  const reg = (modrm >>> 3) & 7;
  if (modrm < 0xc0) {
    if (opcode === 0xd9) return reg >= 4;
    if (opcode === 0xdd) return reg === 4 || reg === 6 || reg === 7;
    return false;
  }
  if (opcode === 0xdb) return modrm >= 0xe0 && modrm <= 0xe7;
  return opcode === 0xdf && modrm === 0xe0;
}

/** Whether opcode/modrm is a non-waiting instruction (FNINIT, FNCLEX, FNSTENV, FNSAVE, FNSTSW, FNSTCW). */
function isNoWait(opcode: number, modrm: number): boolean {
  const reg = (modrm >>> 3) & 7;
  if (modrm < 0xc0) {
    if (opcode === 0xd9) return reg === 6 || reg === 7;
    if (opcode === 0xdd) return reg === 6 || reg === 7;
    return false;
  }
  if (opcode === 0xdb) return modrm >= 0xe0 && modrm <= 0xe4;
  return opcode === 0xdf && modrm === 0xe0;
}

/** Raises #MF when an unmasked x87 exception is pending (ES set). */
export function checkPending(st: X87State): void {
  if ((st.sw & 0x80) !== 0) throw new EmuFpuFault(16);
}

function ud(): never {
  throw new EmuFpuFault(6);
}

/** Executes one x87 escape instruction. */
export function execX87(
  st: X87State,
  opcode: number,
  op: EmuFpuOperand,
  mem: EmuLinearMemory,
  gpr: Uint32Array | undefined,
): void {
  const modrm = op.modrm;
  if (!isNoWait(opcode, modrm)) checkPending(st);
  if (modrm < 0xc0) execMemory(st, opcode, (modrm >>> 3) & 7, op, mem);
  else execRegister(st, opcode, modrm, gpr);
  // the pointers name the last non-control instruction that ran (a page fault above skips this)
  if (!isControl(opcode, modrm)) {
    st.fip = op.eip;
    st.fcs = op.cs;
    st.fop = ((opcode & 7) << 8) | modrm;
    if (modrm < 0xc0) {
      st.fdp = op.offset;
      st.fds = op.ds;
    }
  }
}

function execMemory(st: X87State, opcode: number, reg: number, op: EmuFpuOperand, mem: EmuLinearMemory): void {
  const a = op.linear;
  switch (opcode) {
    case 0xd8:
    case 0xda:
    case 0xdc:
    case 0xde: {
      loadMemOperand(opcode, mem, a);
      if (st.isEmpty(0)) {
        if (reg !== 2 && reg !== 3) return underflow(st, 0, 0);
        const masked = st.stackFault(false);
        setCompareCodes(st, CMP_UN);
        if (masked && reg === 3) st.pop();
        return;
      }
      loadSt(st, false, 0);
      if (reg === 2 || reg === 3) fcom(st, true, reg - 2);
      else arithOp(st, reg, 0, 0);
      return;
    }
    case 0xd9:
      switch (reg) {
        case 0:
          return fldReal(st, mem, a, false);
        case 2:
        case 3:
          if (fstReal(st, mem, a, 4) && reg === 3) st.pop();
          return;
        case 4:
          loadEnv(st, op, mem, a);
          return;
        case 5:
          st.fcw = loadedFcw(mem.read16(a));
          st.updateEs();
          return;
        case 6:
          mem.probeWrite(a, envSize(op.operand32));
          storeEnv(st, op, mem, a);
          st.fcw |= 0x3f;
          st.updateEs();
          return;
        case 7:
          mem.write16(a, st.fcw);
          return;
        default:
          return ud();
      }
    case 0xdb:
      switch (reg) {
        case 0:
          return fild(st, mem, a, 32);
        case 2:
        case 3:
          if (fist(st, mem, a, 32) && reg === 3) st.pop();
          return;
        case 5:
          return fldExt(st, mem, a);
        case 7:
          if (fstReal(st, mem, a, 10)) st.pop();
          return;
        default:
          return ud();
      }
    case 0xdd:
      switch (reg) {
        case 0:
          return fldReal(st, mem, a, true);
        case 2:
        case 3:
          if (fstReal(st, mem, a, 8) && reg === 3) st.pop();
          return;
        case 4:
          loadState(st, op, mem, a);
          return;
        case 6:
          mem.probeWrite(a, envSize(op.operand32) + 80);
          storeState(st, op, mem, a);
          st.init();
          return;
        case 7:
          mem.write16(a, st.fsw);
          return;
        default:
          return ud();
      }
    default:
      switch (reg) {
        case 0:
          return fild(st, mem, a, 16);
        case 2:
        case 3:
          if (fist(st, mem, a, 16) && reg === 3) st.pop();
          return;
        case 4:
          return fbld(st, mem, a);
        case 5:
          return fild(st, mem, a, 64);
        case 6:
          if (fbstp(st, mem, a)) st.pop();
          return;
        case 7:
          if (fist(st, mem, a, 64)) st.pop();
          return;
        default:
          return ud();
      }
  }
}

/** Binary register arithmetic: ST0 op ST(i) into ST0 (D8) or ST(i) (DC, DE with pop). */
function regArith(st: X87State, reg: number, i: number, dst: number, pops: number): void {
  if (st.isEmpty(0) || st.isEmpty(i)) return underflow(st, dst, pops);
  loadSt(st, false, 0);
  loadSt(st, true, i);
  arithOp(st, reg, dst, pops);
}

/** Register compare ST0 with ST(i). */
function regCompare(st: X87State, i: number, signaling: boolean, pops: number): void {
  if (st.isEmpty(0) || st.isEmpty(i)) {
    const masked = st.stackFault(false);
    setCompareCodes(st, CMP_UN);
    if (!masked) return;
    for (let k = 0; k < pops; k++) st.pop();
    return;
  }
  loadSt(st, false, 0);
  loadSt(st, true, i);
  fcom(st, signaling, pops);
}

function fcmov(st: X87State, cond: boolean, i: number): void {
  if (st.isEmpty(0) || st.isEmpty(i)) {
    underflow(st, 0, 0);
    return;
  }
  st.setC1(false);
  if (cond) st.setRaw(0, st.seOf(i), st.hiOf(i), st.loOf(i));
}

function fxch(st: X87State, i: number): void {
  if (st.isEmpty(0) || st.isEmpty(i)) {
    if (!st.stackFault(false)) return;
    if (st.isEmpty(0)) st.setRaw(0, 0xffff, 0xc0000000, 0);
    if (st.isEmpty(i)) st.setRaw(i, 0xffff, 0xc0000000, 0);
  }
  const se = st.seOf(0);
  const hi = st.hiOf(0);
  const lo = st.loOf(0);
  st.setRaw(0, st.seOf(i), st.hiOf(i), st.loOf(i));
  st.setRaw(i, se, hi, lo);
  st.setC1(false);
}

function execRegister(st: X87State, opcode: number, modrm: number, gpr: Uint32Array | undefined): void {
  const reg = (modrm >>> 3) & 7;
  const i = modrm & 7;
  const f = st.eflags;
  switch (opcode) {
    case 0xd8:
      if (reg === 2 || reg === 3) return regCompare(st, i, true, reg - 2);
      return regArith(st, reg, i, 0, 0);
    case 0xdc:
      if (reg === 2 || reg === 3) return regCompare(st, i, true, reg - 2);
      return regArith(st, reg, i, i, 0);
    case 0xde:
      if (reg === 2) return regCompare(st, i, true, 1);
      if (reg === 3) {
        if (i !== 1) return ud();
        return regCompare(st, 1, true, 2);
      }
      return regArith(st, reg, i, i, 1);
    case 0xd9:
      return execD9(st, modrm);
    case 0xda:
      switch (reg) {
        case 0:
          return fcmov(st, (f & EFL_CF) !== 0, i);
        case 1:
          return fcmov(st, (f & EFL_ZF) !== 0, i);
        case 2:
          return fcmov(st, (f & (EFL_CF | EFL_ZF)) !== 0, i);
        case 3:
          return fcmov(st, (f & EFL_PF) !== 0, i);
        case 5:
          if (i === 1) return regCompare(st, 1, false, 2);
          return ud();
        default:
          return ud();
      }
    case 0xdb:
      switch (reg) {
        case 0:
          return fcmov(st, (f & EFL_CF) === 0, i);
        case 1:
          return fcmov(st, (f & EFL_ZF) === 0, i);
        case 2:
          return fcmov(st, (f & (EFL_CF | EFL_ZF)) === 0, i);
        case 3:
          return fcmov(st, (f & EFL_PF) === 0, i);
        case 4:
          if (i === 2) st.sw &= ~0x80ff;
          else if (i === 3) st.init();
          else if (i > 4) return ud();
          return;
        case 5:
          return fcomi(st, i, false, false);
        case 6:
          return fcomi(st, i, true, false);
        default:
          return ud();
      }
    case 0xdd:
      switch (reg) {
        case 0:
          st.empty |= 1 << st.phys(i);
          return;
        case 1:
          return fxch(st, i);
        case 2:
        case 3:
          if (st.isEmpty(0)) return underflow(st, i, reg - 2);
          st.setRaw(i, st.seOf(0), st.hiOf(0), st.loOf(0));
          st.setC1(false);
          if (reg === 3) st.pop();
          return;
        case 4:
          return regCompare(st, i, false, 0);
        case 5:
          return regCompare(st, i, false, 1);
        default:
          return ud();
      }
    default:
      switch (reg) {
        case 0:
          st.empty |= 1 << st.phys(i);
          st.pop();
          return;
        case 1:
          return fxch(st, i);
        case 2:
        case 3:
          if (st.isEmpty(0)) return underflow(st, i, 1);
          st.setRaw(i, st.seOf(0), st.hiOf(0), st.loOf(0));
          st.setC1(false);
          st.pop();
          return;
        case 4:
          if (i !== 0) return ud();
          if (gpr) gpr[0] = ((gpr[0]! & 0xffff0000) | st.fsw) >>> 0;
          return;
        case 5:
          return fcomi(st, i, false, true);
        case 6:
          return fcomi(st, i, true, true);
        default:
          return ud();
      }
  }
}

/** One-operand ST0 operation through the core: `kind` picks the function. */
function unaryOp(st: X87State, fn: () => boolean, precisionControlled: boolean): void {
  if (st.isEmpty(0)) return underflow(st, 0, 0);
  loadSt(st, false, 0);
  out.exc = 0;
  if (precisionControlled) arithFormat(st);
  else extFormat(st);
  finish(st, fn(), 0, 0);
}

function execD9(st: X87State, modrm: number): void {
  const i = modrm & 7;
  if (modrm < 0xc8) {
    // FLD ST(i)
    if (st.isEmpty(i)) {
      if (!canPush(st)) return;
      if (!st.stackFault(false)) return;
      push(st, 0xffff, 0xc0000000, 0);
      return;
    }
    const se = st.seOf(i);
    const hi = st.hiOf(i);
    const lo = st.loOf(i);
    if (!canPush(st)) return;
    st.setC1(false);
    push(st, se, hi, lo);
    return;
  }
  if (modrm < 0xd0) return fxch(st, i);
  if (modrm === 0xd0) return;
  if (modrm >= 0xd8 && modrm < 0xe0) {
    if (st.isEmpty(0)) return underflow(st, i, 1);
    st.setRaw(i, st.seOf(0), st.hiOf(0), st.loOf(0));
    st.setC1(false);
    st.pop();
    return;
  }
  switch (modrm) {
    case 0xe0:
    case 0xe1:
      if (st.isEmpty(0)) return underflow(st, 0, 0);
      st.setRaw(0, modrm === 0xe0 ? st.seOf(0) ^ 0x8000 : st.seOf(0) & 0x7fff, st.hiOf(0), st.loOf(0));
      st.setC1(false);
      return;
    case 0xe4:
      if (st.isEmpty(0)) {
        st.stackFault(false);
        setCompareCodes(st, CMP_UN);
        return;
      }
      loadSt(st, false, 0);
      loadX(B, 0, 0, 0);
      return fcom(st, true, 0);
    case 0xe5: {
      const empty = st.isEmpty(0);
      const c = loadX(A, st.seOf(0), st.hiOf(0), st.loOf(0));
      st.sw = (st.sw & ~SW_CC) | fxamCodes(empty, st.seOf(0), c);
      return;
    }
    case 0xe8:
    case 0xe9:
    case 0xea:
    case 0xeb:
    case 0xec:
    case 0xed:
    case 0xee:
      if (!canPush(st)) return;
      constant(modrm - 0xe8, (st.fcw >>> 10) & 3);
      st.setC1(false);
      push(st, out.se, out.hi, out.lo);
      return;
    case 0xf0:
      return unaryOp(st, () => unaryTranscendental(3), false);
    case 0xf1:
      return twoOp(st, 1);
    case 0xf2:
      return trig(st, 2);
    case 0xf3:
      return twoOp(st, 0);
    case 0xf4:
      return fxtract(st);
    case 0xf5:
    case 0xf8:
      return fprem(st, modrm === 0xf5);
    case 0xf6:
      st.top = (st.top - 1) & 7;
      st.setC1(false);
      return;
    case 0xf7:
      st.top = (st.top + 1) & 7;
      st.setC1(false);
      return;
    case 0xf9:
      return twoOp(st, 2);
    case 0xfa:
      return unaryOp(st, sqrt, true);
    case 0xfb:
      return trig(st, 3);
    case 0xfc:
      return unaryOp(st, roundToInt, false);
    case 0xfd:
      if (st.isEmpty(0) || st.isEmpty(1)) return underflow(st, 0, 0);
      loadSt(st, false, 0);
      loadSt(st, true, 1);
      out.exc = 0;
      extFormat(st);
      finish(st, scale(), 0, 0);
      return;
    case 0xfe:
      return trig(st, 0);
    case 0xff:
      return trig(st, 1);
    default:
      return ud();
  }
}

/** FSIN (0), FCOS (1), FPTAN (2), FSINCOS (3). */
function trig(st: X87State, kind: number): void {
  if (st.isEmpty(0)) {
    underflow(st, 0, 0);
    if (kind >= 2 && (st.fcw & E_IE) !== 0) {
      if (!st.isEmpty(7)) st.stackFault(true);
      push(st, 0xffff, 0xc0000000, 0);
    }
    return;
  }
  if (kind >= 2 && !st.isEmpty(7)) {
    if (st.stackFault(true)) {
      st.setRaw(0, 0xffff, 0xc0000000, 0);
      push(st, 0xffff, 0xc0000000, 0);
    }
    return;
  }
  loadSt(st, false, 0);
  if (outOfTrigRange(A)) {
    st.sw |= SW_C2;
    return;
  }
  st.sw &= ~SW_C2;
  out.exc = 0;
  extFormat(st);
  if (kind === 3) {
    const xse = st.seOf(0);
    const xhi = st.hiOf(0);
    const xlo = st.loOf(0);
    if (!unaryTranscendental(0)) return finish(st, false, 0, 0);
    const sse = out.se;
    const shi = out.hi;
    const slo = out.lo;
    loadX(A, xse, xhi, xlo);
    const ok = unaryTranscendental(1);
    if (!ok) return finish(st, false, 0, 0);
    st.raise(out.exc);
    st.setC1(false);
    st.setRaw(0, sse, shi, slo);
    push(st, out.se, out.hi, out.lo);
    return;
  }
  const ok = unaryTranscendental(kind === 2 ? 2 : kind);
  finish(st, ok, 0, 0);
  if (ok && kind === 2) {
    if (((st.se[st.top]! & 0x7fff) === 0x7fff && (st.sig[2 * st.top + 1]! & 0x40000000) !== 0)) {
      push(st, st.seOf(0), st.hiOf(0), st.loOf(0));
    } else push(st, 0x3fff, 0x80000000, 0);
  }
}

/** FPATAN (0), FYL2X (1), FYL2XP1 (2): ST1 ← f(ST1, ST0), pop. */
function twoOp(st: X87State, kind: number): void {
  if (st.isEmpty(0) || st.isEmpty(1)) return underflow(st, 1, 1);
  loadSt(st, false, 0);
  loadSt(st, true, 1);
  out.exc = 0;
  extFormat(st);
  finish(st, binaryTranscendental(kind), 1, 1);
}

function fxtract(st: X87State): void {
  if (st.isEmpty(0)) {
    underflow(st, 0, 0);
    if ((st.fcw & E_IE) !== 0) {
      if (!st.isEmpty(7)) st.stackFault(true);
      push(st, 0xffff, 0xc0000000, 0);
    }
    return;
  }
  if (!st.isEmpty(7)) {
    if (st.stackFault(true)) {
      st.setRaw(0, 0xffff, 0xc0000000, 0);
      push(st, 0xffff, 0xc0000000, 0);
    }
    return;
  }
  loadSt(st, false, 0);
  out.exc = 0;
  extFormat(st);
  const ok = extract();
  st.raise(out.exc);
  if (!ok) return;
  st.setC1(false);
  st.setRaw(0, expOut.se, expOut.hi, expOut.lo);
  push(st, out.se, out.hi, out.lo);
}

function fprem(st: X87State, nearest: boolean): void {
  if (st.isEmpty(0) || st.isEmpty(1)) {
    underflow(st, 0, 0);
    return;
  }
  loadSt(st, false, 0);
  loadSt(st, true, 1);
  out.exc = 0;
  extFormat(st);
  const ok = rem(nearest);
  st.raise(out.exc);
  if (!ok) return;
  st.setFromOut(0);
  st.sw &= ~SW_CC;
  if (remState.partial) st.sw |= SW_C2;
  else {
    const q = remState.q;
    if ((q & 1) !== 0) st.sw |= SW_C1;
    if ((q & 2) !== 0) st.sw |= SW_C3;
    if ((q & 4) !== 0) st.sw |= SW_C0;
  }
}
