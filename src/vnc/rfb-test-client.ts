/**
 * A small RFB client for tests: does the handshake, sends client messages, and reads server
 * messages, decoding Raw, Hextile, Zlib and ZRLE rectangles into pixel values so tests can check
 * what a viewer would show. Written from RFC 6143, independently of the server's encoders.
 */
import net from 'node:net';
import zlib from 'node:zlib';
import type { PixelFormat } from './pixel-format.js';
import { SERVER_PIXEL_FORMAT, encodePixelFormat } from './pixel-format.js';

/** One decoded rectangle: pixel values (client format) row by row, or none for pseudo-encodings. */
export interface TestRect { x: number; y: number; w: number; h: number; encoding: number; pixels?: number[] }

/** What ServerInit said. */
export interface TestServerInit { width: number; height: number; format: PixelFormat; name: string }

/** A test-side RFB client on a socket. */
export class RfbTestClient {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private ended = false;
  private readonly inflaters = new Map<number, { inflate: (b: Buffer) => Buffer }>();
  /** The pixel format in force (ServerInit's until setPixelFormat). */
  format: PixelFormat = SERVER_PIXEL_FORMAT;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => { this.buf = Buffer.concat([this.buf, d]); this.wake(); });
    socket.on('close', () => { this.ended = true; this.wake(); });
    socket.on('error', () => { this.ended = true; this.wake(); });
  }

  /** Connects to a unix socket path or a TCP port. */
  static connect(where: string | number): Promise<RfbTestClient> {
    return new Promise((resolve, reject) => {
      const s = typeof where === 'number' ? net.connect(where, '127.0.0.1') : net.connect(where);
      s.once('connect', () => resolve(new RfbTestClient(s)));
      s.once('error', reject);
    });
  }

  /** Bytes received but not yet read. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Whether the server closed the connection. */
  get closed(): boolean {
    return this.ended;
  }

  /** Reads exactly n bytes (rejects if the connection ends first). */
  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n) {
      if (this.ended) throw new Error(`connection closed with ${this.buf.length}/${n} bytes`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when the server has closed the connection. */
  async waitClosed(): Promise<void> {
    while (!this.ended) await new Promise<void>((r) => this.waiters.push(r));
  }

  write(b: Uint8Array): void {
    this.socket.write(b);
  }

  /** The whole handshake for protocol 3.`minor`, returning ServerInit. */
  async handshake(minor = 8): Promise<TestServerInit> {
    const version = (await this.read(12)).toString('latin1');
    if (version !== 'RFB 003.008\n') throw new Error(`server version ${JSON.stringify(version)}`);
    this.write(Buffer.from(`RFB 003.00${minor}\n`, 'latin1'));
    if (minor < 7) {
      const type = (await this.read(4)).readUInt32BE(0);
      if (type !== 1) throw new Error(`security ${type}`);
    } else {
      const n = (await this.read(1))[0]!;
      const types = [...(await this.read(n))];
      if (!types.includes(1)) throw new Error(`types ${types}`);
      this.write(Uint8Array.of(1));
      if (minor >= 8 && (await this.read(4)).readUInt32BE(0) !== 0) throw new Error('security failed');
    }
    this.write(Uint8Array.of(1)); // ClientInit: shared
    const head = await this.read(24);
    const name = (await this.read(head.readUInt32BE(20))).toString('utf8');
    const pf = head.subarray(4, 20);
    return {
      width: head.readUInt16BE(0), height: head.readUInt16BE(2), name,
      format: {
        bitsPerPixel: pf[0] as 8 | 16 | 32, depth: pf[1]!, bigEndian: pf[2] !== 0, trueColour: pf[3] !== 0,
        redMax: pf.readUInt16BE(4), greenMax: pf.readUInt16BE(6), blueMax: pf.readUInt16BE(8),
        redShift: pf[10]!, greenShift: pf[11]!, blueShift: pf[12]!,
      },
    };
  }

  setPixelFormat(pf: PixelFormat): void {
    this.format = pf;
    this.write(Buffer.concat([Uint8Array.of(0, 0, 0, 0), encodePixelFormat(pf)]));
  }

  setEncodings(list: number[]): void {
    const b = Buffer.alloc(4 + 4 * list.length);
    b[0] = 2;
    b.writeUInt16BE(list.length, 2);
    list.forEach((e, i) => b.writeInt32BE(e, 4 + 4 * i));
    this.write(b);
  }

  requestUpdate(incremental: boolean, x: number, y: number, w: number, h: number): void {
    const b = Buffer.alloc(10);
    b[0] = 3;
    b[1] = incremental ? 1 : 0;
    b.writeUInt16BE(x, 2); b.writeUInt16BE(y, 4); b.writeUInt16BE(w, 6); b.writeUInt16BE(h, 8);
    this.write(b);
  }

  key(down: boolean, keysym: number): void {
    const b = Buffer.alloc(8);
    b[0] = 4;
    b[1] = down ? 1 : 0;
    b.writeUInt32BE(keysym, 4);
    this.write(b);
  }

  pointer(mask: number, x: number, y: number): void {
    const b = Buffer.alloc(6);
    b[0] = 5;
    b[1] = mask;
    b.writeUInt16BE(x, 2); b.writeUInt16BE(y, 4);
    this.write(b);
  }

  /** Reads one server message of type FramebufferUpdate (skipping colour-map messages). */
  async readUpdate(): Promise<TestRect[]> {
    for (;;) {
      const type = (await this.read(1))[0];
      if (type === 1) { // SetColourMapEntries
        const h = await this.read(5);
        await this.read(6 * h.readUInt16BE(3));
        continue;
      }
      if (type !== 0) throw new Error(`unexpected server message ${type}`);
      const n = (await this.read(3)).readUInt16BE(1);
      const rects: TestRect[] = [];
      for (let i = 0; i < n; i++) {
        const h = await this.read(12);
        const r: TestRect = { x: h.readUInt16BE(0), y: h.readUInt16BE(2), w: h.readUInt16BE(4), h: h.readUInt16BE(6), encoding: h.readInt32BE(8) };
        if (r.encoding >= 0) r.pixels = await this.decode(r);
        rects.push(r);
      }
      return rects;
    }
  }

  private get bpp(): number {
    return this.format.bitsPerPixel / 8;
  }

  private pixel(b: Uint8Array, o: number, size = this.bpp): number {
    let v = 0;
    for (let k = 0; k < size; k++) v += b[o + k]! * 2 ** (8 * (this.format.bigEndian ? size - 1 - k : k));
    return v;
  }

  private async decode(r: TestRect): Promise<number[]> {
    const bpp = this.bpp;
    const out = new Array<number>(r.w * r.h).fill(-1);
    if (r.encoding === 0) {
      const b = await this.read(r.w * r.h * bpp);
      return out.map((_, i) => this.pixel(b, i * bpp));
    }
    if (r.encoding === 5) return this.hextile(r, out);
    const len = (await this.read(4)).readUInt32BE(0);
    const data = this.inflate(r.encoding, await this.read(len));
    if (r.encoding === 6) return out.map((_, i) => this.pixel(data, i * bpp));
    if (r.encoding === 16) return this.zrle(r, data, out);
    throw new Error(`encoding ${r.encoding}`);
  }

  private inflate(encoding: number, chunk: Buffer): Buffer {
    let s = this.inflaters.get(encoding);
    if (!s) {
      // One inflater for the connection's stream: keep every compressed byte and inflate the lot,
      // returning only what is new (simple and exact for test-sized streams).
      let all = Buffer.alloc(0);
      let produced = 0;
      s = {
        inflate: (b: Buffer): Buffer => {
          all = Buffer.concat([all, b]);
          const full = zlib.inflateSync(all, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
          const fresh = full.subarray(produced);
          produced = full.length;
          return fresh;
        },
      };
      this.inflaters.set(encoding, s);
    }
    return s.inflate(chunk);
  }

  private async hextile(r: TestRect, out: number[]): Promise<number[]> {
    const bpp = this.bpp;
    let bg = -1, fg = -1;
    for (let ty = 0; ty < r.h; ty += 16) {
      for (let tx = 0; tx < r.w; tx += 16) {
        const tw = Math.min(16, r.w - tx), th = Math.min(16, r.h - ty);
        const flags = (await this.read(1))[0]!;
        const set = (x: number, y: number, v: number): void => { out[(ty + y) * r.w + tx + x] = v; };
        if (flags & 1) {
          const b = await this.read(tw * th * bpp);
          for (let i = 0; i < tw * th; i++) set(i % tw, Math.floor(i / tw), this.pixel(b, i * bpp));
          bg = fg = -1;
          continue;
        }
        if (flags & 2) bg = this.pixel(await this.read(bpp), 0);
        if (flags & 4) fg = this.pixel(await this.read(bpp), 0);
        if (bg < 0) throw new Error('hextile tile without a background');
        for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) set(x, y, bg);
        if (flags & 8) {
          const n = (await this.read(1))[0]!;
          for (let i = 0; i < n; i++) {
            const v = flags & 16 ? this.pixel(await this.read(bpp), 0) : fg;
            if (v < 0) throw new Error('hextile subrect without a foreground');
            const [xy, wh] = await this.read(2);
            const sx = xy! >> 4, sy = xy! & 15, sw = (wh! >> 4) + 1, sh = (wh! & 15) + 1;
            if (sx + sw > tw || sy + sh > th) throw new Error('hextile subrect outside its tile');
            for (let y = sy; y < sy + sh; y++) for (let x = sx; x < sx + sw; x++) set(x, y, v);
          }
          if (flags & 16) fg = -1;
        }
      }
    }
    return out;
  }

  private zrle(r: TestRect, data: Buffer, out: number[]): number[] {
    const f = this.format;
    const compact = f.trueColour && f.bitsPerPixel === 32 && f.depth <= 24;
    const mask = f.redMax * 2 ** f.redShift + f.greenMax * 2 ** f.greenShift + f.blueMax * 2 ** f.blueShift;
    const size = compact && (mask < 2 ** 24 || mask % 256 === 0) ? 3 : this.bpp;
    const highBytes = size === 3 && mask >= 2 ** 24;
    const cpixel = (o: number): number => {
      if (size !== 3) return this.pixel(data, o);
      const v = this.pixel(data, o, 3);
      return highBytes ? v * 256 : v;
    };
    let o = 0;
    for (let ty = 0; ty < r.h; ty += 64) {
      for (let tx = 0; tx < r.w; tx += 64) {
        const tw = Math.min(64, r.w - tx), th = Math.min(64, r.h - ty);
        const sub = data[o++]!;
        const set = (i: number, v: number): void => { out[(ty + Math.floor(i / tw)) * r.w + tx + (i % tw)] = v; };
        if (sub === 0) {
          for (let i = 0; i < tw * th; i++, o += size) set(i, cpixel(o));
        } else if (sub === 1) {
          const v = cpixel(o);
          o += size;
          for (let i = 0; i < tw * th; i++) set(i, v);
        } else if (sub <= 16) {
          const pal = Array.from({ length: sub }, (_, k) => cpixel(o + k * size));
          o += sub * size;
          const bits = sub === 2 ? 1 : sub <= 4 ? 2 : 4;
          const rowBytes = Math.ceil((tw * bits) / 8);
          for (let y = 0; y < th; y++, o += rowBytes) {
            for (let x = 0; x < tw; x++) {
              const bit = x * bits;
              const idx = (data[o + (bit >> 3)]! >> (8 - bits - (bit & 7))) & ((1 << bits) - 1);
              set(y * tw + x, pal[idx]!);
            }
          }
        } else throw new Error(`zrle subencoding ${sub}`);
      }
    }
    return out;
  }
}
