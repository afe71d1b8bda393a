/**
 * `tkvm img compare [-f fmt] [-F fmt] [-p] [-q] [-s] [-U] filename1 filename2`.
 * Exit 0 identical, 1 different, 2 open error, 3 allocation-query error, 4 read error (qemu-img's codes).
 */
import { BlockError, type BlockDriver } from '../../block/driver.js';
import { openForCli, out } from '../common.js';
import { ImgUsageError } from '../errors.js';
import { getopt } from '../getopt.js';
import { Progress } from '../progress.js';

const CHUNK = 2 << 20;
const SECTOR = 512;

/** Offset (rounded down to 512 like qemu) of the first differing byte, or -1. */
function firstMismatch(a: Buffer, b: Buffer): number {
  if (a.equals(b)) return -1;
  for (let p = 0; p < a.length; p += SECTOR) {
    const e = Math.min(p + SECTOR, a.length);
    if (!a.subarray(p, e).equals(b.subarray(p, e))) return p;
  }
  return -1;
}

/** Offset of the first non-zero 512-byte sector of [offset, offset+len) in `d`, or -1. */
async function firstNonZero(d: BlockDriver, offset: number, len: number): Promise<number> {
  for (let p = 0; p < len; ) {
    const st = await d.blockStatus(offset + p, len - p);
    if (!(st.zero && !st.data)) {
      const buf = Buffer.alloc(Math.min(st.length, CHUNK));
      await d.read(offset + p, buf);
      const zero = Buffer.alloc(buf.length);
      const m = firstMismatch(buf, zero);
      if (m >= 0) return offset + p + m;
      p += buf.length;
    } else {
      p += st.length;
    }
  }
  return -1;
}

class Failure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function guard<T>(status: number, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof BlockError) throw new Failure(status, err.message);
    throw err;
  }
}

/** Runs `compare`. */
export async function compareCommand(argv: string[]): Promise<number> {
  const { options, positional } = getopt(argv, ':hf:F:T:pqsU', [
    { name: 'help', hasArg: false }, { name: 'object', hasArg: true }, { name: 'image-opts', hasArg: false },
    { name: 'force-share', hasArg: false },
  ]);
  let fmt1: string | undefined;
  let fmt2: string | undefined;
  let quiet = false;
  let strict = false;
  let progressWanted = false;
  let forceShare = false;
  for (const o of options) {
    if (o.name === 'f') fmt1 = o.value;
    else if (o.name === 'F') fmt2 = o.value;
    else if (o.name === 'q') quiet = true;
    else if (o.name === 's') strict = true;
    else if (o.name === 'p') progressWanted = true;
    else if (o.name === 'U' || o.name === 'force-share') forceShare = true;
  }
  if (positional.length !== 2) throw new ImgUsageError('Expecting two image file names', true);
  const say = (s: string): void => {
    if (!quiet) out(s);
  };
  const [n1, n2] = positional as [string, string];
  const opened: BlockDriver[] = [];
  try {
    const a = (await guard(2, openForCli(n1, { format: fmt1, readOnly: true, forceShare }))).driver;
    opened.push(a);
    const b = (await guard(2, openForCli(n2, { format: fmt2, readOnly: true, forceShare }))).driver;
    opened.push(b);
    const s1 = (await a.getInfo()).virtualSize;
    const s2 = (await b.getInfo()).virtualSize;
    if (s1 !== s2) {
      if (strict) {
        say('Strict mode: Image size mismatch!\n');
        return 1;
      }
    }
    const common = Math.min(s1, s2);
    const progress = new Progress(progressWanted, Math.max(s1, s2));
    for (let pos = 0; pos < common; ) {
      const st1 = await guard(3, a.blockStatus(pos, common - pos));
      const st2 = await guard(3, b.blockStatus(pos, common - pos));
      const len = Math.min(st1.length, st2.length);
      if (strict && (st1.present ?? true) !== (st2.present ?? true)) {
        say(`Strict mode: Offset ${pos} block status mismatch!\n`);
        return 1;
      }
      const z1 = st1.zero && !st1.data;
      const z2 = st2.zero && !st2.data;
      if (!(z1 && z2)) {
        for (let p = 0; p < len; p += CHUNK) {
          const n = Math.min(CHUNK, len - p);
          const b1 = Buffer.alloc(n);
          const b2 = Buffer.alloc(n);
          if (!z1) await guard(4, a.read(pos + p, b1));
          if (!z2) await guard(4, b.read(pos + p, b2));
          const m = firstMismatch(b1, b2);
          if (m >= 0) {
            say(`Content mismatch at offset ${pos + p + m}!\n`);
            return 1;
          }
        }
      }
      pos += len;
      progress.update(pos);
    }
    if (s1 !== s2) {
      say('Warning: Image size mismatch!\n');
      const [big, bigSize] = s1 > s2 ? [a, s1] : [b, s2];
      const nz = await guard(4, firstNonZero(big, common, bigSize - common));
      if (nz >= 0) {
        say(`Content mismatch at offset ${nz}!\n`);
        return 1;
      }
    }
    progress.finish();
    say('Images are identical.\n');
    return 0;
  } catch (err) {
    if (err instanceof Failure) {
      process.stderr.write(`tkvm img: ${err.message}\n`);
      return err.status;
    }
    throw err;
  } finally {
    for (const d of opened) await d.close();
  }
}
