import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { RingReader, RingWriter, createRingBuffer } from './byte-ring.js';

test('bytes written on one side are read in order on the other, across wrap-around', () => {
  const sab = createRingBuffer(8);
  const w = new RingWriter(sab);
  const r = new RingReader(sab);
  w.write(Uint8Array.of(1, 2, 3, 4, 5));
  assert.deepEqual([...r.drain()], [1, 2, 3, 4, 5]);
  w.write(Uint8Array.of(6, 7, 8, 9, 10, 11));
  w.writeByte(12);
  assert.deepEqual([...r.drain()], [6, 7, 8, 9, 10, 11, 12]);
  assert.equal(r.drain().length, 0);
});

test('a producer thread writing more than the capacity loses nothing', async () => {
  const sab = createRingBuffer(64);
  const code = `
    const { workerData } = require('node:worker_threads');
    import(workerData.mod).then(({ RingWriter }) => {
      const w = new RingWriter(workerData.sab);
      for (let i = 0; i < 5000; i++) w.writeByte(i & 0xff);
    });`;
  const worker = new Worker(code, { eval: true, workerData: { sab, mod: new URL('./byte-ring.js', import.meta.url).href } });
  const reader = new RingReader(sab);
  const got: number[] = [];
  const done = reader.pump((b) => {
    got.push(...b);
    if (got.length >= 5000) reader.stop();
  });
  await done;
  await worker.terminate();
  assert.equal(got.length, 5000);
  assert.ok(got.every((v, i) => v === (i & 0xff)));
});
