/**
 * Small helpers shared by the qcow2 files: typed error constructors, big-endian field access
 * that never goes through floating point for 64-bit values, and an async mutex.
 */
import { BlockError } from '../../driver.js';
import { hex } from '../../../errors.js';

/** Error for "this file is not a qcow2 image at all". */
export function invalidFormat(message: string, context: Record<string, unknown> = {}): BlockError {
  return new BlockError('invalid-format', message, context);
}

/** Error for "a qcow2 image whose metadata is inconsistent or out of bounds". */
export function corrupt(message: string, context: Record<string, unknown> = {}, cause?: unknown): BlockError {
  return new BlockError('corrupt-image', message, context, cause);
}

/** Error for "a valid qcow2 feature this driver does not implement". */
export function unsupported(message: string, context: Record<string, unknown> = {}): BlockError {
  return new BlockError('unsupported-feature', message, context);
}

/** Reads a big-endian u64 as a bigint (header fields are validated before use). */
export function u64(dv: DataView, off: number): bigint {
  return dv.getBigUint64(off, false);
}

/**
 * Converts a u64 metadata field to a number after checking it is a safe integer; `what` names
 * the field for the error message.
 */
export function safeOffset(v: bigint, what: string, context: Record<string, unknown> = {}): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw corrupt(`${what} ${hex(v)} is too large to be a valid offset; the image is damaged`, context);
  }
  return Number(v);
}

/** Offset bits 9..55 of an L1/L2/reftable entry held as (hi, lo) u32 halves. */
export function entryOffset(hi: number, lo: number): number {
  return (hi & 0x00ffffff) * 0x1_0000_0000 + ((lo & ~0x1ff) >>> 0);
}

/**
 * Big-endian u32 at `off` of `b`. The per-cluster table accessors use this and setBe32 rather
 * than a DataView: constructing one per call is a runtime call that shows in copy profiles.
 */
export function be32(b: Uint8Array, off: number): number {
  return ((b[off] as number) * 0x100_0000) + (((b[off + 1] as number) << 16) | ((b[off + 2] as number) << 8) | (b[off + 3] as number));
}

/** Writes `v` (0 .. 2^32-1) as a big-endian u32 at `off` of `b`. */
export function setBe32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = v >>> 16;
  b[off + 2] = v >>> 8;
  b[off + 3] = v;
}

/** Writes `value` (< 2^56) big-endian at `off` of `b`, OR-ing `flagsHi` into the high word. */
export function setBe64(b: Uint8Array, off: number, value: number, flagsHi = 0): void {
  setBe32(b, off, (Math.floor(value / 0x1_0000_0000) | flagsHi) >>> 0);
  setBe32(b, off + 4, value >>> 0);
}

/** Splits a number offset (< 2^56) into (hi, lo) u32 halves for writing big-endian. */
export function setU64(dv: DataView, off: number, value: number, flagsHi = 0): void {
  const hi = Math.floor(value / 0x1_0000_0000);
  const lo = value >>> 0;
  dv.setUint32(off, (hi | flagsHi) >>> 0, false);
  dv.setUint32(off + 4, lo, false);
}

/** Reads a u64 that must fit a safe integer as a number, or returns undefined. */
export function getSafeU64(dv: DataView, off: number): number | undefined {
  const hi = dv.getUint32(off, false);
  const lo = dv.getUint32(off + 4, false);
  if (hi > 0x1fffff) return undefined;
  return hi * 0x1_0000_0000 + lo;
}

/** Rounds up to a multiple of `align` (a power of two or any positive integer). */
export function roundUp(v: number, align: number): number {
  return Math.ceil(v / align) * align;
}

/** Serialises async critical sections (allocation, metadata updates) in FIFO order. */
export { Mutex } from '../../mutex.js';
