/**
 * Equivalence with the real qemu-system-x86_64 on parse errors: the same command line must fail
 * in both, and tkvm's line must be QEMU's with "tkvm" for "qemu-system-x86_64" (QEMU exits on
 * these before creating a machine, so each run takes a few milliseconds). Skipped without QEMU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseRunArgs } from './options.js';

const QEMU = 'qemu-system-x86_64';
const haveQemu = spawnSync(QEMU, ['-version'], { encoding: 'utf8' }).status === 0;

/** QEMU's first stderr line for argv, with its program name swapped for ours. */
function qemuError(argv: string[]): string {
  const r = spawnSync(QEMU, ['-nodefaults', '-display', 'none', '-S', ...argv], { encoding: 'utf8', timeout: 10_000 });
  assert.notEqual(r.status, 0, `qemu accepted ${argv.join(' ')}`);
  return (r.stderr.split('\n')[0] ?? '').replace(/^qemu-system-x86_64: /, 'tkvm: ');
}

function tkvmError(argv: string[]): string {
  try {
    parseRunArgs(['-nodefaults', '-display', 'none', ...argv]);
  } catch (err) {
    return `tkvm: ${(err as Error).message}`;
  }
  assert.fail(`tkvm accepted ${argv.join(' ')}`);
}

test('same error lines as QEMU 7.2', { skip: haveQemu ? false : `${QEMU} not installed` }, () => {
  for (const argv of [['-foo'], ['--foo'], ['-m'], ['-kernel'], ['-m', 'foo=1'], ['-accel', 'foo'], ['-display', 'foo']]) {
    assert.equal(tkvmError(argv), qemuError(argv), argv.join(' '));
  }
});

test('same error, tkvm adds what to do', { skip: haveQemu ? false : `${QEMU} not installed` }, () => {
  for (const argv of [['-m', '0x'], ['-device', 'foo'], ['-smp', 'cpus=3,sockets=2'], ['-serial', 'foo'], ['-boot', 'z']]) {
    const q = qemuError(argv).replace(/^tkvm: (-\S+ \S+: )?/, '');
    const t = tkvmError(argv);
    assert.ok(t.includes(q), `${argv.join(' ')}\n tkvm: ${t}\n qemu: ${q}`);
  }
});
