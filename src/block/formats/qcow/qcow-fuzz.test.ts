/**
 * Replayable fuzzing of the qcow parser and driver: seeded byte mutations of a real image's
 * metadata must give a BlockError or correct-length reads, never another exception or a hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockError } from '../../driver.js';
import { openImage } from '../../open.js';
import { qcowFormat } from './index.js';

test('mutated qcow images fail cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-qfuzz-'));
  const good = join(dir, 'good.qcow');
  await qcowFormat.create(good, { size: 1 << 20 });
  const img = await openImage(good, { readOnly: false });
  await img.driver.write(0, Buffer.alloc(8192, 0x41));
  await img.driver.writeCompressed!(65536, Buffer.alloc(4096, 0x42));
  await img.driver.write(500000, Buffer.alloc(3000, 0x43));
  await img.driver.close();
  const original = readFileSync(good);
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const bad = join(dir, 'bad.qcow');
  let rejected = 0;
  for (let iter = 0; iter < 300; iter++) {
    const bytes = Buffer.from(original);
    const flips = 1 + rand(4);
    for (let i = 0; i < flips; i++) {
      // Mostly the header and L1, sometimes the L2 tables and compressed data further on.
      const at = rand(4) === 0 ? rand(bytes.length) : rand(64);
      bytes[at] = rand(256);
    }
    writeFileSync(bad, bytes);
    try {
      const opened = await openImage(bad, { readOnly: true, format: 'qcow' });
      try {
        const size = (await opened.driver.getInfo()).virtualSize;
        const len = Math.min(size, 1 << 20);
        for (let pos = 0; pos < len; ) {
          const st = await opened.driver.blockStatus(pos, len - pos);
          assert.ok(st.length > 0 && st.offset === pos);
          pos += st.length;
        }
        const buf = Buffer.alloc(Math.min(len, 128 << 10));
        await opened.driver.read(0, buf);
      } finally {
        await opened.driver.close();
      }
    } catch (err) {
      if (!(err instanceof BlockError)) throw new Error(`iteration ${iter}: not a BlockError: ${String(err)}`, { cause: err });
      rejected++;
    }
  }
  assert.ok(rejected > 0, 'some mutations must be rejected');
  rmSync(dir, { recursive: true, force: true });
});
