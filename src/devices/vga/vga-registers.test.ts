import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VgaHarness } from './test-harness.js';

test('DAC: write index auto-increments, read index reads back 6-bit components', () => {
  const h = new VgaHarness();
  h.outb(0x3c8, 10);
  for (const v of [1, 2, 3, 0x3f, 0x7f, 0xff]) h.outb(0x3c9, v);
  assert.equal(h.inb(0x3c8), 12, 'two entries written');
  assert.equal(h.inb(0x3c7) & 3, 0, 'write mode');
  h.outb(0x3c7, 10);
  assert.equal(h.inb(0x3c7) & 3, 3, 'read mode');
  assert.deepEqual(Array.from({ length: 6 }, () => h.inb(0x3c9)), [1, 2, 3, 0x3f, 0x3f, 0x3f]);
  assert.equal(h.vga.regs.dacColor(11), 0xffffff);
  assert.equal(h.vga.regs.dacColor(10), 0x04080c);
  h.outb(0x3c6, 0x5a);
  assert.equal(h.inb(0x3c6), 0x5a, 'pixel mask reads back');
});

test('the attribute flip-flop alternates index and data and is reset by reading input status 1', () => {
  const h = new VgaHarness();
  h.outb(0x3c2, 0x01); // colour I/O
  h.inb(0x3da);
  h.outb(0x3c0, 0x01);
  h.outb(0x3c0, 0x2a);
  h.outb(0x3c0, 0x02); // index again
  h.inb(0x3da); // reset: the next write is an index, not data for register 2
  h.outb(0x3c0, 0x23);
  h.outb(0x3c0, 0x15);
  assert.equal(h.inb(0x3c0), 0x23, 'index register with the palette source bit');
  assert.equal(h.inb(0x3c1), 0x15);
  h.outb(0x3c0, 0x02);
  assert.equal(h.inb(0x3c1), 0x00, 'register 2 never got data');
  h.inb(0x3da);
  h.outb(0x3c0, 0x01);
  assert.equal(h.inb(0x3c1), 0x2a);
});

test('input status 1 toggles retrace so polling loops end; mono ports follow misc bit 0', () => {
  const h = new VgaHarness();
  h.outb(0x3c2, 0x01);
  let n = 0;
  while ((h.inb(0x3da) & 0x08) === 0 && n < 10) n++;
  assert.ok(n < 10, 'retrace seen');
  n = 0;
  while ((h.inb(0x3da) & 0x08) !== 0 && n < 10) n++;
  assert.ok(n < 10, 'retrace ended');
  assert.equal(h.inb(0x3ba), 0xff, 'mono status port is off in colour mode');
  h.outw(0x3d4, 0x550c);
  assert.equal(h.inb(0x3d5), 0x55);
  h.outb(0x3c2, 0x00); // mono
  assert.equal(h.inb(0x3d5), 0xff);
  h.outb(0x3b4, 0x0c);
  assert.equal(h.inb(0x3b5), 0x55, 'the same CRTC at 0x3B4');
  assert.equal(h.inb(0x3cc), 0x00, 'misc output reads back at 0x3CC');
});

test('CR11 bit 7 protects CR00-CR07 except the line compare bit', () => {
  const h = new VgaHarness();
  h.outb(0x3c2, 0x01);
  h.outw(0x3d4, 0x5f00);
  h.outw(0x3d4, 0x0007);
  h.outw(0x3d4, 0x8011);
  h.outw(0x3d4, 0x1200);
  h.outw(0x3d4, 0xff07);
  h.outw(0x3d4, 0x3412); // CR12 is not protected
  h.outb(0x3d4, 0x00);
  assert.equal(h.inb(0x3d5), 0x5f);
  h.outb(0x3d4, 0x07);
  assert.equal(h.inb(0x3d5), 0x10);
  h.outb(0x3d4, 0x12);
  assert.equal(h.inb(0x3d5), 0x34);
});

test('sequencer and graphics controller keep only implemented bits; feature control at 0x3DA/0x3CA', () => {
  const h = new VgaHarness();
  h.outb(0x3c2, 0x01);
  h.outw(0x3c4, 0xff04);
  assert.equal(h.inb(0x3c5), 0x0e);
  h.outw(0x3ce, 0xff05);
  assert.equal(h.inb(0x3cf), 0x7b);
  h.outb(0x3da, 0x03);
  assert.equal(h.inb(0x3ca), 0x03);
});

test('reset returns the registers to power-on and keeps VRAM', () => {
  const h = new VgaHarness();
  h.outw(0x3c4, 0x0f02);
  h.vga.vram[100] = 7;
  h.vga.reset();
  h.outb(0x3c4, 2);
  assert.equal(h.inb(0x3c5), 0);
  assert.equal(h.vga.vram[100], 7);
});

test('CRTC indexes past CR18 keep what was written, as in QEMU', () => {
  const h = new VgaHarness();
  h.outb(0x3c2, 0x01);
  h.outw(0x3d4, 0xa538);
  h.outb(0x3d4, 0x38);
  assert.equal(h.inb(0x3d5), 0xa5);
});
