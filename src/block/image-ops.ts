/**
 * Whole-image operations beyond reading and writing (check, snapshots, resize, amend, rebase),
 * as `tkvm img` needs them. A driver implements the ones its format supports; the CLI tests for
 * presence and otherwise reports "Format X does not support Y" like qemu-img.
 */

/** Result of a consistency check; field names follow `qemu-img check --output=json`. */
export interface CheckReport {
  readonly filename: string;
  readonly format: string;
  readonly checkErrors: number;
  readonly corruptions: number;
  readonly leaks: number;
  readonly corruptionsFixed: number;
  readonly leaksFixed: number;
  readonly imageEndOffset?: number;
  readonly totalClusters?: number;
  readonly allocatedClusters?: number;
  readonly fragmentedClusters?: number;
  readonly compressedClusters?: number;
  /** Human-readable lines ("Leaked cluster 5 refcount=1 reference=0", "ERROR ...") as qemu-img prints them. */
  readonly messages: readonly string[];
}

/** An internal snapshot, as `qemu-img snapshot -l` lists it. */
export interface SnapshotInfo {
  readonly id: string;
  readonly name: string;
  readonly vmStateSize: number;
  readonly dateSec: number;
  readonly dateNsec: number;
  readonly vmClockNsec: bigint;
  readonly icount?: bigint;
}

/** Optional capabilities of an open image. */
export interface ImageOps {
  check?(repair: 'none' | 'leaks' | 'all'): Promise<CheckReport>;
  listSnapshots?(): Promise<readonly SnapshotInfo[]>;
  createSnapshot?(name: string): Promise<void>;
  applySnapshot?(nameOrId: string): Promise<void>;
  deleteSnapshot?(nameOrId: string): Promise<void>;
  resize?(newSize: number, allowShrink: boolean): Promise<void>;
  amend?(options: { readonly compat?: string; readonly lazyRefcounts?: boolean }): Promise<void>;
  /** Rewrites the backing-file reference only (what `rebase -u` does). */
  setBacking?(file: string | undefined, format: string | undefined): Promise<void>;
  /** Drops every allocation so the image reads entirely from its backing file (`commit` without -d). */
  makeEmpty?(): Promise<void>;
  /** Writes compressed data for one whole cluster at a cluster-aligned offset (`convert -c`). */
  writeCompressed?(offset: number, data: Uint8Array): Promise<void>;
}
