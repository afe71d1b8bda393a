/**
 * Interop with TigerVNC's vncviewer (Debian tigervnc-viewer) on a virtual X server (xvfb): the
 * viewer's window, read back with xwd (x11-apps), must show our picture pixel for pixel with each
 * encoding we offer it (ZRLE, which it prefers among ours, then Hextile and Raw); keys and clicks
 * that xdotool makes on the X server reach our InputSink as QKeyCodes and PS/2-style motion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Frame } from '../display/display.js';
import { VncServer } from './server.js';

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['vncviewer', 'Xvfb', 'xwd', 'xdotool'].filter((c) => !has(c));
const skip = missing.length ? `${missing.join(', ')} not installed (Debian tigervnc-viewer, xvfb, x11-apps, xdotool; scripts/setup.sh installs them)` : false;

const W = 320, H = 200;
const colourAt = (x: number, y: number): number =>
  y < 16 ? (x * 7) & 0xffffff : (x * y) % 13 === 0 ? 0xffffff : x < W / 2 ? (y < H / 2 ? 0xff0000 : 0xffff00) : (y < H / 2 ? 0x0000ff : 0x00ffff);

function picture(): Frame {
  const pixels = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const c = colourAt(x, y), i = (y * W + x) * 4;
      pixels[i] = c & 0xff; pixels[i + 1] = (c >> 8) & 0xff; pixels[i + 2] = c >> 16;
    }
  }
  return { width: W, height: H, pixels };
}

/** How many pixels of each colour the X screen shows (xwd's 32-bit ZPixmap dump of the root). */
function screenColours(display: string): Map<number, number> {
  const r = spawnSync('xwd', ['-root', '-silent'], { env: { ...process.env, DISPLAY: display }, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, String(r.stderr));
  const d = r.stdout as Buffer;
  const headerSize = d.readUInt32BE(0), width = d.readUInt32BE(16), height = d.readUInt32BE(20);
  const byteOrder = d.readUInt32BE(28), bpp = d.readUInt32BE(44), stride = d.readUInt32BE(48), ncolours = d.readUInt32BE(76);
  assert.equal(bpp, 32);
  const off = headerSize + ncolours * 12;
  const counts = new Map<number, number>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = off + y * stride + x * 4;
      const v = (byteOrder === 0 ? d.readUInt32LE(o) : d.readUInt32BE(o)) & 0xffffff;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
  }
  return counts;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('TigerVNC vncviewer shows the screen exactly with ZRLE, Hextile and Raw', { skip }, async () => {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '640x480x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const events: string[] = [];
  const input = { key: (q: string, down: boolean): void => { events.push(`${q} ${down ? 'down' : 'up'}`); }, pointer: (dx: number, dy: number, b: number): void => { events.push(`move ${dx} ${dy} ${b}`); } };
  const server = new VncServer({ display: { frame: async () => picture(), text: async () => undefined }, input });
  let viewer: ChildProcess | undefined;
  try {
    const display = await new Promise<string>((resolve, reject) => {
      let text = '';
      xvfb.stdio[3]!.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\n')) resolve(`:${text.trim()}`);
      });
      xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
    });
    await server.listenTcp('127.0.0.1', 0);
    const want = new Map<number, number>();
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) want.set(colourAt(x, y), (want.get(colourAt(x, y)) ?? 0) + 1);
    // The viewer's "Press F8" banner covers part of the top half for a while: check the bottom half.
    const bottom = [0xffff00, 0x00ffff];
    for (const [name, encoding] of [['ZRLE', 'zrle'], ['Hextile', 'hextile'], ['Raw', 'raw']] as const) {
      viewer = spawn('vncviewer', [`-PreferredEncoding=${name}`, '-AutoSelect=0', '-FullColor=1', `127.0.0.1::${server.port!}`], { env: { ...process.env, DISPLAY: display }, stdio: 'ignore' });
      let shown: Map<number, number> | undefined;
      // Poll until the viewer has drawn the picture (bounded only to stop a stuck viewer hanging the suite).
      for (let i = 0; i < 600; i++) {
        await pause(100);
        if ((server.rectsSent[encoding] ?? 0) === 0) continue;
        shown = screenColours(display);
        if (bottom.every((c) => shown!.get(c) === want.get(c))) break;
      }
      assert.ok((server.rectsSent[encoding] ?? 0) > 0, `${name}: the viewer chose it (${JSON.stringify(server.rectsSent)})`);
      for (const c of bottom) assert.equal(shown?.get(c), want.get(c), `${name}: pixels of colour ${c.toString(16)}`);
      const gradient = [...want.keys()].filter((c) => !shown!.has(c));
      assert.deepEqual(gradient, [], `${name}: every colour of the picture is on screen`);
      if (encoding === 'zrle') {
        const xdo = (...args: string[]): void => {
          const r = spawnSync('xdotool', args, { env: { ...process.env, DISPLAY: display } });
          assert.equal(r.status, 0, String(r.stderr));
        };
        const win = spawnSync('xdotool', ['search', '--name', 'tkvm'], { env: { ...process.env, DISPLAY: display } }).stdout.toString().trim().split('\n').pop()!;
        xdo('windowfocus', '--sync', win); // no window manager: give the viewer the keyboard focus
        xdo('mousemove', '100', '180', 'click', '1'); // over the picture: the first position is known
        for (let i = 0; i < 600 && events.length < 2; i++) await pause(100);
        events.length = 0;
        xdo('mousedown', '1', 'mousemove', '110', '185', 'mouseup', '1', 'key', 'shift+a', 'Return');
        for (let i = 0; i < 600 && !events.includes('ret up'); i++) await pause(100);
        const keys = events.filter((e) => !e.startsWith('move'));
        assert.deepEqual([...keys].sort(), ['a down', 'a up', 'ret down', 'ret up', 'shift down', 'shift up'], keys.join(', '));
        assert.ok(keys.indexOf('shift down') < keys.indexOf('a down'), 'Shift is down before A');
        const moves = events.filter((e) => e.startsWith('move')).map((e) => e.split(' ').slice(1).map(Number));
        assert.deepEqual([moves.reduce((s, m) => s + m[0]!, 0), moves.reduce((s, m) => s + m[1]!, 0)], [10, 5], 'relative motion adds up');
        assert.ok(moves.some((m) => m[2] === 1) && moves.at(-1)![2] === 0, 'left button pressed, then released');
      }
      viewer.kill();
      await new Promise((r) => viewer!.once('exit', r));
      viewer = undefined;
    }
  } finally {
    viewer?.kill();
    xvfb.kill();
    await server.close();
  }
});
