/**
 * Base of every tkvm error hierarchy: a stable machine-readable `kind`, a context object
 * (gpa, port, path, offset, ...) and an optional `cause`, so the CLI can print one clear line.
 */
export class TkvmError extends Error {
  /** Stable identifier of the failure class, e.g. "out-of-range" or "corrupt-image". */
  readonly kind: string;
  /** Where it happened: addresses, paths, offsets. Printed by the CLI in debug mode. */
  readonly context: Readonly<Record<string, unknown>>;

  constructor(kind: string, message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.kind = kind;
    this.context = context;
  }
}

/** Formats a number as 0x-prefixed hex for error messages and logs. */
export function hex(value: number | bigint, width = 0): string {
  return '0x' + value.toString(16).padStart(width, '0');
}
