/**
 * QEMU's `key=value,key=value` option syntax (QemuOpts), as used by -m, -smp, -drive, -device...
 * Rules mirrored from QEMU 7.2 (checked against qemu-system-x86_64):
 * - `,,` inside a key or value is a literal comma;
 * - the first element may omit `key=`: it then sets the option's implied key (`-m 2G` is size=2G);
 * - a later element without `=` is a boolean flag: `server` means server=on and the legacy
 *   `noKEY` form means KEY=off (`nowait` is wait=off);
 * - a repeated key keeps the last value (`-m size=256,size=512` gives 512 MiB).
 */
import { CliError } from './options-error.js';

/** One parsed option argument: ordered keys with their last value. */
export type KeyValues = Map<string, string>;

/** Splits on single commas; `,,` becomes a literal comma. */
export function splitQemuList(text: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === ',') {
      if (text[i + 1] === ',') {
        cur += ',';
        i++;
        continue;
      }
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  parts.push(cur);
  return parts;
}

/**
 * Parses `text` into keys and values. `implied` names the key of a leading bare value;
 * `where` prefixes error messages (`-m 0x`). Keys outside `allowed` are rejected the way
 * QEMU rejects them: "Invalid parameter 'foo'".
 */
export function parseKeyValues(
  text: string,
  where: string,
  implied: string | undefined,
  allowed: readonly string[],
): KeyValues {
  const out: KeyValues = new Map();
  const parts = splitQemuList(text);
  parts.forEach((part, index) => {
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    if (eq >= 0) {
      key = part.slice(0, eq);
      value = part.slice(eq + 1);
    } else if (index === 0 && implied !== undefined) {
      key = implied;
      value = part;
    } else if (part === '' && index === parts.length - 1 && index > 0) {
      return; // QEMU tolerates one trailing comma ("-m 256,")
    } else if (part.startsWith('no') && allowed.includes(part.slice(2)) && !allowed.includes(part)) {
      key = part.slice(2);
      value = 'off';
    } else {
      key = part;
      value = 'on';
    }
    if (!allowed.includes(key)) throw new CliError(`${where}: Invalid parameter '${key}'`, { key });
    out.set(key, value);
  });
  return out;
}

/** QEMU's boolean spellings: on/yes/true/y and off/no/false/n. */
export function parseBool(value: string, key: string, where: string): boolean {
  if (['on', 'yes', 'true', 'y'].includes(value)) return true;
  if (['off', 'no', 'false', 'n'].includes(value)) return false;
  throw new CliError(`${where}: Parameter '${key}' expects 'on' or 'off'`, { key, value });
}

/**
 * QEMU's integer properties (`iobase=0xf4`, `index=2`): decimal, 0x-hex or 0-octal, like
 * strtoull with base 0. Returns undefined when the text is not a whole number.
 */
export function parseUint(value: string): number | undefined {
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(value)) v = parseInt(value.slice(2), 16);
  else if (/^0[0-7]+$/.test(value)) v = parseInt(value.slice(1), 8);
  else if (/^[0-9]+$/.test(value)) v = parseInt(value, 10);
  else return undefined;
  return Number.isSafeInteger(v) ? v : undefined;
}
