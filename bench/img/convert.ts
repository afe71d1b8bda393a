/**
 * Benchmark: `tkvm img convert` against `qemu-img convert`, timed in the same run on the same files.
 * Source: a raw image, half data (1 MiB runs, about half compressible) and half holes.
 * Cases: raw -> FMT, FMT -> raw (FMT written by qemu-img, so both read the same input),
 * raw -> FMT compressed (-c). FMT is qcow2 once that driver is registered, otherwise qcow.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/img/convert.js [--size 2G] [--dir /tmp] [--format qcow2] [--rounds 3] [--keep]
 *
 * Each case runs --rounds times, alternating which tool goes first. Before every timed command
 * dirty pages are written back and, when run as root, the page cache is dropped (timed-run.ts), so
 * every run reads its source from disk and neither tool pays for the other's page cache; without
 * root the output says the figures are less stable. Prints median wall-clock seconds per tool, the
 * ratio tkvm/qemu-img (lower is better) and the median user and system CPU seconds of each tool;
 * every output is checked with `qemu-img compare` so a fast wrong answer cannot pass.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, writeSync, ftruncateSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFormat } from '../../src/block/formats/index.js';
import { parseSize } from '../../src/img/size.js';
import { summarize } from '../../src/bench/stats.js';
import { canDropCaches, runTimed, type Timing } from './timed-run.js';

const MAIN = resolve(fileURLToPath(import.meta.url), '../../../src/cli/main.js');
const RUN = 1 << 20;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

/** Writes the source image: even MiB runs hold data (random first half of each 4 KiB, zero second half), odd ones are holes. */
function makeSource(path: string, size: number): void {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  const buf = Buffer.alloc(RUN);
  let x = 0x12345678;
  for (let off = 0; off < size; off += 2 * RUN) {
    for (let p = 0; p < RUN; p += 4096) {
      for (let i = 0; i < 2048; i += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        buf.writeInt32LE(x | 0, p + i);
      }
    }
    writeSync(fd, buf, 0, Math.min(RUN, size - off), off);
  }
  closeSync(fd);
}

/** Whether timed runs drop the page cache first (decided once, in main). */
let dropCaches = false;

function timed(cmd: string, args: string[], cwd: string): Timing {
  const r = runTimed(cmd, args, cwd, dropCaches);
  // qemu-img 7.2 exits 1 without a message after `convert -c -O qcow` although the image is
  // complete (the output is verified with compare below).
  const qcowQuirk = cmd === 'qemu-img' && args.includes('-c') && args.includes('qcow') && r.status === 1 && r.stderr === '';
  if (r.status !== 0 && !qcowQuirk) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r;
}

/** Median of one field over a tool's runs. */
function med(runs: readonly Timing[], key: 'real' | 'user' | 'sys'): number {
  return summarize(runs.map((t) => t[key])).median;
}

function compare(dir: string, a: string, b: string): void {
  const r = spawnSync('qemu-img', ['compare', '-U', a, b], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`outputs differ: ${a} vs ${b}: ${r.stdout}${r.stderr}`);
}

function main(): void {
  const size = parseSize(arg('size') ?? '2G');
  if (size === undefined) throw new Error('bad --size');
  const fmt = arg('format') ?? (findFormat('qcow2') !== undefined ? 'qcow2' : 'qcow');
  if (findFormat(fmt) === undefined) throw new Error(`format ${fmt} is not registered in tkvm`);
  dropCaches = canDropCaches();
  const dir = mkdtempSync(join(arg('dir') ?? tmpdir(), 'tkvm-bench-'));
  try {
    makeSource(join(dir, 'src.raw'), size);
    // FMT source for the FMT -> raw case, written by qemu-img so both tools read identical input.
    timed('qemu-img', ['convert', '-f', 'raw', '-O', fmt, 'src.raw', 'ref.img'], dir);
    const cases: { name: string; args: string[]; check: string }[] = [
      { name: `raw -> ${fmt}`, args: ['convert', '-f', 'raw', '-O', fmt, 'src.raw', 'OUT'], check: 'src.raw' },
      { name: `${fmt} -> raw`, args: ['convert', '-f', fmt, '-O', 'raw', 'ref.img', 'OUT'], check: 'src.raw' },
      { name: `raw -> ${fmt} -c`, args: ['convert', '-c', '-f', 'raw', '-O', fmt, 'src.raw', 'OUT'], check: 'src.raw' },
    ];
    console.log(`convert benchmark: ${size} bytes (half data, half holes), format ${fmt}, dir ${dir}`);
    console.log(`load average at the start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log(dropCaches
      ? 'page cache: synced and dropped before every timed command'
      : 'page cache: NOT dropped (not root): synced only, so figures depend on which tool ran before');
    console.log(`${'case'.padEnd(20)}${'tkvm s'.padStart(10)}${'qemu-img s'.padStart(12)}${'ratio'.padStart(8)}` +
      `${'tkvm user'.padStart(11)}${'sys'.padStart(7)}${'qemu user'.padStart(11)}${'sys'.padStart(7)}`);
    const rounds = Number(arg('rounds') ?? '3');
    for (const c of cases) {
      const outT = `t-${cases.indexOf(c)}.out`;
      const outQ = `q-${cases.indexOf(c)}.out`;
      const tts: Timing[] = [];
      const tqs: Timing[] = [];
      for (let r = 0; r < rounds; r++) {
        // Alternate which tool goes first; each output is checked, then removed.
        const runQ = (): Timing => timed('qemu-img', c.args.map((a) => (a === 'OUT' ? outQ : a)), dir);
        const runT = (): Timing => timed(process.execPath, [MAIN, 'img', ...c.args.map((a) => (a === 'OUT' ? outT : a))], dir);
        if (r % 2 === 0) {
          tqs.push(runQ());
          tts.push(runT());
        } else {
          tts.push(runT());
          tqs.push(runQ());
        }
        compare(dir, c.check, outT);
        compare(dir, c.check, outQ);
        rmSync(join(dir, outT));
        rmSync(join(dir, outQ));
      }
      const tt = med(tts, 'real');
      const tq = med(tqs, 'real');
      const cpu = (runs: Timing[]): string => `${med(runs, 'user').toFixed(2).padStart(11)}${med(runs, 'sys').toFixed(2).padStart(7)}`;
      console.log(`${c.name.padEnd(20)}${tt.toFixed(3).padStart(10)}${tq.toFixed(3).padStart(12)}${(tt / tq).toFixed(2).padStart(8)}` +
        `${cpu(tts)}${cpu(tqs)}`);
    }
    console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    if (process.argv.includes('--keep')) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main();
