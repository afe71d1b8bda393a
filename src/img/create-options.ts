/**
 * qemu-img's creation options (-o key=value) per format: parsing them into CreateOptions,
 * the "Formatting 'x', fmt=... " line qemu-img prints, and the `-o help` listing.
 */
import { BlockError } from '../block/driver.js';
import type { CreateOptions } from '../block/format.js';
import { parseSize } from './size.js';

/** One option a format accepts, with qemu-img's help text and the default it prints. */
interface OptionDesc {
  readonly key: string;
  readonly help: string;
  /** Printed in the Formatting line even when not given (qcow2's defaults). */
  readonly shownDefault?: string;
}

const SIZE: OptionDesc = { key: 'size', help: 'size=<size>            - Virtual disk size' };
const BACKING: OptionDesc[] = [
  { key: 'backing_file', help: 'backing_file=<str>     - File name of a base image' },
  { key: 'backing_fmt', help: 'backing_fmt=<str>      - Format of the backing image' },
];
const PREALLOC = (modes: string): OptionDesc => ({
  key: 'preallocation', help: `preallocation=<str>    - Preallocation mode (allowed values: ${modes})`,
});

/** Options per format, in the order qemu-img prints them in the Formatting line. */
const FORMAT_OPTIONS: Record<string, OptionDesc[]> = {
  raw: [SIZE, PREALLOC('off, falloc, full')],
  // qemu passes preallocation to the file it then truncates to zero, so for qcow it has no effect.
  qcow: [SIZE, ...BACKING, PREALLOC('off, falloc, full')],
  qcow2: [
    { key: 'cluster_size', help: 'cluster_size=<size>    - qcow2 cluster size', shownDefault: '65536' },
    { key: 'extended_l2', help: 'extended_l2=<bool (on/off)> - Extended L2 tables', shownDefault: 'off' },
    PREALLOC('off, metadata, falloc, full'),
    { key: 'compression_type', help: 'compression_type=<str> - Compression method used for image cluster compression',
      shownDefault: 'zlib' },
    SIZE,
    ...BACKING,
    { key: 'compat', help: 'compat=<str>           - Compatibility level (v2 [0.10] or v3 [1.1])' },
    { key: 'lazy_refcounts', help: 'lazy_refcounts=<bool (on/off)> - Postpone refcount updates',
      shownDefault: 'off' },
    { key: 'refcount_bits', help: 'refcount_bits=<num>    - Width of a reference count entry in bits',
      shownDefault: '16' },
  ],
};

/** The `-o help` text for a format. */
export function createOptionsHelp(format: string): string {
  const opts = [...(FORMAT_OPTIONS[format] ?? [SIZE])].sort((a, b) => a.key.localeCompare(b.key));
  return 'Supported options:\n' + opts.map((o) => `  ${o.help}\n`).join('');
}

function bool(key: string, value: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new BlockError('unsupported-feature', `Parameter '${key}' expects 'on' or 'off'`, { key });
}

/** What parseCreateOptions found: the typed options and the normalised strings for printing. */
export interface ParsedCreate {
  readonly options: CreateOptions;
  /** key -> printed value, for the Formatting line. */
  readonly printed: Map<string, string>;
}

/**
 * Turns -o pairs (plus size and -b/-F) into CreateOptions. Type errors (bad bool, bad number)
 * are raised here, before the Formatting line, like qemu's option parser.
 */
export function parseCreateOptions(format: string, pairs: Map<string, string>, size: number): ParsedCreate {
  const known = FORMAT_OPTIONS[format];
  const printed = new Map<string, string>();
  const o: { -readonly [K in keyof CreateOptions]: CreateOptions[K] } = { size };
  const extra: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (key === 'size') continue;
    if (known !== undefined && !known.some((d) => d.key === key)) {
      throw new BlockError('unsupported-feature', `Invalid parameter '${key}'`, { key });
    }
    switch (key) {
      case 'cluster_size': {
        const v = parseSize(value);
        if (v === undefined) throw new BlockError('unsupported-feature', `Parameter 'cluster_size' expects a non-negative number below 2^64`, {});
        o.clusterSize = v;
        printed.set(key, String(v));
        break;
      }
      case 'refcount_bits': {
        if (!/^[0-9]+$/.test(value)) throw new BlockError('unsupported-feature', `Parameter 'refcount_bits' expects a number`, {});
        o.refcountBits = Number(value);
        printed.set(key, value);
        break;
      }
      case 'lazy_refcounts':
        o.lazyRefcounts = bool(key, value);
        printed.set(key, value);
        break;
      case 'extended_l2':
        extra[key] = bool(key, value) ? 'on' : 'off';
        printed.set(key, value);
        break;
      case 'compat':
        o.compat = value;
        printed.set(key, value);
        break;
      case 'preallocation':
        o.preallocation = value as CreateOptions['preallocation'];
        printed.set(key, value);
        break;
      case 'backing_file':
        o.backingFile = value;
        printed.set(key, value);
        break;
      case 'backing_fmt':
        o.backingFormat = value;
        printed.set(key, value);
        break;
      default:
        extra[key] = value;
        printed.set(key, value);
    }
  }
  if (Object.keys(extra).length > 0) o.extra = extra;
  printed.set('size', String(size));
  return { options: o, printed };
}

/** The "Formatting 'x', fmt=..." line, keys in the format's order, defaults shown like qemu-img. */
export function formattingLine(path: string, format: string, printed: Map<string, string>): string {
  const parts = [`Formatting '${path}', fmt=${format}`];
  const order = FORMAT_OPTIONS[format];
  const done = new Set<string>();
  for (const d of order ?? []) {
    const v = printed.get(d.key) ?? d.shownDefault;
    if (v !== undefined) parts.push(`${d.key}=${v}`);
    done.add(d.key);
  }
  for (const [k, v] of printed) if (!done.has(k)) parts.push(`${k}=${v}`);
  return parts.join(' ') + '\n';
}

/** Checks a preallocation value (after the Formatting line, as qemu does). */
export function checkPreallocation(value: string | undefined): void {
  if (value === undefined || ['off', 'metadata', 'falloc', 'full'].includes(value)) return;
  throw new BlockError('unsupported-feature', `Parameter 'preallocation' does not accept value '${value}'`, {});
}
