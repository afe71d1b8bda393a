/**
 * `tkvm img commit [-q] [-f fmt] [-t cache] [-b base] [-d] [-p] filename`: copies what the image
 * itself allocates into its backing file, then (unless -d) empties the image.
 */
import { realpath } from 'node:fs/promises';
import { resolveBackingPath } from '../../block/backing-path.js';
import { BlockError } from '../../block/driver.js';
import { oneFilename, openForCli, out } from '../common.js';
import { ImgUsageError } from '../errors.js';
import { rawExtents } from '../extents.js';
import { getopt } from '../getopt.js';
import { Progress } from '../progress.js';

const CHUNK = 2 << 20;

/** Runs `commit`. */
export async function commitCommand(argv: string[]): Promise<number> {
  const { options, positional } = getopt(argv, ':f:ht:b:dpqr:', [
    { name: 'help', hasArg: false }, { name: 'object', hasArg: true }, { name: 'image-opts', hasArg: false },
  ]);
  let format: string | undefined;
  let base: string | undefined;
  let drop = false;
  let quiet = false;
  let progressWanted = false;
  for (const o of options) {
    if (o.name === 'f') format = o.value;
    else if (o.name === 'b') {
      base = o.value;
      drop = true; // -b implies -d, like qemu-img
    } else if (o.name === 'd') drop = true;
    else if (o.name === 'q') quiet = true;
    else if (o.name === 'p') progressWanted = true;
  }
  const filename = oneFilename(positional);
  const top = await openForCli(filename, { format, readOnly: false, openBacking: false });
  try {
    const info = await top.driver.getInfo();
    if (info.backingFile === undefined) throw new BlockError('invalid-format', 'Image does not have a backing file', {});
    const basePath = resolveBackingPath(filename, info.backingFile);
    if (base !== undefined) {
      const [a, b] = await Promise.all([realpath(base).catch(() => base), realpath(basePath).catch(() => basePath)]);
      if (a !== b) throw new ImgUsageError(`tkvm img commits only into the immediate backing file ('${basePath}'), not '${base}'`);
    }
    const below = await openForCli(basePath, { format: info.backingFormat, readOnly: false });
    try {
      const baseSize = (await below.driver.getInfo()).virtualSize;
      if (baseSize < info.virtualSize) {
        if (below.driver.resize === undefined) throw new BlockError('unsupported-feature', `Cannot grow the backing file '${basePath}'`, {});
        await below.driver.resize(info.virtualSize, false);
      }
      const progress = new Progress(progressWanted, info.virtualSize);
      for await (const st of rawExtents(top.driver, 0, info.virtualSize)) {
        if (st.depth === 0 && st.present !== false) {
          if (st.zero && !st.data) await below.driver.writeZeroes(st.offset, st.length);
          else {
            for (let p = 0; p < st.length; p += CHUNK) {
              const buf = new Uint8Array(Math.min(CHUNK, st.length - p));
              await top.driver.read(st.offset + p, buf);
              await below.driver.write(st.offset + p, buf);
            }
          }
        }
        progress.update(st.offset + st.length);
      }
      await below.driver.flush();
      progress.finish();
    } finally {
      await below.driver.close();
    }
    if (!drop) {
      if (top.driver.makeEmpty !== undefined) await top.driver.makeEmpty();
      else await top.driver.discard(0, info.virtualSize);
    }
    if (!quiet) out('Image committed.\n');
    return 0;
  } finally {
    await top.driver.close();
  }
}
