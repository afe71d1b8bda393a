import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootError } from './boot-error.js';
import { newcArchive, NEWC_HEADER_SIZE } from './cpio.js';

interface Parsed { name: string; mode: number; nlink: number; data: Uint8Array; rdev: [number, number] }

/** Reads a newc archive as Linux's init/initramfs.c does: headers, 4-byte alignment, trailer. */
function parse(a: Uint8Array): Parsed[] {
  const dec = new TextDecoder();
  const out: Parsed[] = [];
  let at = 0;
  for (;;) {
    assert.equal(at % 4, 0);
    assert.equal(dec.decode(a.subarray(at, at + 6)), '070701');
    const f = (i: number): number => parseInt(dec.decode(a.subarray(at + 6 + i * 8, at + 14 + i * 8)), 16);
    const namesize = f(11);
    const size = f(6);
    const name = dec.decode(a.subarray(at + NEWC_HEADER_SIZE, at + NEWC_HEADER_SIZE + namesize - 1));
    assert.equal(a[at + NEWC_HEADER_SIZE + namesize - 1], 0, 'name NUL-terminated');
    const dataAt = Math.ceil((at + NEWC_HEADER_SIZE + namesize) / 4) * 4;
    if (name === 'TRAILER!!!') { assert.equal(a.length, dataAt); return out; }
    out.push({ name, mode: f(1), nlink: f(4), data: a.subarray(dataAt, dataAt + size), rdev: [f(9), f(10)] });
    at = Math.ceil((dataAt + size) / 4) * 4;
  }
}

test('newc archive: headers, padding, file data, symlink, device node, trailer', () => {
  const data = Uint8Array.from([1, 2, 3, 4, 5]);
  const got = parse(newcArchive([
    { type: 'dir', path: 'bin' },
    { type: 'file', path: 'bin/x', data, mode: 0o755 },
    { type: 'symlink', path: 'bin/y', target: 'x' },
    { type: 'char', path: 'console', major: 5, minor: 1 },
  ]));
  assert.deepEqual(got.map((e) => [e.name, e.mode.toString(8), e.nlink]), [
    ['bin', '40755', 2], ['bin/x', '100755', 1], ['bin/y', '120777', 1], ['console', '20600', 1],
  ]);
  assert.deepEqual(got[1]!.data, data);
  assert.equal(new TextDecoder().decode(got[2]!.data), 'x');
  assert.deepEqual(got[3]!.rdev, [5, 1]);
});

test('absolute or escaping paths are refused', () => {
  assert.throws(() => newcArchive([{ type: 'dir', path: '/etc' }]), BootError);
  assert.throws(() => newcArchive([{ type: 'dir', path: 'a/../../etc' }]), BootError);
});
