/**
 * Qcow2Driver: the public driver class (BlockDriver + ImageOps). It adds the open sequence
 * (backing chain, dirty-bit recovery, autoclear bits) to Qcow2Core and wires the whole-image
 * operations implemented in their own files.
 */
import type { OpenOptions } from '../../format.js';
import type { CheckReport, ImageOps, SnapshotInfo } from '../../image-ops.js';
import type { BackingResolver } from './backing.js';
import { Qcow2Core } from './driver.js';
import { checkImage } from './check.js';
import { INCOMPAT_DIRTY } from './header.js';
import { amendImage, resizeImage, setBackingFile } from './ops.js';
import { applySnapshot, createSnapshot, deleteSnapshot, readSnapshotTable } from './snapshots.js';

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
  check(repair: 'none' | 'leaks' | 'all' = 'none'): Promise<CheckReport> {
    return checkImage(this, repair);
  }

  /** See ImageOps.listSnapshots. */
  async listSnapshots(): Promise<readonly SnapshotInfo[]> {
    return (await readSnapshotTable(this)).map((s) => s.info);
  }

  /** See ImageOps.createSnapshot. */
  createSnapshot(name: string): Promise<void> {
    this.assertWritable();
    return createSnapshot(this, name);
  }

  /** See ImageOps.applySnapshot. */
  applySnapshot(nameOrId: string): Promise<void> {
    this.assertWritable();
    return applySnapshot(this, nameOrId);
  }

  /** See ImageOps.deleteSnapshot. */
  deleteSnapshot(nameOrId: string): Promise<void> {
    this.assertWritable();
    return deleteSnapshot(this, nameOrId);
  }

  /** See ImageOps.resize. */
  resize(newSize: number, allowShrink: boolean): Promise<void> {
    return resizeImage(this, newSize, allowShrink);
  }

  /** See ImageOps.amend. */
  amend(options: { readonly compat?: string; readonly lazyRefcounts?: boolean }): Promise<void> {
    return amendImage(this, options);
  }

  /** See ImageOps.setBacking. */
  setBacking(file: string | undefined, format: string | undefined): Promise<void> {
    return setBackingFile(this, file, format);
  }
}
