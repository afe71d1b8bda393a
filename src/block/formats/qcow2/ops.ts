/**
 * Whole-image operations that rewrite the header: resize (grow; shrink only when allowed),
 * amend (compat 0.10 <-> 1.1, lazy_refcounts) and setBacking (what `rebase -u` does).
 * Each one flushes first and writes the header last, after the tables it names are durable.
 */
import { BlockError } from '../../driver.js';
import type { Qcow2Core } from './driver.js';
import {
  COMPAT_LAZY_REFCOUNTS, INCOMPAT_COMPRESSION, INCOMPAT_DIRTY, INCOMPAT_EXTL2, l1EntriesFor, MAX_BACKING_NAME, MAX_L1_BYTES,
} from './header.js';
import { readSnapshotTable } from './snapshots.js';
import { l1Entry, l2Entry, setL2Data, setL2Zero } from './tables.js';

/** Grows the L1 table to `entries` entries (new clusters, header switched after sync). */
async function growL1(core: Qcow2Core, entries: number): Promise<void> {
  if (entries * 8 > MAX_L1_BYTES) throw new BlockError('unsupported-feature', `the new size needs an L1 table larger than 32 MiB; use a larger cluster size`);
  const oldOff = core.h.l1TableOffset;
  const oldClusters = Math.ceil((core.h.l1Size * 8) / core.cs);
  const l1 = new Uint8Array(entries * 8);
  l1.set(core.l1);
  const off = await core.rc.alloc(Math.ceil((entries * 8) / core.cs));
  await core.flushLocked();
  await core.file.write(off, l1);
  await core.file.sync();
  core.l1 = l1;
  core.h.l1TableOffset = off;
  core.h.l1Size = entries;
  await core.writeHeader();
  await core.file.sync();
  for (let c = 0; c < oldClusters; c++) await core.rc.add(oldOff / core.cs + c, -1);
}

/** Changes the virtual size; see ImageOps.resize. */
export async function resizeImage(core: Qcow2Core, newSize: number, allowShrink: boolean): Promise<void> {
  core.assertWritable();
  if (!Number.isSafeInteger(newSize) || newSize < 0) throw new BlockError('out-of-range', `Invalid image size ${newSize}`);
  if (newSize % 512 !== 0) throw new BlockError('out-of-range', 'The new size must be a multiple of 512');
  const oldSize = core.h.size;
  if (newSize < oldSize && !allowShrink) {
    throw new BlockError('out-of-range', 'Use the --shrink option to perform a shrink operation.');
  }
  if (core.h.version === 2 && core.h.nbSnapshots > 0) throw new BlockError('unsupported-feature', "Can't resize a v2 image which has snapshots");
  if (newSize === oldSize) return;
  if (newSize < oldSize) {
    // Drop every whole cluster past the new end, then shrink.
    const first = Math.ceil(newSize / core.cs);
    await core.exclusive(async () => {
      for (let ci = first; ci < Math.ceil(oldSize / core.cs); ci++) {
        const m = await core.mapping(ci);
        if (m.kind === 'unallocated') continue;
        const l2 = await core.l2ForWrite(Math.floor(ci / core.l2e));
        setL2Zero(l2.table, ci % core.l2e, core.extL2, false);
        core.l2cache.markDirty(l2.off, l2.table);
        core.releaseMapping(m);
      }
      await core.flushLocked();
      core.h.size = newSize;
      await core.writeHeader();
      await core.file.sync();
    });
    return;
  }
  await core.exclusive(async () => {
    const need = l1EntriesFor(newSize, core.cb, core.extL2);
    if (need > core.h.l1Size) await growL1(core, need);
    await core.flushLocked();
    core.h.size = newSize;
    await core.writeHeader();
    await core.file.sync();
  });
  // The grown area must read as zeroes: the old partial last cluster and any backing data.
  const tailEnd = Math.min(newSize, Math.ceil(oldSize / core.cs) * core.cs);
  const zeroEnd = core.backing && core.backingSize > oldSize ? Math.min(newSize, core.backingSize) : tailEnd;
  if (zeroEnd > oldSize) await core.writeZeroes(oldSize, Math.max(zeroEnd, tailEnd) - oldSize);
  await core.flush();
}

/** Changes compat level and lazy_refcounts; see ImageOps.amend. */
export async function amendImage(core: Qcow2Core, o: { readonly compat?: string; readonly lazyRefcounts?: boolean }): Promise<void> {
  core.assertWritable();
  if (o.compat !== undefined && o.compat !== '0.10' && o.compat !== '1.1' && o.compat !== 'v3') {
    throw new BlockError('invalid-format', `Invalid compatibility level: '${o.compat}' (use 0.10 or 1.1)`);
  }
  const targetV = o.compat === undefined ? core.h.version : o.compat === '0.10' ? 2 : 3;
  if (o.lazyRefcounts && targetV === 2) {
    throw new BlockError('invalid-format', 'Lazy refcounts only supported with compatibility level 1.1 and above (use compat=1.1 or greater)');
  }
  await core.exclusive(async () => {
    await core.flushLocked(true);
    if (targetV === 2 && core.h.version === 3) {
      if (core.h.refcountOrder !== 4) throw new BlockError('unsupported-feature', 'compat=0.10 requires refcount_bits=16');
      if (core.h.incompatible & INCOMPAT_EXTL2) throw new BlockError('unsupported-feature', 'Cannot downgrade an image with extended L2 entries to compat=0.10');
      if (core.h.incompatible & INCOMPAT_COMPRESSION) throw new BlockError('unsupported-feature', 'Cannot downgrade an image with zstd compression to compat=0.10');
      for (const s of await readSnapshotTable(core)) {
        const l1 = new Uint8Array(s.l1Size * 8);
        await core.file.read(s.l1Offset, l1);
        for (let i = 0; i < s.l1Size; i++) {
          const { off } = l1Entry(l1, i);
          if (off === 0) continue;
          const t = await core.l2cache.get(off);
          for (let j = 0; j < core.l2e; j++) {
            if (l2Entry(t, j, false, core.cb).kind === 'zero') {
              throw new BlockError('unsupported-feature', `Cannot downgrade: snapshot '${s.info.name}' contains zero clusters`);
            }
          }
        }
      }
      // Expand zero clusters of the active layer: v2 has no zero flag.
      const zeros = new Uint8Array(core.cs);
      for (let i = 0; i < core.h.l1Size; i++) {
        if (l1Entry(core.l1, i).off === 0) continue;
        for (let j = 0; j < core.l2e; j++) {
          const ci = i * core.l2e + j;
          const m = await core.mapping(ci);
          if (m.kind !== 'zero') continue;
          const l2 = await core.l2ForWrite(i);
          if (m.host === 0 && !core.backing && core.h.backingFile === undefined) {
            setL2Zero(l2.table, j, false, false);
          } else {
            const host = m.host !== 0 && m.copied ? m.host : await core.rc.alloc(1);
            await core.file.write(host, zeros);
            setL2Data(l2.table, j, false, host, true);
            if (host !== m.host) core.releaseMapping(m);
          }
          core.l2cache.markDirty(l2.off, l2.table);
        }
      }
      await core.flushLocked();
      core.h.version = 2;
      core.h.headerLength = 72;
      core.h.incompatible = 0n;
      core.h.compatible = 0n;
      core.h.autoclear = 0n;
      core.h.tail = new Uint8Array(0);
    } else if (targetV === 3 && core.h.version === 2) {
      core.h.version = 3;
      core.h.headerLength = 112;
      core.h.refcountOrder = 4;
    }
    if (o.lazyRefcounts !== undefined && core.h.version === 3) {
      if (o.lazyRefcounts) core.h.compatible |= COMPAT_LAZY_REFCOUNTS;
      else {
        core.h.compatible &= ~COMPAT_LAZY_REFCOUNTS;
        core.h.incompatible &= ~INCOMPAT_DIRTY;
      }
    }
    await core.writeHeader();
    await core.file.sync();
  });
}

/** Rewrites the backing reference only; see ImageOps.setBacking. */
export async function setBackingFile(core: Qcow2Core, file: string | undefined, format: string | undefined): Promise<void> {
  core.assertWritable();
  if (file !== undefined && new TextEncoder().encode(file).length > MAX_BACKING_NAME) {
    throw new BlockError('unsupported-feature', `Backing file name too long (limit ${MAX_BACKING_NAME} bytes)`);
  }
  if (file === undefined && format !== undefined) throw new BlockError('invalid-format', 'Backing format cannot be used without backing file');
  await core.exclusive(async () => {
    await core.flushLocked();
    const h = { ...core.h };
    delete h.backingFile;
    delete h.backingFormat;
    if (file !== undefined) h.backingFile = file;
    if (format !== undefined) h.backingFormat = format;
    core.h = h;
    await core.writeHeader();
    await core.file.sync();
  });
}
