import { TkvmError } from '../errors.js';
import { MAP_ANONYMOUS, MAP_FAILED, MAP_NORESERVE, MAP_PRIVATE, PROT_READ, PROT_WRITE, addressOf, errno, strerror, sysMmap, viewOf } from '../kvm/libc.js';

/** Host memory that can back a KVM memory slot: page-aligned, zero-filled, never unmapped. */
export interface HostBuffer {
  readonly bytes: Uint8Array;
  readonly address: bigint;
}

/** Maps `size` bytes (a multiple of 4 KiB) of anonymous host memory for a ROM, shadow or BAR slot. */
export function mapHostBuffer(size: number, what: string): HostBuffer {
  if (size <= 0 || size % 4096 !== 0) throw new RangeError(`host buffer for ${what}: ${size} is not a positive multiple of 4 KiB`);
  const ptr = sysMmap(null, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (addressOf(ptr) === MAP_FAILED) {
    const e = errno();
    throw new TkvmError('out-of-memory', `cannot map ${size} bytes for ${what}: ${strerror(e)}`, { size, errno: e });
  }
  return { bytes: new Uint8Array(viewOf(ptr, size)), address: addressOf(ptr) };
}
