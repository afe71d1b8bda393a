/**
 * Image information (what `qemu-img info` shows) and allocation status (what `qemu-img map`
 * shows: the run of clusters sharing the first cluster's state, descending into the backing file).
 */
import type { BlockInfo, BlockStatus } from '../../driver.js';
import type { Qcow2Core } from './driver.js';
import { COMPAT_LAZY_REFCOUNTS, INCOMPAT_CORRUPT } from './header.js';
import type { Mapping } from './tables.js';

/** What getInfo reports; formatSpecific is shaped like qemu-img info's format-specific.data. */
export async function infoOf(core: Qcow2Core): Promise<BlockInfo> {
  const v3 = core.h.version === 3;
  const fs: Record<string, unknown> = { compat: v3 ? '1.1' : '0.10', 'compression-type': core.h.compressionType === 1 ? 'zstd' : 'zlib' };
  if (v3) fs['lazy-refcounts'] = (core.h.compatible & COMPAT_LAZY_REFCOUNTS) !== 0n;
  fs['refcount-bits'] = 1 << core.h.refcountOrder;
  if (v3) {
    fs.corrupt = (core.h.incompatible & INCOMPAT_CORRUPT) !== 0n;
    fs['extended-l2'] = core.extL2;
  }
  return {
    format: 'qcow2',
    virtualSize: core.h.size,
    actualSize: await core.file.allocatedBytes(),
    clusterSize: core.cs,
    ...(core.h.backingFile !== undefined ? { backingFile: core.h.backingFile } : {}),
    ...(core.h.backingFormat !== undefined ? { backingFormat: core.h.backingFormat } : {}),
    formatSpecific: fs,
    readOnly: core.readOnly,
  };
}

/** Status of the extent starting at `offset` (already range-checked), at most `length` bytes. */
export async function blockStatusOf(core: Qcow2Core, offset: number, length: number): Promise<BlockStatus> {
  type Class = { key: string; data: boolean; zero: boolean; host?: number; compressed?: boolean };
  const classOf = (m: Mapping): Class => {
    switch (m.kind) {
      case 'unallocated': return { key: 'u', data: false, zero: !core.backing };
      case 'zero': return { key: 'z', data: false, zero: true };
      case 'data': return { key: 'd', data: true, zero: false, host: m.host };
      case 'compressed': return { key: 'c', data: true, zero: false, compressed: true };
      case 'sub': return { key: `s${m.alloc}/${m.zero}`, data: m.alloc !== 0, zero: m.alloc === 0 && m.zero === 0xffffffff, ...(m.alloc === 0xffffffff ? { host: m.host } : {}) };
    }
  };
  // Cached L2 tables are answered without awaiting: one promise per cluster adds up on big images.
  const classify = async (ci: number): Promise<Class> => classOf(await core.mapping(ci));
  const ci0 = Math.floor(offset / core.cs);
  const m0 = core.cachedMapping(ci0);
  const first = m0 !== undefined ? classOf(m0) : await classify(ci0);
  let end = Math.min((ci0 + 1) * core.cs, offset + length);
  while (end < offset + length) {
    const ci = Math.floor(end / core.cs);
    const m = core.cachedMapping(ci);
    const c = m !== undefined ? classOf(m) : await classify(ci);
    if (c.key !== first.key) break;
    if (first.host !== undefined && c.host !== first.host + (ci - ci0) * core.cs) break;
    end = Math.min((ci + 1) * core.cs, offset + length);
  }
  const len = end - offset;
  if (first.key === 'u' && core.backing) {
    if (offset >= core.backingSize) return { offset, length: len, data: false, zero: true, depth: 0, present: false };
    const b = await core.backing.blockStatus(offset, Math.min(len, core.backingSize - offset));
    return { ...b, depth: b.depth + 1 };
  }
  return {
    offset, length: len, data: first.data, zero: first.zero, depth: 0, present: first.key !== 'u',
    ...(first.host !== undefined ? { hostOffset: first.host + (offset % core.cs) } : {}),
    ...(first.compressed ? { compressed: true } : {}),
  };
}
