// Debian's SeaBIOS on the software CPU with -smp N counts N processors, as under QEMU: it reads the
// count from fw_cfg (and CMOS 0x5F), wakes the APs with INIT-SIPI-SIPI, each AP runs its
// handle_smp and SeaBIOS logs "Found N cpu(s)" on its debug console (port 0x402, -debugcon). The
// guard only stops a hung run; nothing here asserts a speed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seabiosDebugLog, seabiosSkip } from './seabios-log.test-util.js';

const HANG_GUARD_MS = 500_000;
const dir = mkdtempSync(join(tmpdir(), 'tkvm-emu-firmware-smp-'));

for (const cpus of [2, 4]) {
  test(`SeaBIOS on the software CPU with -smp ${cpus} finds ${cpus} CPUs (its debug console log, as under QEMU)`, { skip: seabiosSkip }, async () => {
    const debug = await seabiosDebugLog(dir, `seabios-smp${cpus}`, ['-smp', String(cpus)], HANG_GUARD_MS);
    assert.match(debug, new RegExp(`Found ${cpus} cpu\\(s\\) max supported ${cpus} cpu\\(s\\)`), debug);
    for (let id = 1; id < cpus; id++) assert.match(debug, new RegExp(`handle_smp: apic_id=0x${id.toString(16)}\\b`), debug);
  });
}
