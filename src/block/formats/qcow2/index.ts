/**
 * qcow2 format entry point: the ImageFormat the registry (src/block/formats/index.ts) lists, and
 * the driver class the CLI uses for whole-image operations.
 */
import type { CreateOptions, ImageFormat, OpenOptions } from '../../format.js';
import type { BlockDriver } from '../../driver.js';
import type { BackingResolver } from './backing.js';
import { planCreate, preallocate, writeSkeleton } from './create.js';
import { probeQcow2 } from './probe.js';
import { Qcow2Driver } from './qcow2-driver.js';

/** The driver class, for whole-image operations (check, snapshots, resize, ...). */
export { Qcow2Driver } from './qcow2-driver.js';
/** Signature of the backing-file opener callers may pass to open(). */
export type { BackingResolver } from './backing.js';

/** Creates an image; preallocation runs through the normal allocation path of an open driver. */
async function create(path: string, options: CreateOptions): Promise<void> {
  const plan = planCreate(options);
  await writeSkeleton(path, plan.header);
  if (plan.preallocation !== 'off') {
    const drv = await Qcow2Driver.open(path, { readOnly: false, openBacking: false });
    try {
      await preallocate(drv, plan.preallocation);
    } finally {
      await drv.close();
    }
  }
}

/** The qcow2 ImageFormat: probe by magic and version >= 2, open, create. */
export const qcow2Format: ImageFormat & {
  open(path: string, options: OpenOptions, openBacking?: BackingResolver): Promise<BlockDriver>;
} = {
  name: 'qcow2',
  probe: probeQcow2,
  open(path: string, options: OpenOptions, openBacking?: BackingResolver): Promise<BlockDriver> {
    return Qcow2Driver.open(path, options, openBacking);
  },
  create,
};
