/**
 * qcow2 image creation with qemu-img's options and layout: header in cluster 0, refcount table
 * in cluster 1, the first refcount block in cluster 2, then the L1 table allocated like any
 * other clusters (so large L1s get further refcount blocks exactly as an open image would).
 * Option errors use qemu-img's wording.
 */
import { BlockError } from '../../driver.js';
import type { CreateOptions } from '../../format.js';
import {
  COMPAT_LAZY_REFCOUNTS, INCOMPAT_EXTL2, l1EntriesFor, MAX_BACKING_NAME, MAX_L1_BYTES, MAX_REFTABLE_BYTES, serializeHeader,
  type Qcow2Header,
} from './header.js';
import type { Qcow2Core } from './driver.js';
import { HostFile } from '../../host-file.js';
import { setL2Data } from './tables.js';
import { setU64 } from './util.js';

/** Validated creation parameters. */
export interface CreatePlan {
  readonly header: Qcow2Header;
  readonly preallocation: 'off' | 'metadata' | 'falloc' | 'full';
}

function bad(message: string): BlockError {
  return new BlockError('invalid-format', message);
}

function onOff(key: string, v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'on' || v === 'true') return true;
  if (v === 'off' || v === 'false') return false;
  throw bad(`Parameter '${key}' expects 'on' or 'off'`);
}

/** Checks options as qemu-img does and builds the header of the new image. */
export function planCreate(o: CreateOptions): CreatePlan {
  const known = new Set(['extended_l2', 'compression_type', 'encrypt', 'data_file', 'nocow']);
  for (const k of Object.keys(o.extra ?? {})) {
    if (!known.has(k)) throw bad(`Invalid parameter '${k}'`);
  }
  const extra = o.extra ?? {};
  if (extra.data_file !== undefined) throw new BlockError('unsupported-feature', 'qcow2 external data files are not supported');
  if (onOff('encrypt', extra.encrypt)) throw new BlockError('unsupported-feature', 'encrypted qcow2 images are not supported');
  if (!Number.isSafeInteger(o.size) || o.size < 0) throw bad(`Invalid image size ${o.size}`);
  if (o.size % 512 !== 0) throw bad('Image size must be a multiple of 512 bytes');
  const cs = o.clusterSize ?? 65536;
  if (!Number.isInteger(cs) || cs < 512 || cs > 2 * 1024 * 1024 || (cs & (cs - 1)) !== 0) {
    throw bad('Cluster size must be a power of two between 512 and 2048k');
  }
  const clusterBits = Math.log2(cs);
  const compat = o.compat ?? '1.1';
  let version: 2 | 3;
  if (compat === '0.10') version = 2;
  else if (compat === '1.1' || compat === 'v3') version = 3;
  else throw bad(`Invalid parameter 'compat': '${compat}' (use 0.10 or 1.1)`);
  const lazy = o.lazyRefcounts ?? false;
  if (lazy && version === 2) throw bad('Lazy refcounts only supported with compatibility level 1.1 and above (use compat=1.1 or greater)');
  const bits = o.refcountBits ?? 16;
  if (!Number.isInteger(bits) || bits < 1 || bits > 64 || (bits & (bits - 1)) !== 0) {
    throw bad('Refcount width must be a power of two and may not exceed 64 bits');
  }
  if (version === 2 && bits !== 16) {
    throw bad('Different refcount widths than 16 bits require compatibility level 1.1 or above (use compat=1.1 or greater)');
  }
  const extL2 = onOff('extended_l2', extra.extended_l2) ?? false;
  if (extL2 && version === 2) throw bad('Extended L2 entries are only supported with compatibility level 1.1 and above (use compat=1.1 or greater)');
  if (extL2 && cs < 16384) throw bad('Extended L2 entries are only supported with cluster sizes of at least 16384 bytes');
  const ct = extra.compression_type ?? 'zlib';
  if (ct === 'zstd') throw new BlockError('unsupported-feature', "compression_type=zstd is not supported (this build has no zstd encoder)");
  if (ct !== 'zlib') throw bad(`Invalid parameter 'compression_type': '${ct}'`);
  if (o.backingFormat !== undefined && o.backingFile === undefined) throw bad('Backing format cannot be used without backing file');
  if (o.backingFile !== undefined && new TextEncoder().encode(o.backingFile).length > MAX_BACKING_NAME) {
    throw new BlockError('unsupported-feature', `Backing file name too long (limit ${MAX_BACKING_NAME} bytes)`);
  }
  const preallocation = o.preallocation ?? 'off';
  if (preallocation !== 'off' && o.backingFile !== undefined) throw bad('Backing file and preallocation can only be used at the same time if extended_l2 is on');
  const l1Size = l1EntriesFor(o.size, clusterBits, extL2);
  if (l1Size * 8 > MAX_L1_BYTES) throw bad('Image size too large for this cluster size (L1 table would exceed 32 MiB)');
  return {
    preallocation,
    header: {
      version, clusterBits, size: o.size, cryptMethod: 0, l1Size, l1TableOffset: 0,
      refcountTableOffset: cs, refcountTableClusters: 1, nbSnapshots: 0, snapshotsOffset: 0,
      incompatible: extL2 ? INCOMPAT_EXTL2 : 0n, compatible: lazy ? COMPAT_LAZY_REFCOUNTS : 0n, autoclear: 0n,
      refcountOrder: Math.log2(bits), headerLength: version === 3 ? 112 : 72, compressionType: 0,
      otherExtensions: [], tail: new Uint8Array(0),
      ...(o.backingFile !== undefined ? { backingFile: o.backingFile } : {}),
      ...(o.backingFormat !== undefined ? { backingFormat: o.backingFormat } : {}),
    },
  };
}

/**
 * Writes the empty image: header, reftable (cluster 1), first refcount block (cluster 2), the
 * zeroed L1 table from cluster 3 (only l1_size*8 bytes are written, as qemu-img does), and further
 * refcount blocks after the L1 (and a longer reftable) when one block cannot count every cluster.
 */
export async function writeSkeleton(path: string, h: Qcow2Header): Promise<void> {
  const cs = 1 << h.clusterBits;
  const bits = 1 << h.refcountOrder;
  const perBlock = (cs * 8) / bits;
  const l1Clusters = Math.ceil((h.l1Size * 8) / cs);
  // Normally: header, reftable (1 cluster), refblock, L1 (as qemu-img lays it out). Very large
  // images with small clusters need more refcount blocks (after the L1) and a longer reftable.
  let tableClusters = 1;
  let blocks = 1;
  for (;;) {
    const used = 1 + tableClusters + 1 + l1Clusters + (blocks - 1);
    if (blocks * perBlock < used) blocks++;
    else if (blocks > (tableClusters * cs) / 8) tableClusters++;
    else break;
  }
  if (tableClusters * cs > MAX_REFTABLE_BYTES) throw bad('Image too large for this cluster size and refcount width');
  const l1At = tableClusters + 2;
  const used = l1At + l1Clusters + blocks - 1;
  const blockAt = (i: number): number => (i === 0 ? tableClusters + 1 : l1At + l1Clusters + i - 1);
  const file = await HostFile.create(path);
  try {
    await file.write(0, serializeHeader({ ...h, refcountTableClusters: tableClusters, l1TableOffset: h.l1Size > 0 ? l1At * cs : 0 }));
    const table = new Uint8Array(tableClusters * cs);
    for (let i = 0; i < blocks; i++) setU64(new DataView(table.buffer), i * 8, blockAt(i) * cs);
    await file.write(cs, table);
    if (h.l1Size > 0) await file.write(l1At * cs, new Uint8Array(h.l1Size * 8));
    for (let i = 0; i < blocks; i++) {
      const block = new Uint8Array(cs);
      for (let c = i * perBlock; c < Math.min(used, (i + 1) * perBlock); c++) {
        const bit = (c - i * perBlock) * bits;
        if (bits < 8) block[bit >> 3] = (block[bit >> 3] ?? 0) | (1 << (bit & 7));
        else block[(bit >> 3) + bits / 8 - 1] = 1;
      }
      await file.write(blockAt(i) * cs, block);
    }
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Allocates every cluster of an open, freshly created image (preallocation=metadata|falloc|full). */
export async function preallocate(core: Qcow2Core, mode: 'metadata' | 'falloc' | 'full'): Promise<void> {
  core.assertWritable();
  await core.exclusive(async () => {
    const clusters = Math.ceil(core.h.size / core.cs);
    const zeros = new Uint8Array(core.cs);
    for (let ci = 0; ci < clusters; ci++) {
      const l2 = await core.l2ForWrite(Math.floor(ci / core.l2e));
      const host = await core.rc.alloc(1);
      if (mode === 'full') await core.file.write(host, zeros);
      setL2Data(l2.table, ci % core.l2e, core.extL2, host, true);
      core.l2cache.markDirty(l2.off, l2.table);
      await core.maybeFlush();
    }
    const end = core.rc.endCluster * core.cs;
    if (mode === 'falloc' && end > core.file.size) await core.file.allocate(core.file.size, end - core.file.size);
    if (end > core.file.size) await core.file.truncate(end);
    await core.flushLocked();
  });
}
