/**
 * Helpers every `tkvm img` subcommand shares: opening images with qemu-img's error wording,
 * -o option strings, output and the --output switch.
 */
import type { CacheMode } from '../block/format.js';
import { BlockError } from '../block/driver.js';
import { openImage, type OpenedImage } from '../block/open.js';
import { ImgUsageError } from './errors.js';
import { stdout } from './stdout.js';

/** Writes to stdout. */
export function out(text: string): void {
  stdout().write(text);
}

/** Writes qemu's warnings (the probed-raw text) to stderr. */
export function warn(text: string): void {
  process.stderr.write(text);
}

/** Options for openForCli. */
export interface CliOpenOptions {
  readonly format?: string | undefined;
  readonly readOnly: boolean;
  /** -U / --force-share: skip locking. */
  readonly forceShare?: boolean;
  readonly openBacking?: boolean;
  /** -t: the host cache mode (only 'unsafe' changes anything: no fdatasync). */
  readonly cache?: CacheMode;
}

/** qemu's cache mode names, for -t / -T. */
export const CACHE_MODES: readonly CacheMode[] = ['none', 'writeback', 'writethrough', 'directsync', 'unsafe'];

/** Parses a -t value as qemu-img does ("Invalid cache option: X"). */
export function parseCacheMode(value: string): CacheMode {
  if ((CACHE_MODES as readonly string[]).includes(value)) return value as CacheMode;
  throw new BlockError('invalid-format', `Invalid cache option: ${value}`, { value });
}

/** Opens an image, wrapping failures as qemu-img does: "Could not open 'x': <reason>". */
export async function openForCli(path: string, o: CliOpenOptions): Promise<OpenedImage> {
  try {
    return await openImage(path, {
      readOnly: o.readOnly,
      ...(o.format !== undefined ? { format: o.format } : {}),
      lock: o.forceShare !== true,
      openBacking: o.openBacking ?? true,
      ...(o.cache !== undefined ? { cache: o.cache } : {}),
      warn,
    });
  } catch (err) {
    if (err instanceof BlockError) {
      throw new BlockError(err.kind, `Could not open '${path}': ${err.message}`, err.context, err);
    }
    throw err;
  }
}

/** Parses a -o string ("a=b,c=d", ",," escapes a comma) into ordered key/value pairs. */
export function parseOptionString(text: string): Map<string, string> {
  const result = new Map<string, string>();
  let cur = '';
  const items: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === ',' && text[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (c === ',') {
      items.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  items.push(cur);
  for (const item of items) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) {
      if (item === 'help' || item === '?') result.set('help', '');
      else result.set(item, 'on');
    } else {
      result.set(item.slice(0, eq), item.slice(eq + 1));
    }
  }
  return result;
}

/** Validates --output: "human" (default) or "json", with qemu-img's error. */
export function parseOutputFormat(value: string | undefined): 'human' | 'json' {
  if (value === undefined || value === 'human') return 'human';
  if (value === 'json') return 'json';
  throw new ImgUsageError('--output must be used with human or json as argument.');
}

/** qemu's JSON pretty printer output: 4-space indentation, as JSON.stringify gives it. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 4);
}

/** Requires exactly one positional filename, else qemu-img's usage error. */
export function oneFilename(positional: readonly string[]): string {
  if (positional.length === 0) throw new ImgUsageError('Expecting one image file name', true);
  if (positional.length > 1) throw new ImgUsageError(`Expecting one image file name`, true);
  return positional[0] as string;
}
