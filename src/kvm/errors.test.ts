import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kvm } from './kvm.js';
import { KvmUnavailableError, kvmOpenError } from './errors.js';
import { EACCES, ENOENT, ENXIO } from './libc.js';

test('a missing KVM device is one clear sentence saying what to do', () => {
  assert.throws(() => Kvm.open('/nonexistent/kvm'), (err: unknown) => {
    assert.ok(err instanceof KvmUnavailableError);
    assert.match(err.message, /^\/nonexistent\/kvm does not exist: the kvm module is not loaded or this CPU has no virtualization support/);
    assert.match(err.message, /-accel emu/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
});

test('permission and driver problems say how to fix them', () => {
  assert.match(kvmOpenError('/dev/kvm', EACCES).message, /add your user to the 'kvm' group/);
  assert.match(kvmOpenError('/dev/kvm', ENXIO).message, /load kvm_intel or kvm_amd/);
  assert.equal(kvmOpenError('/dev/kvm', ENOENT).kind, 'kvm-unavailable');
});
