// The benchmark workloads built as native programs: pi must reproduce the reference digits and
// membw must validate its arrays, so guest and native runs are known to compute the same thing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { buildGuests, repoRoot } from './qemu.js';

const native = (name: string) => join(repoRoot, 'build', 'native', name);
const gcc = spawnSync('gcc', ['--version']);
const skip = gcc.error || gcc.status !== 0 ? 'gcc is not installed' : undefined;

describe('native benchmark workloads', { skip }, () => {
  before(() => {
    const b = buildGuests();
    assert.equal(b.status, 0, `scripts/build-guests.sh failed:\n${b.output}`);
  });

  for (const [digits, last, hash] of [['1000', '2164201989', '0x511d37c4f954c20f'], ['10000', '5256375678', '0xec7b9ca0dd41a929']] as const) {
    it(`pi ${digits} matches the reference digits`, () => {
      const r = spawnSync(native('pi'), [digits], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^pi: 3\.14159265358979323846\.\.\.$/m);
      assert.match(r.stdout, new RegExp(`^pi: last digits ${last}$`, 'm'));
      assert.match(r.stdout, new RegExp(`^pi: fnv1a64 ${hash} `, 'm'));
      assert.match(r.stdout, /^pi: OK$/m);
    });
  }

  it('pi rejects a malformed digit count', () => {
    const r = spawnSync(native('pi'), ['digits=12x'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
  });

  it('membw validates its arrays and reports four kernels', () => {
    const r = spawnSync(native('membw'), ['mb=8', 'passes=2'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    for (const k of ['copy', 'scale', 'add', 'triad']) assert.match(r.stdout, new RegExp(`^membw: ${k} +[1-9]\\d* MB/s$`, 'm'));
    assert.match(r.stdout, /^membw: results valid$/m);
  });
});
