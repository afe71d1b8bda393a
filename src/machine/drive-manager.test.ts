import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriveSpec } from '../cli/config.js';
import { proxyClientInWorker as inWorker } from './proxy-worker.test-util.js';
import { DriveManager } from './drive-manager.js';
import type { CdRequest } from './pc-devices.js';

const dir = mkdtempSync(join(tmpdir(), 'tkvm-drives-'));

function rawImage(name: string, bytes: number, fill: number): string {
  const path = join(dir, name);
  writeFileSync(path, new Uint8Array(bytes).fill(fill));
  return path;
}

/** The tkvm-snapshot-* directories in the temp dir. */
function snapshotDirs(): string[] {
  return readdirSync(tmpdir()).filter((d) => d.startsWith('tkvm-snapshot-'));
}


const disk = (file: string, extra: Partial<DriveSpec> = {}): DriveSpec => ({ file, format: 'raw', media: 'disk', index: 0, readOnly: false, snapshot: false, ...extra });
const cdrom = (file: string): DriveSpec => ({ file, format: 'raw', media: 'cdrom', index: 2, readOnly: true, snapshot: false });

test('drives open into slots by IDE index, and query-block describes them as QEMU does', async () => {
  const drives = await DriveManager.open([disk(rawImage('hd.img', 1 << 20, 0)), cdrom(rawImage('cd.iso', 2048 * 16, 1))], () => undefined);
  try {
    const slots = drives.slots();
    assert.equal(slots[0]?.media, 'disk');
    assert.equal(slots[0]?.size, 1 << 20);
    assert.equal(slots[2]?.media, 'cdrom');
    assert.equal(slots[2]?.readOnly, true);
    assert.equal(slots[1], undefined);
    const list = drives.list();
    assert.deepEqual(list.map((d) => [d.device, d.removable, d.medium?.format, d.medium?.readOnly]), [
      ['ide0-hd0', false, 'raw', false],
      ['ide1-cd0', true, 'raw', true],
    ]);
  } finally {
    await drives.close();
  }
});

test('-snapshot: guest writes land in a temporary overlay; the image is unchanged and the overlay is removed', async () => {
  const path = rawImage('base.img', 1 << 20, 7);
  const before = readFileSync(path);
  const overlaysBefore = snapshotDirs();
  const drives = await DriveManager.open([disk(path, { snapshot: true })], () => undefined);
  assert.equal(drives.list()[0]?.medium?.snapshot, true);
  const during = snapshotDirs().filter((d) => !overlaysBefore.includes(d));
  assert.equal(during.length, 1, 'one overlay directory while the VM runs');
  // The machine thread's side of the proxy, in a worker: write, then read back through the overlay.
  const reply = await inWorker(drives.slots()[0]!.channel, `
    client.write(4096, new Uint8Array(512).fill(0x5a));
    const back = new Uint8Array(1024);
    client.read(4096 - 512, back);
    return [back[0], back[512], back[1023]];`);
  assert.deepEqual(reply, { ok: [7, 0x5a, 0x5a] });
  await drives.close();
  assert.deepEqual(readFileSync(path), before, 'the base image never changes');
  assert.equal(existsSync(join(tmpdir(), during[0]!)), false, 'the overlay is removed at close');
});

test('media commands: unknown format and missing files fail before anything changes; hard disks are not CD-ROMs', async () => {
  const drives = await DriveManager.open([disk(rawImage('hd2.img', 1 << 20, 0)), cdrom(rawImage('cd2.iso', 2048 * 16, 1))], () => undefined);
  const requests: CdRequest[] = [];
  const moved: boolean[] = [];
  drives.attach({ cdRequest: async (_i, req) => (requests.push(req), undefined), trayMoved: (_d, _q, open) => moved.push(open) });
  try {
    await assert.rejects(drives.changeMedium('ide1-cd0', join(dir, 'cd2.iso'), 'vmdk', 'retain', false), /Unknown driver 'vmdk'/);
    await assert.rejects(drives.changeMedium('ide1-cd0', join(dir, 'nope.iso'), 'raw', 'retain', false), /Could not open '.*nope\.iso': No such file or directory/);
    assert.throws(() => drives.openTray('ide0-hd0', false), /Device 'ide0-hd0' not found/);
    assert.deepEqual(requests, []);

    const other = rawImage('cd3.iso', 2048 * 32, 2);
    await drives.changeMedium('ide1-cd0', other, 'raw', 'retain', false);
    assert.deepEqual(requests, [{ op: 'change', force: true, size: 2048 * 32 }]);
    assert.deepEqual(moved, [true, false], 'the tray opens and closes around the change');
    assert.equal(drives.list().find((d) => d.device === 'ide1-cd0')?.medium?.file, other);

    assert.equal(drives.openTray('ide1-cd0', false), 'open');
    drives.removeMedium('ide1-cd0');
    assert.equal(drives.list().find((d) => d.device === 'ide1-cd0')?.medium, undefined);
  } finally {
    await drives.close();
  }
});
