import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { egaDacColor, findBiosFont, setBiosTextMode3 } from './bios-text-mode.js';
import { MODE_03H, VgaHarness, pixelAt } from './test-harness.js';

const ROM_PATH = '/usr/share/seabios/vgabios-stdvga.bin';

/** Writes `s` with attribute `attr` at the top left through the 0xB8000 window. */
function puts(h: VgaHarness, s: string, attr: number): void {
  [...s].forEach((c, i) => {
    h.writeb(0xb8000 + i * 2, c.charCodeAt(0));
    h.writeb(0xb8000 + i * 2 + 1, attr);
  });
}

test('power-on VGA drops writes to 0xB8000 (map mask 0), so a vgacon probe fails there', () => {
  const h = new VgaHarness({ vgamemMb: 1 });
  h.writeb(0xb8000, 0x55);
  h.writeb(0xb8001, 0xaa);
  assert.notEqual(h.readb(0xb8000) | (h.readb(0xb8001) << 8), 0xaa55);
});

test('after setBiosTextMode3, 0xB8000 reads back what is written and the screen shows it as 80x25 text', () => {
  const h = new VgaHarness({ vgamemMb: 1 });
  setBiosTextMode3(h.vga);
  // vgacon's probe: 0xAA55 then 0x55AA at the start of text memory.
  h.writeb(0xb8000, 0x55);
  h.writeb(0xb8001, 0xaa);
  assert.equal(h.readb(0xb8000) | (h.readb(0xb8001) << 8), 0xaa55);
  h.writeb(0xb8000, 0xaa);
  h.writeb(0xb8001, 0x55);
  assert.equal(h.readb(0xb8000) | (h.readb(0xb8001) << 8), 0x55aa);
  puts(h, 'Linux version 6.1', 0x07);
  const rows = h.vga.text();
  assert.ok(rows !== undefined, 'a text mode');
  assert.equal(rows.length, 25);
  assert.equal(rows[0], 'Linux version 6.1');
  assert.equal(rows[24], '', 'the rest of the screen is cleared');
  assert.equal(h.readb(0xb8000 + 2 * 80 * 24 + 1), 0x07, 'blank cells are light grey on black');
  const frame = h.vga.render();
  assert.equal(frame.width, 720);
  assert.equal(frame.height, 400);
});

test('setBiosTextMode3 programs the registers of the IBM VGA mode 3 table and the EGA palette', () => {
  const viaHelper = new VgaHarness({ vgamemMb: 1 });
  setBiosTextMode3(viaHelper.vga);
  const viaTable = new VgaHarness({ vgamemMb: 1 });
  viaTable.setMode(MODE_03H);
  viaTable.loadEgaPalette();
  const a = viaHelper.vga.regs;
  const b = viaTable.vga.regs;
  assert.equal(a.misc, b.misc);
  assert.deepEqual([...a.sr.subarray(0, 5)], [...b.sr.subarray(0, 5)]);
  assert.deepEqual([...a.cr.subarray(0, 0x19)], [...b.cr.subarray(0, 0x19)]);
  assert.deepEqual([...a.gr.subarray(0, 9)], [...b.gr.subarray(0, 9)]);
  assert.deepEqual([...a.ar.subarray(0, 0x15)], [...b.ar.subarray(0, 0x15)]);
  assert.deepEqual([...a.palette.subarray(0, 64 * 3)], [...b.palette.subarray(0, 64 * 3)]);
  assert.ok(a.screenOn, 'the screen is on');
  assert.deepEqual(egaDacColor(0x07), [0x2a, 0x2a, 0x2a]);
  assert.deepEqual(egaDacColor(0x3f), [0x3f, 0x3f, 0x3f]);
  assert.deepEqual(egaDacColor(0x14), [0x2a, 0x15, 0x00], 'brown');
});

test('with the VGA BIOS as its ROM, the font is loaded: a character draws foreground pixels', (t) => {
  if (!existsSync(ROM_PATH)) {
    t.skip(`${ROM_PATH} is not installed (Debian package seabios)`);
    return;
  }
  const rom = new Uint8Array(readFileSync(ROM_PATH));
  const font = findBiosFont(rom);
  assert.ok(font !== undefined);
  assert.deepEqual([...font.subarray(0x41 * 16 + 2, 0x41 * 16 + 8)], [0x10, 0x38, 0x6c, 0xc6, 0xc6, 0xfe], "'A'");
  const h = new VgaHarness({ vgamemMb: 1, rom });
  setBiosTextMode3(h.vga);
  puts(h, 'A', 0x0f);
  const frame = h.vga.render();
  let lit = 0;
  for (let y = 0; y < 16; y++) for (let x = 0; x < 9; x++) if (pixelAt(frame, x, y) === 0xffffff) lit++;
  assert.ok(lit > 10, `'A' in white lights pixels (${lit})`);
  assert.equal(findBiosFont(new Uint8Array(100)), undefined);
});
