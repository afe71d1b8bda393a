// Runs tkvm's test guests under the reference QEMU (-enable-kvm) and collects their serial
// output and exit status, so the guests are proven right before tkvm runs them.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file compiles to dist/test/guests/qemu.js). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Where scripts/build-guests.sh writes the guest kernels. */
export const guestDir = join(repoRoot, 'build', 'guests');

/** Why QEMU+KVM guest runs cannot happen on this machine, or undefined when they can. */
export function qemuSkipReason(): string | undefined {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return '/dev/kvm is missing or not accessible';
  }
  const r = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'qemu-system-x86_64 is not installed';
  return undefined;
}

/** Builds every guest; returns the script's combined output for assertion messages. */
export function buildGuests(): { status: number | null; output: string } {
  const r = spawnSync('bash', [join(repoRoot, 'scripts', 'build-guests.sh')], { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** What a guest run produced: the exit status and the serial output with CRs removed. */
export interface GuestRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  serial: string;
  stderr: string;
}

/** Options of one QEMU run of a guest. */
export interface GuestRunOptions {
  append?: string;
  extraArgs?: string[];
  reboot?: boolean; // allow resets (omit -no-reboot)
  input?: { after: string; data: string }; // typed on COM1 once `after` appears in the output
}

/** Boots build/guests/<name>.elf under QEMU with the isa-debug-exit device. */
export function runGuest(name: string, opts: GuestRunOptions = {}): Promise<GuestRun> {
  const args = ['-enable-kvm', '-m', '256', '-nographic', '-no-reboot', '-nic', 'none',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-kernel', join(guestDir, `${name}.elf`), '-append', opts.append ?? '', ...(opts.extraArgs ?? [])];
  if (opts.reboot) args.splice(args.indexOf('-no-reboot'), 1);
  return spawnGuest('qemu-system-x86_64', args, opts.input);
}

/** Runs a VMM command line, types `input` once its text appears, and collects serial output. */
export function spawnGuest(cmd: string, args: readonly string[], input?: { after: string; data: string }): Promise<GuestRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let typed = false;
    const guard = setTimeout(() => p.kill('SIGKILL'), 10 * 60_000); // a hung guest fails instead of hanging CI
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (input && !typed && out.includes(input.after)) {
        typed = true;
        p.stdin.write(input.data);
      }
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    p.on('error', reject);
    p.on('close', (status, signal) => {
      clearTimeout(guard);
      resolve({ status, signal, serial: out.replace(/\r/g, ''), stderr: err });
    });
    // With input pending, stdin stays open until the VMM exits.
    if (!input) p.stdin.end();
  });
}

/** Status QEMU exits with after the guest writes code to isa-debug-exit. */
export function debugExitStatus(code: number): number {
  return ((code << 1) | 1) & 0xff;
}
