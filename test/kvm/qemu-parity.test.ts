// The same command lines under tkvm and under qemu-system-x86_64 -enable-kvm give the same
// guest-visible results: identical guest output lines and exit status.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { REPO_ROOT, kvmUnusableReason, which } from '../helpers/process.js';
import { runGuest } from '../guests/qemu.js';
import { runTkvmGuest, type TkvmRunOptions } from './tkvm-guest.js';

const skip = kvmUnusableReason() ?? (which('qemu-system-x86_64') ? undefined : 'qemu-system-x86_64 is not installed');

/** The guest's own lines: QEMU prints SeaBIOS's banner first, so start at the guest's first line. */
function guestLines(serial: string, firstLine: RegExp): string[] {
  const lines = serial.split('\n').map((l) => l.replace(/\x1b\[[0-9;?]*[a-zA-Z]|\x1bc/g, ''));
  const start = lines.findIndex((l) => firstLine.test(l));
  return start < 0 ? [] : lines.slice(start).filter((l) => l.length > 0);
}

const cases: Array<{ name: string; opts: TkvmRunOptions; first: RegExp; mask?: (l: string) => string }> = [
  { name: 'hello', opts: { append: 'console=ttyS0 parity=1' }, first: /^Hello from/ },
  { name: 'exitcode', opts: { append: 'code=77' }, first: /^exitcode:/ },
  { name: 'strio', opts: {}, first: /^strio:/ },
  { name: 'echo', opts: { input: { after: 'echo: ready', data: 'parity check!q' } }, first: /^echo: ready/ },
  { name: 'reset', opts: { reboot: true }, first: /^reset: boot 1/ },
  { name: 'triplefault', opts: {}, first: /^triplefault:/ },
  { name: 'smp', opts: { append: 'cpus=2', extraArgs: ['-smp', '2'] }, first: /^cpu \d online/, mask: (l) => l },
];

describe('tkvm and QEMU+KVM agree on the test guests', { skip }, () => {
  before(() => {
    const b = spawnSync('bash', ['scripts/build-guests.sh'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stdout + b.stderr);
  });

  for (const c of cases) {
    it(`${c.name}: same output lines and exit status`, async () => {
      const [ours, qemu] = [await runTkvmGuest(c.name, c.opts), await runGuest(c.name, { ...c.opts, extraArgs: [...(c.opts.extraArgs ?? [])] })];
      let a = guestLines(ours.serial, c.first);
      let b = guestLines(qemu.serial, c.first);
      if (c.name === 'smp') {
        a = [...a].sort();
        b = [...b].sort();
      }
      assert.ok(a.length > 0, `tkvm printed no guest lines:\n${ours.serial}${ours.stderr}`);
      if (c.name === 'reset') {
        // QEMU reruns SeaBIOS after the reset, whose banner lands between the two boots.
        a = a.filter((l) => /^reset:/.test(l));
        b = b.filter((l) => /^reset:/.test(l));
      }
      assert.deepEqual(a, b);
      assert.equal(ours.status, qemu.status, `exit status: tkvm ${ours.status}, QEMU ${qemu.status}`);
    });
  }
});
