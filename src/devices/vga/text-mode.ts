/**
 * VGA alphanumeric (text) modes: the screen geometry from the CRTC and sequencer, rendering with
 * the font the BIOS loaded into plane 2 (8- or 9-dot cells, attributes through the attribute
 * controller and DAC, blink shown as steady, the cursor always on), and the screen as text.
 * Character codes are plane 0 and attributes plane 1 of each character clock (see vga-memory.ts).
 * Pixels are stored through a Uint32Array as 0x00RRGGBB: bytes B, G, R, X on little-endian hosts.
 */
import type { Frame } from '../../display/display.js';
import { cp437ToUnicode } from './cp437.js';
import { lineCompare } from './graphics-mode.js';
import type { VgaRegisters } from './vga-registers.js';

/** What the CRTC and sequencer make of the screen in a text mode. */
export interface TextGeometry {
  readonly cols: number;
  readonly rows: number;
  /** Dots per character: 9, or 8 when SR1 bit 0 is set or the dot clock is halved. */
  readonly cellWidth: number;
  /** Scan lines per character row (CR9 maximum scan line + 1). */
  readonly cellHeight: number;
  /** Screen pixels per dot: 2 when SR1 bit 3 halves the dot clock (40-column modes). */
  readonly dotWidth: number;
  /** Planar offset of the top-left character. */
  readonly start: number;
  /** Planar offsets between rows. */
  readonly offset: number;
  /** Planar offset of each row's first character (the line compare restarts at 0). */
  readonly rowStarts: readonly number[];
}

/**
 * The text screen's geometry, sized as QEMU does: 9- or 8-dot cells, 16 pixels wide when the dot
 * clock is halved, rows = displayed scan lines / cell height.
 */
export function textGeometry(regs: VgaRegisters): TextGeometry {
  const { cr, sr } = regs;
  const cols = cr[1]! + 1;
  const cellHeight = (cr[9]! & 0x1f) + 1;
  const rows = Math.max(1, Math.floor(regs.displayedScanLines / cellHeight));
  const offset = regs.lineOffset || cols;
  const halved = (sr[1]! & 8) !== 0;
  const compare = lineCompare(regs);
  const rowStarts: number[] = [];
  let at = regs.startAddress;
  for (let row = 0; row < rows; row++) {
    rowStarts.push(at);
    at += offset;
    if (row * cellHeight < compare && (row + 1) * cellHeight >= compare) at = 0;
  }
  return { cols, rows, cellWidth: (sr[1]! & 1) !== 0 || halved ? 8 : 9, cellHeight, dotWidth: halved ? 2 : 1, start: regs.startAddress, offset, rowStarts };
}

/** Planar offset in plane 2 of the character map (0-7) chosen by SR3. */
function fontBase(map: number): number {
  return (map & 3) * 0x4000 + (map >> 2) * 0x2000;
}

/** The screen rows as Unicode text, trailing blanks trimmed. */
export function textScreen(regs: VgaRegisters, vram: Uint8Array): string[] {
  const g = textGeometry(regs);
  const lines: string[] = [];
  for (let row = 0; row < g.rows; row++) {
    let line = '';
    for (let col = 0; col < g.cols; col++) line += cp437ToUnicode(vram[cellIndex(g, row, col, vram.length)] ?? 0x20);
    lines.push(line.trimEnd());
  }
  return lines;
}

/** VRAM index of the character byte (plane 0) of a cell; its attribute is the next byte. */
function cellIndex(g: TextGeometry, row: number, col: number, vramLength: number): number {
  return ((g.rowStarts[row]! + col) * 4) % vramLength;
}

/** Draws the text screen into a new frame. */
export function renderText(regs: VgaRegisters, vram: Uint8Array): Frame {
  const g = textGeometry(regs);
  const { ar, cr, sr } = regs;
  const cellPx = g.cellWidth * g.dotWidth;
  const width = g.cols * cellPx;
  const height = g.rows * g.cellHeight;
  const pixels = new Uint8Array(width * height * 4);
  const out = new Uint32Array(pixels.buffer);
  const blink = (ar[0x10]! & 0x08) !== 0;
  const lineGraphics = (ar[0x10]! & 0x04) !== 0;
  const mono = (ar[0x10]! & 0x02) !== 0;
  const mapA = fontBase(((sr[3]! >> 2) & 3) | ((sr[3]! >> 3) & 4));
  const mapB = fontBase((sr[3]! & 3) | ((sr[3]! >> 2) & 4));
  const colors = new Uint32Array(16);
  for (let i = 0; i < 16; i++) colors[i] = regs.dacColor(regs.attributeToDac(i));
  const cursor = cursorCell(regs, g);
  const cursorFirst = cr[0x0a]! & 0x1f;
  const cursorLast = Math.min(cr[0x0b]! & 0x1f, g.cellHeight - 1);
  const underline = cr[0x14]! & 0x1f;
  for (let row = 0; row < g.rows; row++) {
    for (let col = 0; col < g.cols; col++) {
      const at = cellIndex(g, row, col, vram.length);
      const ch = vram[at] ?? 0;
      const attr = vram[at + 1] ?? 0;
      const fg = colors[attr & 0x0f]!;
      const bg = colors[(attr >> 4) & (blink ? 7 : 15)]!;
      const font = ((attr & 0x08) !== 0 ? mapA : mapB) + ch * 32;
      const isCursor = cursor === row * g.cols + col;
      for (let y = 0; y < g.cellHeight; y++) {
        let glyph = vram[((font + y) * 4 + 2) % vram.length] ?? 0;
        if (mono && (attr & 0x77) === 0x01 && y === underline) glyph = 0xff;
        if (isCursor && y >= cursorFirst && y <= cursorLast) glyph = 0xff;
        const ninth = g.cellWidth === 9 && (isCursor && y >= cursorFirst && y <= cursorLast ? true : lineGraphics && ch >= 0xc0 && ch <= 0xdf && (glyph & 1) !== 0);
        let p = (row * g.cellHeight + y) * width + col * cellPx;
        for (let x = 0; x < g.cellWidth; x++) {
          const on = x < 8 ? (glyph & (0x80 >> x)) !== 0 : ninth;
          const c = on ? fg : bg;
          for (let d = 0; d < g.dotWidth; d++) out[p++] = c;
        }
      }
    }
  }
  return { width, height, pixels };
}

/** The cell index (row * cols + col) the cursor is on, or -1 when it is off or off screen. */
function cursorCell(regs: VgaRegisters, g: TextGeometry): number {
  const cr = regs.cr;
  if ((cr[0x0a]! & 0x20) !== 0) return -1;
  const rel = ((cr[0x0e]! << 8) | cr[0x0f]!) - g.start;
  if (rel < 0) return -1;
  const row = Math.floor(rel / g.offset);
  const col = rel % g.offset;
  return row < g.rows && col < g.cols ? row * g.cols + col : -1;
}
