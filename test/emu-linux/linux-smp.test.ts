// Issue 7: with -smp 2 Debian's i686 kernel on tkvm's software CPU sees two processors
// (qemu-system-i386 -accel tcg -smp 2 shows "processor : 0" and "processor : 1" in /proc/cpuinfo
// and "smp: Brought up 1 node, 2 CPUs"). Skips with tkvm's own sentence while the machine runs
// one software processor, and with the last console output when the boot does not get there.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMAND_GUARD_S, assetsMissing, directBootArgs, startGuest, waitForShell } from './linux-guest.test-util.js';

test('-smp 2: the guest sees two CPUs', async (t) => {
  const missing = assetsMissing();
  if (missing !== undefined) {
    t.skip(missing);
    return;
  }
  const vm = startGuest(directBootArgs('console=ttyS0', ['-smp', '2', '-nographic', '-no-reboot']));
  try {
    const noShell = await waitForShell(vm);
    if (noShell !== undefined) {
      const refused = /software CPU runs one processor/.exec(vm.stderr());
      t.skip(refused !== null ? `tkvm refuses it: ${vm.stderr().trim()}` : `tkvm -accel tcg -smp 2 did not reach the shell: ${noShell}`);
      return;
    }
    const r = await vm.run('grep -c ^processor /proc/cpuinfo; dmesg | grep "smp: Brought up"', COMMAND_GUARD_S * 1000);
    assert.ok(r !== undefined, vm.tail());
    assert.match(r.output, /^2\n/);
    assert.match(r.output, /Brought up 1 node, 2 CPUs/);
  } finally {
    await vm.kill();
  }
});
