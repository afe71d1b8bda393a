import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestMemory } from '../memory/guest-memory.js';
import { pcRamRegions } from '../memory/layout.js';
import { makeBzImage, makeElf, pvhNote } from '../../test/boot/fixtures.js';
import { BootError } from './boot-error.js';
import { loadKernel } from './direct-boot.js';
import { formatE820 } from './e820.js';
import { parseAcpi } from '../acpi/acpi-parse.test-util.js';
import { buildAcpiTables } from '../acpi/table-set.js';

const MiB = 0x10_0000;
const ram = pcRamRegions(64 * MiB);

test('bzImage from a file: 64-bit entry, zero page, MP table, e820', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-boot-'));
  try {
    writeFileSync(join(dir, 'bzImage'), makeBzImage());
    writeFileSync(join(dir, 'initrd'), new Uint8Array(0x3000).fill(7));
    const mem = GuestMemory.allocate(ram);
    const b = loadKernel(mem, { kernelPath: join(dir, 'bzImage'), initrdPath: join(dir, 'initrd'), cmdline: 'console=ttyS0', ramRegions: ram, cpus: 2 });
    assert.equal(b.kind, 'bzimage');
    assert.equal(b.cpu.rip, 16 * MiB + 0x200);
    assert.equal(b.cpu.rsi, 0x7000);
    assert.deepEqual(b.initrd, { addr: 64 * MiB - 0x3000, size: 0x3000 });
    assert.deepEqual(b.loaded, [{ what: 'kernel', addr: 16 * MiB, size: 0x3000 }, { what: 'initrd', addr: 64 * MiB - 0x3000, size: 0x3000 }]);
    assert.equal(mem.readU8(0x7000 + 0x1e8), b.e820.length);
    assert.equal(new TextDecoder().decode(mem.read(0x9fc00, 4)), '_MP_');
    assert.equal(b.mpTable.ioapicId, 2);
    assert.equal(formatE820(b.e820)[3], 'BIOS-e820: [mem 0x0000000000100000-0x0000000003ffffff] usable');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('PVH ELF from bytes: 32-bit entry with EBX = start info', () => {
  const mem = GuestMemory.allocate(ram);
  const kernel = makeElf({ segments: [{ paddr: 2 * MiB, data: new Uint8Array(64) }], notes: [pvhNote(2 * MiB)] });
  const b = loadKernel(mem, { kernel, cmdline: 'x', ramRegions: ram, cpus: 1, e820: { reserved: [] } });
  assert.equal(b.kind, 'pvh');
  assert.equal(b.cpu.rip, 2 * MiB);
  assert.equal(b.cpu.rbx, 0x6000);
  assert.equal(mem.readU32(0x6000), 0x336ec578);
  assert.equal(b.e820.length, 5);
  assert.deepEqual(b.loaded, [{ what: 'kernel', addr: 2 * MiB, size: 64 }]);
});

test('with ACPI tables: RSDP at 0xE0000, the E- and F-segments reserved in e820; without: no RSDP', () => {
  const acpi = buildAcpiTables({
    hardware: { sciIrq: 9, smiCommandPort: 0xb2, acpiEnable: 0xf1, acpiDisable: 0xf0, pm1aEvent: { port: 0x600, length: 4 }, pm1aControl: { port: 0x604, length: 2 }, pmTimer: { port: 0x608, length: 4 }, gpe0: { port: 0xafe0, length: 4 } },
    dsdt: { cpus: 2, lowRamEnd: 64 * MiB, highRamBytes: 0, serialPorts: [], gpe0: { port: 0xafe0, length: 4 }, s5SlpTyp: 0 },
  });
  const mem = GuestMemory.allocate(ram);
  const b = loadKernel(mem, { kernel: makeBzImage(), ramRegions: ram, cpus: 2, acpi });
  assert.equal(b.acpiRsdp, 0xe_0000);
  parseAcpi((a, n) => mem.read(a, n), 0xe_0000);
  assert.equal(formatE820(b.e820)[2], 'BIOS-e820: [mem 0x00000000000e0000-0x00000000000fffff] reserved');
  const plain = GuestMemory.allocate(ram);
  const p = loadKernel(plain, { kernel: makeBzImage(), ramRegions: ram, cpus: 2 });
  assert.equal(p.acpiRsdp, undefined);
  assert.equal(new TextDecoder().decode(plain.read(0xe_0000, 8)), '\0'.repeat(8));
  assert.equal(formatE820(p.e820)[2], 'BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved');
  // PVH: hvm_start_info.rsdp_paddr (offset 0x20) names the RSDP, as QEMU's pvh.bin sets it.
  const kernel = makeElf({ segments: [{ paddr: 2 * MiB, data: new Uint8Array(64) }], notes: [pvhNote(2 * MiB)] });
  const pvh = GuestMemory.allocate(ram);
  loadKernel(pvh, { kernel, ramRegions: ram, cpus: 1, acpi });
  assert.equal(pvh.readU64(0x6000 + 0x20), 0xe_0000n);
  loadKernel(plain, { kernel, ramRegions: ram, cpus: 1 });
  assert.equal(plain.readU64(0x6000 + 0x20), 0n);
});

test('neither bzImage nor ELF, missing files, bad -smp: typed errors', () => {
  const mem = GuestMemory.allocate(ram);
  const isBoot = (kind: string, re: RegExp) => (e: unknown) => e instanceof BootError && e.kind === kind && re.test(e.message);
  assert.throws(() => loadKernel(mem, { kernel: new Uint8Array(4096).fill(0x90), ramRegions: ram, cpus: 1 }), isBoot('not-a-kernel', /not a bzImage.*not an ELF/));
  assert.throws(() => loadKernel(mem, { kernelPath: '/nonexistent/vmlinuz', ramRegions: ram, cpus: 1 }), isBoot('not-found', /cannot read kernel \/nonexistent\/vmlinuz: ENOENT/));
  assert.throws(() => loadKernel(mem, { ramRegions: ram, cpus: 1 }), isBoot('not-found', /-kernel/));
  assert.throws(() => loadKernel(mem, { kernel: makeBzImage(), ramRegions: ram, cpus: 0 }), isBoot('unsupported', /CPUs/));
  assert.throws(() => loadKernel(mem, { kernel: makeBzImage(), ramRegions: pcRamRegions(128 * MiB), cpus: 1 }), isBoot('corrupt', /not backed/));
});

const debian = '.cache/assets/vmlinuz';
test('Debian cloud kernel boots as a bzImage from its path', { skip: existsSync(debian) ? false : `${debian} absent (scripts/fetch-test-assets.sh could not fetch it)` }, () => {
  const big = pcRamRegions(256 * MiB);
  const mem = GuestMemory.allocate(big);
  const b = loadKernel(mem, { kernelPath: debian, cmdline: 'console=ttyS0', ramRegions: big, cpus: 2 });
  assert.equal(b.kind, 'bzimage');
  assert.equal(b.cpu.efer, (1 << 8) | (1 << 10));
});
