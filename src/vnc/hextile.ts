/**
 * RFB Hextile encoding (RFC 6143 7.7.4): 16x16 tiles, each a background colour plus rectangles of
 * one foreground colour or of their own colours, or raw pixels when that is smaller. Background
 * and foreground carry over between tiles of one rectangle, so they are sent only when they change.
 */
import type { PixelConverter } from './pixel-format.js';

const RAW = 1, BACKGROUND = 2, FOREGROUND = 4, ANY_SUBRECTS = 8, SUBRECTS_COLOURED = 16;

/** A rectangle of one colour inside a tile. */
interface Subrect { x: number; y: number; w: number; h: number; v: number }

/** Greedy cover of a tile's non-background pixels by single-colour rectangles. */
function subrects(vals: Uint32Array, w: number, h: number, bg: number): Subrect[] {
  const done = new Uint8Array(w * h);
  const out: Subrect[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const v = vals[i]!;
      if (done[i] || v === bg) continue;
      let rw = 1;
      while (x + rw < w && !done[i + rw] && vals[i + rw] === v) rw++;
      let rh = 1;
      grow: while (y + rh < h) {
        for (let k = 0; k < rw; k++) {
          const j = (y + rh) * w + x + k;
          if (done[j] || vals[j] !== v) break grow;
        }
        rh++;
      }
      for (let yy = 0; yy < rh; yy++) done.fill(1, (y + yy) * w + x, (y + yy) * w + x + rw);
      out.push({ x, y, w: rw, h: rh, v });
    }
  }
  return out;
}

/** The most frequent value. */
function mostCommon(vals: Uint32Array): number {
  const counts = new Map<number, number>();
  let best = vals[0]!, bestN = 0;
  for (const v of vals) {
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (n > bestN) { best = v; bestN = n; }
  }
  return best;
}

/** Encodes a rectangle of `src` (B G R X rows of `stride` bytes) as Hextile for the converter's format. */
export function encodeHextile(conv: PixelConverter, src: Uint8Array, stride: number, rx: number, ry: number, rw: number, rh: number): Buffer {
  const bpp = conv.bytesPerPixel;
  const parts: Uint8Array[] = [];
  let bg: number | undefined, fg: number | undefined;
  const pixel = (v: number): Uint8Array => {
    const b = new Uint8Array(bpp);
    conv.put(b, 0, v);
    return b;
  };
  for (let ty = ry; ty < ry + rh; ty += 16) {
    const th = Math.min(16, ry + rh - ty);
    for (let tx = rx; tx < rx + rw; tx += 16) {
      const tw = Math.min(16, rx + rw - tx);
      const vals = new Uint32Array(tw * th);
      for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) vals[y * tw + x] = conv.value(src, (ty + y) * stride + (tx + x) * 4);
      const tileBg = mostCommon(vals);
      const rects = subrects(vals, tw, th, tileBg);
      const mono = rects.every((r) => r.v === rects[0]?.v);
      const size = 1 + bpp * 2 + 1 + rects.length * (mono ? 2 : 2 + bpp);
      if (rects.length > 255 || size >= 1 + tw * th * bpp) {
        parts.push(Uint8Array.of(RAW), conv.rect(src, stride, tx, ty, tw, th));
        bg = fg = undefined; // undefined after a raw tile
        continue;
      }
      let flags = 0;
      const body: Uint8Array[] = [];
      if (tileBg !== bg) { flags |= BACKGROUND; body.push(pixel(tileBg)); bg = tileBg; }
      if (rects.length > 0) {
        flags |= ANY_SUBRECTS;
        if (mono) {
          if (rects[0]!.v !== fg) { flags |= FOREGROUND; body.push(pixel(rects[0]!.v)); fg = rects[0]!.v; }
        } else {
          flags |= SUBRECTS_COLOURED;
          fg = undefined;
        }
        const list = new Uint8Array(1 + rects.length * (mono ? 2 : 2 + bpp));
        list[0] = rects.length;
        let o = 1;
        for (const r of rects) {
          if (!mono) { conv.put(list, o, r.v); o += bpp; }
          list[o++] = (r.x << 4) | r.y;
          list[o++] = ((r.w - 1) << 4) | (r.h - 1);
        }
        body.push(list);
      }
      parts.push(Uint8Array.of(flags), ...body);
    }
  }
  return Buffer.concat(parts);
}
