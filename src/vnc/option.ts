/**
 * QEMU's `-vnc` option syntax: `[host]:D` (TCP port 5900+D), `unix:PATH`, or `none`, followed by
 * `,key=value` options. Options that change nothing for a plain, unauthenticated server are
 * accepted; features tkvm lacks (passwords, TLS, SASL, websockets, reverse connections, audio) are
 * refused with a clear message instead of being silently ignored.
 *
 * Difference from QEMU: a display without a host (`:1`) listens on 127.0.0.1 only (QEMU listens
 * on every interface); write `0.0.0.0:1` to be reachable from other machines.
 */
import { CliError, where } from '../cli/options-error.js';
import { parseBool, parseKeyValues } from '../cli/options-kv.js';

/** Where the VNC server listens. */
export type VncListen =
  | { kind: 'none' }
  | { kind: 'tcp'; host: string; display: number; lastDisplay: number; family?: 4 | 6 }
  | { kind: 'unix'; path: string };

/** A parsed -vnc argument. */
export type VncOption = VncListen & {
  /** Most clients at once (QEMU's connections=, default 32). */
  maxClients: number;
};

/** The first TCP port: display 0. */
export const VNC_BASE_PORT = 5900;

const ACCEPTED = ['vnc', 'to', 'ipv4', 'ipv6', 'share', 'lossy', 'non-adaptive', 'connections', 'key-delay-ms', 'id', 'display', 'head', 'power-control', 'password', 'sasl', 'reverse', 'websocket', 'tls-creds', 'tls-authz', 'sasl-authz', 'password-secret', 'x509', 'x509verify', 'acl', 'audiodev'];

/** Options that only make sense with features tkvm does not have, whatever their value. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  'tls-creds': 'TLS', 'tls-authz': 'TLS', x509: 'TLS', x509verify: 'TLS', 'sasl-authz': 'SASL', acl: 'SASL',
  'password-secret': 'password authentication', audiodev: 'audio', websocket: 'websocket connections',
};

/** Boolean options whose `on` needs a feature tkvm does not have. */
const UNSUPPORTED_ON: Readonly<Record<string, string>> = {
  password: 'password authentication', sasl: 'SASL authentication', reverse: 'reverse connections',
};

/** Parses a `-vnc` argument; throws CliError with QEMU's message shape. */
export function parseVncOption(arg: string): VncOption {
  const loc = where('-vnc', arg);
  const kv = parseKeyValues(arg, loc, 'vnc', ACCEPTED);
  for (const [key, value] of kv) {
    const feature = UNSUPPORTED[key];
    if (feature) throw new CliError(`${loc}: ${feature} for VNC is not supported by tkvm ('${key}')`, { key });
    const onFeature = UNSUPPORTED_ON[key];
    if (onFeature && parseBool(value, key, loc)) throw new CliError(`${loc}: ${onFeature} for VNC is not supported by tkvm (use ${key}=off)`, { key });
  }
  for (const key of ['lossy', 'non-adaptive', 'power-control', 'ipv4', 'ipv6']) {
    const v = kv.get(key);
    if (v !== undefined) parseBool(v, key, loc);
  }
  const share = kv.get('share');
  if (share !== undefined && !['allow-exclusive', 'force-shared', 'ignore'].includes(share)) {
    throw new CliError(`${loc}: unknown vnc share= option '${share}'`, { share });
  }
  const maxClients = number(kv.get('connections') ?? '32', 'connections', loc, 1, 65535);
  if (kv.has('key-delay-ms')) number(kv.get('key-delay-ms')!, 'key-delay-ms', loc, 0, 2 ** 31);
  const addr = kv.get('vnc') ?? '';
  if (addr === 'none') return { kind: 'none', maxClients };
  if (addr.startsWith('unix:')) {
    const path = addr.slice(5);
    if (path === '') throw new CliError(`${loc}: unix: needs a socket path`);
    return { kind: 'unix', path, maxClients };
  }
  const colon = addr.lastIndexOf(':');
  if (colon < 0) throw new CliError(`${loc}: address '${addr}' is not [host]:display, unix:path or none`);
  let host = addr.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const display = number(addr.slice(colon + 1), 'display', loc, 0, 65535 - VNC_BASE_PORT);
  const lastDisplay = kv.has('to') ? number(kv.get('to')!, 'to', loc, display, 65535 - VNC_BASE_PORT) : display;
  const ipv4 = kv.get('ipv4'), ipv6 = kv.get('ipv6');
  const family = ipv4 && parseBool(ipv4, 'ipv4', loc) ? 4 : ipv6 && parseBool(ipv6, 'ipv6', loc) ? 6 : undefined;
  const listen: VncOption = { kind: 'tcp', host: host === '' ? (family === 6 ? '::1' : '127.0.0.1') : host, display, lastDisplay, maxClients };
  if (family) listen.family = family;
  return listen;
}

function number(text: string, key: string, loc: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new CliError(`${loc}: ${key} '${text}' is not a number`, { key });
  const n = Number(text);
  if (n < min || n > max) throw new CliError(`${loc}: ${key} ${n} is out of range ${min}..${max}`, { key });
  return n;
}
