// Debian's SeaBIOS on the software CPU with -smp N counts N processors, as under QEMU: it reads the
// count from fw_cfg (and CMOS 0x5F), wakes the APs with INIT-SIPI-SIPI, each AP runs its
// handle_smp and SeaBIOS logs "Found N cpu(s)" on its debug console (port 0x402, -debugcon). The
// guard only stops a hung run; nothing here asserts a speed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TKVM, runProcess } from '../helpers/process.js';

const BIOS = '/usr/share/seabios/bios-256k.bin';
const HANG_GUARD_MS = 500_000;
const dir = mkdtempSync(join(tmpdir(), 'tkvm-emu-firmware-smp-'));
const biosSkip = existsSync(BIOS) ? false : `${BIOS} absent (Debian package seabios)`;

for (const cpus of [2, 4]) {
  test(`SeaBIOS on the software CPU with -smp ${cpus} finds ${cpus} CPUs (its debug console log, as under QEMU)`, { skip: biosSkip }, async () => {
    const log = join(dir, `seabios-smp${cpus}.log`);
    let quitting = false;
    const r = await runProcess(TKVM, ['-accel', 'emu', '-smp', String(cpus), '-m', '128', '-nographic', '-debugcon', `file:${log}`], {
      killAfterMs: HANG_GUARD_MS,
      onStdout: (text, child) => {
        if (quitting || !text.includes('No bootable device.')) return;
        quitting = true;
        child.stdin?.write('\x01x');
      },
    });
    assert.equal(r.status, 0, r.stderr);
    const debug = readFileSync(log, 'latin1');
    assert.match(debug, new RegExp(`Found ${cpus} cpu\\(s\\) max supported ${cpus} cpu\\(s\\)`), debug);
    for (let id = 1; id < cpus; id++) assert.match(debug, new RegExp(`handle_smp: apic_id=0x${id.toString(16)}\\b`), debug);
  });
}
