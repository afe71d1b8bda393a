/**
 * A PCI function's 256-byte type-0 configuration space (PCI Local Bus spec 3.0, chapter 6):
 * identity registers, the command/status pair, six BARs, the expansion ROM BAR and the
 * interrupt line/pin, with per-byte write masks so a guest can only change what hardware lets it.
 * Device-specific registers are made writable with `allowWrite`, or served by the device's hooks.
 */

/** Standard register offsets. */
export const PCI = {
  VENDOR_ID: 0x00,
  DEVICE_ID: 0x02,
  COMMAND: 0x04,
  STATUS: 0x06,
  REVISION: 0x08,
  PROG_IF: 0x09,
  CLASS: 0x0a,
  CACHE_LINE: 0x0c,
  LATENCY: 0x0d,
  HEADER_TYPE: 0x0e,
  BAR0: 0x10,
  SUBSYSTEM_VENDOR_ID: 0x2c,
  SUBSYSTEM_ID: 0x2e,
  ROM_ADDRESS: 0x30,
  INTERRUPT_LINE: 0x3c,
  INTERRUPT_PIN: 0x3d,
} as const;

/** Command register bits. */
export const PCI_COMMAND = { IO: 0x1, MEMORY: 0x2, MASTER: 0x4, INTX_DISABLE: 0x400 } as const;
/** Status register bit: an INTx is pending (PCI 2.3). */
export const PCI_STATUS_INTERRUPT = 0x8;

/** How a BAR decodes: 16-bit-or-wider I/O ports, or 32/64-bit memory. */
export type BarKind = 'io' | 'mem32' | 'mem64';

/** A BAR's shape; `size` is a power of two (at least 4 for I/O, 16 for memory). */
export interface BarSpec {
  readonly kind: BarKind;
  readonly size: number;
  readonly prefetchable?: boolean;
}

/** Identity of a function: what `lspci -n` shows. */
export interface PciIdentity {
  readonly vendorId: number;
  readonly deviceId: number;
  /** Base class, subclass and programming interface as 0xCCSSPP. */
  readonly classCode: number;
  readonly revision?: number;
  /** Header type byte; bit 7 set marks a multi-function device (PIIX3's function 0). */
  readonly headerType?: number;
  readonly subsystemVendorId?: number;
  readonly subsystemId?: number;
  /** INTx pin: 0 none, 1-4 INTA#-INTD#. */
  readonly interruptPin?: number;
}

/** The config space, its write masks and its BAR layout. */
export class PciConfigSpace {
  readonly bytes = new Uint8Array(256);
  private readonly wmask = new Uint8Array(256);
  /** Bits that a write of 1 clears (status error bits). */
  private readonly w1cmask = new Uint8Array(256);
  private readonly initial = new Uint8Array(256);
  private readonly barSpecs: Array<BarSpec | undefined> = [undefined, undefined, undefined, undefined, undefined, undefined];
  private romBytes = 0;

  constructor(id: PciIdentity) {
    this.set16(PCI.VENDOR_ID, id.vendorId);
    this.set16(PCI.DEVICE_ID, id.deviceId);
    this.bytes[PCI.REVISION] = id.revision ?? 0;
    this.bytes[PCI.PROG_IF] = id.classCode & 0xff;
    this.set16(PCI.CLASS, (id.classCode >>> 8) & 0xffff);
    this.bytes[PCI.HEADER_TYPE] = id.headerType ?? 0;
    this.set16(PCI.SUBSYSTEM_VENDOR_ID, id.subsystemVendorId ?? 0);
    this.set16(PCI.SUBSYSTEM_ID, id.subsystemId ?? 0);
    this.bytes[PCI.INTERRUPT_PIN] = id.interruptPin ?? 0;
    this.allowWrite(PCI.COMMAND, 2, PCI_COMMAND.IO | PCI_COMMAND.MEMORY | PCI_COMMAND.MASTER | PCI_COMMAND.INTX_DISABLE | 0x140);
    this.w1cmask[PCI.STATUS + 1] = 0xf9; // parity, target/master aborts, SERR, parity error
    this.allowWrite(PCI.CACHE_LINE, 1, 0xff);
    this.allowWrite(PCI.LATENCY, 1, 0xff);
    this.allowWrite(PCI.INTERRUPT_LINE, 1, 0xff);
  }

  /** Declares BAR `index` (0-5); a 64-bit BAR also takes index + 1. Call before the first reset. */
  setBar(index: number, spec: BarSpec): void {
    if (index < 0 || index > 5 || (spec.kind === 'mem64' && index > 4)) throw new RangeError(`bad BAR index ${index}`);
    const min = spec.kind === 'io' ? 4 : 16;
    if (spec.size < min || (spec.size & (spec.size - 1)) !== 0) throw new RangeError(`BAR size ${spec.size} is not a power of two >= ${min}`);
    this.barSpecs[index] = spec;
    const off = PCI.BAR0 + index * 4;
    const low = spec.kind === 'io' ? 0x1 : (spec.kind === 'mem64' ? 0x4 : 0) | (spec.prefetchable ? 0x8 : 0);
    this.set32(off, low);
    this.allowWrite(off, 4, (~(spec.size - 1) >>> 0) & (spec.kind === 'io' ? 0xffff_fffc : 0xffff_fff0));
    if (spec.kind === 'mem64') this.allowWrite(off + 4, 4, 0xffff_ffff);
  }

  /** Declares an expansion ROM of `size` bytes (a power of two, at least 2 KiB). */
  setRom(size: number): void {
    if (size < 2048 || (size & (size - 1)) !== 0) throw new RangeError(`ROM size ${size} is not a power of two >= 2048`);
    this.romBytes = size;
    this.allowWrite(PCI.ROM_ADDRESS, 4, ((~(size - 1) >>> 0) | 1) >>> 0);
  }

  /** The declared BAR `index`, if any. */
  bar(index: number): BarSpec | undefined {
    return this.barSpecs[index];
  }

  /** The ROM size declared with setRom (0: none). */
  get romSize(): number {
    return this.romBytes;
  }

  /** Makes `len` bytes at `offset` guest-writable under `mask` (little-endian, up to 4 bytes). */
  allowWrite(offset: number, len: number, mask: number): void {
    for (let i = 0; i < len; i++) this.wmask[offset + i] = (mask >>> (8 * i)) & 0xff;
  }

  /** Makes bits write-1-to-clear (status-like registers). */
  allowClear(offset: number, len: number, mask: number): void {
    for (let i = 0; i < len; i++) this.w1cmask[offset + i] = (mask >>> (8 * i)) & 0xff;
  }

  /** Reads 1, 2 or 4 bytes little-endian. */
  read(offset: number, size: number): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + (this.bytes[offset + i] ?? 0xff);
    return v;
  }

  /** A guest write of 1, 2 or 4 bytes, through the write masks. */
  write(offset: number, size: number, value: number): void {
    for (let i = 0; i < size; i++) {
      const at = offset + i;
      if (at > 0xff) break;
      const b = (value >>> (8 * i)) & 0xff;
      const wm = this.wmask[at]!;
      const cm = this.w1cmask[at]!;
      this.bytes[at] = ((this.bytes[at]! & ~wm) | (b & wm)) & ~(b & cm);
    }
  }

  /** Sets a 16-bit register directly (device-side, ignores masks). */
  set16(offset: number, value: number): void {
    this.bytes[offset] = value & 0xff;
    this.bytes[offset + 1] = (value >>> 8) & 0xff;
  }

  /** Sets a 32-bit register directly (device-side, ignores masks). */
  set32(offset: number, value: number): void {
    for (let i = 0; i < 4; i++) this.bytes[offset + i] = (value >>> (8 * i)) & 0xff;
  }

  /** The command register. */
  get command(): number {
    return this.read(PCI.COMMAND, 2);
  }

  /**
   * The guest-physical (memory) or port (I/O) address BAR `index` decodes, or undefined while the
   * command register disables that kind of decode or the BAR holds 0 or a sizing pattern.
   */
  barAddress(index: number): number | undefined {
    const spec = this.barSpecs[index];
    if (spec === undefined) return undefined;
    const off = PCI.BAR0 + index * 4;
    const cmd = this.command;
    if (spec.kind === 'io') {
      if ((cmd & PCI_COMMAND.IO) === 0) return undefined;
      const addr = this.read(off, 4) & 0xffff_fffc;
      return addr === 0 || addr + spec.size > 0x10000 ? undefined : addr;
    }
    if ((cmd & PCI_COMMAND.MEMORY) === 0) return undefined;
    const low = (this.read(off, 4) & 0xffff_fff0) >>> 0;
    const high = spec.kind === 'mem64' ? this.read(off + 4, 4) : 0;
    const addr = high * 2 ** 32 + low;
    const sizing = ((~(spec.size - 1) >>> 0) & 0xffff_fff0) >>> 0;
    if (addr === 0 || (low === sizing && (spec.kind === 'mem32' || high === 0xffff_ffff)) || addr + spec.size > 2 ** 52) return undefined;
    return addr;
  }

  /** The ROM's decoded address, or undefined when disabled (ROM enable bit or memory decode off). */
  romAddress(): number | undefined {
    if (this.romBytes === 0 || (this.command & PCI_COMMAND.MEMORY) === 0) return undefined;
    const v = this.read(PCI.ROM_ADDRESS, 4) >>> 0;
    if ((v & 1) === 0) return undefined;
    const addr = (v & ~(this.romBytes - 1)) >>> 0;
    return addr === 0 ? undefined : addr;
  }

  /** Snapshot of the power-on state; call after the device has set up its registers. */
  markInitial(): void {
    this.initial.set(this.bytes);
  }

  /** Returns to the power-on state taken by markInitial (a PCI reset). */
  reset(): void {
    this.bytes.set(this.initial);
  }
}
