/**
 * The monitors' view of a running VM (MonitorTarget, src/monitor/target.ts), in the main thread:
 * run state, stop/cont/reset/quit through VmHost, the screen through its display bridge, keys
 * as key messages to the machine thread's PS/2 keyboard, and drives through a DriveSet.
 */
import type { Frame } from '../display/display.js';
import type { BlockDeviceState, KeyValue, MonitorTarget, ReadOnlyMode, RunState, ShutdownCause, TargetEvent, TrayRequest } from '../monitor/target.js';
import type { VmHost, VmHostEvents } from './vm-host.js';

/** The removable-media operations of the machine's drives (the IDE drive set implements them). */
export interface DriveSet {
  list(): readonly BlockDeviceState[];
  openTray(device: string, force: boolean): TrayRequest;
  removeMedium(device: string): void;
  changeMedium(device: string, filename: string, format: string | undefined, readOnlyMode: ReadOnlyMode, force: boolean): Promise<void>;
}

/** MonitorTarget over one VmHost. Create it first, pass `events` to the VmHost, then attach(). */
export class VmMonitorTarget implements MonitorTarget {
  private host: VmHost | undefined;
  private listener: ((e: TargetEvent) => void) | undefined;
  /** Why the next reset happens, when a monitor asked for it (otherwise the guest did). */
  private resetReason: ShutdownCause | undefined;
  private ended = false;

  /** `powerButton`: the machine has ACPI's power button (not with -no-acpi). */
  constructor(readonly name: string | undefined, private readonly drives?: DriveSet, readonly powerButton = false) {}

  /** The VmHost callbacks that turn machine state changes into monitor events. */
  readonly events: VmHostEvents = {
    onStateChange: (state) => this.emit(state === 'paused' ? { kind: 'stop' } : { kind: 'resume' }),
    onReset: () => {
      const reason = this.resetReason;
      this.resetReason = undefined;
      this.emit({ kind: 'reset', guest: reason === undefined, reason: reason ?? 'guest-reset' });
    },
  };

  /** Connects the target to the VM it controls. */
  attach(host: VmHost): void {
    this.host = host;
  }

  /** The VM has ended on its own (guest power-off, debug exit, fatal error): SHUTDOWN once. */
  vmEnded(status: number): void {
    if (this.ended) return;
    this.ended = true;
    this.emit({ kind: 'shutdown', guest: status === 0, reason: status === 0 ? 'guest-shutdown' : 'host-error' });
  }

  runState(): RunState {
    if (this.ended) return 'shutdown';
    return this.host?.runState ?? 'prelaunch';
  }

  stop(): void {
    if (this.runState() === 'running') this.host?.pause();
  }

  cont(): void {
    if (this.runState() === 'paused') this.host?.resume();
  }

  reset(reason: ShutdownCause): void {
    this.resetReason = reason;
    this.host?.reset();
  }

  powerdown(): void {
    // Only called while powerButton is true: the monitors refuse system_powerdown themselves otherwise.
    this.host?.powerdown();
    this.emit({ kind: 'powerdown' });
  }

  quit(reason: ShutdownCause): void {
    if (!this.ended) {
      this.ended = true;
      this.emit({ kind: 'shutdown', guest: false, reason });
    }
    this.host?.quit();
  }

  blockDevices(): readonly BlockDeviceState[] {
    return this.drives?.list() ?? [];
  }

  openTray(device: string, force: boolean): TrayRequest {
    if (this.drives === undefined) throw new Error(`Device '${device}' not found`);
    return this.drives.openTray(device, force);
  }

  removeMedium(device: string): void {
    this.drives?.removeMedium(device);
  }

  changeMedium(device: string, filename: string, format: string | undefined, readOnlyMode: ReadOnlyMode, force: boolean): Promise<void> {
    if (this.drives === undefined) return Promise.reject(new Error(`Device '${device}' not found`));
    return this.drives.changeMedium(device, filename, format, readOnlyMode, force);
  }

  screen(): Promise<Frame | undefined> {
    return this.host?.display.frame() ?? Promise.resolve(undefined);
  }

  screenText(): Promise<string[] | undefined> {
    return this.host?.display.text() ?? Promise.resolve(undefined);
  }

  sendKeys(keys: readonly KeyValue[], holdMs: number): void {
    const host = this.host;
    if (host === undefined) return;
    for (const k of keys) host.sendKey(k, true);
    setTimeout(() => {
      for (const k of [...keys].reverse()) host.sendKey(k, false);
    }, holdMs);
  }

  onEvent(listener: (event: TargetEvent) => void): void {
    this.listener = listener;
  }

  /** Reports a tray that moved (guest eject/load or a monitor command). */
  trayMoved(device: string, qdev: string, open: boolean): void {
    this.emit({ kind: 'tray-moved', device, qdev, open });
  }

  private emit(e: TargetEvent): void {
    this.listener?.(e);
  }
}
