/**
 * Compressed L2 descriptors: where a compressed cluster's bytes lie in the image file (decode)
 * and the descriptor for newly written ones (encode). Pure bit arithmetic, apart from
 * compress.ts so reading tables does not load the decompressors.
 */

/** Host byte range of one compressed cluster. */
export interface CompressedRange {
  /** First byte of compressed data in the image file. */
  readonly offset: number;
  /** Bytes to read: up to the end of the last 512-byte sector the descriptor names. */
  readonly length: number;
}

/** Decodes the 62-bit descriptor of a compressed L2 entry (hi/lo words of the 8-byte entry). */
export function decodeCompressed(hi: number, lo: number, clusterBits: number): CompressedRange {
  const desc = ((BigInt(hi & 0x3fffffff) << 32n) | BigInt(lo >>> 0));
  const x = BigInt(62 - (clusterBits - 8));
  const offset = Number(desc & ((1n << x) - 1n));
  const sectors = Number((desc >> x) & ((1n << BigInt(clusterBits - 8)) - 1n)) + 1;
  const end = Math.floor(offset / 512) * 512 + sectors * 512;
  return { offset, length: end - offset };
}

/** Encodes a compressed descriptor (with the compressed flag) as [hi, lo] words. */
export function encodeCompressed(offset: number, length: number, clusterBits: number): [number, number] {
  const sectors = Math.floor((offset + length - 1) / 512) - Math.floor(offset / 512) + 1;
  const x = BigInt(62 - (clusterBits - 8));
  const v = (1n << 62n) | (BigInt(sectors - 1) << x) | BigInt(offset);
  return [Number(v >> 32n), Number(v & 0xffffffffn)];
}
