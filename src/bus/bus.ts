import { TkvmError, hex } from '../errors.js';
import type { BusDevice } from './bus-device.js';

/** Raised when a mapping would overlap another or is empty: a VMM wiring bug, fatal at start. */
export class BusError extends TkvmError {}

/** One mapped range of a bus. */
export interface BusRange {
  readonly base: number;
  readonly size: number;
  readonly name: string;
  readonly device: BusDevice;
}

/**
 * An address space of devices: sorted, non-overlapping ranges found by binary search.
 * Unmapped reads return all-ones and unmapped writes are dropped; both are counted, never fatal,
 * because a guest probing absent hardware is normal.
 */
export class Bus {
  private readonly ranges: BusRange[] = [];
  /** Accesses that hit no device (guest probes of absent hardware). */
  unmappedAccesses = 0;
  /** Optional debug hook told about each unmapped access. */
  onUnmapped: ((addr: number, size: number, isWrite: boolean) => void) | undefined;

  /**
   * For small spaces (the 64 KiB port space): index + 1 of the range at each address, 0 when
   * unmapped, so `find` is one load instead of a binary search. Undefined for large spaces or
   * when there are more than 255 ranges.
   */
  private table: Uint8Array | undefined;

  constructor(readonly kind: 'pio' | 'mmio', private readonly limit: number) {
    this.rebuildTable();
  }

  /** Maps `device` at [base, base+size). Throws BusError on overlap or an empty/out-of-range span. */
  insert(base: number, size: number, name: string, device: BusDevice): void {
    if (!Number.isSafeInteger(base) || !Number.isSafeInteger(size) || size <= 0 || base < 0 || base + size > this.limit) {
      throw new BusError('bad-range', `${this.kind} range for ${name} is empty or out of range: ${hex(base)}+${hex(size)}`, { base, size, name });
    }
    let i = 0;
    while (i < this.ranges.length && this.ranges[i]!.base < base) i++;
    const prev = this.ranges[i - 1];
    const next = this.ranges[i];
    const clash = (prev && prev.base + prev.size > base) ? prev : (next && base + size > next.base) ? next : undefined;
    if (clash) {
      throw new BusError('overlap', `${this.kind} range ${name} ${hex(base)}+${hex(size)} overlaps ${clash.name} ${hex(clash.base)}+${hex(clash.size)}`, { base, size, name, other: clash.name });
    }
    this.ranges.splice(i, 0, { base, size, name, device });
    this.rebuildTable();
  }

  /** Removes the range that starts at `base` (used for BAR remapping). Returns whether one was found. */
  remove(base: number): boolean {
    const i = this.ranges.findIndex((r) => r.base === base);
    if (i < 0) return false;
    this.ranges.splice(i, 1);
    this.rebuildTable();
    return true;
  }

  /** The range containing `addr`, or undefined. */
  find(addr: number): BusRange | undefined {
    const r = this.ranges;
    const t = this.table;
    if (t !== undefined) {
      const i = t[addr];
      return i ? r[i - 1] : undefined;
    }
    let lo = 0;
    let hi = r.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const range = r[mid]!;
      if (addr < range.base) hi = mid - 1;
      else if (addr >= range.base + range.size) lo = mid + 1;
      else return range;
    }
    return undefined;
  }

  /** Reads `data.length` bytes at `addr` into `data`; all-ones when nothing is mapped there. */
  read(addr: number, data: Uint8Array): void {
    const range = this.find(addr);
    if (range === undefined) {
      data.fill(0xff);
      this.unmapped(addr, data.length, false);
      return;
    }
    range.device.read(addr - range.base, data);
  }

  /** Writes `data` at `addr`; dropped (and counted) when nothing is mapped there. */
  write(addr: number, data: Uint8Array): void {
    const range = this.find(addr);
    if (range === undefined) {
      this.unmapped(addr, data.length, true);
      return;
    }
    range.device.write(addr - range.base, data);
  }

  /** All ranges, in address order (for `info mtree`-style listings and tests). */
  list(): readonly BusRange[] {
    return this.ranges;
  }

  private rebuildTable(): void {
    if (this.limit > 0x10000 || this.ranges.length > 255) {
      this.table = undefined;
      return;
    }
    const t = (this.table ??= new Uint8Array(this.limit));
    t.fill(0);
    this.ranges.forEach((r, i) => t.fill(i + 1, r.base, r.base + r.size));
  }

  private unmapped(addr: number, size: number, isWrite: boolean): void {
    this.unmappedAccesses++;
    this.onUnmapped?.(addr, size, isWrite);
  }
}

/** The 64 KiB x86 I/O port space. */
export class PioBus extends Bus {
  constructor() {
    super('pio', 0x10000);
  }
}

/** The guest-physical MMIO space (52-bit physical addresses fit exactly in a JS number). */
export class MmioBus extends Bus {
  constructor() {
    super('mmio', 2 ** 52);
  }
}
