import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeEngines } from './engines.js';
import { piSize, membwSize } from './workloads.js';

test('tkvm-emu runs the i386 build of the workload; the KVM engines the x86_64 build, same arguments', () => {
  const engines = makeEngines({ qemu: 'qemu-system-x86_64' });
  const emu = engines['tkvm-emu'].invocation(piSize(1000));
  assert.deepEqual(emu.argv.slice(0, 2), ['-accel', 'emu']);
  assert.match(emu.argv[emu.argv.indexOf('-kernel') + 1]!, /\/build\/guests32\/pi\.elf$/);
  assert.equal(emu.argv[emu.argv.indexOf('-append') + 1], 'digits=1000');
  for (const id of ['tkvm', 'qemu-kvm', 'qemu-tcg'] as const) {
    const inv = engines[id].invocation(membwSize(4, 2));
    assert.match(inv.argv[inv.argv.indexOf('-kernel') + 1]!, /\/build\/guests\/membw\.elf$/, id);
    assert.equal(inv.argv[inv.argv.indexOf('-append') + 1], 'mb=4 passes=2', id);
  }
});
