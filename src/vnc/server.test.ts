import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { DisplayPort, Frame, InputSink } from '../display/display.js';
import { VncServer } from './server.js';
import { RfbTestClient } from './rfb-test-client.js';
import type { TestRect } from './rfb-test-client.js';

/** A display whose frame the test changes, counting fetches. */
class FakeDisplay implements DisplayPort {
  fetches = 0;
  constructor(public current: Frame) {}
  async frame(): Promise<Frame> {
    this.fetches++;
    return this.current;
  }
  async text(): Promise<undefined> {
    return undefined;
  }
}

/** A width x height frame filled by `colour(x, y)` = 0xRRGGBB. */
function makeFrame(width: number, height: number, colour: (x: number, y: number) => number): Frame {
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = colour(x, y), i = (y * width + x) * 4;
      pixels[i] = c & 0xff; pixels[i + 1] = (c >> 8) & 0xff; pixels[i + 2] = (c >> 16) & 0xff;
    }
  }
  return { width, height, pixels };
}

/** A picture with detail: stripes, a gradient and a few text-like dots. */
const picture = (x: number, y: number): number =>
  x < 40 ? 0x0000aa : y < 30 ? ((x * 3) & 0xff) << 8 | (y * 5) & 0xff : (x * y) % 7 === 0 ? 0xffffff : 0x202020;

class RecordingInput implements InputSink {
  events: string[] = [];
  key(q: string, down: boolean): void { this.events.push(`${q} ${down ? 'down' : 'up'}`); }
  pointer(dx: number, dy: number, b: number): void { this.events.push(`move ${dx} ${dy} ${b}`); }
}

async function setup(frame: Frame = makeFrame(100, 70, picture)) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tkvm-vnc-'));
  const sock = path.join(dir, 'vnc.sock');
  const display = new FakeDisplay(frame);
  const input = new RecordingInput();
  const logs: string[] = [];
  const server = new VncServer({ display, input, log: (m) => logs.push(m), refreshMs: 1 });
  await server.listen({ kind: 'unix', path: sock });
  const clients: RfbTestClient[] = [];
  const connect = async (): Promise<RfbTestClient> => {
    const c = await RfbTestClient.connect(sock);
    clients.push(c);
    return c;
  };
  const done = async (): Promise<void> => {
    for (const c of clients) c.socket.destroy();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { server, display, input, logs, connect, done, sock };
}

/** Pixel values of `frame` in RFB's default format (the server's: 0x00RRGGBB). */
function expected(frame: Frame, r: { x: number; y: number; w: number; h: number }): number[] {
  const out: number[] = [];
  for (let y = r.y; y < r.y + r.h; y++) {
    for (let x = r.x; x < r.x + r.w; x++) {
      const i = (y * frame.width + x) * 4;
      out.push(frame.pixels[i + 2]! << 16 | frame.pixels[i + 1]! << 8 | frame.pixels[i]!);
    }
  }
  return out;
}

/** Paints decoded rectangles onto a w x h canvas of pixel values. */
function paint(canvas: number[], width: number, rects: TestRect[]): void {
  for (const r of rects) {
    if (!r.pixels) continue;
    for (let y = 0; y < r.h; y++) for (let x = 0; x < r.w; x++) canvas[(r.y + y) * width + r.x + x] = r.pixels[y * r.w + x]!;
  }
}

test('RFB 3.8 handshake: ServerInit has the frame size, a 32-bit true-colour format and the name', async () => {
  const t = await setup();
  try {
    const c = await t.connect();
    const init = await c.handshake(8);
    assert.equal(init.width, 100);
    assert.equal(init.height, 70);
    assert.equal(init.name, 'tkvm');
    assert.deepEqual([init.format.bitsPerPixel, init.format.depth, init.format.trueColour, init.format.redShift, init.format.greenShift, init.format.blueShift], [32, 24, true, 16, 8, 0]);
  } finally {
    await t.done();
  }
});

test('3.3 and 3.7 clients complete their own handshakes and get a full update', async () => {
  const t = await setup();
  try {
    for (const minor of [3, 7]) {
      const c = await t.connect();
      const init = await c.handshake(minor);
      c.requestUpdate(false, 0, 0, init.width, init.height);
      const rects = await c.readUpdate();
      const canvas = new Array<number>(100 * 70).fill(-1);
      paint(canvas, 100, rects);
      assert.deepEqual(canvas, expected(t.display.current, { x: 0, y: 0, w: 100, h: 70 }), `3.${minor}`);
    }
  } finally {
    await t.done();
  }
});

for (const [name, enc] of [['Raw', 0], ['Hextile', 5], ['Zlib', 6], ['ZRLE', 16]] as const) {
  test(`${name}: full and incremental updates decode to the frame, and only changed tiles are resent`, async () => {
    const t = await setup();
    try {
      const c = await t.connect();
      await c.handshake();
      c.setEncodings([enc, -223]);
      c.requestUpdate(false, 0, 0, 100, 70);
      const canvas = new Array<number>(100 * 70).fill(-1);
      const first = await c.readUpdate();
      assert.ok(first.every((r) => r.encoding === enc), 'the requested encoding is used');
      paint(canvas, 100, first);
      assert.deepEqual(canvas, expected(t.display.current, { x: 0, y: 0, w: 100, h: 70 }));

      // Change a 3x2 patch inside one tile (x 50..52, y 40..41: tile column 3, row 2).
      const changed = makeFrame(100, 70, (x, y) => (x >= 50 && x < 53 && y >= 40 && y < 42 ? 0xff8000 : picture(x, y)));
      t.display.current = changed;
      c.requestUpdate(true, 0, 0, 100, 70);
      const second = await c.readUpdate();
      assert.deepEqual(second.map((r) => [r.x, r.y, r.w, r.h]), [[48, 32, 16, 16]], 'only the dirty tile');
      paint(canvas, 100, second);
      assert.deepEqual(canvas, expected(changed, { x: 0, y: 0, w: 100, h: 70 }));
      // Another round with the same encoder state (zlib streams continue across updates).
      t.display.current = makeFrame(100, 70, (x, y) => (y >= 64 ? 0x123456 : changed.pixels[(y * 100 + x) * 4 + 2]! << 16 | changed.pixels[(y * 100 + x) * 4 + 1]! << 8 | changed.pixels[(y * 100 + x) * 4]!));
      c.requestUpdate(true, 0, 0, 100, 70);
      const third = await c.readUpdate();
      assert.deepEqual(third.map((r) => [r.x, r.y, r.w, r.h]), [[0, 64, 100, 6]], 'one row of tiles, merged and clipped to the screen');
      paint(canvas, 100, third);
      assert.deepEqual(canvas, expected(t.display.current, { x: 0, y: 0, w: 100, h: 70 }));
    } finally {
      await t.done();
    }
  });
}

test('an incremental request with nothing changed waits for a change', async () => {
  const t = await setup();
  try {
    const c = await t.connect();
    await c.handshake();
    c.requestUpdate(false, 0, 0, 100, 70);
    await c.readUpdate();
    c.requestUpdate(true, 0, 0, 100, 70);
    const before = t.display.fetches;
    while (t.display.fetches < before + 3) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(c.buffered, 0, 'no update for an unchanged screen');
    t.display.current = makeFrame(100, 70, (x, y) => (x === 99 && y === 0 ? 0xffffff : picture(x, y)));
    const rects = await c.readUpdate();
    assert.deepEqual(rects.map((r) => [r.x, r.y, r.w, r.h]), [[96, 0, 4, 16]]);
  } finally {
    await t.done();
  }
});

test('SetPixelFormat: 16-bit big-endian 5-6-5, 8-bit 3-3-2 and colour-map clients get converted pixels', async () => {
  const t = await setup(makeFrame(4, 1, (x) => [0xff0000, 0x00ff00, 0x0000ff, 0x808080][x]!));
  try {
    const c = await t.connect();
    await c.handshake();
    c.setPixelFormat({ bitsPerPixel: 16, depth: 16, bigEndian: true, trueColour: true, redMax: 31, greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0 });
    c.requestUpdate(false, 0, 0, 4, 1);
    assert.deepEqual((await c.readUpdate())[0]!.pixels, [0xf800, 0x07e0, 0x001f, (16 << 11) | (32 << 5) | 16]);
    c.setPixelFormat({ bitsPerPixel: 8, depth: 8, bigEndian: false, trueColour: true, redMax: 7, greenMax: 7, blueMax: 3, redShift: 0, greenShift: 3, blueShift: 6 });
    c.requestUpdate(false, 0, 0, 4, 1);
    assert.deepEqual((await c.readUpdate())[0]!.pixels, [0x07, 0x38, 0xc0, 4 | (4 << 3) | (2 << 6)]);
    c.setPixelFormat({ bitsPerPixel: 32, depth: 24, bigEndian: true, trueColour: true, redMax: 255, greenMax: 255, blueMax: 255, redShift: 0, greenShift: 8, blueShift: 16 });
    c.setEncodings([16]);
    c.requestUpdate(false, 0, 0, 4, 1);
    assert.deepEqual((await c.readUpdate())[0]!.pixels, [0x0000ff, 0x00ff00, 0xff0000, 0x808080], 'ZRLE with big-endian CPIXELs');
    c.setPixelFormat({ bitsPerPixel: 8, depth: 8, bigEndian: false, trueColour: false, redMax: 0, greenMax: 0, blueMax: 0, redShift: 0, greenShift: 0, blueShift: 0 });
    c.setEncodings([0]);
    c.requestUpdate(false, 0, 0, 4, 1);
    assert.deepEqual((await c.readUpdate())[0]!.pixels, [0x07, 0x38, 0xc0, 4 | (4 << 3) | (2 << 6)], 'palette indices');
  } finally {
    await t.done();
  }
});

test('a mode change reaches DesktopSize clients as a resize followed by the whole new screen', async () => {
  const t = await setup();
  try {
    const c = await t.connect();
    await c.handshake();
    c.setEncodings([0, -223]);
    c.requestUpdate(false, 0, 0, 100, 70);
    await c.readUpdate();
    t.display.current = makeFrame(40, 20, () => 0x00ff00);
    c.requestUpdate(true, 0, 0, 100, 70);
    const rects = await c.readUpdate();
    assert.deepEqual(rects.map((r) => [r.encoding, r.x, r.y, r.w, r.h]), [[-223, 0, 0, 40, 20], [0, 0, 0, 40, 20]]);
    assert.ok(rects[1]!.pixels!.every((p) => p === 0x00ff00));
  } finally {
    await t.done();
  }
});

test('keys become qcodes (shifted symbols as their key) and pointer positions become relative motion', async () => {
  const t = await setup();
  try {
    const c = await t.connect();
    await c.handshake();
    c.key(true, 0xffe1); // Shift_L
    c.key(true, 0x21); // exclam
    c.key(false, 0x21);
    c.key(false, 0xffe1);
    c.key(true, 0xff0d); // Return
    c.key(false, 0xff0d);
    c.key(true, 0x41); // "A" without a Shift: still the a key
    c.key(false, 0x41);
    c.pointer(0, 10, 10);
    c.pointer(1, 15, 7);
    c.pointer(1, 15, 7); // the same again: nothing
    c.pointer(0, 15, 7);
    c.pointer(8, 15, 7); // wheel up press
    c.requestUpdate(false, 0, 0, 1, 1);
    await c.readUpdate(); // everything before it has been handled
    assert.deepEqual(t.input.events, [
      'shift down', '1 down', '1 up', 'shift up', 'ret down', 'ret up', 'a down', 'a up',
      'move 0 0 0', 'move 5 -3 1', 'move 0 0 0', 'move 0 0 8',
    ]);
  } finally {
    await t.done();
  }
});

test('keys a client holds are released when it disconnects', async () => {
  const t = await setup();
  try {
    const c = await t.connect();
    await c.handshake();
    c.key(true, 0xffe3); // Control_L
    c.requestUpdate(false, 0, 0, 1, 1);
    await c.readUpdate();
    c.socket.destroy();
    while (t.server.clientCount > 0) await new Promise((r) => setImmediate(r));
    assert.deepEqual(t.input.events, ['ctrl down', 'ctrl up']);
  } finally {
    await t.done();
  }
});

test('garbage and protocol errors end only that client; other clients keep working', async () => {
  const t = await setup();
  try {
    const good = await t.connect();
    await good.handshake();
    const junk = await t.connect();
    junk.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await junk.waitClosed();
    const wrongType = await t.connect();
    await wrongType.handshake();
    wrongType.write(Uint8Array.of(99, 1, 2, 3));
    await wrongType.waitClosed();
    const badFormat = await t.connect();
    await badFormat.handshake();
    badFormat.write(Buffer.concat([Uint8Array.of(0, 0, 0, 0, 24, 24, 0, 1), Buffer.alloc(12)]));
    await badFormat.waitClosed();
    const badSecurity = await t.connect();
    await badSecurity.read(12);
    badSecurity.write(Buffer.from('RFB 003.008\n'));
    await badSecurity.read(2);
    badSecurity.write(Uint8Array.of(2)); // VNC authentication: not offered
    assert.equal((await badSecurity.read(4)).readUInt32BE(0), 1, 'SecurityResult failed');
    await badSecurity.waitClosed();
    const cut = await t.connect();
    await cut.handshake();
    const text = Buffer.alloc(100000, 0x41);
    const head = Buffer.alloc(8);
    head[0] = 6;
    head.writeUInt32BE(text.length, 4);
    cut.write(Buffer.concat([head, text]));
    cut.requestUpdate(false, 0, 0, 2, 2);
    assert.equal((await cut.readUpdate()).length, 1, 'ClientCutText is read past');
    good.requestUpdate(false, 0, 0, 100, 70);
    const rects = await good.readUpdate();
    assert.equal(rects.length, 1);
    assert.ok(t.logs.some((l) => /unknown message type 99/.test(l)), t.logs.join('\n'));
    assert.ok(t.logs.some((l) => /bits-per-pixel 24/.test(l)), t.logs.join('\n'));
  } finally {
    await t.done();
  }
});

test('several clients get their own updates of the same screen', async () => {
  const t = await setup();
  try {
    const a = await t.connect(), b = await t.connect();
    await a.handshake();
    await b.handshake(3);
    a.setEncodings([16]);
    b.setEncodings([5]);
    a.requestUpdate(false, 0, 0, 100, 70);
    b.requestUpdate(false, 0, 0, 100, 70);
    const [ra, rb] = await Promise.all([a.readUpdate(), b.readUpdate()]);
    assert.deepEqual(ra[0]!.pixels, expected(t.display.current, { x: 0, y: 0, w: 100, h: 70 }));
    assert.deepEqual(rb[0]!.pixels, ra[0]!.pixels);
    assert.equal(t.server.clientCount, 2);
    assert.deepEqual(t.server.rectsSent, { zrle: 1, hextile: 1 });
  } finally {
    await t.done();
  }
});

test('no display (-vga none) shows a black 640x480 screen; listening on TCP display numbers', async () => {
  const server = new VncServer({ display: { frame: async () => undefined, text: async () => undefined }, input: new RecordingInput() });
  try {
    await server.listen({ kind: 'tcp', host: '127.0.0.1', display: 150, lastDisplay: 250 });
    assert.ok(server.port! >= 6050 && server.port! <= 6150, server.address);
    assert.equal(server.address, `127.0.0.1:${server.port}`);
    const c = await RfbTestClient.connect(server.port!);
    const init = await c.handshake();
    assert.deepEqual([init.width, init.height], [640, 480]);
    c.socket.destroy();
  } finally {
    await server.close();
  }
});

test('"localhost" listens on 127.0.0.1 and, where the host has IPv6, on ::1', async () => {
  const server = new VncServer({ display: new FakeDisplay(makeFrame(8, 8, () => 0)), input: new RecordingInput() });
  try {
    await server.listen({ kind: 'tcp', host: 'localhost', display: 300, lastDisplay: 400 });
    const v4 = await RfbTestClient.connect(server.port!);
    assert.equal((await v4.handshake()).width, 8);
    v4.socket.destroy();
    const v6 = await new Promise<net.Socket | undefined>((resolve) => {
      const s = net.connect(server.port!, '::1');
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
    if (v6) {
      const c = new RfbTestClient(v6);
      assert.equal((await c.handshake()).height, 8);
      v6.destroy();
    }
  } finally {
    await server.close();
  }
});
