/**
 * QEMU's firmware configuration device (fw_cfg) as the pc machine has it (QEMU docs/specs/fw_cfg.rst):
 * a 16-bit selector at 0x510, an 8-bit data port at 0x511, and the DMA interface at 0x514-0x51B.
 * Items are numbered blobs; named files live from key 0x20 on and are listed in FILE_DIR (0x19),
 * sorted by name. SeaBIOS reads RAM size, CPU count, the e820 map, the boot order and its
 * serial-console port from here.
 *
 * Threat note: the selector, the DMA address and the DMA descriptor all come from the guest. A
 * descriptor or buffer outside RAM sets the error bit in the descriptor's control word (when that
 * word itself is writable); nothing a guest does here throws.
 */
import type { BusDevice } from '../bus/bus-device.js';
import type { GuestMemory } from '../memory/guest-memory.js';

/** Selector + data ports (0x510 selector, 0x511 data). */
export const FW_CFG_IO_PORT = 0x510;
/** DMA address register (0x514 high dword, 0x518 low dword, both big-endian). */
export const FW_CFG_DMA_PORT = 0x514;

/** Well-known item keys (fw_cfg.rst "Selector Register" table). */
export const FW_CFG = {
  SIGNATURE: 0x00,
  ID: 0x01,
  UUID: 0x02,
  RAM_SIZE: 0x03,
  NOGRAPHIC: 0x04,
  NB_CPUS: 0x05,
  BOOT_MENU: 0x0e,
  MAX_CPUS: 0x0f,
  FILE_DIR: 0x19,
  /** First key of named files. */
  FILE_FIRST: 0x20,
  /** Bit of a selector that marks an architecture-specific item (x86: 0x8000-0x8003 below). */
  ARCH_LOCAL: 0x8000,
  /** x86: legacy e820 reservations table (u32 count + {u64 addr, u64 len, u32 type}). */
  E820_TABLE: 0x8003,
  /** x86: the ISA IRQ0 -> IOAPIC pin 2 override flag. */
  IRQ0_OVERRIDE: 0x8002,
} as const;

/** Selector bit of the old write channel; writes through the data port are ignored since QEMU 2.4. */
const WRITE_CHANNEL = 0x4000;
/** Selector bits naming an item (the write-channel bit excluded). */
const KEY_MASK = 0xbfff;

/** FW_CFG_ID feature bits. */
export const FW_CFG_VERSION = { TRADITIONAL: 1, DMA: 2 } as const;

/** DMA control bits (fw_cfg.rst "FWCfgDmaAccess"). */
export const FW_CFG_DMA = { ERROR: 1, READ: 2, SKIP: 4, SELECT: 8, WRITE: 16 } as const;

/** What reading the DMA address register returns: "QEMU CFG" in byte order. */
const DMA_SIGNATURE = new TextEncoder().encode('QEMU CFG');

/** Longest file name, with its NUL (FWCfgFile.name is char[56]). */
export const FW_CFG_MAX_NAME = 56;

/** One entry of FILE_DIR. */
export interface FwCfgFileInfo {
  readonly name: string;
  readonly key: number;
  readonly size: number;
}

/** What the device needs from the machine. */
export interface FwCfgOptions {
  /** Guest RAM, for the DMA interface. */
  readonly memory: GuestMemory;
  /** Offer the DMA interface (FW_CFG_ID bit 1); QEMU does on the pc machine. Default true. */
  readonly dma?: boolean;
}

/** Big-endian u32. */
function be32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, false);
  return b;
}

/** Little-endian integer of `bytes` bytes (fw_cfg's numeric items are little-endian). */
export function fwCfgLe(value: number | bigint, bytes: 2 | 4 | 8): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(value)), true);
  return b.slice(0, bytes);
}

/**
 * The fw_cfg device: a table of items plus the port state. Map `ioPort` at FW_CFG_IO_PORT
 * (2 ports) and `dmaPort` at FW_CFG_DMA_PORT (8 ports).
 */
export class FwCfg {
  private readonly items = new Map<number, Uint8Array>();
  private readonly files = new Map<string, Uint8Array>();
  private fileKeys = new Map<string, number>();
  private selected = -1;
  private offset = 0;
  private dmaHigh = 0;
  private readonly dmaEnabled: boolean;

  /** The selector/data pair (offset 0: 16-bit selector write; offset 1: 8-bit data read). */
  readonly ioPort: BusDevice;
  /** The DMA address register pair. */
  readonly dmaPort: BusDevice;

  constructor(private readonly opts: FwCfgOptions) {
    this.dmaEnabled = opts.dma ?? true;
    this.setItem(FW_CFG.SIGNATURE, new TextEncoder().encode('QEMU'));
    this.setItem(FW_CFG.ID, fwCfgLe(FW_CFG_VERSION.TRADITIONAL | (this.dmaEnabled ? FW_CFG_VERSION.DMA : 0), 4));
    this.ioPort = {
      read: (offset, data) => this.ioRead(offset, data),
      write: (offset, data) => this.ioWrite(offset, data),
    };
    this.dmaPort = {
      read: (offset, data) => {
        for (let i = 0; i < data.length; i++) data[i] = this.dmaEnabled ? DMA_SIGNATURE[offset + i] ?? 0 : 0xff;
      },
      write: (offset, data) => this.dmaWrite(offset, data),
    };
  }

  /** Sets a numbered item (keys below FILE_FIRST, or arch-local keys). */
  setItem(key: number, data: Uint8Array): void {
    if (key === FW_CFG.FILE_DIR || (key >= FW_CFG.FILE_FIRST && key < FW_CFG.ARCH_LOCAL)) throw new RangeError(`fw_cfg key 0x${key.toString(16)} is reserved for files`);
    this.items.set(key, data);
  }

  /** Adds or replaces a named file; keys are reassigned in name order, as QEMU does. */
  setFile(name: string, data: Uint8Array): void {
    if (name.length === 0 || new TextEncoder().encode(name).length >= FW_CFG_MAX_NAME) throw new RangeError(`fw_cfg file name '${name}' must have 1 to ${FW_CFG_MAX_NAME - 1} bytes`);
    this.files.set(name, data);
    const names = [...this.files.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.fileKeys = new Map(names.map((n, i) => [n, FW_CFG.FILE_FIRST + i]));
  }

  /** The contents of a named file, if present. */
  file(name: string): Uint8Array | undefined {
    return this.files.get(name);
  }

  /** FILE_DIR as a list, in key order. */
  directory(): FwCfgFileInfo[] {
    return [...this.fileKeys].map(([name, key]) => ({ name, key, size: this.files.get(name)!.length }));
  }

  /** Power-on state of the ports: nothing selected. Items persist (QEMU rebuilds only bootorder). */
  reset(): void {
    this.selected = -1;
    this.offset = 0;
    this.dmaHigh = 0;
  }

  /** The bytes of item `key` now, or undefined when no such item exists. */
  itemData(key: number): Uint8Array | undefined {
    if (key === FW_CFG.FILE_DIR) return this.fileDirBytes();
    if (key >= FW_CFG.FILE_FIRST && key < FW_CFG.ARCH_LOCAL) {
      for (const [name, k] of this.fileKeys) if (k === key) return this.files.get(name);
      return undefined;
    }
    return this.items.get(key);
  }

  private fileDirBytes(): Uint8Array {
    const dir = this.directory();
    const out = new Uint8Array(4 + 64 * dir.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, dir.length, false);
    dir.forEach((f, i) => {
      const at = 4 + 64 * i;
      dv.setUint32(at, f.size, false);
      dv.setUint16(at + 4, f.key, false);
      out.set(new TextEncoder().encode(f.name), at + 8);
    });
    return out;
  }

  private select(selector: number): void {
    // The write-channel bit selects the same item (writes through it are ignored anyway).
    this.selected = selector & KEY_MASK & ~WRITE_CHANNEL;
    this.offset = 0;
  }

  private current(): Uint8Array | undefined {
    return this.selected < 0 ? undefined : this.itemData(this.selected);
  }

  private ioRead(offset: number, data: Uint8Array): void {
    if (offset === 1 && data.length === 1) {
      const item = this.current();
      data[0] = item !== undefined && this.offset < item.length ? item[this.offset]! : 0;
      if (item !== undefined && this.offset < item.length) this.offset++;
      return;
    }
    // Only a byte read of the data port is a valid access (QEMU's fw_cfg_comb_valid).
    data.fill(0);
  }

  private ioWrite(offset: number, data: Uint8Array): void {
    if (offset === 0 && data.length === 2) this.select(data[0]! | (data[1]! << 8));
    // Data-port writes: ignored, as in QEMU since 2.4.
  }

  private dmaWrite(offset: number, data: Uint8Array): void {
    if (!this.dmaEnabled) return;
    let v = 0;
    for (const b of data) v = v * 256 + b; // the register is big-endian
    if (offset === 0 && data.length === 4) {
      this.dmaHigh = v;
    } else if (offset === 4 && data.length === 4) {
      const addr = this.dmaHigh * 2 ** 32 + v;
      this.dmaHigh = 0;
      this.dmaTransfer(addr);
    } else if (offset === 0 && data.length === 8) {
      this.dmaHigh = 0;
      this.dmaTransfer(v);
    }
  }

  /** Runs one FWCfgDmaAccess descriptor at guest address `addr` (big-endian control, length, address). */
  dmaTransfer(addr: number): void {
    const mem = this.opts.memory;
    if (!mem.contains(addr, 16)) {
      if (mem.contains(addr, 4)) mem.write(addr, be32(FW_CFG_DMA.ERROR));
      return;
    }
    const desc = new DataView(mem.read(addr, 16).buffer);
    const control = desc.getUint32(0, false);
    let length = desc.getUint32(4, false);
    let target = Number(desc.getBigUint64(8, false));
    if (control & FW_CFG_DMA.SELECT) this.select(control >>> 16);
    let read = false;
    if (control & FW_CFG_DMA.READ) read = true;
    else if (control & (FW_CFG_DMA.WRITE | FW_CFG_DMA.SKIP)) read = false;
    else length = 0;
    const writeOp = !read && (control & FW_CFG_DMA.WRITE) !== 0 && (control & FW_CFG_DMA.READ) === 0;
    let status = 0;
    if (writeOp && length > 0) {
      // No item is guest-writable on this machine: a write is an error, as for a read-only QEMU item.
      status = FW_CFG_DMA.ERROR;
      length = 0;
    }
    const item = this.current();
    while (length > 0 && status === 0) {
      const avail = item !== undefined && this.offset < item.length ? item.length - this.offset : 0;
      const n = avail === 0 ? length : Math.min(length, avail);
      if (read) {
        if (!Number.isSafeInteger(target + n) || !mem.contains(target, n)) {
          status = FW_CFG_DMA.ERROR;
          break;
        }
        if (avail === 0) mem.fill(target, n, 0);
        else mem.write(target, item!.subarray(this.offset, this.offset + n));
      }
      if (avail !== 0) this.offset += n;
      target += n;
      length -= n;
    }
    mem.write(addr, be32(status));
  }
}
