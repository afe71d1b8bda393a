import koffi from 'koffi';

/**
 * The few libc calls tkvm needs, bound once with koffi. Everything that touches a file
 * descriptor of /dev/kvm goes through here; callers turn -1 results into typed errors.
 */
const libc = koffi.load('libc.so.6');

/** open(2). */
export const sysOpen = libc.func('int open(const char *path, int flags)') as (path: string, flags: number) => number;
/** close(2). */
export const sysClose = libc.func('int close(int fd)') as (fd: number) => number;
/** ioctl(2) with an integer argument (or none). */
export const ioctlInt = libc.func('ioctl', 'int', ['int', 'unsigned long', 'unsigned long']) as (fd: number, req: number, arg: number | bigint) => number;
/** ioctl(2) with a pointer to a struct we lay out in a buffer. */
export const ioctlPtr = libc.func('ioctl', 'int', ['int', 'unsigned long', 'void *']) as (fd: number, req: number, arg: Uint8Array) => number;
/** mmap(2); returns an opaque pointer object. */
export const sysMmap = libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)') as (addr: null, len: number, prot: number, flags: number, fd: number, off: number) => unknown;
/** munmap(2). */
export const sysMunmap = libc.func('int munmap(void *addr, size_t len)') as (addr: unknown, len: number) => number;
/** madvise(2), for MADV_DONTNEED on reset and MADV_DONTDUMP. */
export const sysMadvise = libc.func('int madvise(void *addr, size_t len, int advice)') as (addr: unknown, len: number, advice: number) => number;
/** eventfd(2), for irqfd and ioeventfd. */
export const sysEventfd = libc.func('int eventfd(unsigned int initval, int flags)') as (initval: number, flags: number) => number;
/** pthread_self(3): a vCPU thread reports its id so others can kick it. */
export const pthreadSelf = libc.func('unsigned long pthread_self()') as () => bigint | number;
/** pthread_kill(3): kicks a vCPU thread out of KVM_RUN with a signal. */
export const pthreadKill = libc.func('int pthread_kill(unsigned long thread, int sig)') as (thread: bigint | number, sig: number) => number;
/** strerror(3) for messages. */
const strerrorFn = libc.func('const char *strerror(int errnum)') as (errnum: number) => string;

/** The calling thread's errno after a failed call. */
export function errno(): number {
  return koffi.errno();
}

/** Human text for an errno value. */
export function strerror(err: number): string {
  return strerrorFn(err);
}

/** A zero-copy ArrayBuffer over `len` bytes at a native pointer (koffi limits this to 4 GiB). */
export function viewOf(ptr: unknown, len: number): ArrayBuffer {
  return koffi.view(ptr as never, len) as ArrayBuffer;
}

/** The numeric address of a native pointer (for KVM_SET_USER_MEMORY_REGION). */
export function addressOf(ptr: unknown): bigint {
  return koffi.address(ptr as never) as bigint;
}

/** memmove(dst, src, 0) returns dst unchanged: the way to turn an address back into a pointer. */
const pointerFromAddress = libc.func('memmove', 'void *', ['uintptr_t', 'uintptr_t', 'size_t']) as (dst: bigint, src: bigint, n: number) => unknown;

/** A pointer object for a numeric address (a mapping made by another thread of this process). */
export function pointerAt(address: bigint): unknown {
  return pointerFromAddress(address, address, 0);
}

/** Pointer arithmetic: a pointer `offset` bytes after `ptr`. */
export function offsetPointer(ptr: unknown, offset: number): unknown {
  const addr = addressOf(ptr) + BigInt(offset);
  return pointerFromAddress(addr, addr, 0);
}

export const O_RDWR = 2;
export const O_CLOEXEC = 0x80000;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_ANONYMOUS = 0x20;
export const MAP_NORESERVE = 0x4000;
/** mmap's error return. */
export const MAP_FAILED = 0xffff_ffff_ffff_ffffn;
export const MADV_DONTNEED = 4;
export const EFD_CLOEXEC = 0x80000;
export const SIGUSR2 = 12;
export const EINTR = 4;
export const EAGAIN = 11;
export const ENOENT = 2;
export const EACCES = 13;
export const ENXIO = 6;
export const ENODEV = 19;
export const EPERM = 1;
