/**
 * L1 and L2 entries: decoding into a typed mapping and encoding back.
 *
 * Threat note: entries come from the image. Host offsets are checked for alignment, for reserved
 * bits and against the file size by the callers (`validateHost`) before any read; a compressed
 * descriptor is bounded by compress.ts.
 */
import { decodeCompressed, type CompressedRange } from './compressed-entry.js';
import { be32, corrupt, entryOffset, setBe32, setBe64, setU64 } from './util.js';

/** COPIED flag (bit 63) in the high word: refcount is exactly 1, writable in place. */
export const FLAG_COPIED = 0x80000000;
/** Compressed flag (bit 62) in the high word of an L2 entry. */
export const FLAG_COMPRESSED = 0x40000000;

/** What one L2 entry says about one guest cluster. */
export type Mapping =
  | { readonly kind: 'unallocated' }
  | { readonly kind: 'zero'; readonly host: number; readonly copied: boolean }
  | { readonly kind: 'data'; readonly host: number; readonly copied: boolean }
  | { readonly kind: 'compressed'; readonly range: CompressedRange }
  /** Extended L2: per-subcluster allocated/zero bitmaps (32 subclusters). */
  | { readonly kind: 'sub'; readonly host: number; readonly copied: boolean; readonly alloc: number; readonly zero: number };

/** The mapping of an unallocated cluster (shared: mappings are read-only). */
export const UNALLOCATED: Mapping = { kind: 'unallocated' };

/** Decodes L1 entry `i`: the L2 table offset (0 = none) and its COPIED flag. */
export function l1Entry(l1: Uint8Array, i: number): { off: number; copied: boolean } {
  const hi = be32(l1, i * 8);
  return { off: entryOffset(hi, be32(l1, i * 8 + 4)), copied: (hi & FLAG_COPIED) !== 0 };
}

/** The L2 table offset of L1 entry `i` (0 = none): l1Entry's `off` without building an object. */
export function l1Offset(l1: Uint8Array, i: number): number {
  return entryOffset(be32(l1, i * 8), be32(l1, i * 8 + 4));
}

/** Writes L1 entry `i`. */
export function setL1Entry(l1: Uint8Array, i: number, off: number, copied: boolean): void {
  setBe64(l1, i * 8, off, off !== 0 && copied ? FLAG_COPIED : 0);
}

/** Decodes L2 entry `i` of `table`; `extL2` selects 16-byte entries, `v3` allows the zero flag. */
export function l2Entry(table: Uint8Array, i: number, extL2: boolean, clusterBits: number): Mapping {
  const base = i * (extL2 ? 16 : 8);
  const hi = be32(table, base);
  const lo = be32(table, base + 4);
  const copied = (hi & FLAG_COPIED) !== 0;
  if (hi & FLAG_COMPRESSED) return { kind: 'compressed', range: decodeCompressed(hi, lo, clusterBits) };
  const host = entryOffset(hi, lo);
  if (extL2) {
    const zero = be32(table, base + 8);
    const alloc = be32(table, base + 12);
    if (alloc === 0 && zero === 0 && host === 0) return UNALLOCATED;
    return { kind: 'sub', host, copied, alloc, zero };
  }
  if (lo & 1) return { kind: 'zero', host, copied };
  if (host === 0) return UNALLOCATED;
  return { kind: 'data', host, copied };
}

/** Writes L2 entry `i` as a plain data mapping (all subclusters allocated when extended). */
export function setL2Data(table: Uint8Array, i: number, extL2: boolean, host: number, copied: boolean): void {
  const base = i * (extL2 ? 16 : 8);
  setBe64(table, base, host, copied ? FLAG_COPIED : 0);
  if (extL2) {
    setBe32(table, base + 8, 0);
    setBe32(table, base + 12, 0xffffffff);
  }
}

/** Writes extended L2 entry `i` with explicit subcluster bitmaps. */
export function setL2Sub(table: Uint8Array, i: number, host: number, copied: boolean, alloc: number, zero: number): void {
  const dv = new DataView(table.buffer, table.byteOffset);
  const base = i * 16;
  setU64(dv, base, host, copied && host !== 0 ? FLAG_COPIED : 0);
  dv.setUint32(base + 8, zero >>> 0);
  dv.setUint32(base + 12, alloc >>> 0);
}

/** Writes L2 entry `i` as "reads as zeroes" (zero flag, or all zero bits when extended) or unallocated. */
export function setL2Zero(table: Uint8Array, i: number, extL2: boolean, zero: boolean): void {
  const dv = new DataView(table.buffer, table.byteOffset);
  const base = i * (extL2 ? 16 : 8);
  dv.setUint32(base, 0);
  dv.setUint32(base + 4, !extL2 && zero ? 1 : 0);
  if (extL2) {
    dv.setUint32(base + 8, zero ? 0xffffffff : 0);
    dv.setUint32(base + 12, 0);
  }
}

/** Writes raw words of L2 entry `i` (compressed entries, flag fixes). */
export function setL2Raw(table: Uint8Array, i: number, extL2: boolean, hi: number, lo: number): void {
  const dv = new DataView(table.buffer, table.byteOffset);
  const base = i * (extL2 ? 16 : 8);
  dv.setUint32(base, hi >>> 0);
  dv.setUint32(base + 4, lo >>> 0);
  if (extL2) {
    dv.setUint32(base + 8, 0);
    dv.setUint32(base + 12, 0);
  }
}

/** Sets or clears the COPIED flag of L2 entry `i` (no-op for compressed/unallocated). */
export function setL2Copied(table: Uint8Array, i: number, extL2: boolean, copied: boolean): void {
  const dv = new DataView(table.buffer, table.byteOffset);
  const base = i * (extL2 ? 16 : 8);
  const hi = dv.getUint32(base);
  dv.setUint32(base, (copied ? hi | FLAG_COPIED : hi & ~FLAG_COPIED) >>> 0);
}

/** Checks a host cluster offset named by metadata: aligned, below 2^56, start inside the file. */
export function validateHost(host: number, cs: number, fileSize: number, what: string): void {
  if (host % cs !== 0) throw corrupt(`${what} points at unaligned host offset ${host}; the image is damaged (try qemu-img check -r all)`, { offset: host });
  if (host >= fileSize) throw corrupt(`${what} points at host offset ${host}, past the end of the image file (${fileSize} bytes)`, { offset: host });
  if (host === 0) throw corrupt(`${what} points at the image header (offset 0)`, { offset: host });
}
