/**
 * Debian's i686 Linux guest for the issue-7 tests: where the assets are, how to start tkvm (or
 * QEMU) on them, and how long to wait. A boot that does not reach the busybox shell gives a skip
 * reason with the last console output, not a failure: the software CPU is still being built.
 * Waits are hang guards, not speed limits: the kernel gets BANNER_GUARD_S to print its banner
 * (the xz decompressor prints nothing), then may go STALL_GUARD_S without any console output
 * before it counts as stuck, within BOOT_GUARD_S overall (all settable through the environment).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, TKVM } from '../helpers/process.js';
import { LINUX_PROMPT, LINUX_READY_MARKER } from './initramfs.js';
import { SerialShell } from './serial-shell.test-util.js';

const ASSETS = path.join(REPO_ROOT, '.cache/assets');
/** Debian's linux-image-*-686 kernel. */
export const KERNEL_686 = path.join(ASSETS, 'vmlinuz-686');
/** The initramfs test/emu-linux/initramfs.ts builds (busybox, modules, /init). */
export const INITRD_686 = path.join(ASSETS, 'initrd-686.cpio.gz');

const envSeconds = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
/** Seconds the kernel may take to print "Linux version" (decompression included). */
export const BANNER_GUARD_S = envSeconds('TKVM_LINUX_BANNER_GUARD_S', 900);
/** Seconds without console output after the banner before the boot counts as stuck. */
export const STALL_GUARD_S = envSeconds('TKVM_LINUX_STALL_GUARD_S', 300);
/** Seconds for the whole boot to the shell. */
export const BOOT_GUARD_S = envSeconds('TKVM_LINUX_BOOT_GUARD_S', 2400);
/** Seconds one shell command may take. */
export const COMMAND_GUARD_S = envSeconds('TKVM_LINUX_COMMAND_GUARD_S', 300);

/**
 * Why the i686 guest is not booted in this run, or undefined: its assets are missing, or the boot
 * would only burn CI time. On 2026-11-29 tkvm's software CPU ran about 1-3 M instructions/s on a
 * loaded 2-core machine; from the decompressed kernel's entry the boot took ~5.1 G instructions to
 * the busybox prompt (QEMU TCG with -icount: 4.7 G to /init), most of them in the crypto
 * self-tests (RSA and DH), so a boot plus the xz decompression runs for most of an hour. Until
 * the CPU is faster the boot runs only on request (TKVM_EMU_LINUX=1) or against a reference VMM
 * (TKVM_LINUX_REFERENCE_VMM=qemu-system-i386).
 */
export function assetsMissing(): string | undefined {
  for (const f of [KERNEL_686, INITRD_686]) {
    if (!existsSync(f)) return `${path.relative(REPO_ROOT, f)} is missing (scripts/fetch-test-assets.sh fetches Debian's i686 kernel and busybox-static:i386)`;
  }
  if (process.env.TKVM_EMU_LINUX !== '1' && process.env.TKVM_LINUX_REFERENCE_VMM === undefined) {
    return 'the software CPU needs ~5 G instructions (12 min to most of an hour at its 2026-11-29 speed) to take Debian\'s i686 kernel to the shell; set TKVM_EMU_LINUX=1 to boot it anyway';
  }
  return undefined;
}

/** The command line both VMMs get for a direct boot of the guest. */
export function directBootArgs(append: string, extra: readonly string[] = []): string[] {
  return ['-m', '512', '-kernel', KERNEL_686, '-initrd', INITRD_686, '-append', append, ...extra];
}

/**
 * The VMM the tests run: tkvm, or the program TKVM_LINUX_REFERENCE_VMM names (qemu-system-i386),
 * to check the tests themselves against QEMU's software emulation.
 */
export const REFERENCE_VMM = process.env.TKVM_LINUX_REFERENCE_VMM;

/** Starts `tkvm -accel tcg` (or the reference VMM, same arguments) on the guest. */
export function startGuest(args: readonly string[]): SerialShell {
  return new SerialShell(REFERENCE_VMM ?? TKVM, ['-accel', 'tcg', ...args], { ...process.env, TKVM_EMU_STATS: '1' });
}

/** The outcome of waiting for the shell: undefined when it is up, else why not. */
export async function waitForShell(vm: SerialShell): Promise<string | undefined> {
  const t0 = performance.now();
  const elapsed = (): string => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  const why = (what: string): string => {
    const err = vm.stderr().trim();
    return `${what} (after ${elapsed()}); last console output:\n${vm.tail()}${err === '' ? '' : `\ntkvm's stderr: ${err}`}`;
  };
  if ((await vm.waitFor(/Linux version \S+/, BANNER_GUARD_S * 1000)) === undefined) {
    return why(vm.ended ? `the VMM exited (${JSON.stringify(vm.ended)}) before the kernel printed its banner` : `no "Linux version" banner within ${BANNER_GUARD_S} s (still decompressing or stuck before start_kernel)`);
  }
  const shellOrPanic = new RegExp(`${LINUX_READY_MARKER}[^]*${LINUX_PROMPT.trim()}|Kernel panic - not syncing[^\\n]*\\n`);
  for (;;) {
    const seen = vm.output().length;
    const m = await vm.waitFor(shellOrPanic, STALL_GUARD_S * 1000);
    if (m !== undefined && !m[0].startsWith('Kernel panic')) return undefined;
    if (m !== undefined) return why(`the kernel panicked: ${oopsSummary(vm.output())}`);
    if (vm.ended) return why(`the VMM exited (${JSON.stringify(vm.ended)}) before the shell`);
    if (vm.output().length === seen) return why(`no console output for ${STALL_GUARD_S} s before the shell`);
    if (performance.now() - t0 > BOOT_GUARD_S * 1000) return why(`no shell within ${BOOT_GUARD_S} s`);
  }
}

/** The lines of a kernel oops that say what failed: BUG/#PF/EIP/Code/panic. */
export function oopsSummary(text: string): string {
  const lines = kernelLines(text).filter((l) => /^(BUG|#PF|EIP|Code|Kernel panic|invalid opcode|general protection|Oops)/.test(l));
  return [...new Set(lines)].join(' | ');
}

/** Kernel log lines as the serial console printed them, without timestamps. */
export function kernelLines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/^.*?\[\s*\d+\.\d+\]\s/, ''));
}
