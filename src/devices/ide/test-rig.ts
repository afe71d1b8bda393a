/**
 * A test machine for the IDE models: a port bus with PIIX3 IDE behind config mechanism #1, guest
 * RAM for DMA, recording IRQ lines, and the register sequences a driver (SeaBIOS, Linux) uses.
 * Only used by the *.test.ts files.
 */
import { RecordingIrqLine } from '../../bus/bus-device.js';
import { MmioBus, PioBus } from '../../bus/bus.js';
import { GuestMemory } from '../../memory/guest-memory.js';
import { PciBus, PciConfigPorts } from '../../pci/pci-bus.js';
import { ST } from './ata-constants.js';
import type { IdeDrive } from './ide-drive.js';
import { PIIX3_IDE_DEVFN } from './index.js';
import { Piix3Ide } from './piix3-ide.js';

/** Where the rig places the bus-master BAR. */
export const BMDMA_BASE = 0xc000;
/** Command block base of channel 0/1. */
export const CMD_BASE = [0x1f0, 0x170] as const;
/** Control block of channel 0/1. */
export const CTL_PORT = [0x3f6, 0x376] as const;

/** PIIX3 IDE on a port bus, driven like a guest driver would. */
export class IdeRig {
  readonly pio = new PioBus();
  readonly pci = new PciBus({ pio: this.pio, mmio: new MmioBus() });
  readonly memory = GuestMemory.allocate([{ gpa: 0, size: 4 << 20 }]);
  readonly irq = [new RecordingIrqLine(), new RecordingIrqLine()] as const;
  readonly ide: Piix3Ide;

  constructor(drives: ReadonlyArray<IdeDrive | undefined>) {
    this.ide = new Piix3Ide({ memory: this.memory, irq14: this.irq[0], irq15: this.irq[1], drives });
    this.pci.add(PIIX3_IDE_DEVFN, this.ide);
    this.pio.insert(0xcf8, 8, 'pci-conf', new PciConfigPorts(this.pci));
    for (const r of this.ide.portRanges()) this.pio.insert(r.base, r.size, r.name, r.device);
  }

  inb(port: number): number {
    const d = new Uint8Array(1);
    this.pio.read(port, d);
    return d[0]!;
  }
  outb(port: number, v: number): void {
    this.pio.write(port, Uint8Array.of(v & 0xff));
  }
  inw(port: number): number {
    const d = new Uint8Array(2);
    this.pio.read(port, d);
    return d[0]! | (d[1]! << 8);
  }
  outw(port: number, v: number): void {
    this.pio.write(port, Uint8Array.of(v & 0xff, (v >> 8) & 0xff));
  }
  inl(port: number): number {
    const d = new Uint8Array(4);
    this.pio.read(port, d);
    return (d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24)) >>> 0;
  }
  outl(port: number, v: number): void {
    this.pio.write(port, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff));
  }

  /** A PCI config read of the IDE function (dword-aligned window + byte offset). */
  pciRead(reg: number, size: 1 | 2 | 4): number {
    this.outl(0xcf8, 0x8000_0000 | (PIIX3_IDE_DEVFN << 8) | (reg & 0xfc));
    const port = 0xcfc + (reg & 3);
    return size === 1 ? this.inb(port) : size === 2 ? this.inw(port) : this.inl(port);
  }
  pciWrite(reg: number, size: 1 | 2 | 4, v: number): void {
    this.outl(0xcf8, 0x8000_0000 | (PIIX3_IDE_DEVFN << 8) | (reg & 0xfc));
    const port = 0xcfc + (reg & 3);
    if (size === 1) this.outb(port, v);
    else if (size === 2) this.outw(port, v);
    else this.outl(port, v);
  }

  /** What SeaBIOS's PCI setup does: BAR4 at BMDMA_BASE, I/O + bus master on, IDE decode on. */
  enableBusMaster(): void {
    this.pciWrite(0x20, 4, BMDMA_BASE | 1);
    this.pciWrite(0x04, 2, 0x0005);
    this.pciWrite(0x40, 2, 0x8000);
    this.pciWrite(0x42, 2, 0x8000);
  }

  status(ch: 0 | 1): number {
    return this.inb(CMD_BASE[ch] + 7);
  }
  altStatus(ch: 0 | 1): number {
    return this.inb(CTL_PORT[ch]);
  }
  error(ch: 0 | 1): number {
    return this.inb(CMD_BASE[ch] + 1);
  }

  /** Selects device `dev` (0/1) with extra device-register bits. */
  select(ch: 0 | 1, dev: 0 | 1, bits = 0): void {
    this.outb(CMD_BASE[ch] + 6, (dev << 4) | bits);
  }

  /** Loads the task file and writes `cmd`: regs are [feature, count, lbaLow, lbaMid, lbaHigh]. */
  command(ch: 0 | 1, cmd: number, regs: readonly number[] = [], device?: number): void {
    const b = CMD_BASE[ch];
    regs.forEach((v, i) => this.outb(b + 1 + i, v));
    if (device !== undefined) this.outb(b + 6, device);
    this.outb(b + 7, cmd);
  }

  /** An LBA48 command: writes each register twice (high byte first), as drivers do. */
  command48(ch: 0 | 1, cmd: number, lba: number, count: number, dev: 0 | 1 = 0): void {
    const b = CMD_BASE[ch];
    const hi = Math.floor(lba / 2 ** 24);
    this.outb(b + 2, count >> 8);
    this.outb(b + 3, hi & 0xff);
    this.outb(b + 4, (hi >> 8) & 0xff);
    this.outb(b + 5, (hi >> 16) & 0xff);
    this.outb(b + 2, count & 0xff);
    this.outb(b + 3, lba & 0xff);
    this.outb(b + 4, (lba >>> 8) & 0xff);
    this.outb(b + 5, (lba >>> 16) & 0xff);
    this.outb(b + 6, 0x40 | (dev << 4));
    this.outb(b + 7, cmd);
  }

  /** Reads `n` bytes from the data port, 16 bits at a time. */
  readData(ch: 0 | 1, n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 2) {
      const w = this.inw(CMD_BASE[ch]);
      out[i] = w & 0xff;
      if (i + 1 < n) out[i + 1] = w >> 8;
    }
    return out;
  }

  /** Writes `data` to the data port, 16 bits at a time. */
  writeData(ch: 0 | 1, data: Uint8Array): void {
    for (let i = 0; i < data.length; i += 2) this.outw(CMD_BASE[ch], data[i]! | ((data[i + 1] ?? 0) << 8));
  }

  /**
   * Sends an ATAPI packet to device `dev` with PIO and reads every DRQ block (the byte count of
   * each comes from LBA mid/high). `pump` runs between steps so deferred completions can land.
   */
  atapi(ch: 0 | 1, cdb: readonly number[], opts: { dev?: 0 | 1; limit?: number; pump?: () => void; blocks?: number[] } = {}): { data: Uint8Array; status: number; error: number; reason: number } {
    const b = CMD_BASE[ch];
    const limit = opts.limit ?? 0xfffe;
    this.select(ch, opts.dev ?? 0);
    this.command(ch, 0xa0, [0, 0, 0, limit & 0xff, limit >> 8]);
    const packet = new Uint8Array(12);
    packet.set(cdb.slice(0, 12));
    this.writeData(ch, packet);
    const chunks: Uint8Array[] = [];
    for (let guard = 0; guard < 100000; guard++) {
      opts.pump?.();
      const st = this.status(ch);
      if ((st & ST.BSY) !== 0) continue;
      if ((st & ST.DRQ) === 0) break;
      const n = this.inb(b + 4) | (this.inb(b + 5) << 8);
      opts.blocks?.push(n);
      chunks.push(this.readData(ch, n));
    }
    opts.pump?.();
    const total = chunks.reduce((s, c) => s + c.length, 0);
    const data = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      data.set(c, at);
      at += c.length;
    }
    return { data, status: this.altStatus(ch), error: this.error(ch), reason: this.inb(b + 2) };
  }

  /** Writes a PRD table at `table`: entries of [address, byteCount], the last one marked end-of-table. */
  writePrd(table: number, entries: ReadonlyArray<readonly [number, number]>): void {
    entries.forEach(([addr, count], i) => {
      this.memory.writeU32(table + 8 * i, addr);
      this.memory.writeU32(table + 8 * i + 4, ((count & 0xffff) | (i === entries.length - 1 ? 0x8000_0000 : 0)) >>> 0);
    });
  }

  /** Programs channel `ch`'s bus master with `table` and starts it (direction: to memory for reads). */
  startDma(ch: 0 | 1, table: number, toMemory: boolean): void {
    const base = BMDMA_BASE + 8 * ch;
    this.outb(base + 2, 0x06); // clear error and interrupt
    this.outl(base + 4, table);
    this.outb(base, (toMemory ? 0x08 : 0) | 0x01);
  }

  bmStatus(ch: 0 | 1): number {
    return this.inb(BMDMA_BASE + 8 * ch + 2);
  }

  /** Stops the bus master (clears the start bit) as drivers do after the interrupt. */
  stopDma(ch: 0 | 1): void {
    this.outb(BMDMA_BASE + 8 * ch, 0);
  }
}

/** A buffer of `n` bytes with a recognisable pattern seeded by `seed`. */
export function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
