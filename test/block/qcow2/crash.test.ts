/**
 * Crash safety: a child process writes to an image with periodic flushes and is SIGKILLed at a
 * random point, 21 times (some rounds also create and delete internal snapshots). Afterwards qemu-img check finds no corruption (leaks are allowed), our
 * check -r leaks repairs the leaks (qemu-img check is then clean), and every write acknowledged
 * before the last completed flush reads back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CreateOptions } from '../../../src/block/format.js';
import { Qcow2Driver, qcow2Format } from '../../../src/block/formats/qcow2/index.js';
import { steps } from './crash-workload.js';
import { prng, qemuCheck, qemuToRaw, randInt, tempDir } from './helpers.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));

/** Runs the child until it has printed `killAfter` lines, then SIGKILLs it; returns its report. */
function runChild(path: string, seed: number, size: number, cs: number, killAfter: number, snaps: boolean): Promise<{ begun: number; flushed: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, path, String(seed), String(size), String(cs), snaps ? '1' : '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let begun = -1, flushed = 0, lines = 0, buf = '', err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const [k, v] = line.split(' ');
        if (k === 'B') begun = Number(v);
        if (k === 'F') flushed = Number(v);
        if (++lines === killAfter) child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited (${code}) before it was killed: ${err}`));
      else resolve({ begun, flushed });
    });
  });
}

async function crashRounds(name: string, opts: CreateOptions, cs: number, rounds: number, seed0: number, snaps = false): Promise<void> {
  const { dir, cleanup } = tempDir('crash');
  const rnd = prng(seed0);
  let staleRounds = 0;
  let grownRounds = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const path = join(dir, `r${round}.qcow2`);
      await qcow2Format.create(path, opts);
      const seed = seed0 * 1000 + round;
      const { begun, flushed } = await runChild(path, seed, opts.size, cs, 20 + randInt(rnd, 600), snaps);
      const where = `${name} round ${round} (seed ${seed}, begun ${begun}, flushed ${flushed})`;
      if (opts.lazyRefcounts) {
        // Refcounts on disk are stale (lazy); a read-write open sees the dirty bit and rebuilds them.
        const before = qemuCheck(path);
        if (before.status !== 0) staleRounds++;
        const d = await Qcow2Driver.open(path, { readOnly: false });
        await d.close();
      }
      if (readFileSync(path).readBigUInt64BE(48) !== BigInt(opts.clusterSize ?? 65536)) grownRounds++;
      const c1 = qemuCheck(path);
      assert.ok(c1.status === 0 || c1.status === 3, `${where}: qemu-img check ${c1.status} ${JSON.stringify(c1.json)}`);
      assert.equal(c1.json.corruptions ?? 0, 0, where);
      if (c1.status === 3) {
        const d = await Qcow2Driver.open(path, { readOnly: false });
        const rep = await d.check('leaks');
        await d.close();
        assert.equal(rep.leaks, 0, `${where}: leaks left after repair`);
        assert.ok(rep.leaksFixed > 0, where);
        const c2 = qemuCheck(path);
        assert.equal(c2.status, 0, `${where}: after repair ${JSON.stringify(c2.json)}`);
      }
      // Replay: bytes last written by a step < flushed and untouched by steps in [flushed, begun] are certain.
      const expect = new Uint8Array(opts.size);
      const uncertain = new Uint8Array(opts.size);
      let i = 0;
      for (const s of steps(seed, opts.size, cs, snaps)) {
        if (i > begun) break;
        if (s.kind === 'write' || s.kind === 'zero') {
          const off = s.off;
          const len = s.kind === 'write' ? s.data.length : s.len;
          if (i < flushed) {
            if (s.kind === 'write') expect.set(s.data, off);
            else expect.fill(0, off, off + len);
          } else uncertain.fill(1, off, off + len);
        }
        i++;
      }
      const got = qemuToRaw(path, dir);
      for (let b = 0; b < opts.size; b++) {
        if (!uncertain[b] && got[b] !== expect[b]) assert.fail(`${where}: byte ${b} is ${got[b]}, expected ${expect[b]}`);
      }
    }
    // With lazy refcounts the killed writer must really have left stale refcounts behind.
    if (opts.lazyRefcounts) assert.ok(staleRounds > 0, 'no round left stale refcounts; the rebuild path was not exercised');
    if (name === 'grow') assert.ok(grownRounds > 0, 'the refcount table never moved; growth was not exercised');
  } finally {
    cleanup();
  }
}

test('SIGKILL during writes never corrupts the image; flushed writes survive (64 KiB clusters)', () =>
  crashRounds('default', { size: 16 << 20 }, 65536, 7, 11));
test('SIGKILL during writes, 4 KiB clusters, refcount table growth, lazy refcounts', () =>
  crashRounds('lazy-4k', { size: 8 << 20, clusterSize: 4096, lazyRefcounts: true }, 4096, 5, 12));
test('SIGKILL during writes with 512 B clusters and 64-bit refcounts (refcount table growth)', () =>
  crashRounds('grow', { size: 3 << 20, clusterSize: 512, refcountBits: 64 }, 512, 5, 14));
test('SIGKILL during writes mixed with snapshot create/delete: leaks at most, never corruption', () =>
  crashRounds('snapshots', { size: 8 << 20 }, 65536, 4, 13, true));
