// Runs the test guests (guests/, built by scripts/build-guests.sh) under tkvm, the way the QEMU
// helper in test/guests runs them under QEMU, so the two can be compared line by line.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, TKVM } from '../helpers/process.js';

/** Where the guest kernels are built. */
export const GUEST_DIR = join(REPO_ROOT, 'build', 'guests');

/** What a tkvm run of a guest produced; serial output has CRs removed. */
export interface TkvmRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly serial: string;
  readonly stderr: string;
}

/** Options of one tkvm run of a guest. */
export interface TkvmRunOptions {
  readonly append?: string;
  readonly extraArgs?: readonly string[];
  /** Allow guest resets (omit -no-reboot). */
  readonly reboot?: boolean;
  /** Typed on COM1 once `after` appears in the output. */
  readonly input?: { readonly after: string; readonly data: string };
  readonly memory?: string;
}

/** The command line a test uses; the same one works for qemu-system-x86_64 -enable-kvm. */
export function guestArgs(name: string, opts: TkvmRunOptions = {}): string[] {
  const args = ['-m', opts.memory ?? '256', '-nographic', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-kernel', join(GUEST_DIR, `${name}.elf`), '-append', opts.append ?? '', ...(opts.extraArgs ?? [])];
  if (opts.reboot) args.splice(args.indexOf('-no-reboot'), 1);
  return args;
}

/** Boots build/guests/<name>.elf under tkvm. */
export function runTkvmGuest(name: string, opts: TkvmRunOptions = {}): Promise<TkvmRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(TKVM, guestArgs(name, opts), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let typed = false;
    const guard = setTimeout(() => p.kill('SIGKILL'), 300_000); // hang guard, not a speed check
    p.stdout.setEncoding('latin1').on('data', (d: string) => {
      out += d;
      if (opts.input && !typed && out.includes(opts.input.after)) {
        typed = true;
        p.stdin.write(opts.input.data);
      }
    });
    p.stderr.setEncoding('latin1').on('data', (d: string) => (err += d));
    p.on('error', reject);
    p.on('close', (status, signal) => {
      clearTimeout(guard);
      resolve({ status, signal, serial: out.replace(/\r/g, ''), stderr: err });
    });
    if (!opts.input) p.stdin.end();
  });
}

/** Status tkvm and QEMU exit with after the guest writes `code` to isa-debug-exit. */
export function debugExitStatus(code: number): number {
  return ((code << 1) | 1) & 0xff;
}
