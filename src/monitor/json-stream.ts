/**
 * QMP's input framing and JSON dialect, as QEMU 7.2 reads them (qobject/json-lexer.c,
 * json-streamer.c, json-parser.c; behaviour checked against qemu-system-x86_64 7.2):
 * - Messages are not line-based: a message ends when its braces and brackets balance, so
 *   `{"execute":"stop"}{"execute":"cont"}` is two messages and one message may span lines.
 *   A scalar at the top level is a message on its own; a closing brace with nothing open is
 *   a message too (and fails to parse with "expecting value").
 * - The dialect adds single-quoted strings and \' to RFC 8259 JSON.
 * - A lexical error reports "JSON parse error, stray 'TEXT'" (TEXT = the bad token up to and
 *   including the offending byte), then input is skipped until a structural character, a
 *   control character other than tab, or a 0xFE/0xFF byte: the resynchronisation points
 *   QEMU documents for clients.
 * - Parse errors keep the first complaint: "expecting value", "expected separator in dict",
 *   "key is not a string in object", "missing : in object pair", "duplicate key",
 *   "invalid keyword 'x'", "invalid escape sequence in string"...
 * Threat note: input comes from any local client. Limits (QEMU's): 1024 levels of nesting,
 * 64 MiB and 2^21 tokens per message; beyond them the message is dropped with an error.
 * Nothing here recurses deeper than the nesting limit.
 */
import type { JsonObject, JsonValue } from './json-text.js';

/** Deepest nesting of objects and arrays a message may have. */
export const MAX_NESTING = 1024;
/** Largest message, in bytes of tokens. */
export const MAX_TOKEN_SIZE = 64 * 1024 * 1024;
/** Most tokens in one message. */
export const MAX_TOKEN_COUNT = 2 * 1024 * 1024;

/** One framed input: a parsed value or the error text QEMU would report for it. */
export type JsonMessage = { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly error: string };

type TokenType = '{' | '}' | '[' | ']' | ':' | ',' | 'string' | 'integer' | 'float' | 'keyword';

interface Token {
  readonly type: TokenType;
  readonly text: Uint8Array;
}

type LexState =
  | 'start'
  | 'recovery'
  | 'string'
  | 'string-escape'
  | 'neg'
  | 'zero'
  | 'int'
  | 'dot'
  | 'frac'
  | 'exp'
  | 'exp-sign'
  | 'exp-digits'
  | 'keyword';

const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;
const isLower = (b: number): boolean => b >= 0x61 && b <= 0x7a;
const STRUCTURAL: Record<number, TokenType> = { 0x7b: '{', 0x7d: '}', 0x5b: '[', 0x5d: ']', 0x3a: ':', 0x2c: ',' };
const decoder = new TextDecoder('utf-8', { fatal: false });
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

const SIMPLE_UNESCAPES: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** The four hex digits at `at` as a UTF-16 unit, or undefined. */
function hexUnit(text: string, at: number): number | undefined {
  const hex = text.slice(at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(hex) ? parseInt(hex, 16) : undefined;
}

/** Splits a byte stream into messages and parses each; feed bytes as they arrive. */
export class JsonStreamParser {
  private state: LexState = 'start';
  private quote = 0;
  private tok: number[] = [];
  private tokens: Token[] = [];
  private braces = 0;
  private brackets = 0;
  private size = 0;

  /** `emit` receives each message in order. */
  constructor(private readonly emit: (message: JsonMessage) => void) {}

  /** Consumes bytes; calls `emit` for every message completed by them. */
  feed(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      if (!this.step(data[i]!)) i--; // the byte ended a token without being part of it: look again
    }
  }

  /** Returns false when `b` must be processed again in the new state (lookahead). */
  private step(b: number): boolean {
    switch (this.state) {
      case 'recovery':
        if (b < 0x20 && b !== 0x09) this.state = 'start';
        else if (b === 0xfe || b === 0xff || b === 0x7b || b === 0x7d || b === 0x5b || b === 0x5d) this.state = 'start';
        else return true;
        return false;
      case 'start':
        return this.start(b);
      case 'string':
        this.tok.push(b);
        if (b === this.quote) this.token('string');
        else if (b === 0x5c) this.state = 'string-escape';
        else if (b < 0x20) this.lexError();
        return true;
      case 'string-escape':
        this.tok.push(b);
        if (b < 0x20) this.lexError();
        else this.state = 'string';
        return true;
      case 'neg':
        this.tok.push(b);
        if (b === 0x30) this.state = 'zero';
        else if (isDigit(b)) this.state = 'int';
        else this.lexError();
        return true;
      case 'zero':
        if (isDigit(b)) {
          this.tok.push(b);
          this.lexError();
          return true;
        }
        return this.afterInteger(b);
      case 'int':
        if (isDigit(b)) {
          this.tok.push(b);
          return true;
        }
        return this.afterInteger(b);
      case 'dot':
        this.tok.push(b);
        if (isDigit(b)) this.state = 'frac';
        else this.lexError();
        return true;
      case 'frac':
        if (isDigit(b)) {
          this.tok.push(b);
          return true;
        }
        if (b === 0x65 || b === 0x45) {
          this.tok.push(b);
          this.state = 'exp';
          return true;
        }
        this.token('float');
        return false;
      case 'exp':
        this.tok.push(b);
        if (b === 0x2b || b === 0x2d) this.state = 'exp-sign';
        else if (isDigit(b)) this.state = 'exp-digits';
        else this.lexError();
        return true;
      case 'exp-sign':
        this.tok.push(b);
        if (isDigit(b)) this.state = 'exp-digits';
        else this.lexError();
        return true;
      case 'exp-digits':
        if (isDigit(b)) {
          this.tok.push(b);
          return true;
        }
        this.token('float');
        return false;
      case 'keyword':
        if (isLower(b)) {
          this.tok.push(b);
          return true;
        }
        this.token('keyword');
        return false;
    }
  }

  private start(b: number): boolean {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) return true;
    const structural = STRUCTURAL[b];
    this.tok.push(b);
    if (structural !== undefined) this.token(structural);
    else if (b === 0x22 || b === 0x27) {
      this.quote = b;
      this.state = 'string';
    } else if (b === 0x2d) this.state = 'neg';
    else if (b === 0x30) this.state = 'zero';
    else if (isDigit(b)) this.state = 'int';
    else if (isLower(b)) this.state = 'keyword';
    else this.lexError();
    return true;
  }

  private afterInteger(b: number): boolean {
    if (b === 0x2e) {
      this.tok.push(b);
      this.state = 'dot';
      return true;
    }
    if (b === 0x65 || b === 0x45) {
      this.tok.push(b);
      this.state = 'exp';
      return true;
    }
    this.token('integer');
    return false;
  }

  private lexError(): void {
    const text = decoder.decode(Uint8Array.from(this.tok));
    this.tok = [];
    this.state = 'recovery';
    this.reset();
    this.emit({ ok: false, error: `JSON parse error, stray '${text}'` });
  }

  private reset(): void {
    this.tokens = [];
    this.braces = 0;
    this.brackets = 0;
    this.size = 0;
  }

  private token(type: TokenType): void {
    const text = Uint8Array.from(this.tok);
    this.tok = [];
    this.state = 'start';
    if (type === '{') this.braces++;
    else if (type === '}') this.braces--;
    else if (type === '[') this.brackets++;
    else if (type === ']') this.brackets--;
    this.tokens.push({ type, text });
    this.size += text.length;
    if (this.braces < 0 || this.brackets < 0 || (this.braces === 0 && this.brackets === 0)) {
      const tokens = this.tokens;
      this.reset();
      this.emit(parseTokens(tokens));
      return;
    }
    let limit: string | undefined;
    if (this.braces + this.brackets > MAX_NESTING) limit = 'JSON nesting depth limit exceeded';
    else if (this.size > MAX_TOKEN_SIZE) limit = 'JSON token size limit exceeded';
    else if (this.tokens.length > MAX_TOKEN_COUNT) limit = 'JSON token count limit exceeded';
    if (limit !== undefined) {
      this.reset();
      this.emit({ ok: false, error: limit });
    }
  }
}

/** Parses one framed message; `tokens` is not empty. */
function parseTokens(tokens: Token[]): JsonMessage {
  const parser = new TokenParser(tokens);
  const value = parser.value();
  if (parser.error !== undefined || value === undefined) {
    return { ok: false, error: `JSON parse error, ${parser.error ?? 'expecting value'}` };
  }
  return { ok: true, value };
}

class TokenParser {
  private pos = 0;
  /** The first complaint (QEMU keeps the first). */
  error: string | undefined;

  constructor(private readonly tokens: Token[]) {}

  private fail(msg: string): undefined {
    this.error ??= msg;
    return undefined;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private pop(): Token | undefined {
    return this.tokens[this.pos++];
  }

  value(): JsonValue | undefined {
    const t = this.peek();
    if (t === undefined) return this.fail('premature EOI');
    switch (t.type) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case 'string':
        this.pos++;
        return this.string(t.text);
      case 'integer':
      case 'float':
        this.pos++;
        return Number(decoder.decode(t.text));
      case 'keyword': {
        this.pos++;
        const word = decoder.decode(t.text);
        if (word === 'true') return true;
        if (word === 'false') return false;
        if (word === 'null') return null;
        return this.fail(`invalid keyword '${word}'`);
      }
      default:
        return this.fail('expecting value');
    }
  }

  private object(): JsonObject | undefined {
    this.pos++; // '{'
    const obj: JsonObject = {};
    const first = this.peek();
    if (first === undefined) return this.fail('premature EOI');
    if (first.type === '}') {
      this.pos++;
      return obj;
    }
    for (;;) {
      if (!this.pair(obj)) return undefined;
      const sep = this.pop();
      if (sep === undefined) return this.fail('premature EOI');
      if (sep.type === '}') return obj;
      if (sep.type !== ',') return this.fail('expected separator in dict');
    }
  }

  private pair(obj: JsonObject): boolean {
    if (this.peek() === undefined) return this.fail('premature EOI') ?? false;
    const key = this.value();
    if (typeof key !== 'string') return this.fail('key is not a string in object') ?? false;
    const colon = this.pop();
    if (colon === undefined) return this.fail('premature EOI') ?? false;
    if (colon.type !== ':') return this.fail('missing : in object pair') ?? false;
    const value = this.value();
    if (value === undefined) return this.fail('Missing value in dict') ?? false;
    if (Object.prototype.hasOwnProperty.call(obj, key)) return this.fail('duplicate key') ?? false;
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
    return true;
  }

  private array(): JsonValue[] | undefined {
    this.pos++; // '['
    const list: JsonValue[] = [];
    const first = this.peek();
    if (first === undefined) return this.fail('premature EOI');
    if (first.type === ']') {
      this.pos++;
      return list;
    }
    for (;;) {
      const v = this.value();
      if (v === undefined) return this.fail('expecting value');
      list.push(v);
      const sep = this.pop();
      if (sep === undefined) return this.fail('premature EOI');
      if (sep.type === ']') return list;
      if (sep.type !== ',') return this.fail('expected separator in list');
    }
  }

  /** Unescapes a string token (quotes included). */
  private string(text: Uint8Array): string | undefined {
    let raw: string;
    try {
      raw = strictDecoder.decode(text.subarray(1, text.length - 1));
    } catch {
      return this.fail('invalid UTF-8 sequence in string');
    }
    // QEMU quotes the escape's next six characters, closing quote included ("\u12\"").
    const bad = (i: number): undefined => this.fail(`${(raw + String.fromCharCode(text[0]!)).slice(i - 1, i + 5)} is not a valid Unicode character`);
    let out = '';
    for (let i = 0; i < raw.length; i++) {
      const ch = raw[i]!;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = raw[++i];
      const simple = esc === undefined ? undefined : SIMPLE_UNESCAPES[esc];
      if (simple !== undefined) {
        out += simple;
        continue;
      }
      if (esc !== 'u') return this.fail('invalid escape sequence in string');
      const unit = hexUnit(raw, i + 1);
      if (unit === undefined) return bad(i);
      if (unit >= 0xd800 && unit <= 0xdbff) {
        // a high surrogate must be followed by an escaped low one
        const low = raw[i + 5] === '\\' && raw[i + 6] === 'u' ? hexUnit(raw, i + 7) : undefined;
        if (low === undefined || low < 0xdc00 || low > 0xdfff) return bad(i);
        out += String.fromCharCode(unit, low);
        i += 10;
        continue;
      }
      if (unit >= 0xdc00 && unit <= 0xdfff) return bad(i);
      out += String.fromCharCode(unit);
      i += 4;
    }
    return out;
  }
}
