/**
 * The zlib-based RFB encodings: Zlib (type 6: raw pixels through zlib, as TightVNC-era viewers such
 * as vncsnapshot use) and ZRLE (type 16, RFC 6143 7.7.6: 64x64 tiles, solid, packed-palette or raw,
 * in compact 3-byte CPIXELs where the format allows, as TigerVNC prefers).
 *
 * Each encoding has one zlib stream per client for the whole connection. We produce it as a zlib
 * header followed by independently compressed deflate blocks, each ended with a sync flush and never
 * a final block: a valid continuous stream for the client's inflater, made with synchronous calls.
 */
import zlib from 'node:zlib';
import type { PixelConverter } from './pixel-format.js';

const SYNC = { finishFlush: zlib.constants.Z_SYNC_FLUSH, level: 6 } as const;

/** One side of a connection-long zlib stream. */
export class ZlibStream {
  private started = false;

  /** The next piece of the stream, carrying `data`. */
  push(data: Uint8Array): Buffer {
    const body = zlib.deflateRawSync(data, SYNC);
    if (this.started) return body;
    this.started = true;
    return Buffer.concat([Uint8Array.of(0x78, 0x9c), body]); // zlib header: deflate, 32 KiB window
  }
}

/** `data` as a length-prefixed chunk of the stream (the payload of a Zlib or ZRLE rectangle). */
function lengthPrefixed(stream: ZlibStream, data: Uint8Array): Buffer {
  const z = stream.push(data);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(z.length, 0);
  return Buffer.concat([head, z]);
}

/** Encodes a rectangle as Zlib (raw pixels in the client's format, compressed). */
export function encodeZlib(conv: PixelConverter, stream: ZlibStream, src: Uint8Array, stride: number, x: number, y: number, w: number, h: number): Buffer {
  return lengthPrefixed(stream, conv.rect(src, stride, x, y, w, h));
}

/** How ZRLE's CPIXEL stores a pixel value: byte count, and which bytes of the full pixel to keep. */
function cpixelLayout(conv: PixelConverter): { size: number; skipLow: boolean } {
  const f = conv.format;
  if (f.trueColour && f.bitsPerPixel === 32 && f.depth <= 24) {
    const mask = (f.redMax * 2 ** f.redShift) + (f.greenMax * 2 ** f.greenShift) + (f.blueMax * 2 ** f.blueShift);
    if (mask < 2 ** 24) return { size: 3, skipLow: false };
    if (mask % 256 === 0) return { size: 3, skipLow: true };
  }
  return { size: conv.bytesPerPixel, skipLow: false };
}

/** Encodes a rectangle as ZRLE. */
export function encodeZrle(conv: PixelConverter, stream: ZlibStream, src: Uint8Array, stride: number, rx: number, ry: number, rw: number, rh: number): Buffer {
  const { size, skipLow } = cpixelLayout(conv);
  const full = new Uint8Array(4);
  const cpixel = (out: Uint8Array, o: number, v: number): void => {
    if (size === conv.bytesPerPixel) { conv.put(out, o, v); return; }
    conv.put(full, 0, v);
    // Keep the 3 significant bytes in wire order: drop the byte that is always zero.
    const zeroAt = conv.format.bigEndian === skipLow ? 3 : 0;
    for (let k = 0, j = 0; k < 4; k++) if (k !== zeroAt) out[o + j++] = full[k]!;
  };
  const parts: Uint8Array[] = [];
  for (let ty = ry; ty < ry + rh; ty += 64) {
    const th = Math.min(64, ry + rh - ty);
    for (let tx = rx; tx < rx + rw; tx += 64) {
      const tw = Math.min(64, rx + rw - tx);
      const vals = new Uint32Array(tw * th);
      const palette = new Map<number, number>();
      for (let y = 0, n = 0; y < th; y++) {
        for (let x = 0; x < tw; x++, n++) {
          const v = conv.value(src, (ty + y) * stride + (tx + x) * 4);
          vals[n] = v;
          if (palette.size <= 16 && !palette.has(v)) palette.set(v, palette.size);
        }
      }
      if (palette.size === 1) {
        const t = new Uint8Array(1 + size);
        t[0] = 1;
        cpixel(t, 1, vals[0]!);
        parts.push(t);
      } else if (palette.size <= 16) {
        const bits = palette.size === 2 ? 1 : palette.size <= 4 ? 2 : 4;
        const rowBytes = Math.ceil((tw * bits) / 8);
        const t = new Uint8Array(1 + palette.size * size + rowBytes * th);
        t[0] = palette.size;
        let o = 1;
        for (const v of palette.keys()) { cpixel(t, o, v); o += size; }
        for (let y = 0; y < th; y++, o += rowBytes) {
          for (let x = 0; x < tw; x++) {
            const idx = palette.get(vals[y * tw + x]!)!;
            const bit = x * bits;
            t[o + (bit >> 3)] = t[o + (bit >> 3)]! | (idx << (8 - bits - (bit & 7)));
          }
        }
        parts.push(t);
      } else {
        const t = new Uint8Array(1 + tw * th * size);
        for (let n = 0, o = 1; n < vals.length; n++, o += size) cpixel(t, o, vals[n]!);
        parts.push(t);
      }
    }
  }
  return lengthPrefixed(stream, Buffer.concat(parts));
}
