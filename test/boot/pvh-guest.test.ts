/**
 * A real PVH ELF, assembled and linked by binutils from guests/pvh-hello.S, through tkvm's
 * loader: the ELF reader on ld's output (notes, a bss-only segment), then under QEMU TCG in
 * the 32-bit state loadKernel returns, where the guest prints what it finds in hvm_start_info.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { pcRamRegions } from '../../src/memory/layout.js';
import { loadKernel } from '../../src/boot/direct-boot.js';
import { QEMU_BINARY, runInQemu } from './qemu-trampoline.js';

const SOURCE = 'test/boot/guests/pvh-hello.S';
const MiB = 0x10_0000;

/** Assembles and links the guest; undefined when binutils is missing. */
function buildGuest(): Uint8Array | undefined {
  if (!existsSync('/usr/bin/as') || !existsSync('/usr/bin/ld')) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-pvh-'));
  try {
    execFileSync('as', ['--32', '-o', join(dir, 'g.o'), SOURCE]);
    execFileSync('ld', ['-m', 'elf_i386', '-Ttext-segment=0x200000', '-e', '_start', '-o', join(dir, 'g.elf'), join(dir, 'g.o')]);
    return readFileSync(join(dir, 'g.elf'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const guest = buildGuest();
const noBinutils = guest === undefined ? 'binutils (as, ld) absent' : false;

function load(mem: GuestMemory, ram: ReturnType<typeof pcRamRegions>) {
  mem.fill(0x20_0000, 0x1_0000, 0xcc); // garbage where the bss goes
  const initrd = new TextEncoder().encode('TKVMinitrd');
  return loadKernel(mem, { kernel: guest!, initrd, cmdline: 'hello pvh', ramRegions: ram, cpus: 1 });
}

test('ld-built PVH ELF: entry from the note, segments loaded, bss zeroed', { skip: noBinutils }, () => {
  const ram = pcRamRegions(64 * MiB);
  const mem = GuestMemory.allocate(ram);
  const b = load(mem, ram);
  assert.equal(b.kind, 'pvh');
  assert.equal(b.cpu.rip, 0x20_1000);
  assert.equal(b.cpu.rbx, 0x6000);
  assert.equal(mem.readU32(0x20_5000), 0, 'bss word zeroed');
  assert.ok(b.loaded.some((l) => l.addr === 0x20_3000 && l.size >= 0x2004), 'bss-only segment listed');
});

const noQemu = noBinutils || (!existsSync(QEMU_BINARY) ? `${QEMU_BINARY} absent` : process.env['TKVM_SKIP_SLOW'] === '1' ? 'TKVM_SKIP_SLOW=1' : false);
test('ld-built PVH ELF under QEMU: reads start info, cmdline, memmap, initrd module, bss', { skip: noQemu, timeout: 60_000 }, async () => {
  const ram = pcRamRegions(64 * MiB);
  const mem = GuestMemory.allocate(ram);
  const b = load(mem, ram);
  const keep = '.cache/qemu-pvh-guest.log';
  const run = await runInQemu(mem, b.cpu, b.loaded, { ramMiB: 64, cpus: 1, timeoutS: 30, keep, extraArgs: ['-device', 'isa-debug-exit,iobase=0xf4,iosize=4'] });
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  assert.equal(run.serial, [
    'PVH-GUEST start_info ok, cmdline: hello pvh',
    `memmap_entries ${hex(b.e820.length)} `,
    `modules 00000001 0000000a ${hex(0x4d564b54)} `, // "TKVM" as a little-endian word
    'bss 00000000 ',
    'PVH-GUEST done',
    '',
  ].join('\n'));
  assert.equal(run.status, 99);
});
