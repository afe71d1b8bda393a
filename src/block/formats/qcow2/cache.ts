/**
 * Bounded LRU cache of cluster-sized metadata tables (L2 tables, refcount blocks), keyed by host
 * offset. Dirty tables are never evicted: the owner writes them back in the safe order (see
 * flush in driver.ts) and only then they become evictable. Concurrent misses on the same table
 * share one read.
 */
import type { HostFile } from '../../host-file.js';

/** Default metadata cache budget per cache (L2 and refcount caches together stay <= 32 MiB). */
export const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;

interface Entry {
  data: Uint8Array;
  dirty: boolean;
}

/** LRU cache of tables read from `file`; `validate` rejects bad offsets before any read. */
export class TableCache {
  private readonly map = new Map<number, Entry>();
  private readonly loading = new Map<number, Promise<Uint8Array>>();
  private readonly maxEntries: number;
  /** Key inserted into `map` last (its most recently used entry), when known; may be stale. */
  private newest: number | undefined;

  constructor(
    private readonly file: HostFile,
    private readonly tableSize: number,
    budgetBytes = DEFAULT_CACHE_BYTES,
  ) {
    this.maxEntries = Math.max(8, Math.floor(budgetBytes / tableSize));
  }

  /** Returns the table at `offset`, reading it on a miss. */
  async get(offset: number): Promise<Uint8Array> {
    const hit = this.map.get(offset);
    if (hit) {
      this.map.delete(offset);
      this.map.set(offset, hit);
      this.newest = offset;
      return hit.data;
    }
    const pending = this.loading.get(offset);
    if (pending) return pending;
    const p = (async () => {
      const data = new Uint8Array(this.tableSize);
      await this.file.read(offset, data);
      return data;
    })();
    this.loading.set(offset, p);
    try {
      const data = await p;
      const again = this.map.get(offset);
      if (again) return again.data;
      this.map.set(offset, { data, dirty: false });
      this.newest = offset;
      this.evict();
      return data;
    } finally {
      this.loading.delete(offset);
    }
  }

  /** The table at `offset` if it is in memory (no read); a hit counts as a use. */
  peek(offset: number): Uint8Array | undefined {
    const hit = this.map.get(offset);
    if (!hit) return undefined;
    // Already the most recently used (the common case in sequential walks): no reordering.
    if (offset !== this.newest) {
      this.map.delete(offset);
      this.map.set(offset, hit);
      this.newest = offset;
    }
    return hit.data;
  }

  /** True when the table at `offset` is held in memory (possibly not yet on disk). */
  has(offset: number): boolean {
    return this.map.has(offset);
  }

  /** Inserts (or replaces) a table, e.g. a freshly allocated one. */
  put(offset: number, data: Uint8Array, dirty: boolean): void {
    this.map.delete(offset);
    this.map.set(offset, { data, dirty });
    this.newest = offset;
    this.evict();
  }

  /** Records that `data` (the table at `offset`) was modified in memory. */
  markDirty(offset: number, data: Uint8Array): void {
    const e = this.map.get(offset);
    if (e && e.data === data) e.dirty = true;
    else this.put(offset, data, true);
  }

  /** Number of dirty tables (the owner flushes when this grows large). */
  dirtyCount(): number {
    let n = 0;
    for (const e of this.map.values()) if (e.dirty) n++;
    return n;
  }

  /** True when more dirty tables are held than the budget allows. */
  overBudget(): boolean {
    return this.dirtyCount() > this.maxEntries / 2;
  }

  /** Writes every dirty table (in offset order) and marks them clean; returns how many. */
  async writeDirty(): Promise<number> {
    const dirty = [...this.map.entries()].filter(([, e]) => e.dirty).sort((a, b) => a[0] - b[0]);
    for (const [off, e] of dirty) {
      e.dirty = false;
      await this.file.write(off, e.data);
    }
    return dirty.length;
  }

  /** Forgets a table (after it was freed, or when its contents are rewritten elsewhere). */
  drop(offset: number): void {
    this.map.delete(offset);
  }

  /** Forgets every clean table. */
  clear(): void {
    for (const [off, e] of this.map) if (!e.dirty) this.map.delete(off);
  }

  private evict(): void {
    if (this.map.size <= this.maxEntries) return;
    for (const [off, e] of this.map) {
      if (this.map.size <= this.maxEntries) break;
      if (!e.dirty) this.map.delete(off);
    }
  }
}
