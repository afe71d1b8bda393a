import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { MODE_03H, VgaHarness, pixelAt } from './test-harness.js';

/** A recognisable synthetic font: each line of each glyph differs. */
const glyph = (ch: number, line: number): number => (ch * 7 + line * 29 + 1) & 0xff;
const WHITE = 0xffffff;
const BLUE = 0x0000aa;
const GREY = 0xaaaaaa;
const BLACK = 0x000000;

/** Mode 3 with font and palette loaded, as after a BIOS mode set. */
function textScreen(): VgaHarness {
  const h = new VgaHarness();
  h.setMode(MODE_03H);
  h.loadEgaPalette();
  h.loadFont(16, glyph);
  for (let i = 0; i < 80 * 25; i++) {
    h.writeb(0xb8000 + i * 2, 0x20);
    h.writeb(0xb8000 + i * 2 + 1, 0x07);
  }
  return h;
}

/** Writes a string with an attribute at (row, col) through the 0xB8000 window. */
function puts(h: VgaHarness, row: number, col: number, s: string, attr: number): void {
  [...s].forEach((c, i) => {
    const at = 0xb8000 + (row * 80 + col + i) * 2;
    h.writeb(at, c.charCodeAt(0));
    h.writeb(at + 1, attr);
  });
}

test('mode 3 text written through 0xB8000 reads back as screen rows', () => {
  const h = textScreen();
  puts(h, 0, 0, 'GNU GRUB  version 2.06', 0x07);
  puts(h, 2, 4, '*Debian GNU/Linux', 0x70);
  h.writeb(0xb8000 + (24 * 80 + 79) * 2, 0x82); // CP437 e-acute in the last cell
  h.writeb(0xb8000 + (24 * 80 + 0) * 2, 0xc9); // box drawing
  const rows = h.vga.text();
  assert.ok(rows);
  assert.equal(rows.length, 25);
  assert.equal(rows[0], 'GNU GRUB  version 2.06');
  assert.equal(rows[1], '');
  assert.equal(rows[2], '    *Debian GNU/Linux');
  assert.equal(rows[24], '╔' + ' '.repeat(78) + 'é');
  // The CPU reads the text back through the same window.
  assert.equal(h.readb(0xb8000), 'G'.charCodeAt(0));
  assert.equal(h.readb(0xb8001), 0x07);
});

test('mode 3 renders 720x400 with the loaded font, attribute colours and the 9th column', () => {
  const h = textScreen();
  puts(h, 0, 1, 'H', 0x1f); // white on blue, beside the cursor in cell 0
  const f = h.vga.render();
  assert.equal(f.width, 720);
  assert.equal(f.height, 400);
  for (let line = 0; line < 16; line++) {
    const bits = glyph(0x48, line);
    for (let x = 0; x < 8; x++) assert.equal(pixelAt(f, 9 + x, line), (bits & (0x80 >> x)) !== 0 ? WHITE : BLUE, `H line ${line} x ${x}`);
    assert.equal(pixelAt(f, 9 + 8, line), BLUE, '9th column is background for letters');
  }
  // Other cells hold spaces, grey on black: the synthetic space glyph's bits show in grey.
  const spaceBits = glyph(0x20, 3);
  assert.equal(pixelAt(f, 18, 3), (spaceBits & 0x80) !== 0 ? GREY : BLACK);
});

test('line-graphics characters extend into the 9th column', () => {
  const h = textScreen();
  h.loadFont(16, () => 0xff);
  puts(h, 0, 0, String.fromCharCode(0xc4), 0x07); // horizontal line
  puts(h, 0, 1, 'A', 0x07);
  const f = h.vga.render();
  assert.equal(pixelAt(f, 8, 0), GREY);
  assert.equal(pixelAt(f, 9 + 8, 0), BLACK);
});

test('the cursor follows CR0E/CR0F, uses CR0A/CR0B scan lines and hides with CR0A bit 5', () => {
  const h = textScreen();
  h.loadFont(16, () => 0);
  const pos = 1 * 80 + 5;
  h.outw(0x3d4, ((pos >> 8) << 8) | 0x0e);
  h.outw(0x3d4, ((pos & 0xff) << 8) | 0x0f);
  let f = h.vga.render();
  const x0 = 5 * 9;
  const y0 = 16;
  assert.equal(pixelAt(f, x0 + 3, y0 + 13), GREY, 'cursor line 13');
  assert.equal(pixelAt(f, x0 + 3, y0 + 14), GREY, 'cursor line 14');
  assert.equal(pixelAt(f, x0 + 3, y0 + 12), BLACK, 'above the cursor');
  assert.equal(pixelAt(f, x0 + 3, y0 + 15), BLACK, 'below the cursor');
  h.outw(0x3d4, 0x2d0a);
  f = h.vga.render();
  assert.equal(pixelAt(f, x0 + 3, y0 + 13), BLACK, 'cursor disabled');
});

test('80x50 with an 8-line font and 8-dot cells, 40x25 with the halved dot clock', () => {
  const h = textScreen();
  h.outw(0x3d4, 0x4709); // 8 scan lines per row
  h.outw(0x3c4, 0x0101); // 8-dot characters
  puts(h, 49, 0, 'last row', 0x07);
  assert.equal(h.vga.text()?.length, 50);
  assert.equal(h.vga.text()?.[49], 'last row');
  let f = h.vga.render();
  assert.equal(f.width, 640);
  assert.equal(f.height, 400);

  const t = textScreen();
  t.outw(0x3c4, 0x0801); // dot clock / 2
  t.outw(0x3d4, 0x0e11); // unprotect CR00-CR07
  t.outw(0x3d4, 0x2701); // 40 characters
  t.outw(0x3d4, 0x1413); // 40-character rows
  puts(t, 0, 40, 'forty', 0x1f); // cell 40: the start of row 1 with 40 columns
  f = t.vga.render();
  assert.equal(f.width, 640, '40 cells of 16 pixels, as QEMU draws them');
  assert.equal(t.vga.text()?.[0], '');
  assert.equal(t.vga.text()?.[1], 'forty');
  assert.equal(t.vga.text()?.length, 25);
});

test('the CRTC start address scrolls the screen', () => {
  const h = textScreen();
  puts(h, 1, 0, 'second', 0x07);
  h.outw(0x3d4, 0x000c);
  h.outw(0x3d4, (80 << 8) | 0x0d);
  assert.equal(h.vga.text()?.[0], 'second');
});

test('blink bit as background intensity is off: bright background shown when AR10 bit 3 is clear', () => {
  const h = textScreen();
  h.loadFont(16, () => 0);
  puts(h, 0, 0, ' ', 0x9f);
  let f = h.vga.render();
  assert.equal(pixelAt(f, 0, 0), BLUE, 'blink enabled: bit 7 is blink, background blue');
  h.inb(0x3da);
  h.outb(0x3c0, 0x30);
  h.outb(0x3c0, 0x04); // AR10 without blink
  f = h.vga.render();
  assert.equal(pixelAt(f, 0, 0), 0x5555ff, 'bright blue background');
});

test('graphics mode and power-on state have no screen text', () => {
  const h = new VgaHarness();
  assert.equal(h.vga.text(), undefined);
  const f = h.vga.render();
  assert.equal(f.width, 640);
  assert.equal(f.height, 480);
});

test('the generation counter moves on writes and on markVramDirty', () => {
  const h = textScreen();
  const g0 = h.vga.generation;
  h.vga.render();
  assert.equal(h.vga.generation, g0, 'rendering changes nothing');
  h.writeb(0xb8000, 0x41);
  const g1 = h.vga.generation;
  assert.ok(g1 > g0);
  h.vga.markVramDirty();
  assert.ok(h.vga.generation > g1);
});

test('the screen is black while SR1 turns it off or the attribute palette source is cleared', () => {
  const h = textScreen();
  h.loadFont(16, () => 0xff);
  assert.equal(pixelAt(h.vga.render(), 0, 0), GREY);
  h.outw(0x3c4, 0x2001);
  let f = h.vga.render();
  assert.equal(f.width, 720, 'blank at the same size');
  assert.equal(pixelAt(f, 0, 0), BLACK);
  h.outw(0x3c4, 0x0001);
  h.inb(0x3da);
  h.outb(0x3c0, 0x00);
  f = h.vga.render();
  assert.equal(pixelAt(f, 0, 0), BLACK);
  assert.equal(h.vga.text()?.length, 25, 'the text is still there');
});

const VGABIOS = '/usr/share/seabios/vgabios-stdvga.bin';

test('the VGA BIOS\'s own 8x16 font renders text as the BIOS would show it', { skip: existsSync(VGABIOS) ? false : `${VGABIOS} is not installed (Debian package seabios)` }, () => {
  const rom = readFileSync(VGABIOS);
  // The IBM 8x16 'A' locates the font table inside the ROM image.
  const glyphA = Buffer.from([0x00, 0x00, 0x10, 0x38, 0x6c, 0xc6, 0xc6, 0xfe, 0xc6, 0xc6, 0xc6, 0xc6, 0x00, 0x00, 0x00, 0x00]);
  const base = rom.indexOf(glyphA) - 0x41 * 16;
  assert.ok(base >= 0, 'font found in the ROM');
  const h = textScreen();
  h.loadFont(16, (ch, line) => rom[base + ch * 16 + line]!);
  h.outw(0x3d4, 0x200a); // cursor off
  puts(h, 0, 0, 'GNU GRUB', 0x07);
  const f = h.vga.render();
  for (const [i, ch] of [...'GNU GRUB'].entries()) {
    for (let line = 0; line < 16; line++) {
      const bits = rom[base + ch.charCodeAt(0) * 16 + line]!;
      let seen = 0;
      for (let x = 0; x < 8; x++) if (pixelAt(f, i * 9 + x, line) === GREY) seen |= 0x80 >> x;
      assert.equal(seen, bits, `${ch} line ${line}`);
    }
  }
  assert.equal(h.vga.text()?.[0], 'GNU GRUB');
});
