/**
 * The zstd decoder: frames written by the real zstd tool (levels 1..22, several frames, small and
 * large inputs) decode to the original bytes; mutated frames fail only with ZstdError (never
 * another exception, never output past the limit). Skipped with a reason when the zstd tool is
 * absent; qcow2 zstd images are covered by ops.test.ts with qemu-img alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { zstdDecompress, ZstdError } from '../../../src/block/formats/qcow2/zstd.js';
import { patternBytes, prng, randInt } from './helpers.js';

const haveZstd = spawnSync('zstd', ['--version']).status === 0;

function zstd(data: Uint8Array, ...args: string[]): Uint8Array {
  const r = spawnSync('zstd', ['-c', '-q', ...args], { input: data, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr.toString()}`);
  return new Uint8Array(r.stdout);
}

function sample(seed: number, size: number): Uint8Array {
  const rnd = prng(seed);
  const out = new Uint8Array(size);
  const words = ['cluster ', 'refcount ', 'qcow2 ', 'the ', '\n', 'L2 table ', '0xdeadbeef '].map((w) => new TextEncoder().encode(w));
  let p = 0;
  while (p < size) {
    const kind = randInt(rnd, 4);
    const len = Math.min(size - p, 1 + randInt(rnd, 40000));
    if (kind === 0) out.set(patternBytes(rnd, len), p);
    else if (kind === 1) for (let i = 0; i < len; i++) out[p + i] = randInt(rnd, 256);
    else if (kind === 2) {
      for (let i = 0; i < len;) {
        const w = words[randInt(rnd, words.length)] ?? new Uint8Array(1);
        out.set(w.subarray(0, Math.min(w.length, len - i)), p + i);
        i += w.length;
      }
    } else for (let i = 0; i < len; i++) out[p + i] = 65 + randInt(rnd, 8);
    p += len;
  }
  return out;
}

const opts = { skip: haveZstd ? false : 'the zstd command-line tool is not installed' };

test('decodes frames from the zstd tool at many levels and sizes', opts, () => {
  const cases: [number, string[]][] = [[100, ['-1']], [5000, ['-3']], [65536, ['-1']], [65536, ['-19']], [300000, ['-9']], [2 << 20, ['--ultra', '-22']], [2 << 20, ['--fast=5']]];
  cases.forEach(([size, args], i) => {
    const data = sample(i + 1, size);
    const out = new Uint8Array(size);
    assert.equal(zstdDecompress(zstd(data, ...args), out), size);
    assert.deepEqual(out, data, `size ${size} ${args.join(' ')}`);
  });
});

test('decodes several concatenated frames and ignores trailing bytes once the output is full', opts, () => {
  const a = sample(10, 30000), b = sample(11, 50000);
  const za = zstd(a), zb = zstd(b, '-12');
  const src = new Uint8Array(za.length + zb.length + 100);
  src.set(za);
  src.set(zb, za.length);
  src.fill(0x55, za.length + zb.length);
  const out = new Uint8Array(80000);
  assert.equal(zstdDecompress(src, out), 80000);
  assert.deepEqual(out.subarray(0, 30000), a);
  assert.deepEqual(out.subarray(30000), b);
});

test('mutated frames fail only with ZstdError and never write past the limit', opts, () => {
  const rnd = prng(99);
  const data = sample(5, 65536);
  const frames = [zstd(data, '-3'), zstd(data, '-19'), zstd(sample(6, 65536), '-1')];
  for (let i = 0; i < 1500; i++) {
    const f = Uint8Array.from(frames[i % frames.length] ?? new Uint8Array(0));
    for (let k = 0; k <= randInt(rnd, 4); k++) {
      const at = randInt(rnd, f.length);
      f[at] = randInt(rnd, 2) ? randInt(rnd, 256) : (f[at] ?? 0) ^ (1 << randInt(rnd, 8));
    }
    const src = randInt(rnd, 5) === 0 ? f.subarray(0, randInt(rnd, f.length)) : f;
    try {
      zstdDecompress(src, new Uint8Array(65536));
    } catch (e) {
      if (!(e instanceof ZstdError)) assert.fail(`iteration ${i}: ${e instanceof Error ? e.stack : String(e)}`);
    }
  }
});
