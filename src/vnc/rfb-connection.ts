/**
 * One VNC client: the RFB protocol (RFC 6143) from the server's side. Versions 3.3, 3.7 and 3.8,
 * security type None, shared sessions; client messages SetPixelFormat, SetEncodings,
 * FramebufferUpdateRequest, KeyEvent, PointerEvent and ClientCutText (ignored). Updates are
 * answered from frames the server offers; incremental requests wait until something changed.
 *
 * Threat note: every byte comes from the network. A malformed or unknown message ends this
 * connection (RFB messages cannot be skipped without knowing their length) and nothing else.
 */
import type { Socket } from 'node:net';
import type { Frame, InputSink } from '../display/display.js';
import { changedRects, intersect } from './damage.js';
import type { Rect } from './damage.js';
import { encodeHextile } from './hextile.js';
import { PixelConverter, SERVER_PIXEL_FORMAT, decodePixelFormat, encodePixelFormat, paletteColours } from './pixel-format.js';
import { ZlibStream, encodeZlib, encodeZrle } from './zlib-encodings.js';
import { keysymToQcode } from '../input/keymap.js';

/** RFB encoding numbers this server uses. */
export const RFB_ENCODING = { RAW: 0, HEXTILE: 5, ZLIB: 6, ZRLE: 16, DESKTOP_SIZE: -223 } as const;

/** Pixel encodings in the order we pick them when a client lists several equally. */
const PIXEL_ENCODINGS: readonly number[] = [RFB_ENCODING.ZRLE, RFB_ENCODING.HEXTILE, RFB_ENCODING.ZLIB, RFB_ENCODING.RAW];

/** Longest ClientCutText we buffer nothing of but still read past. */
const MAX_CUT_TEXT = 1 << 30;

/** Most unparsed input kept (the longest message, SetEncodings, is 256 KiB). */
const MAX_PENDING_INPUT = 1 << 20;

/** What a connection needs from its server. */
export interface RfbHost {
  /** Desktop name sent in ServerInit. */
  readonly name: string;
  /** Where key and pointer events go. */
  readonly input: InputSink;
  /** The latest frame (fetched on demand, shared between clients). */
  frame(): Promise<Frame>;
  /** The client asked for an update: offer it frames until it has one. */
  wantsFrames(conn: RfbConnection): void;
  /** Reports a client problem in one line. */
  log(msg: string): void;
  /** The connection is over. */
  closed(conn: RfbConnection): void;
  /** Counts rectangles sent, by encoding number. */
  sent(encoding: number): void;
  /** The user typed or moved the pointer: the screen is about to change. */
  activity(): void;
}

type Phase = 'version' | 'security' | 'init' | 'normal' | 'closed';

/** One connected client; see the file comment. */
export class RfbConnection {
  private phase: Phase = 'version';
  private minor = 8;
  private buf: Buffer = Buffer.alloc(0);
  private skip = 0;
  private conv = new PixelConverter(SERVER_PIXEL_FORMAT);
  private encoding: number = RFB_ENCODING.RAW;
  private desktopSize = false;
  private request: { incremental: boolean; region: Rect } | undefined;
  private width = 0;
  private height = 0;
  private shadow: Uint8Array | undefined;
  private readonly zlib = new ZlibStream();
  private readonly zrle = new ZlibStream();
  private pointerAt: { x: number; y: number; mask: number } | undefined;
  private readonly keysDown = new Set<string>();
  private ready = false;
  private readonly unknownKeysyms = new Set<number>();

  constructor(private readonly socket: Socket, private readonly host: RfbHost, readonly peer: string) {
    socket.on('data', (d: Buffer) => this.receive(d));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    socket.setNoDelay?.(true);
    this.send(Buffer.from('RFB 003.008\n', 'latin1'));
  }

  /** Whether the client waits for an update. */
  get waiting(): boolean {
    return this.phase === 'normal' && this.request !== undefined;
  }

  /** Sends what changed in the client's requested region, if anything (true when it sent); keeps waiting otherwise. */
  offer(frame: Frame): boolean {
    const req = this.request;
    if (!req || this.phase !== 'normal' || this.socket.destroyed) return false;
    try {
      this.update(frame, req);
    } catch (e) {
      this.fail(`update failed: ${(e as Error).message}`);
    }
    return this.request === undefined;
  }

  /** Ends the connection and releases any keys this client held down. */
  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    for (const q of this.keysDown) this.input(() => this.host.input.key(q, false));
    this.keysDown.clear();
    if (this.pointerAt && (this.pointerAt.mask & 7) !== 0) this.input(() => this.host.input.pointer(0, 0, 0));
    this.socket.destroy();
    this.host.closed(this);
  }

  private fail(reason: string): void {
    if (this.phase === 'closed') return;
    this.host.log(`vnc: client ${this.peer}: ${reason}; disconnecting it`);
    this.close();
  }

  private send(b: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(b);
  }

  private receive(data: Buffer): void {
    if (this.phase === 'closed') return;
    if (this.skip > 0) {
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      data = data.subarray(n);
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    if (this.buf.length > MAX_PENDING_INPUT) {
      this.fail('sent more than 1 MiB ahead of the server');
      return;
    }
    try {
      for (;;) {
        const used = this.parse();
        if (used === 0) break;
        this.buf = this.buf.subarray(used);
      }
    } catch (e) {
      this.fail((e as Error).message);
    }
  }

  /** Handles one complete message at the start of `buf`; returns the bytes used, 0 when incomplete. */
  private parse(): number {
    const b = this.buf;
    switch (this.phase) {
      case 'version': return b.length < 12 ? 0 : this.version(b.subarray(0, 12).toString('latin1'));
      case 'security': return b.length < 1 ? 0 : this.security(b[0]!);
      case 'init': return b.length < 1 ? 0 : (this.serverInit(), 1);
      case 'normal': return this.message(b);
      default: return 0;
    }
  }

  private version(text: string): number {
    const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(text);
    if (!m || Number(m[1]) !== 3) throw new Error(`not an RFB 3.x client (${JSON.stringify(text)})`);
    const minor = Number(m[2]);
    this.minor = minor >= 8 ? 8 : minor === 7 ? 7 : 3; // unknown minors are 3.3 (RFC 6143 7.1.1)
    if (this.minor === 3) {
      this.send(u32(1)); // the server decides: None
      this.phase = 'init';
    } else {
      this.send(Uint8Array.of(1, 1)); // one security type: None
      this.phase = 'security';
    }
    return 12;
  }

  private security(type: number): number {
    if (type !== 1) {
      if (this.minor === 8) {
        const why = Buffer.from('only security type None is offered', 'latin1');
        this.send(Buffer.concat([u32(1), u32(why.length), why]));
      }
      throw new Error(`asked for security type ${type}`);
    }
    if (this.minor === 8) this.send(u32(0)); // SecurityResult OK
    this.phase = 'init';
    return 1;
  }

  /** ClientInit received (the shared flag is ignored: sessions are always shared). */
  private serverInit(): void {
    this.phase = 'normal'; // client messages that arrive before ServerInit is out wait in `buf`
    void this.host.frame().then((f) => {
      if (this.phase === 'closed') return;
      this.width = f.width;
      this.height = f.height;
      const name = Buffer.from(this.host.name, 'utf8');
      const head = Buffer.alloc(4);
      head.writeUInt16BE(f.width, 0);
      head.writeUInt16BE(f.height, 2);
      this.send(Buffer.concat([head, encodePixelFormat(SERVER_PIXEL_FORMAT), u32(name.length), name]));
      this.ready = true;
      this.receive(Buffer.alloc(0));
    }, (e: unknown) => this.fail(`no frame for ServerInit: ${(e as Error).message}`));
  }

  private message(b: Buffer): number {
    if (!this.ready || b.length < 1) return 0;
    switch (b[0]) {
      case 0: { // SetPixelFormat
        if (b.length < 20) return 0;
        this.conv = new PixelConverter(decodePixelFormat(b, 4));
        this.shadow = undefined; // everything is sent again in the new format
        if (!this.conv.format.trueColour) this.sendPalette();
        return 20;
      }
      case 2: { // SetEncodings
        if (b.length < 4) return 0;
        const n = b.readUInt16BE(2);
        if (b.length < 4 + 4 * n) return 0;
        const list = Array.from({ length: n }, (_, i) => b.readInt32BE(4 + 4 * i));
        this.encoding = list.find((e) => PIXEL_ENCODINGS.includes(e)) ?? RFB_ENCODING.RAW;
        this.desktopSize = list.includes(RFB_ENCODING.DESKTOP_SIZE);
        return 4 + 4 * n;
      }
      case 3: { // FramebufferUpdateRequest
        if (b.length < 10) return 0;
        const region = { x: b.readUInt16BE(2), y: b.readUInt16BE(4), w: b.readUInt16BE(6), h: b.readUInt16BE(8) };
        const incremental = b[1] !== 0 && (this.request?.incremental ?? true);
        this.request = { incremental, region: this.request ? union(this.request.region, region) : region };
        if (!incremental) this.host.activity(); // a full update is wanted now, not after idle backoff
        this.host.wantsFrames(this);
        return 10;
      }
      case 4: { // KeyEvent
        if (b.length < 8) return 0;
        this.key(b[1] !== 0, b.readUInt32BE(4));
        return 8;
      }
      case 5: { // PointerEvent
        if (b.length < 6) return 0;
        this.pointer(b[1]!, b.readUInt16BE(2), b.readUInt16BE(4));
        return 6;
      }
      case 6: { // ClientCutText: read past it
        if (b.length < 8) return 0;
        const len = b.readUInt32BE(4);
        if (len > MAX_CUT_TEXT) throw new Error(`cut text of ${len} bytes`);
        const have = Math.min(len, b.length - 8);
        this.skip = len - have;
        return 8 + have;
      }
      default:
        throw new Error(`unknown message type ${b[0]}`);
    }
  }

  private key(down: boolean, keysym: number): void {
    const q = keysymToQcode(keysym);
    if (q === undefined) {
      if (!this.unknownKeysyms.has(keysym) && this.unknownKeysyms.size < 64) {
        this.unknownKeysyms.add(keysym);
        this.host.log(`vnc: keysym 0x${keysym.toString(16)} has no PC key; ignored`);
      }
      return;
    }
    this.host.activity();
    if (down) this.keysDown.add(q);
    else if (!this.keysDown.delete(q)) return; // a release we never saw pressed (or already released)
    this.input(() => this.host.input.key(q, down));
  }

  /** Absolute client coordinates become relative motion for the PS/2 mouse. */
  private pointer(mask: number, x: number, y: number): void {
    const last = this.pointerAt;
    const dx = last ? x - last.x : 0, dy = last ? y - last.y : 0;
    this.pointerAt = { x, y, mask };
    if (last && dx === 0 && dy === 0 && mask === last.mask) return;
    this.host.activity();
    this.input(() => this.host.input.pointer(dx, dy, mask & 0x1f));
  }

  /** Runs an input call; a failing sink is reported, never fatal to the connection. */
  private input(call: () => void): void {
    try {
      call();
    } catch (e) {
      this.host.log(`vnc: input not delivered: ${(e as Error).message}`);
    }
  }

  private sendPalette(): void {
    const colours = paletteColours();
    const msg = Buffer.alloc(6 + colours.length * 6);
    msg[0] = 1; // SetColourMapEntries
    msg.writeUInt16BE(0, 2);
    msg.writeUInt16BE(colours.length, 4);
    colours.forEach(([r, g, bl], i) => {
      msg.writeUInt16BE(r, 6 + i * 6);
      msg.writeUInt16BE(g, 8 + i * 6);
      msg.writeUInt16BE(bl, 10 + i * 6);
    });
    this.send(msg);
  }

  private update(frame: Frame, req: { incremental: boolean; region: Rect }): void {
    const rects: Uint8Array[] = [];
    let count = 0;
    let region = req.region;
    if (frame.width !== this.width || frame.height !== this.height) {
      if (this.desktopSize) {
        this.width = frame.width;
        this.height = frame.height;
        this.shadow = undefined;
        rects.push(rectHeader({ x: 0, y: 0, w: frame.width, h: frame.height }, RFB_ENCODING.DESKTOP_SIZE));
        count++;
        region = { x: 0, y: 0, w: frame.width, h: frame.height };
      } else {
        frame = fitFrame(frame, this.width, this.height); // the client cannot resize: show what fits
      }
    }
    const dirty = changedRects(frame.pixels, req.incremental ? this.shadow : undefined, this.width, this.height, region);
    if (dirty.length === 0 && count === 0 && req.incremental) return; // nothing new: the request waits
    this.request = undefined;
    const stride = this.width * 4;
    if (!this.shadow || this.shadow.length !== frame.pixels.length) this.shadow = new Uint8Array(frame.pixels.length);
    for (const r of dirty) {
      rects.push(rectHeader(r, this.encoding), this.encode(frame.pixels, stride, r));
      this.host.sent(this.encoding);
      count++;
      for (let y = r.y; y < r.y + r.h; y++) this.shadow.set(frame.pixels.subarray(y * stride + r.x * 4, y * stride + (r.x + r.w) * 4), y * stride + r.x * 4);
    }
    const head = Buffer.alloc(4);
    head.writeUInt16BE(count, 2); // type 0 FramebufferUpdate, padding, rectangle count
    this.send(Buffer.concat([head, ...rects]));
  }

  private encode(src: Uint8Array, stride: number, r: Rect): Uint8Array {
    switch (this.encoding) {
      case RFB_ENCODING.ZRLE: return encodeZrle(this.conv, this.zrle, src, stride, r.x, r.y, r.w, r.h);
      case RFB_ENCODING.HEXTILE: return encodeHextile(this.conv, src, stride, r.x, r.y, r.w, r.h);
      case RFB_ENCODING.ZLIB: return encodeZlib(this.conv, this.zlib, src, stride, r.x, r.y, r.w, r.h);
      default: return this.conv.rect(src, stride, r.x, r.y, r.w, r.h);
    }
  }
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

function rectHeader(r: Rect, encoding: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(r.x, 0);
  b.writeUInt16BE(r.y, 2);
  b.writeUInt16BE(r.w, 4);
  b.writeUInt16BE(r.h, 6);
  b.writeInt32BE(encoding, 8);
  return b;
}

function union(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x), y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}

/** `frame` cropped or padded with black to `width` x `height`. */
function fitFrame(frame: Frame, width: number, height: number): Frame {
  const pixels = new Uint8Array(width * height * 4);
  const area = intersect({ x: 0, y: 0, w: frame.width, h: frame.height }, { x: 0, y: 0, w: width, h: height });
  if (area) {
    for (let y = 0; y < area.h; y++) pixels.set(frame.pixels.subarray(y * frame.width * 4, (y * frame.width + area.w) * 4), y * width * 4);
  }
  return { width, height, pixels };
}
