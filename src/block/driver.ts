import { TkvmError } from '../errors.js';

/**
 * Errors of the block layer. `kind` is one of: "invalid-format" (not this format at all),
 * "corrupt-image" (this format, but inconsistent), "unsupported-feature", "io" (host I/O failed),
 * "read-only", "out-of-range" (request past the end of the virtual disk), "locked".
 */
export class BlockError extends TkvmError {}

/** What `getInfo()` reports: the facts `tkvm img info` and the disk devices need. */
export interface BlockInfo {
  /** Format name as qemu-img prints it: "raw", "qcow2", "qcow". */
  readonly format: string;
  /** Guest-visible size in bytes. */
  readonly virtualSize: number;
  /** Bytes the image occupies on the host (allocated blocks of the file). */
  readonly actualSize: number;
  /** Cluster size for formats that have one. */
  readonly clusterSize?: number;
  /** Backing file name as stored in the image, if any. */
  readonly backingFile?: string;
  /** Backing format as stored in the image, if any. */
  readonly backingFormat?: string;
  /** Image is dirty (lazy refcounts left unflushed) or marked corrupt, etc. Format-specific extras. */
  readonly formatSpecific?: Readonly<Record<string, unknown>>;
  readonly readOnly: boolean;
}

/** Allocation status of a byte range, as `qemu-img map` reports it. */
export interface BlockStatus {
  readonly offset: number;
  readonly length: number;
  /** Range has data at this layer (or below, with depth). */
  readonly data: boolean;
  /** Range reads as zeroes. */
  readonly zero: boolean;
  /** Depth in the backing chain where the range is allocated (0 = this image). */
  readonly depth: number;
  /** Host offset of the data in the image file when it is stored plainly there. */
  readonly hostOffset?: number;
  /** Allocated at this layer or one below it (false = unallocated anywhere: reads from nowhere). */
  readonly present?: boolean;
  /** Data is stored compressed. */
  readonly compressed?: boolean;
}

/**
 * A virtual disk. Byte-granular and asynchronous; many requests may be in flight at once and
 * a driver serialises what it must internally. The same drivers serve `tkvm img` and the VM's
 * disk devices. Reads past the end of the disk are "out-of-range" errors.
 */
export interface BlockDriver {
  read(offset: number, buf: Uint8Array): Promise<void>;
  write(offset: number, buf: Uint8Array): Promise<void>;
  /** Makes every completed write durable (data and metadata, in the format's safe order). */
  flush(): Promise<void>;
  /** Hints that a range is unused; later reads may return zeroes or old data (like qemu's discard). */
  discard(offset: number, length: number): Promise<void>;
  /** Makes a range read as zeroes, efficiently where the format can. */
  writeZeroes(offset: number, length: number): Promise<void>;
  getInfo(): Promise<BlockInfo>;
  /** Allocation status of the range starting at `offset` (first extent, at most `length` bytes). */
  blockStatus(offset: number, length: number): Promise<BlockStatus>;
  /** Flushes and releases the file (and its lock). Idempotent. */
  close(): Promise<void>;
}
