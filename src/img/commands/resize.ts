/** `tkvm img resize [-f fmt] [--preallocation=prealloc] [-q] [--shrink] filename [+ | -]size`. */
import { BlockError } from '../../block/driver.js';
import { openForCli, out } from '../common.js';
import { ImgUsageError } from '../errors.js';
import { getopt } from '../getopt.js';
import { parseSize } from '../size.js';

/** Runs `resize`. The size is taken from the last argument first, so "-1G" is not an option (like qemu-img). */
export async function resizeCommand(argv: string[]): Promise<number> {
  if (argv.length < 2) throw new ImgUsageError('Not enough arguments', true);
  const sizeArg = argv[argv.length - 1] as string;
  const { options, positional } = getopt(argv.slice(0, -1), ':f:hq', [
    { name: 'help', hasArg: false }, { name: 'object', hasArg: true }, { name: 'image-opts', hasArg: false },
    { name: 'preallocation', hasArg: true }, { name: 'shrink', hasArg: false },
  ]);
  let format: string | undefined;
  let quiet = false;
  let shrink = false;
  for (const o of options) {
    if (o.name === 'f') format = o.value;
    else if (o.name === 'q') quiet = true;
    else if (o.name === 'shrink') shrink = true;
    else if (o.name === 'preallocation' && o.value !== 'off') {
      throw new ImgUsageError(`Unsupported preallocation mode for resize in tkvm: ${o.value}`);
    }
  }
  if (positional.length !== 1) throw new ImgUsageError('Expecting image file name and size', true);
  const filename = positional[0] as string;
  const sign = sizeArg[0] === '+' ? 1 : sizeArg[0] === '-' ? -1 : 0;
  const amount = parseSize(sign === 0 ? sizeArg : sizeArg.slice(1));
  if (amount === undefined) {
    throw new ImgUsageError("Parameter 'size' expects a non-negative number below 2^64\n" +
      'Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.');
  }
  const img = await openForCli(filename, { format, readOnly: false });
  try {
    const current = (await img.driver.getInfo()).virtualSize;
    const newSize = sign === 0 ? amount : current + sign * amount;
    if (newSize <= 0) throw new ImgUsageError('New image size must be positive');
    if (img.driver.resize === undefined) throw new BlockError('unsupported-feature', 'Image format driver does not support resize', {});
    if (newSize < current) {
      if (!shrink) throw new ImgUsageError('Use the --shrink option to perform a shrink operation.');
      process.stderr.write("tkvm img: warning: Shrinking an image will delete all data beyond the shrunken image's end. " +
        'Before performing such an operation, make sure there is no important data there.\n');
    }
    await img.driver.resize(newSize, shrink);
    if (!quiet) out('Image resized.\n');
    return 0;
  } finally {
    await img.driver.close();
  }
}
