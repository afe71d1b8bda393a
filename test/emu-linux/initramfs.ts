/**
 * The issue-7 initramfs: Debian's busybox-static (i386), the kernel's own modules the tests need
 * (IDE disk and CD, the file systems) with their dependencies, and an /init that loads them,
 * prints LINUX_READY_MARKER and starts a shell on ttyS0 with LINUX_PROMPT as its prompt.
 * Also the CLI scripts/fetch-test-assets.sh uses:
 *   node dist/test/emu-linux/initramfs.js trim <deb root>/lib/modules/<ver> <out dir>
 *       copies the needed modules into <out dir>/<ver>/ (small enough to keep in .cache)
 *   node dist/test/emu-linux/initramfs.js check <dir>      exit 0 when <dir> has them all
 *   node dist/test/emu-linux/initramfs.js build <busybox> <dir> <out.cpio.gz>
 *       writes the initramfs (only when its bytes changed: gzip output is deterministic)
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { newcArchive, type CpioEntry } from '../../src/boot/cpio.js';
import { busyboxBaseEntries } from '../boot/initrd.js';
import { builtinNames, modulesDep, resolveLoadOrder, scanModules, type KernelModule } from './kernel-modules.js';

/** Line /init prints when the modules are loaded and the shell is about to start. */
export const LINUX_READY_MARKER = 'TKVM-LINUX-READY';
/** The shell's prompt (PS1): the bench and tests wait for it. */
export const LINUX_PROMPT = 'tkvm-linux# ';

/**
 * Modules issue 7 exercises that Debian's 686 kernel builds as modules (checked against its
 * /boot/config-*): the PIIX IDE driver (libata, scsi_mod come as dependencies), disks and CDs
 * (sd_mod, sr_mod, cdrom), ISO 9660, ext4 (mounts busybox mke2fs's ext2) with its crc32c, and
 * vfat (busybox mkdosfs) with the code pages its defaults name.
 */
export const WANTED_MODULES = ['ata_piix', 'sd_mod', 'sr_mod', 'isofs', 'crc32c_generic', 'ext4', 'vfat', 'nls_cp437', 'nls_ascii'] as const;

/** The /init script (busybox sh); `modules` in load order, paths relative to lib/modules/<ver>. */
export function initScript(version: string, modules: readonly KernelModule[]): string {
  return `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /mnt /cdrom
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/busybox --install -s /bin
export PATH=/bin
# Parameters given as <module>.<param>=<value> on the kernel command line go to insmod, as
# modprobe would pass them (libata.dma=0 forces PIO).
for m in ${modules.map((m) => m.relPath).join(' ')}; do
  n=$(basename $m .ko | tr - _)
  args=
  for w in $(cat /proc/cmdline); do case $w in $n.*=*) args="$args \${w#$n.}";; esac; done
  insmod /lib/modules/${version}/$m $args || echo "tkvm-init: insmod $m failed"
done
echo "${LINUX_READY_MARKER} kernel $(uname -r) cpus $(grep -c ^processor /proc/cpuinfo)"
export PS1='${LINUX_PROMPT}'
exec setsid cttyhack sh
`;
}

/** The version directory (lib/modules/<ver>) inside a trimmed modules dir, or undefined. */
function versionDir(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const v = readdirSync(dir).filter((d) => /^\d/.test(d));
  return v.length === 1 ? v[0] : undefined;
}

/** Resolves the wanted modules in lib/modules/<ver> `moduleDir`. */
export function neededModules(moduleDir: string): KernelModule[] {
  const builtinFile = path.join(moduleDir, 'modules.builtin');
  const builtin = existsSync(builtinFile) ? builtinNames(readFileSync(builtinFile, 'latin1')) : new Set<string>();
  return resolveLoadOrder(WANTED_MODULES, scanModules(moduleDir), builtin);
}

/** Builds the gzip-compressed newc initramfs. */
export function buildLinuxInitramfs(busybox: Uint8Array, moduleDir: string, version: string): Uint8Array {
  const mods = neededModules(moduleDir);
  const entries: CpioEntry[] = busyboxBaseEntries(busybox);
  const dirs = new Set<string>();
  const addDir = (d: string): void => {
    if (d === '.' || dirs.has(d)) return;
    addDir(path.posix.dirname(d));
    dirs.add(d);
    entries.push({ type: 'dir', path: d });
  };
  const base = `lib/modules/${version}`;
  addDir(base);
  for (const m of mods) {
    addDir(path.posix.dirname(`${base}/${m.relPath}`));
    entries.push({ type: 'file', path: `${base}/${m.relPath}`, data: readFileSync(path.join(moduleDir, m.relPath)) });
  }
  entries.push({ type: 'file', path: `${base}/modules.dep`, data: new TextEncoder().encode(modulesDep(mods)) });
  entries.push({ type: 'file', path: 'init', data: new TextEncoder().encode(initScript(version, mods)), mode: 0o755 });
  return gzipSync(newcArchive(entries), { level: 6 });
}

/** Copies the needed modules (and modules.builtin) from a kernel's lib/modules/<ver> into out/<ver>. */
export function trimModules(moduleDir: string, out: string): void {
  const version = path.basename(path.resolve(moduleDir));
  const dest = path.join(out, version);
  for (const m of neededModules(moduleDir)) {
    mkdirSync(path.dirname(path.join(dest, m.relPath)), { recursive: true });
    copyFileSync(path.join(moduleDir, m.relPath), path.join(dest, m.relPath));
  }
  const builtin = path.join(moduleDir, 'modules.builtin');
  if (existsSync(builtin)) copyFileSync(builtin, path.join(dest, 'modules.builtin'));
}

function main(argv: readonly string[]): number {
  const [cmd, a, b, c] = argv;
  try {
    if (cmd === 'trim' && a !== undefined && b !== undefined) {
      trimModules(a, b);
      return 0;
    }
    if (cmd === 'check' && a !== undefined) {
      const v = versionDir(a);
      if (v === undefined) return 1;
      neededModules(path.join(a, v));
      return 0;
    }
    if (cmd === 'build' && a !== undefined && b !== undefined && c !== undefined) {
      const v = versionDir(b);
      if (v === undefined) throw new Error(`${b} has no single lib/modules/<version> directory`);
      const image = buildLinuxInitramfs(readFileSync(a), path.join(b, v), v);
      if (!existsSync(c) || Buffer.compare(readFileSync(c), image) !== 0) {
        writeFileSync(c + '.tmp', image);
        renameSync(c + '.tmp', c);
      }
      return 0;
    }
  } catch (err) {
    console.error(`initramfs: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  console.error('usage: initramfs.js trim <lib/modules/ver> <out> | check <dir> | build <busybox> <dir> <out.cpio.gz>');
  return 2;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
