import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root (tests run from dist/test/...). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The tkvm entry point the tests run, as a user would from a clone. */
export const TKVM = path.join(REPO_ROOT, 'bin/tkvm');

/** What a finished child process left behind. */
export interface ProcessResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for runProcess. */
export interface RunOptions {
  readonly input?: string | Uint8Array;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Kill guard against a hung guest, not a speed assertion (default 10 minutes). */
  readonly killAfterMs?: number;
  /** Called with stdout as it arrives (to send input in reply to a prompt). */
  readonly onStdout?: (text: string, child: import('node:child_process').ChildProcess) => void;
}

/** Runs a command to completion and collects its output. */
export function runProcess(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('latin1');
    child.stderr.setEncoding('latin1');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      opts.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: string) => (stderr += d));
    const guard = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(guard);
      resolve({ status, signal, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else if (opts.onStdout === undefined) child.stdin.end();
  });
}

/** Why /dev/kvm cannot be used here, or undefined when it can (for test skip reasons). */
export function kvmUnusableReason(): string | undefined {
  if (!existsSync('/dev/kvm')) return '/dev/kvm does not exist on this machine';
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return 'no permission to open /dev/kvm';
  }
  return undefined;
}

/** Path of a program on PATH, or undefined. */
export function which(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, program);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
