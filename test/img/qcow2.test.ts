/**
 * `tkvm img` on qcow2, checked against the real qemu-img. The qcow2 driver is built on another
 * branch; until it is registered in src/block/formats/index.ts these tests are skipped (with
 * that reason), and they run unchanged once it is.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findFormat } from '../../src/block/formats/index.js';
import { noQemuImg, tempDir, tkvmImg, tool } from './helpers.js';

const skip = noQemuImg ?? (findFormat('qcow2') === undefined ? 'qcow2 driver not registered yet (branch block)' : undefined);
const t = tempDir();
const run = (...args: string[]) => tkvmImg(args, t.dir);
const q = (...args: string[]) => tool('qemu-img', args, t.dir);
const io = (...args: string[]) => tool('qemu-io', args, t.dir);
const ok = (r: { status: number; stderr: string; stdout: string }) => {
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}${r.stdout}`);
  return r;
};
const json = (r: { stdout: string }): Record<string, unknown> => JSON.parse(r.stdout) as Record<string, unknown>;

describe('tkvm img with qcow2', { skip }, () => {
  before(() => {
    ok(q('create', '-q', '-f', 'qcow2', 'q.qcow2', '64M'));
    ok(io('-f', 'qcow2', '-c', 'write -P 0x11 0 96k', '-c', 'write -P 0x22 5M 4k', '-c', 'write -z 8M 64k', 'q.qcow2'));
    ok(q('create', '-q', '-f', 'raw', 'src.raw', '16M'));
    ok(io('-f', 'raw', '-c', 'write -P 0x44 1M 192k', '-c', 'write -P 0x55 9M 4k', 'src.raw'));
  });
  after(() => t.cleanup());

  test('create prints qemu-img\'s Formatting line and an image qemu-img accepts', () => {
    const r = ok(run('create', '-f', 'qcow2', 't.qcow2', '64M'));
    assert.equal(r.stdout, ok(q('create', '-f', 'qcow2', 'ref.qcow2', '64M')).stdout.replace('ref.qcow2', 't.qcow2'));
    ok(q('check', 't.qcow2'));
    const ours = json(ok(q('info', '--output=json', 't.qcow2')));
    const theirs = json(ok(q('info', '--output=json', 'ref.qcow2')));
    delete ours.filename;
    delete theirs.filename;
    assert.deepEqual(ours, theirs);
  });

  test('info and map JSON equal qemu-img\'s on a qemu-written image', () => {
    assert.deepEqual(json(ok(run('info', '--output=json', 'q.qcow2'))), json(ok(q('info', '--output=json', 'q.qcow2'))));
    assert.equal(ok(run('info', 'q.qcow2')).stdout, ok(q('info', 'q.qcow2')).stdout);
    assert.equal(ok(run('map', '--output=json', 'q.qcow2')).stdout, ok(q('map', '--output=json', 'q.qcow2')).stdout);
  });

  test('check --output=json equals qemu-img\'s', () => {
    assert.deepEqual(json(ok(run('check', '--output=json', 'q.qcow2'))), json(ok(q('check', '--output=json', 'q.qcow2'))));
  });

  test('convert raw -> qcow2 (plain and -c) -> raw round trips and passes qemu-img check', () => {
    ok(run('convert', '-O', 'qcow2', 'src.raw', 'c.qcow2'));
    ok(run('convert', '-c', '-O', 'qcow2', 'src.raw', 'cc.qcow2'));
    for (const f of ['c.qcow2', 'cc.qcow2']) {
      ok(q('check', f));
      assert.match(ok(q('compare', 'src.raw', f)).stdout, /identical/);
    }
    ok(run('convert', '-O', 'raw', 'cc.qcow2', 'back.raw'));
    assert.match(ok(q('compare', 'src.raw', 'back.raw')).stdout, /identical/);
    assert.equal(ok(run('measure', '-O', 'qcow2', 'c.qcow2')).stdout, ok(q('measure', '-O', 'qcow2', 'c.qcow2')).stdout);
  });

  test('convert raw -> qcow2 lays the image out as qemu-img does (map JSON with host offsets equal)', () => {
    // Data runs of whole clusters, one crossing the end of the first L2 table (512 MiB with
    // 64 KiB clusters), a partial cluster, 4 KiB blocks with holes between them inside one
    // cluster (qemu zeroes such a new cluster with fallocate, so map shows it all as data), a
    // lone 4 KiB block near the end, and holes between.
    ok(q('create', '-q', '-f', 'raw', 'lay.raw', '600M'));
    ok(io('-f', 'raw', '-c', 'write -P 0x61 0 3M', '-c', 'write -P 0x62 8M 100k', '-c', 'write -P 0x63 511M 2M',
      '-c', 'write -P 0x65 16M 4k', '-c', 'write -P 0x66 16392k 4k', '-c', 'write -P 0x64 599M 4k', 'lay.raw'));
    ok(run('convert', '-f', 'raw', '-O', 'qcow2', 'lay.raw', 'lay-t.qcow2'));
    ok(q('convert', '-f', 'raw', '-O', 'qcow2', 'lay.raw', 'lay-q.qcow2'));
    assert.equal(ok(q('map', '--output=json', 'lay-t.qcow2')).stdout, ok(q('map', '--output=json', 'lay-q.qcow2')).stdout);
    ok(q('check', 'lay-t.qcow2'));
  });

  test('snapshots: create, list, apply, delete; qemu-img sees them', () => {
    ok(run('create', '-q', '-f', 'qcow2', 's.qcow2', '4M'));
    ok(io('-f', 'qcow2', '-c', 'write -P 1 0 4k', 's.qcow2'));
    ok(run('snapshot', '-c', 'one', 's.qcow2'));
    ok(io('-f', 'qcow2', '-c', 'write -P 2 0 4k', 's.qcow2'));
    assert.match(ok(q('snapshot', '-l', 's.qcow2')).stdout, /\bone\b/);
    assert.equal(ok(run('snapshot', '-l', 's.qcow2')).stdout, ok(q('snapshot', '-l', 's.qcow2')).stdout);
    ok(run('snapshot', '-a', 'one', 's.qcow2'));
    ok(io('-f', 'qcow2', '-c', 'read -P 1 0 4k', 's.qcow2'));
    ok(run('snapshot', '-d', 'one', 's.qcow2'));
    assert.equal(ok(q('snapshot', '-l', 's.qcow2')).stdout, '');
    ok(q('check', 's.qcow2'));
  });

  test('resize grows; shrinking needs --shrink', () => {
    ok(run('create', '-q', '-f', 'qcow2', 'r.qcow2', '4M'));
    assert.equal(ok(run('resize', 'r.qcow2', '+4M')).stdout, 'Image resized.\n');
    assert.equal(json(ok(q('info', '--output=json', 'r.qcow2')))['virtual-size'], 8 << 20);
    const r = run('resize', 'r.qcow2', '2M');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Use the --shrink option/);
    ok(q('check', 'r.qcow2'));
  });

  test('amend compat and lazy_refcounts; rebase -u; commit', () => {
    ok(run('create', '-q', '-f', 'qcow2', 'a.qcow2', '4M'));
    ok(run('amend', '-o', 'compat=0.10', 'a.qcow2'));
    assert.equal((json(ok(q('info', '--output=json', 'a.qcow2')))['format-specific'] as { data: { compat: string } }).data.compat, '0.10');
    ok(run('amend', '-o', 'compat=1.1,lazy_refcounts=on', 'a.qcow2'));
    ok(q('check', 'a.qcow2'));
    ok(run('create', '-q', '-f', 'qcow2', '-b', 'a.qcow2', '-F', 'qcow2', 'o.qcow2'));
    ok(io('-f', 'qcow2', '-c', 'write -P 9 1M 64k', 'o.qcow2'));
    ok(run('commit', 'o.qcow2'));
    ok(io('-f', 'qcow2', '-c', 'read -P 9 1M 64k', 'a.qcow2'));
    ok(run('rebase', '-u', '-b', 'src.raw', '-F', 'raw', 'o.qcow2'));
    assert.equal(json(ok(q('info', '--output=json', 'o.qcow2')))['backing-filename'], 'src.raw');
  });
});
