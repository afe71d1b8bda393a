/**
 * Benchmark: `tkvm img bench` against `qemu-img bench` on the same qcow2 file, 4 KiB requests at
 * queue depth 1 and 32, reads and writes, interleaved rounds; prints requests per second and the
 * ratio tkvm/qemu-img (higher is better; issue 3's target is at least 0.8).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/img/rw.js [--count 20000] [--rounds 3] [--dir /tmp]
 *
 * qemu-img bench has no random mode: it walks the image from offset 0 in steps of -S (default the
 * request size). Both tools get identical arguments, so both do the same I/O; writes go to a fresh
 * copy each round so allocation is measured too.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, summarize } from '../../src/bench/stats.js';

const MAIN = resolve(fileURLToPath(import.meta.url), '../../../src/cli/main.js');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1] ?? fallback;
}

/** Runs one bench command and returns the seconds it reports ("Run completed in X seconds."). */
function runBench(tool: 'tkvm' | 'qemu-img', args: string[]): number {
  const [cmd, full] = tool === 'tkvm' ? [process.execPath, [MAIN, 'img', 'bench', ...args]] : ['qemu-img', ['bench', ...args]];
  const r = spawnSync(cmd, full, { encoding: 'utf8' });
  const m = /Run completed in ([0-9.]+) seconds/.exec(r.stdout);
  if (r.status !== 0 || m === null) throw new Error(`${tool} bench ${args.join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

function main(): void {
  const count = Number(arg('count', '20000'));
  const rounds = Number(arg('rounds', '3'));
  const dir = mkdtempSync(join(arg('dir', tmpdir()), 'tkvm-img-rw-'));
  try {
    const base = join(dir, 'base.qcow2');
    const bytes = count * 4096;
    const mk = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, String(2 * bytes)], { encoding: 'utf8' });
    if (mk.status !== 0) throw new Error(mk.stderr);
    // Reads must hit allocated clusters: fill the range the read runs cover.
    const fill = spawnSync('qemu-io', ['-f', 'qcow2', '-c', `write -P 0x5a 0 ${bytes}`, base], { encoding: 'utf8' });
    if (fill.status !== 0) throw new Error(fill.stderr);
    console.log(`tkvm img bench vs qemu-img bench: qcow2, ${count} x 4 KiB requests, ${rounds} interleaved rounds`);
    for (const write of [false, true]) {
      for (const depth of [1, 32]) {
        const rates: Record<'tkvm' | 'qemu-img', number[]> = { tkvm: [], 'qemu-img': [] };
        for (let r = 0; r < rounds; r++) {
          for (const tool of ['tkvm', 'qemu-img'] as const) {
            const file = join(dir, `run-${tool}.qcow2`);
            copyFileSync(base, file);
            const args = ['-q', '-f', 'qcow2', '-c', String(count), '-d', String(depth), '-s', '4k', ...(write ? ['-w', '-o', String(bytes)] : []), file];
            // -q silences the header but keeps the "Run completed" line in both tools.
            rates[tool].push(count / runBench(tool, args.filter((a) => a !== '-q')));
          }
        }
        const t = summarize(rates.tkvm);
        const q = summarize(rates['qemu-img']);
        console.log(`${write ? 'write' : 'read '} depth ${String(depth).padStart(2)}: tkvm ${formatSummary(t, 'req/s', 0)}; qemu-img ${formatSummary(q, 'req/s', 0)}; ratio ${(t.median / q.median).toFixed(2)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
