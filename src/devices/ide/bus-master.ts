/**
 * Bus-master IDE (SFF-8038i rev 1.0), one engine per channel at BAR4 + 0 (primary) / + 8
 * (secondary): command (+0: bit 0 start/stop, bit 3 direction = write to memory), status (+2:
 * bit 0 active, bit 1 error and bit 2 interrupt are write-1-to-clear, bits 5/6 drive DMA
 * capable), and the PRD table pointer (+4, dword aligned). A PRD entry is {u32 physical base,
 * u32 byte count in bits 15:1 (0 = 64 KiB) | bit 31 end of table}. Addresses outside guest RAM
 * set the error bit; nothing a guest writes here can throw.
 */
import type { BusDevice } from '../../bus/bus-device.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import type { DmaEnd, DmaEngine, DmaJob, DmaPort } from './dma.js';

/** Status register bits. */
export const BM_STATUS = { ACTIVE: 0x01, ERROR: 0x02, INTERRUPT: 0x04, DRIVE0_DMA: 0x20, DRIVE1_DMA: 0x40 } as const;
/** Command register bits. */
export const BM_COMMAND = { START: 0x01, TO_MEMORY: 0x08 } as const;

/** A PRD table walk used by one transfer. */
class PrdCursor implements DmaPort {
  private next: number;
  private addr = 0;
  private left = 0;
  private last = false;
  private entries = 0;

  constructor(private readonly memory: GuestMemory, table: number) {
    this.next = table;
  }

  /** The last entry has been used up. */
  get exhausted(): boolean {
    return this.left === 0 && this.last;
  }

  toMemory(data: Uint8Array): number {
    return this.move(data, true);
  }

  fromMemory(data: Uint8Array): number {
    return this.move(data, false);
  }

  private move(data: Uint8Array, toMemory: boolean): number {
    let moved = 0;
    try {
      while (moved < data.length) {
        if (this.left === 0) {
          if (this.last) break;
          if (!this.load()) return -1;
          continue;
        }
        const n = Math.min(this.left, data.length - moved);
        if (!this.memory.contains(this.addr, n)) return -1;
        if (toMemory) this.memory.write(this.addr, data.subarray(moved, moved + n));
        else this.memory.readInto(this.addr, data.subarray(moved, moved + n));
        this.addr += n;
        this.left -= n;
        moved += n;
      }
    } catch {
      return -1; // a GuestMemoryError despite the checks: still only the guest's fault
    }
    return moved;
  }

  /** Reads the next PRD entry; false when it lies outside RAM. */
  private load(): boolean {
    if (!this.memory.contains(this.next, 8)) return false;
    this.addr = this.memory.readU32(this.next) & ~1;
    const count = this.memory.readU32(this.next + 4);
    this.left = (count & 0xfffe) || 0x10000;
    this.entries++;
    // A table has at most 64 KiB of entries; one without an end mark stops there.
    this.last = (count & 0x8000_0000) !== 0 || this.entries >= 8192;
    this.next += 8;
    return true;
  }
}

/** The bus-master registers and DMA engine of one IDE channel. */
export class BusMasterChannel implements DmaEngine, BusDevice {
  command = 0;
  status = 0;
  prdTable = 0;
  private pending: DmaJob | undefined;
  private running: { job: DmaJob; cursor: PrdCursor } | undefined;

  constructor(private readonly memory: GuestMemory) {}

  /** Power-on/reset state. */
  reset(): void {
    this.cancel();
    this.command = 0;
    this.status = 0;
    this.prdTable = 0;
  }

  /** The channel's INTRQ went high: latch the interrupt bit. */
  onInterrupt(): void {
    this.status |= BM_STATUS.INTERRUPT;
  }

  offer(job: DmaJob): void {
    this.cancel();
    this.pending = job;
    if ((this.command & BM_COMMAND.START) !== 0) this.run();
  }

  cancel(): void {
    this.pending = undefined;
    const r = this.running;
    this.running = undefined;
    r?.job.abort();
  }

  private run(): void {
    const job = this.pending;
    if (job === undefined) return;
    this.pending = undefined;
    const cursor = new PrdCursor(this.memory, this.prdTable);
    const running = { job, cursor };
    this.running = running;
    this.status |= BM_STATUS.ACTIVE;
    job.start(cursor, (how) => this.end(running, how));
  }

  private end(r: { cursor: PrdCursor }, how: DmaEnd): void {
    if (this.running !== r) return;
    this.running = undefined;
    // Done with PRD space left over keeps ACTIVE set (SFF-8038i table 2: "PRD larger than transfer").
    if (how !== 'done' || r.cursor.exhausted) this.status &= ~BM_STATUS.ACTIVE;
    if (how === 'fault') this.status |= BM_STATUS.ERROR;
  }

  read(offset: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) data[i] = this.readByte(offset + i);
  }

  write(offset: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.writeByte(offset + i, data[i]!);
  }

  private readByte(reg: number): number {
    switch (reg) {
      case 0:
        return this.command;
      case 2:
        return this.status;
      case 4:
      case 5:
      case 6:
      case 7:
        return (this.prdTable >>> (8 * (reg - 4))) & 0xff;
      default:
        return 0;
    }
  }

  private writeByte(reg: number, v: number): void {
    switch (reg) {
      case 0: {
        const was = this.command & BM_COMMAND.START;
        this.command = v & (BM_COMMAND.START | BM_COMMAND.TO_MEMORY);
        const now = v & BM_COMMAND.START;
        if (was && !now) {
          // Stop: a transfer in progress is abandoned (the host resets the device after this).
          if (this.running !== undefined) this.cancel();
          this.status &= ~BM_STATUS.ACTIVE;
        } else if (!was && now) {
          this.status |= BM_STATUS.ACTIVE; // set by the start bit, cleared when a transfer ends
          this.run();
        }
        return;
      }
      case 2:
        this.status = (this.status & ~(v & (BM_STATUS.ERROR | BM_STATUS.INTERRUPT)) & ~(BM_STATUS.DRIVE0_DMA | BM_STATUS.DRIVE1_DMA)) |
          (v & (BM_STATUS.DRIVE0_DMA | BM_STATUS.DRIVE1_DMA));
        return;
      case 4:
      case 5:
      case 6:
      case 7: {
        const shift = 8 * (reg - 4);
        const mask = (0xff << shift) >>> 0;
        this.prdTable = (((this.prdTable & ~mask) | ((v << shift) >>> 0)) & ~3) >>> 0;
        return;
      }
    }
  }
}
