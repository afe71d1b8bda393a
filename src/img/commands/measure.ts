/** `tkvm img measure [--output=ofmt] [-O output_fmt] [-o options] [--size N | [-f fmt] filename]`. */
import { BlockError } from '../../block/driver.js';
import { findFormat } from '../../block/formats/index.js';
import { openForCli, out, parseOptionString, parseOutputFormat, toJson } from '../common.js';
import { ImgUsageError } from '../errors.js';
import { rawExtents } from '../extents.js';
import { getopt } from '../getopt.js';
import { qcow2FullSize } from '../measure-calc.js';
import { parseSize } from '../size.js';

/** Bytes of the source that qcow2 would store: data extents rounded out to whole clusters (qcow2_measure). */
async function dataBytes(path: string, format: string | undefined, clusterSize: number): Promise<number> {
  const img = await openForCli(path, { format, readOnly: true, forceShare: true });
  try {
    const size = (await img.driver.getInfo()).virtualSize;
    let required = 0;
    let pos = 0;
    for await (const st of rawExtents(img.driver, 0, size)) {
      if (st.offset < pos) continue; // already counted up to the end of a cluster
      if (st.zero && !st.data) continue;
      if (st.data && (st.present ?? true)) {
        const end = Math.ceil((st.offset + st.length) / clusterSize) * clusterSize;
        required += (st.offset % clusterSize) + (end - st.offset);
        pos = end;
      }
    }
    return required;
  } finally {
    await img.driver.close();
  }
}

/** Runs `measure`. */
export async function measureCommand(argv: string[]): Promise<number> {
  const { options, positional } = getopt(argv, ':hf:O:o:l:U', [
    { name: 'help', hasArg: false }, { name: 'output', hasArg: true }, { name: 'size', hasArg: true },
    { name: 'object', hasArg: true }, { name: 'image-opts', hasArg: false }, { name: 'force-share', hasArg: false },
  ]);
  let format: string | undefined;
  let outFmt = 'raw';
  let output: string | undefined;
  let size: number | undefined;
  const oStrings: string[] = [];
  for (const o of options) {
    if (o.name === 'f') format = o.value;
    else if (o.name === 'O') outFmt = o.value as string;
    else if (o.name === 'o') oStrings.push(o.value as string);
    else if (o.name === 'output') output = o.value;
    else if (o.name === 'size') {
      size = parseSize(o.value as string);
      if (size === undefined) {
        throw new ImgUsageError('Invalid image size specified. You may use k, M, G, T, P or E suffixes for\n' +
          'tkvm img: kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.');
      }
    }
  }
  const mode = parseOutputFormat(output);
  const filename = positional[0];
  if (positional.length > 1) throw new ImgUsageError(`Unexpected argument: ${positional[1]}`, true);
  if (filename !== undefined && size !== undefined) throw new ImgUsageError('--size N cannot be used together with a filename.');
  if (filename === undefined && size === undefined) throw new ImgUsageError('Either --size N or one filename must be specified.');
  if (findFormat(outFmt) === undefined && outFmt !== 'qcow2') throw new ImgUsageError(`Unknown file format '${outFmt}'`);
  const opts = parseOptionString(oStrings.join(','));
  let virtualSize = size ?? 0;
  if (filename !== undefined) {
    const img = await openForCli(filename, { format, readOnly: true, forceShare: true });
    virtualSize = (await img.driver.getInfo()).virtualSize;
    await img.driver.close();
  }
  let required: number;
  let full: number;
  if (outFmt === 'raw') {
    required = full = virtualSize;
  } else if (outFmt === 'qcow2') {
    const cs = opts.has('cluster_size') ? parseSize(opts.get('cluster_size') as string) : 65536;
    if (cs === undefined || cs < 512 || cs > 2 << 20 || (cs & (cs - 1)) !== 0) {
      throw new BlockError('unsupported-feature', 'Cluster size must be a power of two between 512 and 2048k', {});
    }
    const refBitsText = opts.get('refcount_bits') ?? '16';
    const refBits = Number(refBitsText);
    if (!/^[0-9]+$/.test(refBitsText) || refBits < 1 || refBits > 64 || (refBits & (refBits - 1)) !== 0) {
      throw new BlockError('unsupported-feature', 'Refcount width must be a power of two and may not exceed 64 bits', {});
    }
    if (opts.get('compat') === '0.10' && refBits !== 16) {
      throw new BlockError('unsupported-feature', 'Different refcount widths than 16 bits require compatibility level 1.1 or above (use compat=1.1 or greater)', {});
    }
    const extL2 = opts.get('extended_l2') === 'on';
    const aligned = Math.ceil(virtualSize / cs) * cs;
    full = qcow2FullSize(virtualSize, cs, Math.log2(refBits), extL2 ? 16 : 8);
    const prealloc = opts.get('preallocation') ?? 'off';
    let data = 0;
    if (prealloc === 'full' || prealloc === 'falloc') data = aligned;
    else if (filename !== undefined) data = await dataBytes(filename, format, cs);
    required = full - aligned + data;
  } else {
    throw new BlockError('unsupported-feature', `Block driver '${outFmt}' does not support size measurement`, {});
  }
  if (mode === 'json') out(toJson({ required, 'fully-allocated': full }) + '\n');
  else out(`required size: ${required}\nfully allocated size: ${full}\n`);
  return 0;
}
