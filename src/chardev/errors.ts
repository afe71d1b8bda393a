import { TkvmError } from '../errors.js';

/** A host-side character device failed to open (file, socket): names the path and the cause. */
export class CharDevError extends TkvmError {
  constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super('chardev', message, context, cause);
  }
}

/** strerror()-style words for Node's errno codes, as QEMU prints them (used by cli/ too). */
export function errnoWords(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const words: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory',
    ELOOP: 'Too many levels of symbolic links',
    ECONNREFUSED: 'Connection refused',
    EADDRINUSE: 'Address already in use',
    ENOSPC: 'No space left on device',
    EPIPE: 'Broken pipe',
  };
  return (code !== undefined ? words[code] : undefined) ?? (err instanceof Error ? err.message : String(err));
}
