import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qcow2Format, Qcow2Driver } from './index.js';

test('cachedMapping answers without a read exactly what mapping() answers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-cm-'));
  try {
    const path = join(dir, 'a.qcow2');
    // 64 KiB clusters, 8192 entries per L2 table: 1 GiB spans two L2 tables.
    await qcow2Format.create(path, { size: 1 << 30 });
    let drv = await Qcow2Driver.open(path, { readOnly: false });
    const cs = 65536;
    await drv.write(3 * cs, new Uint8Array(cs).fill(1));
    await drv.write(9000 * cs, new Uint8Array(cs).fill(2));
    await drv.close();
    drv = await Qcow2Driver.open(path, { readOnly: true });
    try {
      // Fresh open: the L2 tables are not cached yet, so allocated areas need a read.
      assert.equal(drv.cachedMapping(3), undefined);
      const clusters = [0, 3, 4, 8191, 8192, 9000, 16383];
      for (const ci of clusters) await drv.mapping(ci);
      for (const ci of clusters) assert.deepEqual(drv.cachedMapping(ci), await drv.mapping(ci), `cluster ${ci}`);
      assert.equal(drv.cachedMapping(3)?.kind, 'data');
      assert.equal(drv.cachedMapping(4)?.kind, 'unallocated');
      // Past the L1 table: unallocated, no read.
      assert.deepEqual(drv.cachedMapping(1 << 24), { kind: 'unallocated' });
    } finally {
      await drv.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
