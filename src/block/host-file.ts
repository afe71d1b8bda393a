/**
 * A host file under an image: positioned reads (zero-filled past EOF) and writes, its tracked
 * size, fdatasync, sparse-extent queries, preallocation and qemu's image locks. Every format
 * driver (raw, qcow, qcow2) sits on one of these; it turns Node's errno errors into BlockErrors
 * that name the file and the offset.
 */
import { constants, ftruncateSync, readSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { BlockError } from './driver.js';
import {
  EINVAL, ENXIO, EOPNOTSUPP, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE, SEEK_DATA, SEEK_HOLE,
  fallocate, lseek,
} from './libc.js';
import { acquireImageLock, type ImageLock } from './lock.js';

/**
 * Requests up to this size use synchronous pread/pwrite: from the page cache they finish in a few
 * microseconds, while a trip through libuv's thread pool costs tens (measured with `tkvm img
 * bench`: 4 KiB qcow2 reads at queue depth 1 went from about 21,000 to about 106,000 per second).
 * Larger ones stay asynchronous, so big copies overlap with other work.
 */
const SYNC_IO_MAX = 64 * 1024;

/** Describes an errno-style Node error as qemu does ("No such file or directory"). */
export function describeSystemError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const byCode: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EISDIR: 'Is a directory',
    EROFS: 'Read-only file system',
    ENOSPC: 'No space left on device',
    EEXIST: 'File exists',
    ENOTDIR: 'Not a directory',
    EFBIG: 'File too large',
    EIO: 'Input/output error',
  };
  if (code !== undefined && byCode[code] !== undefined) return byCode[code];
  return err instanceof Error ? err.message : String(err);
}

/** An open host file; `lock` follows qemu's OFD byte-lock protocol so qemu and tkvm exclude each other. */
export class HostFile {
  /** cache=unsafe: sync() does nothing (qemu-img convert's default for its output). */
  unsafe = false;

  private lockHandle: ImageLock | undefined;
  private closed = false;

  private constructor(
    /** Path as the user gave it (used in messages). */
    readonly path: string,
    private fh: FileHandle,
    private writable: boolean,
    /** Current length in bytes: read at open, then tracked across our own writes and truncates. */
    public size: number,
  ) {}

  /** Opened without write access. */
  get readOnly(): boolean {
    return !this.writable;
  }

  /**
   * Opens `path`; `lock` takes qemu's lock bytes (reader or writer); `metadata` is true for formats
   * whose file must not be written by anyone else (everything but raw).
   */
  static async open(path: string, readOnly: boolean, lock: boolean, metadata = true): Promise<HostFile> {
    let fh: FileHandle;
    try {
      fh = await open(path, readOnly ? 'r' : 'r+');
    } catch (err) {
      throw new BlockError('io', `Could not open '${path}': ${describeSystemError(err)}`, { path }, err);
    }
    const st = await fh.stat();
    if (st.isDirectory()) {
      await fh.close();
      throw new BlockError('io', `'file' driver requires '${path}' to be a regular file`, { path });
    }
    const file = new HostFile(path, fh, !readOnly, st.size);
    if (lock) {
      try {
        file.lockHandle = acquireImageLock(fh.fd, readOnly, path, metadata);
      } catch (err) {
        await fh.close();
        throw err;
      }
    }
    return file;
  }

  /**
   * Creates `path` (or empties an existing file) and opens it read-write with a writer lock.
   * The lock is taken before truncating, so an image in use elsewhere is left intact (like qemu).
   */
  static async create(path: string): Promise<HostFile> {
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    } catch (err) {
      throw new BlockError('io', `Could not create '${path}': ${describeSystemError(err)}`, { path }, err);
    }
    const file = new HostFile(path, fh, true, 0);
    try {
      file.lockHandle = acquireImageLock(fh.fd, false, path, true);
      await file.truncate(0);
    } catch (err) {
      file.lockHandle?.release();
      await fh.close();
      throw err;
    }
    return file;
  }

  /**
   * Reopens a read-only file read-write (check -r on an image opened read-only). A held reader
   * lock becomes a writer lock; on a conflict the file stays read-only (reader lock retaken) and
   * this throws.
   */
  async reopenWritable(metadata = true): Promise<void> {
    if (this.writable) return;
    let fh: FileHandle;
    try {
      fh = await open(this.path, 'r+');
    } catch (err) {
      throw new BlockError('io', `Could not reopen '${this.path}' read-write: ${describeSystemError(err)}`, { path: this.path }, err);
    }
    const locked = this.lockHandle !== undefined;
    // Our own reader lock would conflict with the writer lock: drop it first.
    this.lockHandle?.release();
    this.lockHandle = undefined;
    if (locked) {
      try {
        this.lockHandle = acquireImageLock(fh.fd, false, this.path, metadata);
      } catch (err) {
        await fh.close();
        this.lockHandle = acquireImageLock(this.fh.fd, true, this.path, metadata);
        throw err;
      }
    }
    await this.fh.close();
    this.fh = fh;
    this.writable = true;
  }

  /** The file descriptor, for libc calls. */
  get fd(): number {
    return this.fh.fd;
  }

  /** Reads exactly buf.length bytes at `offset`; bytes past the end of the file read as zero. */
  async read(offset: number, buf: Uint8Array): Promise<void> {
    const small = buf.length <= SYNC_IO_MAX;
    let done = 0;
    while (done < buf.length) {
      let n: number;
      try {
        n = small
          ? readSync(this.fh.fd, buf, done, buf.length - done, offset + done)
          : (await this.fh.read(buf, done, buf.length - done, offset + done)).bytesRead;
      } catch (err) {
        throw this.ioError('read', offset + done, err);
      }
      if (n === 0) {
        buf.fill(0, done);
        return;
      }
      done += n;
    }
  }

  /** Writes all of buf at `offset`. */
  async write(offset: number, buf: Uint8Array): Promise<void> {
    if (!this.writable) throw new BlockError('read-only', `'${this.path}' is opened read-only`, { path: this.path });
    const small = buf.length <= SYNC_IO_MAX;
    let done = 0;
    while (done < buf.length) {
      try {
        done += small
          ? writeSync(this.fh.fd, buf, done, buf.length - done, offset + done)
          : (await this.fh.write(buf, done, buf.length - done, offset + done)).bytesWritten;
      } catch (err) {
        throw this.ioError('write', offset + done, err);
      }
    }
    if (offset + buf.length > this.size) this.size = offset + buf.length;
  }

  /** Bytes actually allocated on the host (st_blocks * 512), qemu's "disk size". */
  async allocatedBytes(): Promise<number> {
    return (await this.fh.stat()).blocks * 512;
  }

  /** Sets the file length (new bytes are a hole). */
  async truncate(length: number): Promise<void> {
    try {
      await this.fh.truncate(length);
    } catch (err) {
      throw this.ioError('truncate', length, err);
    }
    this.size = length;
  }

  /** Grows the file to at least `length` bytes; the new bytes are a hole and read as zeroes. */
  extendTo(length: number): void {
    if (length <= this.size) return;
    try {
      ftruncateSync(this.fh.fd, length);
    } catch (err) {
      throw this.ioError('truncate', length, err);
    }
    this.size = length;
  }

  /** fdatasync: makes every completed write durable (nothing to do with cache=unsafe or read-only). */
  async sync(): Promise<void> {
    if (this.unsafe || !this.writable) return;
    try {
      await this.fh.datasync();
    } catch (err) {
      throw this.ioError('flush', 0, err);
    }
  }

  /**
   * Reserves [offset, offset+len) (preallocation=falloc) and extends the file; where fallocate is
   * unsupported the range is written with zeroes instead.
   */
  async allocate(offset: number, len: number): Promise<void> {
    if (len <= 0) return;
    const r = fallocate(this.fd, 0, offset, len);
    if (r.ok) {
      if (offset + len > this.size) this.size = offset + len;
      return;
    }
    if (r.errno !== EOPNOTSUPP) {
      throw new BlockError('io', `Could not preallocate data for '${this.path}': fallocate failed (errno ${r.errno})`, {
        path: this.path, offset, len,
      });
    }
    const chunk = new Uint8Array(Math.min(len, 1 << 20));
    for (let p = 0; p < len; p += chunk.length) await this.write(offset + p, chunk.subarray(0, Math.min(chunk.length, len - p)));
  }

  /** Deallocates a range (discard); returns false when the filesystem cannot punch holes. */
  punchHole(offset: number, len: number): boolean {
    if (len <= 0) return true;
    const r = fallocate(this.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
    if (!r.ok && r.errno !== EOPNOTSUPP) {
      throw new BlockError('io', `Could not discard in '${this.path}' (errno ${r.errno})`, { path: this.path, offset });
    }
    return r.ok;
  }

  /**
   * Makes [offset, offset+len) read as zeroes with fallocate(FALLOC_FL_ZERO_RANGE), extending the
   * file when the range ends past it, as qemu's write-zeroes does on a file; returns false (nothing
   * changed) where the filesystem cannot.
   */
  zeroRange(offset: number, len: number): boolean {
    if (len <= 0) return true;
    const r = fallocate(this.fd, FALLOC_FL_ZERO_RANGE, offset, len);
    if (!r.ok) {
      if (r.errno === EOPNOTSUPP || r.errno === EINVAL) return false;
      throw new BlockError('io', `Could not zero a range of '${this.path}' (errno ${r.errno})`, { path: this.path, offset });
    }
    if (offset + len > this.size) this.size = offset + len;
    return true;
  }

  /**
   * The extent at `offset` (which must be below `end`): whether it holds data, and where it ends
   * (at most `end`). Uses SEEK_DATA/SEEK_HOLE; falls back to "all data" where unsupported.
   */
  extentAt(offset: number, end: number): { data: boolean; end: number } {
    const d = lseek(this.fd, offset, SEEK_DATA);
    if (!d.ok) {
      // ENXIO: no data at or after offset: the rest is a hole.
      if (d.errno === ENXIO) return { data: false, end };
      return { data: true, end };
    }
    if (d.value > offset) return { data: false, end: Math.min(d.value, end) };
    const h = lseek(this.fd, offset, SEEK_HOLE);
    if (!h.ok) return { data: true, end };
    return { data: true, end: Math.min(Math.max(h.value, offset + 1), end) };
  }

  /** Releases the lock and closes. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.lockHandle?.release();
    await this.fh.close();
  }

  private ioError(op: string, offset: number, err: unknown): BlockError {
    return new BlockError('io', `Could not ${op} '${this.path}' at offset ${offset}: ${describeSystemError(err)}`, {
      path: this.path, offset,
    }, err);
  }
}
