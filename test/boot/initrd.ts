/**
 * The test initrd the boot tests run: busybox-static plus an /init that mounts /proc, /sys and
 * /dev, prints INIT_MARKER with the kernel version, and starts a shell on ttyS0, or powers off
 * (`tkvm.poweroff` on the command line) or resets (`tkvm.reboot`: with -no-reboot the VMM exits;
 * without ACPI a poweroff only halts). Also a CLI used by scripts/fetch-test-assets.sh:
 *   node dist/test/boot/initrd.js <busybox> <out.cpio.gz>
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { newcArchive, type CpioEntry } from '../../src/boot/cpio.js';

/** Line /init prints once userspace runs; a boot test waits for it. */
export const INIT_MARKER = 'TKVM-INITRD-READY';

/** The /init script (busybox sh). */
export const INIT_SCRIPT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/busybox --install -s /bin
export PATH=/bin
echo "${INIT_MARKER} kernel $(uname -r) cpus $(grep -c ^processor /proc/cpuinfo)"
if grep -q tkvm.poweroff /proc/cmdline; then poweroff -f; fi
if grep -q tkvm.reboot /proc/cmdline; then reboot -f; fi
exec setsid sh -c 'exec sh </dev/ttyS0 >/dev/ttyS0 2>&1'
`;

/** The entries every busybox initrd starts with: /bin/busybox, /bin/sh, /dev's console nodes, /proc, /sys. */
export function busyboxBaseEntries(busybox: Uint8Array): CpioEntry[] {
  return [
    { type: 'dir', path: 'bin' },
    { type: 'dir', path: 'dev' },
    { type: 'char', path: 'dev/console', major: 5, minor: 1 },
    { type: 'char', path: 'dev/ttyS0', major: 4, minor: 64 },
    { type: 'dir', path: 'proc' },
    { type: 'dir', path: 'sys' },
    { type: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { type: 'symlink', path: 'bin/sh', target: 'busybox' },
  ];
}

/** Builds the gzip-compressed newc initrd around a busybox-static binary. */
export function buildTestInitrd(busybox: Uint8Array): Uint8Array {
  const cpio = newcArchive([
    ...busyboxBaseEntries(busybox),
    { type: 'file', path: 'init', data: new TextEncoder().encode(INIT_SCRIPT), mode: 0o755 },
  ]);
  return gzipSync(cpio, { level: 6 });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [busyboxPath, outPath] = process.argv.slice(2);
  if (busyboxPath === undefined || outPath === undefined) {
    console.error('usage: node dist/test/boot/initrd.js <busybox> <out.cpio.gz>');
    process.exit(2);
  }
  // Rewritten only when /init or busybox changed (gzip output is deterministic), so it stays current.
  const image = buildTestInitrd(readFileSync(busyboxPath));
  if (!existsSync(outPath) || Buffer.compare(readFileSync(outPath), image) !== 0) {
    writeFileSync(outPath + '.tmp', image);
    renameSync(outPath + '.tmp', outPath);
  }
}
