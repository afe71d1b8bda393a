/**
 * The Bochs VBE "DISPI" interface: an index register at 0x1CE and a data register at 0x1CF (0x1D0
 * is an alias), both 16 bits. Registers: 0 ID (0xB0C0-0xB0C5), 1 XRES, 2 YRES, 3 BPP, 4 ENABLE,
 * 5 BANK, 6 VIRT_WIDTH, 7 VIRT_HEIGHT, 8 X_OFFSET, 9 Y_OFFSET, 0x0A VIDEO_MEMORY_64K (read-only).
 * ENABLE bits: 0x01 enabled, 0x02 GETCAPS (XRES/YRES/BPP read the maxima), 0x20 8-bit DAC,
 * 0x40 linear framebuffer, 0x80 do not clear VRAM on enable.
 */
import type { BusDevice } from '../../bus/bus-device.js';
import { fillLe, leValue } from '../access.js';
import type { VgaRegisters } from './vga-registers.js';

/** DISPI register indexes. */
export const DISPI = {
  ID: 0,
  XRES: 1,
  YRES: 2,
  BPP: 3,
  ENABLE: 4,
  BANK: 5,
  VIRT_WIDTH: 6,
  VIRT_HEIGHT: 7,
  X_OFFSET: 8,
  Y_OFFSET: 9,
  VIDEO_MEMORY_64K: 0x0a,
} as const;

/** Number of DISPI registers (indexes 0-0x0A). */
export const DISPI_REGISTERS = 0x0b;

/** ENABLE register bits. */
export const DISPI_ENABLE = { ENABLED: 0x01, GETCAPS: 0x02, DAC_8BIT: 0x20, LFB_ENABLED: 0x40, NOCLEARMEM: 0x80 } as const;

/** The newest interface revision (Bochs 2.6 / QEMU). */
export const DISPI_ID5 = 0xb0c5;
const DISPI_ID0 = 0xb0c0;
/** Largest resolution and depth reported with GETCAPS (QEMU's limits). */
export const DISPI_MAX = { XRES: 16000, YRES: 12000, BPP: 32 } as const;
const VALID_BPP = [4, 8, 15, 16, 24, 32];

/** The linear mode the DISPI registers describe while enabled. */
export interface VbeMode {
  readonly width: number;
  readonly height: number;
  readonly bpp: number;
  /** Bytes per framebuffer line (virtual width * bytes per pixel). */
  readonly lineBytes: number;
  /** VRAM offset of the displayed top-left pixel (from X/Y offset). */
  readonly startByte: number;
}

/** The DISPI register block. */
export class BochsVbe {
  /** Registers as the guest reads them back. */
  readonly regs = new Uint16Array(DISPI_REGISTERS);
  private index = 0;
  private bank = 0;
  /** Bytes per framebuffer line and the first displayed byte, kept by fixup() while enabled. */
  private lineBytes = 0;
  private startByte = 0;

  /** `vram` is cleared on enable (unless NOCLEARMEM); `vga` gets the register setup of a linear mode. */
  constructor(
    private readonly vram: Uint8Array,
    private readonly vga: VgaRegisters,
    private readonly onWrite: () => void,
  ) {
    this.reset();
  }

  /** Power-on state: everything zero except the ID (0xB0C5), as in QEMU. */
  reset(): void {
    this.regs.fill(0);
    this.regs[DISPI.ID] = DISPI_ID5;
    this.index = 0;
    this.bank = 0;
    this.lineBytes = this.startByte = 0;
  }

  /** Whether a linear mode is on (the renderer then ignores the VGA CRTC). */
  get enabled(): boolean {
    return (this.regs[DISPI.ENABLE]! & DISPI_ENABLE.ENABLED) !== 0;
  }

  /** The current bank's byte offset in VRAM, added to legacy window accesses in the 64 KiB map. */
  get bankOffset(): number {
    return this.bank;
  }

  /** The mode to display, or undefined while disabled. */
  mode(): VbeMode | undefined {
    if (!this.enabled) return undefined;
    const r = this.regs;
    return { width: r[DISPI.XRES]!, height: r[DISPI.YRES]!, bpp: r[DISPI.BPP]!, lineBytes: this.lineBytes, startByte: this.startByte };
  }

  /** The index register (port 0x1CE). */
  readIndex(): number {
    return this.index;
  }

  /** Selects a register (port 0x1CE). */
  writeIndex(v: number): void {
    this.index = v & 0xffff;
  }

  /** Reads the selected register (port 0x1CF). */
  readData(): number {
    return this.readRegister(this.index);
  }

  /** Writes the selected register (port 0x1CF). */
  writeData(v: number): void {
    this.writeRegister(this.index, v);
  }

  /** Reads register `index` directly (the PCI MMIO BAR's view at 0x500 + index * 2). */
  readRegister(index: number): number {
    const r = this.regs;
    if (index === DISPI.VIDEO_MEMORY_64K) return Math.min(0xffff, Math.floor(this.vram.length / 0x10000));
    if (index >= DISPI_REGISTERS) return 0;
    if ((r[DISPI.ENABLE]! & DISPI_ENABLE.GETCAPS) !== 0) {
      if (index === DISPI.XRES) return DISPI_MAX.XRES;
      if (index === DISPI.YRES) return DISPI_MAX.YRES;
      if (index === DISPI.BPP) return DISPI_MAX.BPP;
    }
    return r[index]!;
  }

  /** Writes register `index` directly; while enabled, values are corrected so the mode fits in VRAM. */
  writeRegister(index: number, value: number): void {
    const v = value & 0xffff;
    const r = this.regs;
    switch (index) {
      case DISPI.ID:
        if (v >= DISPI_ID0 && v <= DISPI_ID5) r[DISPI.ID] = v;
        break;
      case DISPI.XRES:
      case DISPI.YRES:
      case DISPI.BPP:
      case DISPI.VIRT_WIDTH:
      case DISPI.X_OFFSET:
      case DISPI.Y_OFFSET:
        r[index] = v;
        this.fixup();
        break;
      case DISPI.BANK: {
        const mask = Math.max(1, Math.floor(this.vram.length / 0x10000)) - 1;
        r[DISPI.BANK] = v & (r[DISPI.BPP] === 4 ? mask >> 2 : mask);
        this.bank = r[DISPI.BANK]! * 0x10000;
        break;
      }
      case DISPI.ENABLE:
        this.writeEnable(v);
        break;
      default:
        return;
    }
    this.onWrite();
  }

  private writeEnable(v: number): void {
    const r = this.regs;
    if ((v & DISPI_ENABLE.ENABLED) !== 0 && !this.enabled) {
      r[DISPI.VIRT_WIDTH] = r[DISPI.X_OFFSET] = r[DISPI.Y_OFFSET] = 0;
      r[DISPI.ENABLE] = r[DISPI.ENABLE]! | DISPI_ENABLE.ENABLED;
      this.fixup();
      if ((v & DISPI_ENABLE.NOCLEARMEM) === 0) this.vram.fill(0, 0, Math.min(this.vram.length, r[DISPI.YRES]! * this.lineBytes));
      this.setupVga();
    } else {
      this.bank = 0;
    }
    this.vga.dac8bit = (v & DISPI_ENABLE.DAC_8BIT) !== 0;
    r[DISPI.ENABLE] = v;
  }

  /**
   * While enabled, brings the registers to the nearest valid mode the way QEMU does: a known
   * depth, widths multiples of 8 within the maxima, the height and offsets inside VRAM.
   */
  private fixup(): void {
    if (!this.enabled) return;
    const r = this.regs;
    if (!VALID_BPP.includes(r[DISPI.BPP]!)) r[DISPI.BPP] = 8;
    const bits = r[DISPI.BPP] === 15 ? 16 : r[DISPI.BPP]!;
    r[DISPI.XRES] = Math.min(DISPI_MAX.XRES, r[DISPI.XRES]! & ~7 || 8);
    r[DISPI.VIRT_WIDTH] = Math.max(r[DISPI.XRES]!, Math.min(DISPI_MAX.XRES, r[DISPI.VIRT_WIDTH]! & ~7));
    const lineBytes = (r[DISPI.VIRT_WIDTH]! * bits) / 8;
    const maxY = Math.floor(this.vram.length / lineBytes);
    r[DISPI.YRES] = Math.min(DISPI_MAX.YRES, maxY, r[DISPI.YRES]! || 1);
    r[DISPI.X_OFFSET] = Math.min(DISPI_MAX.XRES, r[DISPI.X_OFFSET]!);
    r[DISPI.Y_OFFSET] = Math.min(DISPI_MAX.YRES, r[DISPI.Y_OFFSET]!);
    const visible = r[DISPI.YRES]! * lineBytes;
    let start = Math.floor((r[DISPI.X_OFFSET]! * bits) / 8) + r[DISPI.Y_OFFSET]! * lineBytes;
    if (start + visible > this.vram.length) {
      r[DISPI.Y_OFFSET] = 0;
      start = Math.floor((r[DISPI.X_OFFSET]! * bits) / 8);
      if (start + visible > this.vram.length) r[DISPI.X_OFFSET] = start = 0;
    }
    r[DISPI.VIRT_HEIGHT] = Math.min(0xffff, maxY);
    this.lineBytes = lineBytes;
    this.startByte = start & ~3;
  }

  /**
   * Puts the VGA in the state of a linear mode, as QEMU does on enable: graphics mode with the
   * 64 KiB map, no CGA addressing, CRTC width/height/offset of the mode, the line compare out of
   * the way, and chain-4 with every plane writable (planar for 4 bpp) so banked access is linear.
   */
  private setupVga(): void {
    const { gr, sr, cr } = this.vga;
    const r = this.regs;
    gr[6] = (gr[6]! & ~0x0c) | 0x05;
    cr[0x17] = cr[0x17]! | 3;
    cr[0x13] = (this.lineBytes >> 3) & 0xff;
    cr[0x01] = ((r[DISPI.XRES]! >> 3) - 1) & 0xff;
    const h = r[DISPI.YRES]! - 1;
    cr[0x12] = h & 0xff;
    cr[0x07] = (cr[0x07]! & ~0x42) | ((h >> 7) & 0x02) | ((h >> 3) & 0x40) | 0x10;
    cr[0x18] = 0xff;
    cr[0x09] = (cr[0x09]! | 0x40) & ~0x9f;
    let shift = 2;
    if (r[DISPI.BPP] === 4) {
      shift = 0;
      sr[1] = sr[1]! & ~8;
    } else {
      sr[4] = sr[4]! | 0x08;
      sr[2] = sr[2]! | 0x0f;
    }
    gr[5] = (gr[5]! & ~0x60) | (shift << 5);
  }
}

/**
 * The DISPI ports as one device: map it at 0x1CE with size 3 (index, data, data alias). 16-bit
 * accesses are the norm; a 32-bit access at the index writes the index then the data.
 */
export class VbePorts implements BusDevice {
  constructor(private readonly vbe: BochsVbe) {}

  read(offset: number, data: Uint8Array): void {
    fillLe(data, offset === 0 ? this.vbe.readIndex() : this.vbe.readData());
  }

  write(offset: number, data: Uint8Array): void {
    const v = leValue(data);
    if (offset !== 0) return this.vbe.writeData(v & 0xffff);
    this.vbe.writeIndex(v & 0xffff);
    if (data.length === 4) this.vbe.writeData(v >>> 16);
  }
}
