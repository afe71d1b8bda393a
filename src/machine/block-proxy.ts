/**
 * Disk I/O for the machine thread, served by the main thread. The machine thread spends its life
 * blocked in KVM_RUN, so it cannot run the promise-based block drivers itself: a disk device
 * there posts a request into a SharedArrayBuffer and waits (Atomics.wait) while the main thread
 * runs the request on the real BlockDriver and copies the data. The vCPU stalls for the
 * duration of the request, as it would on a synchronous disk; the rest of the VMM keeps running.
 *
 * Channel layout: Int32 control words, an error text area, then the data window.
 */
import { BlockError, type BlockDriver } from '../block/driver.js';
import type { DiskBackend, DiskDone } from '../block/disk-backend.js';

/** Control words (Int32 indices). */
const W = { STATE: 0, OP: 1, LENGTH: 2, OFFSET_HIGH: 3, OFFSET_LOW: 4, RESULT: 5, CLOSED: 6 } as const;
const STATE_IDLE = 0;
const STATE_REQUEST = 1;
const STATE_DONE = 2;
const OP = { READ: 1, WRITE: 2, FLUSH: 3, DISCARD: 4, WRITE_ZEROES: 5 } as const;
const HEADER = 64;
const ERROR_TEXT = 1024;
/** Bytes moved per round trip; longer requests are split. */
export const BLOCK_PROXY_WINDOW = 1 << 20;

/** Allocates a channel for one disk. */
export function createBlockChannel(window = BLOCK_PROXY_WINDOW): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER + ERROR_TEXT + window);
}

/** The main thread's side: runs each request the machine thread posts on `driver`. */
export class BlockProxyServer {
  private readonly ctl: Int32Array;
  private readonly errorText: Uint8Array;
  private readonly data: Uint8Array;
  private stopped = false;
  private done: Promise<void> | undefined;

  constructor(channel: SharedArrayBuffer, private driver: BlockDriver | undefined) {
    this.ctl = new Int32Array(channel, 0, HEADER / 4);
    this.errorText = new Uint8Array(channel, HEADER, ERROR_TEXT);
    this.data = new Uint8Array(channel, HEADER + ERROR_TEXT);
  }

  /** Starts serving; resolves the returned promise after stop(). */
  start(): Promise<void> {
    this.done ??= this.serve();
    return this.done;
  }

  /** Swaps the medium (CD change); undefined means no medium: requests fail with "no medium". */
  setDriver(driver: BlockDriver | undefined): void {
    this.driver = driver;
  }

  /** Stops serving and releases a waiting client with an error. */
  stop(): void {
    this.stopped = true;
    Atomics.store(this.ctl, W.CLOSED, 1);
    Atomics.notify(this.ctl, W.STATE);
  }

  private async serve(): Promise<void> {
    while (!this.stopped) {
      const state = Atomics.load(this.ctl, W.STATE);
      if (state !== STATE_REQUEST) {
        // Wait for the next change: DONE -> IDLE (client took the result), then IDLE -> REQUEST.
        const w = Atomics.waitAsync(this.ctl, W.STATE, state, 500);
        if (w.async) await w.value;
        continue;
      }
      let result = 0;
      try {
        await this.execute();
      } catch (err) {
        result = 1;
        const text = new TextEncoder().encode(err instanceof Error ? err.message : String(err)).subarray(0, ERROR_TEXT - 1);
        this.errorText.fill(0);
        this.errorText.set(text);
      }
      Atomics.store(this.ctl, W.RESULT, result);
      Atomics.store(this.ctl, W.STATE, STATE_DONE);
      Atomics.notify(this.ctl, W.STATE);
    }
  }

  private async execute(): Promise<void> {
    const d = this.driver;
    if (d === undefined) throw new BlockError('io', 'no medium');
    const op = Atomics.load(this.ctl, W.OP);
    const length = Atomics.load(this.ctl, W.LENGTH);
    const offset = (Atomics.load(this.ctl, W.OFFSET_HIGH) >>> 0) * 2 ** 32 + (Atomics.load(this.ctl, W.OFFSET_LOW) >>> 0);
    switch (op) {
      case OP.READ:
        return d.read(offset, this.data.subarray(0, length));
      case OP.WRITE:
        // The driver may hold on to the buffer until it resolves; the client waits that long.
        return d.write(offset, this.data.subarray(0, length));
      case OP.FLUSH:
        return d.flush();
      case OP.DISCARD:
        return d.discard(offset, length);
      case OP.WRITE_ZEROES:
        return d.writeZeroes(offset, length);
      default:
        throw new BlockError('io', `unknown block proxy operation ${op}`);
    }
  }
}

/** The machine thread's side: synchronous disk requests (throw BlockError on failure). */
export class BlockProxyClient {
  private readonly ctl: Int32Array;
  private readonly errorText: Uint8Array;
  private readonly data: Uint8Array;

  constructor(channel: SharedArrayBuffer) {
    this.ctl = new Int32Array(channel, 0, HEADER / 4);
    this.errorText = new Uint8Array(channel, HEADER, ERROR_TEXT);
    this.data = new Uint8Array(channel, HEADER + ERROR_TEXT);
  }

  /** Reads `buf.length` bytes at `offset`. */
  read(offset: number, buf: Uint8Array): void {
    for (let done = 0; done < buf.length; ) {
      const n = Math.min(this.data.length, buf.length - done);
      this.call(OP.READ, offset + done, n);
      buf.set(this.data.subarray(0, n), done);
      done += n;
    }
  }

  /** Writes `buf` at `offset`. */
  write(offset: number, buf: Uint8Array): void {
    for (let done = 0; done < buf.length; ) {
      const n = Math.min(this.data.length, buf.length - done);
      this.data.set(buf.subarray(done, done + n));
      this.call(OP.WRITE, offset + done, n);
      done += n;
    }
  }

  /** Makes completed writes durable. */
  flush(): void {
    this.call(OP.FLUSH, 0, 0);
  }

  /** Discards a range (TRIM). */
  discard(offset: number, length: number): void {
    this.call(OP.DISCARD, offset, length);
  }

  /** Zeroes a range. */
  writeZeroes(offset: number, length: number): void {
    this.call(OP.WRITE_ZEROES, offset, length);
  }

  private call(op: number, offset: number, length: number): void {
    const c = this.ctl;
    if (Atomics.load(c, W.CLOSED) !== 0) throw new BlockError('io', 'the disk was closed');
    Atomics.store(c, W.OP, op);
    Atomics.store(c, W.LENGTH, length);
    Atomics.store(c, W.OFFSET_HIGH, Math.floor(offset / 2 ** 32));
    Atomics.store(c, W.OFFSET_LOW, offset >>> 0);
    Atomics.store(c, W.STATE, STATE_REQUEST);
    Atomics.notify(c, W.STATE);
    while (Atomics.load(c, W.STATE) === STATE_REQUEST) {
      if (Atomics.load(c, W.CLOSED) !== 0) throw new BlockError('io', 'the disk was closed');
      Atomics.wait(c, W.STATE, STATE_REQUEST, 1000);
    }
    Atomics.store(c, W.STATE, STATE_IDLE);
    if (Atomics.load(c, W.RESULT) !== 0) {
      const end = this.errorText.indexOf(0);
      throw new BlockError('io', new TextDecoder().decode(this.errorText.slice(0, end < 0 ? undefined : end)));
    }
  }
}

/** A disk as the machine thread opened it: its proxy channel and what the device model must know. */
export interface ProxiedDisk {
  readonly channel: SharedArrayBuffer;
  readonly size: number;
  readonly readOnly: boolean;
}

/** The DiskBackend of a proxied disk: each request runs to completion before its callback. */
export class ProxyDiskBackend implements DiskBackend {
  readonly size: number;
  readonly readOnly: boolean;
  private readonly client: BlockProxyClient;

  constructor(disk: ProxiedDisk) {
    this.size = disk.size;
    this.readOnly = disk.readOnly;
    this.client = new BlockProxyClient(disk.channel);
  }

  read(offset: number, buf: Uint8Array, done: DiskDone): void {
    this.run(() => this.client.read(offset, buf), done);
  }

  write(offset: number, buf: Uint8Array, done: DiskDone): void {
    if (this.readOnly) return done(new BlockError('read-only', 'the disk is read-only'));
    this.run(() => this.client.write(offset, buf), done);
  }

  flush(done: DiskDone): void {
    this.run(() => this.client.flush(), done);
  }

  private run(op: () => void, done: DiskDone): void {
    let error: Error | undefined;
    try {
      op();
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
    }
    done(error);
  }
}
