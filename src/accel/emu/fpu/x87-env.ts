/**
 * FSTENV/FLDENV and FSAVE/FRSTOR images in the four layouts of SDM vol. 1 §8.1.10 (figures 8-9 to
 * 8-12): 14 or 28 bytes of environment, real-address or protected, followed for FSAVE by ST0..ST7
 * as 10-byte registers. In real and v86 mode the instruction and operand pointers are stored as
 * 20-bit linear addresses (segment × 16 + offset).
 */
import type { EmuFpuOperand, EmuLinearMemory } from '../contract.js';
import { loadedFcw, type X87State } from './x87-state.js';

/** Size of the environment image for an operand size. */
export function envSize(operand32: boolean): number {
  return operand32 ? 28 : 14;
}

/** Stores the environment at `a` (the caller probes the whole image first). */
export function storeEnv(st: X87State, op: EmuFpuOperand, mem: EmuLinearMemory, a: number): void {
  const real = op.realOrV86;
  const ip = real ? ((st.fcs << 4) + st.fip) >>> 0 : st.fip;
  const dp = real ? ((st.fds << 4) + st.fdp) >>> 0 : st.fdp;
  if (op.operand32) {
    mem.write32(a, 0xffff0000 | st.fcw);
    mem.write32(a + 4, 0xffff0000 | st.fsw);
    mem.write32(a + 8, 0xffff0000 | st.tagWord);
    if (real) {
      mem.write32(a + 12, 0xffff0000 | (ip & 0xffff));
      mem.write32(a + 16, (((ip >>> 16) << 12) | (st.fop & 0x7ff)) >>> 0);
      mem.write32(a + 20, 0xffff0000 | (dp & 0xffff));
      mem.write32(a + 24, ((dp >>> 16) << 12) >>> 0);
    } else {
      mem.write32(a + 12, ip);
      mem.write32(a + 16, (((st.fop & 0x7ff) << 16) | (st.fcs & 0xffff)) >>> 0);
      mem.write32(a + 20, dp);
      mem.write32(a + 24, 0xffff0000 | (st.fds & 0xffff));
    }
  } else {
    mem.write16(a, st.fcw);
    mem.write16(a + 2, st.fsw);
    mem.write16(a + 4, st.tagWord);
    if (real) {
      mem.write16(a + 6, ip & 0xffff);
      mem.write16(a + 8, (((ip >>> 16) & 0xf) << 12) | (st.fop & 0x7ff));
      mem.write16(a + 10, dp & 0xffff);
      mem.write16(a + 12, ((dp >>> 16) & 0xf) << 12);
    } else {
      mem.write16(a + 6, ip & 0xffff);
      mem.write16(a + 8, st.fcs & 0xffff);
      mem.write16(a + 10, dp & 0xffff);
      mem.write16(a + 12, st.fds & 0xffff);
    }
  }
}

/** Loads the environment from `a` (everything is read before the state changes). */
export function loadEnv(st: X87State, op: EmuFpuOperand, mem: EmuLinearMemory, a: number): void {
  const real = op.realOrV86;
  let fcw: number;
  let fsw: number;
  let ftw: number;
  let fip: number;
  let fop: number;
  let fcs = 0;
  let fdp: number;
  let fds = 0;
  if (op.operand32) {
    fcw = mem.read32(a) & 0xffff;
    fsw = mem.read32(a + 4) & 0xffff;
    ftw = mem.read32(a + 8) & 0xffff;
    const w12 = mem.read32(a + 12) >>> 0;
    const w16 = mem.read32(a + 16) >>> 0;
    const w20 = mem.read32(a + 20) >>> 0;
    const w24 = mem.read32(a + 24) >>> 0;
    if (real) {
      fip = ((w12 & 0xffff) | (((w16 >>> 12) & 0xffff) << 16)) >>> 0;
      fop = w16 & 0x7ff;
      fdp = ((w20 & 0xffff) | (((w24 >>> 12) & 0xffff) << 16)) >>> 0;
    } else {
      fip = w12;
      fcs = w16 & 0xffff;
      fop = (w16 >>> 16) & 0x7ff;
      fdp = w20;
      fds = w24 & 0xffff;
    }
  } else {
    fcw = mem.read16(a);
    fsw = mem.read16(a + 2);
    ftw = mem.read16(a + 4);
    const w6 = mem.read16(a + 6);
    const w8 = mem.read16(a + 8);
    const w10 = mem.read16(a + 10);
    const w12 = mem.read16(a + 12);
    if (real) {
      fip = w6 | ((w8 >>> 12) << 16);
      fop = w8 & 0x7ff;
      fdp = w10 | ((w12 >>> 12) << 16);
    } else {
      fip = w6;
      fcs = w8;
      fop = st.fop;
      fdp = w10;
      fds = w12;
    }
  }
  st.fip = fip;
  st.fcs = fcs;
  st.fop = fop;
  st.fdp = fdp;
  st.fds = fds;
  st.fcw = loadedFcw(fcw);
  st.setTagWord(ftw);
  st.setFsw(fsw);
}

/** Stores one 80-bit register image at `a`. */
export function storeReg80(mem: EmuLinearMemory, a: number, se: number, hi: number, lo: number): void {
  mem.write32(a, lo);
  mem.write32(a + 4, hi);
  mem.write16(a + 8, se);
}

/** FNSAVE image: environment then ST0..ST7. */
export function storeState(st: X87State, op: EmuFpuOperand, mem: EmuLinearMemory, a: number): void {
  const n = envSize(op.operand32);
  storeEnv(st, op, mem, a);
  for (let i = 0; i < 8; i++) storeReg80(mem, a + n + 10 * i, st.seOf(i), st.hiOf(i), st.loOf(i));
}

/** FRSTOR image: environment then ST0..ST7 (relative to the loaded TOP). */
export function loadState(st: X87State, op: EmuFpuOperand, mem: EmuLinearMemory, a: number): void {
  const n = envSize(op.operand32);
  // read registers first so a fault leaves the state alone
  const regs = scratchRegs;
  for (let i = 0; i < 8; i++) {
    const b = a + n + 10 * i;
    regs[3 * i] = mem.read32(b) >>> 0;
    regs[3 * i + 1] = mem.read32(b + 4) >>> 0;
    regs[3 * i + 2] = mem.read16(b + 8);
  }
  loadEnv(st, op, mem, a);
  const keepEmpty = st.empty;
  for (let i = 0; i < 8; i++) st.setRaw(i, regs[3 * i + 2]!, regs[3 * i + 1]!, regs[3 * i]!);
  st.empty = keepEmpty;
}

const scratchRegs = new Float64Array(24);
