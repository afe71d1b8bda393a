/**
 * VGA graphics modes and Bochs VBE linear modes, rendered into x8r8g8b8 frames.
 *
 * VGA: the graphics controller's shift mode (GR5 bits 5-6) picks 16-colour planar (modes 0Dh-12h),
 * CGA 4-colour interleaved (modes 4/5) or 256-colour (mode 13h and unchained "mode X"); the CRTC
 * gives the size, start address, row offset, scan-line repetition and the CGA/Hercules bank bits
 * (CR17 bits 0-1). Screens are rendered at their logical size (mode 13h is 320x200).
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

/** Logical size of a VGA graphics screen. */
export function vgaGraphicsSize(regs: VgaRegisters): { width: number; height: number } {
  const { cr, gr } = regs;
  const shift = (gr[5]! >> 5) & 3;
  const chars = cr[1]! + 1;
  const width = shift >= 2 ? chars * 4 : chars * 8;
  const scan = (cr[9]! & 0x1f) + 1;
  let height = regs.displayedScanLines >> ((cr[9]! & 0x80) !== 0 ? 1 : 0);
  // Without CGA/Hercules banking every scan line of a row repeats the same data: one line each.
  if ((cr[0x17]! & 3) === 3) height = Math.floor(height / scan);
  return { width, height: Math.max(1, height) };
}

/** Draws a VGA graphics mode. */
export function renderVgaGraphics(regs: VgaRegisters, vram: Uint8Array): Frame {
  const { cr, gr, ar, sr } = regs;
  const { width, height } = vgaGraphicsSize(regs);
  const frame = blankFrame(width, height);
  const out = new Uint32Array(frame.pixels.buffer);
  const shift = (gr[5]! >> 5) & 3;
  const scan = (cr[9]! & 0x1f) + 1;
  const banked = (cr[0x17]! & 3) !== 3;
  // The CGA bank step (CPU 0x2000) in planar offsets: halved when odd/even addressing packs planes.
  const bankStep = (sr[4]! & 0x04) === 0 ? 0x1000 : 0x2000;
  const planeMask = ar[0x12]! & 0x0f;
  const attrColors = new Uint32Array(16);
  for (let i = 0; i < 16; i++) attrColors[i] = regs.dacColor(regs.attributeToDac(i & planeMask));
  const limit = vram.length >> 2;
  for (let y = 0; y < height; y++) {
    let addr: number;
    if (banked) {
      const row = Math.floor(y / scan);
      const s = y % scan;
      addr = regs.startAddress + row * regs.lineOffset;
      if ((cr[0x17]! & 1) === 0 && (s & 1) !== 0) addr += bankStep;
      if ((cr[0x17]! & 2) === 0 && (s & 2) !== 0) addr += bankStep * 2;
    } else {
      addr = regs.startAddress + y * regs.lineOffset;
    }
    let p = y * width;
    for (let x = 0; x < width; ) {
      const i = (addr++ % limit) * 4;
      const b0 = vram[i]!;
      const b1 = vram[i + 1]!;
      const b2 = vram[i + 2]!;
      const b3 = vram[i + 3]!;
      if (shift >= 2) {
        out[p++] = regs.dacColor(b0);
        out[p++] = regs.dacColor(b1);
        out[p++] = regs.dacColor(b2);
        out[p++] = regs.dacColor(b3);
        x += 4;
      } else if (shift === 1) {
        for (let k = 0; k < 8; k++) {
          const lo = k < 4 ? b0 : b1;
          const hi = k < 4 ? b2 : b3;
          const bit = 6 - (k & 3) * 2;
          out[p++] = attrColors[((lo >> bit) & 3) | (((hi >> bit) & 3) << 2)]!;
        }
        x += 8;
      } else {
        for (let bit = 7; bit >= 0; bit--) {
          out[p++] = attrColors[((b0 >> bit) & 1) | (((b1 >> bit) & 1) << 1) | (((b2 >> bit) & 1) << 2) | (((b3 >> bit) & 1) << 3)]!;
        }
        x += 8;
      }
    }
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
    if (bpp === 32 && line + width * 4 <= vram.length) {
      frame.pixels.set(vram.subarray(line, line + width * 4), p * 4);
      continue;
    }
    for (let x = 0; x < width; x++) out[p + x] = vbePixel(vram, bpp, line, x, palette);
  }
  return frame;
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
