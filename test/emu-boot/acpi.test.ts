// ACPI on the pc machine under the software CPU (-accel emu; KVM too where it works), with QEMU's TCG running the same
// images as the reference: a tiny BIOS (acpi-pm.S) finds the PIIX4 PM function, sees the PM timer
// advance, enables ACPI through SMI_CMD and powers off through S5 (exit status 0, as QEMU); with
// -no-acpi the function is absent. SeaBIOS finds and installs tkvm's tables through the fw_cfg
// linker/loader (its debug log names the DSDT and the PM timer), and does not with -no-acpi.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, TKVM, kvmUnusableReason, runProcess } from '../helpers/process.js';
import { findProgram } from '../../src/bench/paths.js';
import { outputLines } from './tiny-bios.test-util.js';
import { seabiosDebugLog, seabiosSkip } from './seabios-log.test-util.js';
import { sleep, startQmpVm } from '../helpers/qmp-vm.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tkvm-acpi-'));
const HANG_GUARD_MS = 300_000;

/** Assembles acpi-pm.S into a 64 KiB flat BIOS image (`name`: the file's name; `asArgs`: e.g. --defsym). */
function buildAcpiBios(name = 'acpi-pm', asArgs: readonly string[] = []): string {
  const obj = path.join(dir, `${name}.o`);
  const bin = path.join(dir, `${name}.bin`);
  execFileSync('as', ['--32', ...asArgs, '-o', obj, path.join(REPO_ROOT, 'test/emu-boot/acpi-pm.S')]);
  execFileSync('ld', ['-m', 'elf_i386', '-Ttext', '0', '-e', '0', '--oformat', 'binary', '-o', bin, obj]);
  return bin;
}

const bios = buildAcpiBios();
const args = ['-nographic', '-bios', bios, '-device', 'isa-debug-exit', '-m', '64'];
const POWER_OFF_LINES = ['acpi: piix4 pm 8086:7113 at 00:01.3', 'acpi: pm timer advances', 'acpi: sci_en set by acpi_enable'];
const qemuSkip = findProgram('qemu-system-x86_64') === undefined ? 'qemu-system-x86_64 is not installed' : false;

/** The guest's lines apart from its config-space dump, and the dump by offset. */
function split(stdout: string): { lines: string[]; config: Map<number, string> } {
  const all = outputLines(stdout);
  const config = new Map(all.filter((l) => l.startsWith('cfg ')).map((l) => [parseInt(l.slice(4, 6), 16), l.slice(8)] as const));
  return { lines: all.filter((l) => !l.startsWith('cfg ')), config };
}

/**
 * QEMU's pc with the same devices as tkvm's: COM1 only (-nodefaults: no parallel port, whose
 * presence shows in DEVRESB) and no SMM (smm=off: QEMU then presets APMC_EN, as tkvm always does).
 */
const qemuArgs = (serial: string): string[] => ['-accel', 'tcg', '-machine', 'pc,smm=off', '-nodefaults', '-serial', `file:${serial}`, '-display', 'none', '-bios', bios, '-device', 'isa-debug-exit', '-m', '64'];
/** Config dwords where tkvm differs from QEMU on purpose: SMBBA (0x90) and SMBHSTCFG (0xd2): no SMBus controller. */
const NO_SMBUS = new Set([0x90, 0xd0]);
let qemuConfig: Map<number, string> | undefined;

test('QEMU TCG (the reference): the PM timer advances and S5 powers off with status 0', { skip: qemuSkip }, async () => {
  // The serial output goes to a file: QEMU's stdio chardev on a pipe was seen to drop bytes under load.
  const serial = path.join(dir, 'qemu-serial.txt');
  const r = await runProcess('qemu-system-x86_64', qemuArgs(serial), { killAfterMs: HANG_GUARD_MS });
  const out = split(readFileSync(serial, 'latin1'));
  assert.deepEqual(out.lines, POWER_OFF_LINES, r.stderr);
  assert.equal(out.config.size, 64);
  assert.equal(r.status, 0);
  qemuConfig = out.config;
  const none = await runProcess('qemu-system-x86_64', ['-no-acpi', ...qemuArgs(serial)], { killAfterMs: HANG_GUARD_MS });
  assert.deepEqual(outputLines(readFileSync(serial, 'latin1')), ['acpi: no pm function']);
  assert.equal(none.status, 33);
});

test('tkvm -accel emu: the PM function at 00:01.3 (config space as QEMU\'s but the SMBus registers), the PM timer advances, S5 powers off with status 0', async () => {
  const r = await runProcess(TKVM, ['-accel', 'emu', ...args], { killAfterMs: HANG_GUARD_MS });
  const out = split(r.stdout);
  assert.deepEqual(out.lines, POWER_OFF_LINES, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(out.config.get(0x00), '71138086');
  assert.equal(out.config.get(0x58), '02000000', 'APMC_EN preset: SeaBIOS skips SMM set-up');
  if (qemuConfig !== undefined) {
    for (const [off, value] of qemuConfig) if (!NO_SMBUS.has(off)) assert.equal(out.config.get(off), value, `config dword 0x${off.toString(16)}`);
  }
});

test('tkvm -accel kvm: the same board, the same power-off through S5 with status 0', { skip: kvmUnusableReason() ?? false }, async () => {
  const r = await runProcess(TKVM, ['-accel', 'kvm', ...args], { killAfterMs: HANG_GUARD_MS });
  const out = split(r.stdout);
  assert.deepEqual(out.lines, POWER_OFF_LINES, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(out.config.get(0x08), '06800003');
});

test('tkvm -no-acpi and -machine acpi=off: no PM function, as QEMU', async () => {
  for (const off of [['-no-acpi'], ['-machine', 'pc,acpi=off']]) {
    const r = await runProcess(TKVM, ['-accel', 'emu', ...off, ...args], { killAfterMs: HANG_GUARD_MS });
    assert.deepEqual(outputLines(r.stdout), ['acpi: no pm function'], r.stderr);
    assert.equal(r.status, 33, r.stderr);
  }
});

/** SeaBIOS's debug log from a run with no boot media. */
const seabiosLog = (name: string, extra: readonly string[]): Promise<string> => seabiosDebugLog(dir, name, extra, HANG_GUARD_MS);

test('SeaBIOS installs tkvm\'s tables through etc/table-loader and uses the PM timer; with -no-acpi it has neither', { skip: seabiosSkip }, async () => {
  const on = await seabiosLog('acpi', []);
  assert.match(on, /Moving pm_base to 0x600/);
  assert.match(on, /PCI: init bdf=00:01\.3 id=8086:7113/);
  assert.match(on, /Using pmtimer, ioport 0x608/);
  assert.match(on, /ACPI: parse DSDT at 0x[0-9a-f]+ \(len \d+\)/);
  assert.doesNotMatch(on, /internal error/i);
  const off = await seabiosLog('no-acpi', ['-no-acpi']);
  assert.doesNotMatch(off, /8086:7113|pmtimer|parse DSDT/);
  assert.match(off, /No bootable device/);
});

test('QMP system_powerdown presses the ACPI power button: the guest sees PWRBTN_STS and powers off; POWERDOWN, then SHUTDOWN', async () => {
  const button = buildAcpiBios('acpi-button', ['--defsym', 'POWER_BUTTON=1']);
  const vm = await startQmpVm(dir, 'button', ['-accel', 'emu', '-nographic', '-bios', button, '-device', 'isa-debug-exit', '-m', '64'], HANG_GUARD_MS);
  const exited = new Promise<number | null>((r) => vm.child.once('exit', (code) => r(code)));
  while (!vm.output().includes('acpi: waiting for the power button')) {
    assert.equal(vm.child.exitCode, null, vm.output());
    await sleep(100);
  }
  assert.deepEqual(await vm.qmp.execute('system_powerdown'), { return: {} });
  await vm.qmp.waitEvents(2);
  assert.equal(await exited, 0, vm.output());
  assert.deepEqual(split(vm.output()).lines, [...POWER_OFF_LINES, 'acpi: waiting for the power button', 'acpi: power button pressed']);
  assert.deepEqual(vm.qmp.events.map((e) => (e as { event?: string }).event), ['POWERDOWN', 'SHUTDOWN']);
  vm.qmp.close();
});

test('with -no-acpi, QMP system_powerdown says there is no power button', async () => {
  const vm = await startQmpVm(dir, 'no-button', ['-accel', 'emu', '-no-acpi', '-nographic', '-bios', bios, '-device', 'isa-debug-exit', '-m', '64'], HANG_GUARD_MS);
  const r = await vm.qmp.execute('system_powerdown');
  assert.match((r as { error?: { desc?: string } }).error?.desc ?? '', /no ACPI power button \(it runs with -no-acpi\)/);
  vm.child.kill();
  vm.qmp.close();
});
