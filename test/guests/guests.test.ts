// The test guests under the reference QEMU: each prints known lines on COM1 and leaves through
// isa-debug-exit with a documented code (guests/README.md).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildGuests, debugExitStatus, qemuSkipReason, runGuest } from './qemu.js';

const skip = qemuSkipReason();

describe('test guests under QEMU + KVM', { skip }, () => {
  before(() => {
    const b = buildGuests();
    assert.equal(b.status, 0, `scripts/build-guests.sh failed:\n${b.output}`);
  });

  it('hello prints the greeting and its command line', async () => {
    const r = await runGuest('hello', { append: 'console=ttyS0 tkvm-test=1' });
    assert.match(r.serial, /^Hello from a tkvm test guest$/m);
    assert.match(r.serial, /^cmdline: console=ttyS0 tkvm-test=1$/m);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('exitcode leaves with the code from code=N', async () => {
    const r = await runGuest('exitcode', { append: 'code=42' });
    assert.match(r.serial, /^exitcode: exiting with 42$/m);
    assert.equal(r.status, 85, r.serial + r.stderr);
  });

  it('memmap prints the command line and the e820-style map of 256 MiB', async () => {
    const r = await runGuest('memmap', { append: 'mem-test x=y' });
    assert.match(r.serial, /^cmdline: mem-test x=y$/m);
    const entries = [...r.serial.matchAll(/^memmap: 0x([0-9a-f]{16}) 0x([0-9a-f]{16}) (\d+)$/gm)]
      .map((m) => ({ addr: BigInt(`0x${m[1]}`), size: BigInt(`0x${m[2]}`), type: Number(m[3]) }));
    const ram = entries.filter((e) => e.type === 1).reduce((s, e) => s + e.size, 0n);
    assert.ok(entries.some((e) => e.type === 1 && e.addr === 0x100000n), 'RAM at 1 MiB');
    assert.ok(ram > 250n << 20n && ram <= 256n << 20n, `RAM total ${ram}`);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('fault reaches ring 0 through rt_ring0_call, then reports a #PF with CR2', async () => {
    const r = await runGuest('fault');
    assert.match(r.serial, /^fault: ring0 call returned 1001$/m);
    assert.match(r.serial, /^EXCEPTION: vector 14 #PF error 0x4 rip 0x[0-9a-f]+ cs 0x23 .*cr2 0x100000000$/m);
    assert.equal(r.status, debugExitStatus(0x3f), r.serial + r.stderr);
  });

  it('strio writes its line with REP OUTSB and reads 0xffff words from an unassigned port', async () => {
    const r = await runGuest('strio');
    assert.match(r.serial, /^strio: 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS$/m);
    assert.match(r.serial, /^strio: insw 32 words from port 0x2e0: sum 0x1fffe0 xor 0x0 first 0xffff last 0xffff$/m);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('echo uppercases what it reads on COM1 until q', async () => {
    const r = await runGuest('echo', { input: { after: 'echo: ready', data: 'Hello, tkvm 42!q' } });
    assert.match(r.serial, /^HELLO, TKVM 42!$/m);
    assert.match(r.serial, /^echo: bye$/m);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('mmio writes 1/2/4/8-byte values and reads them back (RAM under QEMU)', async () => {
    const r = await runGuest('mmio', { append: 'mmio=0x8000000' });
    assert.match(r.serial, /^mmio: write8 0x5a read 0x5a$/m);
    assert.match(r.serial, /^mmio: write16 0xa55a read 0xa55a$/m);
    assert.match(r.serial, /^mmio: write32 0x12345678 read 0x12345678$/m);
    assert.match(r.serial, /^mmio: write64 0x0123456789abcdef read 0x0123456789abcdef$/m);
    assert.match(r.serial, /^mmio: readback matches$/m);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('triplefault shuts the machine down (QEMU -no-reboot exits 0)', async () => {
    const r = await runGuest('triplefault');
    assert.match(r.serial, /^triplefault: loading an empty IDT and faulting$/m);
    assert.doesNotMatch(r.serial, /survived|EXCEPTION/);
    assert.equal(r.status, 0, r.serial + r.stderr);
  });

  it('reset reboots once through the i8042 and counts boots in CMOS', async () => {
    const r = await runGuest('reset', { reboot: true });
    const boots = [...r.serial.matchAll(/^reset: boot (\d+)$/gm)].map((m) => m[1]);
    assert.deepEqual(boots, ['1', '2']);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('pit counts 100 PIT interrupts at 1 kHz in about 100 ms (TSC calibrated against the PIT)', async () => {
    const r = await runGuest('pit', { append: 'rt.tsc=pit' });
    assert.match(r.serial, /from PIT calibration\)$/m);
    assert.match(r.serial, /^pit: 100 ticks$/m);
    const m = /^pit: elapsed (\d+) TSC cycles, (\d+) ms \(TSC (\d+) kHz from [\w ()x.]+\)$/m.exec(r.serial);
    assert.ok(m, r.serial);
    assert.ok(Number(m[2]) >= 50 && Number(m[2]) <= 1000, `elapsed ${m[2]} ms`);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('smp brings up 3 APs with INIT-SIPI-SIPI under -smp 4', async () => {
    const r = await runGuest('smp', { append: 'cpus=4', extraArgs: ['-smp', '4'] });
    const ids = [...r.serial.matchAll(/^cpu (\d+) online$/gm)].map((m) => Number(m[1])).sort();
    assert.deepEqual(ids, [0, 1, 2, 3]);
    assert.match(r.serial, /^smp: 4 cpus$/m);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('pi guest computes 10000 digits in ring 3 and checks them', async () => {
    const r = await runGuest('pi', { append: 'digits=10000' });
    assert.match(r.serial, /^pi: last digits 5256375678$/m);
    assert.match(r.serial, /^pi: fnv1a64 0xec7b9ca0dd41a929 /m);
    assert.match(r.serial, /^pi: OK$/m);
    assert.match(r.serial, /^pi: 10000 digits in \d+\.\d{3} s$/m);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });

  it('membw guest measures the four STREAM kernels and validates the arrays', async () => {
    const r = await runGuest('membw', { append: 'mb=16 passes=2' });
    for (const k of ['copy', 'scale', 'add', 'triad']) assert.match(r.serial, new RegExp(`^membw: ${k} +[1-9]\\d* MB/s$`, 'm'));
    assert.match(r.serial, /^membw: results valid$/m);
    assert.equal(r.status, debugExitStatus(0), r.serial + r.stderr);
  });
});
