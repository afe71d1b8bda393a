/**
 * The monitors' shared state: the target, QMP's event fan-out and the version tkvm reports.
 * The hub subscribes to the target's events once and turns each into QEMU's event object,
 * {"timestamp": {"seconds": S, "microseconds": U}, "event": NAME, "data": {...}}, sent to every
 * QMP client that has finished capabilities negotiation (as QEMU does).
 */
import type { JsonObject } from './json-text.js';
import type { PngEncoder } from './screendump.js';
import type { MonitorTarget, TargetEvent } from './target.js';

/** The version query-version and the greeting report. */
export interface VersionInfo {
  /** The QEMU version whose interface tkvm follows (7.2.0). */
  readonly major: number;
  readonly minor: number;
  readonly micro: number;
  /** Free text after the numbers: "tkvm 0.1.0". */
  readonly package: string;
}

/** Wall clock in microseconds since the epoch (tests pass a fixed one). */
export type MicrosClock = () => number;

/** What every monitor session shares. */
export interface MonitorHubOptions {
  readonly target: MonitorTarget;
  readonly version: VersionInfo;
  /** PNG encoder for screendump format=png (src/display/png.ts). */
  readonly png?: PngEncoder;
  readonly clock?: MicrosClock;
}

/** Turns a target event into QEMU's event name and data. */
export function eventJson(event: TargetEvent): { name: string; data?: JsonObject } {
  switch (event.kind) {
    case 'stop':
      return { name: 'STOP' };
    case 'resume':
      return { name: 'RESUME' };
    case 'powerdown':
      return { name: 'POWERDOWN' };
    case 'reset':
      return { name: 'RESET', data: { guest: event.guest, reason: event.reason } };
    case 'shutdown':
      return { name: 'SHUTDOWN', data: { guest: event.guest, reason: event.reason } };
    case 'tray-moved':
      return { name: 'DEVICE_TRAY_MOVED', data: { device: event.device, 'tray-open': event.open, id: event.qdev } };
  }
}

/** The shared state of all monitors of one VM. */
export class MonitorHub {
  readonly target: MonitorTarget;
  readonly version: VersionInfo;
  readonly png: PngEncoder | undefined;
  private readonly clock: MicrosClock;
  private readonly listeners = new Set<(event: JsonObject) => void>();

  constructor(opts: MonitorHubOptions) {
    this.target = opts.target;
    this.version = opts.version;
    this.png = opts.png;
    this.clock = opts.clock ?? (() => Math.floor((performance.timeOrigin + performance.now()) * 1000));
    this.target.onEvent((event) => this.publish(event));
  }

  /** Sends `event` to every listening QMP client. */
  publish(event: TargetEvent): void {
    const { name, data } = eventJson(event);
    const micros = this.clock();
    const obj: JsonObject = {
      timestamp: { seconds: Math.floor(micros / 1e6), microseconds: micros % 1e6 },
      event: name,
    };
    if (data !== undefined) obj.data = data;
    for (const listener of [...this.listeners]) listener(obj);
  }

  /** Adds an event receiver; returns the function that removes it. */
  subscribe(listener: (event: JsonObject) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
