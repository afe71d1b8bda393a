import { test } from 'node:test';
import assert from 'node:assert/strict';
import { device, eisaId, int, name, nameString, pkg, pkgLength, scope, str } from './aml.js';
import { ioPort, irqNoFlags, resourceTemplate, wordAddress, ADDRESS_SPACE } from './aml-resources.js';

const bytes = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

test('PkgLength: one byte up to 63 in all, then 2-4 bytes with the count in bits 7:6', () => {
  assert.deepEqual([...pkgLength(0)], [1]);
  assert.deepEqual([...pkgLength(62)], [63]);
  assert.deepEqual([...pkgLength(63)], [0x40 | (65 & 0xf), 65 >> 4]); // 63 + 2 bytes of length = 65
  assert.deepEqual([...pkgLength(4093)], [0x40 | (4095 & 0xf), 4095 >> 4]);
  assert.deepEqual([...pkgLength(4094)], [0x80 | (4097 & 0xf), (4097 >> 4) & 0xff, 4097 >> 12]);
});

test('names: segments padded with _, root prefix, dual and multi-segment paths', () => {
  assert.deepEqual([...nameString('_S5')], bytes('_S5_'));
  assert.deepEqual([...nameString('\\')], [0x5c, 0x00]);
  assert.deepEqual([...nameString('\\_SB.PCI0')], [0x5c, 0x2e, ...bytes('_SB_PCI0')]);
  assert.deepEqual([...nameString('\\_SB.PCI0.ISA')], [0x5c, 0x2f, 3, ...bytes('_SB_PCI0ISA_')]);
  assert.deepEqual([...nameString('^^KBD')], [0x5e, 0x5e, ...bytes('KBD_')]);
  assert.throws(() => nameString('toolong'), RangeError);
  assert.throws(() => nameString('1ABC'), RangeError);
});

test('integers take the shortest encoding; EISA IDs compress like ASL EisaId()', () => {
  assert.deepEqual([...int(0)], [0x00]);
  assert.deepEqual([...int(1)], [0x01]);
  assert.deepEqual([...int(0x0f)], [0x0a, 0x0f]);
  assert.deepEqual([...int(0x1234)], [0x0b, 0x34, 0x12]);
  assert.deepEqual([...int(0x0001_0000)], [0x0c, 0, 0, 1, 0]);
  assert.deepEqual([...int(2n ** 32n)], [0x0e, 0, 0, 0, 0, 1, 0, 0, 0]);
  assert.deepEqual([...eisaId('PNP0A03')], [0x0c, 0x41, 0xd0, 0x0a, 0x03]);
  assert.deepEqual([...eisaId('PNP0501')], [0x0c, 0x41, 0xd0, 0x05, 0x01]);
  assert.deepEqual([...str('ACPI0007')], [0x0d, ...bytes('ACPI0007'), 0]);
});

test('Name, Package, Scope, Device nest with correct package lengths', () => {
  const s5 = scope('\\', [name('_S5', pkg([int(0), int(0), int(0), int(0)]))]);
  // Scope(\) { Name(_S5_, Package(4){0,0,0,0}) }: 10 12 len 5c 00 08 _S5_ 12 06 04 00 00 00 00
  assert.deepEqual([...s5], [0x10, 0x0f, 0x5c, 0x00, 0x08, ...bytes('_S5_'), 0x12, 0x06, 0x04, 0, 0, 0, 0]);
  const dev = device('KBD', [name('_HID', eisaId('PNP0303'))]);
  assert.deepEqual([...dev.subarray(0, 3)], [0x5b, 0x82, dev.length - 2]);
});

test('resource descriptors: IO, IRQ, WordBusNumber and the End Tag', () => {
  assert.deepEqual([...ioPort(0x3f8, 0x3f8, 0, 8)], [0x47, 1, 0xf8, 0x03, 0xf8, 0x03, 0, 8]);
  assert.deepEqual([...irqNoFlags([4])], [0x22, 0x10, 0x00]);
  assert.deepEqual([...irqNoFlags([12])], [0x22, 0x00, 0x10]);
  const bus = wordAddress({ type: ADDRESS_SPACE.BusNumber, typeFlags: 0, min: 0, max: 0xff });
  assert.deepEqual([...bus], [0x88, 0x0d, 0x00, 2, 0x0c, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 1]);
  const rt = resourceTemplate([irqNoFlags([1])]);
  assert.deepEqual([...rt], [0x11, 0x08, 0x0a, 0x05, 0x22, 0x02, 0x00, 0x79, 0x00]);
  assert.throws(() => wordAddress({ type: ADDRESS_SPACE.IO, typeFlags: 3, min: 0, max: 0xffff }), RangeError, 'length 0x10000 does not fit');
});
