// Runs the test guests (guests/, built by scripts/build-guests.sh) under tkvm, the way the QEMU
// helper in test/guests runs them under QEMU, so the two can be compared line by line.
import { join } from 'node:path';
import { REPO_ROOT, TKVM } from '../helpers/process.js';
import { spawnGuest, type GuestRun } from '../guests/qemu.js';

/** Where the guest kernels are built. */
export const GUEST_DIR = join(REPO_ROOT, 'build', 'guests');

/** What a tkvm run of a guest produced; serial output has CRs removed. */
export type TkvmRun = GuestRun;

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
  return spawnGuest(TKVM, guestArgs(name, opts), opts.input);
}

/** Status tkvm and QEMU exit with after the guest writes `code` to isa-debug-exit. */
export { debugExitStatus } from '../guests/qemu.js';
