/** `tkvm img create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] [-o options] filename [size]`. */
import { BlockError } from '../../block/driver.js';
import { findFormat } from '../../block/formats/index.js';
import { openImage, probeImageFormat } from '../../block/open.js';
import { resolveBackingPath } from '../../block/backing-path.js';
import { createOptionsHelp, checkPreallocation, formattingLine, parseCreateOptions } from '../create-options.js';
import { out, parseOptionString } from '../common.js';
import { ImgUsageError } from '../errors.js';
import { getopt } from '../getopt.js';
import { parseSize } from '../size.js';

/** qemu-img's message for an unparsable size (two lines, each with the program prefix). */
export const INVALID_SIZE =
  'Invalid image size specified. You may use k, M, G, T, P or E suffixes for\n' +
  'tkvm img: kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.';

/** Size argument of create/resize: bytes, with qemu-img's errors. */
export function parseImageSize(text: string): number {
  if (/^\s*-/.test(text)) throw new ImgUsageError(INVALID_SIZE);
  const v = parseSize(text);
  if (v === undefined) {
    if (/^\s*[0-9.]+[bBkKmMgGtTpPeE]?\s*$/.test(text)) {
      throw new ImgUsageError('Invalid image size specified. Must be between 0 and 9007199254740991.');
    }
    throw new ImgUsageError(INVALID_SIZE);
  }
  return v;
}

/** Runs `create`; resolves to the exit status. */
export async function createCommand(argv: string[]): Promise<number> {
  const { options, positional } = getopt(argv, ':F:b:f:ho:qu', [
    { name: 'help', hasArg: false }, { name: 'object', hasArg: true },
  ]);
  let fmt = 'raw';
  let quiet = false;
  let unsafe = false;
  let backing: string | undefined;
  let backingFmt: string | undefined;
  const oStrings: string[] = [];
  for (const o of options) {
    if (o.name === 'f') fmt = o.value as string;
    else if (o.name === 'b') backing = o.value;
    else if (o.name === 'F') backingFmt = o.value;
    else if (o.name === 'o') oStrings.push(o.value as string);
    else if (o.name === 'q') quiet = true;
    else if (o.name === 'u') unsafe = true;
    else if (o.name === 'h' || o.name === 'help') throw new ImgUsageError('see usage', true);
    else if (o.name === 'object') throw new ImgUsageError('--object is not supported by tkvm img');
  }
  const pairs = parseOptionString(oStrings.join(','));
  const format = findFormat(fmt);
  if (pairs.has('help')) {
    if (format === undefined) throw new ImgUsageError(`Unknown file format '${fmt}'`);
    out(createOptionsHelp(fmt));
    return 0;
  }
  const filename = positional[0];
  if (filename === undefined) throw new ImgUsageError('Expecting image file name', true);
  if (positional.length > 2) throw new ImgUsageError(`Unexpected argument: ${positional[2]}`, true);
  if (format === undefined) throw new ImgUsageError(`${filename}: Unknown file format '${fmt}'`);
  if (backing !== undefined) pairs.set('backing_file', backing);
  if (backingFmt !== undefined) pairs.set('backing_fmt', backingFmt);
  let size: number | undefined;
  const sizeArg = positional[1] ?? pairs.get('size');
  if (sizeArg !== undefined) size = parseImageSize(sizeArg);
  const prefixed = (err: unknown): never => {
    if (err instanceof BlockError) throw new BlockError(err.kind, `${filename}: ${err.message}`, err.context, err);
    throw err;
  };
  const backingFile = pairs.get('backing_file');
  if (backingFile !== undefined) {
    const resolved = resolveBackingPath(filename, backingFile);
    if (pairs.get('backing_fmt') === undefined) {
      const detected = unsafe ? undefined : await probeImageFormat(resolved).catch(() => undefined);
      prefixed(new BlockError('invalid-format', 'Backing file specified without backing format' +
        (detected !== undefined ? `\nDetected format of ${detected}.` : ''), {}));
    }
    if (!unsafe || size === undefined) {
      try {
        const b = await openImage(resolved, { readOnly: true, format: pairs.get('backing_fmt'), lock: false });
        const bsize = (await b.driver.getInfo()).virtualSize;
        await b.driver.close();
        size ??= bsize;
      } catch (err) {
        if (err instanceof BlockError) prefixed(new BlockError(err.kind, `${err.message}\nCould not open backing image.`, {}));
        throw err;
      }
    }
  }
  if (size === undefined) throw new ImgUsageError(`${filename}: Image creation needs a size parameter`);
  const parsed = (() => {
    try {
      return parseCreateOptions(fmt, pairs, size);
    } catch (err) {
      return prefixed(err);
    }
  })();
  if (!quiet) out(formattingLine(filename, fmt, parsed.printed));
  try {
    checkPreallocation(parsed.options.preallocation);
    await format.create(filename, parsed.options);
  } catch (err) {
    prefixed(err);
  }
  return 0;
}
