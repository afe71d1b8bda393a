/** Where the bench and the demo find tkvm, the guests and the native workloads in a clone. */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TkvmError } from '../errors.js';
import type { WorkloadId } from './workloads.js';

/** Repository root (this file compiles to dist/src/bench/paths.js). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The tkvm launcher a user runs; the bench runs it exactly as it runs QEMU. */
export const TKVM_BIN = join(REPO_ROOT, 'bin', 'tkvm');

/** Which build of the guests: x86_64 (long mode) or i386 (for CPUs without long mode, such as tkvm's software CPU). */
export type GuestBuild = 'x86_64' | 'i386';

/** The PVH guest build of a workload (or test guest): build/guests, or build/guests32 for i386. */
export function guestElf(name: WorkloadId | 'hello', build: GuestBuild = 'x86_64'): string {
  return join(REPO_ROOT, 'build', build === 'i386' ? 'guests32' : 'guests', `${name}.elf`);
}

/** The Linux build of a workload. */
export function nativeBinary(name: WorkloadId): string {
  return join(REPO_ROOT, 'build', 'native', name);
}

/** Resolves a program name on PATH (or checks an explicit path); undefined when absent. */
export function findProgram(program: string): string | undefined {
  const candidates = program.includes('/') ? [program] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, program));
  for (const p of candidates) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Builds the guests and native workloads with scripts/build-guests.sh (incremental, so quick
 * when up to date). Without gcc, prebuilt files are used; without either, one clear error.
 */
export function ensureWorkloadsBuilt(log: (line: string) => void): void {
  const guests = (['pi', 'membw', 'hello'] as const).flatMap((g) => [guestElf(g), guestElf(g, 'i386')]);
  const needed = [...guests, nativeBinary('pi'), nativeBinary('membw')];
  const missing = needed.filter((p) => !existsSync(p));
  if (findProgram(process.env.CC ?? 'gcc') === undefined) {
    if (missing.length === 0) return;
    throw new TkvmError('build', `${missing[0]} is missing and gcc is not installed: install gcc and binutils (Debian: apt-get install gcc binutils), then run scripts/build-guests.sh`);
  }
  if (missing.length > 0) log('building the guests and native workloads (scripts/build-guests.sh)...');
  const r = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'build-guests.sh')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-1)[0] ?? '';
    throw new TkvmError('build', `scripts/build-guests.sh failed${tail ? `: ${tail}` : ''}`);
  }
}
