/**
 * Checks a Linux guest's serial log against what tkvm's direct boot gave it, so the KVM boot
 * test only has to feed in the serial output. Each check names what the kernel printed and
 * what we expected. Log formats are Linux 6.x (arch/x86/kernel/e820.c e820__print_table,
 * setup.c "Command line:", mpparse.c "found SMP MP-table at", smpboot.c "Allowing %d CPUs",
 * setup.c "RAMDISK:"), checked against Debian's 6.1 cloud kernel under QEMU.
 */
import type { E820Entry } from '../../src/boot/e820.js';
import { formatE820 } from '../../src/boot/e820.js';
import { MP_FLOATING_ADDR } from '../../src/boot/mptable.js';
import { INIT_MARKER } from './initrd.js';

/** What the kernel should report; absent fields are not checked. */
export interface LinuxLogExpectations {
  readonly cmdline?: string;
  readonly e820?: readonly E820Entry[];
  readonly cpus?: number;
  /** Expect "found SMP MP-table at [mem 0x0009fc00-0x0009fc0f]". */
  readonly mpTable?: boolean;
  readonly initrd?: { readonly addr: number; readonly size: number };
  /** Expect the test initrd's INIT_MARKER line (userspace ran). */
  readonly initMarker?: boolean;
}

/** Outcome: the kernel version if the banner was seen, and every mismatch found. */
export interface LinuxLogReport {
  readonly version?: string;
  readonly problems: string[];
}

/** Splits serial output into lines without ANSI escapes, CRs or "[    0.000000] " stamps. */
export function kernelLogLines(serial: string): string[] {
  return serial
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .split(/\r?\n/)
    .map((l) => l.replace(/\r/g, '').replace(/^.*?\[\s*\d+\.\d+\]\s/, ''));
}

const hex10 = (n: number): string => '0x' + n.toString(16).padStart(8, '0');

/** Compares the serial log with the expectations; an empty `problems` means it all matched. */
export function checkLinuxLog(serial: string, want: LinuxLogExpectations): LinuxLogReport {
  const lines = kernelLogLines(serial);
  const problems: string[] = [];
  const banner = lines.find((l) => l.startsWith('Linux version '));
  const version = banner?.split(' ')[2];
  if (banner === undefined) problems.push('no "Linux version" banner: the kernel did not start or the console is not on this serial port');
  const find = (prefix: string): string | undefined => lines.find((l) => l.startsWith(prefix));
  if (want.cmdline !== undefined) {
    const got = find('Command line: ');
    if (got !== 'Command line: ' + want.cmdline) problems.push(`command line: kernel printed ${JSON.stringify(got ?? '(nothing)')}, expected ${JSON.stringify('Command line: ' + want.cmdline)}`);
  }
  if (want.e820 !== undefined) {
    const got = lines.filter((l) => l.startsWith('BIOS-e820: '));
    const exp = formatE820(want.e820);
    if (got.join('\n') !== exp.join('\n')) problems.push(`e820 map differs:\n  kernel: ${got.join('\n          ')}\n  tkvm:   ${exp.join('\n          ')}`);
  }
  if (want.mpTable === true) {
    const exp = `found SMP MP-table at [mem ${hex10(MP_FLOATING_ADDR)}-${hex10(MP_FLOATING_ADDR + 15)}]`;
    if (!lines.includes(exp)) problems.push(`MP table: no "${exp}" line`);
  }
  if (want.cpus !== undefined) {
    const got = lines.find((l) => /^smpboot: Allowing \d+ CPUs/.test(l));
    if (got === undefined || !got.startsWith(`smpboot: Allowing ${want.cpus} CPUs`)) problems.push(`CPUs: kernel printed ${JSON.stringify(got ?? '(nothing)')}, expected "smpboot: Allowing ${want.cpus} CPUs"`);
  }
  if (want.initrd !== undefined) {
    const end = Math.ceil((want.initrd.addr + want.initrd.size) / 0x1000) * 0x1000 - 1;
    const exp = `RAMDISK: [mem ${hex10(want.initrd.addr)}-${hex10(end)}]`;
    if (!lines.includes(exp)) problems.push(`initrd: no "${exp}" line (got ${JSON.stringify(find('RAMDISK:') ?? '(nothing)')})`);
  }
  if (want.initMarker === true && !lines.some((l) => l.startsWith(INIT_MARKER))) problems.push(`userspace: no "${INIT_MARKER}" line from the test initrd's /init`);
  return { ...(version === undefined ? {} : { version }), problems };
}
