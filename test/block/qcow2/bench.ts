/**
 * Small qcow2 driver benchmark (not a test): sequential 1 MiB writes/reads and random 4 KiB
 * writes/reads on a fresh 64 MiB image, printed as MiB/s and IOPS. Run after building:
 *   node dist/test/block/qcow2/bench.js [dir]
 */
import { join } from 'node:path';
import { Qcow2Driver, qcow2Format } from '../../../src/block/formats/qcow2/index.js';
import { prng, randInt, tempDir } from './helpers.js';

async function main(): Promise<void> {
  const { dir, cleanup } = tempDir('bench');
  try {
    const size = 64 << 20;
    const path = join(dir, 'b.qcow2');
    await qcow2Format.create(path, { size });
    const d = await Qcow2Driver.open(path, { readOnly: false });
    const mib = new Uint8Array(1 << 20).fill(0x5a);
    let t = performance.now();
    for (let p = 0; p < size; p += mib.length) await d.write(p, mib);
    await d.flush();
    const seqW = (size / (1 << 20)) / ((performance.now() - t) / 1000);
    t = performance.now();
    for (let p = 0; p < size; p += mib.length) await d.read(p, mib);
    const seqR = (size / (1 << 20)) / ((performance.now() - t) / 1000);
    await d.close();
    const path2 = join(dir, 'r.qcow2');
    await qcow2Format.create(path2, { size });
    const e = await Qcow2Driver.open(path2, { readOnly: false });
    const rnd = prng(1);
    const blk = new Uint8Array(4096).fill(1);
    const n = 4000;
    t = performance.now();
    for (let i = 0; i < n; i++) await e.write(randInt(rnd, size / 4096) * 4096, blk);
    await e.flush();
    const rw = n / ((performance.now() - t) / 1000);
    t = performance.now();
    for (let i = 0; i < n; i++) await e.read(randInt(rnd, size / 4096) * 4096, blk);
    const rr = n / ((performance.now() - t) / 1000);
    await e.close();
    console.log(`seq write 1M: ${seqW.toFixed(0)} MiB/s, seq read 1M: ${seqR.toFixed(0)} MiB/s, rand write 4k (allocating): ${rw.toFixed(0)} IOPS, rand read 4k: ${rr.toFixed(0)} IOPS`);
  } finally {
    cleanup();
  }
}
await main();
