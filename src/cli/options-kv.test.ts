import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBool, parseKeyValues, parseUint, splitQemuList } from './options-kv.js';

test(',, is a literal comma, single commas separate', () => {
  assert.deepEqual(splitQemuList('a,,b,c'), ['a,b', 'c']);
  assert.deepEqual(splitQemuList('path=/x,,,,y,server'), ['path=/x,,y', 'server']);
});

test('implied key, flags, noKEY and last-wins', () => {
  const kv = parseKeyValues('/tmp/s,,1.sock,server,nowait,path=/tmp/t', 'loc', 'path', ['path', 'server', 'wait']);
  assert.equal(kv.get('path'), '/tmp/t');
  assert.equal(kv.get('server'), 'on');
  assert.equal(kv.get('wait'), 'off');
  assert.equal(parseKeyValues('256,', 'loc', 'size', ['size']).get('size'), '256');
});

test('unknown keys are named in QEMU words', () => {
  assert.throws(() => parseKeyValues('foo=1', '-m foo=1', 'size', ['size']), { message: "-m foo=1: Invalid parameter 'foo'" });
  assert.throws(() => parseKeyValues('a,b', '-x a,b', undefined, ['a']), { message: "-x a,b: Invalid parameter 'b'" });
});

test('booleans and integers', () => {
  assert.equal(parseBool('yes', 'k', 'l'), true);
  assert.equal(parseBool('off', 'k', 'l'), false);
  assert.throws(() => parseBool('maybe', 'server', '-serial x'), { message: "-serial x: Parameter 'server' expects 'on' or 'off'" });
  assert.equal(parseUint('0xf4'), 0xf4);
  assert.equal(parseUint('010'), 8);
  assert.equal(parseUint('12'), 12);
  assert.equal(parseUint('12x'), undefined);
});
