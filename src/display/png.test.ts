import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { inflateSync } from 'node:zlib';
import { PNG_SIGNATURE, crc32, encodePng } from './png.js';
import type { Frame } from './display.js';

/** A minimal PNG reader for 8-bit RGB, filter-0 images: what the encoder writes. Checks every CRC. */
function decodePng(png: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  assert.deepEqual([...png.subarray(0, 8)], [...PNG_SIGNATURE]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  const types: string[] = [];
  while (at < png.length) {
    const len = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + len);
    assert.equal(view.getUint32(at + 8 + len), crc32(png.subarray(at + 4, at + 8 + len)), `${type} CRC`);
    types.push(type);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      assert.deepEqual([...data.subarray(8)], [8, 2, 0, 0, 0]);
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  assert.deepEqual([types[0], types.at(-1)], ['IHDR', 'IEND']);
  const raw = inflateSync(Buffer.concat(idat));
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (width * 3 + 1)], 0, 'filter None');
    rgb.set(raw.subarray(y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1)), y * width * 3);
  }
  return { width, height, rgb };
}

/** A test frame: a colour gradient. */
function gradient(width: number, height: number): Frame {
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      pixels[i] = (x * 7) & 0xff; // B
      pixels[i + 1] = (y * 13) & 0xff; // G
      pixels[i + 2] = (x + y) & 0xff; // R
      pixels[i + 3] = 0x5a; // X: ignored
    }
  }
  return { width, height, pixels };
}

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('a frame encodes to a PNG that decodes back to the same RGB pixels', () => {
  const frame = gradient(37, 21);
  const png = encodePng(frame);
  const { width, height, rgb } = decodePng(png);
  assert.equal(width, 37);
  assert.equal(height, 21);
  for (let p = 0; p < width * height; p++) {
    assert.deepEqual([rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2]], [frame.pixels[p * 4 + 2], frame.pixels[p * 4 + 1], frame.pixels[p * 4]]);
  }
});

const python = spawnSync('python3', ['-c', 'import zlib'], { encoding: 'utf8' }).status === 0;

test('an independent reader (Python zlib) gets the same pixels', { skip: python ? false : 'python3 is not installed' }, () => {
  const frame = gradient(5, 3);
  const script = [
    'import sys, struct, zlib',
    'd = sys.stdin.buffer.read()',
    'i, idat = 8, b""',
    'while i < len(d):',
    '    n, t = struct.unpack(">I4s", d[i:i+8])',
    '    if t == b"IDAT": idat += d[i+8:i+8+n]',
    '    if t == b"IHDR": w, h = struct.unpack(">II", d[i+8:i+16])',
    '    i += 12 + n',
    'raw = zlib.decompress(idat)',
    'print(w, h, raw[1 + 3 * 4 + 0], raw[(w * 3 + 1) * 2 + 1 + 1])',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script], { input: encodePng(frame), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // Pixel (4, 0) red = 4; pixel (0, 2) green = 26.
  assert.equal(r.stdout.trim(), '5 3 4 26');
});
