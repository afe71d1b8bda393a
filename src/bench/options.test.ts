import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../cli/options-error.js';
import { DEFAULTS, parseBenchArgs } from './options.js';

describe('tkvm bench options', () => {
  it('defaults to every engine, 3 runs and 200000 digits', () => {
    assert.deepEqual(parseBenchArgs([]), DEFAULTS);
  });

  it('--quick shrinks sizes and reps; explicit options still win', () => {
    const o = parseBenchArgs(['--quick', '--reps=2', '--engines', 'tkvm,qemu-kvm']);
    assert.ok(o !== 'help');
    assert.equal(o.digits, 10000);
    assert.equal(o.reps, 2);
    assert.deepEqual(o.engines, ['tkvm', 'qemu-kvm']);
  });

  it('never gives software engines more work than the others', () => {
    const o = parseBenchArgs(['--digits', '1000', '--mb', '4', '--passes', '1']);
    assert.ok(o !== 'help');
    assert.equal(o.slowDigits, 1000);
    assert.equal(o.slowMb, 4);
    assert.equal(o.slowPasses, 1);
  });

  for (const [argv, msg] of [
    [['--digits', '12x'], /--digits 12x: not a whole number/],
    [['--digits', '5'], /between 10 and 1000000/],
    [['--mb', '65'], /between 1 and 64/],
    [['--reps'], /--reps: missing argument/],
    [['--engines', 'tkvm,vbox'], /unknown engine 'vbox'/],
    [['--frobnicate'], /unknown option --frobnicate/],
  ] as const) {
    it(`rejects ${argv.join(' ')} with one clear line`, () => {
      assert.throws(() => parseBenchArgs(argv), (e: unknown) => e instanceof CliError && msg.test(e.message) && !e.message.includes('\n'));
    });
  }
});
