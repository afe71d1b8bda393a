/**
 * QEMU-compatible image locking: open file description (OFD) byte-range locks on bytes
 * 100+i ("I use permission i") and 200+i ("I do not let others use permission i"), for the
 * permissions consistent-read (0), write (1), write-unchanged (2) and resize (3), as QEMU's
 * file-posix driver does. So a tkvm writer and a running QEMU (or qemu-img) see each other and
 * refuse with "Failed to get ... lock" instead of corrupting the image.
 *
 * The fcntl call goes through koffi. If libc cannot be loaded the image opens unlocked (the
 * caller can tell from `available`).
 */
import { createRequire } from 'node:module';
import { BlockError } from '../../driver.js';

const F_OFD_GETLK = 36;
const F_OFD_SETLK = 37;
const F_RDLCK = 0;
const F_WRLCK = 1;
const F_UNLCK = 2;
const PERM_BASE = 100;
const SHARED_BASE = 200;
const PERM_NAMES = ['consistent read', 'write', 'write unchanged', 'resize'];

type Fcntl = (fd: number, cmd: number, arg: Buffer) => number;

let fcntl: Fcntl | undefined;
let errno: (() => number) | undefined;
try {
  const require = createRequire(import.meta.url);
  const koffi = require('koffi') as {
    load(name: string): { func(decl: string): Fcntl };
    errno(): number;
  };
  fcntl = koffi.load('libc.so.6').func('int fcntl(int fd, int cmd, void *arg)');
  errno = () => koffi.errno();
} catch {
  fcntl = undefined;
}

/** True when locks can be taken on this host. */
export const lockingAvailable = fcntl !== undefined;

function flock(type: number, start: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeInt16LE(type, 0);
  b.writeInt16LE(0, 2); // SEEK_SET
  b.writeBigInt64LE(BigInt(start), 8);
  b.writeBigInt64LE(1n, 16);
  return b;
}

function setLock(fd: number, type: number, byte: number, path: string): void {
  if (!fcntl) return;
  if (fcntl(fd, F_OFD_SETLK, flock(type, byte)) !== 0) {
    throw new BlockError('locked', `Failed to lock byte ${byte} of '${path}' (errno ${errno?.() ?? '?'}); is another process using the image?`, { path });
  }
}

/** True when another open file description holds a lock that conflicts with an exclusive one on `byte`. */
function held(fd: number, byte: number): boolean {
  if (!fcntl) return false;
  const b = flock(F_WRLCK, byte);
  if (fcntl(fd, F_OFD_GETLK, b) !== 0) return false;
  return b.readInt16LE(0) !== F_UNLCK;
}

/**
 * Takes QEMU's locks for a reader (uses consistent read, forbids writers) or a writer (uses read,
 * write and resize, forbids other writers and resizers); throws "locked" on a conflict.
 */
export function lockImage(fd: number, path: string, writable: boolean): void {
  if (!fcntl) return;
  const perm = writable ? [0, 1, 3] : [0];
  const unshared = writable ? [1, 3] : [1];
  for (const i of perm) {
    if (held(fd, SHARED_BASE + i)) {
      throw new BlockError('locked', `Failed to get "${PERM_NAMES[i]}" lock on '${path}': another process is using the image. Is another process using the image [${path}]?`, { path });
    }
  }
  for (const i of unshared) {
    if (held(fd, PERM_BASE + i)) {
      throw new BlockError('locked', `Failed to get shared "${PERM_NAMES[i]}" lock on '${path}'. Is another process using the image [${path}]?`, { path });
    }
  }
  for (const i of perm) setLock(fd, F_RDLCK, PERM_BASE + i, path);
  for (const i of unshared) setLock(fd, F_RDLCK, SHARED_BASE + i, path);
}
