/**
 * Qcow2Driver: the public driver class (BlockDriver + ImageOps). It adds the open sequence
 * (backing chain, dirty-bit recovery, autoclear bits) to Qcow2Core and wires the whole-image
 * operations implemented in their own files. Those files are imported on first use: reads,
 * writes and copies (a VM's disk, convert) do not need them, and each module loaded costs
 * start-up time.
 */
import type { OpenOptions } from '../../format.js';
import type { CheckReport, ImageOps, SnapshotInfo } from '../../image-ops.js';
import type { BackingResolver } from './backing.js';
import { Qcow2Core } from './driver.js';
import { INCOMPAT_DIRTY } from './header.js';

/** The whole-image operation modules, imported when first needed. */
const checkOps = (): Promise<typeof import('./check.js')> => import('./check.js');
const imageOps = (): Promise<typeof import('./ops.js')> => import('./ops.js');
const snapshotOps = (): Promise<typeof import('./snapshots.js')> => import('./snapshots.js');

/** An open qcow2 image; see the file comment. */
export class Qcow2Driver extends Qcow2Core implements ImageOps {
  /** Opens `path` (and its backing chain through `resolver`, or the built-in qcow2/raw fallback). */
  static async open(path: string, options: OpenOptions, resolver?: BackingResolver): Promise<Qcow2Driver> {
    const token = await Qcow2Core.enter(path);
    try {
      const p = await Qcow2Core.load(path, options);
      const drv = new Qcow2Driver(p.file, p.h, p.l1, p.reftable, p.readOnly, p.notice);
      try {
        if (options.openBacking !== false) {
          await drv.openBackingChain(path, resolver, (bp) => Qcow2Driver.open(bp, { readOnly: true }, resolver));
        }
        if (!drv.readOnly) await drv.afterOpenWritable();
      } catch (e) {
        await drv.close().catch(() => undefined);
        throw e;
      }
      return drv;
    } finally {
      Qcow2Core.leave(token);
    }
  }

  private async afterOpenWritable(): Promise<void> {
    let rewrite = false;
    if (this.h.incompatible & INCOMPAT_DIRTY) {
      // Refcounts may be stale (lazy refcounts, unclean close): rebuild them from L1/L2.
      await this.check('all');
      this.h.incompatible &= ~INCOMPAT_DIRTY;
      rewrite = true;
    }
    if (this.h.autoclear !== 0n) {
      // Autoclear bits describe data (bitmaps) this driver does not keep up to date.
      this.h.autoclear = 0n;
      rewrite = true;
    }
    if (rewrite) {
      await this.writeHeader();
      await this.file.sync();
    }
  }

  /** qemu-img info's "dirty-flag": refcounts may be stale (lazy refcounts, unclean close). */
  get dirtyFlag(): boolean {
    return (this.h.incompatible & INCOMPAT_DIRTY) !== 0n;
  }

  /** See ImageOps.check. */
  async check(repair: 'none' | 'leaks' | 'all' = 'none'): Promise<CheckReport> {
    return (await checkOps()).checkImage(this, repair);
  }

  /** See ImageOps.listSnapshots. */
  async listSnapshots(): Promise<readonly SnapshotInfo[]> {
    return (await (await snapshotOps()).readSnapshotTable(this)).map((s) => s.info);
  }

  /** See ImageOps.createSnapshot. */
  async createSnapshot(name: string): Promise<void> {
    this.assertWritable();
    return (await snapshotOps()).createSnapshot(this, name);
  }

  /** See ImageOps.applySnapshot. */
  async applySnapshot(nameOrId: string): Promise<void> {
    this.assertWritable();
    return (await snapshotOps()).applySnapshot(this, nameOrId);
  }

  /** See ImageOps.deleteSnapshot. */
  async deleteSnapshot(nameOrId: string): Promise<void> {
    this.assertWritable();
    return (await snapshotOps()).deleteSnapshot(this, nameOrId);
  }

  /** See ImageOps.resize. */
  async resize(newSize: number, allowShrink: boolean): Promise<void> {
    return (await imageOps()).resizeImage(this, newSize, allowShrink);
  }

  /** See ImageOps.amend. */
  async amend(options: { readonly compat?: string; readonly lazyRefcounts?: boolean }): Promise<void> {
    return (await imageOps()).amendImage(this, options);
  }

  /** See ImageOps.setBacking. */
  async setBacking(file: string | undefined, format: string | undefined): Promise<void> {
    return (await imageOps()).setBackingFile(this, file, format);
  }
}
