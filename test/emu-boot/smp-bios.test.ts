// -smp on the software CPU with a tiny multiprocessor BIOS (smp-bios.S): the BSP reads the CPU
// count from CMOS, wakes the APs with INIT-SIPI-SIPI, each AP reports its APIC ID (register and
// CPUID) and runs a function the BSP then rewrites, and fixed IPIs go both ways (the halted BSP
// wakes on the APs' answers). QEMU's TCG runs the same image as the reference.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { TKVM, REPO_ROOT, runProcess } from '../helpers/process.js';
import { findProgram } from '../../src/bench/paths.js';
import { assembleBios, outputLines } from './tiny-bios.test-util.js';

const bios = assembleBios(path.join(REPO_ROOT, 'test/emu-boot/smp-bios.S'));
const args = ['-nographic', '-bios', bios, '-device', 'isa-debug-exit', '-m', '64'];
/** isa-debug-exit status when every check passed: (0x21 << 1) | 1. */
const PASS = 67;
const qemuSkip = findProgram('qemu-system-x86_64') === undefined ? 'qemu-system-x86_64 is not installed' : false;

/** What the BSP prints with `cpus` processors. */
function expected(cpus: number): string[] {
  const aps = Array.from({ length: cpus - 1 }, (_, i) => i + 1);
  return [
    `smp: bsp apic id 0, cpus ${cpus}`,
    ...aps.map((id) => `smp: cpu ${id} started, cpuid apic id ${id}, code returned 1`),
    ...aps.map((id) => `smp: cpu ${id} answered the ipi, code returned 2`),
    'smp: done',
  ];
}

for (const cpus of [2, 4]) {
  test(`QEMU TCG -smp ${cpus} runs the SMP BIOS: every AP starts, reports its APIC ID and answers an IPI (the reference)`, { skip: qemuSkip }, async () => {
    const r = await runProcess('qemu-system-x86_64', ['-accel', 'tcg', '-smp', String(cpus), ...args]);
    assert.deepEqual(outputLines(r.stdout), expected(cpus));
    assert.equal(r.status, PASS);
  });

  test(`tkvm -accel emu -smp ${cpus}: INIT-SIPI-SIPI starts every AP, APIC IDs 0..${cpus - 1}, IPIs both ways, the APs see the BSP's code write`, async () => {
    const r = await runProcess(TKVM, ['-accel', 'emu', '-smp', String(cpus), ...args], { env: { ...process.env, TKVM_EMU_STATS: '1' } });
    assert.deepEqual(outputLines(r.stdout), expected(cpus), r.stderr);
    assert.equal(r.status, PASS, r.stderr);
    // The stats line counts each CPU's instructions: every AP ran some.
    const perCpu = /per CPU: ([\d, ]+)$/m.exec(r.stderr)?.[1]?.split(', ').map(Number);
    assert.equal(perCpu?.length, cpus, r.stderr);
    assert.ok(perCpu !== undefined && perCpu.every((n) => n > 0), r.stderr);
  });
}

test('tkvm -accel emu -smp 1: CMOS counts one CPU and the INIT-SIPI broadcast reaches nobody', async () => {
  const r = await runProcess(TKVM, ['-accel', 'emu', '-smp', '1', ...args]);
  assert.deepEqual(outputLines(r.stdout), expected(1), r.stderr);
  assert.equal(r.status, PASS, r.stderr);
});
