/**
 * Linear-address reads and writes through the software TLB: a hit on a RAM page reads or writes
 * the backing array directly; a miss walks the page tables; MMIO, ROM and pages holding decoded
 * code take the slow path (which drops the decoded code on a write).
 */
import type { Core } from './core.js';
import { P_RS, P_RU, P_WS, P_WU, P_XS, P_XU, TLB_MASK, raise } from './core.js';
import { ACC_EXEC, ACC_READ, ACC_WRITE, walk } from './paging.js';
import { codeWritten } from './code-pages.js';
import { AC, AC_FAULT, CR0_AM } from './constants.js';

/** Supervisor permission bits for implicit system accesses (descriptor tables, TSS, IDT). */
export const SYS_READ = P_RS, SYS_WRITE = P_WS;

function slotFor(c: Core, lin: number, perm: number): number {
  const lp = lin >>> 12;
  const slot = lp & TLB_MASK;
  if (c.tlbLp[slot] === lp && (c.tlbAllow[slot]! & perm) !== 0) return slot;
  const kind = perm & (P_WS | P_WU) ? ACC_WRITE : perm & (P_XS | P_XU) ? ACC_EXEC : ACC_READ;
  const user = (perm & (P_RU | P_WU | P_XU)) !== 0;
  return walk(c, lin, kind, user);
}

function physByteRead(c: Core, slot: number, lin: number): number {
  const mem = c.tlbMem[slot];
  if (mem) return mem[lin & 0xfff]!;
  return c.memory.mmioRead(((c.tlbPfn[slot]! << 12) | (lin & 0xfff)) >>> 0, 1) & 0xff;
}

/** Raises #AC(0) for a misaligned `size`-byte user data access while alignment checking is on. */
export function checkAlign(c: Core, lin: number, size: number, perm: number): void {
  if (c.alignCheck && (lin & (size - 1)) !== 0 && (perm & (P_RU | P_WU)) !== 0) raise(c, AC_FAULT, 0);
}

/** Reads `size` bytes (1, 2, 4) at `lin` with permission `perm` (the slow path; any alignment). */
export function readSlow(c: Core, lin: number, size: number, perm: number): number {
  lin >>>= 0;
  // #AC comes before the page walk (a misaligned access to a missing page is #AC on the host).
  checkAlign(c, lin, size, perm);
  const slot = slotFor(c, lin, perm);
  const off = lin & 0xfff;
  if (off + size <= 4096) {
    const mem = c.tlbMem[slot];
    if (!mem) return c.memory.mmioRead(((c.tlbPfn[slot]! << 12) | off) >>> 0, size as 1 | 2 | 4) >>> 0;
    if (size === 1) return mem[off]!;
    if (size === 2) return mem[off]! | (mem[off + 1]! << 8);
    return (mem[off]! | (mem[off + 1]! << 8) | (mem[off + 2]! << 16) | (mem[off + 3]! << 24)) >>> 0;
  }
  // Crosses a page boundary: both pages must translate before any byte is used; a fault on the
  // second page reports its first byte in CR2, as hardware does.
  slotFor(c, ((lin | 0xfff) + 1) >>> 0, perm);
  let v = 0;
  for (let i = 0; i < size; i++) {
    const a = (lin + i) >>> 0;
    v |= physByteRead(c, slotFor(c, a, perm), a) << (8 * i);
  }
  return v >>> 0;
}

function writeBytes(c: Core, slot: number, lin: number, size: number, v: number): void {
  const pfn = c.tlbPfn[slot]!;
  const off = lin & 0xfff;
  const mem = c.tlbMem[slot];
  if (mem && c.tlbRamW[slot]) {
    if (c.codePage[pfn]) codeWritten(c, pfn, off, size);
    mem[off] = v;
    if (size > 1) { mem[off + 1] = v >>> 8; if (size > 2) { mem[off + 2] = v >>> 16; mem[off + 3] = v >>> 24; } }
    // A page without code takes later writes on the fast path.
    if (!c.codePage[pfn]) c.tlbFast[slot]! |= c.tlbAllow[slot]! & (c.alignCheck ? P_WS : P_WS | P_WU);
    return;
  }
  c.memory.mmioWrite(((pfn << 12) | off) >>> 0, size as 1 | 2 | 4, size === 4 ? v >>> 0 : v & (size === 2 ? 0xffff : 0xff));
  c.breakBlock = true;
}

/** Writes `size` bytes at `lin` with permission `perm` (the slow path; all-or-nothing across pages). */
export function writeSlow(c: Core, lin: number, size: number, v: number, perm: number): void {
  lin >>>= 0;
  checkAlign(c, lin, size, perm);
  const slot = slotFor(c, lin, perm);
  if ((lin & 0xfff) + size <= 4096) {
    writeBytes(c, slot, lin, size, v);
    return;
  }
  slotFor(c, ((lin | 0xfff) + 1) >>> 0, perm);
  for (let i = 0; i < size; i++) {
    const a = (lin + i) >>> 0;
    writeBytes(c, slotFor(c, a, perm), a, 1, (v >>> (8 * i)) & 0xff);
  }
}

/** Faults now if [lin, lin+len) cannot all be accessed with permission `perm` (CR2: the first byte of the failing page). */
export function probeWrite(c: Core, lin: number, len: number, perm: number): void {
  if (len <= 0) return;
  let a = lin >>> 0;
  const end = a + len;
  while (a < end) {
    slotFor(c, a >>> 0, perm);
    a = ((a | 0xfff) >>> 0) + 1;
  }
}

/** Reads a byte at a linear address with the current privilege. */
export function rd8(c: Core, lin: number): number {
  const lp = lin >>> 12, s = lp & TLB_MASK;
  if (c.tlbLp[s] === lp && c.tlbFast[s]! & c.permR) return c.tlbMem[s]![lin & 0xfff]!;
  return readSlow(c, lin, 1, c.permR);
}

/** Reads a word at a linear address with the current privilege. */
export function rd16(c: Core, lin: number): number {
  const lp = lin >>> 12, s = lp & TLB_MASK, o = lin & 0xfff;
  if (c.tlbLp[s] === lp && c.tlbFast[s]! & c.permR && o < 0xfff) {
    const m = c.tlbMem[s]!;
    return m[o]! | (m[o + 1]! << 8);
  }
  return readSlow(c, lin, 2, c.permR);
}

/** Reads a dword at a linear address with the current privilege (unsigned). */
export function rd32(c: Core, lin: number): number {
  const lp = lin >>> 12, s = lp & TLB_MASK, o = lin & 0xfff;
  if (c.tlbLp[s] === lp && c.tlbFast[s]! & c.permR && o < 0xffd) {
    const m = c.tlbMem[s]!;
    return (m[o]! | (m[o + 1]! << 8) | (m[o + 2]! << 16) | (m[o + 3]! << 24)) >>> 0;
  }
  return readSlow(c, lin, 4, c.permR);
}

/** Writes a byte at a linear address with the current privilege. */
export function wr8(c: Core, lin: number, v: number): void {
  const lp = lin >>> 12, s = lp & TLB_MASK;
  if (c.tlbLp[s] === lp && c.tlbFast[s]! & c.permW) { c.tlbMem[s]![lin & 0xfff] = v; return; }
  writeSlow(c, lin, 1, v, c.permW);
}

/** Writes a word at a linear address with the current privilege. */
export function wr16(c: Core, lin: number, v: number): void {
  const lp = lin >>> 12, s = lp & TLB_MASK, o = lin & 0xfff;
  if (c.tlbLp[s] === lp && c.tlbFast[s]! & c.permW && o < 0xfff) {
    const m = c.tlbMem[s]!;
    m[o] = v; m[o + 1] = v >>> 8;
    return;
  }
  writeSlow(c, lin, 2, v, c.permW);
}

/** Writes a dword at a linear address with the current privilege. */
export function wr32(c: Core, lin: number, v: number): void {
  const lp = lin >>> 12, s = lp & TLB_MASK, o = lin & 0xfff;
  if (c.tlbLp[s] === lp && c.tlbFast[s]! & c.permW && o < 0xffd) {
    const m = c.tlbMem[s]!;
    m[o] = v; m[o + 1] = v >>> 8; m[o + 2] = v >>> 16; m[o + 3] = v >>> 24;
    return;
  }
  writeSlow(c, lin, 4, v, c.permW);
}

/** Reads `size` bytes with the current privilege. */
export function rdSize(c: Core, lin: number, size: number): number {
  return size === 4 ? rd32(c, lin) : size === 2 ? rd16(c, lin) : rd8(c, lin);
}

/** Writes `size` bytes with the current privilege. */
export function wrSize(c: Core, lin: number, size: number, v: number): void {
  if (size === 4) wr32(c, lin, v);
  else if (size === 2) wr16(c, lin, v);
  else wr8(c, lin, v);
}

/** Supervisor (implicit) read of a descriptor table, TSS or IDT entry. */
export function sysRead(c: Core, lin: number, size: number): number {
  return readSlow(c, lin, size, P_RS);
}

/** Supervisor (implicit) write (accessed bits, busy bits, TSS save). */
export function sysWrite(c: Core, lin: number, size: number, v: number): void {
  writeSlow(c, lin, size, v, P_WS);
}

/** Instruction-fetch read of one byte. */
export function fetch8(c: Core, lin: number): number {
  const lp = lin >>> 12, s = lp & TLB_MASK;
  if (c.tlbLp[s] === lp && c.tlbFast[s]! & c.permX) return c.tlbMem[s]![lin & 0xfff]!;
  return readSlow(c, lin, 1, c.permX);
}

/** Updates the access permission masks after CPL changed. */
export function setCpl(c: Core, cpl: number): void {
  c.cpl = cpl;
  const user = cpl === 3;
  c.permR = user ? P_RU : P_RS;
  c.permW = user ? P_WU : P_WS;
  c.permX = user ? P_XU : P_XS;
  updateAlignCheck(c);
}

/**
 * Recomputes whether alignment checking is on (CR0.AM, EFLAGS.AC, CPL 3; SDM vol. 3 6.15 #AC).
 * Call after CR0, EFLAGS.AC or the CPL may have changed. While it is on, user data accesses leave
 * the TLB fast path so the slow path can check alignment; the fast path itself never tests it.
 */
export function updateAlignCheck(c: Core): void {
  const on = c.cpl === 3 && (c.cr0 & CR0_AM) !== 0 && (c.flags & AC) !== 0;
  if (on === c.alignCheck) return;
  c.alignCheck = on;
  for (let i = 0; i < c.tlbUsedCount; i++) {
    const slot = c.tlbUsed[i]!;
    if (c.tlbLp[slot] === -1) continue;
    const mem = c.tlbMem[slot];
    let fast = mem ? c.tlbAllow[slot]! : 0;
    if (!c.tlbRamW[slot] || c.codePage[c.tlbPfn[slot]!]) fast &= ~(P_WS | P_WU);
    if (on) fast &= ~(P_RU | P_WU);
    c.tlbFast[slot] = fast;
  }
}
