/**
 * Helpers for device unit tests: byte-wide bus accesses and a seeded PRNG so fuzz runs replay.
 */
import type { BusDevice } from '../bus/bus-device.js';

/** Reads one byte at `offset` through the BusDevice interface. */
export function inb(dev: BusDevice, offset: number): number {
  const d = new Uint8Array(1);
  dev.read(offset, d);
  return d[0]!;
}

/** Writes one byte at `offset` through the BusDevice interface. */
export function outb(dev: BusDevice, offset: number, value: number): void {
  dev.write(offset, Uint8Array.of(value & 0xff));
}

/** mulberry32: a tiny deterministic PRNG; returns integers in [0, 2^32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** One random bus access of 1, 2 or 4 bytes within `size` ports: the fuzzers' unit of work. */
export function randomAccess(dev: BusDevice, rand: () => number, size: number): void {
  const widths = [1, 1, 1, 1, 2, 4] as const;
  const width = widths[rand() % widths.length]!;
  const offset = rand() % size;
  const data = new Uint8Array(width);
  if (rand() & 1) dev.read(offset, data);
  else {
    for (let i = 0; i < width; i++) data[i] = rand() & 0xff;
    dev.write(offset, data);
  }
}
