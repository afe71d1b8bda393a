/**
 * The legacy qcow (version 1) format, read and write, as QEMU's block/qcow.c lays it out:
 * a 48-byte header, one L1 table, L2 tables and data clusters appended at the end of the file,
 * no refcounts. Compressed clusters (raw deflate) are read and written (`convert -c`).
 * Threat note: L1/L2 entries are untrusted; offsets are range-checked before use and a
 * compressed cluster must inflate to exactly one cluster.
 */
import { deflateRaw, inflateRawSync, constants as zc } from 'node:zlib';
import { promisify } from 'node:util';

const deflateRawAsync = promisify(deflateRaw);
import { BlockError, type BlockDriver, type BlockInfo, type BlockStatus } from '../../driver.js';
import type { CreateOptions, ImageFormat, OpenBackingFn, OpenOptions } from '../../format.js';
import type { ImageOps } from '../../image-ops.js';
import { HostFile } from '../../host-file.js';
import { Mutex } from '../../mutex.js';
import { checkRange } from '../../range.js';
import { resolveBackingPath } from '../../backing-path.js';
import { QCOW_HEADER_SIZE, buildQcowHeader, isQcowHead, parseQcowHeader, type QcowHeader } from './header.js';

const COMPRESSED = 1n << 63n;
const MAX_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);
/** L2 tables kept in memory (each at most 64 KiB). */
const L2_CACHE_MAX = 512;
/** Changed L2 tables held before they are written back without waiting for flush(). */
const MAX_DIRTY_L2 = 1024;

/** What one L2 entry says about a guest cluster. */
type Mapping =
  | { kind: 'unallocated' }
  | { kind: 'normal'; host: number }
  | { kind: 'compressed'; host: number; csize: number };

/** An open qcow image. */
export class QcowDriver implements BlockDriver, ImageOps {
  private readonly cs: number;
  private readonly l2Entries: number;
  private readonly l2Cache = new Map<number, BigUint64Array>();
  /** Changed L2 tables not yet written back, by file offset. */
  private readonly dirtyL2 = new Map<number, BigUint64Array>();
  private readonly lock = new Mutex();
  private fileEnd: number;
  /**
   * End of the header, backing name and L1 table: no L2 table or data cluster may start below it,
   * so a corrupt entry can never make a write land on the metadata.
   */
  private readonly metadataEnd: number;
  private lastDecompressed: { host: number; data: Uint8Array } | undefined;

  constructor(
    private readonly file: HostFile,
    private readonly header: QcowHeader,
    private readonly l1: number[],
    fileSize: number,
    private readonly backing: BlockDriver | undefined,
    private readonly backingSize: number,
    /** Backing file name as stored in the header. */
    readonly backingName: string | undefined,
  ) {
    this.cs = 2 ** header.clusterBits;
    this.l2Entries = 2 ** header.l2Bits;
    this.fileEnd = fileSize;
    this.metadataEnd = header.l1TableOffset + header.l1Size * 8;
  }

  private decode(entry: bigint, where: number): Mapping {
    if (entry === 0n) return { kind: 'unallocated' };
    if (entry & COMPRESSED) {
      const shift = BigInt(63 - this.header.clusterBits);
      const csize = Number((entry >> shift) & BigInt(this.cs - 1));
      const host = Number(entry & ((1n << shift) - 1n));
      if (host + csize > Number.MAX_SAFE_INTEGER) throw this.corrupt(`Invalid compressed cluster entry`, where);
      return { kind: 'compressed', host, csize };
    }
    if (entry > MAX_OFFSET - BigInt(this.cs) || Number(entry) < this.metadataEnd) {
      throw this.corrupt('Invalid cluster offset in L2 table', where);
    }
    return { kind: 'normal', host: Number(entry) };
  }

  private corrupt(msg: string, guestOffset: number): BlockError {
    return new BlockError('corrupt-image', `${msg} of '${this.file.path}' (guest offset ${guestOffset})`, {
      path: this.file.path, offset: guestOffset,
    });
  }

  private async loadL2(l2Offset: number): Promise<BigUint64Array> {
    const cached = this.dirtyL2.get(l2Offset) ?? this.l2Cache.get(l2Offset);
    if (cached !== undefined) return cached;
    const raw = new Uint8Array(this.l2Entries * 8);
    await this.file.read(l2Offset, raw);
    // Another request may have loaded (or changed) the table while we were reading it.
    const raced = this.dirtyL2.get(l2Offset) ?? this.l2Cache.get(l2Offset);
    if (raced !== undefined) return raced;
    const view = new DataView(raw.buffer);
    const table = new BigUint64Array(this.l2Entries);
    for (let i = 0; i < this.l2Entries; i++) table[i] = view.getBigUint64(i * 8);
    if (this.l2Cache.size >= L2_CACHE_MAX) {
      for (const key of this.l2Cache.keys()) {
        if (!this.dirtyL2.has(key)) {
          this.l2Cache.delete(key);
          break;
        }
      }
    }
    this.l2Cache.set(l2Offset, table);
    return table;
  }

  /**
   * Records a changed L2 table. Tables are written back in flush() and close() (one write per
   * table instead of one per entry); the data they point to is always written first, so a crash
   * before flush loses only unflushed writes, as the BlockDriver contract allows.
   */
  private async markDirty(l2Offset: number, table: BigUint64Array): Promise<void> {
    this.dirtyL2.set(l2Offset, table);
    this.l2Cache.set(l2Offset, table);
    if (this.dirtyL2.size >= MAX_DIRTY_L2) await this.writeBackL2();
  }

  /** Writes every changed L2 table to the file (callers hold the metadata lock). */
  private async writeBackL2(): Promise<void> {
    for (const [l2Offset, table] of this.dirtyL2) {
      const raw = new Uint8Array(this.l2Entries * 8);
      const view = new DataView(raw.buffer);
      for (let i = 0; i < this.l2Entries; i++) view.setBigUint64(i * 8, table[i] ?? 0n);
      await this.file.write(l2Offset, raw);
    }
    this.dirtyL2.clear();
  }

  /** The mapping of the guest cluster containing `offset`. */
  private async lookup(offset: number): Promise<Mapping> {
    const cluster = Math.floor(offset / this.cs);
    const l1Index = Math.floor(cluster / this.l2Entries);
    const l2Offset = this.l1[l1Index] ?? 0;
    if (l2Offset === 0) return { kind: 'unallocated' };
    if (l2Offset < this.metadataEnd) throw this.corrupt('L2 table offset overlaps the header or L1 table', offset);
    const table = await this.loadL2(l2Offset);
    return this.decode(table[cluster % this.l2Entries] ?? 0n, offset);
  }

  private async readCompressed(m: { host: number; csize: number }, guest: number): Promise<Uint8Array> {
    if (this.lastDecompressed?.host === m.host) return this.lastDecompressed.data;
    const packed = new Uint8Array(m.csize);
    await this.file.read(m.host, packed);
    let out: Buffer;
    try {
      out = inflateRawSync(packed, { finishFlush: zc.Z_SYNC_FLUSH, maxOutputLength: this.cs });
    } catch (err) {
      throw new BlockError('corrupt-image', `Compressed cluster at host offset ${m.host} of '${this.file.path}' ` +
        `does not decompress (guest offset ${guest})`, { path: this.file.path, offset: guest }, err);
    }
    if (out.length !== this.cs) throw this.corrupt('Compressed cluster has the wrong size', guest);
    const data = new Uint8Array(out.buffer, out.byteOffset, out.length);
    this.lastDecompressed = { host: m.host, data };
    return data;
  }

  /** Fills `buf` with what the backing chain (or zeroes) holds at `offset`. */
  private async readBelow(offset: number, buf: Uint8Array): Promise<void> {
    buf.fill(0);
    if (this.backing === undefined || offset >= this.backingSize) return;
    const n = Math.min(buf.length, this.backingSize - offset);
    await this.backing.read(offset, buf.subarray(0, n));
  }

  async read(offset: number, buf: Uint8Array): Promise<void> {
    checkRange(this.file.path, offset, buf.length, this.header.size);
    let done = 0;
    while (done < buf.length) {
      const pos = offset + done;
      const inCluster = pos % this.cs;
      let n = Math.min(this.cs - inCluster, buf.length - done);
      const m = await this.lookup(pos);
      if (m.kind === 'normal') {
        // One host read for a run of clusters that are contiguous in the file.
        while (done + n < buf.length) {
          const next = await this.lookup(pos + n);
          if (next.kind !== 'normal' || next.host !== m.host + inCluster + n) break;
          n += Math.min(this.cs, buf.length - done - n);
        }
        await this.file.read(m.host + inCluster, buf.subarray(done, done + n));
      } else if (m.kind === 'unallocated') {
        await this.readBelow(pos, buf.subarray(done, done + n));
      } else {
        buf.set((await this.readCompressed(m, pos)).subarray(inCluster, inCluster + n), done);
      }
      done += n;
    }
  }

  /** Appends a zeroed, cluster-aligned area of `bytes` to the file and returns its offset. */
  private async appendAligned(bytes: number): Promise<number> {
    const at = Math.ceil(this.fileEnd / this.cs) * this.cs;
    await this.file.truncate(at + bytes);
    this.fileEnd = at + bytes;
    return at;
  }

  /** The L2 table for a guest cluster, allocating (and linking into L1) when `allocate`. */
  private async l2For(cluster: number): Promise<{ table: BigUint64Array; l2Offset: number }> {
    const l1Index = Math.floor(cluster / this.l2Entries);
    let l2Offset = this.l1[l1Index] ?? 0;
    if (l2Offset === 0) {
      l2Offset = await this.appendAligned(this.l2Entries * 8);
      const e = new Uint8Array(8);
      new DataView(e.buffer).setBigUint64(0, BigInt(l2Offset));
      await this.file.write(this.header.l1TableOffset + l1Index * 8, e);
      this.l1[l1Index] = l2Offset;
      this.l2Cache.set(l2Offset, new BigUint64Array(this.l2Entries));
    }
    return { table: await this.loadL2(l2Offset), l2Offset };
  }

  private async setL2(cluster: number, entry: bigint): Promise<void> {
    const { table, l2Offset } = await this.l2For(cluster);
    table[cluster % this.l2Entries] = entry;
    await this.markDirty(l2Offset, table);
  }

  /** Writes one piece that lies inside a single guest cluster. */
  private async writeInCluster(pos: number, part: Uint8Array): Promise<void> {
    const inCluster = pos % this.cs;
    const cluster = Math.floor(pos / this.cs);
    const m = await this.lookup(pos);
    if (m.kind === 'normal') {
      await this.file.write(m.host + inCluster, part);
      return;
    }
    const whole = part.length === this.cs;
    let data = part;
    if (!whole) {
      // Copy-on-write: the rest of the cluster comes from the compressed data or the backing file.
      const start = cluster * this.cs;
      const clusterLen = Math.min(this.cs, this.header.size - start);
      data = new Uint8Array(this.cs);
      if (m.kind === 'compressed') data.set(await this.readCompressed(m, pos));
      else await this.readBelow(start, data.subarray(0, clusterLen));
      data.set(part, inCluster);
    }
    await this.l2For(cluster); // like qemu: the L2 table is allocated before the data cluster
    const host = await this.appendAligned(this.cs);
    await this.file.write(host, data);
    if (m.kind === 'compressed') this.lastDecompressed = undefined;
    await this.setL2(cluster, BigInt(host));
  }

  async write(offset: number, buf: Uint8Array): Promise<void> {
    checkRange(this.file.path, offset, buf.length, this.header.size);
    await this.lock.run(async () => {
      let done = 0;
      while (done < buf.length) {
        const pos = offset + done;
        const inCluster = pos % this.cs;
        const m = await this.lookup(pos);
        let n = Math.min(this.cs - inCluster, buf.length - done);
        if (m.kind === 'normal') {
          while (done + n < buf.length) {
            const next = await this.lookup(pos + n);
            if (next.kind !== 'normal' || next.host !== m.host + inCluster + n) break;
            n += Math.min(this.cs, buf.length - done - n);
          }
          await this.file.write(m.host + inCluster, buf.subarray(done, done + n));
        } else if (inCluster === 0 && buf.length - done >= this.cs) {
          n = await this.allocateRun(pos, buf.subarray(done, done + Math.floor((buf.length - done) / this.cs) * this.cs));
        } else {
          await this.writeInCluster(pos, buf.subarray(done, done + n));
        }
        done += n;
      }
    });
  }

  /**
   * Writes whole clusters starting at cluster-aligned `pos` into newly allocated, contiguous host
   * clusters: the longest prefix of `data` whose clusters are not yet plain-allocated. L2 tables
   * first, then the data in one write, then the L2 entries, one write per table. Returns bytes used.
   */
  private async allocateRun(pos: number, data: Uint8Array): Promise<number> {
    const first = Math.floor(pos / this.cs);
    let count = 0;
    while (count * this.cs < data.length && (count === 0 || (await this.lookup(pos + count * this.cs)).kind !== 'normal')) {
      count++;
    }
    for (let c = first; c < first + count; c += this.l2Entries - (c % this.l2Entries)) await this.l2For(c);
    const host = Math.ceil(this.fileEnd / this.cs) * this.cs;
    await this.file.write(host, data.subarray(0, count * this.cs));
    this.fileEnd = host + count * this.cs;
    this.lastDecompressed = undefined;
    for (let c = first; c < first + count; ) {
      const { table, l2Offset } = await this.l2For(c);
      const idx = c % this.l2Entries;
      const k = Math.min(this.l2Entries - idx, first + count - c);
      for (let i = 0; i < k; i++) table[idx + i] = BigInt(host + (c - first + i) * this.cs);
      await this.markDirty(l2Offset, table);
      c += k;
    }
    return count * this.cs;
  }

  /**
   * Stores one cluster compressed (raw deflate, window 2^12 like qemu); falls back to a normal
   * write when deflate does not make it smaller. The guest cluster must not be allocated yet.
   */
  async writeCompressed(offset: number, data: Uint8Array): Promise<void> {
    if (offset % this.cs !== 0) {
      throw new BlockError('out-of-range', `Compressed writes must be cluster aligned (offset ${offset})`, { offset });
    }
    checkRange(this.file.path, offset, data.length, this.header.size);
    const full = new Uint8Array(this.cs);
    full.set(data.subarray(0, this.cs));
    // Compressed on libuv's thread pool, so concurrent writers compress in parallel.
    const packed = await deflateRawAsync(full, { windowBits: 12, memLevel: 9 });
    if (packed.length >= this.cs) {
      await this.write(offset, data);
      return;
    }
    await this.lock.run(async () => {
      const m = await this.lookup(offset);
      if (m.kind !== 'unallocated') {
        throw new BlockError('unsupported-feature', `Cannot compress into an allocated cluster of '${this.file.path}'`, {
          offset,
        });
      }
      const host = this.fileEnd;
      await this.file.write(host, packed);
      this.fileEnd = host + packed.length;
      const entry = COMPRESSED | (BigInt(packed.length) << BigInt(63 - this.header.clusterBits)) | BigInt(host);
      await this.setL2(Math.floor(offset / this.cs), entry);
    });
  }

  async flush(): Promise<void> {
    await this.lock.run(async () => {
      await this.writeBackL2();
      await this.file.sync();
    });
  }

  /** Like qemu's qcow_make_empty: zero the L1 table and cut the file right after it. */
  async makeEmpty(): Promise<void> {
    await this.lock.run(async () => {
      const l1Bytes = this.header.l1Size * 8;
      await this.file.write(this.header.l1TableOffset, new Uint8Array(l1Bytes));
      const end = this.header.l1TableOffset + Math.ceil(l1Bytes / 512) * 512;
      await this.file.truncate(end);
      this.fileEnd = end;
      this.l1.fill(0);
      this.l2Cache.clear();
      this.dirtyL2.clear();
      this.lastDecompressed = undefined;
    });
  }

  /** qcow has no discard (qemu ignores it too). */
  async discard(offset: number, length: number): Promise<void> {
    checkRange(this.file.path, offset, length, this.header.size);
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    checkRange(this.file.path, offset, length, this.header.size);
    const chunk = new Uint8Array(Math.min(length, 1 << 20));
    for (let done = 0; done < length; ) {
      const n = Math.min(chunk.length, length - done);
      const pos = offset + done;
      const st = await this.blockStatus(pos, n);
      if (!(st.zero && st.depth === 0 && st.present === false)) await this.write(pos, chunk.subarray(0, st.length));
      done += st.length;
    }
  }

  async getInfo(): Promise<BlockInfo> {
    return {
      format: 'qcow',
      virtualSize: this.header.size,
      actualSize: await this.file.allocatedBytes(),
      clusterSize: this.cs,
      ...(this.backingName !== undefined ? { backingFile: this.backingName } : {}),
      readOnly: this.file.readOnly,
    };
  }

  async blockStatus(offset: number, length: number): Promise<BlockStatus> {
    checkRange(this.file.path, offset, length, this.header.size);
    const end = offset + length;
    const first = await this.lookup(offset);
    let pos = Math.min(end, (Math.floor(offset / this.cs) + 1) * this.cs);
    let expectHost = first.kind === 'normal' ? first.host + this.cs : 0;
    // Extend over following clusters of the same kind (contiguous on the host for normal ones).
    while (pos < end) {
      const m = await this.lookup(pos);
      if (m.kind !== first.kind) break;
      if (m.kind === 'normal') {
        if (m.host !== expectHost) break;
        expectHost += this.cs;
      }
      pos = Math.min(end, pos + this.cs);
    }
    const len = pos - offset;
    if (first.kind === 'normal') {
      return { offset, length: len, data: true, zero: false, depth: 0, present: true,
        hostOffset: first.host + (offset % this.cs) };
    }
    if (first.kind === 'compressed') {
      return { offset, length: len, data: true, zero: false, depth: 0, present: true, compressed: true };
    }
    if (this.backing !== undefined && offset < this.backingSize) {
      const below = await this.backing.blockStatus(offset, Math.min(len, this.backingSize - offset));
      return { ...below, depth: below.depth + 1, present: below.present ?? true };
    }
    return { offset, length: len, data: false, zero: true, depth: 0, present: false };
  }

  async close(): Promise<void> {
    if (!this.file.readOnly) await this.lock.run(() => this.writeBackL2());
    await this.file.close();
    await this.backing?.close();
  }
}

/** Opens a qcow image (and, unless told otherwise, its backing file). */
async function openQcow(path: string, options: OpenOptions, openBacking?: OpenBackingFn): Promise<BlockDriver> {
  const file = await HostFile.open(path, options.readOnly, options.lock ?? true);
  file.unsafe = options.cache === 'unsafe';
  let backing: BlockDriver | undefined;
  try {
    const headBuf = new Uint8Array(QCOW_HEADER_SIZE);
    await file.read(0, headBuf);
    const header = parseQcowHeader(headBuf, path);
    const l1Raw = new Uint8Array(header.l1Size * 8);
    await file.read(header.l1TableOffset, l1Raw);
    const view = new DataView(l1Raw.buffer);
    const l1: number[] = [];
    for (let i = 0; i < header.l1Size; i++) {
      const e = view.getBigUint64(i * 8);
      if (e > MAX_OFFSET) throw new BlockError('corrupt-image', `Invalid L2 table offset in L1 entry ${i} of '${path}'`, { path });
      l1.push(Number(e));
    }
    let backingName: string | undefined;
    let backingSize = 0;
    if (header.backingFileOffset !== 0 && header.backingFileSize > 0) {
      const nameBuf = new Uint8Array(header.backingFileSize);
      await file.read(header.backingFileOffset, nameBuf);
      backingName = new TextDecoder().decode(nameBuf);
      if ((options.openBacking ?? true) && openBacking !== undefined) {
        backing = await openBacking(resolveBackingPath(path, backingName), undefined, true);
        backingSize = (await backing.getInfo()).virtualSize;
      }
    }
    return new QcowDriver(file, header, l1, file.size, backing, backingSize, backingName);
  } catch (err) {
    await backing?.close();
    await file.close();
    throw err;
  }
}

/** qcow version 1: magic "QFI\xfb" and version 1. */
export const qcowFormat: ImageFormat = {
  name: 'qcow',
  probe(head: Uint8Array): number {
    return isQcowHead(head) ? 100 : 0;
  },
  open: openQcow,
  async create(path: string, options: CreateOptions): Promise<void> {
    for (const key of Object.keys(options.extra ?? {})) {
      throw new BlockError('unsupported-feature', `Invalid parameter '${key}'`, { key });
    }
    const invalid = options.clusterSize !== undefined ? 'cluster_size' : options.compat !== undefined ? 'compat'
      : options.lazyRefcounts !== undefined ? 'lazy_refcounts' : options.refcountBits !== undefined ? 'refcount_bits'
      : undefined;
    if (invalid !== undefined) throw new BlockError('unsupported-feature', `Invalid parameter '${invalid}'`, {});
    if (options.preallocation === 'metadata') {
      throw new BlockError('unsupported-feature', 'Unsupported preallocation mode: metadata', {});
    }
    // Other preallocation modes: like qemu, the image file ends up exactly as without them.
    const layout = buildQcowHeader(options.size, options.backingFile);
    const file = await HostFile.create(path);
    try {
      await file.write(0, layout.header);
      // qemu writes the zeroed L1 table in whole 512-byte sectors.
      const l1Bytes = Math.ceil((layout.l1Size * 8) / 512) * 512;
      await file.write(layout.l1TableOffset, new Uint8Array(l1Bytes));
      await file.sync();
    } finally {
      await file.close();
    }
  },
};
