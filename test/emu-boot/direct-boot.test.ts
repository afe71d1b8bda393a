// Direct kernel boot on the software CPU: the boot path's entry state (BootCpuState, what KVM's
// vCPU gets) becomes the emu CPU's state. The PVH test kernel (test/boot/guests/pvh-hello.S, a
// 32-bit protected-mode entry) reads its start info, command line, memory map and initrd module
// and exits through isa-debug-exit, as it does under QEMU in test/boot/pvh-guest.test.ts. A 64-bit
// entry is refused with a sentence, since the core is IA-32 so far.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, TKVM, runProcess } from '../helpers/process.js';
import { emuBootState } from '../../src/machine/emu-boot-state.js';
import { codeSegment, dataSegment } from '../../src/boot/cpu-setup.js';
import type { EmuCpuState } from '../../src/accel/emu/contract.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tkvm-emu-direct-'));

function buildPvhGuest(): string {
  const obj = path.join(dir, 'g.o');
  const elf = path.join(dir, 'g.elf');
  execFileSync('as', ['--32', '-o', obj, path.join(REPO_ROOT, 'test/boot/guests/pvh-hello.S')]);
  execFileSync('ld', ['-m', 'elf_i386', '-Ttext-segment=0x200000', '-e', '_start', '-o', elf, obj]);
  return elf;
}

test('a PVH kernel boots directly on the software CPU: start info, command line, memory map, initrd', async () => {
  const initrd = path.join(dir, 'initrd');
  writeFileSync(initrd, 'TKVMinitrd');
  const r = await runProcess(TKVM, ['-accel', 'emu', '-m', '64', '-nographic', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
    '-kernel', buildPvhGuest(), '-initrd', initrd, '-append', 'hello pvh']);
  const serial = r.stdout.replace(/\r/g, '');
  assert.match(serial, /^PVH-GUEST start_info ok, cmdline: hello pvh\nmemmap_entries [0-9a-f]{8} \nmodules 00000001 0000000a 4d564b54 \nbss 00000000 \nPVH-GUEST done\n$/, r.stderr);
  assert.equal(r.status, 99, r.stderr);
});

test('the boot state maps onto the emu CPU state; a 64-bit entry is refused with a sentence', () => {
  const seg = { selector: 0, base: 0, limit: 0xffff, type: 3, s: true, dpl: 0, present: true, db: false, g: false };
  const reset: EmuCpuState = {
    gpr: [0, 0, 0x600, 0, 0, 0, 0, 0], eip: 0xfff0, eflags: 2, cs: { ...seg, selector: 0xf000, base: 0xffff0000, type: 0xb },
    ds: seg, es: seg, fs: seg, gs: seg, ss: seg, tr: { ...seg, type: 0xb, s: false }, ldtr: { ...seg, type: 2, s: false },
    gdtr: { base: 0, limit: 0xffff }, idtr: { base: 0, limit: 0xffff }, cr0: 0x60000010, cr2: 0, cr3: 0, cr4: 0, efer: 0,
  };
  const s = emuBootState(reset, { rip: 0x100000, rsi: 0x7000, rbx: 0x6000, cr0: 1, cs: codeSegment('protected'), data: dataSegment(), gdt: { base: 0x500, limit: 0x2f } });
  assert.deepEqual(s.gpr, [0, 0, 0, 0x6000, 0, 0, 0x7000, 0]);
  assert.equal(s.eip, 0x100000);
  assert.equal(s.cs.selector, 0x10);
  assert.equal(s.cs.db, true);
  assert.equal(s.ss.selector, 0x18);
  assert.equal(s.cr0, 1);
  assert.equal(s.tr.present, true);
  assert.deepEqual(s.gdtr, { base: 0x500, limit: 0x2f });
  assert.throws(() => emuBootState(reset, { rip: 0x100000, cr0: 0x80000001, efer: 0x500, cs: codeSegment('long'), data: dataSegment() }), /64-bit mode/);
});
