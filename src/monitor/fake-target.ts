/**
 * A MonitorTarget for tests: a run state, an IDE disk and CD-ROM with a tray the "guest" can
 * lock, a 4x2 text screen, and a log of what the monitors asked for. It emits the events a
 * real machine would, the way QEMU orders them (the change is done, then the event).
 */
import { statSync } from 'node:fs';
import type { Frame } from '../display/display.js';
import { genericError } from './errors.js';
import { lockedError } from './qmp-commands.js';
import type { BlockDeviceState, KeyValue, MonitorTarget, ReadOnlyMode, RunState, ShutdownCause, TargetEvent, TrayRequest } from './target.js';

interface Drive {
  device: string;
  qdev: string;
  removable: boolean;
  locked: boolean;
  trayOpen: boolean;
  medium?: { file: string; format: string; readOnly: boolean; virtualSize: number };
}

/** The fake machine; fields are public so tests can set the scene. */
export class FakeTarget implements MonitorTarget {
  name: string | undefined = undefined;
  powerButton = false;
  state: RunState = 'running';
  readonly log: string[] = [];
  readonly keys: Array<{ keys: readonly KeyValue[]; holdMs: number }> = [];
  text: string[] | undefined = ['GNU GRUB  version 2.06', '', '*Debian GNU/Linux', ''];
  frame: Frame | undefined = { width: 2, height: 1, pixels: Uint8Array.from([0, 0, 255, 0, 255, 0, 0, 0]) };
  readonly drives: Drive[] = [
    { device: 'ide0-hd0', qdev: '/machine/unattached/device[23]', removable: false, locked: false, trayOpen: false, medium: { file: 'hd.img', format: 'raw', readOnly: false, virtualSize: 10485760 } },
    { device: 'ide1-cd0', qdev: '/machine/unattached/device[24]', removable: true, locked: false, trayOpen: false, medium: { file: 'cd.iso', format: 'raw', readOnly: true, virtualSize: 204800 } },
  ];
  private listener: ((e: TargetEvent) => void) | undefined;

  private emit(e: TargetEvent): void {
    this.listener?.(e);
  }

  runState(): RunState {
    return this.state;
  }
  stop(): void {
    this.log.push('stop');
    this.state = 'paused';
    this.emit({ kind: 'stop' });
  }
  cont(): void {
    this.log.push('cont');
    this.state = 'running';
    this.emit({ kind: 'resume' });
  }
  reset(reason: ShutdownCause): void {
    this.log.push(`reset ${reason}`);
    if (this.state !== 'running') this.state = 'prelaunch';
    this.emit({ kind: 'reset', guest: false, reason });
  }
  powerdown(): void {
    this.log.push('powerdown');
    this.emit({ kind: 'powerdown' });
  }
  quit(reason: ShutdownCause): void {
    this.log.push(`quit ${reason}`);
    this.emit({ kind: 'shutdown', guest: false, reason });
  }
  blockDevices(): readonly BlockDeviceState[] {
    return this.drives.map((d) => ({
      device: d.device,
      qdev: d.qdev,
      removable: d.removable,
      locked: d.locked,
      ...(d.removable ? { trayOpen: d.trayOpen } : {}),
      ...(d.medium !== undefined ? { medium: { ...d.medium, nodeName: `#block-${d.device}`, actualSize: 0 } } : {}),
    }));
  }
  private drive(device: string): Drive {
    const d = this.drives.find((x) => x.device === device);
    if (d === undefined) throw new Error(`no drive ${device}`);
    return d;
  }
  private moveTray(d: Drive, open: boolean): void {
    if (d.trayOpen === open) return;
    d.trayOpen = open;
    this.emit({ kind: 'tray-moved', device: d.device, qdev: d.qdev, open });
  }
  openTray(device: string, force: boolean): TrayRequest {
    const d = this.drive(device);
    this.log.push(`open-tray ${device}${force ? ' force' : ''}`);
    if (d.locked && !force) return 'locked';
    d.locked = false;
    this.moveTray(d, true);
    return 'open';
  }
  removeMedium(device: string): void {
    this.log.push(`remove ${device}`);
    delete this.drive(device).medium;
  }
  async changeMedium(device: string, filename: string, format: string | undefined, mode: ReadOnlyMode, force: boolean): Promise<void> {
    const d = this.drive(device);
    let size: number;
    try {
      size = statSync(filename).size;
    } catch {
      throw genericError(`Could not open '${filename}': No such file or directory`);
    }
    if (format !== undefined && format !== 'raw' && format !== 'qcow2') throw genericError(`Unknown driver '${format}'`);
    if (d.locked && !force && !d.trayOpen) throw lockedError(device);
    this.moveTray(d, true);
    d.medium = { file: filename, format: format ?? 'raw', readOnly: mode !== 'read-write', virtualSize: size };
    this.moveTray(d, false);
    this.log.push(`change ${device} ${filename}`);
  }
  async screen(): Promise<Frame | undefined> {
    return this.frame;
  }
  async screenText(): Promise<string[] | undefined> {
    return this.text;
  }
  sendKeys(keys: readonly KeyValue[], holdMs: number): void {
    this.keys.push({ keys, holdMs });
  }
  onEvent(listener: (event: TargetEvent) => void): void {
    this.listener = listener;
  }
}
