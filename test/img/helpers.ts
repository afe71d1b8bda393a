/** Shared helpers of the `tkvm img` tests: run tkvm img and the real qemu-img, temp dirs. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/src/cli/main.js, found from this compiled file (dist/test/img/helpers.js). */
export const MAIN = resolve(fileURLToPath(import.meta.url), '../../../src/cli/main.js');

/** Output and status of a finished command. */
export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tkvm img <args>` in `cwd`. */
export function tkvmImg(args: readonly string[], cwd: string): RunResult {
  const r = spawnSync(process.execPath, [MAIN, 'img', ...args], { cwd, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a system tool (qemu-img, qemu-io) in `cwd`. */
export function tool(cmd: string, args: readonly string[], cwd: string): RunResult {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error?.message ?? '') };
}

/** Why qemu-img tests must be skipped here, or undefined when qemu-img is installed. */
export const noQemuImg: string | undefined =
  spawnSync('qemu-img', ['--version']).status === 0 ? undefined : 'qemu-img not installed (scripts/setup.sh installs it)';

/** A fresh temporary directory and a function removing it. */
export function tempDir(): { dir: string; cleanup: () => void; path: (name: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-img-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }), path: (n) => join(dir, n) };
}
