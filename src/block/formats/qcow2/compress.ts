/**
 * Compressed clusters: decoding L2 compressed descriptors, decompressing (zstd via zstd.ts, or
 * raw deflate as QEMU writes it with windowBits -12) and deflating for writeCompressed.
 *
 * Threat note: the compressed byte range comes from the image; it is bounded by the cluster size
 * (at most cluster_size + 512 bytes are read) and the inflated output is capped at exactly one
 * cluster, so a hostile stream cannot make us allocate more.
 */
import { deflateRawSync, inflateRawSync, constants } from 'node:zlib';
import { corrupt, unsupported } from './util.js';
import { zstdDecompress } from './zstd.js';

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

/** Decompresses one cluster; `compressionType` 0 = deflate, 1 = zstd. */
export function inflateCluster(src: Uint8Array, clusterSize: number, compressionType: number, where: number): Uint8Array {
  if (compressionType === 1) {
    const out = new Uint8Array(clusterSize);
    let n: number;
    try {
      n = zstdDecompress(src, out);
    } catch (e) {
      throw corrupt(`zstd-compressed cluster at host offset ${where} cannot be decompressed: ${(e as Error).message}`, { offset: where }, e);
    }
    if (n !== clusterSize) throw corrupt(`zstd-compressed cluster at host offset ${where} decompresses to ${n} bytes instead of ${clusterSize}`, { offset: where });
    return out;
  }
  if (compressionType !== 0) throw unsupported(`unknown compression type ${compressionType}`, { offset: where });
  let out: Buffer;
  try {
    out = inflateRawSync(src, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: clusterSize });
  } catch (e) {
    throw corrupt(`compressed cluster at host offset ${where} cannot be decompressed: ${(e as Error).message}`, { offset: where }, e);
  }
  if (out.length !== clusterSize) {
    throw corrupt(`compressed cluster at host offset ${where} decompresses to ${out.length} bytes instead of ${clusterSize}`, { offset: where });
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Deflates one cluster as QEMU does (raw deflate, 4 KiB window); undefined when it does not shrink. */
export function deflateCluster(data: Uint8Array): Uint8Array | undefined {
  const out = deflateRawSync(data, { windowBits: 12, memLevel: 9 });
  return out.length < data.length ? new Uint8Array(out.buffer, out.byteOffset, out.length) : undefined;
}
