/**
 * Interop with a real VNC client: vncsnapshot (Debian package vncsnapshot, an RFB 3.3 TightVNC-era
 * viewer) captures our server's screen as a JPEG; djpeg (libjpeg-turbo-progs) decodes it, or, without
 * djpeg, the JPEG's frame header gives at least the size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from '../display/display.js';
import { VncServer } from './server.js';
import { VNC_BASE_PORT } from './option.js';

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const HAVE_SNAPSHOT = has('vncsnapshot');
const HAVE_DJPEG = has('djpeg');

const W = 320, H = 200;
/** Quadrants: red, blue / yellow, cyan, with a white frame line to give the encoders edges. */
const QUADRANTS = [[0xff0000, 0x0000ff], [0xffff00, 0x00ffff]] as const;
function picture(): Frame {
  const pixels = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const edge = x === 0 || y === 0 || x === W - 1 || y === H - 1;
      const c = edge ? 0xffffff : QUADRANTS[y < H / 2 ? 0 : 1][x < W / 2 ? 0 : 1];
      const i = (y * W + x) * 4;
      pixels[i] = c & 0xff; pixels[i + 1] = (c >> 8) & 0xff; pixels[i + 2] = c >> 16;
    }
  }
  return { width: W, height: H, pixels };
}

/** Width and height from a JPEG's SOFn segment. */
function jpegSize(b: Buffer): [number, number] {
  let o = 2;
  while (o + 9 < b.length) {
    if (b[o] !== 0xff) throw new Error('bad JPEG marker');
    const m = b[o + 1]!;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return [b.readUInt16BE(o + 7), b.readUInt16BE(o + 5)];
    o += 2 + b.readUInt16BE(o + 2);
  }
  throw new Error('no JPEG frame header');
}

/** Decodes a JPEG to RGB with djpeg (binary PPM). */
function decodeJpeg(file: string): { width: number; height: number; rgb: Buffer } {
  const r = spawnSync('djpeg', ['-pnm', file]);
  assert.equal(r.status, 0, String(r.stderr));
  const out = r.stdout as Buffer;
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(out.subarray(0, 40).toString('latin1'));
  assert.ok(m, 'a binary PPM');
  return { width: Number(m[1]), height: Number(m[2]), rgb: out.subarray(m[0].length) };
}

function snapshot(display: number, file: string, extra: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // The timeout only stops a hung client from hanging the suite; nothing is measured.
    execFile('vncsnapshot', ['-quiet', ...extra, `127.0.0.1:${display}`, file], { timeout: 120_000 }, (err, _out, stderr) => {
      if (err) reject(new Error(`vncsnapshot ${extra.join(' ')} failed: ${err.message} ${stderr}`));
      else resolve();
    });
  });
}

const skip = HAVE_SNAPSHOT ? false : 'vncsnapshot is not installed (Debian package vncsnapshot; scripts/setup.sh installs it)';

test('vncsnapshot captures the screen with each encoding it offers us', { skip }, async () => {
  const frame = picture();
  const server = new VncServer({ display: { frame: async () => frame, text: async () => undefined }, input: { key: () => {}, pointer: () => {} } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tkvm-vncsnap-'));
  try {
    const first = 200 + (process.pid % 300);
    await server.listen({ kind: 'tcp', host: '127.0.0.1', display: first, lastDisplay: first + 200 });
    const display = server.port! - VNC_BASE_PORT;
    for (const [label, extra, encoding] of [
      ['default (raw first on the same machine)', [], 'raw'],
      ['hextile', ['-encodings', 'hextile'], 'hextile'],
      ['zlib', ['-encodings', 'zlib'], 'zlib'],
    ] as const) {
      const before = server.rectsSent[encoding] ?? 0;
      const file = path.join(dir, `${encoding}.jpg`);
      await snapshot(display, file, [...extra]);
      assert.ok((server.rectsSent[encoding] ?? 0) > before, `${label}: sent as ${encoding} (${JSON.stringify(server.rectsSent)})`);
      assert.deepEqual(jpegSize(fs.readFileSync(file)), [W, H], `${label}: JPEG size`);
      if (!HAVE_DJPEG) continue;
      const img = decodeJpeg(file);
      assert.deepEqual([img.width, img.height], [W, H]);
      for (const [qy, row] of QUADRANTS.entries()) {
        for (const [qx, colour] of row.entries()) {
          const x = Math.floor((qx + 0.5) * (W / 2)), y = Math.floor((qy + 0.5) * (H / 2));
          const i = (y * W + x) * 3;
          const got = [img.rgb[i]!, img.rgb[i + 1]!, img.rgb[i + 2]!];
          const want = [colour >> 16, (colour >> 8) & 0xff, colour & 0xff];
          assert.ok(got.every((v, k) => Math.abs(v - want[k]!) < 40), `${label}: quadrant ${qx},${qy} is ${got} not ${want}`);
        }
      }
    }
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
