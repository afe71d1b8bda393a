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

/** Bytes per pixel of a depth (4 bpp counts as 0: it is planar). */
export function bytesPerPixel(bpp: number): number {
  return bpp === 15 ? 2 : bpp >> 3;
}

/** The DISPI register block. */
export class BochsVbe {
  /** Registers as the guest reads them back. */
  readonly regs = new Uint16Array(DISPI_REGISTERS);
  private index = 0;

  /** `vram` is cleared on enable (unless NOCLEARMEM); `vga` gets the register setup of a linear mode. */
  constructor(
    private readonly vram: Uint8Array,
    private readonly vga: VgaRegisters,
    private readonly onWrite: () => void,
  ) {
    this.reset();
  }

  /** Power-on state: disabled, 640x480x8 programmed, ID 0xB0C5. */
  reset(): void {
    this.regs.fill(0);
    this.regs[DISPI.ID] = DISPI_ID5;
    this.regs[DISPI.XRES] = 640;
    this.regs[DISPI.YRES] = 480;
    this.regs[DISPI.BPP] = 8;
    this.index = 0;
  }

  /** Whether a linear mode is on (the renderer then ignores the VGA CRTC). */
  get enabled(): boolean {
    return (this.regs[DISPI.ENABLE]! & DISPI_ENABLE.ENABLED) !== 0;
  }

  /** The current bank: its byte offset in VRAM, added to legacy window accesses in the 64 KiB map. */
  get bankOffset(): number {
    return this.regs[DISPI.BANK]! * 0x10000;
  }

  /** The mode to display, or undefined while disabled. */
  mode(): VbeMode | undefined {
    if (!this.enabled) return undefined;
    const r = this.regs;
    const bpp = r[DISPI.BPP]!;
    const bytes = bytesPerPixel(bpp);
    const lineBytes = bytes === 0 ? r[DISPI.VIRT_WIDTH]! >> 1 : r[DISPI.VIRT_WIDTH]! * bytes;
    const startByte = r[DISPI.Y_OFFSET]! * lineBytes + (bytes === 0 ? r[DISPI.X_OFFSET]! >> 1 : r[DISPI.X_OFFSET]! * bytes);
    return { width: r[DISPI.XRES]!, height: r[DISPI.YRES]!, bpp, lineBytes, startByte };
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

  /** Writes register `index` directly; values are sanitized so the mode always fits in VRAM. */
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
        if (!this.enabled) r[index] = v;
        break;
      case DISPI.ENABLE:
        this.writeEnable(v);
        break;
      case DISPI.BANK: {
        const banks = Math.max(1, Math.floor(this.vram.length / 0x10000));
        r[DISPI.BANK] = v < banks ? v : v & (banks - 1);
        break;
      }
      case DISPI.VIRT_WIDTH:
      case DISPI.X_OFFSET:
      case DISPI.Y_OFFSET:
        r[index] = v;
        this.fixup();
        break;
      default:
        return;
    }
    this.onWrite();
  }

  private writeEnable(v: number): void {
    const r = this.regs;
    const wasEnabled = this.enabled;
    r[DISPI.ENABLE] = v & (DISPI_ENABLE.ENABLED | DISPI_ENABLE.GETCAPS | DISPI_ENABLE.DAC_8BIT | DISPI_ENABLE.LFB_ENABLED | DISPI_ENABLE.NOCLEARMEM);
    this.vga.dac8bit = (v & DISPI_ENABLE.DAC_8BIT) !== 0;
    if ((v & DISPI_ENABLE.ENABLED) === 0) {
      r[DISPI.BANK] = 0;
      return;
    }
    if (wasEnabled) return;
    if (!VALID_BPP.includes(r[DISPI.BPP]!)) r[DISPI.BPP] = 8;
    r[DISPI.XRES] = Math.min(DISPI_MAX.XRES, Math.max(8, r[DISPI.XRES]! & ~7));
    r[DISPI.YRES] = Math.min(DISPI_MAX.YRES, Math.max(1, r[DISPI.YRES]!));
    r[DISPI.VIRT_WIDTH] = r[DISPI.XRES]!;
    r[DISPI.VIRT_HEIGHT] = r[DISPI.YRES]!;
    r[DISPI.X_OFFSET] = r[DISPI.Y_OFFSET] = r[DISPI.BANK] = 0;
    this.fixup();
    const m = this.mode()!;
    if ((v & DISPI_ENABLE.NOCLEARMEM) === 0) this.vram.fill(0, 0, Math.min(this.vram.length, m.lineBytes * r[DISPI.YRES]!));
    this.setupVga();
  }

  /** Keeps the virtual screen and the offsets inside VRAM (and the visible mode inside it). */
  private fixup(): void {
    const r = this.regs;
    const bytes = bytesPerPixel(r[DISPI.BPP]!);
    if (r[DISPI.VIRT_WIDTH]! < r[DISPI.XRES]!) r[DISPI.VIRT_WIDTH] = r[DISPI.XRES]!;
    const lineBytes = Math.max(1, bytes === 0 ? r[DISPI.VIRT_WIDTH]! >> 1 : r[DISPI.VIRT_WIDTH]! * bytes);
    const maxLines = Math.floor(this.vram.length / lineBytes);
    if (maxLines < r[DISPI.YRES]!) {
      // The mode does not fit at all: shrink it so rendering stays inside VRAM.
      r[DISPI.YRES] = Math.min(r[DISPI.YRES]!, maxLines);
    }
    r[DISPI.VIRT_HEIGHT] = Math.min(0xffff, maxLines);
    if (r[DISPI.X_OFFSET]! > r[DISPI.VIRT_WIDTH]! - r[DISPI.XRES]!) r[DISPI.X_OFFSET] = r[DISPI.VIRT_WIDTH]! - r[DISPI.XRES]!;
    if (r[DISPI.Y_OFFSET]! > maxLines - r[DISPI.YRES]!) r[DISPI.Y_OFFSET] = maxLines - r[DISPI.YRES]!;
  }

  /**
   * Puts the VGA in the state a linear mode needs for banked access through 0xA0000: graphics
   * mode, 64 KiB map, chain-4 with all planes writable (as QEMU does on enable).
   */
  private setupVga(): void {
    const { gr, sr } = this.vga;
    gr[6] = (gr[6]! & ~0x0c) | 0x05;
    gr[5] = (gr[5]! & ~0x70) | 0x40;
    sr[4] = sr[4]! | 0x08;
    sr[2] = 0x0f;
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
