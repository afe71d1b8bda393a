/** The two-byte (0F) opcode map: system instructions, Jcc/SETcc/CMOVcc, bit operations, CMPXCHG, XADD, MOVZX/MOVSX, BSWAP and the SIMD hand-off. */
import { CF, EAX, EBX, ECX, EDX, FS, GP, GS, SS, UD, ZF } from './constants.js';
import type { Core } from './core.js';
import { getReg, raise, setReg, signExtend, sizeMask } from './core.js';
import { alu, imulTrunc, shiftDouble } from './alu.js';
import { condition, lazyResult, setFlagBits, getFlags } from './flags.js';
import { ea, getRM, readSeg, regField, rmwGet, rmwSet, setRM, segRead, segWrite } from './operands.js';
import { loadFarPointer, nearJump, popSeg, pushSeg } from './exec-main.js';
import { clts, cpuidInsn, group6, group7, larLsl, movControl, msrAccess, rdtsc, sysenter } from './system-ops.js';
import { fpuGroup15, fpuSimd } from './fpu-bridge.js';
import { rd32, wr32, wrSize } from './linear.js';

/** Executes an instruction of the 0F map (c.op in 0x100..0x3FF). */
export function execTwoByte(c: Core): void {
  const op = c.op, osz = c.osz;
  if (op >= 0x180 && op <= 0x18f) {
    if (condition(c, op & 15)) {
      const t = c.nextEip + c.imm;
      nearJump(c, osz === 4 ? t >>> 0 : t & 0xffff);
    }
    return;
  }
  if (op >= 0x140 && op <= 0x14f) {
    const v = getRM(c, osz);
    if (condition(c, op & 15)) setReg(c, osz, regField(c), v);
    return;
  }
  if (op >= 0x190 && op <= 0x19f) { setRM(c, 1, condition(c, op & 15) ? 1 : 0); return; }
  if (op >= 0x1c8 && op <= 0x1cf) {
    const i = op & 7, v = c.r[i]!;
    c.r[i] = osz === 4 ? ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24)) : v & 0xffff0000;
    return;
  }
  switch (op) {
    case 0x100: group6(c); return;
    case 0x101: group7(c); return;
    case 0x102: larLsl(c, false); return;
    case 0x103: larLsl(c, true); return;
    case 0x106: clts(c); return;
    case 0x108: case 0x109: if (c.cpl !== 0 || (c.cr0 & 1 && c.flags & 0x20000)) raise(c, GP, 0); return;
    case 0x10d: case 0x118: case 0x119: case 0x11a: case 0x11b: case 0x11c: case 0x11d: case 0x11e: case 0x11f: return;
    case 0x120: case 0x121: case 0x122: case 0x123: movControl(c, op); return;
    case 0x130: msrAccess(c, true); return;
    case 0x131: rdtsc(c); return;
    case 0x132: msrAccess(c, false); return;
    case 0x134: sysenter(c, false); return;
    case 0x135: sysenter(c, true); return;
    case 0x1a0: pushSeg(c, FS); return;
    case 0x1a1: popSeg(c, FS); return;
    case 0x1a2: cpuidInsn(c); return;
    case 0x1a8: pushSeg(c, GS); return;
    case 0x1a9: popSeg(c, GS); return;
    case 0x1a3: case 0x1ab: case 0x1b3: case 0x1bb:
      bitOp(c, op === 0x1a3 ? 0 : op === 0x1ab ? 1 : op === 0x1b3 ? 2 : 3, getReg(c, osz, regField(c)), false); return;
    case 0x1ba: {
      const n = regField(c);
      if (n < 4) raise(c, UD);
      bitOp(c, n - 4, c.imm & 0xff, true); return;
    }
    case 0x1a4: case 0x1a5: case 0x1ac: case 0x1ad: {
      const count = op & 1 ? c.r[ECX]! & 31 : c.imm & 31;
      const d = rmwGet(c, osz);
      rmwSet(c, osz, shiftDouble(c, op < 0x1ac, d, getReg(c, osz, regField(c)), count, osz));
      return;
    }
    case 0x1ae: fpuGroup15(c); return;
    case 0x1af: { const r = regField(c); setReg(c, osz, r, imulTrunc(c, getReg(c, osz, r), getRM(c, osz), osz)); return; }
    case 0x1b0: case 0x1b1: {
      const size = op & 1 ? osz : 1;
      const d = rmwGet(c, size), acc = getReg(c, size, EAX);
      alu(c, 7, acc, d, size);
      if (acc === d) rmwSet(c, size, getReg(c, size, regField(c)));
      else { rmwSet(c, size, d); setReg(c, size, EAX, d); }
      return;
    }
    case 0x1b2: loadFarPointer(c, SS); return;
    case 0x1b4: loadFarPointer(c, FS); return;
    case 0x1b5: loadFarPointer(c, GS); return;
    case 0x1b6: setReg(c, osz, regField(c), getRM(c, 1)); return;
    case 0x1b7: setReg(c, osz, regField(c), getRM(c, 2)); return;
    case 0x1be: setReg(c, osz, regField(c), signExtend(getRM(c, 1), 1) & sizeMask(osz)); return;
    case 0x1bf: setReg(c, osz, regField(c), signExtend(getRM(c, 2), 2) & sizeMask(osz)); return;
    case 0x1bc: case 0x1bd: {
      const v = getRM(c, osz) & sizeMask(osz);
      if (v === 0) { setFlagBits(c, ZF, ZF); return; }
      const idx = op === 0x1bc ? 31 - Math.clz32(v & -v) : 31 - Math.clz32(v);
      setReg(c, osz, regField(c), idx);
      lazyResult(c, 1, osz, CF | 0x800 | 0x10, getFlags(c) & CF);
      return;
    }
    case 0x1c0: case 0x1c1: {
      const size = op & 1 ? osz : 1;
      const d = rmwGet(c, size), r = regField(c), s = getReg(c, size, r);
      const sum = alu(c, 0, d, s, size);
      setReg(c, size, r, d);
      rmwSet(c, size, sum);
      return;
    }
    case 0x1c7: cmpxchg8b(c); return;
    default:
      if (op === 0x10b || op === 0x1b9 || op === 0x1ff) raise(c, UD);
      fpuSimd(c);
  }
}

/** BT/BTS/BTR/BTC (n 0..3) with a register or immediate bit offset. */
function bitOp(c: Core, n: number, offset: number, immediate: boolean): void {
  const size = c.osz, bits = size * 8;
  let v: number, bit: number;
  let lin = 0;
  if (c.modrm >= 0xc0) {
    bit = offset & (bits - 1);
    v = getReg(c, size, c.modrm & 7);
  } else {
    let off = ea(c);
    if (immediate) bit = offset & (bits - 1);
    else {
      const so = signExtend(offset, size);
      off = (off + Math.floor(so / bits) * size) & (c.asz === 4 ? 0xffffffff : 0xffff);
      off >>>= 0;
      bit = so & (bits - 1);
    }
    lin = n === 0 ? segRead(c, c.seg, off, size) : segWrite(c, c.seg, off, size);
    v = readSeg(c, c.seg, off, size);
    c.rmwLin = lin;
  }
  const cf = (v >>> bit) & 1;
  setFlagBits(c, CF, cf);
  if (n === 0) return;
  const m = 1 << bit;
  const r = n === 1 ? v | m : n === 2 ? v & ~m : v ^ m;
  if (c.modrm >= 0xc0) setReg(c, size, c.modrm & 7, r);
  else writeSegLin(c, lin, size, r);
}

function writeSegLin(c: Core, lin: number, size: number, v: number): void {
  wrSize(c, lin, size, v);
}

function cmpxchg8b(c: Core): void {
  if (regField(c) !== 1 || c.modrm >= 0xc0) raise(c, UD);
  const off = ea(c);
  const lin = segWrite(c, c.seg, off, 8);
  segRead(c, c.seg, off, 8);
  const lo = rd32(c, lin), hi = rd32(c, lin + 4);
  if (lo === c.r[EAX] && hi === c.r[EDX]) {
    wr32(c, lin, c.r[EBX]!); wr32(c, lin + 4, c.r[ECX]!);
    setFlagBits(c, ZF, ZF);
  } else {
    wr32(c, lin, lo); wr32(c, lin + 4, hi);
    c.r[EAX] = lo; c.r[EDX] = hi;
    setFlagBits(c, ZF, 0);
  }
}

