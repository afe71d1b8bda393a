import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DISPI, DISPI_ENABLE } from './vbe.js';
import { MODE_12H, MODE_13H, VgaHarness, pixelAt } from './test-harness.js';

/** Sets DAC entry `i` to 6-bit components. */
function setDac(h: VgaHarness, i: number, r: number, g: number, b: number): void {
  h.outb(0x3c8, i);
  h.outb(0x3c9, r);
  h.outb(0x3c9, g);
  h.outb(0x3c9, b);
}

test('mode 13h: chain-4 byte writes become 320x200 pixels through the DAC', () => {
  const h = new VgaHarness();
  h.setMode(MODE_13H);
  setDac(h, 0x21, 63, 0, 0);
  setDac(h, 0x42, 0, 63, 32);
  h.writeb(0xa0000 + 10 * 320 + 7, 0x21);
  h.writeb(0xa0000 + 199 * 320 + 319, 0x42);
  assert.equal(h.readb(0xa0000 + 10 * 320 + 7), 0x21);
  const f = h.vga.render();
  assert.equal(f.width, 640, 'QEMU shows mode 13h as 640x400, each pixel 2x2');
  assert.equal(f.height, 400);
  for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) assert.equal(pixelAt(f, 14 + dx, 20 + dy), 0xff0000);
  assert.equal(pixelAt(f, 639, 399), 0x00ff82);
  assert.equal(pixelAt(f, 16, 20), 0x000000);
  assert.equal(h.vga.text(), undefined);
  // The pel mask applies to every pixel.
  h.outb(0x3c6, 0x0f);
  assert.equal(pixelAt(h.vga.render(), 14, 20), 0x000000, '0x21 & 0x0f = DAC 1, black');
});

test('mode 12h: write mode 2 with the bit mask sets single 16-colour pixels', () => {
  const h = new VgaHarness();
  h.setMode(MODE_12H);
  h.loadEgaPalette();
  h.outw(0x3ce, 0x0205); // write mode 2
  const plot = (x: number, y: number, color: number): void => {
    h.outw(0x3ce, ((0x80 >> (x & 7)) << 8) | 0x08);
    const a = 0xa0000 + y * 80 + (x >> 3);
    h.readb(a); // load the latches
    h.writeb(a, color);
  };
  plot(0, 0, 4); // red
  plot(1, 0, 14); // yellow
  plot(639, 479, 15);
  const f = h.vga.render();
  assert.equal(f.width, 640);
  assert.equal(f.height, 480);
  assert.equal(pixelAt(f, 0, 0), 0xaa0000);
  assert.equal(pixelAt(f, 1, 0), 0xffff55);
  assert.equal(pixelAt(f, 2, 0), 0x000000, 'the latches kept the neighbours');
  assert.equal(pixelAt(f, 639, 479), 0xffffff);
  // Read mode 0 returns the selected plane; read mode 1 compares colours.
  h.outw(0x3ce, 0x0204); // read map 2
  assert.equal(h.readb(0xa0000), 0xc0, 'red (0100) and yellow (1110) have plane 2 set');
  h.outw(0x3ce, 0x0a05); // read mode 1, write mode 2
  h.outw(0x3ce, 0x0402); // colour compare: red
  h.outw(0x3ce, 0x0f07); // all planes matter
  assert.equal(h.readb(0xa0000), 0x80, 'only pixel 0 is red');
  h.outw(0x3ce, 0x0007); // no plane matters: every pixel matches
  assert.equal(h.readb(0xa0000), 0xff);
});

test('mode 12h: write mode 0 set/reset, rotate, logical XOR and the map mask', () => {
  const h = new VgaHarness();
  h.setMode(MODE_12H);
  h.loadEgaPalette();
  // Set/reset: all 8 pixels of the first byte to colour 1 (blue) whatever the CPU data.
  h.outw(0x3ce, 0x0100);
  h.outw(0x3ce, 0x0f01);
  h.writeb(0xa0000, 0x00);
  let f = h.vga.render();
  for (let x = 0; x < 8; x++) assert.equal(pixelAt(f, x, 0), 0x0000aa);
  // XOR with the latches: CPU data 0xF0 on planes 0 and 2 toggles blue off and red on for pixels 0-3.
  h.outw(0x3ce, 0x0001); // set/reset disabled
  h.outw(0x3ce, 0x1803); // function XOR, no rotation
  h.outw(0x3c4, 0x0502); // map mask: planes 0 and 2
  h.readb(0xa0000);
  h.writeb(0xa0000, 0xf0);
  f = h.vga.render();
  assert.equal(pixelAt(f, 0, 0), 0xaa0000, 'blue ^ (blue|red) = red');
  assert.equal(pixelAt(f, 4, 0), 0x0000aa, 'untouched half stays blue');
  // Rotate right by 4 before the write.
  h.outw(0x3ce, 0x0403); // copy, rotate 4
  h.outw(0x3c4, 0x0f02);
  h.writeb(0xa0000 + 1, 0x0f); // becomes 0xF0 on all planes: white pixels 8-11
  f = h.vga.render();
  assert.equal(pixelAt(f, 8, 0), 0xffffff);
  assert.equal(pixelAt(f, 12, 0), 0x000000);
  // Write mode 1 copies the latches: duplicate byte 0 into byte 2.
  h.outw(0x3ce, 0x0105);
  h.readb(0xa0000);
  h.writeb(0xa0000 + 2, 0);
  f = h.vga.render();
  assert.equal(pixelAt(f, 16, 0), 0xaa0000);
  assert.equal(pixelAt(f, 20, 0), 0x0000aa);
});

test('write mode 3 takes the colour from set/reset and the mask from the rotated data', () => {
  const h = new VgaHarness();
  h.setMode(MODE_12H);
  h.loadEgaPalette();
  h.outw(0x3ce, 0x0305);
  h.outw(0x3ce, 0x0200); // set/reset colour 2 (green)
  h.readb(0xa0000);
  h.writeb(0xa0000, 0x81);
  const f = h.vga.render();
  assert.equal(pixelAt(f, 0, 0), 0x00aa00);
  assert.equal(pixelAt(f, 1, 0), 0x000000);
  assert.equal(pixelAt(f, 7, 0), 0x00aa00);
});

test('GR6 memory map select decides which part of 0xA0000-0xBFFFF the VGA answers', () => {
  const h = new VgaHarness();
  h.setMode(MODE_13H); // map 1: 0xA0000-0xAFFFF
  h.writeb(0xb8000, 0x55);
  assert.equal(h.readb(0xb8000), 0xff, 'outside the map');
  assert.equal(h.vga.vram[0x8000], 0, 'nothing written');
  h.outw(0x3ce, 0x0106); // map 0: all 128 KiB
  h.writeb(0xb8000, 0x55);
  assert.equal(h.vga.vram[0x18000], 0x55);
});

test('VBE 1024x768x32 through DISPI renders the linear framebuffer', () => {
  const h = new VgaHarness();
  h.unblank();
  assert.equal(h.readDispi(DISPI.ID), 0xb0c5);
  h.dispi(DISPI.ID, 0xb0c4);
  assert.equal(h.readDispi(DISPI.ID), 0xb0c4);
  h.dispi(DISPI.ID, 0x1234);
  assert.equal(h.readDispi(DISPI.ID), 0xb0c4, 'bad IDs are ignored');
  assert.equal(h.inw(0x1d0), 0xb0c4, 'data alias at 0x1D0');
  assert.equal(h.inw(0x1ce), DISPI.ID, 'the index reads back');
  assert.equal(h.readDispi(DISPI.VIDEO_MEMORY_64K), 256);
  h.dispi(DISPI.ENABLE, DISPI_ENABLE.GETCAPS);
  assert.equal(h.readDispi(DISPI.XRES), 16000);
  assert.equal(h.readDispi(DISPI.BPP), 32);
  h.dispi(DISPI.ENABLE, 0);
  h.vga.vram.fill(0x77, 0, 1024);
  h.dispi(DISPI.XRES, 1024);
  h.dispi(DISPI.YRES, 768);
  h.dispi(DISPI.BPP, 32);
  h.dispi(DISPI.ENABLE, DISPI_ENABLE.ENABLED | DISPI_ENABLE.LFB_ENABLED);
  assert.equal(h.vga.vram[0], 0, 'enabling cleared VRAM');
  assert.equal(h.readDispi(DISPI.VIRT_WIDTH), 1024);
  const vram = h.vga.vram;
  const put = (x: number, y: number, rgb: number): void => {
    const i = (y * 1024 + x) * 4;
    vram[i] = rgb & 0xff;
    vram[i + 1] = (rgb >> 8) & 0xff;
    vram[i + 2] = rgb >> 16;
  };
  put(0, 0, 0x123456);
  put(1023, 767, 0xabcdef);
  put(512, 384, 0xff0000);
  h.vga.markVramDirty();
  h.inb(0x3ba); // input status 1 (mono decode at power-on) resets the flip-flop
  h.outb(0x3c0, 0x00);
  assert.equal(pixelAt(h.vga.render(), 0, 0), 0, 'blanked with the palette source bit clear');
  h.unblank();
  const f = h.vga.render();
  assert.equal(f.width, 1024);
  assert.equal(f.height, 768);
  assert.equal(pixelAt(f, 0, 0), 0x123456);
  assert.equal(pixelAt(f, 1023, 767), 0xabcdef);
  assert.equal(pixelAt(f, 512, 384), 0xff0000);
  assert.equal(h.vga.text(), undefined);
  // Panning: a Y offset of 384 lines shows the middle pixel on the top row.
  h.dispi(DISPI.Y_OFFSET, 384);
  assert.equal(pixelAt(h.vga.render(), 512, 0), 0xff0000);
  // Banked access through 0xA0000: bank 1 is VRAM 64 KiB on.
  h.dispi(DISPI.BANK, 1);
  h.writeb(0xa0000 + 4, 0x99);
  assert.equal(vram[0x10004], 0x99);
  // Disabling returns to the VGA, whose CRTC the enable programmed with the mode's size.
  h.dispi(DISPI.ENABLE, 0);
  assert.equal(h.vga.vbe.mode(), undefined);
  h.outb(0x3c2, 0x01);
  h.outb(0x3d4, 0x01);
  assert.equal(h.inb(0x3d5), 1024 / 8 - 1);
  assert.equal(h.vga.render().height, 768);
});

test('VBE 8 bpp uses the DAC (8-bit with DAC_8BIT), 15/16/24 bpp are direct colour', () => {
  const h = new VgaHarness();
  h.unblank();
  h.dispi(DISPI.XRES, 640);
  h.dispi(DISPI.YRES, 480);
  h.dispi(DISPI.BPP, 8);
  h.dispi(DISPI.ENABLE, DISPI_ENABLE.ENABLED | DISPI_ENABLE.LFB_ENABLED | DISPI_ENABLE.DAC_8BIT);
  setDac(h, 5, 0x12, 0x80, 0xff);
  h.outb(0x3c7, 5);
  assert.deepEqual([h.inb(0x3c9), h.inb(0x3c9), h.inb(0x3c9)], [0x12, 0x80, 0xff], '8-bit DAC keeps all bits');
  h.vga.vram[3] = 5;
  assert.equal(pixelAt(h.vga.render(), 3, 0), 0x1280ff);

  const depths: Array<[number, number[], number]> = [
    [15, [0x1f, 0x7c], 0xff00ff], // 0x7C1F: red and blue full
    [16, [0xe0, 0x07], 0x00ff00], // 0x07E0: green full
    [24, [0x33, 0x22, 0x11], 0x112233],
  ];
  for (const [bpp, bytes, rgb] of depths) {
    h.dispi(DISPI.ENABLE, 0);
    h.dispi(DISPI.BPP, bpp);
    h.dispi(DISPI.ENABLE, DISPI_ENABLE.ENABLED | DISPI_ENABLE.LFB_ENABLED);
    const bpp8 = bpp === 15 ? 2 : bpp / 8;
    h.vga.vram.set(bytes, (1 * 640 + 2) * bpp8);
    const f = h.vga.render();
    assert.equal(pixelAt(f, 2, 1), rgb, `${bpp} bpp`);
  }
});

test('VBE virtual width and X offset move the visible window', () => {
  const h = new VgaHarness();
  h.unblank();
  h.dispi(DISPI.XRES, 640);
  h.dispi(DISPI.YRES, 480);
  h.dispi(DISPI.BPP, 32);
  h.dispi(DISPI.ENABLE, DISPI_ENABLE.ENABLED | DISPI_ENABLE.LFB_ENABLED);
  h.dispi(DISPI.VIRT_WIDTH, 1280);
  assert.equal(h.readDispi(DISPI.VIRT_WIDTH), 1280);
  assert.equal(h.readDispi(DISPI.VIRT_HEIGHT), Math.floor(16 * 1024 * 1024 / (1280 * 4)));
  const i = (2 * 1280 + 700) * 4;
  h.vga.vram.set([0x01, 0x02, 0x03], i);
  h.dispi(DISPI.X_OFFSET, 600);
  assert.equal(pixelAt(h.vga.render(), 100, 2), 0x030201);
  h.dispi(DISPI.Y_OFFSET, 3000);
  assert.equal(h.readDispi(DISPI.Y_OFFSET), 0, 'a window past the end of VRAM falls back to line 0, as in QEMU');
  h.dispi(DISPI.ENABLE, 0);
  h.dispi(DISPI.XRES, 1001);
  h.dispi(DISPI.BPP, 7);
  h.dispi(DISPI.ENABLE, DISPI_ENABLE.ENABLED);
  assert.equal(h.readDispi(DISPI.XRES), 1000, 'widths are multiples of 8');
  assert.equal(h.readDispi(DISPI.BPP), 8, 'unknown depths become 8 bpp');
});

/** The 0xRRGGBB colour of DAC entry `i` as loadEgaPalette sets it. */
function egaColor(i: number): number {
  const c8 = (c: number): number => (c << 2) | (c >> 4);
  const r = 42 * ((i >> 2) & 1) + 21 * ((i >> 5) & 1);
  const g = 42 * ((i >> 1) & 1) + 21 * ((i >> 4) & 1);
  const b = 42 * (i & 1) + 21 * ((i >> 3) & 1);
  return (c8(r) << 16) | (c8(g) << 8) | c8(b);
}

test('CGA mode 4 addressing: odd rows come from the bank at 0xBA000', () => {
  const h = new VgaHarness();
  h.setMode({
    misc: 0x63,
    sequencer: [0x09, 0x03, 0x00, 0x02],
    crtc: [0x2d, 0x27, 0x28, 0x90, 0x2b, 0x80, 0xbf, 0x1f, 0x00, 0xc1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x14, 0x00, 0x96, 0xb9, 0xa2, 0xff],
    attribute: [0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x03, 0x00, 0x00],
    graphics: [0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0f, 0x00, 0xff],
  });
  h.loadEgaPalette();
  h.writeb(0xb8000, 0xc0); // row 0, pixel 0: colour 3
  h.writeb(0xba000, 0x40); // row 1, pixel 0: colour 1
  h.writeb(0xb8000 + 80, 0x80); // row 2, pixel 0: colour 2
  const f = h.vga.render();
  assert.equal(f.width, 640);
  assert.equal(f.height, 400);
  const at = (x: number, row: number): number => pixelAt(f, x * 2, row * 2);
  assert.equal(at(0, 0), egaColor(0x17), 'colour 3 -> AR3 = 0x17');
  assert.equal(at(0, 1), egaColor(0x13), 'colour 1 -> AR1 = 0x13 (from the odd bank)');
  assert.equal(at(0, 2), egaColor(0x15), 'colour 2 -> AR2 = 0x15 (row 2: back in the even bank, next line)');
  assert.equal(at(1, 0), 0x000000);
});

test('the line compare restarts the display at address 0 (split screen)', () => {
  const h = new VgaHarness();
  h.setMode(MODE_12H);
  h.loadEgaPalette();
  h.outw(0x3c4, 0x0f02);
  for (let i = 0; i < 80; i++) h.writeb(0xa0000 + i, 0xff); // line 0 white
  h.outw(0x3d4, 0x0011); // unprotect
  h.outw(0x3d4, 0x500c); // start address 0x5000: a black screen
  h.outw(0x3d4, 0x6418); // line compare 100 (CR7 bit 4 and CR9 bit 6 cleared)
  h.outw(0x3d4, 0x2e07);
  h.outw(0x3d4, 0x0009);
  const f = h.vga.render();
  assert.equal(pixelAt(f, 0, 100), 0x000000);
  assert.equal(pixelAt(f, 0, 101), 0xffffff, 'the line after the compare shows address 0');
  assert.equal(pixelAt(f, 0, 102), 0x000000);
});
