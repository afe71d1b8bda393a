/**
 * Internal snapshots: the snapshot table (parse with bounds checks, serialise), create, apply,
 * delete with refcount updates, and the COPIED-flag fix-up both snapshots and check need.
 *
 * Threat note: the table is untrusted. Its size is capped at 64 MiB, every entry must lie inside
 * the file, extra data is capped at 1 KiB, each snapshot L1 must be aligned, inside the file and
 * at most 32 MiB, and ids/names are bounded by their u16 lengths.
 */
import { BlockError } from '../../driver.js';
import type { SnapshotInfo } from '../../image-ops.js';
import type { Qcow2Core } from './driver.js';
import { MAX_L1_BYTES } from './header.js';
import { l1Entry, l2Entry, setL1Entry, setL2Copied } from './tables.js';
import { corrupt, getSafeU64, roundUp, setU64 } from './util.js';

const MAX_TABLE_BYTES = 64 * 1024 * 1024;
const MAX_EXTRA = 1024;

/** One parsed snapshot table entry. */
export interface SnapshotEntry {
  info: SnapshotInfo;
  l1Offset: number;
  l1Size: number;
  diskSize: number | undefined;
  vmStateSize: number;
  /** Byte offset just past this entry in the file. */
  end: number;
}

/** Reads and validates the snapshot table named by the header. */
export async function readSnapshotTable(core: Qcow2Core): Promise<SnapshotEntry[]> {
  const out: SnapshotEntry[] = [];
  let pos = core.h.snapshotsOffset;
  const start = pos;
  const fixed = new Uint8Array(40);
  for (let i = 0; i < core.h.nbSnapshots; i++) {
    if (pos + 40 > core.file.size || pos - start > MAX_TABLE_BYTES) {
      throw corrupt(`snapshot table entry ${i} at offset ${pos} lies outside the image file (snapshot table claims too much)`, { offset: pos });
    }
    await core.file.read(pos, fixed);
    const dv = new DataView(fixed.buffer);
    const l1Off = getSafeU64(dv, 0);
    const l1Size = dv.getUint32(8);
    const idLen = dv.getUint16(12);
    const nameLen = dv.getUint16(14);
    const extraSize = dv.getUint32(36);
    if (extraSize > MAX_EXTRA) throw corrupt(`snapshot ${i}: extra data too large (${extraSize} bytes)`, { offset: pos });
    const total = roundUp(40 + extraSize + idLen + nameLen, 8);
    if (pos + total > core.file.size || pos + total - start > MAX_TABLE_BYTES) {
      throw corrupt(`snapshot table entry ${i} at offset ${pos} lies outside the image file (snapshot table claims too much)`, { offset: pos });
    }
    if (l1Off === undefined || l1Off % core.cs !== 0 || l1Size * 8 > MAX_L1_BYTES || (l1Size > 0 && l1Off + l1Size * 8 > core.file.size)) {
      throw corrupt(`snapshot ${i}: L1 table (offset ${l1Off ?? 'huge'}, ${l1Size} entries) is invalid or outside the file`, { offset: pos });
    }
    const rest = new Uint8Array(total - 40);
    await core.file.read(pos + 40, rest);
    const rv = new DataView(rest.buffer);
    const dec = new TextDecoder();
    const id = dec.decode(rest.subarray(extraSize, extraSize + idLen));
    const name = dec.decode(rest.subarray(extraSize + idLen, extraSize + idLen + nameLen));
    let vmStateSize = dv.getUint32(32);
    let diskSize: number | undefined;
    let icount: bigint | undefined;
    if (extraSize >= 8) vmStateSize = getSafeU64(rv, 0) ?? vmStateSize;
    if (extraSize >= 16) diskSize = getSafeU64(rv, 8);
    if (extraSize >= 24) {
      const ic = rv.getBigUint64(16);
      if (ic !== 0xffffffffffffffffn) icount = ic;
    }
    out.push({
      info: {
        id, name, vmStateSize, dateSec: dv.getUint32(16), dateNsec: dv.getUint32(20), vmClockNsec: dv.getBigUint64(24),
        ...(icount !== undefined ? { icount } : {}),
      },
      l1Offset: l1Off, l1Size, diskSize, vmStateSize, end: pos + total,
    });
    pos += total;
  }
  return out;
}

function serializeTable(entries: SnapshotEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const id = enc.encode(e.info.id);
    const name = enc.encode(e.info.name);
    const b = new Uint8Array(roundUp(40 + 24 + id.length + name.length, 8));
    const dv = new DataView(b.buffer);
    setU64(dv, 0, e.l1Offset);
    dv.setUint32(8, e.l1Size);
    dv.setUint16(12, id.length);
    dv.setUint16(14, name.length);
    dv.setUint32(16, e.info.dateSec);
    dv.setUint32(20, e.info.dateNsec);
    dv.setBigUint64(24, e.info.vmClockNsec);
    dv.setUint32(32, Math.min(e.vmStateSize, 0xffffffff));
    dv.setUint32(36, 24);
    setU64(dv, 40, e.vmStateSize);
    setU64(dv, 48, e.diskSize ?? 0);
    dv.setBigUint64(56, e.info.icount ?? 0xffffffffffffffffn);
    b.set(id, 64);
    b.set(name, 64 + id.length);
    parts.push(b);
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Adds `delta` to the refcount of every L2 table and data cluster reachable from `l1`. */
async function updateTree(core: Qcow2Core, l1: Uint8Array, delta: number): Promise<void> {
  for (let i = 0; i < l1.length / 8; i++) {
    const { off } = l1Entry(l1, i);
    if (off === 0) continue;
    const table = (await core.l2cache.get(off)).slice();
    for (let j = 0; j < core.l2e; j++) {
      const m = l2Entry(table, j, core.extL2, core.cb);
      if (m.kind === 'compressed') {
        const first = Math.floor(m.range.offset / core.cs);
        const last = Math.floor((m.range.offset + m.range.length - 1) / core.cs);
        for (let c = first; c <= last; c++) await core.rc.add(c, delta);
      } else if (m.kind !== 'unallocated' && m.host !== 0) {
        await core.rc.add(m.host / core.cs, delta);
      }
    }
    if ((await core.rc.add(off / core.cs, delta)) === 0) core.l2cache.drop(off);
  }
}

/** Makes COPIED flags in the active L1/L2 match refcount == 1; returns how many were wrong. */
export async function copiedErrors(core: Qcow2Core, fix: boolean, messages: string[]): Promise<number> {
  let errors = 0;
  for (let i = 0; i < core.h.l1Size; i++) {
    const { off, copied } = l1Entry(core.l1, i);
    if (off === 0 || off % core.cs !== 0) continue;
    const rc = await core.rc.get(off / core.cs);
    if ((rc === 1) !== copied) {
      messages.push(`ERROR OFLAG_COPIED L2 cluster: l1_index=${i} l1_entry=${off.toString(16)} refcount=${rc}`);
      errors++;
      if (fix) { setL1Entry(core.l1, i, off, rc === 1); core.l1Dirty = true; }
    }
    if (off + core.cs > core.file.size && !core.l2cache.has(off)) continue;
    const table = await core.l2cache.get(off);
    let changed = false;
    for (let j = 0; j < core.l2e; j++) {
      const m = l2Entry(table, j, core.extL2, core.cb);
      if (m.kind === 'unallocated' || m.kind === 'compressed' || m.host === 0) continue;
      if (m.host % core.cs !== 0) continue;
      const r = await core.rc.get(m.host / core.cs);
      if ((r === 1) !== m.copied) {
        messages.push(`ERROR OFLAG_COPIED data cluster: l2_entry=${m.host.toString(16)} refcount=${r}`);
        errors++;
        if (fix) { setL2Copied(table, j, core.extL2, r === 1); changed = true; }
      }
    }
    if (changed) core.l2cache.markDirty(off, table);
  }
  return errors;
}

async function writeTable(core: Qcow2Core, entries: SnapshotEntry[]): Promise<void> {
  const oldOff = core.h.snapshotsOffset;
  const oldEnd = core.h.nbSnapshots > 0 ? (entries.length >= 0 ? await tableEnd(core) : 0) : 0;
  let newOff = 0;
  const bytes = serializeTable(entries);
  if (bytes.length > 0) {
    newOff = await core.rc.alloc(Math.ceil(bytes.length / core.cs));
    await core.file.write(newOff, bytes);
  }
  await core.flushLocked();
  core.h.snapshotsOffset = newOff;
  core.h.nbSnapshots = entries.length;
  await core.writeHeader();
  await core.file.sync();
  if (oldEnd > oldOff) {
    for (let c = Math.floor(oldOff / core.cs); c <= Math.floor((oldEnd - 1) / core.cs); c++) await core.rc.add(c, -1);
  }
}

async function tableEnd(core: Qcow2Core): Promise<number> {
  const t = await readSnapshotTable(core);
  return t[t.length - 1]?.end ?? core.h.snapshotsOffset;
}

function find(entries: SnapshotEntry[], key: string): number {
  const byId = entries.findIndex((e) => e.info.id === key);
  return byId >= 0 ? byId : entries.findIndex((e) => e.info.name === key);
}

/** Creates a snapshot of the active state (qemu-img snapshot -c). */
export async function createSnapshot(core: Qcow2Core, name: string): Promise<void> {
  await core.exclusive(async () => {
    await core.flushLocked();
    const entries = await readSnapshotTable(core);
    if (entries.some((e) => e.info.name === name)) {
      throw new BlockError('invalid-format', `Could not create snapshot '${name}': a snapshot with this name already exists`);
    }
    if (entries.length >= 65536) throw new BlockError('unsupported-feature', 'too many snapshots (limit 65536)');
    const nextId = 1 + entries.reduce((m, e) => Math.max(m, Number.parseInt(e.info.id, 10) || 0), 0);
    const l1Clusters = Math.ceil((core.h.l1Size * 8) / core.cs);
    const l1Off = l1Clusters > 0 ? await core.rc.alloc(l1Clusters) : 0;
    if (l1Clusters > 0) await core.file.write(l1Off, core.l1);
    await updateTree(core, core.l1, +1);
    await copiedErrors(core, true, []);
    const now = Date.now();
    entries.push({
      info: { id: String(nextId), name, vmStateSize: 0, dateSec: Math.floor(now / 1000), dateNsec: (now % 1000) * 1e6, vmClockNsec: 0n },
      l1Offset: l1Off, l1Size: core.h.l1Size, diskSize: core.h.size, vmStateSize: 0, end: 0,
    });
    await writeTable(core, entries);
    await core.flushLocked();
  });
}

/** Reverts the active state to a snapshot (qemu-img snapshot -a). */
export async function applySnapshot(core: Qcow2Core, key: string): Promise<void> {
  await core.exclusive(async () => {
    await core.flushLocked();
    const entries = await readSnapshotTable(core);
    const s = entries[find(entries, key)];
    if (!s) throw new BlockError('invalid-format', `Could not apply snapshot '${key}': snapshot not found`);
    const snapL1 = new Uint8Array(s.l1Size * 8);
    await core.file.read(s.l1Offset, snapL1);
    for (let i = 0; i < s.l1Size; i++) {
      const { off } = l1Entry(snapL1, i);
      if (off !== 0 && (off % core.cs !== 0 || off >= core.file.size)) throw corrupt(`snapshot '${key}': L1 entry ${i} points outside the image`);
    }
    await updateTree(core, snapL1, +1);
    await core.rc.flush();
    const oldL1 = core.l1;
    const oldOff = core.h.l1TableOffset;
    const oldSize = core.h.l1Size;
    const newSize = Math.max(s.l1Size, oldSize);
    // The new active L1 names L2 tables the snapshot still shares: write it with COPIED clear
    // (correct flags are set below, once the old tree is released), so a crash never leaves a
    // shared L2 table marked writable in place.
    const l1 = new Uint8Array(newSize * 8);
    l1.set(snapL1);
    for (let i = 0; i < s.l1Size; i++) {
      const { off } = l1Entry(l1, i);
      if (off !== 0) setL1Entry(l1, i, off, false);
    }
    if (newSize > oldSize) {
      const off = await core.rc.alloc(Math.ceil((newSize * 8) / core.cs));
      await core.rc.flush();
      await core.file.write(off, l1);
      await core.file.sync();
      core.h.l1TableOffset = off;
      core.h.l1Size = newSize;
    } else {
      await core.file.write(oldOff, l1);
      await core.file.sync();
    }
    if (s.diskSize !== undefined) core.h.size = s.diskSize;
    await core.writeHeader();
    await core.file.sync();
    core.l1 = l1;
    core.l1Dirty = false;
    await updateTree(core, oldL1, -1);
    if (newSize > oldSize && oldSize > 0) {
      for (let c = 0; c < Math.ceil((oldSize * 8) / core.cs); c++) await core.rc.add(oldOff / core.cs + c, -1);
    }
    await copiedErrors(core, true, []);
    await core.flushLocked();
  });
}

/** Deletes a snapshot and releases what only it referenced (qemu-img snapshot -d). */
export async function deleteSnapshot(core: Qcow2Core, key: string): Promise<void> {
  await core.exclusive(async () => {
    await core.flushLocked();
    const entries = await readSnapshotTable(core);
    const idx = find(entries, key);
    const s = entries[idx];
    if (!s) throw new BlockError('invalid-format', `Could not delete snapshot '${key}': snapshot not found`);
    entries.splice(idx, 1);
    await writeTable(core, entries);
    const snapL1 = new Uint8Array(s.l1Size * 8);
    await core.file.read(s.l1Offset, snapL1);
    await updateTree(core, snapL1, -1);
    for (let c = 0; c < Math.ceil((s.l1Size * 8) / core.cs); c++) await core.rc.add(s.l1Offset / core.cs + c, -1);
    await copiedErrors(core, true, []);
    await core.flushLocked();
  });
}
