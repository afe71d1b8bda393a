/**
 * Compressed clusters: decompressing (zstd via zstd.ts, or raw deflate as QEMU writes it with
 * windowBits -12) and deflating for writeCompressed. The driver imports this file when it first
 * meets a compressed cluster; the descriptors themselves are in compressed-entry.ts.
 *
 * Threat note: the compressed byte range comes from the image; it is bounded by the cluster size
 * (at most cluster_size + 512 bytes are read) and the inflated output is capped at exactly one
 * cluster, so a hostile stream cannot make us allocate more.
 */
import { deflateRawSync, inflateRawSync, constants } from 'node:zlib';
import { corrupt, unsupported } from './util.js';
import { zstdDecompress } from './zstd.js';

/** The descriptor helpers, for callers that import them from here. */
export { decodeCompressed, encodeCompressed, type CompressedRange } from './compressed-entry.js';

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
