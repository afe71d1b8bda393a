/**
 * blockStatus agrees with `qemu-img map --output=json` (data, zero, present, depth, host offset)
 * on a two-level qcow2 chain with data, zero clusters, compressed clusters and holes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Qcow2Driver } from '../../../src/block/formats/qcow2/index.js';
import { qemuImg, qemuIo, tempDir } from './helpers.js';

interface MapEntry { start: number; length: number; depth: number; present: boolean; zero: boolean; data: boolean; offset?: number }

test('blockStatus matches qemu-img map', async () => {
  const { dir, cleanup } = tempDir('map');
  try {
    const base = join(dir, 'base.qcow2');
    const top = join(dir, 'top.qcow2');
    assert.equal(qemuImg('create', '-f', 'qcow2', base, '2M').status, 0);
    qemuIo(base, 'qcow2', 'write -P 1 0 1M', 'write -z 1536k 64k');
    assert.equal(qemuImg('create', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', top, '4M').status, 0);
    qemuIo(top, 'qcow2', 'write -P 2 64k 128k', 'write -z 512k 64k', 'write -P 3 3M 4k', 'write -c -P 4 2M 64k');
    const r = qemuImg('map', '--output=json', top);
    assert.equal(r.status, 0, r.stderr);
    const qmap = JSON.parse(r.stdout) as MapEntry[];
    const d = await Qcow2Driver.open(top, { readOnly: true });
    const size = 4 << 20;
    let off = 0;
    let extents = 0;
    while (off < size) {
      const st = await d.blockStatus(off, size - off);
      assert.ok(st.length > 0);
      for (let p = off; p < off + st.length; p += 65536) {
        const q = qmap.find((e) => p >= e.start && p < e.start + e.length);
        assert.ok(q, `no qemu map entry at ${p}`);
        const where = `offset ${p}: ours ${JSON.stringify(st)} qemu ${JSON.stringify(q)}`;
        assert.equal(st.data, q.data, where);
        assert.equal(st.zero, q.zero, where);
        assert.equal(st.present ?? true, q.present, where);
        if (q.present) assert.equal(st.depth, q.depth, where);
        if (q.offset !== undefined && q.depth === 0) assert.equal((st.hostOffset ?? -1) + (p - off), q.offset + (p - q.start), where);
      }
      off += st.length;
      extents++;
    }
    await d.close();
    assert.ok(extents >= qmap.length - 2, `only ${extents} extents for ${qmap.length} qemu entries`);
  } finally {
    cleanup();
  }
});
