/** Request range checks shared by the format drivers. */
import { BlockError } from './driver.js';

/** Throws "out-of-range" unless [offset, offset+length) lies inside a disk of `size` bytes. */
export function checkRange(path: string, offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 ||
      offset + length > size) {
    throw new BlockError('out-of-range', `Request at offset ${offset}, length ${length} is outside '${path}' ` +
      `(virtual size ${size})`, { path, offset, length, size });
  }
}
