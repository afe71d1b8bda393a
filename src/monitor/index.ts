/**
 * tkvm's monitors: QMP (QEMU Machine Protocol, JSON) and the human monitor (HMP), compatible
 * with QEMU 7.2's. This file is the wiring API for the machine's main thread.
 *
 * 1. Command line (src/cli): parse the options into MonitorSpecs kept in MachineConfig:
 *      -qmp DEV        parseQmpOption(arg)      -> MonitorSpec | undefined (none)
 *      -monitor DEV    parseMonitorOption(arg)  -> MonitorSpec | undefined (none)
 *      -chardev ...    parseChardevOption(arg)  -> ChardevSpec (socket/stdio; keep a list)
 *      -mon ...        parseMonOption(arg, chardevs) -> MonitorSpec
 *    DEV: unix:PATH,server,nowait | unix:PATH,server=on,wait=off | tcp:HOST:PORT,server,nowait | stdio.
 *    `-nographic` without -monitor/-serial puts the human monitor on the stdio multiplexer
 *    (QEMU's default): use attachMuxMonitor below instead of a MonitorSpec.
 *
 * 2. The machine (src/machine/vm-host.ts): implement MonitorTarget (target.ts) over VmHost,
 *    the IDE drives and the DisplayPort. The target reports TargetEvents through the listener
 *    given to onEvent: VmHost's state changes become stop/resume, a monitor- or guest-requested
 *    reset becomes reset{guest, reason}, quit/guest power-off becomes shutdown{guest, reason}
 *    (emit it before tkvm exits), IDE tray motion becomes tray-moved.
 *
 * 3. Start (src/cli/run.ts), before the guest runs:
 *      const monitors = await startMonitors(specs, { target, version: TKVM_QEMU_VERSION, png: encodePng });
 *      ... (with `wait` sockets this resolves once each has a client, as QEMU waits)
 *      monitors.close() when the VM has ended.
 *    For `-monitor stdio`, pass `stdio: { write, onInput }` (e.g. from createStdioBackend with
 *    mux off) in StartOptions; for the -nographic multiplexer call
 *    attachMuxMonitor(hub, stdioBackend.write) and hand its `input`/`focus` to MuxActions
 *    (monitorInput, monitorFocus) of src/chardev/mux.ts.
 *
 * tkvm-specific: QMP command `x-tkvm-query-screen-text` returns {"rows": [...], "text": "..."}
 * with the text screen (GenericError in graphics modes); it does not exist in QEMU.
 */
import { MonitorHub, type MonitorHubOptions, type VersionInfo } from './events.js';
import { HmpSession } from './hmp-session.js';
import type { MonitorSpec } from './options.js';
import { QmpSession } from './qmp-session.js';
import { MonitorSocketServer } from './socket-server.js';

export { MonitorHub, type MonitorHubOptions, type VersionInfo } from './events.js';
export { MonitorError, genericError, deviceNotFound } from './errors.js';
export { lockedError, SCREEN_TEXT_COMMAND, NO_POWER_BUTTON, qmpCommandNames } from './qmp-commands.js';
export { parseQmpOption, parseMonitorOption, parseChardevOption, parseMonOption } from './options.js';
export type { MonitorSpec, MonitorEndpoint, ChardevSpec } from './options.js';
export type * from './target.js';
export type { PngEncoder } from './screendump.js';
export { QmpSession } from './qmp-session.js';
export { HmpSession, HMP_PROMPT } from './hmp-session.js';
export { QKEYCODES, qcodeFromNumber, isQKeyCode } from './keys.js';

/** The QEMU version whose monitor interface tkvm follows, with tkvm's own name as the package. */
export function qemuCompatVersion(tkvmVersion: string): VersionInfo {
  return { major: 7, minor: 2, micro: 0, package: `tkvm ${tkvmVersion}` };
}

/** A terminal-like stream for a stdio monitor. */
export interface MonitorStream {
  write(data: Uint8Array): void;
  onInput(handler: (data: Uint8Array) => void): void;
}

/** startMonitors' inputs beyond the hub's. */
export interface StartOptions extends MonitorHubOptions {
  /** The stream for specs with endpoint stdio (required if there is one). */
  readonly stdio?: MonitorStream;
  /** Informational lines ("waiting for connection on ..."); default: stderr with "tkvm: ". */
  readonly notice?: (line: string) => void;
}

/** Running monitors: close them when the VM has ended. */
export interface RunningMonitors {
  readonly hub: MonitorHub;
  /** The listening servers in spec order (stdio specs have none). */
  readonly servers: readonly MonitorSocketServer[];
  close(): void;
}

function textStream(stream: MonitorStream): (text: string) => void {
  return (text) => stream.write(Buffer.from(text, 'utf8'));
}

/** Starts one monitor per spec on a shared hub; rejects (after cleaning up) if a socket cannot be bound. */
export async function startMonitors(specs: readonly MonitorSpec[], opts: StartOptions): Promise<RunningMonitors> {
  const hub = new MonitorHub(opts);
  const notice = opts.notice ?? ((line: string) => process.stderr.write(`tkvm: ${line}\n`));
  const servers: MonitorSocketServer[] = [];
  const closers: Array<() => void> = [];
  const close = (): void => {
    for (const c of closers) c();
    for (const s of servers) s.close();
  };
  try {
    for (const spec of specs) {
      const ep = spec.endpoint;
      if (ep.kind === 'stdio') {
        if (opts.stdio === undefined) throw new Error('a stdio monitor needs the stdio stream');
        const write = textStream(opts.stdio);
        const session = spec.mode === 'control' ? new QmpSession(hub, write) : new HmpSession(hub, write);
        opts.stdio.onInput((data) => session.input(data));
        closers.push(() => session.close());
        continue;
      }
      const server = new MonitorSocketServer(ep, (write) =>
        spec.mode === 'control' ? new QmpSession(hub, write) : new HmpSession(hub, write),
      );
      servers.push(server);
      await server.listen();
      if (ep.wait) {
        const what = ep.kind === 'unix' ? `unix:${ep.path}` : `tcp:${ep.host}:${ep.port}`;
        notice(`info: tkvm waiting for connection on: disconnected:${what},server=on`);
        await server.waitForClient();
      }
    }
  } catch (err) {
    close();
    throw err;
  }
  return { hub, servers, close };
}

/**
 * The human monitor on the -nographic / mon:stdio multiplexer: returns the MuxActions hooks.
 * `write` is the stdio backend's output. The banner waits for the first Ctrl-A c, as in QEMU.
 */
export function attachMuxMonitor(hub: MonitorHub, write: (data: Uint8Array) => void): { input(data: Uint8Array): void; focus(focused: boolean): void } {
  const session = new HmpSession(hub, (text) => write(Buffer.from(text, 'utf8')), { greet: false });
  return { input: (data) => session.input(data), focus: (focused) => session.focus(focused) };
}
