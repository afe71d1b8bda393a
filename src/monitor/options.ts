/**
 * The command-line syntax that creates monitors, as QEMU 7.2 parses it:
 *   -qmp DEV / -monitor DEV   DEV = unix:PATH[,server[=on]][,nowait|wait=off] |
 *                             tcp:[HOST]:PORT[,server][,nowait] | stdio | none (monitor only)
 *   -chardev socket,id=ID,path=PATH|host=H,port=P[,server=on][,wait=off]  and  -chardev stdio,id=ID
 *   -mon chardev=ID[,mode=control|readline][,pretty=on|off]
 * Messages follow QEMU's ("'bogus:x' is not a valid char driver", "Invalid parameter 'foo'",
 * "chardev \"x\" not found"). A monitor socket in client mode (no `server`) is refused with a
 * clear sentence: tkvm only listens. The lead calls these from src/cli and keeps the results
 * in MachineConfig.
 */
import { CliError, where } from '../cli/options-error.js';
import { parseBool, parseKeyValues, parseUint } from '../cli/options-kv.js';

/** Where a monitor talks. */
export type MonitorEndpoint =
  | { readonly kind: 'stdio' }
  | { readonly kind: 'unix'; readonly path: string; readonly wait: boolean }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly wait: boolean };

/** One monitor: QMP (control) or the human monitor (readline) on an endpoint. */
export interface MonitorSpec {
  readonly mode: 'control' | 'readline';
  readonly endpoint: MonitorEndpoint;
  /** -mon pretty=on (QMP only): accepted; replies stay one line each. */
  readonly pretty?: boolean;
}

/** A named -chardev that a later -mon refers to. */
export interface ChardevSpec {
  readonly id: string;
  readonly endpoint: MonitorEndpoint;
}

/** Longest unix socket path (sun_path has 108 bytes with the NUL). */
const UNIX_PATH_MAX = 107;

/** -qmp DEV: undefined for `none`. */
export function parseQmpOption(arg: string): MonitorSpec | undefined {
  const endpoint = parseLegacyChardev(arg, where('-qmp', arg));
  return endpoint === undefined ? undefined : { mode: 'control', endpoint };
}

/** -monitor DEV: undefined for `none`. */
export function parseMonitorOption(arg: string): MonitorSpec | undefined {
  const endpoint = parseLegacyChardev(arg, where('-monitor', arg));
  return endpoint === undefined ? undefined : { mode: 'readline', endpoint };
}

function parseLegacyChardev(arg: string, loc: string): MonitorEndpoint | undefined {
  if (arg === 'none') return undefined;
  if (arg === 'stdio') return { kind: 'stdio' };
  if (arg.startsWith('unix:')) return socketEndpoint(parseKeyValues(arg.slice(5), loc, 'path', SOCKET_KEYS), loc, 'unix');
  if (arg.startsWith('tcp:')) return socketEndpoint(parseKeyValues(arg.slice(4), loc, 'hostport', SOCKET_KEYS), loc, 'tcp');
  if (['vc', 'null', 'pty'].includes(arg) || arg.startsWith('telnet:') || arg.startsWith('file:') || arg.startsWith('mon:')) {
    throw new CliError(`${loc}: not supported by tkvm's monitors (use unix:PATH,server,nowait, tcp:HOST:PORT,server,nowait or stdio)`);
  }
  throw new CliError(`${loc}: '${arg}' is not a valid char driver`);
}

const SOCKET_KEYS = ['path', 'hostport', 'host', 'port', 'server', 'wait', 'nodelay', 'id', 'ipv4', 'ipv6', 'to', 'reconnect', 'telnet'];

function socketEndpoint(kv: Map<string, string>, loc: string, kind: 'unix' | 'tcp'): MonitorEndpoint {
  const server = kv.has('server') ? parseBool(kv.get('server')!, 'server', loc) : false;
  const waitText = kv.get('wait');
  if (!server && waitText !== undefined) throw new CliError(`${loc}: 'wait' option is incompatible with socket in client connect mode`);
  const wait = waitText === undefined ? server : parseBool(waitText, 'wait', loc);
  for (const key of ['reconnect', 'telnet', 'to']) {
    if (kv.has(key)) throw new CliError(`${loc}: socket option '${key}' is not supported by tkvm's monitors`);
  }
  if (kind === 'unix') {
    const path = kv.get('path') ?? '';
    if (path === '') throw new CliError(`${loc}: a unix socket needs a path, e.g. unix:/tmp/qmp.sock,server,nowait`);
    if (Buffer.byteLength(path) > UNIX_PATH_MAX) throw new CliError(`${loc}: UNIX socket path '${path}' is too long`);
    if (!server) throw new CliError(`${loc}: tkvm's monitors only listen: add ',server,nowait' (connecting out to ${path} is not supported)`);
    return { kind: 'unix', path, wait };
  }
  let host: string;
  let portText: string;
  if (kv.has('hostport')) {
    const hp = kv.get('hostport')!;
    const colon = hp.lastIndexOf(':');
    if (colon < 0) throw new CliError(`${loc}: parse error: tcp:${hp}`);
    host = hp.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    portText = hp.slice(colon + 1);
  } else {
    host = kv.get('host') ?? '';
    portText = kv.get('port') ?? '';
  }
  const port = parseUint(portText);
  if (port === undefined || port > 65535) throw new CliError(`${loc}: invalid port '${portText}'`);
  if (!server) throw new CliError(`${loc}: tkvm's monitors only listen: add ',server,nowait' (connecting out is not supported)`);
  return { kind: 'tcp', host: host === '' ? '0.0.0.0' : host, port, wait };
}

/** -chardev socket,... or -chardev stdio,... (the backends a -mon can use). */
export function parseChardevOption(arg: string): ChardevSpec {
  const loc = where('-chardev', arg);
  const comma = arg.indexOf(',');
  const backend = comma < 0 ? arg : arg.slice(0, comma);
  const kv = parseKeyValues(comma < 0 ? '' : arg.slice(comma + 1), loc, undefined, [...SOCKET_KEYS, 'signal', 'logfile', 'mux']);
  const id = kv.get('id');
  if (id === undefined || id === '') throw new CliError(`${loc}: Parameter 'id' is missing`);
  if (backend === 'stdio') return { id, endpoint: { kind: 'stdio' } };
  if (backend !== 'socket') throw new CliError(`${loc}: chardev backend '${backend}' is not supported by tkvm's monitors (socket and stdio are)`);
  if (kv.has('path')) return { id, endpoint: socketEndpoint(kv, loc, 'unix') };
  if (!kv.has('port')) throw new CliError(`${loc}: chardev: socket: no host given`);
  return { id, endpoint: socketEndpoint(kv, loc, 'tcp') };
}

/** -mon chardev=ID[,mode=...][,pretty=...], resolved against the -chardev options seen. */
export function parseMonOption(arg: string, chardevs: readonly ChardevSpec[]): MonitorSpec {
  const loc = where('-mon', arg);
  const kv = parseKeyValues(arg, loc, 'chardev', ['chardev', 'mode', 'pretty', 'default']);
  const id = kv.get('chardev');
  if (id === undefined) throw new CliError(`${loc}: Parameter 'chardev' is missing`);
  const dev = chardevs.find((c) => c.id === id);
  if (dev === undefined) throw new CliError(`${loc}: chardev "${id}" not found`);
  const mode = kv.get('mode') ?? 'readline';
  if (mode !== 'control' && mode !== 'readline') throw new CliError(`${loc}: Parameter 'mode' does not accept value '${mode}'`);
  const pretty = kv.has('pretty') ? parseBool(kv.get('pretty')!, 'pretty', loc) : undefined;
  return { mode, endpoint: dev.endpoint, ...(pretty !== undefined ? { pretty } : {}) };
}
