import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory } from '../memory/guest-memory.js';
import { pcRamRegions } from '../memory/layout.js';
import { makeElf, pvhNote, type FakeElf } from '../../test/boot/fixtures.js';
import { BootError } from './boot-error.js';
import { buildE820 } from './e820.js';
import { loadPvh } from './pvh.js';

const MiB = 0x10_0000;
const SI = 0x6000;
const text = new Uint8Array(0x1000).map((_, i) => (i * 13) & 0xff);

function boot(o: FakeElf, ramMiB = 64, initrd?: Uint8Array) {
  const ram = pcRamRegions(ramMiB * MiB);
  const mem = GuestMemory.allocate(ram);
  mem.fill(0, 4 * MiB, 0xcc); // garbage, to prove bss and structures are cleared
  const e820 = buildE820(ram);
  const r = loadPvh(mem, { kernel: makeElf(o), ram, e820, cmdline: 'console=ttyS0 pvh', initrd });
  return { mem, r, e820 };
}

function bootError(kind: string, re: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof BootError, String(err));
    assert.equal(err.kind, kind);
    assert.match(err.message, re);
    return true;
  };
}

const good: FakeElf = {
  segments: [{ paddr: MiB, data: text, memsz: 0x3000 }, { paddr: 2 * MiB, data: text.subarray(0, 0x100) }],
  notes: [{ name: 'GNU', type: 3, desc: new Uint8Array(20) }, pvhNote(MiB + 0x10)],
};

test('ELF64 PVH: segments at p_paddr, bss zeroed, 32-bit entry with EBX = start info', () => {
  const { mem, r } = boot(good);
  assert.deepEqual(mem.read(MiB, 0x1000), text);
  assert.ok(mem.read(MiB + 0x1000, 0x2000).every((b) => b === 0), 'bss zeroed');
  assert.equal(mem.readU8(MiB + 0x3000), 0xcc, 'nothing past p_memsz');
  assert.deepEqual(mem.read(2 * MiB, 0x100), text.subarray(0, 0x100));
  assert.equal(r.cpu.rip, MiB + 0x10);
  assert.equal(r.cpu.rbx, SI);
  assert.equal(r.cpu.cr0, 1);
  assert.equal(r.cpu.cr4, 0);
  assert.equal(r.cpu.efer, 0);
  assert.ok(r.cpu.cs.db && !r.cpu.cs.l);
  assert.equal(r.cpu.cs.base, 0);
  assert.equal(r.cpu.cs.limit, 0xffff_ffff);
});

test('hvm_start_info: magic, version 1, cmdline, initrd module, e820 memmap', () => {
  const initrd = new Uint8Array(0x1801).fill(0x42);
  const { mem, r, e820 } = boot(good, 64, initrd);
  assert.equal(mem.readU32(SI + 0x00), 0x336ec578);
  assert.equal(mem.readU32(SI + 0x04), 1);
  assert.equal(mem.readU32(SI + 0x08), 0);
  assert.equal(mem.readU32(SI + 0x0c), 1);
  const modlist = Number(mem.readU64(SI + 0x10));
  const cmdline = Number(mem.readU64(SI + 0x18));
  assert.equal(mem.readU64(SI + 0x20), 0n); // rsdp_paddr
  const memmap = Number(mem.readU64(SI + 0x28));
  assert.equal(mem.readU32(SI + 0x30), e820.length);
  assert.equal(mem.readU32(SI + 0x34), 0);
  assert.equal(new TextDecoder().decode(mem.read(cmdline, 17)), 'console=ttyS0 pvh');
  assert.equal(mem.readU8(cmdline + 17), 0);
  assert.equal(mem.readU64(modlist), BigInt(64 * MiB - 0x2000));
  assert.equal(mem.readU64(modlist + 8), 0x1801n);
  assert.equal(mem.readU64(modlist + 16), 0n);
  assert.deepEqual(mem.read(64 * MiB - 0x2000, 0x1801), initrd);
  assert.deepEqual(r.initrd, { addr: 64 * MiB - 0x2000, size: 0x1801 });
  for (const [i, e] of e820.entries()) {
    assert.equal(mem.readU64(memmap + i * 24), BigInt(e.addr));
    assert.equal(mem.readU64(memmap + i * 24 + 8), BigInt(e.size));
    assert.equal(mem.readU32(memmap + i * 24 + 16), e.type);
    assert.equal(mem.readU32(memmap + i * 24 + 20), 0);
  }
});

test('ELF32 with a 4-byte entry note; no initrd means no modules', () => {
  const { mem, r } = boot({ bits: 32, segments: [{ paddr: MiB, data: text }], notes: [pvhNote(MiB, 4)] });
  assert.equal(r.cpu.rip, MiB);
  assert.equal(mem.readU32(SI + 0x0c), 0);
});

test('ELF without the PVH note, or with bad segments, is refused clearly', () => {
  assert.throws(() => boot({ segments: good.segments }), bootError('not-a-kernel', /^not a PVH kernel: no XEN_ELFNOTE_PHYS32_ENTRY note/));
  assert.throws(() => boot({ ...good, segments: [{ paddr: 128 * MiB, data: text }] }), bootError('no-room', /segment 0 \[0x8000000, 0x8001000\) lies outside guest RAM.*-m 129/));
  assert.throws(() => boot({ ...good, segments: [{ paddr: 0x6000, data: text }] }), bootError('no-room', /overlaps tkvm's boot data.*hvm_start_info/));
  assert.throws(() => boot({ ...good, notes: [pvhNote(3 * MiB)] }), bootError('corrupt', /entry point 0x300000 is not inside any loadable segment/));
});

test('malformed ELF files: truncated, wrong machine, inconsistent sizes', () => {
  assert.throws(() => boot({ ...good, truncateBy: 0x80 }), bootError('truncated', /segment 1 file bytes .* run past the end/));
  assert.throws(() => boot({ ...good, truncateBy: makeElf(good).length - 70 }), bootError('truncated', /program headers .* run past the end/));
  assert.throws(() => boot({ ...good, truncateBy: makeElf(good).length - 10 }), bootError('truncated', /shorter than its ELF header/));
  assert.throws(() => boot({ ...good, machine: 40 }), bootError('unsupported', /e_machine 40/));
  assert.throws(() => boot({ ...good, type: 3 }), bootError('unsupported', /ET_EXEC/));
  assert.throws(() => boot({ ...good, patch: (v) => v.setUint8(5, 2) }), bootError('unsupported', /big-endian/));
  // segment 1's p_filesz (ELF64 phdr at 64 + 56, field at +32) reaching past the file
  assert.throws(() => boot({ ...good, patch: (v) => v.setBigUint64(64 + 56 + 32, 0x4000n, true) }), bootError('truncated', /segment 1 file bytes .* run past the end/));
  assert.throws(() => boot({ ...good, segments: [{ paddr: MiB, data: text, memsz: 0x10 }] }), bootError('corrupt', /p_filesz 0x1000 > p_memsz 0x10/));
  assert.throws(() => boot({ ...good, patch: (v) => v.setBigUint64(64 + 24, 1n << 60n, true) }), bootError('corrupt', /p_paddr .* beyond any guest address/));
});
