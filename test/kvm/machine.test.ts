// KVM tests of the machine's plumbing: MMIO dispatch to a device on the MmioBus, and pause,
// resume, reset and quit driven from the main thread while the guest runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { before, describe, it } from 'node:test';
import type { MachineConfig } from '../../src/cli/config.js';
import type { CharBackend } from '../../src/chardev/char-backend.js';
import { VmHost } from '../../src/machine/vm-host.js';
import { REPO_ROOT, kvmUnusableReason } from '../helpers/process.js';
import { GUEST_DIR } from './tkvm-guest.js';

const skip = kvmUnusableReason();

function guestConfig(name: string, append: string, extra: Partial<MachineConfig> = {}): MachineConfig {
  return {
    memoryBytes: 256 * 2 ** 20, cpus: 1, accel: 'kvm', kernel: join(GUEST_DIR, `${name}.elf`), append,
    serial: [{ kind: 'stdio' }], nographic: true, display: 'none', noReboot: false,
    debugExit: { iobase: 0xf4, iosize: 4 }, drives: [], noAcpi: false, ...extra,
  };
}

/** A CharBackend that records output and lets the test type input. */
class TestConsole implements CharBackend {
  text = '';
  private handler: ((d: Uint8Array) => void) | undefined;
  private waiters: Array<{ re: RegExp; from: number; resolve: () => void }> = [];
  write(data: Uint8Array): void {
    this.text += Buffer.from(data).toString('latin1').replace(/\r/g, '');
    this.waiters = this.waiters.filter((w) => {
      if (!w.re.test(this.text.slice(w.from))) return true;
      w.resolve();
      return false;
    });
  }
  onInput(handler: (d: Uint8Array) => void): void {
    this.handler = handler;
  }
  type(s: string): void {
    this.handler?.(Buffer.from(s, 'latin1'));
  }
  /** Resolves when `re` matches output that arrives after position `from`. */
  waitFor(re: RegExp, from = 0): Promise<void> {
    if (re.test(this.text.slice(from))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ re, from, resolve }));
  }
  close(): void {}
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('machine plumbing on KVM', { skip }, () => {
  before(() => {
    const b = spawnSync('bash', ['scripts/build-guests.sh'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stdout + b.stderr);
  });

  it('MMIO accesses of 1, 2, 4 and 8 bytes reach the device mapped on the MMIO bus', async () => {
    const base = 0xd000_0000;
    const config = guestConfig('mmio', `mmio=0x${base.toString(16)}`);
    const w = new Worker(new URL('./mmio-worker.js', import.meta.url), { workerData: { config, base } });
    const result = await new Promise<{ exit: { status: number }; serial: string; accesses: Array<{ offset: number; size: number; write: boolean; value: string }> }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    assert.match(result.serial, /mmio: readback matches/);
    const writes = result.accesses.filter((a) => a.write).map((a) => [a.offset, a.size, a.value]);
    assert.deepEqual(writes, [[0, 1, '5a'], [2, 2, '5aa5'], [4, 4, '78563412'], [8, 8, 'efcdab8967452301']]);
    const reads = result.accesses.filter((a) => !a.write).map((a) => [a.offset, a.size]);
    assert.deepEqual(reads, [[0, 1], [2, 2], [4, 4], [8, 8]]);
    assert.equal(result.exit.status, 1);
  });

  it('pause stops the guest, resume continues it, reset reboots it, quit ends it with status 0', async () => {
    const con = new TestConsole();
    const states: string[] = [];
    let resets = 0;
    const host = new VmHost(guestConfig('echo', ''), [con], { onStateChange: (s) => states.push(s), onReset: () => resets++ });
    const done = host.run();
    await con.waitFor(/echo: ready/);
    host.pause();
    while (host.runState !== 'paused') await sleep(10);
    const mark = con.text.length;
    con.type('abc');
    await sleep(500);
    assert.equal(con.text.length, mark, 'a paused guest must not echo');
    host.resume();
    await con.waitFor(/ABC/, mark);
    const before = con.text.length;
    host.reset();
    await con.waitFor(/echo: ready/, before);
    assert.equal(resets, 1);
    host.quit();
    const exit = await done;
    assert.equal(exit.status, 0);
    assert.deepEqual(states, ['paused', 'running']);
  });
});
