/**
 * Which parts of the screen changed since a client's last update: frames are compared with the
 * client's copy of what it was sent, in 16x16 tiles, and dirty tiles are merged into rectangles
 * (runs along a tile row, then equal runs of consecutive rows).
 */

/** A rectangle in pixels. */
export interface Rect { x: number; y: number; w: number; h: number }

/** Tile edge in pixels. */
export const TILE = 16;

/** The part of `r` inside `clip`, or undefined when they do not overlap. */
export function intersect(r: Rect, clip: Rect): Rect | undefined {
  const x = Math.max(r.x, clip.x), y = Math.max(r.y, clip.y);
  const x2 = Math.min(r.x + r.w, clip.x + clip.w), y2 = Math.min(r.y + r.h, clip.y + clip.h);
  return x2 > x && y2 > y ? { x, y, w: x2 - x, h: y2 - y } : undefined;
}

/**
 * The rectangles of `region` where `now` differs from `before` (both `width` x `height`, 4 bytes
 * per pixel); all of `region` when `before` is undefined.
 */
export function changedRects(now: Uint8Array, before: Uint8Array | undefined, width: number, height: number, region: Rect): Rect[] {
  const area = intersect(region, { x: 0, y: 0, w: width, h: height });
  if (!area) return [];
  if (!before) return [area];
  const stride = width * 4;
  const tx0 = Math.floor(area.x / TILE), tx1 = Math.ceil((area.x + area.w) / TILE);
  const ty0 = Math.floor(area.y / TILE), ty1 = Math.ceil((area.y + area.h) / TILE);
  const cols = tx1 - tx0;
  const nowB = Buffer.from(now.buffer, now.byteOffset, now.byteLength);
  const beforeB = Buffer.from(before.buffer, before.byteOffset, before.byteLength);
  const out: Rect[] = [];
  let open: Rect[] = []; // runs of the previous tile row, extended downwards while they repeat
  for (let ty = ty0; ty < ty1; ty++) {
    const dirty = new Uint8Array(cols);
    const yEnd = Math.min((ty + 1) * TILE, area.y + area.h);
    for (let y = Math.max(ty * TILE, area.y); y < yEnd; y++) {
      const row = y * stride;
      const a = row + area.x * 4, b = row + (area.x + area.w) * 4;
      if (nowB.compare(beforeB, a, b, a, b) === 0) continue;
      for (let c = 0; c < cols; c++) {
        if (dirty[c]) continue;
        const s = row + Math.max((tx0 + c) * TILE, area.x) * 4;
        const e = row + Math.min((tx0 + c + 1) * TILE, area.x + area.w) * 4;
        if (nowB.compare(beforeB, s, e, s, e) !== 0) dirty[c] = 1;
      }
    }
    const runs: Rect[] = [];
    for (let c = 0; c < cols;) {
      if (!dirty[c]) { c++; continue; }
      const start = c;
      while (c < cols && dirty[c]) c++;
      const r = intersect({ x: (tx0 + start) * TILE, y: ty * TILE, w: (c - start) * TILE, h: TILE }, area)!;
      runs.push(r);
    }
    const next: Rect[] = [];
    for (const r of runs) {
      const above = open.find((o) => o.x === r.x && o.w === r.w && o.y + o.h === r.y);
      if (above) {
        above.h += r.h;
        next.push(above);
      } else {
        out.push(r);
        next.push(r);
      }
    }
    open = next;
  }
  return out;
}
