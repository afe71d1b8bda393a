import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockError } from './driver.js';
import { HostFile } from './host-file.js';

function scratch(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-hostfile-'));
  return { path: join(dir, 'f.img'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('size follows our writes, truncates and preallocation; reads past the end are zero (small and large)', async () => {
  const s = scratch();
  try {
    const f = await HostFile.create(s.path);
    assert.equal(f.size, 0);
    await f.write(4096, new Uint8Array(512).fill(1)); // small: synchronous path
    assert.equal(f.size, 4608);
    const big = new Uint8Array(256 << 10).fill(2); // large: thread-pool path
    await f.write(8192, big);
    assert.equal(f.size, 8192 + big.length);
    await f.allocate(f.size, 1 << 20);
    assert.equal(f.size, 8192 + big.length + (1 << 20));
    assert.equal(statSync(s.path).size, f.size);
    await f.truncate(6000);
    assert.equal(f.size, 6000);
    for (const len of [4096, 200 << 10]) {
      const buf = new Uint8Array(len).fill(9);
      await f.read(4096, buf);
      assert.equal(buf[0], 1);
      assert.equal(buf[511], 1);
      assert.equal(buf[512], 0);
      assert.equal(buf[len - 1], 0, `byte past EOF, ${len}-byte read`);
    }
    await f.close();
    const r = await HostFile.open(s.path, true, false);
    assert.equal(r.size, 6000);
    assert.equal(r.readOnly, true);
    await assert.rejects(r.write(0, new Uint8Array(1)), (e: unknown) => e instanceof BlockError && e.kind === 'read-only');
    await r.close();
  } finally {
    s.done();
  }
});

test('reopenWritable turns a reader lock into a writer lock, and refuses while another reader holds the image', async () => {
  const s = scratch();
  try {
    writeFileSync(s.path, Buffer.alloc(8192));
    const a = await HostFile.open(s.path, true, true);
    const other = await HostFile.open(s.path, true, true);
    await assert.rejects(a.reopenWritable(), (e: unknown) => e instanceof BlockError && e.kind === 'locked');
    assert.equal(a.readOnly, true);
    // a still holds its reader lock: a writer is refused.
    await assert.rejects(HostFile.open(s.path, false, true), (e: unknown) => e instanceof BlockError && e.kind === 'locked');
    await other.close();
    await a.reopenWritable();
    assert.equal(a.readOnly, false);
    await a.write(0, new Uint8Array([7]));
    await assert.rejects(HostFile.open(s.path, true, true), /Failed to get shared "write" lock/);
    await a.close();
    const b = await HostFile.open(s.path, false, true);
    const one = new Uint8Array(1);
    await b.read(0, one);
    assert.equal(one[0], 7);
    await b.close();
  } finally {
    s.done();
  }
});

test('zeroRange extends the file over a range past its end that reads as zeroes, and zeroes data inside it', async () => {
  const s = scratch();
  try {
    const f = await HostFile.create(s.path);
    await f.write(0, new Uint8Array(8192).fill(7));
    const supported = f.zeroRange(65536, 65536);
    // Filesystems without FALLOC_FL_ZERO_RANGE (tmpfs, for one) answer false and change nothing.
    if (supported) {
      assert.equal(f.size, 131072);
      assert.equal(statSync(s.path).size, 131072);
      assert.equal(f.zeroRange(0, 4096), true);
      const buf = new Uint8Array(8192);
      await f.read(0, buf);
      assert.deepEqual([buf[0], buf[4095], buf[4096], buf[8191]], [0, 0, 7, 7]);
    } else {
      assert.equal(f.size, 8192);
    }
    await f.close();
  } finally {
    s.done();
  }
});
