import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanInfo, qapiKeys } from './info.js';

test('format-specific keys are spelled the QAPI way', () => {
  assert.deepEqual(qapiKeys({ compat: '1.1', lazyRefcounts: false, 'refcount-bits': 16 }),
    { compat: '1.1', 'lazy-refcounts': false, 'refcount-bits': 16 });
});

test('human info prints the actual backing path only when it differs', () => {
  const text = humanInfo({
    filename: '/a/top.qcow2', format: 'qcow2', 'virtual-size': 1048576, 'actual-size': 200704, 'cluster-size': 65536,
    'backing-filename': 'base.qcow2', 'full-backing-filename': '/a/base.qcow2', 'backing-filename-format': 'qcow2',
    'format-specific': { type: 'qcow2', data: { compat: '1.1', 'lazy-refcounts': false } },
  });
  assert.equal(text, 'image: /a/top.qcow2\nfile format: qcow2\nvirtual size: 1 MiB (1048576 bytes)\ndisk size: 196 KiB\n' +
    'cluster_size: 65536\nbacking file: base.qcow2 (actual path: /a/base.qcow2)\nbacking file format: qcow2\n' +
    'Format specific information:\n    compat: 1.1\n    lazy refcounts: false\n');
});
