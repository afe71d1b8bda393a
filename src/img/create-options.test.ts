import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formattingLine, parseCreateOptions } from './create-options.js';
import { parseOptionString } from './common.js';

const line = (fmt: string, o: string, size: number): string =>
  formattingLine('x.img', fmt, parseCreateOptions(fmt, parseOptionString(o), size).printed);

// Expected strings are what qemu-img 7.2.22 printed for the same options.
test('Formatting lines match qemu-img 7.2', () => {
  assert.equal(line('qcow2', '', 1048576),
    "Formatting 'x.img', fmt=qcow2 cluster_size=65536 extended_l2=off compression_type=zlib size=1048576 lazy_refcounts=off refcount_bits=16\n");
  assert.equal(line('qcow2', 'preallocation=falloc,lazy_refcounts=on', 1048576),
    "Formatting 'x.img', fmt=qcow2 cluster_size=65536 extended_l2=off preallocation=falloc compression_type=zlib size=1048576 lazy_refcounts=on refcount_bits=16\n");
  assert.equal(line('qcow2', 'backing_file=r.raw,backing_fmt=raw', 2097152),
    "Formatting 'x.img', fmt=qcow2 cluster_size=65536 extended_l2=off compression_type=zlib size=2097152 backing_file=r.raw backing_fmt=raw lazy_refcounts=off refcount_bits=16\n");
  assert.equal(line('qcow2', 'compat=0.10', 1048576),
    "Formatting 'x.img', fmt=qcow2 cluster_size=65536 extended_l2=off compression_type=zlib size=1048576 compat=0.10 lazy_refcounts=off refcount_bits=16\n");
  assert.equal(line('qcow', 'backing_file=r.raw,backing_fmt=raw', 1048576),
    "Formatting 'x.img', fmt=qcow size=1048576 backing_file=r.raw backing_fmt=raw\n");
  assert.equal(line('raw', 'preallocation=full', 1048576), "Formatting 'x.img', fmt=raw size=1048576 preallocation=full\n");
});

test('typed option errors come before the Formatting line, with qemu\'s words', () => {
  assert.throws(() => parseCreateOptions('qcow2', parseOptionString('lazy_refcounts=maybe'), 1), /Parameter 'lazy_refcounts' expects 'on' or 'off'/);
  assert.throws(() => parseCreateOptions('qcow2', parseOptionString('refcount_bits=x'), 1), /Parameter 'refcount_bits' expects a number/);
  assert.throws(() => parseCreateOptions('raw', parseOptionString('cluster_size=64k'), 1), /Invalid parameter 'cluster_size'/);
  const p = parseCreateOptions('qcow2', parseOptionString('cluster_size=4k,refcount_bits=8,compat=1.1'), 65536);
  assert.deepEqual([p.options.clusterSize, p.options.refcountBits, p.options.compat], [4096, 8, '1.1']);
});
