/**
 * Operand access for the instruction being executed: effective addresses from the decoded ModRM
 * fields, segment limit and type checks (#GP/#SS), r/m reads and writes, read-modify-write, and
 * the stack.
 */
import { GP, SEG_READ, SEG_WRITE, SS, SS_FAULT, ESP } from './constants.js';
import type { Core } from './core.js';
import { TLB_MASK, getReg, raise, setReg } from './core.js';
import { rd16, rd32, rd8, rdSize, readSlow, wr16, wr32, wr8, wrSize } from './linear.js';

/** The memory operand's offset (16- or 32-bit wrap applied). */
export function ea(c: Core): number {
  const m = c.mem;
  const off = c.r[m & 0x1f]! + (c.r[(m >>> 8) & 0x1f]! << ((m >>> 16) & 3)) + c.disp;
  return c.asz === 4 ? off >>> 0 : off & 0xffff;
}

/** Raises the fault for a bad access through segment `s`: #SS(0) for the stack, else #GP(0). */
export function segFault(_c: Core, s: number): never {
  return raise(_c, s === SS ? SS_FAULT : GP, 0);
}

/** Checks a read of `size` bytes at `off` in segment `s` and returns the linear address. */
export function segRead(c: Core, s: number, off: number, size: number): number {
  if (!(c.segAcc[s]! & SEG_READ) || off < c.segLo[s]! || off + size - 1 > c.segHi[s]!) segFault(c, s);
  return (c.segBase[s]! + off) >>> 0;
}

/** Checks a write of `size` bytes at `off` in segment `s` and returns the linear address. */
export function segWrite(c: Core, s: number, off: number, size: number): number {
  if (!(c.segAcc[s]! & SEG_WRITE) || off < c.segLo[s]! || off + size - 1 > c.segHi[s]!) segFault(c, s);
  return (c.segBase[s]! + off) >>> 0;
}

/** Reads `size` bytes at segment `s` offset `off`. */
export function readSeg(c: Core, s: number, off: number, size: number): number {
  return rdSize(c, segRead(c, s, off, size), size);
}

/** Writes `size` bytes at segment `s` offset `off`. */
export function writeSeg(c: Core, s: number, off: number, size: number, v: number): void {
  wrSize(c, segWrite(c, s, off, size), size, v);
}

/** The r/m operand's register index (mod = 3). */
export function rmReg(c: Core): number {
  return c.modrm & 7;
}

/** The reg field of ModRM. */
export function regField(c: Core): number {
  return (c.modrm >>> 3) & 7;
}

/** Whether the r/m operand is a register. */
export function rmIsReg(c: Core): boolean {
  return c.modrm >= 0xc0;
}

/** Reads the r/m operand. */
export function getRM(c: Core, size: number): number {
  if (c.modrm >= 0xc0) return getReg(c, size, c.modrm & 7);
  const lin = segRead(c, c.seg, ea(c), size);
  return size === 4 ? rd32(c, lin) : size === 2 ? rd16(c, lin) : rd8(c, lin);
}

/** Writes the r/m operand. */
export function setRM(c: Core, size: number, v: number): void {
  if (c.modrm >= 0xc0) { setReg(c, size, c.modrm & 7, v); return; }
  const lin = segWrite(c, c.seg, ea(c), size);
  if (size === 4) wr32(c, lin, v); else if (size === 2) wr16(c, lin, v); else wr8(c, lin, v);
}

/** Reads the r/m operand of a read-modify-write (the memory form is checked for writing first). */
export function rmwGet(c: Core, size: number): number {
  if (c.modrm >= 0xc0) return getReg(c, size, c.modrm & 7);
  const off = ea(c);
  segRead(c, c.seg, off, size);
  const lin = segWrite(c, c.seg, off, size);
  c.rmwLin = lin;
  // Read with write permission so a read-only page faults as a write (#PF W=1).
  const v = rdWriteable(c, lin, size);
  return v;
}

function rdWriteable(c: Core, lin: number, size: number): number {
  const lp = lin >>> 12, s = lp & TLB_MASK, o = lin & 0xfff;
  if (c.tlbLp[s] === lp && c.tlbFast[s]! & c.permW && o <= 4096 - size) {
    const m = c.tlbMem[s]!;
    if (size === 1) return m[o]!;
    if (size === 2) return m[o]! | (m[o + 1]! << 8);
    return (m[o]! | (m[o + 1]! << 8) | (m[o + 2]! << 16) | (m[o + 3]! << 24)) >>> 0;
  }
  return readSlow(c, lin, size, c.permW);
}

/** Writes back the r/m operand of a read-modify-write. */
export function rmwSet(c: Core, size: number, v: number): void {
  if (c.modrm >= 0xc0) { setReg(c, size, c.modrm & 7, v); return; }
  const lin = c.rmwLin;
  if (size === 4) wr32(c, lin, v); else if (size === 2) wr16(c, lin, v); else wr8(c, lin, v);
}

/** The current stack pointer (ESP or SP). */
export function sp(c: Core): number {
  return c.stack32 ? c.r[ESP]! : c.r[ESP]! & 0xffff;
}

/** Sets the stack pointer keeping the upper half for a 16-bit stack. */
export function setSp(c: Core, v: number): void {
  if (c.stack32) c.r[ESP] = v;
  else c.r[ESP] = (c.r[ESP]! & 0xffff0000) | (v & 0xffff);
}

/** Pushes a value of `size` bytes. */
export function push(c: Core, size: number, v: number): void {
  const s = c.stack32 ? (c.r[ESP]! - size) >>> 0 : (c.r[ESP]! - size) & 0xffff;
  const lin = segWrite(c, SS, s, size);
  if (size === 4) wr32(c, lin, v); else wr16(c, lin, v);
  setSp(c, s);
}

/** Reads the value `depth` bytes above the top of the stack without popping. */
export function peek(c: Core, size: number, depth: number): number {
  const s = c.stack32 ? (c.r[ESP]! + depth) >>> 0 : (c.r[ESP]! + depth) & 0xffff;
  const lin = segRead(c, SS, s, size);
  return size === 4 ? rd32(c, lin) : rd16(c, lin);
}

/** Pops a value of `size` bytes. */
export function pop(c: Core, size: number): number {
  const v = peek(c, size, 0);
  setSp(c, sp(c) + size);
  return v;
}
