/**
 * The VM's drives in the main thread: opens each -hda/-cdrom/-drive image with the block layer
 * (locked against a second writer, like QEMU), serves its data to the machine thread's IDE
 * devices through a block proxy, and carries out the monitors' media commands (eject, change)
 * for CD-ROMs. -snapshot / snapshot=on puts a temporary qcow2 overlay in front of the image.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BlockDriver } from '../block/driver.js';
import { TkvmError } from '../errors.js';
import { openImage } from '../block/open.js';
import { findFormat } from '../block/formats/index.js';
import type { DriveSpec } from '../cli/config.js';
import { lockedError } from '../monitor/qmp-commands.js';
import type { BlockDeviceState, ReadOnlyMode, TrayRequest } from '../monitor/target.js';
import { BlockProxyServer, createBlockChannel } from './block-proxy.js';
import { CD_STATE, type CdRequest, type IdeDriveSlot } from './pc-devices.js';
import type { DriveSet } from './vm-monitor-target.js';

/** What the drive set needs from the running VM. */
export interface DriveHost {
  cdRequest(index: number, req: CdRequest): Promise<string | undefined>;
  trayMoved(device: string, qdev: string, open: boolean): void;
}

interface Medium {
  readonly driver: BlockDriver;
  readonly file: string;
  readonly format: string;
  readonly readOnly: boolean;
  readonly size: number;
  readonly snapshot: boolean;
  readonly backingFile?: string;
}

interface Drive {
  readonly index: number;
  readonly media: 'disk' | 'cdrom';
  readonly device: string;
  readonly qdev: string;
  readonly server: BlockProxyServer;
  readonly slot: IdeDriveSlot;
  readonly state: Int32Array;
  medium: Medium | undefined;
}

/** QEMU's legacy drive name for IDE index 0-3. */
function deviceName(index: number, media: 'disk' | 'cdrom'): string {
  return `ide${index >> 1}-${media === 'cdrom' ? 'cd' : 'hd'}${index & 1}`;
}

/** The drives of one VM. Open with DriveManager.open, close when the VM has ended. */
export class DriveManager implements DriveSet {
  private host: DriveHost | undefined;
  private readonly tempDirs: string[] = [];

  private constructor(private readonly drives: Drive[]) {}

  /** Opens every drive; on failure closes what was opened and rethrows (the VM does not start). */
  static async open(specs: readonly DriveSpec[], warn: (text: string) => void): Promise<DriveManager> {
    const manager = new DriveManager([]);
    try {
      for (const spec of specs) {
        if (spec.index > 3) throw new TkvmError('bad-drive', `drive index ${spec.index}: the IDE controller has 4 drive slots (index 0-3)`);
        if (spec.media === 'disk' && spec.readOnly) throw new TkvmError('bad-drive', `${spec.file}: Can't use a read-only drive (IDE hard disks are read-write; use -snapshot to keep the image unchanged)`);
        const medium = spec.file === '' ? undefined : await manager.openMedium(spec.file, spec.format, spec.media === 'cdrom' || spec.readOnly, spec.snapshot, warn);
        const channel = createBlockChannel();
        const stateBuffer = new SharedArrayBuffer(CD_STATE.SIZE * 4);
        const slot: IdeDriveSlot = {
          channel,
          size: medium?.size ?? 0,
          readOnly: medium?.readOnly ?? true,
          media: spec.media,
          ...(spec.media === 'cdrom' ? { state: stateBuffer } : {}),
          ...(medium === undefined ? { empty: true } : {}),
        };
        const server = new BlockProxyServer(channel, medium?.driver);
        void server.start();
        manager.drives.push({
          index: spec.index,
          media: spec.media,
          device: deviceName(spec.index, spec.media),
          qdev: `/machine/unattached/device[${20 + spec.index}]`,
          server,
          slot,
          state: new Int32Array(stateBuffer),
          medium,
        });
      }
    } catch (err) {
      await manager.close();
      throw err;
    }
    return manager;
  }

  /** The slots the machine thread builds its IDE devices from, by drive index. */
  slots(): Array<IdeDriveSlot | undefined> {
    const out: Array<IdeDriveSlot | undefined> = [undefined, undefined, undefined, undefined];
    for (const d of this.drives) out[d.index] = d.slot;
    return out;
  }

  /** Connects the running VM (media requests and tray events). */
  attach(host: DriveHost): void {
    this.host = host;
  }

  list(): readonly BlockDeviceState[] {
    return [...this.drives].sort((a, b) => a.index - b.index).map((d) => {
      const cd = d.media === 'cdrom';
      const m = d.medium;
      return {
        device: d.device,
        qdev: d.qdev,
        removable: cd,
        locked: cd && Atomics.load(d.state, CD_STATE.LOCKED) !== 0,
        ...(cd ? { trayOpen: Atomics.load(d.state, CD_STATE.TRAY_OPEN) !== 0 } : {}),
        ...(m !== undefined
          ? { medium: { file: m.file, format: m.format, readOnly: m.readOnly, virtualSize: m.size, snapshot: m.snapshot, ...(m.backingFile !== undefined ? { backingFile: m.backingFile } : {}) } }
          : {}),
      };
    });
  }

  openTray(device: string, force: boolean): TrayRequest {
    const d = this.cdrom(device);
    if (!force && Atomics.load(d.state, CD_STATE.LOCKED) !== 0) {
      void this.host?.cdRequest(d.index, { op: 'eject', force: false }); // the guest sees an eject request
      return 'locked';
    }
    const wasOpen = Atomics.load(d.state, CD_STATE.TRAY_OPEN) !== 0;
    Atomics.store(d.state, CD_STATE.TRAY_OPEN, 1);
    void this.host?.cdRequest(d.index, { op: 'eject', force: true });
    if (!wasOpen) this.host?.trayMoved(d.device, d.qdev, true);
    return 'open';
  }

  removeMedium(device: string): void {
    const d = this.cdrom(device);
    const old = d.medium;
    d.medium = undefined;
    d.server.setDriver(undefined);
    void old?.driver.close();
  }

  async changeMedium(device: string, filename: string, format: string | undefined, readOnlyMode: ReadOnlyMode, force: boolean): Promise<void> {
    const d = this.cdrom(device);
    if (format !== undefined && findFormat(format) === undefined) throw new Error(`Unknown driver '${format}'`);
    const medium = await this.openMedium(filename, format, readOnlyMode !== 'read-write', false, () => undefined);
    if (!force && Atomics.load(d.state, CD_STATE.LOCKED) !== 0) {
      await medium.driver.close();
      void this.host?.cdRequest(d.index, { op: 'eject', force: false });
      throw lockedError(device);
    }
    const wasOpen = Atomics.load(d.state, CD_STATE.TRAY_OPEN) !== 0;
    if (!wasOpen) this.host?.trayMoved(d.device, d.qdev, true);
    const old = d.medium;
    d.medium = medium;
    d.server.setDriver(medium.driver);
    await old?.driver.close();
    const error = await this.host?.cdRequest(d.index, { op: 'change', force: true, size: medium.size });
    if (error !== undefined) throw new Error(error);
    this.host?.trayMoved(d.device, d.qdev, false);
  }

  /** Stops serving and closes every image (flushing qcow2 metadata); removes snapshot overlays. */
  async close(): Promise<void> {
    for (const d of this.drives) d.server.stop();
    await Promise.allSettled(this.drives.map((d) => d.medium?.driver.close()));
    for (const dir of this.tempDirs) rmSync(dir, { recursive: true, force: true });
  }

  private cdrom(device: string): Drive {
    const d = this.drives.find((x) => x.device === device && x.media === 'cdrom');
    if (d === undefined) throw new Error(`Device '${device}' not found`);
    return d;
  }

  /** Opens an image; with `snapshot`, a temporary qcow2 overlay backed by it takes the writes. */
  private async openMedium(file: string, format: string | undefined, readOnly: boolean, snapshot: boolean, warn: (text: string) => void): Promise<Medium> {
    if (!snapshot) {
      const img = await openImage(file, { readOnly, ...(format !== undefined ? { format } : {}), warn });
      const info = await img.driver.getInfo();
      return { driver: img.driver, file, format: img.format, readOnly, size: info.virtualSize, snapshot: false, ...(info.backingFile !== undefined ? { backingFile: info.backingFile } : {}) };
    }
    const base = await openImage(file, { readOnly: true, ...(format !== undefined ? { format } : {}), warn });
    const baseInfo = await base.driver.getInfo();
    await base.driver.close();
    const dir = mkdtempSync(join(tmpdir(), 'tkvm-snapshot-'));
    this.tempDirs.push(dir);
    const overlay = join(dir, 'overlay.qcow2');
    await findFormat('qcow2')!.create(overlay, { size: baseInfo.virtualSize, backingFile: resolve(file), backingFormat: base.format });
    const img = await openImage(overlay, { readOnly: false, format: 'qcow2', warn });
    return { driver: img.driver, file, format: base.format, readOnly: false, size: baseInfo.virtualSize, snapshot: true };
  }
}
