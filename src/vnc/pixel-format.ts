/**
 * RFB pixel formats (RFC 6143 7.4): parsing the 16-byte PIXEL_FORMAT, and converting our frames
 * (x8r8g8b8, bytes B G R X) into what a client asked for: 8, 16 or 32 bits per pixel, any channel
 * maxima and shifts, either byte order. Colour-map formats get a fixed 3-3-2 palette (the same
 * "BGR233" layout old viewers use) that the server sends with SetColourMapEntries.
 */

/** A client's pixel format. */
export interface PixelFormat {
  bitsPerPixel: 8 | 16 | 32;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  redMax: number;
  greenMax: number;
  blueMax: number;
  redShift: number;
  greenShift: number;
  blueShift: number;
}

/** What the server offers in ServerInit: 32 bpp, depth 24, little-endian x8r8g8b8 (our frame layout). */
export const SERVER_PIXEL_FORMAT: PixelFormat = {
  bitsPerPixel: 32, depth: 24, bigEndian: false, trueColour: true,
  redMax: 255, greenMax: 255, blueMax: 255, redShift: 16, greenShift: 8, blueShift: 0,
};

/** The palette layout used for colour-map clients: red in bits 0-2, green 3-5, blue 6-7. */
const PALETTE_FORMAT = { redMax: 7, greenMax: 7, blueMax: 3, redShift: 0, greenShift: 3, blueShift: 6 } as const;

/** Encodes a pixel format as its 16 wire bytes. */
export function encodePixelFormat(pf: PixelFormat): Buffer {
  const b = Buffer.alloc(16);
  b[0] = pf.bitsPerPixel;
  b[1] = pf.depth;
  b[2] = pf.bigEndian ? 1 : 0;
  b[3] = pf.trueColour ? 1 : 0;
  b.writeUInt16BE(pf.redMax, 4);
  b.writeUInt16BE(pf.greenMax, 6);
  b.writeUInt16BE(pf.blueMax, 8);
  b[10] = pf.redShift;
  b[11] = pf.greenShift;
  b[12] = pf.blueShift;
  return b;
}

/**
 * Decodes the 16 wire bytes of a SetPixelFormat; throws a one-line reason for formats RFB does not
 * allow (bpp other than 8/16/32, a channel that does not fit in the pixel).
 */
export function decodePixelFormat(b: Uint8Array, offset = 0): PixelFormat {
  const u16 = (o: number): number => (b[offset + o]! << 8) | b[offset + o + 1]!;
  const bpp = b[offset]!;
  if (bpp !== 8 && bpp !== 16 && bpp !== 32) throw new Error(`unsupported bits-per-pixel ${bpp}`);
  const pf: PixelFormat = {
    bitsPerPixel: bpp, depth: b[offset + 1]!, bigEndian: b[offset + 2] !== 0, trueColour: b[offset + 3] !== 0,
    redMax: u16(4), greenMax: u16(6), blueMax: u16(8),
    redShift: b[offset + 10]!, greenShift: b[offset + 11]!, blueShift: b[offset + 12]!,
  };
  if (!pf.trueColour) {
    if (bpp !== 8) throw new Error(`colour-map format with ${bpp} bits per pixel`);
    return { ...pf, ...PALETTE_FORMAT };
  }
  for (const [max, shift] of [[pf.redMax, pf.redShift], [pf.greenMax, pf.greenShift], [pf.blueMax, pf.blueShift]] as const) {
    if (shift >= bpp || max * 2 ** shift >= 2 ** bpp) throw new Error(`colour channel max ${max} << ${shift} does not fit in ${bpp} bits`);
  }
  return pf;
}

/** The 256-entry palette (16-bit RGB per entry) for colour-map clients, in index order. */
export function paletteColours(): Array<[number, number, number]> {
  const scale = (v: number, max: number): number => Math.round((v * 65535) / max);
  return Array.from({ length: 256 }, (_, i): [number, number, number] => [scale(i & 7, 7), scale((i >> 3) & 7, 7), scale(i >> 6, 3)]);
}

/** Converts frame pixels to a client's format, with per-channel lookup tables built once. */
export class PixelConverter {
  /** Bytes per pixel on the wire. */
  readonly bytesPerPixel: number;
  private readonly r: Uint32Array;
  private readonly g: Uint32Array;
  private readonly b: Uint32Array;

  constructor(readonly format: PixelFormat) {
    this.bytesPerPixel = format.bitsPerPixel / 8;
    const table = (max: number, shift: number): Uint32Array =>
      Uint32Array.from({ length: 256 }, (_, v) => (Math.floor((v * max + 127) / 255) * 2 ** shift) >>> 0);
    this.r = table(format.redMax, format.redShift);
    this.g = table(format.greenMax, format.greenShift);
    this.b = table(format.blueMax, format.blueShift);
  }

  /** The client pixel value of the frame pixel at byte offset `i` (B G R X). */
  value(src: Uint8Array, i: number): number {
    return (this.r[src[i + 2]!]! | this.g[src[i + 1]!]! | this.b[src[i]!]!) >>> 0;
  }

  /** Writes one pixel value at `out[o]` in the client's byte order. */
  put(out: Uint8Array, o: number, v: number): void {
    switch (this.bytesPerPixel) {
      case 1: out[o] = v; break;
      case 2:
        if (this.format.bigEndian) { out[o] = v >>> 8; out[o + 1] = v; } else { out[o] = v; out[o + 1] = v >>> 8; }
        break;
      default:
        if (this.format.bigEndian) { out[o] = v >>> 24; out[o + 1] = v >>> 16; out[o + 2] = v >>> 8; out[o + 3] = v; } else { out[o] = v; out[o + 1] = v >>> 8; out[o + 2] = v >>> 16; out[o + 3] = v >>> 24; }
    }
  }

  /** A rectangle of a frame (row stride `stride` bytes) in the client's format, rows top to bottom. */
  rect(src: Uint8Array, stride: number, x: number, y: number, w: number, h: number): Uint8Array {
    const bpp = this.bytesPerPixel;
    const out = new Uint8Array(w * h * bpp);
    let o = 0;
    for (let row = 0; row < h; row++) {
      let i = (y + row) * stride + x * 4;
      for (let col = 0; col < w; col++, i += 4, o += bpp) this.put(out, o, this.value(src, i));
    }
    return out;
  }
}
