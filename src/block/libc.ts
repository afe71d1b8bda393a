/**
 * The few libc calls Node's fs does not offer, bound with koffi: lseek with SEEK_DATA/SEEK_HOLE
 * (sparse-file maps), fallocate (preallocation, hole punching) and fcntl OFD locks (qemu's image
 * locking protocol). Loaded lazily so callers that never need them do not load koffi.
 */
import koffi from 'koffi';

/** lseek whence values of Linux for sparse files. */
export const SEEK_DATA = 3;
/** lseek whence: next hole at or after the offset. */
export const SEEK_HOLE = 4;
/** fallocate mode bits (linux/falloc.h). */
export const FALLOC_FL_KEEP_SIZE = 0x01;
/** fallocate: deallocate the range (needs KEEP_SIZE). */
export const FALLOC_FL_PUNCH_HOLE = 0x02;
/** fallocate: make the range read as zeroes (allocated, unwritten on ext4/xfs). */
export const FALLOC_FL_ZERO_RANGE = 0x10;
/** errno: invalid argument (fallocate mode the filesystem does not know). */
export const EINVAL = 22;
/** fcntl commands for open-file-description locks (asm-generic/fcntl.h). */
export const F_OFD_GETLK = 36;
/** fcntl: set an OFD lock without waiting. */
export const F_OFD_SETLK = 37;
/** struct flock l_type values. */
export const F_RDLCK = 0;
/** Exclusive lock type. */
export const F_WRLCK = 1;
/** Unlock / "no conflicting lock" type. */
export const F_UNLCK = 2;
/** errno values we branch on. */
export const ENXIO = 6;
/** errno: operation not supported (fallocate on some filesystems). */
export const EOPNOTSUPP = 95;

interface Libc {
  lseek: (fd: number, offset: bigint | number, whence: number) => bigint | number;
  fallocate: (fd: number, mode: number, offset: bigint | number, len: bigint | number) => number;
  fcntl: (fd: number, cmd: number, ...rest: unknown[]) => number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc !== undefined) return libc;
  const lib = koffi.load('libc.so.6');
  libc = {
    lseek: lib.func('int64_t lseek(int fd, int64_t offset, int whence)') as Libc['lseek'],
    fallocate: lib.func('int fallocate(int fd, int mode, int64_t offset, int64_t len)') as Libc['fallocate'],
    fcntl: lib.func('int fcntl(int fd, int cmd, ...)') as Libc['fcntl'],
  };
  return libc;
}

/** Result of a libc call: the value, or the errno when it failed. */
export type LibcResult = { ok: true; value: number } | { ok: false; errno: number };

/** lseek(2); used with SEEK_DATA / SEEK_HOLE to find a sparse file's extents. */
export function lseek(fd: number, offset: number, whence: number): LibcResult {
  const r = Number(load().lseek(fd, BigInt(offset), whence));
  return r < 0 ? { ok: false, errno: koffi.errno() } : { ok: true, value: r };
}

/** fallocate(2); preallocation=falloc and discard (punch hole). */
export function fallocate(fd: number, mode: number, offset: number, len: number): LibcResult {
  const r = load().fallocate(fd, mode, BigInt(offset), BigInt(len));
  return r < 0 ? { ok: false, errno: koffi.errno() } : { ok: true, value: r };
}

/** Size of struct flock on x86_64/aarch64 Linux: short,short,(pad),off_t,off_t,pid_t,(pad). */
const FLOCK_SIZE = 32;

/**
 * fcntl(2) with a struct flock for one byte at `start`: sets (F_OFD_SETLK) or queries
 * (F_OFD_GETLK) an OFD lock. For GETLK the returned value is the l_type found (F_UNLCK = free).
 */
export function ofdLock(fd: number, cmd: number, type: number, start: number): LibcResult {
  const buf = Buffer.alloc(FLOCK_SIZE);
  buf.writeInt16LE(type, 0); // l_type
  buf.writeInt16LE(0, 2); // l_whence = SEEK_SET
  buf.writeBigInt64LE(BigInt(start), 8); // l_start
  buf.writeBigInt64LE(1n, 16); // l_len
  buf.writeInt32LE(0, 24); // l_pid must be 0 for OFD locks
  const r = load().fcntl(fd, cmd, 'void *', buf);
  if (r < 0) return { ok: false, errno: koffi.errno() };
  return { ok: true, value: cmd === F_OFD_GETLK ? buf.readInt16LE(0) : r };
}
