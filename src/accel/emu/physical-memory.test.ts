import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MmioBus } from '../../bus/bus.js';
import { MemoryMap } from '../../machine/memory-map.js';
import { GuestMemory } from '../../memory/guest-memory.js';
import { EmuPhysicalPages, type HostView } from './physical-memory.js';

/** Fake host memory: each "host address" names an ArrayBuffer of its own (base in the top bits). */
function fakeHost(): { view: HostView; alloc(size: number): { address: bigint; bytes: Uint8Array } } {
  const buffers = new Map<bigint, Uint8Array>();
  let next = 1n;
  return {
    alloc(size) {
      const address = next << 40n;
      next++;
      const bytes = new Uint8Array(size);
      buffers.set(address, bytes);
      return { address, bytes };
    },
    view(address, size) {
      for (const [base, bytes] of buffers) {
        if (address >= base && address < base + BigInt(bytes.length)) return bytes.subarray(Number(address - base), Number(address - base) + size);
      }
      throw new Error(`no fake host memory at ${address}`);
    },
  };
}

function machine(): { map: MemoryMap; pages: EmuPhysicalPages; mmio: MmioBus; host: ReturnType<typeof fakeHost> } {
  const host = fakeHost();
  const mmio = new MmioBus();
  const pages = new EmuPhysicalPages(mmio, host.view);
  const map = new MemoryMap();
  map.connect(pages);
  return { map, pages, mmio, host };
}

test('RAM slots are pages of their host memory, shared with whoever else holds the bytes', () => {
  const { map, pages, host } = machine();
  const ram = host.alloc(0x10000);
  map.set('ram', { gpa: 0, size: 0x10000, hostAddress: ram.address, readOnly: false });
  const p = pages.page(3)!;
  assert.equal(p.length, 4096);
  p[5] = 0x42;
  assert.equal(ram.bytes[0x3005], 0x42);
  ram.bytes[0x3006] = 0x43;
  assert.equal(pages.page(3)![6], 0x43);
  assert.equal(pages.writable(3), true);
  assert.equal(pages.page(0x10), undefined); // past the slot: MMIO
  assert.equal(pages.writable(0x10), false);
});

test('read-only slots are readable pages whose writes go to the bus and are dropped when nothing answers', () => {
  const { map, pages, mmio, host } = machine();
  const rom = host.alloc(0x2000);
  rom.bytes.fill(0x90);
  map.set('bios', { gpa: 0xfffe_0000, size: 0x2000, hostAddress: rom.address, readOnly: true });
  const pfn = 0xfffe0;
  assert.equal(pages.page(pfn)![0], 0x90);
  assert.equal(pages.writable(pfn), false);
  pages.mmioWrite(0xfffe_0000, 4, 0x12345678); // the CPU's store to ROM
  assert.equal(rom.bytes[0], 0x90);
  assert.equal(mmio.unmappedAccesses, 1);
});

test('MMIO reads and writes reach bus devices little-endian; unassigned space reads all ones', () => {
  const { pages, mmio } = machine();
  const log: string[] = [];
  mmio.insert(0xfec0_0000, 0x100, 'dev', {
    read: (offset, data) => {
      for (let i = 0; i < data.length; i++) data[i] = 0x10 + offset + i;
    },
    write: (offset, data) => log.push(`${offset}:${[...data].join(',')}`),
  });
  assert.equal(pages.mmioRead(0xfec0_0000, 4), 0x13121110);
  assert.equal(pages.mmioRead(0xfec0_0002, 2), 0x1312);
  assert.equal(pages.mmioRead(0xfec0_0001, 1), 0x11);
  pages.mmioWrite(0xfec0_0004, 4, 0xa1b2c3d4);
  pages.mmioWrite(0xfec0_0008, 2, 0xbeef);
  pages.mmioWrite(0xfec0_000a, 1, 0x7f);
  assert.deepEqual(log, ['4:212,195,178,161', '8:239,190', '10:127']);
  assert.equal(pages.mmioRead(0xd000_0000, 4), 0xffffffff);
  assert.equal(pages.mmioRead(0xd000_0000, 1), 0xff);
});

test('map changes (a BAR move, PAM turning ROM into shadow RAM) bump the generation and move the pages', () => {
  const { map, pages, host } = machine();
  const vram = host.alloc(0x4000);
  map.set('ram:vram', { gpa: 0xfd00_0000, size: 0x4000, hostAddress: vram.address, readOnly: false });
  const g0 = pages.generation;
  pages.page(0xfd000)![0] = 7;
  map.set('ram:vram', { gpa: 0xe000_0000, size: 0x4000, hostAddress: vram.address, readOnly: false });
  assert.ok(pages.generation > g0);
  assert.equal(pages.page(0xfd000), undefined);
  assert.equal(pages.page(0xe0000)![0], 7);
  map.set('ram:vram', undefined);
  assert.equal(pages.page(0xe0000), undefined);

  const rom = host.alloc(0x4000);
  const shadow = host.alloc(0x4000);
  rom.bytes[0] = 0xaa;
  map.set('pam-c0000', { gpa: 0xc0000, size: 0x4000, hostAddress: rom.address, readOnly: true });
  assert.equal(pages.page(0xc0)![0], 0xaa);
  map.set('pam-c0000', { gpa: 0xc0000, size: 0x4000, hostAddress: shadow.address, readOnly: false });
  assert.equal(pages.page(0xc0)![0], 0);
  assert.equal(pages.writable(0xc0), true);
});

test('a slot connected late is replayed, as after a reset', () => {
  const host = fakeHost();
  const ram = host.alloc(0x1000);
  const map = new MemoryMap();
  map.set('ram', { gpa: 0x1000, size: 0x1000, hostAddress: ram.address, readOnly: false });
  const pages = new EmuPhysicalPages(new MmioBus(), host.view);
  map.connect(pages);
  assert.ok(pages.page(1) !== undefined);
});

test('device writes through GuestMemory are reported once per page until taken', () => {
  const { pages } = machine();
  const mem = GuestMemory.allocate([{ gpa: 0, size: 0x10000 }]);
  pages.observe(mem);
  assert.equal(pages.takeForeignWrites(), undefined);
  mem.write(0x1ff0, new Uint8Array(0x20)); // pages 1 and 2
  mem.writeU32(0x1000, 5); // page 1 again: no duplicate
  mem.fill(0x8000, 1, 0);
  assert.deepEqual([...pages.takeForeignWrites()!], [1, 2, 8]);
  assert.equal(pages.takeForeignWrites(), undefined);
  mem.writeU8(0x1000, 1);
  assert.deepEqual([...pages.takeForeignWrites()!], [1]);
});
