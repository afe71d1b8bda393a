// The pc machine on the software CPU (-accel emu) with a tiny hand-made BIOS: serial output,
// isa-debug-exit, the three reset paths (0xCF9, triple fault, keyboard controller), CMOS NVRAM
// kept across resets, read-only ROM and a switch to protected mode. QEMU's TCG runs the same image
// as the reference (this machine's nested KVM loses the real-mode triple fault; see DESIGN 5).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TKVM, runProcess } from '../helpers/process.js';
import { findProgram } from '../../src/bench/paths.js';
import { TINY_BIOS_LINES, TINY_BIOS_STATUS, buildTinyBios, outputLines } from './tiny-bios.test-util.js';

const bios = buildTinyBios();
const args = ['-nographic', '-bios', bios, '-device', 'isa-debug-exit', '-m', '64'];

test('QEMU TCG runs the tiny BIOS through every stage (the reference)', { skip: findProgram('qemu-system-x86_64') === undefined ? 'qemu-system-x86_64 is not installed' : false }, async () => {
  const r = await runProcess('qemu-system-x86_64', ['-accel', 'tcg', ...args]);
  assert.deepEqual(outputLines(r.stdout), TINY_BIOS_LINES);
  assert.equal(r.status, TINY_BIOS_STATUS);
});

test('tkvm -accel emu runs the tiny BIOS through every stage, like QEMU TCG', async () => {
  const r = await runProcess(TKVM, ['-accel', 'emu', ...args], { env: { ...process.env, TKVM_EMU_STATS: '1' } });
  assert.deepEqual(outputLines(r.stdout), TINY_BIOS_LINES, r.stderr);
  assert.equal(r.status, TINY_BIOS_STATUS, r.stderr);
  assert.match(r.stderr, /^tkvm: emu: \d+ instructions in [\d.]+ s/m);
});

test('with -no-reboot the first reset ends the emu machine cleanly, as in QEMU', async () => {
  const r = await runProcess(TKVM, ['-accel', 'tcg', '-no-reboot', ...args]);
  assert.deepEqual(outputLines(r.stdout), TINY_BIOS_LINES.slice(0, 1), r.stderr);
  assert.equal(r.status, 0, r.stderr);
});
