/**
 * Sized numeric accesses (1, 2 or 4 bytes, little-endian, unsigned) on a byte-oriented bus, as
 * the software CPU issues them, with preallocated buffers: no allocation per access.
 */
import type { Bus } from '../bus/bus.js';

/** Number-valued reads and writes of one bus. */
export class SizedBusAccess {
  private readonly scratch = [new Uint8Array(0), new Uint8Array(1), new Uint8Array(2), new Uint8Array(0), new Uint8Array(4)];

  constructor(private readonly bus: Bus) {}

  read(addr: number, size: 1 | 2 | 4): number {
    const data = this.scratch[size]!;
    this.bus.read(addr, data);
    if (size === 1) return data[0]!;
    if (size === 2) return data[0]! | (data[1]! << 8);
    return (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0;
  }

  write(addr: number, size: 1 | 2 | 4, value: number): void {
    const data = this.scratch[size]!;
    data[0] = value;
    if (size >= 2) data[1] = value >>> 8;
    if (size === 4) {
      data[2] = value >>> 16;
      data[3] = value >>> 24;
    }
    this.bus.write(addr, data);
  }
}
