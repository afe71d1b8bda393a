import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostFile } from '../../host-file.js';
import { TableCache } from './cache.js';

/** A cache of 8 one-byte tables that never reads (put/peek only). */
function smallCache(): TableCache {
  return new TableCache(undefined as unknown as HostFile, 1, 8);
}

test('TableCache evicts the least recently used clean table; peek counts as a use', () => {
  const c = smallCache();
  for (let off = 0; off < 8; off++) c.put(off, new Uint8Array([off]), false);
  // Touch 0 (the oldest) twice in a row: the second peek takes the already-newest shortcut.
  assert.equal(c.peek(0)?.[0], 0);
  assert.equal(c.peek(0)?.[0], 0);
  c.put(8, new Uint8Array([8]), false);
  assert.equal(c.has(0), true, 'peeked table survives');
  assert.equal(c.has(1), false, 'oldest untouched table is evicted');
  // Peek 2, then 8 becomes older than 2: the next insertions evict 3, 4, ... before 2.
  assert.equal(c.peek(2)?.[0], 2);
  c.put(9, new Uint8Array([9]), false);
  assert.equal(c.has(3), false);
  assert.equal(c.has(2), true);
});

test('TableCache: a dropped newest table is not resurrected by peek', () => {
  const c = smallCache();
  c.put(5, new Uint8Array([5]), false);
  assert.equal(c.peek(5)?.[0], 5);
  c.drop(5);
  assert.equal(c.peek(5), undefined);
  c.put(5, new Uint8Array([6]), false);
  assert.equal(c.peek(5)?.[0], 6);
});

test('TableCache never evicts dirty tables', () => {
  const c = smallCache();
  for (let off = 0; off < 8; off++) c.put(off, new Uint8Array([off]), off === 0);
  for (let off = 8; off < 16; off++) c.put(off, new Uint8Array([off]), false);
  assert.equal(c.has(0), true);
  assert.equal(c.dirtyCount(), 1);
});
