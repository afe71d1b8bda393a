/**
 * Writer for the "newc" cpio format Linux unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst), so tkvm and its tests can build
 * an initrd without the cpio tool.
 *
 * Each entry: "070701", 13 fields of 8 hex digits (ino, mode, uid, gid, nlink, mtime, filesize,
 * devmajor, devminor, rdevmajor, rdevminor, namesize incl. NUL, check), the name, padding to 4
 * bytes, the data, padding to 4 bytes; the archive ends with an entry named "TRAILER!!!".
 */
import { BootError } from './boot-error.js';

/** One file in an archive. Paths are relative ("bin/busybox"), as the kernel expects. */
export type CpioEntry =
  | { readonly type: 'dir'; readonly path: string; readonly mode?: number }
  | { readonly type: 'file'; readonly path: string; readonly data: Uint8Array; readonly mode?: number }
  | { readonly type: 'symlink'; readonly path: string; readonly target: string }
  | { readonly type: 'char'; readonly path: string; readonly major: number; readonly minor: number; readonly mode?: number };

/** newc magic. */
export const NEWC_MAGIC = '070701';
/** Bytes in a newc header. */
export const NEWC_HEADER_SIZE = 110;
/** st_mode file-type bits. */
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

/** Builds a newc archive of `entries` (parents must precede children) plus the trailer. */
export function newcArchive(entries: readonly CpioEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let ino = 1;
  const add = (path: string, mode: number, nlink: number, data: Uint8Array, rdev: [number, number] = [0, 0]): void => {
    if (path.startsWith('/') || path.split('/').includes('..')) {
      throw new BootError('corrupt', `cpio path "${path}" must be relative and without ".."`, { path });
    }
    const name = enc.encode(path + '\0');
    const fields = [ino++, mode, 0, 0, nlink, 0, data.length, 0, 0, rdev[0], rdev[1], name.length, 0];
    const header = NEWC_MAGIC + fields.map((f) => f.toString(16).padStart(8, '0')).join('');
    parts.push(enc.encode(header), name, new Uint8Array(pad4(NEWC_HEADER_SIZE + name.length)), data, new Uint8Array(pad4(data.length)));
  };
  for (const e of entries) {
    switch (e.type) {
      case 'dir': add(e.path, S_IFDIR | (e.mode ?? 0o755), 2, new Uint8Array(0)); break;
      case 'file': add(e.path, S_IFREG | (e.mode ?? 0o644), 1, e.data); break;
      case 'symlink': add(e.path, S_IFLNK | 0o777, 1, enc.encode(e.target)); break;
      case 'char': add(e.path, S_IFCHR | (e.mode ?? 0o600), 1, new Uint8Array(0), [e.major, e.minor]); break;
    }
  }
  add('TRAILER!!!', 0, 1, new Uint8Array(0));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
