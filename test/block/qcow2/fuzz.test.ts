/**
 * Fuzz: random byte corruption of the metadata of small valid images (header, extensions, L1,
 * L2, refcount table and blocks, snapshot table, compressed data). Opening, reading everything,
 * listing snapshots, checking, and writing must either work or fail with a BlockError — never
 * another exception type. Seeded, so a failure replays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlockError } from '../../../src/block/driver.js';
import { Qcow2Driver } from '../../../src/block/formats/qcow2/index.js';
import { prng, qemuImg, qemuIo, randInt, tempDir } from './helpers.js';

async function exercise(path: string, write: boolean): Promise<void> {
  const d = await Qcow2Driver.open(path, { readOnly: !write });
  try {
    const size = Math.min((await d.getInfo()).virtualSize, 4 << 20);
    const buf = new Uint8Array(65536);
    for (let p = 0; p < size; p += buf.length) await d.read(p, buf.subarray(0, Math.min(buf.length, size - p))).catch(rethrowUnlessBlock);
    await d.listSnapshots().catch(rethrowUnlessBlock);
    await d.check('none').catch(rethrowUnlessBlock);
    if (write && size > 0) {
      await d.write(0, new Uint8Array(Math.min(size, 70000)).fill(1)).catch(rethrowUnlessBlock);
      await d.writeZeroes(0, Math.min(size, 65536)).catch(rethrowUnlessBlock);
      await d.check('all').catch(rethrowUnlessBlock);
    }
  } finally {
    await d.close().catch(rethrowUnlessBlock);
  }
}

function rethrowUnlessBlock(e: unknown): void {
  if (!(e instanceof BlockError)) throw e;
}

test('random metadata corruption yields only BlockErrors', async () => {
  const { dir, cleanup } = tempDir('fuzz');
  try {
    const raw = join(dir, 's.raw');
    assert.equal(qemuImg('create', '-f', 'raw', raw, '2M').status, 0);
    qemuIo(raw, 'raw', 'write -P 0x41 0 300k', 'write -P 0x42 1M 100k');
    const seeds: Buffer[] = [];
    for (const opts of [['-c'], ['-o', 'cluster_size=4k,refcount_bits=4'], ['-o', 'extended_l2=on']]) {
      const p = join(dir, `seed${seeds.length}.qcow2`);
      assert.equal(qemuImg('convert', '-O', 'qcow2', ...opts, raw, p).status, 0);
      if (seeds.length === 0) assert.equal(qemuImg('snapshot', '-c', 'snap', p).status, 0);
      seeds.push(readFileSync(p));
    }
    // QCOW2_FUZZ=<iterations>,<seed> runs a longer campaign by hand; the default stays fast.
    const [iters, seed] = (process.env.QCOW2_FUZZ ?? '300,42').split(',').map(Number);
    const rnd = prng(seed ?? 42);
    for (let i = 0; i < (iters ?? 300); i++) {
      const src = seeds[i % seeds.length] as Buffer;
      const b = Buffer.from(src);
      const flips = 1 + randInt(rnd, 6);
      for (let f = 0; f < flips; f++) {
        // Bias towards metadata: the first clusters and table entries.
        const region = randInt(rnd, 3) === 0 ? b.length : Math.min(b.length, randInt(rnd, 2) ? 512 : 0x50000);
        const at = randInt(rnd, region);
        b[at] = randInt(rnd, 2) ? randInt(rnd, 256) : (b[at] ?? 0) ^ (1 << randInt(rnd, 8));
      }
      const p = join(dir, `f${i}.qcow2`);
      writeFileSync(p, b);
      try {
        await exercise(p, i % 2 === 1);
      } catch (e) {
        if (!(e instanceof BlockError)) assert.fail(`iteration ${i}: ${e instanceof Error ? e.stack : String(e)}`);
      }
    }
  } finally {
    cleanup();
  }
});
