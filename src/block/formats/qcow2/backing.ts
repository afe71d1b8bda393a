/**
 * Backing files: name resolution relative to the image's directory (like qemu), a loop guard
 * shared by every open in this process (it works even when the CLI's own resolver re-enters the
 * qcow2 driver), and a minimal read-only raw driver for backing files that are not qcow2.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { realpath } from 'node:fs/promises';
import { BlockError, type BlockDriver, type BlockInfo, type BlockStatus } from '../../driver.js';
import { HostFile } from '../../host-file.js';

/** Opens a backing file of some format; supplied by the format registry (the CLI). */
export type BackingResolver = (path: string, format: string | undefined, readOnly: boolean) => Promise<BlockDriver>;

/** Longest backing chain we follow, as a last guard besides loop detection. */
export const MAX_CHAIN_DEPTH = 64;

const opening = new Set<string>();

/** Resolves a stored backing name against the directory of the image naming it. */
export function resolveBackingPath(imagePath: string, name: string): string {
  if (name.startsWith('json:')) {
    throw new BlockError('unsupported-feature', `backing file name '${name.slice(0, 40)}...' uses the json: pseudo-protocol, which is not supported`, { path: imagePath });
  }
  return isAbsolute(name) ? name : resolve(dirname(imagePath), name);
}

/** Registers `path` as being opened; throws a clear error when it is already being opened (a loop). */
export async function enterChain(path: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    throw new BlockError('io', `Could not open '${path}': ${(e as Error).message}`, { path }, e);
  }
  if (opening.has(real)) {
    throw new BlockError('corrupt-image', `Backing chain of '${path}' creates an infinite loop (the file is its own backing file, directly or indirectly)`, { path });
  }
  if (opening.size >= MAX_CHAIN_DEPTH) {
    throw new BlockError('unsupported-feature', `Backing chain deeper than ${MAX_CHAIN_DEPTH} images at '${path}'`, { path });
  }
  opening.add(real);
  return real;
}

/** Ends the registration made by enterChain. */
export function leaveChain(real: string): void {
  opening.delete(real);
}

/** Read-only raw image, used as a backing file when no format resolver is supplied. */
export class RawReader implements BlockDriver {
  private constructor(private readonly file: HostFile) {}

  /** Opens `path` read-only as a raw image. */
  static async open(path: string): Promise<RawReader> {
    return new RawReader(await HostFile.open(path, true, false));
  }

  async read(offset: number, buf: Uint8Array): Promise<void> {
    await this.file.read(offset, buf);
  }
  async write(): Promise<void> {
    throw new BlockError('read-only', `backing file '${this.file.path}' is opened read-only`);
  }
  async flush(): Promise<void> {}
  async discard(): Promise<void> {
    throw new BlockError('read-only', `backing file '${this.file.path}' is opened read-only`);
  }
  async writeZeroes(): Promise<void> {
    throw new BlockError('read-only', `backing file '${this.file.path}' is opened read-only`);
  }
  async getInfo(): Promise<BlockInfo> {
    return { format: 'raw', virtualSize: this.file.size, actualSize: await this.file.allocatedBytes(), readOnly: true };
  }
  async blockStatus(offset: number, length: number): Promise<BlockStatus> {
    return { offset, length, data: true, zero: false, depth: 0, present: true };
  }
  async close(): Promise<void> {
    await this.file.close();
  }
}
