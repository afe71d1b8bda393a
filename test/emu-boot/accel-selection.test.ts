// Choosing the accelerator from the command line (issue 6 item 3, QEMU's options): -accel kvm,
// -enable-kvm and -machine accel=kvm need a usable KVM and say why not, in one line; without a
// choice (or with accel=kvm:tcg) tkvm falls back to its software CPU with a one-line notice.
// An unusable /dev/kvm is simulated with TKVM_KVM_DEVICE naming a path that does not exist.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TKVM, runProcess } from '../helpers/process.js';
import { TINY_BIOS_LINES, TINY_BIOS_STATUS, buildTinyBios, outputLines } from './tiny-bios.test-util.js';

const NO_KVM = { ...process.env, TKVM_KVM_DEVICE: '/nonexistent/kvm' };
const bios = buildTinyBios();
const vm = ['-nographic', '-bios', bios, '-device', 'isa-debug-exit', '-m', '64'];
const NOTICE = "tkvm: /nonexistent/kvm does not exist: the kvm module is not loaded or this CPU has no virtualization support (load kvm_intel or kvm_amd, enable VT-x/AMD-V in the firmware); falling back to tkvm's software CPU (-accel emu)\n";

for (const choice of [['-accel', 'kvm'], ['-enable-kvm'], ['-machine', 'accel=kvm'], ['-M', 'pc,accel=kvm']]) {
  test(`${choice.join(' ')} with an unusable /dev/kvm is a one-line error saying why`, async () => {
    const r = await runProcess(TKVM, [...choice, ...vm], { env: NO_KVM });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'tkvm: -accel kvm: /nonexistent/kvm does not exist: the kvm module is not loaded or this CPU has no virtualization support (load kvm_intel or kvm_amd, enable VT-x/AMD-V in the firmware, or use -accel emu)\n');
    assert.equal(r.stdout, '');
  });
}

for (const choice of [[], ['-machine', 'accel=kvm:tcg']]) {
  test(`${choice.length ? choice.join(' ') : 'no accelerator'} with an unusable /dev/kvm falls back to the software CPU with a notice`, async () => {
    const r = await runProcess(TKVM, [...choice, ...vm], { env: NO_KVM });
    assert.ok(r.stderr.startsWith(NOTICE), r.stderr);
    assert.deepEqual(outputLines(r.stdout), TINY_BIOS_LINES, r.stderr);
    assert.equal(r.status, TINY_BIOS_STATUS);
  });
}

for (const choice of [['-accel', 'tcg'], ['-accel', 'emu'], ['-machine', 'accel=tcg'], ['-machine', 'accel=tcg:kvm']]) {
  test(`${choice.join(' ')} runs the software CPU without a notice, whether or not KVM works`, async () => {
    const r = await runProcess(TKVM, [...choice, '-no-reboot', ...vm], { env: NO_KVM });
    assert.doesNotMatch(r.stderr, /falling back/);
    assert.deepEqual(outputLines(r.stdout), TINY_BIOS_LINES.slice(0, 1), r.stderr);
    assert.equal(r.status, 0);
  });
}
