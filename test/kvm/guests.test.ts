// KVM tests: the small test guests under tkvm on /dev/kvm. Each asserts what the guest reports
// over COM1 and the exit status, as guests/README.md documents them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { REPO_ROOT, TKVM, kvmUnusableReason, runProcess } from '../helpers/process.js';
import { debugExitStatus, guestArgs, runTkvmGuest } from './tkvm-guest.js';
import { qemuSkipReason, runGuest } from '../guests/qemu.js';

const skip = kvmUnusableReason();

describe('test guests under tkvm on KVM', { skip }, () => {
  before(() => {
    const b = spawnSync('bash', ['scripts/build-guests.sh'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, `scripts/build-guests.sh failed:\n${b.stdout}${b.stderr}`);
  });

  it('hello prints its greeting and the exact -append command line, exit status 1', async () => {
    const r = await runTkvmGuest('hello', { append: 'console=ttyS0 tkvm-test=1' });
    assert.match(r.serial, /^Hello from a tkvm test guest$/m);
    assert.match(r.serial, /^cmdline: console=ttyS0 tkvm-test=1$/m);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('isa-debug-exit: a write of v exits with (v << 1) | 1', async () => {
    for (const code of [0, 21, 42, 127]) {
      const r = await runTkvmGuest('exitcode', { append: `code=${code}` });
      assert.match(r.serial, new RegExp(`^exitcode: exiting with ${code}$`, 'm'));
      assert.equal(r.status, debugExitStatus(code), r.serial + r.stderr);
    }
  });

  it('the PVH memory map the guest sees is the e820 map tkvm built for 256 MiB', async () => {
    const r = await runTkvmGuest('memmap', { append: 'mem-test x=y' });
    assert.match(r.serial, /^cmdline: mem-test x=y$/m);
    const entries = [...r.serial.matchAll(/^memmap: 0x([0-9a-f]{16}) 0x([0-9a-f]{16}) (\d+)$/gm)].map((m) => [BigInt(`0x${m[1]}`), BigInt(`0x${m[2]}`), Number(m[3])]);
    const { buildE820, QEMU_KVM_RESERVED } = await import('../../src/boot/e820.js');
    const { pcRamRegions } = await import('../../src/memory/layout.js');
    const { DIRECT_BOOT_ACPI_RESERVED } = await import('../../src/acpi/pc-acpi.js');
    // The machine has ACPI (no -no-acpi): its tables in the E-segment are reserved too.
    const reserved = [QEMU_KVM_RESERVED, DIRECT_BOOT_ACPI_RESERVED];
    const expected = buildE820(pcRamRegions(256 * 2 ** 20), { reserved }).map((e) => [BigInt(e.addr), BigInt(e.size), e.type]);
    assert.deepEqual(entries, expected);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('string I/O: REP OUTSB reaches COM1 and REP INSW from an unassigned port reads all-ones', async () => {
    const r = await runTkvmGuest('strio');
    assert.match(r.serial, /^strio: 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS$/m);
    assert.match(r.serial, /^strio: insw 32 words from port 0x2e0: sum 0x1fffe0 xor 0x0 first 0xffff last 0xffff$/m);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('serial input typed on stdio reaches the guest through the UART', async () => {
    const r = await runTkvmGuest('echo', { input: { after: 'echo: ready', data: 'Hello, tkvm 42!q' } });
    assert.match(r.serial, /^HELLO, TKVM 42!$/m);
    assert.match(r.serial, /^echo: bye$/m);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('with -nographic, Ctrl-A x quits tkvm with status 0, as in QEMU', async () => {
    const r = await runTkvmGuest('echo', { input: { after: 'echo: ready', data: '\x01x' } });
    assert.match(r.serial + r.stderr, /tkvm: Terminated/);
    assert.doesNotMatch(r.serial, /echo: bye/);
    assert.equal(r.status, 0, r.serial + r.stderr);
  });

  it('with -nographic, Ctrl-A c opens the human monitor on stdio: info status, then quit ends tkvm with status 0', async () => {
    const steps: Array<[RegExp, string]> = [
      [/echo: ready/, '\x01c'],
      [/\(qemu\) $/, 'info status\n'],
      [/VM status: running[\s\S]*\(qemu\) $/, 'quit\n'],
    ];
    const r = await runProcess(TKVM, guestArgs('echo'), {
      onStdout: (text, child) => {
        const next = steps[0];
        if (next !== undefined && next[0].test(text)) {
          steps.shift();
          child.stdin?.write(next[1]);
        }
      },
    });
    assert.match(r.stdout, /tkvm [0-9.]+ monitor - type 'help' for more information/);
    assert.match(r.stdout, /VM status: running/);
    assert.doesNotMatch(r.stdout, /echo: bye/);
    assert.equal(steps.length, 0, r.stdout + r.stderr);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('-cpu qemu64 presents QEMU\'s qemu64 model: vendor, signature, extended features and brand as QEMU shows them', { skip: qemuSkipReason() }, async () => {
    // CPUID runs in ring 0 in the guest. Leaves 0 and from 0x80000000 are compared: on this
    // nested paravirtual KVM the host overrides parts of leaves 1, 7 and 0xD for every VMM.
    const leaves = (serial: string): string[] => serial.split('\n').filter((l) => /^cpuid (00000000|8000000[0-9a-f])\./.test(l));
    const t = await runTkvmGuest('cpuid', { extraArgs: ['-cpu', 'qemu64'] });
    const q = await runGuest('cpuid', { extraArgs: ['-cpu', 'qemu64'] });
    assert.equal(t.status, debugExitStatus(0), t.serial + t.stderr);
    assert.equal(q.status, debugExitStatus(0), q.serial + q.stderr);
    assert.ok(leaves(q.serial).length >= 10, q.serial);
    assert.deepEqual(leaves(t.serial), leaves(q.serial));
    assert.match(t.serial, /^cpuid 80000002\.00: 554d4551 /m); // "QEMU"
  });

  it('a guest exception is reported by the guest runtime (ring-0 handler, CR2)', async () => {
    const r = await runTkvmGuest('fault');
    assert.match(r.serial, /^fault: ring0 call returned 1001$/m);
    assert.match(r.serial, /^EXCEPTION: vector 14 #PF error 0x4 .*cr2 0x100000000$/m);
    assert.equal(r.status, debugExitStatus(0x3f), r.serial + r.stderr);
  });

  it('a triple fault with -no-reboot ends tkvm with status 0', async () => {
    const r = await runTkvmGuest('triplefault');
    assert.match(r.serial, /^triplefault: loading an empty IDT and faulting$/m);
    assert.doesNotMatch(r.serial, /survived|EXCEPTION/);
    assert.equal(r.status, 0, r.serial + r.stderr);
  });

  it('a keyboard-controller reset reboots the guest; CMOS NVRAM survives the reset', async () => {
    const r = await runTkvmGuest('reset', { reboot: true });
    const boots = [...r.serial.matchAll(/^reset: boot (\d+)$/gm)].map((m) => m[1]);
    assert.deepEqual(boots, ['1', '2']);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('a reset with -no-reboot ends tkvm with status 0 after the first boot', async () => {
    const r = await runTkvmGuest('reset');
    assert.match(r.serial, /^reset: boot 1$/m);
    assert.doesNotMatch(r.serial, /boot 2/);
    assert.equal(r.status, 0, r.serial + r.stderr);
  });
});

describe('interrupts, timers and SMP under tkvm', { skip }, () => {
  it('the in-kernel PIT delivers 100 timer interrupts through the PIC', async () => {
    const r = await runTkvmGuest('pit');
    assert.match(r.serial, /^pit: 100 ticks$/m);
    const ms = Number(/elapsed \d+ TSC cycles, (\d+) ms/.exec(r.serial)?.[1]);
    assert.ok(ms >= 90 && ms <= 1000, `100 ticks at 1 kHz took ${ms} ms by the TSC`);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  for (const cpus of [2, 4]) {
    it(`-smp ${cpus} brings up ${cpus} vCPUs with distinct APIC IDs`, async () => {
      const r = await runTkvmGuest('smp', { append: `cpus=${cpus}`, extraArgs: ['-smp', String(cpus)] });
      const ids = [...r.serial.matchAll(/^cpu (\d+) online$/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
      assert.deepEqual(ids, [...Array(cpus).keys()]);
      assert.match(r.serial, new RegExp(`^smp: ${cpus} cpus$`, 'm'));
      assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
    });
  }
});
