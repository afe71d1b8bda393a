import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyClientInWorker as inWorker } from './proxy-worker.test-util.js';
import type { BlockDriver } from '../block/driver.js';
import { BlockProxyServer, createBlockChannel } from './block-proxy.js';

/** A RAM disk whose operations complete later, like real async I/O. */
function ramDisk(size: number): BlockDriver & { bytes: Uint8Array; flushes: number } {
  const bytes = new Uint8Array(size);
  const later = (): Promise<void> => new Promise((r) => setTimeout(r, 1));
  const check = (offset: number, len: number): void => {
    if (offset + len > size) throw new Error(`request past the end of the disk at ${offset}`);
  };
  return {
    bytes,
    flushes: 0,
    async read(offset, buf) {
      await later();
      check(offset, buf.length);
      buf.set(bytes.subarray(offset, offset + buf.length));
    },
    async write(offset, buf) {
      await later();
      check(offset, buf.length);
      bytes.set(buf, offset);
    },
    async flush() {
      this.flushes++;
    },
    async discard() {},
    async writeZeroes(offset, length) {
      bytes.fill(0, offset, offset + length);
    },
    async getInfo() {
      return { format: 'raw', virtualSize: size, actualSize: size, readOnly: false };
    },
    async blockStatus(offset, length) {
      return { offset, length, data: true, zero: false, depth: 0 };
    },
    async close() {},
  };
}


test('synchronous reads and writes from another thread reach the async driver, split over the window', async () => {
  const disk = ramDisk(8 << 20);
  const channel = createBlockChannel(64 * 1024);
  const server = new BlockProxyServer(channel, disk);
  const serving = server.start();
  const reply = await inWorker(channel, `
    const data = new Uint8Array(300000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    client.write(4096 * 3 + 5, data);
    client.flush();
    const back = new Uint8Array(300000);
    client.read(4096 * 3 + 5, back);
    return back.every((b, i) => b === ((i * 7) & 0xff));
  `);
  assert.deepEqual(reply, { ok: true });
  assert.equal(disk.bytes[4096 * 3 + 5 + 1], 7);
  assert.equal(disk.flushes, 1);
  server.stop();
  await serving;
});

test('driver errors reach the client as one message, and no medium is an error', async () => {
  const channel = createBlockChannel(4096);
  const server = new BlockProxyServer(channel, ramDisk(4096));
  const serving = server.start();
  assert.deepEqual(await inWorker(channel, `client.read(4000, new Uint8Array(512)); return 1;`), { error: 'request past the end of the disk at 4000' });
  server.setDriver(undefined);
  assert.deepEqual(await inWorker(channel, `client.read(0, new Uint8Array(512)); return 1;`), { error: 'no medium' });
  server.stop();
  await serving;
  assert.deepEqual(await inWorker(channel, `client.flush(); return 1;`), { error: 'the disk was closed' });
});
