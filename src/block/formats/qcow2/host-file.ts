/**
 * The image file on the host: positional reads that zero-fill past EOF, full positional writes,
 * fdatasync. Every host I/O failure becomes a BlockError of kind "io" naming the file and offset.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { BlockError } from '../../driver.js';

/** Thin, checked wrapper over a FileHandle; the qcow2 code never touches fs directly. */
export class HostFile {
  private constructor(
    private fh: FileHandle,
    /** Path as given, for error messages. */
    readonly path: string,
    /** Current length in bytes, tracked across our own writes. */
    public size: number,
  ) {}

  /** Opens an existing file read-only or read-write. */
  static async open(path: string, writable: boolean): Promise<HostFile> {
    let fh: FileHandle;
    try {
      fh = await open(path, writable ? 'r+' : 'r');
    } catch (e) {
      throw new BlockError('io', `Could not open '${path}': ${(e as Error).message}`, { path }, e);
    }
    const st = await fh.stat();
    return new HostFile(fh, path, st.size);
  }

  /** Creates (truncating) a file for writing. */
  static async create(path: string): Promise<HostFile> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'w+');
    } catch (e) {
      throw new BlockError('io', `Could not create '${path}': ${(e as Error).message}`, { path }, e);
    }
    return new HostFile(fh, path, 0);
  }

  /** Reads `buf.length` bytes at `offset`; bytes past EOF read as zero. */
  async read(offset: number, buf: Uint8Array): Promise<void> {
    let done = 0;
    try {
      while (done < buf.length) {
        const { bytesRead } = await this.fh.read(buf, done, buf.length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } catch (e) {
      throw new BlockError('io', `read of ${buf.length} bytes at offset ${offset} in '${this.path}' failed: ${(e as Error).message}`, { path: this.path, offset }, e);
    }
    if (done < buf.length) buf.fill(0, done);
  }

  /** Writes all of `buf` at `offset`. */
  async write(offset: number, buf: Uint8Array): Promise<void> {
    let done = 0;
    try {
      while (done < buf.length) {
        const { bytesWritten } = await this.fh.write(buf, done, buf.length - done, offset + done);
        done += bytesWritten;
      }
    } catch (e) {
      throw new BlockError('io', `write of ${buf.length} bytes at offset ${offset} in '${this.path}' failed: ${(e as Error).message}`, { path: this.path, offset }, e);
    }
    if (offset + buf.length > this.size) this.size = offset + buf.length;
  }

  /** Makes every completed write durable. */
  async sync(): Promise<void> {
    try {
      await this.fh.datasync();
    } catch (e) {
      throw new BlockError('io', `fdatasync of '${this.path}' failed: ${(e as Error).message}`, { path: this.path }, e);
    }
  }

  /** Sets the file length (grow or shrink). */
  async truncate(len: number): Promise<void> {
    await this.fh.truncate(len);
    this.size = len;
  }

  /** Reserves space for [offset, offset+len) (preallocation=falloc); falls back to writing zeros. */
  async allocate(offset: number, len: number): Promise<void> {
    const chunk = new Uint8Array(Math.min(len, 1 << 20));
    for (let p = 0; p < len; p += chunk.length) {
      await this.write(offset + p, chunk.subarray(0, Math.min(chunk.length, len - p)));
    }
  }

  /** Bytes actually allocated on the host (st_blocks * 512), as qemu-img info's actual-size. */
  async allocatedBytes(): Promise<number> {
    const st = await this.fh.stat();
    return st.blocks * 512;
  }

  /** The descriptor, for byte-range locks (lock.ts). */
  get fd(): number {
    return this.fh.fd;
  }

  /** Reopens the same path read-write (check -r on an image that was opened read-only). */
  async reopenWritable(): Promise<void> {
    const fh = await open(this.path, 'r+').catch((e: unknown) => {
      throw new BlockError('io', `Could not reopen '${this.path}' read-write: ${(e as Error).message}`, { path: this.path }, e);
    });
    await this.fh.close();
    this.fh = fh;
  }

  /** Closes the descriptor. */
  async close(): Promise<void> {
    await this.fh.close();
  }
}
