import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAM_MODE, PAM_SEGMENTS, type PamMode } from '../chipset/pam.js';
import { checkBiosImage } from '../firmware/bios.js';
import { GuestMemory } from '../memory/guest-memory.js';
import { PcLowMemory } from './low-memory.js';
import { KvmMemoryMap } from './memory-map.js';

// Host addresses are only recorded here (no VM is attached), so made-up ones will do.
const RAM_HOST = 0x7000_0000_0000n;
const BIOS_HOST = 0x7100_0000_0000n;
const OPTION_ROM_HOST = 0x7200_0000_0000n;

function lowMemory(biosSize: number): { map: KvmMemoryMap; low: PcLowMemory; mem: GuestMemory } {
  const map = new KvmMemoryMap();
  const mem = GuestMemory.allocate([{ gpa: 0, size: 2 << 20 }]);
  const bios = checkBiosImage('bios.bin', new Uint8Array(biosSize));
  const low = new PcLowMemory(map, RAM_HOST, mem, {
    bios,
    biosHost: { bytes: new Uint8Array(0), address: BIOS_HOST },
    optionRomHost: { bytes: new Uint8Array(0), address: OPTION_ROM_HOST },
  });
  return { map, low, mem };
}

const all = (mode: PamMode): PamMode[] => PAM_SEGMENTS.map(() => mode);

test('power-on: RAM below 640 KiB, the VGA window unmapped, ROM read-only at 0xC0000-0xFFFFF', () => {
  const { map, low } = lowMemory(0x4_0000);
  low.apply({ pam: all(PAM_MODE.PCI), smramOpen: false });
  const slots = map.list();
  assert.deepEqual(slots[0], { name: 'ram-below-vga', gpa: 0, size: 0xa_0000, hostAddress: RAM_HOST, readOnly: false });
  assert.equal(slots.find((s) => s.gpa < 0xc_0000 && s.gpa + s.size > 0xa_0000 && s.name !== 'ram-below-vga'), undefined);
  const f = map.get('pam-f0000')!;
  // A 256 KiB image: its last 128 KiB shows at 0xE0000, so 0xF0000 is image offset 0x30000.
  assert.deepEqual(f, { gpa: 0xf_0000, size: 0x1_0000, hostAddress: BIOS_HOST + 0x3_0000n, readOnly: true });
  assert.equal(map.get('pam-e0000')!.hostAddress, BIOS_HOST + 0x2_0000n);
  assert.equal(map.get('pam-c4000')!.hostAddress, OPTION_ROM_HOST + 0x4000n);
  assert.equal(map.get('pam-c4000')!.readOnly, true);
});

test('PAM modes pick RAM or ROM backing and whether writes reach it; SMRAM D_OPEN maps RAM at 0xA0000', () => {
  const { map, low } = lowMemory(0x2_0000);
  const pam = all(PAM_MODE.RAM);
  pam[12] = PAM_MODE.READ_RAM;
  pam[0] = PAM_MODE.WRITE_RAM;
  low.apply({ pam, smramOpen: true });
  assert.deepEqual(map.get('pam-e4000'), { gpa: 0xe_4000, size: 0x4000, hostAddress: RAM_HOST + 0xe_4000n, readOnly: false });
  assert.deepEqual(map.get('pam-f0000'), { gpa: 0xf_0000, size: 0x1_0000, hostAddress: RAM_HOST + 0xf_0000n, readOnly: true });
  assert.deepEqual(map.get('pam-c0000'), { gpa: 0xc_0000, size: 0x4000, hostAddress: OPTION_ROM_HOST, readOnly: true });
  assert.deepEqual(map.get('smram'), { gpa: 0xa_0000, size: 0x2_0000, hostAddress: RAM_HOST + 0xa_0000n, readOnly: false });
  low.apply({ pam, smramOpen: false });
  assert.equal(map.get('smram'), undefined);
});

test('writes that exit from read-only segments: copied to shadow RAM in WRITE_RAM mode, dropped otherwise', () => {
  const { low, mem } = lowMemory(0x2_0000);
  const pam = all(PAM_MODE.READ_RAM);
  pam[0] = PAM_MODE.WRITE_RAM; // 0xC0000
  low.apply({ pam, smramOpen: false });
  low.writeCatcher.write(0x10, Uint8Array.of(1, 2, 3, 4)); // 0xC0010
  low.writeCatcher.write(0x3_0000, Uint8Array.of(9)); // 0xF0000, read-only RAM
  assert.deepEqual([...mem.read(0xc_0010, 4)], [1, 2, 3, 4]);
  assert.equal(mem.readU8(0xf_0000), 0);
  const d = new Uint8Array(2);
  low.writeCatcher.read(0, d);
  assert.deepEqual([...d], [0xff, 0xff]);
});

test('the memory map refuses overlapping slots (a wiring bug)', () => {
  const map = new KvmMemoryMap();
  map.set('a', { gpa: 0x1000, size: 0x2000, hostAddress: 0n, readOnly: false });
  assert.throws(() => map.set('b', { gpa: 0x2000, size: 0x1000, hostAddress: 0n, readOnly: false }), /overlaps a/);
  map.set('a', { gpa: 0x8000, size: 0x1000, hostAddress: 0n, readOnly: false }); // moving itself is fine
  map.set('b', { gpa: 0x2000, size: 0x1000, hostAddress: 0n, readOnly: false });
  assert.deepEqual(map.list().map((s) => s.name), ['b', 'a']);
});
