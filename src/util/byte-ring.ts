/**
 * A single-producer, single-consumer byte ring in a SharedArrayBuffer: how a vCPU thread hands
 * guest output (serial bytes) to the main thread without a message per byte. The producer
 * blocks (Atomics.wait) when the ring is full, so a slow consumer slows the guest instead of
 * losing bytes, as QEMU's blocking chardev writes do.
 */
const HEAD = 0; // bytes written (producer), modulo 2^31
const TAIL = 1; // bytes read (consumer)
const WAITING = 2; // consumer is waiting for data
const CLOSED = 3;
const HEADER_BYTES = 16;

/** The shared memory of one ring; both sides wrap the same buffer. */
export function createRingBuffer(capacity = 1 << 16): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + capacity);
}

/** The producer side (vCPU thread). */
export class RingWriter {
  private readonly hdr: Int32Array;
  private readonly data: Uint8Array;
  private readonly cap: number;

  constructor(sab: SharedArrayBuffer) {
    this.hdr = new Int32Array(sab, 0, 4);
    this.data = new Uint8Array(sab, HEADER_BYTES);
    this.cap = this.data.length;
  }

  /** Appends bytes, waiting for the consumer when full (unless it has closed the ring). */
  write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      const head = Atomics.load(this.hdr, HEAD);
      const tail = Atomics.load(this.hdr, TAIL);
      const free = this.cap - ((head - tail) | 0);
      if (free === 0) {
        if (Atomics.load(this.hdr, CLOSED) !== 0) return;
        this.wake();
        Atomics.wait(this.hdr, TAIL, tail, 50);
        continue;
      }
      const n = Math.min(free, bytes.length - done);
      for (let i = 0; i < n; i++) this.data[(head + i) % this.cap] = bytes[done + i]!;
      Atomics.store(this.hdr, HEAD, (head + n) | 0);
      done += n;
    }
    this.wake();
  }

  /** Appends one byte (the serial port's common case) without allocating. */
  writeByte(byte: number): void {
    for (;;) {
      const head = Atomics.load(this.hdr, HEAD);
      const tail = Atomics.load(this.hdr, TAIL);
      if (((head - tail) | 0) < this.cap) {
        this.data[head % this.cap] = byte;
        Atomics.store(this.hdr, HEAD, (head + 1) | 0);
        this.wake();
        return;
      }
      if (Atomics.load(this.hdr, CLOSED) !== 0) return;
      this.wake();
      Atomics.wait(this.hdr, TAIL, tail, 50);
    }
  }

  private wake(): void {
    if (Atomics.load(this.hdr, WAITING) !== 0) {
      Atomics.store(this.hdr, WAITING, 0);
      Atomics.notify(this.hdr, WAITING);
    }
  }
}

/** The consumer side (main thread): drains into a callback whenever data arrives. */
export class RingReader {
  private readonly hdr: Int32Array;
  private readonly data: Uint8Array;
  private readonly cap: number;
  private stopped = false;

  constructor(sab: SharedArrayBuffer) {
    this.hdr = new Int32Array(sab, 0, 4);
    this.data = new Uint8Array(sab, HEADER_BYTES);
    this.cap = this.data.length;
  }

  /** Takes everything buffered now. */
  drain(): Uint8Array {
    const head = Atomics.load(this.hdr, HEAD);
    const tail = Atomics.load(this.hdr, TAIL);
    const n = (head - tail) | 0;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.data[(tail + i) % this.cap]!;
    Atomics.store(this.hdr, TAIL, head);
    Atomics.notify(this.hdr, TAIL);
    return out;
  }

  /** Calls `sink` with each batch of bytes until stop(); uses Atomics.waitAsync, no polling. */
  async pump(sink: (bytes: Uint8Array) => void): Promise<void> {
    while (!this.stopped) {
      const chunk = this.drain();
      if (chunk.length > 0) {
        sink(chunk);
        continue;
      }
      Atomics.store(this.hdr, WAITING, 1);
      if (Atomics.load(this.hdr, HEAD) !== Atomics.load(this.hdr, TAIL)) continue;
      const w = Atomics.waitAsync(this.hdr, WAITING, 1, 200);
      if (w.async) await w.value;
    }
  }

  /** Stops the pump and lets a blocked producer continue (its bytes are then dropped). */
  stop(): void {
    this.stopped = true;
    Atomics.store(this.hdr, CLOSED, 1);
    Atomics.store(this.hdr, WAITING, 0);
    Atomics.notify(this.hdr, WAITING);
    Atomics.notify(this.hdr, TAIL);
  }
}
