/**
 * -chardev BACKEND,id=ID[,...] and -debugcon DEV (QEMU 7.2's syntax for the backends tkvm has:
 * null, stdio, file (path=), socket (path= for unix sockets, server=, wait=)), and the
 * isa-debugcon device that uses a chardev by id.
 */
import type { CharSpec } from './config.js';
import { CliError, where } from './options-error.js';
import { parseBool, parseKeyValues, parseUint } from './options-kv.js';
import { parseDeviceProperties } from './options-machine.js';
import { parseSerial } from './options-serial.js';

/** One -chardev: its id and backend. */
export interface ChardevArg {
  readonly id: string;
  readonly spec: CharSpec;
}

/** QEMU chardev backends tkvm does not implement yet. */
const OTHER_BACKENDS = ['vc', 'pty', 'pipe', 'udp', 'serial', 'tty', 'parallel', 'parport', 'ringbuf', 'memory', 'msmouse', 'braille', 'spicevmc', 'spiceport', 'wctablet', 'testdev', 'qemu-vdagent', 'dbus', 'mux'];

/** -chardev BACKEND,id=ID,...; `stdio` also takes signal=, `file` takes path=. */
export function parseChardev(arg: string): ChardevArg {
  const loc = where('-chardev', arg);
  const backend = arg.split(',')[0] ?? '';
  const keys = ['backend', 'id', 'path', 'server', 'wait', 'signal', 'mux', 'append', 'logfile', 'logappend'];
  const kv = parseKeyValues(arg, loc, 'backend', keys);
  const id = kv.get('id');
  if (id === undefined || id === '') throw new CliError(`${loc}: Parameter 'id' is missing`);
  if (kv.has('mux') && parseBool(kv.get('mux')!, 'mux', loc)) throw new CliError(`${loc}: mux=on is not supported yet`);
  for (const key of ['append', 'logfile', 'logappend']) if (kv.has(key)) throw new CliError(`${loc}: chardev option '${key}' is not supported yet`, { key });
  const path = kv.get('path');
  switch (backend) {
    case 'null':
      return { id, spec: { kind: 'null' } };
    case 'stdio':
      if (kv.has('signal')) parseBool(kv.get('signal')!, 'signal', loc);
      return { id, spec: { kind: 'stdio' } };
    case 'file':
      if (path === undefined) throw new CliError(`${loc}: chardev: file: no filename given`);
      return { id, spec: parseSerial(`file:${path}`) as CharSpec };
    case 'socket': {
      if (path === undefined) throw new CliError(`${loc}: chardev: socket: tkvm supports unix sockets only: give path=`);
      const server = kv.has('server') && parseBool(kv.get('server')!, 'server', loc);
      const wait = kv.has('wait') ? parseBool(kv.get('wait')!, 'wait', loc) : server;
      if (!server && kv.has('wait')) throw new CliError(`${loc}: 'wait' option is incompatible with socket in client connect mode`);
      return { id, spec: { kind: 'unix', path, server, wait } };
    }
    default:
      if (OTHER_BACKENDS.includes(backend)) throw new CliError(`${loc}: chardev backend '${backend}' is not supported yet (tkvm has null, stdio, file, socket)`);
      throw new CliError(`${loc}: '${backend}' is not a valid char driver name`);
  }
}

/** Port QEMU's isa-debugcon uses by default. */
export const DEBUGCON_DEFAULT_IOBASE = 0xe9;
/** SeaBIOS's debug log port; -debugcon maps it too, so that -debugcon shows SeaBIOS's log. */
export const DEBUGCON_SEABIOS_IOBASE = 0x402;

/** -debugcon DEV: the same device syntax as -serial; undefined for `none`. */
export function parseDebugcon(arg: string): CharSpec | undefined {
  let spec;
  try {
    spec = parseSerial(arg);
  } catch (err) {
    if (err instanceof CliError) throw new CliError(err.message.replace(/^-serial/, '-debugcon'), err.context as Record<string, unknown>, err);
    throw err;
  }
  return spec.kind === 'none' ? undefined : spec;
}

/** -device isa-debugcon,chardev=ID[,iobase=N][,readback=N]: the chardev id and port. */
export function parseIsaDebugcon(arg: string): { chardev: string; iobase: number } {
  const loc = where('-device', arg);
  const kv = parseDeviceProperties(arg, loc, 'isa-debugcon', ['chardev', 'iobase']);
  const chardev = kv.get('chardev');
  if (chardev === undefined) throw new CliError(`${loc}: Property 'chardev' is required`);
  const text = kv.get('iobase');
  const iobase = text === undefined ? DEBUGCON_DEFAULT_IOBASE : parseUint(text);
  if (iobase === undefined || iobase > 0xffff) throw new CliError(`${loc}: Parameter 'iobase' expects a port number 0..0xffff`);
  return { chardev, iobase };
}
