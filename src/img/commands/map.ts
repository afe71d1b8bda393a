/** `tkvm img map [-f fmt] [--start-offset=offset] [--max-length=len] [--output=ofmt] [-U] filename`. */
import { resolveBackingPath } from '../../block/backing-path.js';
import { oneFilename, openForCli, out, parseOutputFormat } from '../common.js';
import { ImgUsageError } from '../errors.js';
import { mapExtents, type MapEntry } from '../extents.js';
import { getopt } from '../getopt.js';
import { parseSize } from '../size.js';
import { collectInfo } from './info.js';

/** One JSON line of `map --output=json`, byte for byte as qemu-img 7.2 prints it. */
export function mapJsonLine(e: MapEntry): string {
  return `{ "start": ${e.start}, "length": ${e.length}, "depth": ${e.depth}, "present": ${e.present}, ` +
    `"zero": ${e.zero}, "data": ${e.data}${e.offset !== undefined ? `, "offset": ${e.offset}` : ''}}`;
}

function hex(n: number): string {
  return n === 0 ? '0' : '0x' + n.toString(16);
}

/** Runs `map`. */
export async function mapCommand(argv: string[]): Promise<number> {
  const { options, positional } = getopt(argv, ':f:hU', [
    { name: 'help', hasArg: false }, { name: 'format', hasArg: true }, { name: 'output', hasArg: true },
    { name: 'start-offset', hasArg: true }, { name: 'max-length', hasArg: true },
    { name: 'force-share', hasArg: false }, { name: 'object', hasArg: true }, { name: 'image-opts', hasArg: false },
  ]);
  let format: string | undefined;
  let output: string | undefined;
  let forceShare = false;
  let start = 0;
  let maxLength: number | undefined;
  for (const o of options) {
    if (o.name === 'f' || o.name === 'format') format = o.value;
    else if (o.name === 'output') output = o.value;
    else if (o.name === 'U' || o.name === 'force-share') forceShare = true;
    else if (o.name === 'start-offset') {
      const v = parseSize(o.value as string);
      if (v === undefined) throw new ImgUsageError('Invalid start offset specified! You may use k, M, G, T, P or E suffixes for');
      start = v;
    } else if (o.name === 'max-length') {
      const v = parseSize(o.value as string);
      if (v === undefined) throw new ImgUsageError('Invalid length specified! You may use k, M, G, T, P or E suffixes for');
      maxLength = v;
    }
  }
  const mode = parseOutputFormat(output);
  const filename = oneFilename(positional);
  const img = await openForCli(filename, { format, readOnly: true, forceShare });
  try {
    const size = (await img.driver.getInfo()).virtualSize;
    const end = Math.min(size, maxLength === undefined ? size : start + maxLength);
    if (mode === 'json') {
      const lines: string[] = [];
      for await (const e of mapExtents(img.driver, Math.min(start, end), end)) lines.push(mapJsonLine(e));
      out('[' + lines.join(',\n') + ']\n');
      return 0;
    }
    out(`${'Offset'.padEnd(16)}${'Length'.padEnd(16)}${'Mapped to'.padEnd(16)}File\n`);
    const names = [filename];
    for await (const e of mapExtents(img.driver, Math.min(start, end), end)) {
      if (!e.data) continue;
      if (e.offset === undefined) throw new ImgUsageError('File contains external, encrypted or compressed clusters.');
      while (names.length <= e.depth) {
        const prev = names[names.length - 1] as string;
        const info = await collectInfo(prev, undefined, true);
        const b = info['backing-filename'];
        names.push(typeof b === 'string' ? resolveBackingPath(prev, b) : prev);
      }
      out(`${hex(e.start).padEnd(16)}${hex(e.length).padEnd(16)}${hex(e.offset).padEnd(16)}${names[e.depth]}\n`);
    }
    return 0;
  } finally {
    await img.driver.close();
  }
}
