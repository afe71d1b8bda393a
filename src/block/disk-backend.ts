/**
 * The data path of a guest disk device (IDE disk, CD-ROM): a byte-addressed virtual disk whose
 * requests complete through a callback. The callback may run synchronously inside the call (the
 * machine thread blocks in KVM_RUN, so the machine may do block I/O inline) or later (I/O on
 * another thread or the event loop); device models work either way and only update their status
 * and interrupts in the callback. The buffer passed to a request belongs to the backend until
 * its callback has run.
 */
import type { BlockDriver } from './driver.js';
import { BlockError } from './driver.js';

/** Completion of one disk request: no argument on success, the failure otherwise. */
export type DiskDone = (error?: Error) => void;

/** A virtual disk as a device model sees it. */
export interface DiskBackend {
  /** Guest-visible size in bytes. */
  readonly size: number;
  /** Writes are refused (readonly=on, or a CD image). */
  readonly readOnly: boolean;
  /** Fills `buf` from byte `offset`; ranges past the end fail. */
  read(offset: number, buf: Uint8Array, done: DiskDone): void;
  /** Writes `buf` at byte `offset`; fails on a read-only disk or past the end. */
  write(offset: number, buf: Uint8Array, done: DiskDone): void;
  /** Makes completed writes durable. */
  flush(done: DiskDone): void;
}

/** Options of MemoryDiskBackend. */
export interface MemoryDiskOptions {
  readonly readOnly?: boolean;
  /** Hold completions until `completePending()`: models I/O finishing on another thread. */
  readonly deferred?: boolean;
}

/** A disk held in a byte array: for tests, and for tiny generated media. */
export class MemoryDiskBackend implements DiskBackend {
  readonly readOnly: boolean;
  private readonly deferred: boolean;
  private readonly pending: Array<() => void> = [];
  /** Requests served so far (reads, writes, flushes). */
  readonly counts = { read: 0, write: 0, flush: 0 };
  /** When set, the next request fails with this error (then it is cleared). */
  failNext: Error | undefined;

  constructor(readonly bytes: Uint8Array, options: MemoryDiskOptions = {}) {
    this.readOnly = options.readOnly ?? false;
    this.deferred = options.deferred ?? false;
  }

  get size(): number {
    return this.bytes.length;
  }

  /** Number of requests waiting for `completePending`. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Completes every held request in order (including ones their callbacks issue), returning how many ran. */
  completePending(): number {
    let n = 0;
    while (this.pending.length > 0) {
      this.pending.shift()!();
      n++;
    }
    return n;
  }

  read(offset: number, buf: Uint8Array, done: DiskDone): void {
    this.counts.read++;
    this.finish(done, () => {
      this.checkRange(offset, buf.length);
      buf.set(this.bytes.subarray(offset, offset + buf.length));
    });
  }

  write(offset: number, buf: Uint8Array, done: DiskDone): void {
    this.counts.write++;
    this.finish(done, () => {
      if (this.readOnly) throw new BlockError('read-only', 'Block node is read-only');
      this.checkRange(offset, buf.length);
      this.bytes.set(buf, offset);
    });
  }

  flush(done: DiskDone): void {
    this.counts.flush++;
    this.finish(done, () => {});
  }

  private checkRange(offset: number, len: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + len > this.bytes.length) {
      throw new BlockError('out-of-range', `request ${offset}+${len} is past the end of a ${this.bytes.length}-byte disk`);
    }
  }

  private finish(done: DiskDone, op: () => void): void {
    const run = (): void => {
      const injected = this.failNext;
      this.failNext = undefined;
      let error: Error | undefined = injected;
      if (error === undefined) {
        try {
          op();
        } catch (e) {
          error = e instanceof Error ? e : new Error(String(e));
        }
      }
      done(error);
    };
    if (this.deferred) this.pending.push(run);
    else run();
  }
}

/** Facts about a BlockDriver that the adapter needs (from `driver.getInfo()`). */
export interface DriverFacts {
  readonly size: number;
  readonly readOnly: boolean;
}

/**
 * Serves a DiskBackend from an asynchronous BlockDriver (raw, qcow2, qcow): each request
 * completes from the driver's promise, so callbacks always run later, on the event loop.
 */
export class BlockDriverDiskBackend implements DiskBackend {
  readonly size: number;
  readonly readOnly: boolean;

  constructor(private readonly driver: BlockDriver, facts: DriverFacts) {
    this.size = facts.size;
    this.readOnly = facts.readOnly;
  }

  /** Adapts `driver`, asking it for its size and read-only state. */
  static async open(driver: BlockDriver): Promise<BlockDriverDiskBackend> {
    const info = await driver.getInfo();
    return new BlockDriverDiskBackend(driver, { size: info.virtualSize, readOnly: info.readOnly });
  }

  read(offset: number, buf: Uint8Array, done: DiskDone): void {
    settle(() => this.driver.read(offset, buf), done);
  }

  write(offset: number, buf: Uint8Array, done: DiskDone): void {
    if (this.readOnly) {
      queueMicrotask(() => done(new BlockError('read-only', 'Block node is read-only')));
      return;
    }
    settle(() => this.driver.write(offset, buf), done);
  }

  flush(done: DiskDone): void {
    settle(() => this.driver.flush(), done);
  }
}

/** Calls `done` once the request settles, with the rejection (or a synchronous throw) as an Error. */
function settle(start: () => Promise<void>, done: DiskDone): void {
  let p: Promise<void>;
  try {
    p = start();
  } catch (e) {
    p = Promise.reject(e);
  }
  p.then(
    () => done(),
    (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
  );
}
