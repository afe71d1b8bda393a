import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSize, parseQemuSize } from './size.js';

const M = 1n << 20n;

test('sizes read as qemu-system-x86_64 -m reads them (values checked with QEMU 7.2)', () => {
  const cases: Array<[string, bigint]> = [
    ['256', 256n * M],
    ['256M', 256n * M],
    ['256m', 256n * M],
    ['2G', 2n << 30n],
    ['2g', 2n << 30n],
    ['1T', 1n << 40n],
    ['256K', 256n << 10n],
    ['1.5G', 1536n * M],
    ['0.5G', 512n * M],
    ['1.M', M],
    ['1.0000001M', M], // fractional bytes truncated
    ['010', 10n * M], // leading zeros stay decimal
    ['0x10', 16n * M], // hex takes the default unit too (QEMU warns)
    [' 256', 256n * M],
    ['+256', 256n * M],
    ['100b', 100n],
  ];
  for (const [text, bytes] of cases) assert.equal(parseQemuSize(text, 'm'), bytes, text);
});

test('sizes QEMU rejects are rejected', () => {
  for (const text of ['0x', '', '-1', '1.5', '1.5b', '0x1.8G', '.5G', '256MB', '256 ', '1e3', 'abc', '16E', '99999999999999999999b']) {
    assert.equal(parseQemuSize(text, 'm'), undefined, text);
  }
});

test('formatSize picks the largest exact unit', () => {
  assert.equal(formatSize(256 * 1024 * 1024), '256M');
  assert.equal(formatSize(2n ** 41n), '2T');
  assert.equal(formatSize(8193), '8193');
});
