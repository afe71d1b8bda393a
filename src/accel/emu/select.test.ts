import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccelUnavailableError, kvmDevicePath, kvmUnusableReason, selectAccelerator } from './select.js';

const usable = (): undefined => undefined;
const missing = (): string => '/dev/kvm does not exist: the kvm module is not loaded or this CPU has no virtualization support (load kvm_intel or kvm_amd, enable VT-x/AMD-V in the firmware, or use -accel emu)';

test('no accelerator given: KVM when it works, else the software CPU with a one-line notice saying why', () => {
  assert.deepEqual(selectAccelerator('auto', usable), { accel: 'kvm' });
  const fallback = selectAccelerator('auto', missing);
  assert.equal(fallback.accel, 'emu');
  assert.equal(
    fallback.notice,
    "/dev/kvm does not exist: the kvm module is not loaded or this CPU has no virtualization support (load kvm_intel or kvm_amd, enable VT-x/AMD-V in the firmware); falling back to tkvm's software CPU (-accel emu)",
  );
  assert.doesNotMatch(fallback.notice!, /\n/);
});

test('-accel emu/tcg never looks at KVM; -accel kvm with an unusable KVM is an error saying why', () => {
  assert.deepEqual(selectAccelerator('emu', () => assert.fail('KVM probed')), { accel: 'emu' });
  assert.deepEqual(selectAccelerator('kvm', usable), { accel: 'kvm' });
  assert.throws(() => selectAccelerator('kvm', () => 'no permission to open /dev/kvm: add your user to the \'kvm\' group'), (err: unknown) => {
    assert.ok(err instanceof AccelUnavailableError);
    assert.equal(err.message, "-accel kvm: no permission to open /dev/kvm: add your user to the 'kvm' group");
    return true;
  });
});

test('TKVM_KVM_DEVICE names the KVM device; a missing one is reported as missing', () => {
  assert.equal(kvmDevicePath({}), '/dev/kvm');
  assert.equal(kvmDevicePath({ TKVM_KVM_DEVICE: '' }), '/dev/kvm');
  assert.equal(kvmDevicePath({ TKVM_KVM_DEVICE: '/nonexistent/kvm' }), '/nonexistent/kvm');
  assert.match(kvmUnusableReason('/nonexistent/kvm')!, /^\/nonexistent\/kvm does not exist: /);
});
