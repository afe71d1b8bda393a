/**
 * The QMP commands tkvm implements, with QEMU 7.2's argument checking, results and errors.
 * qmp_capabilities is handled by the session (it depends on the negotiation state).
 *
 * system_powerdown: QEMU 7.2 with -no-acpi answers {} and emits POWERDOWN although nothing in
 * the guest can notice (checked). A silent success would leave a client waiting for a SHUTDOWN
 * that never comes, so with -no-acpi tkvm answers GenericError "system_powerdown is not
 * supported: this machine has no ACPI power button (it runs with -no-acpi)"; with ACPI (the
 * default) it presses the PM function's power button and emits POWERDOWN, as QEMU.
 */
import { ArgReader } from './qmp-args.js';
import { blockInfoJson } from './block-info.js';
import { MonitorError, deviceNotFound, genericError } from './errors.js';
import type { MonitorHub } from './events.js';
import type { JsonObject, JsonValue } from './json-text.js';
import { DEFAULT_HOLD_MS, isQKeyCode } from './keys.js';
import { SCREENDUMP_FORMATS, writeScreendump } from './screendump.js';
import type { BlockDeviceState, KeyValue, ReadOnlyMode } from './target.js';

/** The tkvm-specific command that returns the text screen (not in QEMU; the x- prefix and the name say so). */
export const SCREEN_TEXT_COMMAND = 'x-tkvm-query-screen-text';

/** tkvm's error for system_powerdown when the guest has no power button to press (-no-acpi). */
export const NO_POWER_BUTTON = 'system_powerdown is not supported: this machine has no ACPI power button (it runs with -no-acpi)';

type Handler = (args: ArgReader, hub: MonitorHub) => JsonValue | Promise<JsonValue>;

const EMPTY: JsonObject = {};

/** "Device 'x' is locked and force was not specified, ..." (QEMU's text for a guest-locked tray). */
export function lockedError(device: string): MonitorError {
  return genericError(`Device '${device}' is locked and force was not specified, wait for tray to open and try again`);
}

/** Finds a drive by its legacy name (device) or its qdev path (id), as QEMU's eject does. */
export function findDrive(hub: MonitorHub, device: string | undefined, id: string | undefined): BlockDeviceState {
  if ((device === undefined) === (id === undefined)) throw genericError("Need exactly one of 'device' and 'id'");
  const all = hub.target.blockDevices();
  const found = device !== undefined ? all.find((d) => d.device === device) : all.find((d) => d.qdev === id);
  if (found === undefined) throw deviceNotFound((device ?? id)!);
  return found;
}

function removableDrive(hub: MonitorHub, device: string | undefined, id: string | undefined): BlockDeviceState {
  const drive = findDrive(hub, device, id);
  if (!drive.removable) throw genericError(`Device '${(device ?? id)!}' is not removable`);
  return drive;
}

/** eject's steps (QEMU's qmp_eject): open the tray (or ask the guest), then take the medium out. */
export function ejectDrive(hub: MonitorHub, device: string | undefined, id: string | undefined, force: boolean): void {
  const drive = removableDrive(hub, device, id);
  const name = (device ?? id)!;
  if (drive.trayOpen !== true) {
    const result = hub.target.openTray(drive.device, force);
    if (result === 'locked' && !force) throw lockedError(name);
  }
  const now = hub.target.blockDevices().find((d) => d.device === drive.device);
  if (now?.trayOpen !== true) throw genericError(`Tray of device '${name}' is not open`);
  if (now.medium !== undefined) hub.target.removeMedium(drive.device);
}

/** blockdev-change-medium / HMP change: checks, then the target swaps the image. */
export async function changeMedium(
  hub: MonitorHub,
  device: string | undefined,
  id: string | undefined,
  filename: string,
  format: string | undefined,
  readOnlyMode: ReadOnlyMode,
  force: boolean,
): Promise<void> {
  const drive = removableDrive(hub, device, id);
  await hub.target.changeMedium(drive.device, filename, format, readOnlyMode, force);
}

function parseKeys(list: JsonValue[]): KeyValue[] {
  return list.map((item, i): KeyValue => {
    const path = `keys[${i}]`;
    const r = ArgReader.nested(item, path);
    const type = r.enumOf('type', ['number', 'qcode'] as const, false)!;
    if (type === 'number') {
      const data = r.int('data', false)!;
      r.done();
      return { type, data };
    }
    const data = r.str('data');
    if (!isQKeyCode(data)) throw genericError(`Parameter 'data' does not accept value '${data}'`);
    r.done();
    return { type, data };
  });
}

const READ_ONLY_MODES = ['retain', 'read-only', 'read-write'] as const;

/** Handlers by command name (qmp_capabilities aside). */
const COMMANDS: Record<string, Handler> = {
  'query-status': (a, hub) => {
    a.done();
    const status = hub.target.runState();
    return { status, singlestep: false, running: status === 'running' };
  },
  'query-version': (a, hub) => {
    a.done();
    const v = hub.version;
    return { qemu: { micro: v.micro, minor: v.minor, major: v.major }, package: v.package };
  },
  'query-name': (a, hub) => {
    a.done();
    const out: JsonObject = {};
    if (hub.target.name !== undefined) out.name = hub.target.name;
    return out;
  },
  'query-commands': (a) => {
    a.done();
    return qmpCommandNames().map((name) => ({ name }));
  },
  stop: (a, hub) => {
    a.done();
    if (hub.target.runState() === 'running') hub.target.stop();
    return EMPTY;
  },
  cont: (a, hub) => {
    a.done();
    const state = hub.target.runState();
    if (state === 'guest-panicked' || state === 'internal-error' || state === 'shutdown') {
      throw genericError("Resetting the Virtual Machine is required");
    }
    if (state !== 'running') hub.target.cont();
    return EMPTY;
  },
  system_reset: (a, hub) => {
    a.done();
    hub.target.reset('host-qmp-system-reset');
    return EMPTY;
  },
  system_powerdown: (a, hub) => {
    a.done();
    if (!hub.target.powerButton) throw genericError(NO_POWER_BUTTON);
    hub.target.powerdown();
    return EMPTY;
  },
  quit: (a, hub) => {
    a.done();
    hub.target.quit('host-qmp-quit');
    return EMPTY;
  },
  screendump: async (a, hub) => {
    const filename = a.str('filename');
    const device = a.str('device', true);
    const head = a.int('head', true);
    const format = a.enumOf('format', SCREENDUMP_FORMATS, true) ?? 'ppm';
    a.done();
    if (head !== undefined && device === undefined) throw genericError("'head' must be specified together with 'device'");
    if (device !== undefined) throw deviceNotFound(device); // tkvm's one display has no qdev id
    const frame = await hub.target.screen();
    if (frame === undefined) throw genericError('There is no console to take a screendump from.');
    writeScreendump(filename, frame, format, hub.png);
    return EMPTY;
  },
  [SCREEN_TEXT_COMMAND]: async (a, hub) => {
    a.done();
    const rows = await hub.target.screenText();
    if (rows === undefined) {
      const frame = await hub.target.screen();
      throw genericError(frame === undefined ? 'There is no console to read text from.' : 'The display is in a graphics mode: there is no screen text');
    }
    return { rows, text: rows.join('\n') };
  },
  'send-key': (a, hub) => {
    const keys = parseKeys(a.list('keys'));
    const hold = a.int('hold-time', true) ?? DEFAULT_HOLD_MS;
    a.done();
    if (keys.length > 0) hub.target.sendKeys(keys, hold);
    return EMPTY;
  },
  'query-block': (a, hub) => {
    a.done();
    return hub.target.blockDevices().map(blockInfoJson);
  },
  eject: (a, hub) => {
    const device = a.str('device', true);
    const id = a.str('id', true);
    const force = a.bool('force') ?? false;
    a.done();
    ejectDrive(hub, device, id, force);
    return EMPTY;
  },
  'human-monitor-command': async (a, hub) => {
    const line = a.str('command-line');
    a.int('cpu-index', true);
    a.done();
    const { runHmpCommand } = await import('./hmp.js');
    const result = await runHmpCommand(line, hub);
    return result.output.replace(/\n/g, '\r\n');
  },
  'blockdev-change-medium': async (a, hub) => {
    const device = a.str('device', true);
    const id = a.str('id', true);
    const filename = a.str('filename');
    const format = a.str('format', true);
    const force = a.bool('force') ?? false;
    const mode = a.enumOf('read-only-mode', READ_ONLY_MODES, true) ?? 'retain';
    a.done();
    await changeMedium(hub, device, id, filename, format, mode, force);
    return EMPTY;
  },
};

/** All command names query-commands lists (qmp_capabilities included). */
export function qmpCommandNames(): string[] {
  return ['qmp_capabilities', ...Object.keys(COMMANDS)];
}

/** Whether `name` is a command tkvm implements (besides qmp_capabilities). */
export function hasCommand(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name);
}

/** Runs command `name` with `args` (an object); throws MonitorError on failure. */
export async function executeCommand(name: string, args: JsonObject, hub: MonitorHub): Promise<JsonValue> {
  const handler = COMMANDS[name];
  if (handler === undefined || !hasCommand(name)) throw new MonitorError('CommandNotFound', `The command ${name} has not been found`);
  return handler(new ArgReader(args), hub);
}
