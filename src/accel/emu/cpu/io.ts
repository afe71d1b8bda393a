/** Port I/O with the protected-mode permission checks: IOPL, and the TSS I/O bitmap for CPL > IOPL and v8086 mode. */
import { GP, IOPL, TR, VM } from './constants.js';
import type { Core } from './core.js';
import { raise } from './core.js';
import { sysRead } from './linear.js';

/** Raises #GP(0) unless the current task may access `size` ports at `port`. */
export function checkIoPermission(c: Core, port: number, size: number): void {
  if (!(c.cr0 & 1)) return;
  if (!(c.flags & VM) && c.cpl <= (c.flags & IOPL) >>> 12) return;
  const type = c.segAttr[TR]! & 0xf;
  if ((type !== 9 && type !== 11) || c.segLimit[TR]! < 0x67) raise(c, GP, 0);
  const base = c.segBase[TR]!;
  const map = sysRead(c, base + 0x66, 2);
  const off = map + (port >>> 3);
  if (off + 1 > c.segLimit[TR]!) raise(c, GP, 0);
  const bits = sysRead(c, base + off, 2);
  if (bits & (((1 << size) - 1) << (port & 7))) raise(c, GP, 0);
}

/** Reads a port without checks. */
export function portInRaw(c: Core, port: number, size: number): number {
  const v = c.io.ioRead(port, size as 1 | 2 | 4);
  return size === 4 ? v >>> 0 : v & (size === 2 ? 0xffff : 0xff);
}

/** Writes a port without checks. */
export function portOutRaw(c: Core, port: number, size: number, v: number): void {
  c.io.ioWrite(port, size as 1 | 2 | 4, size === 4 ? v >>> 0 : v & (size === 2 ? 0xffff : 0xff));
}

/** IN: checks permission, reads, and ends the block (devices may have changed interrupt state or the memory map). */
export function portIn(c: Core, port: number, size: number): number {
  checkIoPermission(c, port, size);
  c.breakBlock = true;
  return portInRaw(c, port, size);
}

/** OUT: checks permission, writes, ends the block. */
export function portOut(c: Core, port: number, size: number, v: number): void {
  checkIoPermission(c, port, size);
  c.breakBlock = true;
  portOutRaw(c, port, size, v);
}
