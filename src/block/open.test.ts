import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockError } from './driver.js';
import { openImage, probedRawWarning } from './open.js';
import { qcowFormat } from './formats/qcow/index.js';
import { buildQcowHeader } from './formats/qcow/header.js';

const dir = mkdtempSync(join(tmpdir(), 'tkvm-open-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('probing picks qcow by magic and raw otherwise; forced formats are checked', async () => {
  await qcowFormat.create(join(dir, 'a.qcow'), { size: 1 << 20 });
  writeFileSync(join(dir, 'a.raw'), Buffer.alloc(65536));
  assert.equal((await openImage(join(dir, 'a.qcow'), { readOnly: true }).then(async (i) => (await i.driver.close(), i))).format, 'qcow');
  const raw = await openImage(join(dir, 'a.raw'), { readOnly: true });
  assert.deepEqual([raw.format, raw.probed], ['raw', true]);
  await raw.driver.close();
  await assert.rejects(openImage(join(dir, 'a.raw'), { readOnly: true, format: 'qcow' }), /Image not in qcow format/);
  await assert.rejects(openImage(join(dir, 'a.raw'), { readOnly: true, format: 'nope' }), /Unknown driver 'nope'/);
  await assert.rejects(openImage(join(dir, 'missing'), { readOnly: true }), (e: unknown) =>
    e instanceof BlockError && e.message === `Could not open '${join(dir, 'missing')}': No such file or directory`);
});

test('a probed raw image warns when writable and refuses a format header in block 0', async () => {
  writeFileSync(join(dir, 'p.raw'), Buffer.alloc(65536));
  const warnings: string[] = [];
  const img = await openImage(join(dir, 'p.raw'), { readOnly: false, warn: (w) => warnings.push(w) });
  assert.deepEqual(warnings, [probedRawWarning(join(dir, 'p.raw'))]);
  const header = buildQcowHeader(1 << 20, undefined).header;
  await assert.rejects(img.driver.write(0, header), (e: unknown) => e instanceof BlockError && /Refusing to write a 'qcow' header/.test(e.message));
  await img.driver.write(0, Buffer.alloc(512, 7)); // ordinary data is fine
  await img.driver.close();
  const forced = await openImage(join(dir, 'p.raw'), { readOnly: false, format: 'raw', warn: (w) => warnings.push(w) });
  await forced.driver.write(0, header);
  await forced.driver.close();
  assert.equal(warnings.length, 1);
});

test('a qcow2 file is never opened as raw by probing', async () => {
  const h = Buffer.alloc(512);
  h.writeUInt32BE(0x514649fb, 0);
  h.writeUInt32BE(3, 4);
  writeFileSync(join(dir, 'x.qcow2'), h);
  const r = await openImage(join(dir, 'x.qcow2'), { readOnly: true }).then(
    async (i) => { await i.driver.close(); return i.format; },
    (e: unknown) => (e instanceof BlockError ? 'refused' : 'crash'),
  );
  assert.ok(r === 'qcow2' || r === 'refused', r);
});

test('a backing chain that loops is reported, not followed forever', async () => {
  await qcowFormat.create(join(dir, 'l1.qcow'), { size: 1 << 20, backingFile: 'l2.qcow' });
  await qcowFormat.create(join(dir, 'l2.qcow'), { size: 1 << 20, backingFile: 'l1.qcow' });
  await assert.rejects(openImage(join(dir, 'l1.qcow'), { readOnly: true }), /creates an infinite loop/);
});

test('backing names from drivers are resolved against the image directory exactly once', async () => {
  const { backingPathFor } = await import('./open.js');
  assert.equal(backingPathFor('dir/top.qcow2', 'base.qcow2'), 'dir/base.qcow2');
  assert.equal(backingPathFor('dir/top.qcow2', 'dir/base.qcow2'), 'dir/base.qcow2');
  assert.equal(backingPathFor('top.qcow2', 'base.qcow2'), 'base.qcow2');
  assert.equal(backingPathFor('/a/top.qcow2', '/b/base.qcow2'), '/b/base.qcow2');
  assert.equal(backingPathFor('/a/top.qcow2', '../b/base.qcow2'), '/a/../b/base.qcow2');
});
