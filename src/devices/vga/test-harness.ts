/**
 * Test support for the VGA: the card wired onto real port and MMIO buses as the machine wires it,
 * and mode sets programmed through the ports the way a VGA BIOS does, from the standard IBM VGA
 * register tables (modes 03h, 12h and 13h), plus font and palette loading.
 */
import { MmioBus, PioBus } from '../../bus/bus.js';
import { StdVga, type StdVgaOptions, VBE_IO_BASE, VBE_IO_SIZE, VGA_IO_BASE, VGA_IO_SIZE, VGA_WINDOW_BASE } from './std-vga.js';
import { VGA_WINDOW_SIZE } from './vga-memory.js';

/** One VGA mode's register values. */
export interface VgaModeTable {
  readonly misc: number;
  /** SR1-SR4. */
  readonly sequencer: readonly number[];
  /** CR00-CR18. */
  readonly crtc: readonly number[];
  /** AR00-AR14. */
  readonly attribute: readonly number[];
  /** GR0-GR8. */
  readonly graphics: readonly number[];
}

const EGA_PALETTE_AR = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f];

/** Mode 03h: 80x25 colour text, 9x16 cells, 720x400. */
export const MODE_03H: VgaModeTable = {
  misc: 0x67,
  sequencer: [0x00, 0x03, 0x00, 0x02],
  crtc: [0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff],
  attribute: [...EGA_PALETTE_AR, 0x0c, 0x00, 0x0f, 0x08, 0x00],
  graphics: [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff],
};

/** Mode 12h: 640x480, 16 colours, planar. */
export const MODE_12H: VgaModeTable = {
  misc: 0xe3,
  sequencer: [0x01, 0x0f, 0x00, 0x06],
  crtc: [0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xea, 0x8c, 0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff],
  attribute: [...EGA_PALETTE_AR, 0x01, 0x00, 0x0f, 0x00, 0x00],
  graphics: [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff],
};

/** Mode 13h: 320x200, 256 colours, chain-4. */
export const MODE_13H: VgaModeTable = {
  misc: 0x63,
  sequencer: [0x01, 0x0f, 0x00, 0x0e],
  crtc: [0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3, 0xff],
  attribute: [...Array.from({ length: 16 }, (_, i) => i), 0x41, 0x00, 0x0f, 0x00, 0x00],
  graphics: [0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff],
};

/** A StdVga on its own buses, with byte/word port helpers. */
export class VgaHarness {
  readonly pio = new PioBus();
  readonly mmio = new MmioBus();
  readonly vga: StdVga;

  constructor(options: StdVgaOptions = {}) {
    this.vga = new StdVga(options);
    this.pio.insert(VGA_IO_BASE, VGA_IO_SIZE, 'vga', this.vga.ioPorts);
    this.pio.insert(VBE_IO_BASE, VBE_IO_SIZE, 'vbe', this.vga.vbePorts);
    this.mmio.insert(VGA_WINDOW_BASE, VGA_WINDOW_SIZE, 'vga-lowmem', this.vga.lowMemory);
  }

  /** A byte write to I/O `port`. */
  outb(port: number, value: number): void {
    this.pio.write(port, Uint8Array.of(value & 0xff));
  }

  /** A word write to I/O `port` (index/data pairs in one access, as BIOSes do). */
  outw(port: number, value: number): void {
    this.pio.write(port, Uint8Array.of(value & 0xff, (value >> 8) & 0xff));
  }

  /** A byte read from I/O `port`. */
  inb(port: number): number {
    const d = new Uint8Array(1);
    this.pio.read(port, d);
    return d[0]!;
  }

  /** A word read from I/O `port`. */
  inw(port: number): number {
    const d = new Uint8Array(2);
    this.pio.read(port, d);
    return d[0]! | (d[1]! << 8);
  }

  /** A byte write to guest-physical `addr` (the 0xA0000 window). */
  writeb(addr: number, value: number): void {
    this.mmio.write(addr, Uint8Array.of(value & 0xff));
  }

  /** A byte read from guest-physical `addr`. */
  readb(addr: number): number {
    const d = new Uint8Array(1);
    this.mmio.read(addr, d);
    return d[0]!;
  }

  /** Turns the screen on as a driver does after a mode set: attribute palette source set. */
  unblank(): void {
    this.inb(0x3da);
    this.inb(0x3ba);
    this.outb(0x3c0, 0x20);
  }

  /** Writes a DISPI register through 0x1CE/0x1CF. */
  dispi(index: number, value: number): void {
    this.outw(0x1ce, index);
    this.outw(0x1cf, value);
  }

  /** Reads a DISPI register through 0x1CE/0x1CF. */
  readDispi(index: number): number {
    this.outw(0x1ce, index);
    return this.inw(0x1cf);
  }

  /** Programs a mode the way a VGA BIOS does: sequencer held in reset, CRTC unlocked, screen on last. */
  setMode(m: VgaModeTable): void {
    this.inb(0x3da);
    this.outb(0x3c0, 0x00); // palette source off while loading the attribute controller
    this.outw(0x3c4, 0x0100); // synchronous reset
    m.sequencer.forEach((v, i) => this.outw(0x3c4, ((v << 8) | (i + 1)) & 0xffff));
    this.outb(0x3c2, m.misc);
    this.outw(0x3c4, 0x0300);
    const crtc = (m.misc & 1) !== 0 ? 0x3d4 : 0x3b4;
    this.outb(crtc, 0x11);
    this.outb(crtc + 1, this.inb(crtc + 1) & 0x7f);
    m.crtc.forEach((v, i) => this.outw(crtc, (v << 8) | i));
    m.graphics.forEach((v, i) => this.outw(0x3ce, (v << 8) | i));
    this.inb(crtc + 6);
    m.attribute.forEach((v, i) => {
      this.outb(0x3c0, i);
      this.outb(0x3c0, v);
    });
    this.inb(crtc + 6);
    this.outb(0x3c0, 0x20); // palette source on: screen visible
  }

  /** Loads the 64-entry EGA colour DAC palette (6-bit components), as the BIOS does for 16-colour modes. */
  loadEgaPalette(): void {
    this.outb(0x3c8, 0);
    for (let i = 0; i < 64; i++) {
      this.outb(0x3c9, 42 * ((i >> 2) & 1) + 21 * ((i >> 5) & 1));
      this.outb(0x3c9, 42 * ((i >> 1) & 1) + 21 * ((i >> 4) & 1));
      this.outb(0x3c9, 42 * (i & 1) + 21 * ((i >> 3) & 1));
    }
  }

  /** Loads `glyph(ch, line)` for 256 characters of `height` lines into plane 2 (font map 0). */
  loadFont(height: number, glyph: (ch: number, line: number) => number): void {
    // Open plane 2 the way SeaBIOS's get_font_access does...
    this.outw(0x3c4, 0x0100);
    this.outw(0x3c4, 0x0402);
    this.outw(0x3c4, 0x0704);
    this.outw(0x3c4, 0x0300);
    this.outw(0x3ce, 0x0204);
    this.outw(0x3ce, 0x0005);
    this.outw(0x3ce, 0x0406);
    for (let ch = 0; ch < 256; ch++) for (let line = 0; line < 32; line++) this.writeb(0xa0000 + ch * 32 + line, line < height ? glyph(ch, line) : 0);
    // ...and back to odd/even text access (release_font_access).
    this.outw(0x3c4, 0x0100);
    this.outw(0x3c4, 0x0302);
    this.outw(0x3c4, 0x0304);
    this.outw(0x3c4, 0x0300);
    this.outw(0x3ce, 0x0004);
    this.outw(0x3ce, 0x1005);
    this.outw(0x3ce, 0x0e06);
  }
}

/** The 0xRRGGBB colour of pixel (x, y) of a frame. */
export function pixelAt(frame: { width: number; pixels: Uint8Array }, x: number, y: number): number {
  const i = (y * frame.width + x) * 4;
  return (frame.pixels[i + 2]! << 16) | (frame.pixels[i + 1]! << 8) | frame.pixels[i]!;
}
