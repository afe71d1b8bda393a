/**
 * `tkvm img rebase [-U] [-q] [-f fmt] [-t cache] [-T src_cache] [-p] [-u] -b backing_file
 * [-F backing_fmt] filename`. Safe mode copies into the image every unallocated range whose
 * content differs between the old and the new backing file; -u only rewrites the header.
 */
import { resolveBackingPath } from '../../block/backing-path.js';
import { BlockError, type BlockDriver } from '../../block/driver.js';
import { probeImageFormat } from '../../block/open.js';
import { oneFilename, openForCli } from '../common.js';
import { ImgUsageError } from '../errors.js';
import { rawExtents } from '../extents.js';
import { getopt } from '../getopt.js';
import { Progress } from '../progress.js';

const CHUNK = 1 << 20;

async function readOrZero(d: BlockDriver | undefined, size: number, offset: number, buf: Buffer): Promise<void> {
  buf.fill(0);
  if (d === undefined || offset >= size) return;
  await d.read(offset, buf.subarray(0, Math.min(buf.length, size - offset)));
}

/** Runs `rebase`. */
export async function rebaseCommand(argv: string[]): Promise<number> {
  const { options, positional } = getopt(argv, ':hf:F:b:upt:T:qU', [
    { name: 'help', hasArg: false }, { name: 'object', hasArg: true }, { name: 'image-opts', hasArg: false },
    { name: 'force-share', hasArg: false },
  ]);
  let format: string | undefined;
  let backing: string | undefined;
  let backingFmt: string | undefined;
  let unsafe = false;
  let progressWanted = false;
  for (const o of options) {
    if (o.name === 'f') format = o.value;
    else if (o.name === 'b') backing = o.value;
    else if (o.name === 'F') backingFmt = o.value;
    else if (o.name === 'u') unsafe = true;
    else if (o.name === 'p') progressWanted = true;
  }
  if (!unsafe && backing === undefined) throw new ImgUsageError('Must specify backing file (-b) or use unsafe mode (-u)', true);
  const filename = oneFilename(positional);
  const newName = backing === '' ? undefined : backing;
  const img = await openForCli(filename, { format, readOnly: false, openBacking: !unsafe });
  const fail = (why: string): never => {
    throw new BlockError('unsupported-feature', `Could not change the backing file to '${backing ?? ''}': ${why}`, {});
  };
  let newBacking: BlockDriver | undefined;
  try {
    if (img.driver.setBacking === undefined) fail('Operation not supported');
    const newPath = newName === undefined ? undefined : resolveBackingPath(filename, newName);
    if (newPath !== undefined && backingFmt === undefined) {
      if (unsafe) fail('backing format must be specified');
      backingFmt = await probeImageFormat(newPath);
    }
    if (!unsafe) {
      const size = (await img.driver.getInfo()).virtualSize;
      let newSize = 0;
      if (newPath !== undefined) {
        newBacking = (await openForCli(newPath, { format: backingFmt, readOnly: true })).driver;
        newSize = (await newBacking.getInfo()).virtualSize;
      }
      const progress = new Progress(progressWanted, size);
      const a = Buffer.alloc(CHUNK);
      const b = Buffer.alloc(CHUNK);
      for await (const st of rawExtents(img.driver, 0, size)) {
        if (st.depth > 0 || st.present === false) {
          for (let p = 0; p < st.length; p += CHUNK) {
            const n = Math.min(CHUNK, st.length - p);
            const off = st.offset + p;
            await img.driver.read(off, a.subarray(0, n)); // old backing content, read through the image
            await readOrZero(newBacking, newSize, off, b.subarray(0, n));
            if (!a.subarray(0, n).equals(b.subarray(0, n))) await img.driver.write(off, a.subarray(0, n));
          }
        }
        progress.update(st.offset + st.length);
      }
      progress.finish();
    }
    await img.driver.setBacking!(newName, newName === undefined ? undefined : backingFmt);
    await img.driver.flush();
    return 0;
  } finally {
    await newBacking?.close();
    await img.driver.close();
  }
}
