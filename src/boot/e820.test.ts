import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory } from '../memory/guest-memory.js';
import { pcRamRegions } from '../memory/layout.js';
import { BootError } from './boot-error.js';
import { AMD_HT_HOLE, buildE820, E820_RAM, E820_RESERVED, formatE820, writeE820Entries } from './e820.js';

const MiB = 1024 * 1024;

test('256 MiB: the map QEMU+SeaBIOS give Linux, less SeaBIOS high tables, plus the KVM area', () => {
  assert.deepEqual(formatE820(buildE820(pcRamRegions(256 * MiB))), [
    'BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable',
    'BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved',
    'BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved',
    'BIOS-e820: [mem 0x0000000000100000-0x000000000fffffff] usable',
    'BIOS-e820: [mem 0x00000000feffc000-0x00000000feffffff] reserved',
    'BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved',
  ]);
});

test('4 GiB: low RAM ends at 3 GiB, the rest is usable above 4 GiB; AMD hole on request', () => {
  const e = buildE820(pcRamRegions(4096 * MiB), { reserved: [], amdHyperTransportHole: true });
  assert.deepEqual(e.map((x) => [x.addr, x.size, x.type]), [
    [0, 0x9fc00, E820_RAM],
    [0x9fc00, 0x400, E820_RESERVED],
    [0xf0000, 0x10000, E820_RESERVED],
    [0x100000, 0xc000_0000 - 0x100000, E820_RAM],
    [0xfffc_0000, 0x4_0000, E820_RESERVED],
    [0x1_0000_0000, 0x4000_0000, E820_RAM],
    [AMD_HT_HOLE.addr, AMD_HT_HOLE.size, E820_RESERVED],
  ]);
  assert.equal(formatE820(e)[5], 'BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] usable');
});

test('adjacent reservations merge; a reservation inside RAM and tiny RAM are errors', () => {
  const e = buildE820(pcRamRegions(64 * MiB), { reserved: [{ addr: 0xfffb_c000, size: 0x4_4000 - 0x4_0000 }] });
  assert.deepEqual(e.slice(-1), [{ addr: 0xfffb_c000, size: 0x4_4000, type: E820_RESERVED }]);
  assert.throws(() => buildE820(pcRamRegions(64 * MiB), { reserved: [{ addr: 0x20_0000, size: 0x1000 }] }), (err: unknown) => err instanceof BootError && /overlap/.test(err.message));
  assert.throws(() => buildE820(pcRamRegions(MiB)), (err: unknown) => err instanceof BootError && err.kind === 'no-room');
});

test('writeE820Entries writes packed 20-byte records', () => {
  const mem = GuestMemory.allocate([{ gpa: 0, size: 0x1000 }]);
  const e = buildE820(pcRamRegions(4096 * MiB));
  writeE820Entries(mem, 0x100, e);
  assert.equal(mem.readU64(0x100 + 20 * 3), 0x100000n);
  assert.equal(mem.readU64(0x100 + 20 * 3 + 8), BigInt(0xc000_0000 - 0x100000));
  assert.equal(mem.readU32(0x100 + 20 * 3 + 16), 1);
  assert.equal(mem.readU64(0x100 + 20 * 6), 0x1_0000_0000n);
});
