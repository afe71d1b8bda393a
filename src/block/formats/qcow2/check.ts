/**
 * `check`: rebuilds every cluster's reference count from the metadata (header, refcount table and
 * blocks, active and snapshot L1/L2 tables, data and compressed clusters, snapshot table) and
 * compares it with the stored refcounts, like qemu-img check. Reports leaks, refcount errors,
 * entries that point past the end of the file or are misaligned, and wrong COPIED flags, with
 * qemu-img's message wording. Repair ('leaks' or 'all') writes the rebuilt refcounts, fixes
 * COPIED flags and drops entries that point outside the file ('all'), then checks again.
 *
 * Threat note: the walk only follows offsets after validating them against the file size; the
 * per-cluster count array is sized from the file size and capped.
 */
import { BlockError } from '../../driver.js';
import type { CheckReport } from '../../image-ops.js';
import type { Qcow2Core } from './driver.js';
import { INCOMPAT_CORRUPT } from './header.js';
import { copiedErrors, readSnapshotTable } from './snapshots.js';
import { l1Entry, l2Entry, setL1Entry, setL2Zero } from './tables.js';

/** Largest host-cluster count check will build an in-memory count array for. */
const MAX_CHECK_CLUSTERS = 1 << 28;

interface Walk {
  counts: Uint32Array;
  corruptions: number;
  messages: string[];
  allocated: number;
  fragmented: number;
  compressed: number;
  nextContiguous: number;
  /** Entries to drop when repairing ('all'): [l2 table offset or -1 for L1, index]. */
  badEntries: { table: 'l1' | number; index: number }[];
}

async function walk(core: Qcow2Core): Promise<Walk> {
  const cs = core.cs;
  const fileSize = core.file.size;
  const n = Math.ceil(fileSize / cs);
  if (n > MAX_CHECK_CLUSTERS) throw new BlockError('unsupported-feature', `image file too large to check (${n} clusters)`);
  const w: Walk = { counts: new Uint32Array(n + 1), corruptions: 0, messages: [], allocated: 0, fragmented: 0, compressed: 0, nextContiguous: 0, badEntries: [] };
  const inc = (off: number, len: number, what: string): boolean => {
    if (off + len > n * cs || off < 0) {
      w.messages.push(`ERROR: counting reference for region exceeding the end of the file by one cluster or more: offset 0x${off.toString(16)} size 0x${len.toString(16)}`);
      w.corruptions++;
      return false;
    }
    for (let c = Math.floor(off / cs); c <= Math.floor((off + len - 1) / cs); c++) w.counts[c] = (w.counts[c] ?? 0) + 1;
    return true;
  };
  inc(0, cs, 'header');
  inc(core.rc.tableOffset, core.rc.table.length, 'refcount table');
  for (let t = 0; t < core.rc.tableEntries; t++) {
    let off: number;
    try {
      off = core.rc.blockOffset(t);
    } catch {
      w.messages.push(`ERROR refcount block ${t} is not cluster aligned; refcount table entry corrupted`);
      w.corruptions++;
      continue;
    }
    if (off !== 0) inc(off, cs, `refcount block ${t}`);
  }
  const walkL1 = async (l1: Uint8Array, active: boolean): Promise<void> => {
    for (let i = 0; i < l1.length / 8; i++) {
      const { off } = l1Entry(l1, i);
      if (off === 0) continue;
      if (off % cs !== 0) {
        w.messages.push(`ERROR l2_offset=${off.toString(16)}: Table is not cluster aligned; L1 entry corrupted`);
        w.corruptions++;
        if (active) w.badEntries.push({ table: 'l1', index: i });
        continue;
      }
      if (!inc(off, cs, `L2 table (L1 index ${i})`)) {
        if (active) w.badEntries.push({ table: 'l1', index: i });
        continue;
      }
      const table = await core.l2cache.get(off);
      for (let j = 0; j < core.l2e; j++) {
        const m = l2Entry(table, j, core.extL2, core.cb);
        if (m.kind === 'unallocated') continue;
        if (m.kind === 'compressed') {
          if (active) { w.allocated++; w.compressed++; w.fragmented++; }
          if (!inc(m.range.offset, m.range.length, 'compressed cluster') && active) w.badEntries.push({ table: off, index: j });
          continue;
        }
        if (m.host === 0) continue;
        if (m.host % cs !== 0) {
          w.messages.push(`ERROR offset=${m.host.toString(16)}: Data cluster is not properly aligned; L2 entry corrupted.`);
          w.corruptions++;
          if (active) w.badEntries.push({ table: off, index: j });
          continue;
        }
        if (active) {
          w.allocated++;
          if (w.nextContiguous !== 0 && w.nextContiguous !== m.host) w.fragmented++;
          w.nextContiguous = m.host + cs;
        }
        if (!inc(m.host, cs, 'data cluster') && active) w.badEntries.push({ table: off, index: j });
      }
    }
  };
  inc(core.h.l1TableOffset, Math.max(core.l1.length, 1), 'L1 table');
  await walkL1(core.l1, true);
  if (core.h.nbSnapshots > 0) {
    const snaps = await readSnapshotTable(core);
    const last = snaps[snaps.length - 1];
    if (last) inc(core.h.snapshotsOffset, last.end - core.h.snapshotsOffset, 'snapshot table');
    for (const s of snaps) {
      if (s.l1Size === 0) continue;
      if (!inc(s.l1Offset, s.l1Size * 8, `snapshot ${s.info.id} L1 table`)) continue;
      const l1 = new Uint8Array(s.l1Size * 8);
      await core.file.read(s.l1Offset, l1);
      await walkL1(l1, false);
    }
  }
  // Metadata shared with anything else (overlap) cannot be fixed by adjusting refcounts.
  for (let t = 0; t < core.rc.tableEntries; t++) {
    let off = 0;
    try { off = core.rc.blockOffset(t); } catch { continue; }
    const c = w.counts[Math.floor(off / cs)] ?? 0;
    if (off !== 0 && c > 1) {
      w.messages.push(`ERROR refcount block ${t} refcount=${c}`);
      w.corruptions++;
    }
  }
  return w;
}

interface Tally { leaks: number; errors: number; leaksFixed: number; errorsFixed: number }

async function compare(core: Qcow2Core, w: Walk, repair: 'none' | 'leaks' | 'all', messages: string[]): Promise<Tally> {
  const t: Tally = { leaks: 0, errors: 0, leaksFixed: 0, errorsFixed: 0 };
  const n = w.counts.length;
  const stored = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    try {
      stored[c] = await core.rc.get(c);
    } catch {
      stored[c] = 0;
    }
  }
  core.rc.avoid = (c) => c < n && (w.counts[c] ?? 0) > 0;
  try {
    for (let c = 0; c < n; c++) {
      const s = stored[c] ?? 0;
      const r = w.counts[c] ?? 0;
      if (s === r) continue;
      const leak = s > r;
      messages.push(`${leak ? 'Leaked cluster' : 'ERROR cluster'} ${c} refcount=${s} reference=${r}`);
      if (leak) t.leaks++; else t.errors++;
      if (repair === 'all' || (repair === 'leaks' && leak)) {
        messages.push(`Repairing cluster ${c} refcount=${s} reference=${r}`);
        await core.rc.set(c, Math.min(r, core.rc.maxRefcount));
        if (leak) t.leaksFixed++; else t.errorsFixed++;
      }
    }
  } finally {
    core.rc.avoid = undefined;
  }
  return t;
}

/** Runs qemu-img check semantics on an open image; see the file comment. */
export async function checkImage(core: Qcow2Core, repair: 'none' | 'leaks' | 'all'): Promise<CheckReport> {
  if (repair !== 'none' && core.readOnly) {
    if (!core.notice) throw new BlockError('read-only', `cannot repair '${core.file.path}': it is opened read-only`);
    await core.file.reopenWritable();
    core.readOnly = false;
    core.notice = undefined;
  }
  return core.exclusive(async () => {
    if (!core.readOnly) await core.flushLocked();
    const messages: string[] = [];
    let w = await walk(core);
    let fixedCorruptions = 0;
    if (repair === 'all' && w.badEntries.length > 0) {
      for (const b of w.badEntries) {
        if (b.table === 'l1') {
          setL1Entry(core.l1, b.index, 0, false);
          core.l1Dirty = true;
        } else {
          const table = await core.l2cache.get(b.table);
          setL2Zero(table, b.index, core.extL2, false);
          core.l2cache.markDirty(b.table, table);
        }
        fixedCorruptions++;
      }
      await core.flushLocked();
      w = await walk(core);
    }
    messages.push(...w.messages);
    const t = await compare(core, w, repair, messages);
    let copied = await copiedErrors(core, repair === 'all', messages);
    let leaks = t.leaks;
    let corruptions = t.errors + w.corruptions + copied;
    let leaksFixed = 0;
    let corruptionsFixed = 0;
    if (repair !== 'none' && (t.leaksFixed + t.errorsFixed + copied + fixedCorruptions) > 0) {
      await core.flushLocked();
      // Double check the repaired image, as qemu-img does.
      const w2 = await walk(core);
      const again = await compare(core, w2, 'none', []);
      const copied2 = await copiedErrors(core, false, []);
      const after = again.errors + w2.corruptions + copied2;
      leaksFixed = Math.max(0, t.leaks - again.leaks);
      corruptionsFixed = Math.max(0, corruptions + fixedCorruptions - after);
      corruptions = after;
      leaks = again.leaks;
      w = w2;
    } else {
      corruptions += fixedCorruptions;
    }
    if (repair !== 'none' && corruptions === 0 && core.h.incompatible & INCOMPAT_CORRUPT) {
      core.h.incompatible &= ~INCOMPAT_CORRUPT;
      await core.writeHeader();
      await core.file.sync();
    }
    let highest = 0;
    for (let c = 0; c < w.counts.length; c++) if ((w.counts[c] ?? 0) > 0) highest = c + 1;
    return {
      filename: core.file.path,
      format: 'qcow2',
      checkErrors: 0,
      corruptions,
      leaks,
      corruptionsFixed,
      leaksFixed,
      imageEndOffset: highest * core.cs,
      totalClusters: Math.ceil(core.h.size / core.cs),
      allocatedClusters: w.allocated,
      fragmentedClusters: w.fragmented,
      compressedClusters: w.compressed,
      messages,
    };
  });
}
