/**
 * `tkvm img bench [-c count] [-d depth] [-f fmt] [--flush-interval=N] [-n] [--no-drain] [-o offset]
 * [--pattern=pattern] [-q] [-s buffer_size] [-S step_size] [-t cache] [-w] [-U] filename`:
 * `depth` requests in flight, `count` in all, timed, printed like qemu-img.
 */
import { performance } from 'node:perf_hooks';
import { oneFilename, openForCli, out } from '../common.js';
import { ImgUsageError } from '../errors.js';
import { getopt } from '../getopt.js';
import { parseSize } from '../size.js';

const CACHE_MODES = ['none', 'off', 'writeback', 'writethrough', 'directsync', 'unsafe'];

function intArg(text: string | undefined, what: string, min: number): number {
  const n = text !== undefined && /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= 0x7fffffff)) throw new ImgUsageError(`Invalid ${what} specified`);
  return n;
}

/** Runs `bench`. */
export async function benchCommand(argv: string[]): Promise<number> {
  const { options, positional } = getopt(argv, ':hc:d:f:ni:o:qs:S:t:wU', [
    { name: 'help', hasArg: false }, { name: 'flush-interval', hasArg: true }, { name: 'image-opts', hasArg: false },
    { name: 'pattern', hasArg: true }, { name: 'no-drain', hasArg: false }, { name: 'force-share', hasArg: false },
  ]);
  let count = 75000;
  let depth = 64;
  let format: string | undefined;
  let offset = 0;
  let bufSize = 4096;
  let step = 0;
  let write = false;
  let quiet = false;
  let pattern = 0;
  let flushInterval = 0;
  let forceShare = false;
  for (const o of options) {
    const v = o.value;
    switch (o.name) {
      case 'c': count = intArg(v, 'request count', 0); break;
      // qemu-img 7.2 hangs with -d 0; tkvm refuses it.
      case 'd': depth = intArg(v, 'queue depth', 1); break;
      case 'f': format = v; break;
      case 'o': {
        const n = parseSize(v ?? '');
        if (n === undefined) throw new ImgUsageError('Invalid offset specified');
        offset = n;
        break;
      }
      case 's': {
        const n = parseSize(v ?? '');
        if (n === undefined || n > 0x7fffffff) throw new ImgUsageError('Invalid buffer size specified');
        bufSize = n;
        break;
      }
      case 'S': {
        const n = parseSize(v ?? '');
        if (n === undefined || n > 0x7fffffff) throw new ImgUsageError('Invalid step size specified');
        step = n;
        break;
      }
      case 't': if (!CACHE_MODES.includes(v ?? '')) throw new ImgUsageError('Invalid cache mode'); break;
      case 'i': if (!['threads', 'native', 'io_uring'].includes(v ?? '')) throw new ImgUsageError(`Invalid aio option: ${v}`); break;
      case 'w': write = true; break;
      case 'q': quiet = true; break;
      case 'U': case 'force-share': forceShare = true; break;
      case 'pattern': {
        const n = /^[0-9]+$/.test(v ?? '') ? Number(v) : NaN;
        if (!(n >= 0 && n <= 0xff)) throw new ImgUsageError('Invalid pattern byte specified');
        pattern = n;
        break;
      }
      case 'flush-interval': flushInterval = intArg(v, 'flush interval', 1); break;
      default: break; // -n, --no-drain: accepted; tkvm has no host cache bypass or drain
    }
  }
  if (flushInterval > 0 && !write) throw new ImgUsageError('--flush-interval is only available in write tests');
  if (step === 0) step = bufSize;
  const filename = oneFilename(positional);
  const img = await openForCli(filename, { format, readOnly: !write, forceShare });
  try {
    const size = (await img.driver.getInfo()).virtualSize;
    if (bufSize > size) throw new ImgUsageError('Buffer size is larger than the image');
    if (!quiet) {
      out(`Sending ${count} ${write ? 'write' : 'read'} requests, ${bufSize} bytes each, ${depth} in parallel ` +
        `(starting at offset ${offset}, step size ${step})\n`);
      if (flushInterval > 0) out(`Sending flush every ${flushInterval} requests\n`);
    }
    let next = offset;
    let issued = 0;
    const t0 = performance.now();
    const worker = async (buf: Uint8Array): Promise<void> => {
      while (issued < count) {
        issued++;
        let at = next;
        if (at + bufSize > size) at = 0;
        next = at + step;
        if (buf.length === 0) continue;
        if (write) await img.driver.write(at, buf);
        else await img.driver.read(at, buf);
        if (flushInterval > 0 && issued % flushInterval === 0) await img.driver.flush();
      }
    };
    await Promise.all(Array.from({ length: Math.min(depth, count) }, () => worker(new Uint8Array(bufSize).fill(pattern))));
    // Like qemu-img (img_bench stops its clock when the last request completes and flushes in
    // blk_unref afterwards), the final flush is not part of the timed run.
    const secs = (performance.now() - t0) / 1000;
    if (write) await img.driver.flush();
    if (!quiet) out(`Run completed in ${secs.toFixed(3)} seconds.\n`);
    return 0;
  } finally {
    await img.driver.close();
  }
}
