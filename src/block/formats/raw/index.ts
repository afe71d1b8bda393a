/**
 * The raw format: the virtual disk is the host file, byte for byte. Holes in a sparse file
 * report as zero via SEEK_DATA/SEEK_HOLE, so `map` and `convert` keep them holes.
 */
import { BlockError, type BlockDriver, type BlockInfo, type BlockStatus } from '../../driver.js';
import type { CreateOptions, ImageFormat, OpenOptions } from '../../format.js';
import type { ImageOps } from '../../image-ops.js';
import { HostFile } from '../../host-file.js';
import { checkRange } from '../../range.js';

/** Chunk used for writing zeroes when the filesystem cannot punch holes or preallocate. */
const ZERO_CHUNK = 1 << 20;

/** Writes zeroes over [offset, offset+len) in chunks (preallocation=full, writeZeroes fallback). */
export async function fillZeroes(file: HostFile, offset: number, len: number): Promise<void> {
  const zero = new Uint8Array(Math.min(ZERO_CHUNK, Math.max(len, 0)));
  for (let done = 0; done < len; done += zero.length) {
    const n = Math.min(zero.length, len - done);
    await file.write(offset + done, n === zero.length ? zero : zero.subarray(0, n));
  }
}

/** A raw image open on a host file. */
export class RawDriver implements BlockDriver, ImageOps {
  /**
   * Set when the format was guessed by probing: like qemu, refuse writes that would make block 0
   * look like another format (CVE-2008-2004).
   */
  restrictBlockZero = false;
  /** Returns the format name a block 0 would probe as; set by the opener with restrictBlockZero. */
  probeHead: ((head: Uint8Array) => string) | undefined;

  constructor(
    private readonly file: HostFile,
    private virtualSize: number,
  ) {}

  async read(offset: number, buf: Uint8Array): Promise<void> {
    checkRange(this.file.path, offset, buf.length, this.virtualSize);
    await this.file.read(offset, buf);
  }

  async write(offset: number, buf: Uint8Array): Promise<void> {
    checkRange(this.file.path, offset, buf.length, this.virtualSize);
    if (this.restrictBlockZero && offset < 512 && this.probeHead !== undefined) {
      const head = new Uint8Array(512);
      await this.file.read(0, head);
      head.set(buf.subarray(0, 512 - offset), offset);
      const guessed = this.probeHead(head);
      if (guessed !== 'raw') {
        throw new BlockError('read-only', `Refusing to write a '${guessed}' header to block 0 of '${this.file.path}', ` +
          `whose format was probed as raw; specify -f raw to allow it`, { path: this.file.path });
      }
    }
    await this.file.write(offset, buf);
  }

  async flush(): Promise<void> {
    await this.file.sync();
  }

  async discard(offset: number, length: number): Promise<void> {
    checkRange(this.file.path, offset, length, this.virtualSize);
    this.file.punchHole(offset, length);
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    checkRange(this.file.path, offset, length, this.virtualSize);
    if (!this.file.punchHole(offset, length)) await fillZeroes(this.file, offset, length);
  }

  async getInfo(): Promise<BlockInfo> {
    return {
      format: 'raw',
      virtualSize: this.virtualSize,
      actualSize: await this.file.allocatedBytes(),
      readOnly: this.file.readOnly,
    };
  }

  async blockStatus(offset: number, length: number): Promise<BlockStatus> {
    checkRange(this.file.path, offset, length, this.virtualSize);
    const ext = this.file.extentAt(offset, offset + length);
    return {
      offset,
      length: ext.end - offset,
      data: ext.data,
      zero: !ext.data,
      depth: 0,
      present: true,
      hostOffset: offset,
    };
  }

  async resize(newSize: number, allowShrink: boolean): Promise<void> {
    if (newSize < this.virtualSize && !allowShrink) {
      throw new BlockError('unsupported-feature', 'Use the --shrink option to perform a shrink operation.', {});
    }
    await this.file.truncate(newSize);
    this.virtualSize = newSize;
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}

/** The raw format: matches anything (lowest probe score), so it is the fallback. */
export const rawFormat: ImageFormat = {
  name: 'raw',
  probe(): number {
    return 1;
  },
  async open(path: string, options: OpenOptions): Promise<BlockDriver> {
    const file = await HostFile.open(path, options.readOnly, options.lock ?? true, false);
    file.unsafe = options.cache === 'unsafe';
    return new RawDriver(file, file.size);
  },
  async create(path: string, options: CreateOptions): Promise<void> {
    for (const key of Object.keys(options.extra ?? {})) {
      throw new BlockError('unsupported-feature', `Invalid parameter '${key}'`, { key });
    }
    if (options.clusterSize !== undefined) throw new BlockError('unsupported-feature', "Invalid parameter 'cluster_size'", {});
    if (options.backingFile !== undefined) throw new BlockError('unsupported-feature', "Invalid parameter 'backing_file'", {});
    const file = await HostFile.create(path);
    try {
      const prealloc = options.preallocation ?? 'off';
      if (prealloc === 'metadata') {
        throw new BlockError('unsupported-feature', 'Unsupported preallocation mode: metadata', {});
      }
      await file.truncate(options.size);
      if (prealloc === 'falloc') await file.allocate(0, options.size);
      else if (prealloc === 'full') await fillZeroes(file, 0, options.size);
      else if (options.size > 0) {
        // Like qemu, allocate the first block so later probing of the alignment works.
        await file.write(0, new Uint8Array(Math.min(4096, options.size)));
      }
      await file.sync();
    } finally {
      await file.close();
    }
  },
};
