/** `tkvm img check [-q] [-f fmt] [--output=ofmt] [-r [leaks | all]] [-U] filename`. Exit 0/1/2/3/63 like qemu-img. */
import type { CheckReport } from '../../block/image-ops.js';
import { oneFilename, openForCli, out, parseOutputFormat, toJson } from '../common.js';
import { ImgUsageError } from '../errors.js';
import { getopt } from '../getopt.js';

/** Exit status qemu-img documents: 1 check failed, 2 corrupt, 3 leaks only, 0 clean. */
export function checkStatus(r: CheckReport): number {
  if (r.checkErrors > 0) return 1;
  if (r.corruptions > 0) return 2;
  if (r.leaks > 0) return 3;
  return 0;
}

/** The report as qemu-img's JSON (ImageCheck; zero counters omitted). */
export function checkJson(r: CheckReport): Record<string, unknown> {
  const j: Record<string, unknown> = {};
  const opt = (k: string, v: number | undefined): void => {
    if (v !== undefined && v !== 0) j[k] = v;
  };
  opt('image-end-offset', r.imageEndOffset);
  opt('compressed-clusters', r.compressedClusters);
  opt('total-clusters', r.totalClusters);
  j['check-errors'] = r.checkErrors;
  opt('leaks', r.leaks);
  opt('corruptions', r.corruptions);
  opt('leaks-fixed', r.leaksFixed);
  opt('corruptions-fixed', r.corruptionsFixed);
  opt('allocated-clusters', r.allocatedClusters);
  j.filename = r.filename;
  j.format = r.format;
  opt('fragmented-clusters', r.fragmentedClusters);
  return j;
}

/** The report in qemu-img's human wording. */
export function checkHuman(r: CheckReport): string {
  let s = '';
  if (r.corruptions === 0 && r.leaks === 0 && r.checkErrors === 0) s += 'No errors were found on the image.\n';
  else {
    if (r.corruptions > 0) {
      s += `\n${r.corruptions} errors were found on the image.\nData may be corrupted, or further writes to the image may corrupt it.\n`;
    }
    if (r.leaks > 0) {
      s += `\n${r.leaks} leaked clusters were found on the image.\nThis means waste of disk space, but no harm to data.\n`;
    }
    if (r.checkErrors > 0) s += `\n${r.checkErrors} internal errors have occurred during the check.\n`;
  }
  const total = r.totalClusters ?? 0;
  if (total > 0 && r.allocatedClusters !== undefined) {
    const a = r.allocatedClusters;
    const pct = (n: number | undefined, of: number): string => (of > 0 ? ((n ?? 0) * 100) / of : 0).toFixed(2);
    s += `${a}/${total} = ${pct(a, total)}% allocated, ${pct(r.fragmentedClusters, a)}% fragmented, ` +
      `${pct(r.compressedClusters, a)}% compressed clusters\n`;
  }
  if (r.imageEndOffset !== undefined && r.imageEndOffset > 0) s += `Image end offset: ${r.imageEndOffset}\n`;
  return s;
}

/** Runs `check`. */
export async function checkCommand(argv: string[]): Promise<number> {
  const { options, positional } = getopt(argv, ':hf:r:T:qU', [
    { name: 'help', hasArg: false }, { name: 'format', hasArg: true }, { name: 'repair', hasArg: true },
    { name: 'output', hasArg: true }, { name: 'force-share', hasArg: false }, { name: 'object', hasArg: true },
    { name: 'image-opts', hasArg: false },
  ]);
  let format: string | undefined;
  let output: string | undefined;
  let repair: 'none' | 'leaks' | 'all' = 'none';
  let quiet = false;
  let forceShare = false;
  for (const o of options) {
    if (o.name === 'f' || o.name === 'format') format = o.value;
    else if (o.name === 'output') output = o.value;
    else if (o.name === 'q') quiet = true;
    else if (o.name === 'U' || o.name === 'force-share') forceShare = true;
    else if (o.name === 'r' || o.name === 'repair') {
      if (o.value !== 'leaks' && o.value !== 'all') {
        throw new ImgUsageError(`Unknown option value for -r (expecting 'leaks' or 'all'): ${o.value}`, true);
      }
      repair = o.value;
    }
  }
  const mode = parseOutputFormat(output);
  const filename = oneFilename(positional);
  const img = await openForCli(filename, { format, readOnly: repair === 'none', forceShare });
  try {
    if (img.driver.check === undefined) {
      process.stderr.write('tkvm img: This image format does not support checks\n');
      return 63;
    }
    let report = await img.driver.check(repair);
    for (const m of report.messages) process.stderr.write(m + '\n');
    if (repair !== 'none' && report.leaksFixed + report.corruptionsFixed > 0) {
      if (mode === 'human' && !quiet) {
        out(`The following inconsistencies were found and repaired:\n\n    ${report.leaksFixed} leaked clusters\n` +
          `    ${report.corruptionsFixed} corruptions\n\nDouble checking the fixed image now...\n`);
      }
      const fixed = report;
      report = { ...(await img.driver.check('none')), leaksFixed: fixed.leaksFixed, corruptionsFixed: fixed.corruptionsFixed };
    }
    report = { ...report, filename };
    if (mode === 'json') out(toJson(checkJson(report)) + '\n');
    else if (!quiet) out(checkHuman(report));
    return checkStatus(report);
  } finally {
    await img.driver.close();
  }
}
