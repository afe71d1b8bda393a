import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonStreamParser, type JsonMessage, MAX_NESTING } from './json-stream.js';
import { toQemuJson } from './json-text.js';

function parseAll(...chunks: Array<string | Uint8Array>): JsonMessage[] {
  const out: JsonMessage[] = [];
  const p = new JsonStreamParser((m) => out.push(m));
  for (const c of chunks) p.feed(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  return out;
}

const err = (error: string): JsonMessage => ({ ok: false, error });

test('messages end where braces balance, not at newlines', () => {
  assert.deepEqual(parseAll('{"execute":"stop"', '}\n'), [{ ok: true, value: { execute: 'stop' } }]);
  assert.deepEqual(parseAll('{"a":1}{"b":[2]}'), [{ ok: true, value: { a: 1 } }, { ok: true, value: { b: [2] } }]);
  assert.deepEqual(parseAll('{"a":\n\n"x"}'), [{ ok: true, value: { a: 'x' } }]);
  assert.deepEqual(parseAll('123\n"abc" true'), [{ ok: true, value: 123 }, { ok: true, value: 'abc' }]); // `true` waits for its end
});

test('the QEMU dialect: single quotes, escapes, numbers', () => {
  assert.deepEqual(parseAll("{'a':'it\\'s', \"b\": \"\\u00e9\\ud83d\\ude00\\n\"}"), [{ ok: true, value: { a: "it's", b: 'é😀\n' } }]);
  assert.deepEqual(parseAll('[1.5e3, -0, 0.25, 123456789012345678901234567890]'), [{ ok: true, value: [1500, -0, 0.25, 1.2345678901234568e29] }]);
});

test('errors carry QEMU 7.2\'s texts, and parsing resumes after them', () => {
  assert.deepEqual(parseAll('{"execute":"x",}'), [err('JSON parse error, expecting value')]);
  assert.deepEqual(parseAll('[1,]'), [err('JSON parse error, expecting value')]);
  assert.deepEqual(parseAll('{"a" 1}'), [err('JSON parse error, missing : in object pair')]);
  assert.deepEqual(parseAll('{1:2}'), [err('JSON parse error, key is not a string in object')]);
  assert.deepEqual(parseAll('{"a":}'), [err('JSON parse error, expecting value')]);
  assert.deepEqual(parseAll('{"a":true,"a":false}'), [err('JSON parse error, duplicate key')]);
  assert.deepEqual(parseAll('{"a":"\\x"}'), [err('JSON parse error, invalid escape sequence in string')]);
  assert.deepEqual(parseAll('{"a":"\\u12"}'), [err('JSON parse error, \\u12" is not a valid Unicode character')]);
  assert.deepEqual(parseAll('{"a":"\\ud800"}'), [err('JSON parse error, \\ud800 is not a valid Unicode character')]);
  assert.deepEqual(parseAll('{"a":"\\udc00x"}'), [err('JSON parse error, \\udc00 is not a valid Unicode character')]);
  assert.deepEqual(parseAll(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x22, 0x7d])), [err('JSON parse error, invalid UTF-8 sequence in string')]);
  assert.deepEqual(parseAll('{"a":1a}'), [err('JSON parse error, expected separator in dict')]);
  assert.deepEqual(parseAll('{"a":TRUE}\n'), [err("JSON parse error, stray 'T'"), err('JSON parse error, expecting value')]);
  assert.deepEqual(parseAll('}\n'), [err('JSON parse error, expecting value')]);
  assert.deepEqual(parseAll('{"id": 01}\n'), [err("JSON parse error, stray '01'"), err('JSON parse error, expecting value')]);
  assert.deepEqual(parseAll('{"id": 1.}\n'), [err("JSON parse error, stray '1.}'")]);
  assert.deepEqual(parseAll('{"id": -}\n'), [err("JSON parse error, stray '-}'")]);
  assert.deepEqual(parseAll('{"id": "tab\there"}\n'), [err('JSON parse error, stray \'"tab\t\''), err('JSON parse error, expecting value')]);
  assert.deepEqual(parseAll('"unterminated\n{"a":1}'), [err('JSON parse error, stray \'"unterminated\n\''), { ok: true, value: { a: 1 } }]);
  assert.deepEqual(parseAll(Uint8Array.from([0xff, 0xfe, 0x0a])), [err("JSON parse error, stray '\uFFFD'"), err("JSON parse error, stray '\uFFFD'")]);
});

test('nesting beyond QEMU\'s limit is refused without recursion trouble', () => {
  const msgs = parseAll('['.repeat(MAX_NESTING + 1));
  assert.deepEqual(msgs, [err('JSON nesting depth limit exceeded')]);
  assert.deepEqual(parseAll('['.repeat(MAX_NESTING) + ']'.repeat(MAX_NESTING)).length, 1);
});

test('fuzz: random bytes never throw, and every message is a value or an error', () => {
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const alphabet = Buffer.from('{}[]:,"\'\\ \n\tabcnultrfe0123456789.-+Eu\x00\xff');
  for (let round = 0; round < 300; round++) {
    const bytes = new Uint8Array(1 + Math.floor(rand() * 64));
    for (let i = 0; i < bytes.length; i++) bytes[i] = alphabet[Math.floor(rand() * alphabet.length)]!;
    for (const m of parseAll(bytes, '\n')) assert.ok(m.ok ? true : m.error.length > 0);
  }
});

test('output is QEMU\'s JSON text', () => {
  assert.equal(toQemuJson({ a: [1, { b: null }], c: 'x"\\\n\u0001é😀', d: true, e: 1.5, f: -0 }), '{"a": [1, {"b": null}], "c": "x\\"\\\\\\n\\u0001\\u00E9\\uD83D\\uDE00", "d": true, "e": 1.5, "f": 0}');
  assert.equal(toQemuJson([]), '[]');
  assert.equal(toQemuJson({}), '{}');
});
