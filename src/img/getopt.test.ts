import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getopt } from './getopt.js';
import { ImgUsageError } from './errors.js';

test('options may follow positional arguments (GNU permutation)', () => {
  const r = getopt(['hda.img', '-f', 'qcow', '6G'], ':F:b:f:ho:qu');
  assert.deepEqual(r.positional, ['hda.img', '6G']);
  assert.deepEqual(r.options, [{ name: 'f', value: 'qcow' }]);
});

test('clustered short options, attached values, long options with = and abbreviations', () => {
  const r = getopt(['-qfraw', '--out=json', '--backing-chain', 'x'], ':f:q', [
    { name: 'output', hasArg: true }, { name: 'backing-chain', hasArg: false },
  ]);
  assert.deepEqual(r.options.map((o) => [o.name, o.value]), [['q', undefined], ['f', 'raw'], ['output', 'json'], ['backing-chain', undefined]]);
  assert.deepEqual(r.positional, ['x']);
});

test('"--" ends options', () => {
  assert.deepEqual(getopt(['-q', '--', '-x'], 'q').positional, ['-x']);
});

test('unknown and incomplete options throw qemu-img messages', () => {
  assert.throws(() => getopt(['-z'], 'q'), (e: unknown) => e instanceof ImgUsageError && e.message === "unrecognized option '-z'");
  assert.throws(() => getopt(['-f'], 'f:'), /missing argument for option '-f'/);
  assert.throws(() => getopt(['--output'], '', [{ name: 'output', hasArg: true }]), /missing argument for option '--output'/);
});
