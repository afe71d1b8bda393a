/** `tkvm img amend [-p] [-q] [-f fmt] [-t cache] [--force] -o options filename`. */
import { BlockError } from '../../block/driver.js';
import { openForCli, out, parseOptionString } from '../common.js';
import { ImgUsageError } from '../errors.js';
import { getopt } from '../getopt.js';

/** Runs `amend`: only compat and lazy_refcounts reach the driver; other keys get qemu's refusals. */
export async function amendCommand(argv: string[]): Promise<number> {
  const { options, positional } = getopt(argv, ':ho:f:t:pq', [
    { name: 'help', hasArg: false }, { name: 'object', hasArg: true }, { name: 'image-opts', hasArg: false },
    { name: 'force', hasArg: false },
  ]);
  let format: string | undefined;
  const oStrings: string[] = [];
  for (const o of options) {
    if (o.name === 'f') format = o.value;
    else if (o.name === 'o') oStrings.push(o.value as string);
  }
  if (oStrings.length === 0) throw new ImgUsageError('Must specify options (-o)', true);
  if (positional.length !== 1) throw new ImgUsageError('Expecting one image file name');
  const filename = positional[0] as string;
  const pairs = parseOptionString(oStrings.join(','));
  const img = await openForCli(filename, { format, readOnly: false });
  try {
    if (pairs.has('help')) {
      out('Amend options:\n  compat=<str>           - Compatibility level (v2 [0.10] or v3 [1.1])\n' +
        '  lazy_refcounts=<bool (on/off)> - Postpone refcount updates\n');
      return 0;
    }
    if (img.driver.amend === undefined) {
      throw new BlockError('unsupported-feature', `Format driver '${img.format}' does not support option amendment`, {});
    }
    const amend: { compat?: string; lazyRefcounts?: boolean } = {};
    for (const [key, value] of pairs) {
      if (key === 'compat') amend.compat = value;
      else if (key === 'lazy_refcounts') {
        if (value !== 'on' && value !== 'off') throw new BlockError('unsupported-feature', "Parameter 'lazy_refcounts' expects 'on' or 'off'", {});
        amend.lazyRefcounts = value === 'on';
      } else if (key === 'backing_file' || key === 'backing_fmt') {
        throw new BlockError('unsupported-feature', "Cannot amend the backing file\nYou can use 'qemu-img rebase' instead.", {});
      } else {
        throw new BlockError('unsupported-feature', `Invalid parameter '${key}'`, { key });
      }
    }
    await img.driver.amend(amend);
    return 0;
  } finally {
    await img.driver.close();
  }
}
