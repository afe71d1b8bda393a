// The pio benchmark guest under tkvm: COM1 on -serial null (the timed writes are dropped), the
// result line on COM2, and the documented exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { join } from 'node:path';
import { REPO_ROOT, TKVM, kvmUnusableReason } from '../helpers/process.js';
import { GUEST_DIR, debugExitStatus, runTkvmGuest } from '../kvm/tkvm-guest.js';

describe('pio benchmark guest under tkvm', { skip: kvmUnusableReason() }, () => {
  before(() => {
    const b = spawnSync('bash', ['scripts/build-guests.sh'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, `scripts/build-guests.sh failed:\n${b.stdout}${b.stderr}`);
  });

  it('times count= writes to COM1 and reports on COM2 only', async () => {
    // Not runTkvmGuest: its -nographic would claim stdio for COM1.
    const args = ['-m', '256', '-display', 'none', '-serial', 'null', '-serial', 'stdio', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
      '-kernel', join(GUEST_DIR, 'pio.elf'), '-append', 'count=2000'];
    const p = spawnSync(TKVM, args, { encoding: 'latin1', input: '', timeout: 120_000 });
    const r = { serial: p.stdout.replace(/\r/g, ''), stderr: p.stderr, status: p.status };
    assert.match(r.serial, /^pio: 2000 writes in \d+ ns, \d+\.\d{3} ns per write \(TSC \d+ kHz from .+\)$/m);
    assert.doesNotMatch(r.serial, /x/, 'bytes written to COM1 must not reach COM2');
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('rejects count=0 with exit code 2', async () => {
    const r = await runTkvmGuest('pio', { append: 'count=0' });
    assert.match(r.serial, /pio: bad count=/);
    assert.equal(r.status, debugExitStatus(2), r.serial + r.stderr);
  });
});
