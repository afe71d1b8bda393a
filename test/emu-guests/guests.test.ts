// Every test guest gives the same output under -accel emu (its i386 build: tkvm's software CPU
// runs IA-32 only) as under -accel kvm (its x86_64 build), and as its i386 build under QEMU's
// IA-32 emulation (qemu-system-i386 -accel tcg), apart from what guest-cases masks with its reason
// (addresses, timings, the CPU model). The emu side also checks the lines guests/README.md
// documents, so it proves something where /dev/kvm is unusable.
// (The i386 build is not run under KVM: on this project's nested kvm_pvm hosts its VM shuts down
// before the guest prints anything, under tkvm and QEMU alike; the paravirtual host runs 64-bit
// guests.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { REPO_ROOT, TKVM, kvmUnusableReason, which } from '../helpers/process.js';
import { spawnGuest, type GuestRun } from '../guests/qemu.js';
import { GUEST_CASES, caseArgs, caseTitle, normalise, qemuI386Args, withoutFirmware, type GuestCase } from './guest-cases.test-util.js';

/** The emu run of each guest, once, shared by both groups of tests. */
const emuRuns = new Map<string, Promise<GuestRun>>();
function emuRun(c: GuestCase): Promise<GuestRun> {
  let r = emuRuns.get(caseTitle(c));
  if (r === undefined) {
    r = spawnGuest(TKVM, caseArgs(c, 'i386', 'emu'), c.input);
    emuRuns.set(caseTitle(c), r);
  }
  return r;
}

/** Why the emu run of a guest cannot happen yet (a limit tkvm states on stderr), or undefined. */
function emuLimit(r: GuestRun): string | undefined {
  const m = /software CPU runs one processor so far[^\n]*/.exec(r.stderr);
  return m === null ? undefined : `tkvm -accel emu: ${m[0]}`;
}

before(() => {
  const b = spawnSync('bash', ['scripts/build-guests.sh'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, `scripts/build-guests.sh failed:\n${b.stdout}${b.stderr}`);
});

describe('the i386 test guests under -accel emu print what guests/README.md documents', () => {
  for (const c of GUEST_CASES) {
    it(caseTitle(c), async (t) => {
      const r = await emuRun(c);
      const limit = emuLimit(r);
      if (limit !== undefined) return t.skip(limit);
      for (const re of c.expect) assert.match(r.serial, re, r.serial + r.stderr);
      assert.equal(r.status, c.status, r.serial + r.stderr);
    });
  }
});

describe('each guest: i386 build under -accel emu and x86_64 build under -accel kvm give the same output', { skip: kvmUnusableReason() }, () => {
  for (const c of GUEST_CASES) {
    it(caseTitle(c), async (t) => {
      const [emu, kvm] = await Promise.all([emuRun(c), spawnGuest(TKVM, caseArgs(c, 'x86_64', 'kvm'), c.input)]);
      const limit = emuLimit(emu);
      if (limit !== undefined) return t.skip(limit);
      assert.equal(normalise(c, emu.serial), normalise(c, kvm.serial), `emu:\n${emu.serial}${emu.stderr}\nkvm:\n${kvm.serial}${kvm.stderr}`);
      assert.equal(emu.status, kvm.status, `emu:\n${emu.stderr}\nkvm:\n${kvm.stderr}`);
    });
  }
});

describe('each guest: i386 build under -accel emu and under qemu-system-i386 -accel tcg give the same output',
  { skip: which('qemu-system-i386') === undefined ? 'qemu-system-i386 is not installed (Debian: qemu-system-x86)' : undefined }, () => {
  for (const c of GUEST_CASES) {
    it(caseTitle(c), async (t) => {
      const [emu, qemu] = await Promise.all([emuRun(c), spawnGuest('qemu-system-i386', qemuI386Args(c), c.input)]);
      const limit = emuLimit(emu);
      if (limit !== undefined) return t.skip(limit);
      assert.equal(normalise(c, emu.serial, true), normalise(c, withoutFirmware(qemu.serial), true), `emu:\n${emu.serial}${emu.stderr}\nqemu:\n${qemu.serial}${qemu.stderr}`);
      assert.equal(emu.status, qemu.status, `emu:\n${emu.stderr}\nqemu:\n${qemu.stderr}`);
    });
  }
});

describe('a 64-bit-only kernel under -accel emu', () => {
  it('is refused at load with one line saying to use -accel kvm or a 32-bit build', async () => {
    const r = await spawnGuest(TKVM, caseArgs(GUEST_CASES[0]!, 'x86_64', 'emu'));
    assert.equal(r.serial, '');
    assert.match(r.stderr, /^tkvm: -kernel \S+\/build\/guests\/hello\.elf is a 64-bit \(x86-64\) ELF kernel, which needs long mode, and tkvm's software CPU \(-accel emu\) runs IA-32 code only: use -accel kvm, or a 32-bit \(i386\) build of the kernel\n$/);
    assert.equal(r.status, 1);
  });
});
