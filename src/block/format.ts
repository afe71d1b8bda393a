import type { BlockDriver } from './driver.js';

/** Options for opening an image, shared by `tkvm img` and the VM's disks. */
export interface OpenOptions {
  readonly readOnly: boolean;
  /** Format forced by the user (-f / format=); otherwise probed. */
  readonly format?: string;
  /** Open the backing chain too (default true). `rebase -u` and `info` may skip it. */
  readonly openBacking?: boolean;
  /** Take the qemu-style lock on the file (default true). */
  readonly lock?: boolean;
}

/** Options for creating an image: qemu-img's `-o` keys, already parsed. */
export interface CreateOptions {
  readonly size: number;
  readonly clusterSize?: number;
  /** qcow2 compat: "0.10" or "1.1". */
  readonly compat?: string;
  readonly preallocation?: 'off' | 'metadata' | 'falloc' | 'full';
  readonly backingFile?: string;
  readonly backingFormat?: string;
  readonly lazyRefcounts?: boolean;
  readonly refcountBits?: number;
  /** Other -o keys a format understands; unknown keys are rejected by the format. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** Opens a backing image for a format driver: resolved path, recorded format (else probe), read-only. */
export type OpenBackingFn = (path: string, format: string | undefined, readOnly: boolean) => Promise<BlockDriver>;

/**
 * One image format: how to recognise it, open it and create it. Formats register in
 * src/block/formats/index.ts; `tkvm img` and the machine find them by name or by probing.
 */
export interface ImageFormat {
  /** Name as qemu-img spells it: "raw", "qcow2", "qcow". */
  readonly name: string;
  /** Score 0 (not this format) .. 100 (magic matched) from the file's first bytes. */
  probe(head: Uint8Array, path: string): number;
  open(path: string, options: OpenOptions, openBacking?: OpenBackingFn): Promise<BlockDriver>;
  create(path: string, options: CreateOptions): Promise<void>;
}
