/**
 * -serial DEV (QEMU's legacy chardev syntax, qemu_chr_parse_compat) for the backends tkvm has:
 * stdio, mon:stdio, null, none, file:PATH, unix:PATH[,server][,wait=off|nowait].
 * Checked against qemu-system-x86_64 7.2: `file:` takes the rest verbatim as the path (commas
 * included) and truncates the file; `unix:` takes QemuOpts with the path as the implied key;
 * `server` waits for a client unless wait=off; `wait` without `server` is an error.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CharSpec } from './config.js';
import { CliError, where } from './options-error.js';
import { parseBool, parseKeyValues } from './options-kv.js';

/** One -serial argument: a backend, or `none` (this index gets no port). */
export type SerialArg = CharSpec | { readonly kind: 'none' };

/** QEMU backends tkvm knows by name but does not implement yet: a clear "not supported" error. */
const UNSUPPORTED_PREFIXES = ['vc', 'pty', 'tcp:', 'telnet:', 'udp:', 'pipe:', 'chardev:', 'msmouse', 'braille', '/dev/'];

/** Longest unix socket path the kernel takes (sun_path is 108 bytes with its NUL). */
const UNIX_PATH_MAX = 107;

/** Parses one -serial argument. */
export function parseSerial(arg: string): SerialArg {
  const loc = where('-serial', arg);
  if (arg === 'none') return { kind: 'none' };
  if (arg === 'null') return { kind: 'null' };
  if (arg === 'stdio') return { kind: 'stdio' };
  if (arg === 'mon:stdio') return { kind: 'stdio', mux: true };
  if (arg.startsWith('mon:')) {
    throw new CliError(`${loc}: 'mon:' is supported only as mon:stdio for now`);
  }
  if (arg.startsWith('file:')) return parseFile(arg.slice('file:'.length), loc);
  if (arg.startsWith('unix:')) return parseUnix(arg.slice('unix:'.length), loc);
  for (const prefix of UNSUPPORTED_PREFIXES) {
    if (arg === prefix || arg.startsWith(prefix.endsWith(':') || prefix.endsWith('/') ? prefix : `${prefix}:`)) {
      throw new CliError(`${loc}: not supported yet (tkvm supports stdio, mon:stdio, null, none, file:PATH, unix:PATH)`);
    }
  }
  const name = arg.split(':')[0] ?? arg;
  throw new CliError(
    `${loc}: '${name}' is not a valid char driver (tkvm supports stdio, mon:stdio, null, none, file:PATH, unix:PATH)`,
  );
}

function parseFile(path: string, loc: string): CharSpec {
  if (path === '') throw new CliError(`${loc}: Could not open '': No such file or directory`);
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : 'Permission denied';
    throw new CliError(`${loc}: Could not open '${path}': ${reason}`, { path }, err);
  }
  return { kind: 'file', path };
}

/** Keys of QEMU's socket chardev that tkvm recognises but does not implement. */
const UNIX_UNSUPPORTED = ['reconnect', 'telnet', 'tn3270', 'websocket', 'abstract', 'tight', 'logfile', 'logappend'];

function parseUnix(rest: string, loc: string): CharSpec {
  const kv = parseKeyValues(rest, loc, 'path', ['path', 'server', 'wait', 'nodelay', ...UNIX_UNSUPPORTED]);
  for (const key of UNIX_UNSUPPORTED) {
    if (kv.has(key)) throw new CliError(`${loc}: socket option '${key}' is not supported yet`, { key });
  }
  const path = kv.get('path') ?? '';
  if (path === '') throw new CliError(`${loc}: unix socket needs a path, e.g. unix:/tmp/serial.sock,server,wait=off`);
  if (Buffer.byteLength(path) > UNIX_PATH_MAX) {
    throw new CliError(`${loc}: UNIX socket path '${path}' is too long (at most ${UNIX_PATH_MAX} bytes)`, { path });
  }
  const serverText = kv.get('server');
  const server = serverText === undefined ? false : parseBool(serverText, 'server', loc);
  const waitText = kv.get('wait');
  if (!server && waitText !== undefined) {
    throw new CliError(`${loc}: 'wait' option is incompatible with socket in client connect mode`);
  }
  const wait = waitText === undefined ? server : parseBool(waitText, 'wait', loc);
  if (kv.has('nodelay')) parseBool(kv.get('nodelay') ?? '', 'nodelay', loc); // TCP only: accepted, no effect
  return { kind: 'unix', path, server, wait };
}
