/**
 * Reads a QMP command's "arguments" object the way QEMU's QObject input visitor does, with its
 * error texts: "Parameter 'x' is missing", "Invalid parameter type for 'x', expected: string",
 * "Parameter 'x' does not accept value 'y'", and, once all members are read,
 * "Parameter 'x' is unexpected". Nested members are named by path ("keys[0].data").
 */
import { genericError } from './errors.js';
import type { JsonObject, JsonValue } from './json-text.js';

/** A cursor over one arguments object; every accessor marks its member as known. */
export class ArgReader {
  private readonly seen = new Set<string>();

  /** `prefix` names nested objects in messages ("keys[0]."). */
  constructor(
    private readonly obj: JsonObject,
    private readonly prefix = '',
  ) {}

  private get(name: string, optional: boolean): JsonValue | undefined {
    this.seen.add(name);
    if (!Object.prototype.hasOwnProperty.call(this.obj, name)) {
      if (optional) return undefined;
      throw genericError(`Parameter '${this.prefix}${name}' is missing`);
    }
    return this.obj[name];
  }

  private typeError(name: string, expected: string): never {
    throw genericError(`Invalid parameter type for '${this.prefix}${name}', expected: ${expected}`);
  }

  /** A required string. */
  str(name: string): string;
  /** An optional string. */
  str(name: string, optional: true): string | undefined;
  str(name: string, optional = false): string | undefined {
    const v = this.get(name, optional);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') this.typeError(name, 'string');
    return v;
  }

  /** An optional boolean. */
  bool(name: string): boolean | undefined {
    const v = this.get(name, true);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.typeError(name, 'boolean');
    return v;
  }

  /** An integer (required unless `optional`). */
  int(name: string, optional: boolean): number | undefined {
    const v = this.get(name, optional);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.typeError(name, 'integer');
    return v;
  }

  /** An enum member (QEMU names only the bare member in this message, not the path). */
  enumOf<T extends string>(name: string, values: readonly T[], optional: boolean): T | undefined {
    const v = this.get(name, optional);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') this.typeError(name, 'string');
    if (!(values as readonly string[]).includes(v)) throw genericError(`Parameter '${name}' does not accept value '${v}'`);
    return v as T;
  }

  /** A required array. */
  list(name: string): JsonValue[] {
    const v = this.get(name, false);
    if (!Array.isArray(v)) this.typeError(name, 'array');
    return v;
  }

  /** A nested object at `path` (for list elements) as its own reader. */
  static nested(value: JsonValue, path: string): ArgReader {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw genericError(`Invalid parameter type for '${path}', expected: object`);
    }
    return new ArgReader(value, `${path}.`);
  }

  /** Rejects members nobody asked for, as QEMU's visit_check_struct does. */
  done(): void {
    for (const key of Object.keys(this.obj)) {
      if (!this.seen.has(key)) throw genericError(`Parameter '${this.prefix}${key}' is unexpected`);
    }
  }
}
