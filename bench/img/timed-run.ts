/**
 * Runs one benchmark command under the same conditions for every tool: dirty pages written back
 * and, when we are root, the page cache dropped first, so neither tool reads the other's cached
 * files nor pays for reclaiming the pages the other left behind (without the drop, a tool's
 * system time swung between 0.6 and 1.7 s for the same command, depending on which ran second).
 * The command runs under bash so its user and system CPU times can be read with `times`.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Wall-clock and CPU seconds of one run, its exit status and its standard error. */
export interface Timing {
  readonly real: number;
  readonly user: number;
  readonly sys: number;
  readonly status: number | null;
  readonly stderr: string;
}

/** Bash script: run "$@" with stdout discarded, then print `times` (shell's own, then children's). */
const WRAPPER = '"$@" >/dev/null; st=$?; times; exit $st';

/** Parses bash's `times` output; returns the children's user and system seconds (second line). */
export function parseBashTimes(out: string): { user: number; sys: number } {
  const lines = out.trim().split('\n');
  const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec((lines[lines.length - 1] ?? '').trim());
  if (lines.length < 2 || m === null) throw new Error(`unexpected output of bash times: ${JSON.stringify(out)}`);
  return {
    user: Number(m[1]) * 60 + Number(m[2]),
    sys: Number(m[3]) * 60 + Number(m[4]),
  };
}

/** True when this process may drop the page cache (root). */
export function canDropCaches(): boolean {
  return process.getuid?.() === 0;
}

/** Writes back dirty pages, then drops clean page-cache pages, dentries and inodes when `drop`. */
export function settle(drop: boolean): void {
  spawnSync('sync');
  if (drop) writeFileSync('/proc/sys/vm/drop_caches', '3\n');
}

/** Settles the page cache (see settle), then runs `cmd args` in `cwd` and times it. */
export function runTimed(cmd: string, args: readonly string[], cwd: string, drop: boolean): Timing {
  settle(drop);
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', WRAPPER, 'bench', cmd, ...args], { cwd, encoding: 'utf8' });
  const real = (performance.now() - t0) / 1000;
  const { user, sys } = parseBashTimes(r.stdout);
  return { real, user, sys, status: r.status, stderr: r.stderr };
}
