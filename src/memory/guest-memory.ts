import { TkvmError, hex } from '../errors.js';

/** A guest-supplied address or length that does not lie wholly in RAM; bad guest input, never fatal. */
export class GuestMemoryError extends TkvmError {}

/** One contiguous piece of guest RAM: `bytes` backs guest-physical [gpa, gpa + bytes.length). */
export interface RamChunk {
  readonly gpa: number;
  readonly bytes: Uint8Array;
}

interface Chunk {
  readonly gpa: number;
  readonly end: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

/**
 * The only way to touch guest RAM. Every access proves that the whole [gpa, gpa+len) lies in RAM,
 * with overflow-safe arithmetic (addresses are JS numbers below 2^53), so a guest-supplied
 * address outside RAM is a typed GuestMemoryError, never a host crash or a stray access.
 * RAM is held as chunks (koffi views are limited in size); accesses that cross a chunk
 * boundary are split, except `slice`, which needs one contiguous chunk.
 */
export class GuestMemory {
  private readonly chunks: Chunk[];
  private last: Chunk;
  /** Total bytes of RAM. */
  readonly size: number;
  /**
   * Told about every write made through this object (device DMA, fw_cfg, firmware and kernel
   * loaders) after it happened: the software CPU drops decoded code on those pages.
   */
  onWrite: ((gpa: number, len: number) => void) | undefined = undefined;

  constructor(chunks: readonly RamChunk[]) {
    if (chunks.length === 0) throw new GuestMemoryError('no-ram', 'guest memory needs at least one RAM chunk');
    this.chunks = [...chunks]
      .sort((a, b) => a.gpa - b.gpa)
      .map((c) => ({ gpa: c.gpa, end: c.gpa + c.bytes.length, bytes: c.bytes, view: new DataView(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength) }));
    for (let i = 1; i < this.chunks.length; i++) {
      if (this.chunks[i]!.gpa < this.chunks[i - 1]!.end) throw new GuestMemoryError('overlap', `RAM chunks overlap at ${hex(this.chunks[i]!.gpa)}`);
    }
    this.last = this.chunks[0]!;
    this.size = this.chunks.reduce((n, c) => n + c.bytes.length, 0);
  }

  /** Plain ArrayBuffer-backed RAM for tests and the software CPU: one chunk per region. */
  static allocate(regions: ReadonlyArray<{ gpa: number; size: number }>): GuestMemory {
    return new GuestMemory(regions.map((r) => ({ gpa: r.gpa, bytes: new Uint8Array(r.size) })));
  }

  /** True when [gpa, gpa+len) lies wholly in RAM. */
  contains(gpa: number, len: number): boolean {
    if (!validSpan(gpa, len)) return false;
    let at = gpa;
    const end = gpa + len;
    while (at < end) {
      const c = this.chunkAt(at);
      if (c === undefined) return false;
      at = c.end;
    }
    return true;
  }

  /** A zero-copy view of guest RAM; the span must lie in one contiguous chunk. */
  slice(gpa: number, len: number): Uint8Array {
    const c = this.check(gpa, len);
    if (gpa + len > c.end) throw new GuestMemoryError('not-contiguous', `guest range ${hex(gpa)}+${hex(len)} crosses a RAM chunk boundary`, { gpa, len });
    return c.bytes.subarray(gpa - c.gpa, gpa - c.gpa + len);
  }

  /** Copies `len` bytes out of guest RAM. */
  read(gpa: number, len: number): Uint8Array {
    this.check(gpa, len);
    const out = new Uint8Array(len);
    this.readInto(gpa, out);
    return out;
  }

  /** Copies guest RAM at `gpa` into `out` (its whole length). */
  readInto(gpa: number, out: Uint8Array): void {
    this.check(gpa, out.length);
    let done = 0;
    while (done < out.length) {
      const at = gpa + done;
      const c = this.chunkAt(at)!;
      const n = Math.min(out.length - done, c.end - at);
      out.set(c.bytes.subarray(at - c.gpa, at - c.gpa + n), done);
      done += n;
    }
  }

  /** Copies `bytes` into guest RAM at `gpa`. */
  write(gpa: number, bytes: Uint8Array): void {
    this.check(gpa, bytes.length);
    let done = 0;
    while (done < bytes.length) {
      const at = gpa + done;
      const c = this.chunkAt(at)!;
      const n = Math.min(bytes.length - done, c.end - at);
      c.bytes.set(bytes.subarray(done, done + n), at - c.gpa);
      done += n;
    }
    this.onWrite?.(gpa, bytes.length);
  }

  /** Fills [gpa, gpa+len) with `value`. */
  fill(gpa: number, len: number, value = 0): void {
    this.check(gpa, len);
    let done = 0;
    while (done < len) {
      const at = gpa + done;
      const c = this.chunkAt(at)!;
      const n = Math.min(len - done, c.end - at);
      c.bytes.fill(value, at - c.gpa, at - c.gpa + n);
      done += n;
    }
    this.onWrite?.(gpa, len);
  }

  readU8(gpa: number): number {
    const c = this.check(gpa, 1);
    return c.bytes[gpa - c.gpa]!;
  }
  readU16(gpa: number): number {
    const c = this.check(gpa, 2);
    return gpa + 2 <= c.end ? c.view.getUint16(gpa - c.gpa, true) : this.readSplit(gpa, 2);
  }
  readU32(gpa: number): number {
    const c = this.check(gpa, 4);
    return gpa + 4 <= c.end ? c.view.getUint32(gpa - c.gpa, true) : this.readSplit(gpa, 4);
  }
  readU64(gpa: number): bigint {
    const c = this.check(gpa, 8);
    if (gpa + 8 <= c.end) return c.view.getBigUint64(gpa - c.gpa, true);
    const b = this.read(gpa, 8);
    return new DataView(b.buffer).getBigUint64(0, true);
  }
  writeU8(gpa: number, value: number): void {
    const c = this.check(gpa, 1);
    c.bytes[gpa - c.gpa] = value;
    this.onWrite?.(gpa, 1);
  }
  writeU16(gpa: number, value: number): void {
    const c = this.check(gpa, 2);
    if (gpa + 2 > c.end) return this.writeSplit(gpa, value, 2);
    c.view.setUint16(gpa - c.gpa, value, true);
    this.onWrite?.(gpa, 2);
  }
  writeU32(gpa: number, value: number): void {
    const c = this.check(gpa, 4);
    if (gpa + 4 > c.end) return this.writeSplit(gpa, value >>> 0, 4);
    c.view.setUint32(gpa - c.gpa, value >>> 0, true);
    this.onWrite?.(gpa, 4);
  }
  writeU64(gpa: number, value: bigint): void {
    const c = this.check(gpa, 8);
    if (gpa + 8 <= c.end) {
      c.view.setBigUint64(gpa - c.gpa, BigInt.asUintN(64, value), true);
      this.onWrite?.(gpa, 8);
      return;
    }
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.write(gpa, b);
  }

  /** The RAM chunks in address order (for KVM memory-slot registration and e820 building). */
  chunkList(): readonly RamChunk[] {
    return this.chunks;
  }

  private readSplit(gpa: number, n: number): number {
    const b = this.read(gpa, n);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i]!;
    return v;
  }

  private writeSplit(gpa: number, value: number, n: number): void {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(value / 256 ** i) & 0xff;
    this.write(gpa, b);
  }

  private chunkAt(gpa: number): Chunk | undefined {
    const l = this.last;
    if (gpa >= l.gpa && gpa < l.end) return l;
    for (const c of this.chunks) {
      if (gpa >= c.gpa && gpa < c.end) {
        this.last = c;
        return c;
      }
    }
    return undefined;
  }

  /** Proves [gpa, gpa+len) is RAM; returns the chunk holding `gpa`. */
  private check(gpa: number, len: number): Chunk {
    const c = validSpan(gpa, len) ? this.chunkAt(gpa) : undefined;
    if (c !== undefined && (gpa + len <= c.end || this.contains(gpa, len))) return c;
    throw new GuestMemoryError('out-of-range', `guest access ${hex(gpa)}+${hex(len)} is outside RAM`, { gpa, len });
  }
}

function validSpan(gpa: number, len: number): boolean {
  return Number.isSafeInteger(gpa) && Number.isSafeInteger(len) && gpa >= 0 && len >= 0 && gpa + len <= 2 ** 52;
}
