/**
 * JSON text as QEMU writes it (qobject/qjson.c): ", " and ": " separators on one line,
 * every character outside printable ASCII as a \uXXXX escape with upper-case hex (surrogate
 * pairs for astral characters), non-integral numbers with up to 17 significant digits.
 * Clients that compare QEMU's bytes (or grep them) see the same bytes from tkvm.
 */

/** A JSON value as parsed from or written to a QMP stream. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** An object of JSON values. */
export type JsonObject = { [key: string]: JsonValue };

/** Serialises `value` in QEMU's compact style. */
export function toQemuJson(value: JsonValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return numberText(value);
    case 'string':
      return quote(value);
    default:
      break;
  }
  if (Array.isArray(value)) return `[${value.map(toQemuJson).join(', ')}]`;
  const parts = Object.entries(value).map(([k, v]) => `${quote(k)}: ${toQemuJson(v)}`);
  return `{${parts.join(', ')}}`;
}

function numberText(n: number): string {
  if (Number.isFinite(n)) return Object.is(n, -0) ? '0' : String(n);
  // QEMU prints C's "inf"/"nan" (not valid JSON, but what it sends for 1e400).
  if (Number.isNaN(n)) return 'nan';
  return n > 0 ? 'inf' : '-inf';
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    const simple = SIMPLE_ESCAPES[ch];
    if (simple !== undefined) out += simple;
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `${out}"`;
}
