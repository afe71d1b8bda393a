/** Errors of the `tkvm img` command line: usage mistakes carry qemu-img's exit status and hint. */
import { TkvmError } from '../errors.js';

/** A command-line error: printed as "tkvm img: <message>" and exits with `status` (1 like qemu-img). */
export class ImgUsageError extends TkvmError {
  constructor(
    message: string,
    /** Add "Try 'tkvm img --help' for more information" like qemu-img's usage errors. */
    readonly hint = false,
    /** Exit status. */
    readonly status = 1,
  ) {
    super('usage', message);
  }
}

/** Program name used as the prefix of every error line. */
export const PROG = 'tkvm img';
