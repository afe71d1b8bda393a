/**
 * `tkvm img convert [-c] [-p] [-q] [-n] [-f fmt] [-O output_fmt] [-B backing_file [-F backing_fmt]]
 * [-o options] [-S sparse_size] [-m num] [-W] filename [filename2 [...]] output_filename`.
 * Allocation-aware: holes and zero extents of the sources are not read, and all-zero blocks of
 * `-S` bytes are not written, so holes stay holes in the target.
 */
import { alignedBuffer } from '../../block/aligned-buffer.js';
import { BlockError, type BlockDriver } from '../../block/driver.js';
import { findFormat } from '../../block/formats/index.js';
import type { ImageOps } from '../../block/image-ops.js';
import { checkPreallocation, parseCreateOptions } from '../create-options.js';
import { openForCli, parseCacheMode, parseOptionString } from '../common.js';
import type { CacheMode } from '../../block/format.js';
import { ImgUsageError } from '../errors.js';
import { rawExtents } from '../extents.js';
import { getopt } from '../getopt.js';
import { Progress } from '../progress.js';
import { parseSize } from '../size.js';
import { preferShortRunTiering } from '../short-run-tiering.js';

/** Bytes one copy job reads and writes at most. */
const CHUNK = 2 << 20;

/** Parsed convert settings that the copy loop needs. */
interface CopyPlan {
  readonly compress: boolean;
  readonly sparseSize: number;
  /** The target reads as zeroes before we write (fresh image without backing, or --target-is-zero). */
  readonly targetIsZero: boolean;
  /** Copy only what the (single) source allocates at its top layer (-B). */
  readonly topOnly: boolean;
  readonly workers: number;
  /** Write in source order (qemu-img's default; -W lifts it) so new clusters are laid out in order. */
  readonly inOrder: boolean;
  /**
   * In-order writes need only be issued in order, not wait for the previous job's to finish: the
   * target driver starts its allocating writes in call order (qcow2 queues them on its FIFO
   * metadata mutex), so the layout is the same, and the next job's write is already queued when
   * the previous one completes instead of waiting for this loop to notice and issue it.
   */
  readonly issueOrderOnly: boolean;
  /** Target cluster size: the unit of compressed writes. */
  readonly clusterSize: number;
}

/** One unit of copying: a source range and where it goes in the target. */
interface Job {
  readonly src: BlockDriver;
  readonly srcOffset: number;
  readonly dstOffset: number;
  readonly length: number;
  /** The source range reads as zeroes (no need to read it). */
  readonly zero: boolean;
}

/** True when buf[start, end) is all zero bytes; `zero` is an all-zero buffer. */
function isZeroRange(buf: Buffer, start: number, end: number, zero: Buffer): boolean {
  if (end <= start) return true;
  // Most data blocks have a non-zero first or last byte: those need no compare.
  if (buf[start] !== 0 || buf[end - 1] !== 0) return false;
  return end - start <= zero.length && buf.compare(zero, 0, end - start, start, end) === 0;
}

/** Writes `buf` at `offset`, skipping all-zero blocks of `plan.sparseSize` bytes. */
async function writeSparse(dst: BlockDriver & ImageOps, offset: number, buf: Buffer, plan: CopyPlan, zero: Buffer): Promise<void> {
  if (plan.compress) {
    const cs = plan.clusterSize;
    for (let p = 0; p < buf.length; p += cs) {
      const piece = buf.subarray(p, Math.min(p + cs, buf.length));
      if (isZeroRange(piece, 0, piece.length, zero)) {
        if (!plan.targetIsZero) await dst.writeZeroes(offset + p, piece.length);
      } else if (piece.length < cs) {
        // The image's last, partial cluster: writeCompressed takes whole clusters only.
        await dst.write(offset + p, piece);
      } else {
        await (dst.writeCompressed as NonNullable<ImageOps['writeCompressed']>)(offset + p, piece);
      }
    }
    return;
  }
  if (plan.sparseSize === 0) {
    await dst.write(offset, buf);
    return;
  }
  // Every run's write is issued before the first await (see CopyPlan.issueOrderOnly); the runs
  // do not overlap, so they may complete in any order.
  const step = plan.sparseSize;
  const writes: Promise<void>[] = [];
  let runStart = 0;
  let runIsData: boolean | undefined;
  const issueRun = (end: number): void => {
    if (runIsData === undefined || end <= runStart) return;
    if (runIsData) writes.push(dst.write(offset + runStart, buf.subarray(runStart, end)));
    else if (!plan.targetIsZero) writes.push(dst.writeZeroes(offset + runStart, end - runStart));
  };
  for (let p = 0; p < buf.length; p += step) {
    const end = Math.min(p + step, buf.length);
    const data = !isZeroRange(buf, p, end, zero);
    if (data !== runIsData) {
      issueRun(p);
      runStart = p;
      runIsData = data;
    }
  }
  issueRun(buf.length);
  await allWritten(writes);
}

/** Waits for every write (none is left running when one fails), then throws the first failure. */
async function allWritten(writes: readonly Promise<void>[]): Promise<void> {
  if (writes.length === 1) return writes[0];
  const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
}

async function* jobs(sources: readonly BlockDriver[], sizes: readonly number[], plan: CopyPlan): AsyncGenerator<Job> {
  let base = 0;
  for (let i = 0; i < sources.length; i++) {
    const src = sources[i] as BlockDriver;
    const size = sizes[i] as number;
    for await (const st of rawExtents(src, 0, size)) {
      if (plan.topOnly && (st.depth > 0 || st.present === false)) continue;
      // -S 0 means "fully allocate the output": zero extents are written as data too.
      const zero = st.zero && !st.data && plan.sparseSize > 0;
      const step = zero ? st.length : CHUNK;
      for (let p = 0; p < st.length; p += step) {
        yield { src, srcOffset: st.offset + p, dstOffset: base + st.offset + p, length: Math.min(step, st.length - p), zero };
      }
    }
    base += size;
  }
}

/** Copies every source into the target, `plan.workers` jobs at a time. */
async function copyAll(sources: readonly BlockDriver[], sizes: readonly number[], dst: BlockDriver & ImageOps,
  plan: CopyPlan, progress: Progress): Promise<void> {
  const zero = Buffer.alloc(Math.max(CHUNK, plan.sparseSize, 2 << 20));
  const it = jobs(sources, sizes, plan);
  let done = 0;
  let failure: unknown;
  let pending: Promise<IteratorResult<Job>> = Promise.resolve({ done: true, value: undefined });
  let first = true;
  const next = (): Promise<IteratorResult<Job>> => {
    // Serialise generator pulls across workers.
    pending = (first ? it.next() : pending.then(() => it.next()));
    first = false;
    return pending;
  };
  let lastWrite: Promise<void> = Promise.resolve();
  const worker = async (): Promise<void> => {
    // One buffer per worker, reused for every job: fresh 2 MiB buffers cost a page fault per
    // 4 KiB when the kernel first copies into them (about a third of the kernel time of a copy).
    // Page-aligned, because the kernel copies to and from misaligned buffers far more slowly.
    let own: Buffer | undefined;
    while (failure === undefined) {
      const r = await next();
      if (r.done === true) return;
      const job = r.value;
      // Reads overlap; writes wait for the previous job's write when in order.
      const prev = lastWrite;
      let release = (): void => undefined;
      if (plan.inOrder) lastWrite = new Promise<void>((res) => (release = res));
      try {
        let buf: Buffer | undefined;
        if (!job.zero) {
          own ??= alignedBuffer(CHUNK);
          buf = own.subarray(0, job.length);
          await job.src.read(job.srcOffset, buf);
        }
        await prev;
        let writing: Promise<void> | undefined;
        if (buf === undefined) {
          if (!plan.targetIsZero) writing = dst.writeZeroes(job.dstOffset, job.length);
        } else {
          writing = writeSparse(dst, job.dstOffset, buf, plan, zero);
        }
        // The job's writes are issued by now; the next job may issue its own.
        if (plan.issueOrderOnly) release();
        await writing;
      } finally {
        release();
      }
      done += job.length;
      progress.update(done);
    }
  };
  await Promise.all(Array.from({ length: plan.workers }, () => worker().catch((err: unknown) => {
    failure ??= err;
  })));
  if (failure !== undefined) throw failure;
}

/** Runs `convert`. */
export async function convertCommand(argv: string[]): Promise<number> {
  preferShortRunTiering();
  const { options, positional } = getopt(argv, ':hf:O:B:Cco:l:S:pt:T:qnm:WUr:F:', [
    { name: 'help', hasArg: false }, { name: 'object', hasArg: true }, { name: 'image-opts', hasArg: false },
    { name: 'target-image-opts', hasArg: false }, { name: 'target-is-zero', hasArg: false },
    { name: 'salvage', hasArg: false }, { name: 'bitmaps', hasArg: false }, { name: 'force-share', hasArg: false },
  ]);
  let srcFmt: string | undefined;
  let outFmt = 'raw';
  let backing: string | undefined;
  let backingFmt: string | undefined;
  let compress = false;
  let progressWanted = false;
  let skipCreate = false;
  let targetIsZeroFlag = false;
  let sparseSize = 4096;
  let workers = 8;
  let inOrder = true;
  // qemu-img convert writes its output with cache=unsafe unless -t says otherwise (no fdatasync).
  let cache: CacheMode = 'unsafe';
  let forceShare = false;
  const oStrings: string[] = [];
  for (const o of options) {
    const v = o.value as string;
    switch (o.name) {
      case 'f': srcFmt = v; break;
      case 'O': outFmt = v; break;
      case 'B': backing = v; break;
      case 'F': backingFmt = v; break;
      case 'c': compress = true; break;
      case 'o': oStrings.push(v); break;
      case 'p': progressWanted = true; break;
      case 'n': skipCreate = true; break;
      case 'U': case 'force-share': forceShare = true; break;
      case 'target-is-zero': targetIsZeroFlag = true; break;
      case 'S': {
        const s = parseSize(v);
        if (s === undefined || s % 512 !== 0 || s > 16 << 20) {
          throw new ImgUsageError('Invalid buffer size for sparse output specified. Valid sizes are multiples of 512 ' +
            'up to 16777216. Select 0 to disable sparse detection (fully allocates output).');
        }
        sparseSize = s;
        break;
      }
      case 'm': {
        const m = /^[0-9]+$/.test(v) ? Number(v) : NaN;
        if (!(m >= 1 && m <= 16)) {
          throw new ImgUsageError('Invalid number of coroutines. Allowed number of coroutines is between 1 and 16');
        }
        workers = m;
        break;
      }
      case 'l': case 'image-opts': case 'target-image-opts': case 'object': case 'salvage': case 'bitmaps':
        throw new ImgUsageError(`Option '${o.name}' is not supported by tkvm img convert`);
      case 'W': inOrder = false; break;
      case 't': cache = parseCacheMode(v); break;
      default: break; // -C, -T, -r: accepted; tkvm has no source cache modes or rate limits
    }
  }
  if (positional.length < 2) throw new ImgUsageError('Must specify image file name', true);
  const target = positional[positional.length - 1] as string;
  const srcNames = positional.slice(0, -1);
  const format = findFormat(outFmt);
  if (format === undefined) throw new ImgUsageError(`Unknown file format '${outFmt}'`);
  if (skipCreate && oStrings.length > 0) throw new ImgUsageError('-o has no effect when skipping image creation');
  if (targetIsZeroFlag && !skipCreate) throw new ImgUsageError('--target-is-zero requires use of -n flag');

  const sources: (BlockDriver & ImageOps)[] = [];
  let dst: (BlockDriver & ImageOps) | undefined;
  try {
    for (const name of srcNames) {
      sources.push((await openForCli(name, { format: srcFmt, readOnly: true, forceShare })).driver);
    }
    const sizes = await Promise.all(sources.map(async (s) => (await s.getInfo()).virtualSize));
    const total = sizes.reduce((a, b) => a + b, 0);
    if (!skipCreate) {
      const pairs = parseOptionString(oStrings.join(','));
      if (backing !== undefined) pairs.set('backing_file', backing);
      if (backingFmt !== undefined) pairs.set('backing_fmt', backingFmt);
      const parsed = parseCreateOptions(outFmt, pairs, total);
      checkPreallocation(parsed.options.preallocation);
      try {
        await format.create(target, parsed.options);
      } catch (err) {
        if (err instanceof BlockError) throw new BlockError(err.kind, `${target}: error while converting ${outFmt}: ${err.message}`, {}, err);
        throw err;
      }
    }
    dst = (await openForCli(target, { format: outFmt, readOnly: false, cache })).driver;
    if (compress && dst.writeCompressed === undefined) throw new ImgUsageError('Compression not supported for this file format');
    const dstInfo = await dst.getInfo();
    if (skipCreate && dstInfo.virtualSize < total) {
      throw new ImgUsageError(`Target image '${target}' is smaller (${dstInfo.virtualSize} bytes) than the source (${total} bytes)`);
    }
    const plan: CopyPlan = {
      compress,
      sparseSize,
      // A freshly created image without backing reads as zeroes, preallocated or not; skipping
      // zero writes also keeps preallocated space allocated.
      targetIsZero: skipCreate ? targetIsZeroFlag : backing === undefined,
      topOnly: backing !== undefined,
      workers,
      inOrder: inOrder && !compress,
      issueOrderOnly: outFmt === 'qcow2',
      clusterSize: dstInfo.clusterSize ?? 65536,
    };
    const progress = new Progress(progressWanted, total);
    await copyAll(sources, sizes, dst, plan, progress);
    await dst.flush();
    progress.finish();
  } finally {
    await dst?.close();
    for (const s of sources) await s.close();
  }
  return 0;
}
