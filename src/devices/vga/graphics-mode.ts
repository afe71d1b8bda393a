/**
 * VGA graphics modes and Bochs VBE linear modes, rendered into x8r8g8b8 frames.
 *
 * VGA: the graphics controller's shift mode (GR5 bits 5-6) picks 16-colour planar (modes 0Dh-12h),
 * CGA 4-colour interleaved (modes 4/5) or 256-colour (mode 13h and unchained "mode X"); the CRTC
 * gives the size, start address, row offset, scan-line repetition and the CGA/Hercules bank bits
 * (CR17 bits 0-1). Screen sizes are QEMU's (mode 13h is 640x400 with 2x2 pixels).
 * VBE: 4 (planar, through the attribute controller), 8 (through the DAC), 15, 16, 24 and 32 bpp
 * with the virtual width and X/Y offsets.
 * Pixels are stored through a Uint32Array as 0x00RRGGBB: bytes B, G, R, X on little-endian hosts.
 */
import type { Frame } from '../../display/display.js';
import type { VbeMode } from './vbe.js';
import type { VgaRegisters } from './vga-registers.js';

/** A black frame of the given size. */
export function blankFrame(width: number, height: number): Frame {
  return { width, height, pixels: new Uint8Array(width * height * 4) };
}

/**
 * Size of a VGA graphics screen as QEMU shows it: (CR1 + 1) * 8 dots wide (doubled in 16- and
 * 4-colour modes when SR1 halves the dot clock) by the displayed scan lines (mode 13h is 640x400
 * with each pixel drawn 2x2, mode 12h 640x480).
 */
export function vgaGraphicsSize(regs: VgaRegisters): { width: number; height: number } {
  const shift = (regs.gr[5]! >> 5) & 3;
  const dots = (regs.cr[1]! + 1) * 8;
  const width = shift <= 1 && (regs.sr[1]! & 8) !== 0 ? dots * 2 : dots;
  return { width, height: regs.displayedScanLines };
}

/** The scan line after which the CRTC restarts at address 0 (CR18 with its overflow bits). */
export function lineCompare(regs: VgaRegisters): number {
  const cr = regs.cr;
  return cr[0x18]! | ((cr[0x07]! & 0x10) << 4) | ((cr[0x09]! & 0x40) << 3);
}

/**
 * Draws a VGA graphics mode. Each character row of scan lines repeats the same data (CR9 maximum
 * scan line, doubled by CR9 bit 7) except in CGA/Hercules addressing (CR17 bits 0-1 clear), where
 * the row counter's low bits pick the interleaved banks; the line compare restarts at address 0.
 */
export function renderVgaGraphics(regs: VgaRegisters, vram: Uint8Array): Frame {
  const { cr, gr, ar } = regs;
  const { width, height } = vgaGraphicsSize(regs);
  const frame = blankFrame(width, height);
  const out = new Uint32Array(frame.pixels.buffer);
  const shift = (gr[5]! >> 5) & 3;
  const doubleScan = cr[9]! >> 7;
  const multiScan = shift === 1 ? doubleScan : (((cr[9]! & 0x1f) + 1) << doubleScan) - 1;
  const mode = cr[0x17]!;
  // CGA bank bit in planar offsets: CPU 0x2000, halved in word mode where odd/even packs planes.
  const cgaBit = (mode & 0x40) !== 0 ? 0x2000 : 0x1000;
  const stepMask = (mode & 3) ^ 3;
  const compare = lineCompare(regs);
  const sourcePixels = shift >= 2 ? ((cr[1]! + 1) * 4) : (cr[1]! + 1) * 8;
  const rep = width / sourcePixels;
  const attrColors = new Uint32Array(16);
  for (let i = 0; i < 16; i++) attrColors[i] = regs.dacColor(regs.attributeToDac(i & ar[0x12]!));
  const dac = new Uint32Array(256);
  for (let i = 0; i < 256; i++) dac[i] = regs.dacColor(i);
  const limit = vram.length >> 2;
  const line = new Uint32Array(sourcePixels);
  let rowAddr = regs.startAddress;
  let row = 0;
  let multiRun = multiScan;
  for (let y = 0; y < height; y++) {
    let addr = rowAddr;
    if ((mode & 1) === 0) addr = (addr & ~cgaBit) | ((row & 1) !== 0 ? cgaBit : 0);
    if ((mode & 2) === 0) addr = (addr & ~0x2000) | ((row & 2) !== 0 ? 0x2000 : 0);
    for (let x = 0; x < sourcePixels; ) {
      const i = (addr++ % limit) * 4;
      const b0 = vram[i]!;
      const b1 = vram[i + 1]!;
      const b2 = vram[i + 2]!;
      const b3 = vram[i + 3]!;
      if (shift >= 2) {
        line[x++] = dac[b0]!;
        line[x++] = dac[b1]!;
        line[x++] = dac[b2]!;
        line[x++] = dac[b3]!;
      } else if (shift === 1) {
        for (let k = 0; k < 8; k++) {
          const lo = k < 4 ? b0 : b1;
          const hi = k < 4 ? b2 : b3;
          const bit = 6 - (k & 3) * 2;
          line[x++] = attrColors[((lo >> bit) & 3) | (((hi >> bit) & 3) << 2)]!;
        }
      } else {
        for (let bit = 7; bit >= 0; bit--) {
          line[x++] = attrColors[((b0 >> bit) & 1) | (((b1 >> bit) & 1) << 1) | (((b2 >> bit) & 1) << 2) | (((b3 >> bit) & 1) << 3)]!;
        }
      }
    }
    let p = y * width;
    if (rep === 1) out.set(line, p);
    else for (let x = 0; x < sourcePixels; x++) for (let r = 0; r < rep; r++) out[p++] = line[x]!;
    if (multiRun === 0) {
      if ((row & stepMask) === stepMask) rowAddr += regs.lineOffset;
      row++;
      multiRun = multiScan;
    } else {
      multiRun--;
    }
    if (y === compare) rowAddr = 0;
  }
  return frame;
}

/** Draws a Bochs VBE linear mode from VRAM. */
export function renderVbe(regs: VgaRegisters, mode: VbeMode, vram: Uint8Array): Frame {
  const { width, height, bpp, lineBytes, startByte } = mode;
  const frame = blankFrame(width, height);
  const out = new Uint32Array(frame.pixels.buffer);
  const palette = new Uint32Array(256);
  if (bpp === 8) for (let i = 0; i < 256; i++) palette[i] = regs.dacColor(i);
  if (bpp === 4) for (let i = 0; i < 16; i++) palette[i] = regs.dacColor(regs.attributeToDac(i));
  for (let y = 0; y < height; y++) {
    const line = startByte + y * lineBytes;
    const p = y * width;
    if (line + lineSpan(bpp, width) <= vram.length && drawLinearLine(out, p, vram, line, width, bpp, palette, frame.pixels)) continue;
    for (let x = 0; x < width; x++) out[p + x] = vbePixel(vram, bpp, line, x, palette);
  }
  return frame;
}

/** Bytes a line of `width` pixels spans in VRAM. */
function lineSpan(bpp: number, width: number): number {
  return bpp === 4 ? Math.ceil(width / 8) * 4 : width * (bpp === 15 ? 2 : bpp >> 3);
}

/** Draws one line that lies wholly inside VRAM with a loop per depth; false for depths it leaves to vbePixel. */
function drawLinearLine(out: Uint32Array, p: number, vram: Uint8Array, line: number, width: number, bpp: number, palette: Uint32Array, pixels: Uint8Array): boolean {
  switch (bpp) {
    case 32:
      pixels.set(vram.subarray(line, line + width * 4), p * 4);
      return true;
    case 24:
      for (let x = 0, i = line; x < width; x++, i += 3) out[p + x] = (vram[i + 2]! << 16) | (vram[i + 1]! << 8) | vram[i]!;
      return true;
    case 16:
      for (let x = 0, i = line; x < width; x++, i += 2) {
        const v = vram[i]! | (vram[i + 1]! << 8);
        out[p + x] = (scale5(v >> 11) << 16) | (scale6((v >> 5) & 0x3f) << 8) | scale5(v & 0x1f);
      }
      return true;
    case 15:
      for (let x = 0, i = line; x < width; x++, i += 2) {
        const v = vram[i]! | (vram[i + 1]! << 8);
        out[p + x] = (scale5((v >> 10) & 0x1f) << 16) | (scale5((v >> 5) & 0x1f) << 8) | scale5(v & 0x1f);
      }
      return true;
    case 8:
      for (let x = 0; x < width; x++) out[p + x] = palette[vram[line + x]!]!;
      return true;
    default:
      return false;
  }
}

/** One pixel of a linear mode as 0xRRGGBB (pixels past the end of VRAM are black). */
function vbePixel(vram: Uint8Array, bpp: number, line: number, x: number, palette: Uint32Array): number {
  switch (bpp) {
    case 4: {
      // Planar: each 4-byte group holds planes 0-3 of eight pixels, leftmost in bit 7.
      const i = line + (x >> 3) * 4;
      const bit = 7 - (x & 7);
      const v = (((vram[i] ?? 0) >> bit) & 1) | ((((vram[i + 1] ?? 0) >> bit) & 1) << 1) | ((((vram[i + 2] ?? 0) >> bit) & 1) << 2) | ((((vram[i + 3] ?? 0) >> bit) & 1) << 3);
      return palette[v]!;
    }
    case 8:
      return palette[vram[line + x] ?? 0]!;
    case 15:
    case 16: {
      const i = line + x * 2;
      const v = (vram[i] ?? 0) | ((vram[i + 1] ?? 0) << 8);
      if (bpp === 15) return (scale5((v >> 10) & 0x1f) << 16) | (scale5((v >> 5) & 0x1f) << 8) | scale5(v & 0x1f);
      return (scale5(v >> 11) << 16) | (scale6((v >> 5) & 0x3f) << 8) | scale5(v & 0x1f);
    }
    case 24: {
      const i = line + x * 3;
      return ((vram[i + 2] ?? 0) << 16) | ((vram[i + 1] ?? 0) << 8) | (vram[i] ?? 0);
    }
    default: {
      const i = line + x * 4;
      return ((vram[i + 2] ?? 0) << 16) | ((vram[i + 1] ?? 0) << 8) | (vram[i] ?? 0);
    }
  }
}

/** A 5-bit component scaled to 8 bits. */
function scale5(v: number): number {
  return (v << 3) | (v >> 2);
}

/** A 6-bit component scaled to 8 bits. */
function scale6(v: number): number {
  return (v << 2) | (v >> 4);
}
