/**
 * The qcow2 block driver: open (header, tables, backing chain, dirty/corrupt handling), reads,
 * allocating writes with copy-on-write, zero writes, discard, flush and close. Whole-image
 * operations (check, snapshots, resize, amend, ...) live in their own files and are wired in
 * index.ts.
 *
 * Write ordering (crash safety): data clusters are written at once; new refcounts sit in dirty
 * cached refcount blocks and new L2/L1 entries in dirty cached L2 tables / the in-memory L1.
 * flush() writes refcount blocks (+reftable), fdatasync, L2 tables, fdatasync, L1, fdatasync, and
 * only then applies queued refcount decrements. So the disk never holds an L2/L1 entry whose data
 * or refcount is not yet durable, and never a zero refcount for a referenced cluster.
 */
import { BlockError, type BlockDriver, type BlockInfo, type BlockStatus } from '../../driver.js';
import type { OpenOptions } from '../../format.js';
import { type BackingResolver, enterChain, leaveChain, RawReader, resolveBackingPath } from './backing.js';
import { DEFAULT_CACHE_BYTES, TableCache } from './cache.js';
import { encodeCompressed } from './compressed-entry.js';
import {
  COMPAT_LAZY_REFCOUNTS, INCOMPAT_CORRUPT, INCOMPAT_DIRTY, INCOMPAT_EXTL2, l2Entries, parseHeader,
  QCOW_MAGIC, serializeHeader, type Qcow2Header,
} from './header.js';
import { HostFile } from '../../host-file.js';
import { Refcounts } from './refcount.js';
import {
  l1Entry, l1Offset, l2Entry, type Mapping, setL1Entry, setL2Data, setL2Raw, setL2Sub, setL2Zero, UNALLOCATED,
  validateHost,
} from './tables.js';
import { blockStatusOf, infoOf } from './status.js';
import { corrupt, Mutex } from './util.js';

/** Shared core of an open qcow2 image; the ImageOps files operate on it. */

/** The (de)compressors with zlib and zstd, imported when the first compressed cluster is met. */
const compressors = (): Promise<typeof import('./compress.js')> => import('./compress.js');
/** Most whole clusters one write allocates and writes in a single request. */
const MAX_BATCH_CLUSTERS = 64;
export class Qcow2Core implements BlockDriver {
  readonly cs: number;
  readonly cb: number;
  readonly extL2: boolean;
  readonly l2e: number;
  /** In-memory active L1 table (raw big-endian entries). */
  l1: Uint8Array;
  l1Dirty = false;
  readonly l2cache: TableCache;
  readonly rc: Refcounts;
  readonly mutex = new Mutex();
  backing: BlockDriver | undefined;
  backingSize = 0;
  /** Why the image was downgraded to read-only (corrupt bit), if it was. */
  notice: string | undefined;
  private closed = false;
  private dirtyBitWritten = false;
  private compTail = 0;
  private compTailEpoch = -1;
  private lastInflated: { off: number; data: Uint8Array } | undefined;
  /** In-place data writes running outside the mutex (see tryWriteInPlace). */
  private readonly inPlace = new Set<Promise<void>>();
  /** Whole-image operations running (exclusive()); in-place writes wait for the mutex meanwhile. */
  private exclusiveDepth = 0;
  /** A flush queued on the mutex that has not started yet (flush() callers share it). */
  private queuedFlush: Promise<void> | undefined;

  protected constructor(
    readonly file: HostFile,
    public h: Qcow2Header,
    l1: Uint8Array,
    reftable: Uint8Array,
    public readOnly: boolean,
    notice: string | undefined,
  ) {
    this.cb = h.clusterBits;
    this.cs = 1 << h.clusterBits;
    this.extL2 = (h.incompatible & INCOMPAT_EXTL2) !== 0n;
    this.l2e = l2Entries(h);
    this.l1 = l1;
    this.notice = notice;
    this.l2cache = new TableCache(file, this.cs, DEFAULT_CACHE_BYTES);
    this.rc = new Refcounts(file, h.clusterBits, h.refcountOrder, h.refcountTableOffset, reftable, async (off, clusters) => {
      this.h.refcountTableOffset = off;
      this.h.refcountTableClusters = clusters;
      await this.writeHeader();
      await this.file.sync();
    });
    this.rc.onFree = (off) => {
      this.l2cache.drop(off);
      if (this.lastInflated && Math.floor(this.lastInflated.off / this.cs) * this.cs === off) this.lastInflated = undefined;
    };
  }

  /** Reads and validates everything an open needs; see index.ts for the public entry point. */
  protected static async load(path: string, options: OpenOptions): Promise<{ file: HostFile; h: Qcow2Header; l1: Uint8Array; reftable: Uint8Array; readOnly: boolean; notice?: string }> {
    let readOnly = options.readOnly;
    const lock = options.lock !== false;
    let file = await HostFile.open(path, readOnly, lock);
    file.unsafe = options.cache === 'unsafe';
    try {
      const first = new Uint8Array(Math.min(file.size, 112));
      await file.read(0, first);
      let cs = 512;
      if (first.length >= 24) {
        const dv = new DataView(first.buffer);
        const bits = dv.getUint32(20);
        if (dv.getUint32(0) === QCOW_MAGIC && bits >= 9 && bits <= 21) cs = 1 << bits;
      }
      const head = new Uint8Array(Math.min(file.size, cs));
      await file.read(0, head);
      const h = parseHeader(head, file.size, path);
      let notice: string | undefined;
      if (h.incompatible & INCOMPAT_CORRUPT && !readOnly) {
        notice = `qcow2: Image '${path}' is marked corrupt (its metadata was found inconsistent); it was opened read-only. Run 'qemu-img check -r all' on it to repair it.`;
        await file.close();
        file = await HostFile.open(path, true, lock);
        readOnly = true;
      }
      const reftable = new Uint8Array(h.refcountTableClusters * (1 << h.clusterBits));
      await file.read(h.refcountTableOffset, reftable);
      const l1 = new Uint8Array(h.l1Size * 8);
      await file.read(h.l1TableOffset, l1);
      return { file, h, l1, reftable, readOnly, ...(notice ? { notice } : {}) };
    } catch (e) {
      await file.close();
      throw e;
    }
  }

  /** Opens the backing chain (called once by the public open). */
  protected async openBackingChain(path: string, resolver: BackingResolver | undefined, self: (p: string) => Promise<BlockDriver>): Promise<void> {
    if (this.h.backingFile === undefined) return;
    const bpath = resolveBackingPath(path, this.h.backingFile);
    const fmt = this.h.backingFormat;
    let drv: BlockDriver;
    try {
      if (resolver) drv = await resolver(bpath, fmt, true);
      else if (fmt === 'qcow2' || (fmt === undefined && (await looksLikeQcow2(bpath)))) drv = await self(bpath);
      else if (fmt === undefined || fmt === 'raw') drv = await RawReader.open(bpath);
      else throw new BlockError('unsupported-feature', `backing format '${fmt}' needs a format resolver`, { path: bpath });
    } catch (e) {
      if (e instanceof BlockError && (e.kind === 'corrupt-image' || e.kind === 'unsupported-feature' || e.kind === 'invalid-format')) {
        throw new BlockError(e.kind, `Could not open backing file '${bpath}' of '${path}': ${e.message}`, { path: bpath }, e);
      }
      throw new BlockError('io', `Could not open backing file '${bpath}' of '${path}': ${(e as Error).message}`, { path: bpath }, e);
    }
    this.backing = drv;
    this.backingSize = (await drv.getInfo()).virtualSize;
  }

  /** Enters the process-wide chain guard for `path`; returns the token for leaveChain. */
  protected static enter(path: string): Promise<string> {
    return enterChain(path);
  }
  /** Leaves the chain guard. */
  protected static leave(token: string): void {
    leaveChain(token);
  }

  /**
   * Runs a whole-image operation (snapshots, resize, check, amend, preallocation) under the mutex
   * once the in-place writes already running have finished; none start while it runs.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      this.exclusiveDepth++;
      try {
        await this.drainInPlace();
        return await fn();
      } finally {
        this.exclusiveDepth--;
      }
    });
  }

  /** Waits for the in-place writes running now (not for ones that start later). */
  private async drainInPlace(): Promise<void> {
    if (this.inPlace.size > 0) await Promise.allSettled([...this.inPlace]);
  }

  // ---------------------------------------------------------------- header and dirty bit

  /** Rewrites cluster 0 from `h` (not synced). */
  async writeHeader(): Promise<void> {
    await this.file.write(0, serializeHeader(this.h));
  }

  private get lazy(): boolean {
    return (this.h.compatible & COMPAT_LAZY_REFCOUNTS) !== 0n;
  }

  private async markDirtyBit(): Promise<void> {
    if (this.dirtyBitWritten || !this.lazy) return;
    this.h.incompatible |= INCOMPAT_DIRTY;
    await this.writeHeader();
    await this.file.sync();
    this.dirtyBitWritten = true;
  }

  // ---------------------------------------------------------------- lookup

  /** Throws out-of-range unless [offset, offset+length) lies inside the virtual disk. */
  checkRange(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.h.size) {
      throw new BlockError('out-of-range', `request [${offset}, +${length}) is outside the virtual disk (${this.h.size} bytes)`, { offset, length });
    }
  }

  /** Throws unless the image may be modified (open, writable, not marked corrupt). */
  assertWritable(): void {
    this.checkWritable();
  }

  private checkWritable(): void {
    if (this.closed) throw new BlockError('io', `image '${this.file.path}' is closed`);
    if (this.readOnly) throw new BlockError('read-only', this.notice ?? `image '${this.file.path}' is opened read-only`, { path: this.file.path });
  }

  /** Loads the L2 table at `off` (validated), or undefined for L1 index `i` unallocated. */
  async l2Table(i: number): Promise<{ off: number; table: Uint8Array; copied: boolean } | undefined> {
    if (i >= this.h.l1Size) return undefined;
    const { off, copied } = l1Entry(this.l1, i);
    if (off === 0) return undefined;
    if (!this.l2cache.has(off)) validateHost(off, this.cs, this.file.size, `L1 entry ${i}`);
    return { off, table: await this.l2cache.get(off), copied };
  }

  /** Mapping of guest cluster `ci`. */
  async mapping(ci: number): Promise<Mapping> {
    const hit = this.cachedMapping(ci);
    if (hit !== undefined) return hit;
    const l2 = await this.l2Table(Math.floor(ci / this.l2e));
    if (!l2) return { kind: 'unallocated' };
    return l2Entry(l2.table, ci % this.l2e, this.extL2, this.cb);
  }

  /**
   * Mapping of guest cluster `ci` when no read is needed (its L2 table is cached, or there is
   * none), else undefined. Synchronous, so per-cluster loops over cached tables (copying, block
   * status) create no promises: the same answer as mapping().
   */
  cachedMapping(ci: number): Mapping | undefined {
    const i = Math.floor(ci / this.l2e);
    if (i >= this.h.l1Size) return UNALLOCATED;
    const off = l1Offset(this.l1, i);
    if (off === 0) return UNALLOCATED;
    const table = this.l2cache.peek(off);
    return table === undefined ? undefined : l2Entry(table, ci % this.l2e, this.extL2, this.cb);
  }

  // ---------------------------------------------------------------- read

  /** Reads guest bytes; see BlockDriver. */
  async read(offset: number, buf: Uint8Array): Promise<void> {
    this.checkRange(offset, buf.length);
    let done = 0;
    while (done < buf.length) {
      const pos = offset + done;
      const inC = pos % this.cs;
      let n = Math.min(this.cs - inC, buf.length - done);
      const ci = Math.floor(pos / this.cs);
      const m = this.cachedMapping(ci) ?? await this.mapping(ci);
      if (m.kind === 'data' && n < buf.length - done) {
        // Guest clusters stored back to back in the file are read with one request, as qemu does.
        validateHost(m.host, this.cs, this.file.size, `L2 entry for guest offset ${ci * this.cs}`);
        let next = ci + 1;
        while (done + n < buf.length) {
          const nm = this.cachedMapping(next) ?? await this.mapping(next);
          if (nm.kind !== 'data' || nm.host !== m.host + (next - ci) * this.cs) break;
          validateHost(nm.host, this.cs, this.file.size, `L2 entry for guest offset ${next * this.cs}`);
          n = Math.min(n + this.cs, buf.length - done);
          next++;
        }
        await this.file.read(m.host + inC, buf.subarray(done, done + n));
      } else {
        await this.readInCluster(pos, buf.subarray(done, done + n));
      }
      done += n;
    }
  }

  private async readBacking(pos: number, out: Uint8Array): Promise<void> {
    if (!this.backing || pos >= this.backingSize) {
      out.fill(0);
      return;
    }
    const n = Math.min(out.length, this.backingSize - pos);
    await this.backing.read(pos, out.subarray(0, n));
    out.fill(0, n);
  }

  /** Reads bytes inside one guest cluster (no virtual-size check; used by COW too). */
  async readInCluster(pos: number, out: Uint8Array): Promise<void> {
    const ci = Math.floor(pos / this.cs);
    const inC = pos % this.cs;
    const m = await this.mapping(ci);
    switch (m.kind) {
      case 'unallocated':
        return this.readBacking(pos, out);
      case 'zero':
        out.fill(0);
        return;
      case 'data':
        validateHost(m.host, this.cs, this.file.size, `L2 entry for guest offset ${ci * this.cs}`);
        return this.file.read(m.host + inC, out);
      case 'compressed': {
        const data = await this.inflate(m.range.offset, m.range.length);
        out.set(data.subarray(inC, inC + out.length));
        return;
      }
      case 'sub': {
        const sc = this.cs / 32;
        let p = 0;
        while (p < out.length) {
          const idx = Math.floor((inC + p) / sc);
          const n = Math.min(out.length - p, (idx + 1) * sc - (inC + p));
          const bit = 1 << idx;
          const piece = out.subarray(p, p + n);
          if (m.alloc & bit && m.zero & bit) throw corrupt(`extended L2 entry for guest offset ${ci * this.cs} marks subcluster ${idx} both allocated and zero`, { cluster: ci });
          if (m.alloc & bit) {
            validateHost(m.host, this.cs, this.file.size, `L2 entry for guest offset ${ci * this.cs}`);
            await this.file.read(m.host + inC + p, piece);
          } else if (m.zero & bit) piece.fill(0);
          else await this.readBacking(pos + p, piece);
          p += n;
        }
        return;
      }
    }
  }

  private async inflate(off: number, len: number): Promise<Uint8Array> {
    if (this.lastInflated?.off === off) return this.lastInflated.data;
    if (off === 0 || off >= this.file.size) throw corrupt(`compressed cluster at host offset ${off} lies past the end of the image file (${this.file.size} bytes)`, { offset: off });
    if (len > this.cs + 512) throw corrupt(`compressed cluster at host offset ${off} claims ${len} bytes, more than a cluster`, { offset: off });
    const src = new Uint8Array(len);
    await this.file.read(off, src);
    const data = (await compressors()).inflateCluster(src, this.cs, this.h.compressionType, off);
    this.lastInflated = { off, data };
    return data;
  }

  // ---------------------------------------------------------------- write

  /** Writes guest bytes, allocating clusters as needed; see BlockDriver. */
  async write(offset: number, buf: Uint8Array): Promise<void> {
    this.checkWritable();
    this.checkRange(offset, buf.length);
    const inPlace = this.tryWriteInPlace(offset, buf);
    if (inPlace) return inPlace;
    await this.mutex.run(async () => {
      await this.markDirtyBit();
      let done = 0;
      while (done < buf.length) {
        const pos = offset + done;
        const whole = Math.floor((buf.length - done) / this.cs);
        if (pos % this.cs === 0 && whole > 1 && !this.extL2) {
          const n = await this.writeNewClusters(pos / this.cs, Math.min(whole, MAX_BATCH_CLUSTERS), buf.subarray(done));
          if (n > 0) {
            done += n;
            continue;
          }
        }
        const n = Math.min(this.cs - (pos % this.cs), buf.length - done);
        await this.writeInCluster(pos, buf.subarray(done, done + n));
        done += n;
      }
    });
  }

  /**
   * Writes without the mutex when every cluster the request touches is already allocated with
   * refcount 1 (the COPIED flag) and its L2 table is cached: nothing but data changes, so requests
   * to such clusters overlap with each other and with allocating writes. The mapping is read and
   * the write registered in one synchronous step; a mapping changed later (discard, rewrite) only
   * queues the old cluster's release, which flushLocked applies after draining these writes, so a
   * running write never lands in a cluster that was freed and handed out again. Returns undefined
   * (take the mutex) when any cluster needs allocation, copy-on-write or a table read, while a
   * whole-image operation runs, or before the lazy-refcounts dirty bit is on disk.
   */
  private tryWriteInPlace(offset: number, buf: Uint8Array): Promise<void> | undefined {
    if (this.exclusiveDepth > 0 || (this.lazy && !this.dirtyBitWritten) || buf.length === 0) return undefined;
    const runs: { host: number; start: number; end: number }[] = [];
    for (let done = 0; done < buf.length;) {
      const pos = offset + done;
      const ci = Math.floor(pos / this.cs);
      const n = Math.min(this.cs - (pos % this.cs), buf.length - done);
      const l1i = Math.floor(ci / this.l2e);
      if (l1i >= this.h.l1Size) return undefined;
      const off = l1Offset(this.l1, l1i);
      const table = off === 0 ? undefined : this.l2cache.peek(off);
      if (!table) return undefined;
      const m = l2Entry(table, ci % this.l2e, this.extL2, this.cb);
      const whole = (m.kind === 'data' && m.copied) || (m.kind === 'sub' && m.copied && m.alloc === 0xffffffff);
      // Bad or metadata-overlapping targets take the locked path, which reports them.
      if (!whole || m.host === 0 || m.host % this.cs !== 0 || m.host >= this.file.size || this.overlapsMetadata(m.host)) return undefined;
      const host = m.host + (pos % this.cs);
      const last = runs[runs.length - 1];
      if (last && last.host + (last.end - last.start) === host) last.end = done + n;
      else runs.push({ host, start: done, end: done + n });
      done += n;
    }
    const p = (async () => {
      for (const r of runs) await this.file.write(r.host, buf.subarray(r.start, r.end));
    })();
    this.inPlace.add(p);
    return p.finally(() => this.inPlace.delete(p));
  }

  /**
   * Whole guest clusters that are unallocated get host clusters allocated back to back and their
   * data written with one request (the refcounts and L2 entries are ordered by flush() as for a
   * single cluster). Returns the bytes written: 0 when the first cluster is not unallocated.
   */
  private async writeNewClusters(ci: number, max: number, data: Uint8Array): Promise<number> {
    // A run stays within one L2 table, which is allocated (when new) before the data clusters,
    // as qemu does: a converted image gets qemu-img's layout.
    const l1i = Math.floor(ci / this.l2e);
    const limit = Math.min(max, (l1i + 1) * this.l2e - ci);
    let k = 0;
    while (k < limit && (this.cachedMapping(ci + k) ?? await this.mapping(ci + k)).kind === 'unallocated') k++;
    if (k < 2) return 0;
    const l2 = await this.l2ForWrite(l1i);
    const host = await this.rc.alloc(k);
    await this.file.write(host, data.subarray(0, k * this.cs));
    for (let j = 0; j < k; j++) setL2Data(l2.table, (ci + j) % this.l2e, this.extL2, host + j * this.cs, true);
    this.l2cache.markDirty(l2.off, l2.table);
    await this.maybeFlush();
    return k * this.cs;
  }

  /** L2 table for writing guest L1 index `i`: allocated or copied (COW) when needed. */
  async l2ForWrite(i: number): Promise<{ off: number; table: Uint8Array }> {
    const cur = await this.l2Table(i);
    if (cur && cur.copied) {
      if (this.overlapsMetadata(cur.off, false)) await this.markCorrupt(`L1 entry ${i} points at other metadata (host offset ${cur.off})`, cur.off);
      return cur;
    }
    const off = await this.rc.alloc(1);
    const table = cur ? cur.table.slice() : new Uint8Array(this.cs);
    this.l2cache.put(off, table, true);
    setL1Entry(this.l1, i, off, true);
    this.l1Dirty = true;
    if (cur) this.rc.freeLater(cur.off);
    return { off, table };
  }

  /** Queues the release of whatever host clusters a mapping held. */
  releaseMapping(m: Mapping): void {
    if ((m.kind === 'data' || m.kind === 'zero' || m.kind === 'sub') && m.host !== 0) this.rc.freeLater(m.host);
    if (m.kind === 'compressed') {
      const first = Math.floor(m.range.offset / this.cs);
      const last = Math.floor((m.range.offset + m.range.length - 1) / this.cs);
      for (let c = first; c <= last; c++) this.rc.freeLater(c * this.cs);
    }
  }

  private metaBlocks: Set<number> | undefined;
  private metaVersion = -1;

  /** True when host cluster `host` holds metadata (header, tables, refcount blocks, cached L2s). */
  overlapsMetadata(host: number, l2TablesToo = true): boolean {
    const within = (off: number, len: number) => len > 0 && host + this.cs > off && host < off + len;
    if (host < this.cs) return true;
    if (within(this.h.l1TableOffset, this.h.l1Size * 8) || within(this.rc.tableOffset, this.rc.table.length)) return true;
    if (this.h.nbSnapshots > 0 && within(this.h.snapshotsOffset, this.cs)) return true;
    if (l2TablesToo && this.l2cache.has(host)) return true;
    if (this.metaVersion !== this.rc.tableVersion || !this.metaBlocks) {
      this.metaBlocks = new Set();
      for (let t = 0; t < this.rc.tableEntries; t++) {
        try {
          const off = this.rc.blockOffset(t);
          if (off) this.metaBlocks.add(off);
        } catch {
          // A bad entry is reported by check; it cannot be a valid overlap target.
        }
      }
      this.metaVersion = this.rc.tableVersion;
    }
    return this.metaBlocks.has(host);
  }

  /** Validates the host cluster of an in-place write; an overlap with metadata marks the image corrupt. */
  private async checkDataTarget(host: number, ci: number): Promise<void> {
    validateHost(host, this.cs, this.file.size, `L2 entry for guest offset ${ci * this.cs}`);
    if (this.overlapsMetadata(host)) await this.markCorrupt(`the L2 entry for guest offset ${ci * this.cs} points at metadata (host offset ${host})`, host);
  }

  /** Sets the corrupt bit (as QEMU does when a write would hit metadata), goes read-only, throws. */
  private async markCorrupt(what: string, host: number): Promise<never> {
    this.h.incompatible |= INCOMPAT_CORRUPT;
    await this.writeHeader();
    await this.file.sync();
    this.readOnly = true;
    this.notice = `qcow2: Image '${this.file.path}' is corrupt: ${what}; the image was marked corrupt and further writes are refused. Run 'qemu-img check -r all' to repair it.`;
    throw corrupt(this.notice, { offset: host });
  }

  private async writeInCluster(pos: number, data: Uint8Array): Promise<void> {
    const ci = Math.floor(pos / this.cs);
    const inC = pos % this.cs;
    const m = await this.mapping(ci);
    if ((m.kind === 'data' && m.copied) || (m.kind === 'sub' && m.copied && m.alloc === 0xffffffff)) {
      await this.checkDataTarget(m.host, ci);
      await this.file.write(m.host + inC, data);
      return;
    }
    if (this.extL2 && (m.kind === 'unallocated' || (m.kind === 'sub' && (m.host === 0 || m.copied)))) {
      await this.writeSubclusters(ci, inC, data, m);
      return;
    }
    const reuse = (m.kind === 'sub' || m.kind === 'zero') && m.copied && m.host !== 0;
    if (reuse) await this.checkDataTarget(m.host, ci);
    // The L2 table first (allocated when new), then the data cluster, in qemu's order.
    const l2 = await this.l2ForWrite(Math.floor(ci / this.l2e));
    const host = reuse ? m.host : await this.rc.alloc(1);
    // The rest of the cluster reads as zeroes (zero cluster, no backing data) and the new host
    // cluster lies past the end of the file: as qemu does, zero the cluster with
    // fallocate(ZERO_RANGE), which also extends the file over it, and write only the new bytes
    // (where ZERO_RANGE is unsupported, extending the file leaves the rest reading as zeroes).
    const zeroRest = m.kind === 'zero' || (m.kind === 'unallocated' && (!this.backing || ci * this.cs >= this.backingSize));
    if (!reuse && zeroRest && host >= this.file.size) {
      if (!this.file.zeroRange(host, this.cs)) this.file.extendTo(host + this.cs);
      await this.file.write(host + inC, data);
    } else {
      let full = data;
      if (data.length !== this.cs) {
        full = new Uint8Array(this.cs);
        await this.readInCluster(ci * this.cs, full);
        full.set(data, inC);
      }
      await this.file.write(host, full);
    }
    setL2Data(l2.table, ci % this.l2e, this.extL2, host, true);
    this.l2cache.markDirty(l2.off, l2.table);
    if (!reuse) this.releaseMapping(m);
    await this.maybeFlush();
  }

  /**
   * Extended L2: writes only the subclusters the request touches (filling the untouched part of
   * a partially written, unallocated subcluster from the backing file or zeroes), so the rest of
   * the cluster keeps reading from the backing file, as QEMU does.
   */
  private async writeSubclusters(ci: number, inC: number, data: Uint8Array, m: Mapping): Promise<void> {
    const sc = this.cs / 32;
    const first = Math.floor(inC / sc);
    const last = Math.floor((inC + data.length - 1) / sc);
    const alloc = m.kind === 'sub' ? m.alloc : 0;
    const zero = m.kind === 'sub' ? m.zero : 0;
    const has = (idx: number): boolean => ((alloc >>> idx) & 1) === 1;
    const start = has(first) ? inC : first * sc;
    const end = has(last) ? inC + data.length : (last + 1) * sc;
    let buf = data;
    if (start !== inC || end !== inC + data.length) {
      buf = new Uint8Array(end - start);
      if (start < inC) await this.readInCluster(ci * this.cs + start, buf.subarray(0, inC - start));
      if (end > inC + data.length) await this.readInCluster(ci * this.cs + inC + data.length, buf.subarray(inC + data.length - start));
      buf.set(data, inC - start);
    }
    const reuse = m.kind === 'sub' && m.host !== 0;
    if (reuse) await this.checkDataTarget(m.host, ci);
    const host = reuse ? m.host : await this.rc.alloc(1);
    await this.file.write(host + start, buf);
    let mask = 0;
    for (let idx = first; idx <= last; idx++) mask |= 1 << idx;
    const l2 = await this.l2ForWrite(Math.floor(ci / this.l2e));
    setL2Sub(l2.table, ci % this.l2e, host, true, (alloc | mask) >>> 0, (zero & ~mask) >>> 0);
    this.l2cache.markDirty(l2.off, l2.table);
    await this.maybeFlush();
  }

  /** Flushes when dirty metadata exceeds the cache budget (caller holds the mutex). */
  async maybeFlush(): Promise<void> {
    if (this.l2cache.overBudget() || this.rc.blocks.overBudget()) await this.flushLocked();
  }

  /** Writes one whole cluster compressed (qemu-img convert -c); falls back to plain if it does not shrink. */
  async writeCompressed(offset: number, data: Uint8Array): Promise<void> {
    this.checkWritable();
    if (offset % this.cs !== 0) throw new BlockError('out-of-range', `compressed write at ${offset} is not cluster aligned`, { offset });
    const tail = Math.min(this.cs, this.h.size - offset);
    if (data.length !== tail) throw new BlockError('out-of-range', `compressed write must cover one whole cluster (${tail} bytes), got ${data.length}`, { offset });
    this.checkRange(offset, data.length);
    let full = data;
    if (data.length < this.cs) {
      full = new Uint8Array(this.cs);
      full.set(data);
    }
    const packed = (await compressors()).deflateCluster(full);
    if (!packed) return this.write(offset, data);
    await this.mutex.run(async () => {
      await this.markDirtyBit();
      const len = Math.ceil(packed.length / 512) * 512;
      let host: number;
      // Pack into the cluster of the previous compressed write unless anything was freed since
      // (that cluster could have been freed and reused) or its refcount is saturated.
      const tailCluster = Math.floor(this.compTail / this.cs);
      if (this.compTail === 0 || this.compTailEpoch !== this.rc.freeEvents || this.compTail % this.cs === 0 ||
          (this.compTail % this.cs) + len > this.cs || (await this.rc.get(tailCluster)) >= this.rc.maxRefcount) {
        host = await this.rc.alloc(Math.ceil(len / this.cs));
      } else {
        host = this.compTail;
        await this.rc.add(Math.floor(host / this.cs), 1);
      }
      this.compTail = host + len;
      this.compTailEpoch = this.rc.freeEvents;
      const padded = new Uint8Array(len);
      padded.set(packed);
      await this.file.write(host, padded);
      const ci = offset / this.cs;
      const old = await this.mapping(ci);
      const l2 = await this.l2ForWrite(Math.floor(ci / this.l2e));
      const [hi, lo] = encodeCompressed(host, packed.length, this.cb);
      setL2Raw(l2.table, ci % this.l2e, this.extL2, hi, lo);
      this.l2cache.markDirty(l2.off, l2.table);
      this.releaseMapping(old);
      this.lastInflated = undefined;
      await this.maybeFlush();
    });
  }

  /** Zeroes or discards whole clusters; partial clusters are written (zeroes) or left (discard). */
  private async unmapRange(offset: number, length: number, zero: boolean): Promise<void> {
    this.checkWritable();
    this.checkRange(offset, length);
    await this.mutex.run(async () => {
      await this.markDirtyBit();
      let pos = offset;
      const end = offset + length;
      while (pos < end) {
        const ci = Math.floor(pos / this.cs);
        const cEnd = Math.min((ci + 1) * this.cs, end);
        const whole = pos % this.cs === 0 && (cEnd - pos === this.cs || cEnd === this.h.size);
        if (!whole) {
          if (zero) await this.writeInCluster(pos, new Uint8Array(cEnd - pos));
        } else {
          await this.unmapCluster(ci, zero);
        }
        pos = cEnd;
      }
    });
  }

  private async unmapCluster(ci: number, zero: boolean): Promise<void> {
    const m = await this.mapping(ci);
    const v3 = this.h.version === 3;
    const needZeroFlag = this.backing !== undefined && (zero || v3);
    if (needZeroFlag && !v3) {
      await this.writeInCluster(ci * this.cs, new Uint8Array(this.cs));
      return;
    }
    if (m.kind === 'unallocated' && !needZeroFlag) return;
    if (m.kind === 'zero' && m.host === 0) return;
    const l2 = await this.l2ForWrite(Math.floor(ci / this.l2e));
    setL2Zero(l2.table, ci % this.l2e, this.extL2, needZeroFlag || (zero && v3));
    this.l2cache.markDirty(l2.off, l2.table);
    this.releaseMapping(m);
    this.lastInflated = undefined;
    await this.maybeFlush();
  }

  /** See BlockDriver.discard: whole clusters become unallocated (or zero over a backing file). */
  discard(offset: number, length: number): Promise<void> {
    return this.unmapRange(offset, length, false);
  }

  /** See BlockDriver.writeZeroes: whole clusters get the zero flag (v3) or are unmapped. */
  writeZeroes(offset: number, length: number): Promise<void> {
    return this.unmapRange(offset, length, true);
  }

  // ---------------------------------------------------------------- flush / close

  /**
   * Flush body; caller holds the mutex. With lazy refcounts (dirty bit already on disk) refcount
   * blocks stay in the cache until close or until they exceed the cache budget: a crash leaves
   * the dirty bit set and the next read-write open rebuilds them. `final` forces them out.
   */
  async flushLocked(final = false): Promise<void> {
    if (this.readOnly) return;
    const lazyNow = this.lazy && this.dirtyBitWritten && !final;
    if (!lazyNow || this.rc.blocks.overBudget()) await this.rc.flush();
    await this.file.sync();
    const n = await this.l2cache.writeDirty();
    if (n > 0) await this.file.sync();
    if (this.l1Dirty) {
      this.l1Dirty = false;
      await this.file.write(this.h.l1TableOffset, this.l1);
      await this.file.sync();
    }
    if (this.rc.hasDeferred()) {
      // An in-place write that looked up a mapping before it changed may still target a cluster
      // released since: let it finish before the cluster can be freed and reused.
      await this.drainInPlace();
      await this.rc.applyDeferred();
      if (!lazyNow) await this.rc.flush();
    }
  }

  /**
   * See BlockDriver.flush. Concurrent callers share a flush that has not started yet: it starts
   * after each of them asked, so it covers every write they saw complete.
   */
  flush(): Promise<void> {
    if (this.closed || this.readOnly) return Promise.resolve();
    if (this.queuedFlush) return this.queuedFlush;
    const p: Promise<void> = this.mutex.run(() => {
      if (this.queuedFlush === p) this.queuedFlush = undefined;
      return this.flushLocked();
    });
    this.queuedFlush = p;
    return p;
  }

  /** Flushes, clears the dirty bit (lazy refcounts), closes the file and the backing chain. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.readOnly) {
      await this.exclusive(async () => {
        await this.flushLocked(true);
        if (this.h.incompatible & INCOMPAT_DIRTY) {
          this.h.incompatible &= ~INCOMPAT_DIRTY;
          await this.writeHeader();
          await this.file.sync();
        }
      });
    }
    this.closed = true;
    await this.file.close();
    await this.backing?.close();
  }

  // ---------------------------------------------------------------- info

  /** See BlockDriver.getInfo; formatSpecific mirrors qemu-img info's format-specific.data. */
  getInfo(): Promise<BlockInfo> {
    return infoOf(this);
  }

  /** See BlockDriver.blockStatus: extent of clusters sharing the first cluster's state. */
  blockStatus(offset: number, length: number): Promise<BlockStatus> {
    this.checkRange(offset, length);
    return blockStatusOf(this, offset, length);
  }
}

async function looksLikeQcow2(path: string): Promise<boolean> {
  const f = await HostFile.open(path, true, false);
  try {
    const b = new Uint8Array(8);
    await f.read(0, b);
    const dv = new DataView(b.buffer);
    return dv.getUint32(0) === QCOW_MAGIC && dv.getUint32(4) >= 2;
  } finally {
    await f.close();
  }
}
