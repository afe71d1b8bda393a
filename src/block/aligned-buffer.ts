/**
 * Page-aligned buffers for large file I/O. Node's Buffer.allocUnsafeSlow returns malloc memory
 * that starts 16 bytes past a page boundary, and the kernel copies between the page cache and such
 * a buffer far more slowly than with an aligned one: measured on the development VM, a 1 MiB
 * pread/pwrite copy of 512 MiB of data cost 0.80-0.99 s of system time from a buffer 16 bytes off a
 * page boundary and 0.48-0.54 s from a page-aligned one (the same held for a C program). Copy
 * loops (convert) therefore read and write through buffers from here.
 */
import koffi from 'koffi';

/** Alignment of the buffers handed out: one page. */
export const IO_ALIGN = 4096;

/** Returns an uninitialised Buffer of `size` bytes whose first byte lies on an IO_ALIGN boundary. */
export function alignedBuffer(size: number): Buffer {
  const raw = Buffer.allocUnsafeSlow(size + IO_ALIGN);
  const misalign = Number(koffi.address(raw) % BigInt(IO_ALIGN));
  const start = (IO_ALIGN - misalign) % IO_ALIGN;
  return raw.subarray(start, start + size);
}
