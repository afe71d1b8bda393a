/**
 * The state a VGA BIOS leaves after INT 10h AH=00h AL=03h (80x25 colour text, 9x16 cells, 720x400),
 * for boots that run no VGA BIOS (a direct -kernel boot): the standard IBM VGA mode 3 register
 * values, the 64-colour EGA-compatible DAC palette, the BIOS's 8x16 font in plane 2 (taken from the
 * card's own option ROM when it has one) and a cleared screen (spaces, light grey on black).
 * The registers go through the card's I/O ports, in the order a BIOS writes them.
 */
import type { BusDevice } from '../../bus/bus-device.js';
import { VGA_IO_BASE, VGA_WINDOW_BASE, type StdVga } from './std-vga.js';

/** Miscellaneous output: colour I/O at 0x3Dx, RAM enabled, 28.322 MHz clock, 400-line sync polarity. */
const MODE3_MISC = 0x67;
/** Sequencer SR0-SR4: running, 9-dot cells, planes 0 and 1 writable, font map 0, odd/even. */
const MODE3_SR = [0x03, 0x00, 0x03, 0x00, 0x02] as const;
/** CRT controller CR00-CR18 of mode 3 (CR11 bit 7 write-protects CR0-CR7 once set). */
const MODE3_CR = [
  0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00,
  0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
] as const;
/** Graphics controller GR0-GR8: odd/even, memory map 0xB8000-0xBFFFF, text. */
const MODE3_GR = [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff] as const;
/** Attribute controller AR00-AR14: the EGA palette, line graphics enabled, blink, all planes. */
const MODE3_AR = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
  0x0c, 0x00, 0x0f, 0x08, 0x00,
] as const;
/** Text memory the BIOS clears: 32 KiB at 0xB8000 (8 pages of 80x25). */
const TEXT_BASE = 0xb8000;
const TEXT_SIZE = 0x8000;
/** A blank cell: space, attribute 07h (light grey on black). */
const BLANK_CELL = [0x20, 0x07] as const;
/** Glyphs 0 and 1 of the IBM 8x16 font (blank, smiley): where the font starts in a VGA BIOS. */
const FONT_SIGNATURE = [
  ...new Array<number>(16).fill(0),
  0x00, 0x00, 0x7e, 0x81, 0xa5, 0x81, 0x81, 0xbd, 0x99, 0x81, 0x81, 0x7e, 0x00, 0x00, 0x00, 0x00,
];
/** Bytes of an 8x16 font: 256 glyphs of 16 scan lines. */
const FONT_BYTES = 256 * 16;

/** One DAC entry (6-bit R, G, B) of the 64-colour EGA palette: bits 2/1/0 are R/G/B at 2/3, bits 5/4/3 add 1/3. */
export function egaDacColor(index: number): [number, number, number] {
  const c = (hi: number, lo: number): number => ((index >> hi) & 1) * 0x2a + ((index >> lo) & 1) * 0x15;
  return [c(2, 5), c(1, 4), c(0, 3)];
}

/** The 8x16 font inside a VGA BIOS image, or undefined when it has none (found by its first two glyphs). */
export function findBiosFont(rom: Uint8Array): Uint8Array | undefined {
  const sig = Uint8Array.from(FONT_SIGNATURE);
  const at = Buffer.from(rom.buffer, rom.byteOffset, rom.byteLength).indexOf(sig);
  return at < 0 || at + FONT_BYTES > rom.length ? undefined : rom.subarray(at, at + FONT_BYTES);
}

/** Puts `vga` in text mode 3 as the VGA BIOS's mode set leaves it (registers, palette, font, clear screen). */
export function setBiosTextMode3(vga: StdVga): void {
  const ports = vga.ioPorts;
  const out = (port: number, value: number): void => ports.write(port - VGA_IO_BASE, Uint8Array.of(value));
  out(0x3c2, MODE3_MISC);
  // The sequencer is held in synchronous reset while the clocks change, then restarted.
  out(0x3c4, 0);
  out(0x3c5, 0x01);
  MODE3_SR.forEach((v, i) => { if (i > 0) { out(0x3c4, i); out(0x3c5, v); } });
  // Unprotect CR0-CR7 first; CR11 gets its mode value (protect set) with the rest.
  out(0x3d4, 0x11);
  out(0x3d5, 0x00);
  MODE3_CR.forEach((v, i) => { out(0x3d4, i); out(0x3d5, v); });
  MODE3_GR.forEach((v, i) => { out(0x3ce, i); out(0x3cf, v); });
  out(0x3c4, 0);
  out(0x3c5, MODE3_SR[0]);
  readPort(ports, 0x3da); // resets the attribute flip-flop to "index"
  MODE3_AR.forEach((v, i) => { out(0x3c0, i); out(0x3c0, v); });
  out(0x3c0, 0x20); // palette address source: the screen shows
  out(0x3c6, 0xff);
  out(0x3c8, 0);
  for (let i = 0; i < 256; i++) for (const c of i < 64 ? egaDacColor(i) : [0, 0, 0]) out(0x3c9, c);
  const font = vga.rom === undefined ? undefined : findBiosFont(vga.rom);
  if (font !== undefined) loadFont(vga, font);
  clearText(vga.lowMemory);
}

function readPort(ports: BusDevice, port: number): number {
  const b = new Uint8Array(1);
  ports.read(port - VGA_IO_BASE, b);
  return b[0]!;
}

/** Font map 0 in plane 2: glyph `ch` at planar offset ch * 32, one byte per scan line (vga-memory.ts layout). */
function loadFont(vga: StdVga, font: Uint8Array): void {
  for (let ch = 0; ch < 256; ch++) {
    for (let y = 0; y < 32; y++) vga.vram[(ch * 32 + y) * 4 + 2] = y < 16 ? font[ch * 16 + y]! : 0;
  }
}

/** Fills the text pages with blank cells through the CPU's view of 0xB8000 (odd/even addressing). */
function clearText(window: BusDevice): void {
  const page = new Uint8Array(TEXT_SIZE);
  for (let i = 0; i < TEXT_SIZE; i += 2) page.set(BLANK_CELL, i);
  window.write(TEXT_BASE - VGA_WINDOW_BASE, page);
}
