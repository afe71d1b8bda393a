/**
 * qemu's image locking (block/file-posix.c, "raw_apply_lock_bytes"): one-byte OFD read locks at
 * 100+bit say "I hold permission bit", at 200+bit "I do not let others hold permission bit".
 * Speaking the same protocol makes a tkvm writer and a qemu writer exclude each other.
 */
import { BlockError } from './driver.js';
import { F_OFD_GETLK, F_OFD_SETLK, F_RDLCK, F_UNLCK, F_WRLCK, ofdLock } from './libc.js';

/** Permission bits in qemu's order; the names are those qemu prints in lock errors. */
const PERM_NAMES = ['consistent read', 'write', 'write unchanged', 'resize', 'graph modification'] as const;
const PERM_BASE = 100;
const SHARED_BASE = 200;

const READ = 1 << 0;
const WRITE = 1 << 1;
const RESIZE = 1 << 3;

/** A held lock; `release` drops every byte lock. */
export interface ImageLock {
  release(): void;
}

function lockedByOthers(fd: number, byte: number): boolean {
  const r = ofdLock(fd, F_OFD_GETLK, F_WRLCK, byte);
  return r.ok && r.value !== F_UNLCK;
}

/**
 * Takes the locks qemu-img/qemu-io take on an image's file (observed in /proc/locks with
 * qemu 7.2): for formats with metadata (qcow, qcow2) a reader holds "consistent read" and a writer
 * also "write" and "resize", and both refuse other writers and resizers; for raw nothing is
 * refused (qemu-img lets raw files be shared). Fails with qemu's message ("Failed to get "write"
 * lock") when another process conflicts. Filesystems without OFD locks are accepted silently,
 * as qemu does with locking=auto.
 */
export function acquireImageLock(fd: number, readOnly: boolean, path: string, metadata: boolean): ImageLock {
  const perm = readOnly ? READ : metadata ? READ | WRITE | RESIZE : READ | WRITE;
  const unshared = metadata ? WRITE | RESIZE : 0;
  const bytes: number[] = [];
  for (let bit = 0; bit < PERM_NAMES.length; bit++) {
    if (perm & (1 << bit)) bytes.push(PERM_BASE + bit);
    if (unshared & (1 << bit)) bytes.push(SHARED_BASE + bit);
  }
  for (const b of bytes) {
    const r = ofdLock(fd, F_OFD_SETLK, F_RDLCK, b);
    if (!r.ok) return { release: () => undefined }; // no lock support here: proceed unlocked
  }
  const release = (): void => {
    for (const b of bytes) ofdLock(fd, F_OFD_SETLK, F_UNLCK, b);
  };
  for (let bit = 0; bit < PERM_NAMES.length; bit++) {
    let msg: string | undefined;
    if (perm & (1 << bit) && lockedByOthers(fd, SHARED_BASE + bit)) msg = `Failed to get "${PERM_NAMES[bit]}" lock`;
    else if (unshared & (1 << bit) && lockedByOthers(fd, PERM_BASE + bit)) {
      msg = `Failed to get shared "${PERM_NAMES[bit]}" lock`;
    }
    if (msg !== undefined) {
      release();
      throw new BlockError('locked', `${msg}\nIs another process using the image [${path}]?`, {
        path,
      });
    }
  }
  return { release };
}
