/**
 * Refcount table and refcount blocks: reading and writing refcounts of every width
 * (refcount_order 0..6), cluster allocation, refcount-block creation and refcount-table growth.
 *
 * Ordering: increments are kept in dirty cached blocks and written by `flush()` *before* the L2/L1
 * entries that use the clusters (the driver calls flush first). Decrements of clusters that
 * on-disk metadata may still reference are queued with `freeLater()` and applied only after the
 * metadata that dropped the reference is durable (`applyDeferred()`), so a crash can leak
 * clusters but never leave a referenced cluster with refcount 0.
 *
 * Threat note: refcount-table entries come from the image; each refcount-block offset is checked
 * to be cluster-aligned and inside the file before it is read.
 */
import { TableCache } from './cache.js';
import type { HostFile } from '../../host-file.js';
import { be32, corrupt, entryOffset, setBe32, setBe64 } from './util.js';

/** Callback used when the refcount table moved (the header must be rewritten and synced). */
export type ReftableMoved = (offset: number, clusters: number) => Promise<void>;

/** Refcount state of one image. */
export class Refcounts {
  /** Raw big-endian reftable bytes. */
  table: Uint8Array;
  tableOffset: number;
  private tableDirty = false;
  readonly blocks: TableCache;
  /** Refcount entries per refcount block. */
  readonly perBlock: number;
  readonly bits: number;
  readonly maxRefcount: number;
  private readonly cs: number;
  private deferred: number[] = [];
  private freeHint = 0;
  /** Clusters currently being handed out by alloc(): never chosen for a new refcount block. */
  private reserved: [number, number][] = [];
  /** One past the highest cluster known to be in use (allocation never scans beyond + n). */
  endCluster: number;

  constructor(
    private readonly file: HostFile,
    clusterBits: number,
    readonly order: number,
    tableOffset: number,
    table: Uint8Array,
    private readonly onMoved: ReftableMoved,
    cacheBytes?: number,
  ) {
    this.cs = 1 << clusterBits;
    this.bits = 1 << order;
    this.perBlock = (this.cs * 8) / this.bits;
    this.maxRefcount = this.bits >= 53 ? Number.MAX_SAFE_INTEGER : 2 ** this.bits - 1;
    this.table = table;
    this.tableOffset = tableOffset;
    this.blocks = new TableCache(file, this.cs, cacheBytes);
    this.endCluster = Math.ceil(file.size / this.cs);
  }

  /** Number of reftable entries. */
  get tableEntries(): number {
    return this.table.length / 8;
  }

  /** Offset of refcount block `t` (0 = none), validated. */
  blockOffset(t: number): number {
    if (t >= this.tableEntries) return 0;
    const hi = be32(this.table, t * 8);
    const lo = be32(this.table, t * 8 + 4);
    if (hi > 0x00ffffff) throw corrupt(`refcount table entry ${t} has an offset beyond 2^56; the image is damaged (try qemu-img check -r all)`, { index: t });
    const off = entryOffset(hi, lo);
    if (off !== 0 && off % this.cs !== 0) {
      throw corrupt(`refcount block ${t} at offset 0x${off.toString(16)} is not cluster aligned; the image is damaged (try qemu-img check -r all)`, { index: t, offset: off });
    }
    return off;
  }

  private async block(t: number): Promise<{ off: number; data: Uint8Array } | undefined> {
    const off = this.blockOffset(t);
    if (off === 0) return undefined;
    const cached = await this.cachedOrCheck(off, t);
    return { off, data: cached };
  }

  private async cachedOrCheck(off: number, t: number): Promise<Uint8Array> {
    if (!this.blocks.has(off) && off + this.cs > this.file.size) {
      throw corrupt(`refcount block ${t} at offset ${off} lies past the end of the image file (${this.file.size} bytes); the image is damaged (try qemu-img check -r all)`, { index: t, offset: off });
    }
    return this.blocks.get(off);
  }

  /** Reads entry `i` of a refcount block. */
  getEntry(data: Uint8Array, i: number): number {
    switch (this.order) {
      case 0: case 1: case 2: {
        const bit = i * this.bits;
        return ((data[bit >> 3] ?? 0) >> (bit & 7)) & ((1 << this.bits) - 1);
      }
      case 3: return data[i] ?? 0;
      case 4: return ((data[2 * i] ?? 0) << 8) | (data[2 * i + 1] ?? 0);
      case 5: return be32(data, 4 * i);
      default: {
        const hi = be32(data, 8 * i);
        const lo = be32(data, 8 * i + 4);
        return hi > 0x1fffff ? Number.MAX_SAFE_INTEGER : hi * 0x1_0000_0000 + lo;
      }
    }
  }

  /** Writes entry `i` of a refcount block (value already range-checked). */
  setEntry(data: Uint8Array, i: number, v: number): void {
    switch (this.order) {
      case 0: case 1: case 2: {
        const bit = i * this.bits;
        const mask = ((1 << this.bits) - 1) << (bit & 7);
        const byte = data[bit >> 3] ?? 0;
        data[bit >> 3] = (byte & ~mask) | ((v << (bit & 7)) & mask);
        return;
      }
      case 3: data[i] = v; return;
      case 4: data[2 * i] = v >> 8; data[2 * i + 1] = v & 0xff; return;
      case 5: setBe32(data, 4 * i, v); return;
      default: setBe64(data, 8 * i, v);
    }
  }

  /** Refcount of host cluster `c` (0 when no block covers it). */
  async get(c: number): Promise<number> {
    const hit = this.cachedGet(c);
    if (hit !== undefined) return hit;
    const b = await this.block(Math.floor(c / this.perBlock));
    return b ? this.getEntry(b.data, c % this.perBlock) : 0;
  }

  /**
   * Refcount of host cluster `c` when no read is needed (its block is cached, or there is none),
   * else undefined: get() without a promise, for per-cluster loops such as alloc's search.
   */
  private cachedGet(c: number): number | undefined {
    const off = this.blockOffset(Math.floor(c / this.perBlock));
    if (off === 0) return 0;
    const data = this.blocks.peek(off);
    return data === undefined ? undefined : this.getEntry(data, c % this.perBlock);
  }

  /** Sets the refcount of cluster `c`, creating its refcount block (and growing the table) if needed. */
  async set(c: number, v: number): Promise<void> {
    if (v < 0 || v > this.maxRefcount) {
      throw corrupt(`refcount overflow: cluster ${c} would get refcount ${v} (limit ${this.maxRefcount} with ${this.bits}-bit refcounts)`, { cluster: c });
    }
    if (this.setCached(c, v)) return;
    const t = Math.floor(c / this.perBlock);
    let b = await this.block(t);
    if (!b) {
      if (v === 0) return;
      b = await this.createBlock(t);
    }
    this.store(b.off, b.data, c, v);
  }

  /**
   * set() when cluster `c`'s refcount block is cached and `v` is in range: done synchronously
   * (no promise per cluster in allocation loops); false when set() must take its slow path.
   */
  private setCached(c: number, v: number): boolean {
    if (v < 0 || v > this.maxRefcount) return false;
    const off = this.blockOffset(Math.floor(c / this.perBlock));
    const data = off === 0 ? undefined : this.blocks.peek(off);
    if (data === undefined) return false;
    this.store(off, data, c, v);
    return true;
  }

  /** Writes cluster `c`'s refcount into its block (`data` at `off`) and updates the bookkeeping. */
  private store(off: number, data: Uint8Array, c: number, v: number): void {
    this.setEntry(data, c % this.perBlock, v);
    this.blocks.markDirty(off, data);
    if (v > 0 && c + 1 > this.endCluster) this.endCluster = c + 1;
    if (v === 0) {
      if (c < this.freeHint) this.freeHint = c;
      this.freeEvents++;
      this.onFree?.(c * this.cs);
    }
  }

  /** Adds `delta` to cluster `c`'s refcount, failing on overflow or underflow. */
  async add(c: number, delta: number): Promise<number> {
    const v = (await this.get(c)) + delta;
    if (v < 0) throw corrupt(`refcount underflow on cluster ${c}; the image is damaged (run qemu-img check -r all)`, { cluster: c });
    await this.set(c, v);
    return v;
  }

  /** Bumped whenever reftable entries change (lets callers cache the set of refblock offsets). */
  tableVersion = 0;
  /** Count of clusters that became free; lets callers detect stale cached placements. */
  freeEvents = 0;
  /** Called when a cluster's refcount drops to 0 (the driver drops cached tables there). */
  onFree: ((hostOffset: number) => void) | undefined;

  /** Extra veto on allocation (check -r: clusters referenced by metadata but counted 0). */
  avoid: ((c: number) => boolean) | undefined;

  private isReserved(c: number): boolean {
    if (this.avoid?.(c)) return true;
    return this.reserved.some(([a, n]) => c >= a && c < a + n);
  }

  private async createBlock(t: number): Promise<{ off: number; data: Uint8Array }> {
    if (t >= this.tableEntries) {
      await this.grow(t + 1);
      // Growing may itself have created block t (for the new table's own refcounts).
      const made = await this.block(t);
      if (made) return made;
    }
    // Place the block at the first free cluster at or after the first cluster it covers.
    let c = Math.max(t * this.perBlock, 0);
    while (this.isReserved(c) || (Math.floor(c / this.perBlock) !== t && (await this.get(c)) !== 0)) c++;
    const data = new Uint8Array(this.cs);
    const off = c * this.cs;
    this.blocks.put(off, data, true);
    setBe64(this.table, t * 8, off);
    this.tableDirty = true;
    this.tableVersion++;
    if (Math.floor(c / this.perBlock) === t) {
      this.setEntry(data, c % this.perBlock, 1);
      if (c + 1 > this.endCluster) this.endCluster = c + 1;
    } else {
      this.reserved.push([c, 1]);
      try {
        await this.set(c, 1);
      } finally {
        this.reserved.pop();
      }
    }
    return { off, data };
  }

  /** Allocates `n` contiguous free clusters (refcount 1 each) and returns the host offset. */
  async alloc(n: number): Promise<number> {
    let start = this.freeHint;
    let run = 0;
    let c = start;
    while (run < n) {
      if (!this.isReserved(c) && (this.cachedGet(c) ?? await this.get(c)) === 0) {
        if (run === 0) start = c;
        run++;
      } else {
        run = 0;
      }
      c++;
    }
    this.reserved.push([start, n]);
    try {
      for (let i = 0; i < n; i++) if (!this.setCached(start + i, 1)) await this.set(start + i, 1);
    } finally {
      this.reserved.pop();
    }
    if (n === 1 || start === this.freeHint) this.freeHint = start + n;
    return start * this.cs;
  }

  /** Queues a refcount decrement to apply once referencing metadata is durable. */
  freeLater(hostOffset: number, clusters = 1): void {
    const c = Math.floor(hostOffset / this.cs);
    for (let i = 0; i < clusters; i++) this.deferred.push(c + i);
  }

  /** True when decrements are waiting for a flush. */
  hasDeferred(): boolean {
    return this.deferred.length > 0;
  }

  /** Applies queued decrements (call only after the metadata that dropped them is durable). */
  async applyDeferred(): Promise<void> {
    const list = this.deferred;
    this.deferred = [];
    for (const c of list) await this.add(c, -1);
  }

  /** Writes dirty refcount blocks, then the reftable if it changed, each followed by fdatasync. */
  async flush(): Promise<void> {
    const n = await this.blocks.writeDirty();
    if (n > 0 || this.tableDirty) await this.file.sync();
    if (this.tableDirty) {
      this.tableDirty = false;
      await this.file.write(this.tableOffset, this.table);
      await this.file.sync();
    }
  }

  /**
   * Grows the reftable to at least `minEntries` entries: the new table goes to the end of the
   * image, its own refcounts are set (creating blocks as needed), blocks and table are written
   * and synced, then the header is switched (onMoved) and the old table freed.
   */
  async grow(minEntries: number): Promise<void> {
    const old = this.table;
    const oldOffset = this.tableOffset;
    const oldClusters = old.length / this.cs;
    let clusters = Math.max(Math.ceil((minEntries * 8) / this.cs), Math.ceil(oldClusters * 1.5));
    // Beyond everything in use, in the file, or being handed out by an alloc() in progress.
    const reservedEnd = this.reserved.reduce((m, [a, n]) => Math.max(m, a + n), 0);
    const start = Math.max(this.endCluster, Math.ceil(this.file.size / this.cs), reservedEnd);
    // The table must also cover itself and the blocks describing it.
    while ((clusters * this.cs) / 8 * this.perBlock < start + clusters * 2 + 2) clusters++;
    if (clusters * this.cs > 8 * 1024 * 1024) {
      throw corrupt(`Reference count table too large: growing it to ${clusters} clusters exceeds QEMU's 8 MiB limit`);
    }
    const table = new Uint8Array(clusters * this.cs);
    table.set(old);
    this.tableVersion++;
    this.table = table;
    this.tableOffset = start * this.cs;
    this.reserved.push([start, clusters]);
    try {
      for (let i = 0; i < clusters; i++) await this.set(start + i, 1);
    } finally {
      this.reserved.pop();
    }
    await this.blocks.writeDirty();
    await this.file.write(this.tableOffset, this.table);
    await this.file.sync();
    this.tableDirty = false;
    await this.onMoved(this.tableOffset, clusters);
    for (let i = 0; i < oldClusters; i++) this.freeLater(oldOffset + i * this.cs);
  }

  /** Drops all cached blocks (after an out-of-band rewrite such as a repair). */
  reset(table: Uint8Array, tableOffset: number): void {
    this.tableVersion++;
    this.table = table;
    this.tableOffset = tableOffset;
    this.blocks.clear();
    this.freeHint = 0;
    this.tableDirty = false;
  }

  /** Marks the in-memory table as needing a write. */
  markTableDirty(): void {
    this.tableDirty = true;
  }
}
