import { TkvmError } from '../errors.js';

/**
 * A command-line mistake: unknown option, missing or malformed argument, unreadable file.
 * The message has QEMU's shape without the program name (`-m 0x: ...`); the CLI prints it
 * after "tkvm: ", so users see the same line QEMU would print with its own name.
 */
export class CliError extends TkvmError {
  constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super('cli', message, context, cause);
  }
}

/** Builds the QEMU-style location prefix: the option and its argument as the user typed them. */
export function where(option: string, arg?: string): string {
  return arg === undefined ? option : `${option} ${arg}`;
}
