/**
 * Walks an image's allocation map through BlockDriver.blockStatus and merges neighbouring
 * extents that look alike, as `qemu-img map` does. convert and compare use it to skip holes.
 */
import type { BlockDriver, BlockStatus } from '../block/driver.js';

/** Largest range asked of a driver at once (qemu-img map asks for up to 1 GiB). */
const QUERY_MAX = 1 << 30;

/** One merged extent, with the fields `qemu-img map --output=json` prints. */
export interface MapEntry {
  start: number;
  length: number;
  depth: number;
  present: boolean;
  zero: boolean;
  data: boolean;
  compressed: boolean;
  offset: number | undefined;
}

function toEntry(s: BlockStatus): MapEntry {
  return {
    start: s.offset,
    length: s.length,
    depth: s.depth,
    present: s.present ?? true,
    zero: s.zero,
    data: s.data,
    compressed: s.compressed ?? false,
    offset: s.hostOffset,
  };
}

function mergeable(a: MapEntry, b: MapEntry): boolean {
  if (a.depth !== b.depth || a.present !== b.present || a.zero !== b.zero || a.data !== b.data ||
      a.compressed !== b.compressed) return false;
  if (a.offset === undefined || b.offset === undefined) return a.offset === b.offset;
  return a.offset + a.length === b.offset;
}

/** Raw extents of [start, end), one blockStatus call each (no merging). */
export async function* rawExtents(driver: BlockDriver, start: number, end: number): AsyncGenerator<BlockStatus> {
  let pos = start;
  while (pos < end) {
    const s = await driver.blockStatus(pos, Math.min(QUERY_MAX, end - pos));
    if (s.length <= 0) throw new Error(`driver returned an empty extent at offset ${pos}`);
    yield s;
    pos += s.length;
  }
}

/** Merged extents of [start, end), as `qemu-img map` lists them. */
export async function* mapExtents(driver: BlockDriver, start: number, end: number): AsyncGenerator<MapEntry> {
  let cur: MapEntry | undefined;
  for await (const s of rawExtents(driver, start, end)) {
    const e = toEntry(s);
    if (cur !== undefined && mergeable(cur, e)) {
      cur.length += e.length;
      continue;
    }
    if (cur !== undefined) yield cur;
    cur = e;
  }
  if (cur !== undefined) yield cur;
}
