/**
 * Opening an image by path: pick the format (forced, or probed from the first bytes like qemu),
 * open its backing chain, and warn as qemu does when a writable image was guessed to be raw.
 */
import { open as fsOpen, realpath } from 'node:fs/promises';
import { BlockError, type BlockDriver } from './driver.js';
import type { OpenOptions } from './format.js';
import type { ImageOps } from './image-ops.js';
import { describeSystemError } from './host-file.js';
import { resolveBackingPath } from './backing-path.js';
import { findFormat, probeFormat } from './formats/index.js';
import { RawDriver } from './formats/raw/index.js';

/** Bytes read for probing (qemu reads 2048). */
const PROBE_BYTES = 2048;
/** Longest backing chain followed before assuming a loop. */
const MAX_CHAIN = 64;

/** qemu's warning text for a read-write image whose format was probed as raw (raw-format.c). */
export function probedRawWarning(path: string): string {
  return `WARNING: Image format was not specified for '${path}' and probing guessed raw.\n` +
    '         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n' +
    "         Specify the 'raw' format explicitly to remove the restrictions.\n";
}

/** Extra knobs of openImage beyond the shared OpenOptions. */
export interface OpenImageOptions extends OpenOptions {
  /** Receives warnings (the probed-raw text); default: dropped. */
  readonly warn?: (text: string) => void;
}

/** An opened image: the driver (with whatever ImageOps its format has) and how its format was chosen. */
export interface OpenedImage {
  readonly driver: BlockDriver & ImageOps;
  readonly format: string;
  /** The format was guessed by probing, not given. */
  readonly probed: boolean;
}

/** Reads the first bytes of `path` for probing; errors say "Could not open". */
async function readHead(path: string): Promise<Uint8Array> {
  let fh;
  try {
    fh = await fsOpen(path, 'r');
  } catch (err) {
    throw new BlockError('io', `Could not open '${path}': ${describeSystemError(err)}`, { path }, err);
  }
  try {
    if ((await fh.stat()).isDirectory()) {
      throw new BlockError('io', `'file' driver requires '${path}' to be a regular file`, { path });
    }
    const head = new Uint8Array(PROBE_BYTES);
    const { bytesRead } = await fh.read(head, 0, PROBE_BYTES, 0);
    return head.subarray(0, bytesRead);
  } catch (err) {
    if (err instanceof BlockError) throw err;
    throw new BlockError('io', `Could not read '${path}': ${describeSystemError(err)}`, { path }, err);
  } finally {
    await fh.close();
  }
}

/** "QFI\xfb" with version 2 or 3: a qcow2 header. */
function looksLikeQcow2(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return v.getUint32(0) === 0x514649fb && (v.getUint32(4) === 2 || v.getUint32(4) === 3);
}

/**
 * The path to open for a backing name a driver hands to openBacking. Drivers may pass the name
 * as stored in the image or already resolved against the image's directory (qemu's
 * full-backing-filename); both end up resolved exactly once.
 */
export function backingPathFor(imagePath: string, name: string): string {
  const slash = imagePath.lastIndexOf('/');
  if (name.startsWith('/') || slash < 0 || name.startsWith(imagePath.slice(0, slash + 1))) return name;
  return resolveBackingPath(imagePath, name);
}

/** Probes the format of `path` without opening it as an image. */
export async function probeImageFormat(path: string): Promise<string> {
  return probeFormat(await readHead(path), path).name;
}

async function openChain(path: string, options: OpenImageOptions, seen: string[]): Promise<OpenedImage> {
  const real = await realpath(path).catch(() => path);
  if (seen.includes(real)) {
    throw new BlockError('corrupt-image', `Backing file '${path}' creates an infinite loop.`, { path });
  }
  if (seen.length >= MAX_CHAIN) throw new BlockError('unsupported-feature', `Backing chain of '${path}' is too long`, { path });
  let format;
  let probed = false;
  if (options.format !== undefined) {
    format = findFormat(options.format);
    if (format === undefined) throw new BlockError('unsupported-feature', `Unknown driver '${options.format}'`, { path });
  } else {
    const head = await readHead(path);
    format = probeFormat(head, path);
    probed = true;
    if (format.name === 'raw' && looksLikeQcow2(head)) {
      // Never fall back to raw for a qcow2 file: writing it as raw would destroy it.
      throw new BlockError('unsupported-feature', `'${path}' is a qcow2 image, but this build has no qcow2 driver`, { path });
    }
  }
  const chain = [...seen, real];
  const openBacking = async (p: string, fmt: string | undefined, readOnly: boolean): Promise<BlockDriver> => {
    const { warn: _warn, format: _format, ...rest } = options;
    const opts: OpenImageOptions = { ...rest, readOnly, ...(fmt !== undefined ? { format: fmt } : {}) };
    try {
      return (await openChain(backingPathFor(path, p), opts, chain)).driver;
    } catch (err) {
      if (err instanceof BlockError && !err.message.includes('creates an infinite loop')) {
        throw new BlockError(err.kind, `Could not open backing file: ${err.message}`, err.context, err);
      }
      throw err;
    }
  };
  const driver = (await format.open(path, options, openBacking)) as BlockDriver & ImageOps;
  if (probed && format.name === 'raw' && !options.readOnly) {
    options.warn?.(probedRawWarning(path));
    if (driver instanceof RawDriver) {
      driver.restrictBlockZero = true;
      driver.probeHead = (head) => probeFormat(head, path).name;
    }
  }
  return { driver, format: format.name, probed };
}

/** Opens `path` as an image, probing its format unless `options.format` forces one. */
export async function openImage(path: string, options: OpenImageOptions): Promise<OpenedImage> {
  return openChain(path, options, []);
}
