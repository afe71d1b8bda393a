import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanSize, parseSize } from './size.js';

test('sizes use binary suffixes and plain bytes', () => {
  assert.equal(parseSize('6G'), 6 * 2 ** 30);
  assert.equal(parseSize('512M'), 512 * 2 ** 20);
  assert.equal(parseSize('1T'), 2 ** 40);
  assert.equal(parseSize('64k'), 65536);
  assert.equal(parseSize('1.5M'), 1572864);
  assert.equal(parseSize('100'), 100);
  assert.equal(parseSize('100b'), 100);
});

test('malformed or unrepresentable sizes are rejected', () => {
  for (const bad of ['12X', '', '-5', 'G', '1.5', '8E', '1GG']) assert.equal(parseSize(bad), undefined, bad);
});

test('human sizes print like qemu size_to_str', () => {
  assert.equal(humanSize(6 * 2 ** 30), '6 GiB');
  assert.equal(humanSize(28672), '28 KiB');
  assert.equal(humanSize(512), '512 B');
  assert.equal(humanSize(0), '0 B');
  assert.equal(humanSize(1000), '0.977 KiB');
  assert.equal(humanSize(1572864), '1.5 MiB');
});
