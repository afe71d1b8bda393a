/**
 * tkvm's VNC server (RFB 3.8; 3.3 and 3.7 clients too): shows the machine's display to any number
 * of clients and feeds their keyboard and mouse into the machine. It runs in the main thread and
 * knows the machine only through the display seam (src/display/display.ts).
 *
 * Wiring (what the machine's front end does for `-vnc ARG`):
 *
 *   import { parseVncOption } from '../vnc/option.js';
 *   import { VncServer } from '../vnc/server.js';
 *   const opt = parseVncOption(arg);              // at CLI time: throws CliError on bad syntax
 *   const vnc = new VncServer({ display, input, maxClients: opt.maxClients, log });
 *   if (opt.kind !== 'none') await vnc.listen(opt); // resolves once bound; rejects if it cannot bind
 *   ...                                           // vnc.address says where ("127.0.0.1:5901", "unix:/p")
 *   await vnc.close();                            // at exit: drops clients, removes a unix socket
 *
 * `display` is the machine's DisplayPort (frames are fetched only while some client waits for an
 * update, at most every `refreshMs`, and shared by all clients); `input` is an InputSink that
 * reaches the PS/2 keyboard and mouse (src/input/ps2-input.ts in the machine thread). Pointer
 * buttons are RFB's mask: POINTER_BUTTON's three bits plus wheel up (8) and down (16).
 * `vnc.refresh()` may be called when the machine knows the screen changed (optional).
 * InputSink calls are synchronous and fire-and-forget: across the thread boundary, post them.
 * `vnc.clientCount` and `vnc.rectsSent` (rectangles by encoding) serve an `info vnc`.
 *
 * Machine-thread side (the devices):
 *
 *   const mouse = new Ps2Mouse({ onData: () => kbc.auxDataReady() });   // src/devices/ps2-mouse.ts
 *   const kbc = new I8042({ kbdIrq, auxIrq: irq12, aux: mouse, onReset, onA20 });
 *   const input = new Ps2InputSink(kbc, mouse, log);                   // src/input/ps2-input.ts
 *
 * QMP send-key / HMP sendkey use src/input/keymap.ts: isQKeyCode, numberToQcode, parseHmpKeys
 * ("ctrl-alt-delete" -> ["ctrl", "alt", "delete"]), then input.key(qcode, down) for each.
 *
 * Threat note: clients are untrusted. A client's mistake ends that client's connection only; the
 * DisplayPort or InputSink failing is logged and never ends the server.
 */
import net from 'node:net';
import fs from 'node:fs';
import type { DisplayPort, Frame, InputSink } from '../display/display.js';
import { RfbConnection } from './rfb-connection.js';
import type { RfbHost } from './rfb-connection.js';
import { VNC_BASE_PORT } from './option.js';
import type { VncListen } from './option.js';

/** What the server is built from. */
export interface VncServerOptions {
  /** The machine's display; `frame()` resolving undefined shows a black 640x480 screen. */
  display: DisplayPort;
  /** Where keys and pointer motion go. */
  input: InputSink;
  /** Desktop name shown by viewers (default "tkvm"). */
  name?: string;
  /** Most clients at once; more are refused (default 32). */
  maxClients?: number;
  /** Shortest time between two frame fetches, in ms (default 40: 25 frames per second); while the
   *  screen stays the same the interval grows by 50 ms a fetch up to IDLE_REFRESH_MS, like QEMU's. */
  refreshMs?: number;
  /** One-line reports of client problems (default: dropped). */
  log?: (msg: string) => void;
}

const BLANK = { width: 640, height: 480 };

/** The longest wait between frame fetches while nothing changes on screen (ms). */
export const IDLE_REFRESH_MS = 500;

/** The VNC server; see the file comment. */
export class VncServer {
  private readonly servers: net.Server[] = [];
  private readonly clients = new Set<RfbConnection>();
  private readonly host: RfbHost;
  private readonly refreshMs: number;
  private readonly maxClients: number;
  private readonly log: (msg: string) => void;
  private fetching: Promise<Frame> | undefined;
  private lastFetch = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private interval: number;
  private unixPath: string | undefined;
  private bound = '';
  private closed = false;
  private readonly rects = new Map<number, number>();

  constructor(private readonly opts: VncServerOptions) {
    this.refreshMs = opts.refreshMs ?? 40;
    this.interval = this.refreshMs;
    this.maxClients = opts.maxClients ?? 32;
    this.log = opts.log ?? ((): void => {});
    const self = this;
    this.host = {
      name: opts.name ?? 'tkvm',
      input: opts.input,
      frame: () => self.frame(),
      wantsFrames: () => self.schedule(),
      log: (m) => self.log(m),
      closed: (c) => { self.clients.delete(c); },
      sent: (e) => { self.rects.set(e, (self.rects.get(e) ?? 0) + 1); },
      activity: () => self.refresh(),
    };
  }

  /** Where the server listens: "HOST:PORT" or "unix:PATH" ("" before listen). */
  get address(): string {
    return this.bound;
  }

  /** The TCP port bound, if listening on TCP. */
  get port(): number | undefined {
    const a = this.servers[0]?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /** Connected clients. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Rectangles sent so far by encoding name ("raw", "hextile", "zlib", "zrle"). */
  get rectsSent(): Record<string, number> {
    const names: Record<number, string> = { 0: 'raw', 5: 'hextile', 6: 'zlib', 16: 'zrle' };
    return Object.fromEntries([...this.rects].map(([e, n]) => [names[e] ?? String(e), n]));
  }

  /** Starts listening; TCP tries displays `display`..`lastDisplay` until one is free (QEMU's to=). */
  async listen(where: VncListen): Promise<void> {
    if (where.kind === 'none') return;
    if (where.kind === 'unix') {
      removeStaleSocket(where.path);
      await this.bind({ path: where.path });
      this.unixPath = where.path;
      this.bound = `unix:${where.path}`;
      return;
    }
    // "localhost" means both loopback addresses, as in QEMU (clients may resolve either).
    const hosts = where.host === 'localhost' ? (where.family === 6 ? ['::1'] : where.family === 4 ? ['127.0.0.1'] : ['127.0.0.1', '::1']) : [where.host];
    let lastError: unknown;
    for (let d = where.display; d <= where.lastDisplay; d++) {
      const port = VNC_BASE_PORT + d;
      try {
        await this.bind({ host: hosts[0]!, port, ...(where.family === 6 ? { ipv6Only: true } : {}) });
      } catch (e) {
        lastError = e;
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        break;
      }
      for (const extra of hosts.slice(1)) {
        await this.bind({ host: extra, port, ipv6Only: true }).catch(() => {}); // no IPv6 here: the first address serves
      }
      this.bound = `${where.host.includes(':') ? `[${where.host}]` : where.host}:${port}`;
      return;
    }
    throw new Error(`vnc: cannot listen on ${where.host}:${VNC_BASE_PORT + where.display}: ${(lastError as Error).message}`);
  }

  /** Listens on an explicit TCP port (0 picks a free one): for tests and tools. */
  async listenTcp(host: string, port: number): Promise<void> {
    await this.bind({ host, port });
    this.bound = `${host}:${this.port}`;
  }

  /** Offers a fresh frame to waiting clients soon (the screen is known to change): ends idle backoff. */
  refresh(): void {
    this.interval = this.refreshMs;
    if (this.timer && this.timerDue > this.lastFetch + this.interval) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.schedule();
  }

  /** Disconnects every client and stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const c of [...this.clients]) c.close();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.servers.length = 0;
    if (this.unixPath) removeStaleSocket(this.unixPath);
  }

  private bind(opts: net.ListenOptions): Promise<void> {
    const server = net.createServer((s) => this.accept(s));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts, () => {
        server.off('error', reject);
        server.on('error', (e) => this.log(`vnc: ${e.message}`));
        this.servers.push(server);
        resolve();
      });
    });
  }

  private accept(socket: net.Socket): void {
    const peer = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : 'unix';
    if (this.closed || this.clients.size >= this.maxClients) {
      this.log(`vnc: refusing client ${peer}: ${this.clients.size} clients already`);
      socket.destroy();
      return;
    }
    this.clients.add(new RfbConnection(socket, this.host, peer));
  }

  /** One frame fetch at a time, shared by everyone who asks while it runs. */
  private frame(): Promise<Frame> {
    if (!this.fetching) {
      this.lastFetch = Date.now();
      this.fetching = this.opts.display.frame()
        .then((f) => f ?? { ...BLANK, pixels: new Uint8Array(BLANK.width * BLANK.height * 4) })
        .catch((e: unknown) => {
          this.log(`vnc: display unavailable: ${(e as Error).message}`);
          return { ...BLANK, pixels: new Uint8Array(BLANK.width * BLANK.height * 4) };
        })
        .finally(() => { this.fetching = undefined; });
    }
    return this.fetching;
  }

  /** Arranges the next frame for waiting clients, no sooner than refreshMs after the last fetch. */
  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timerDue = this.lastFetch + this.interval;
    const wait = Math.max(0, this.timerDue - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, wait);
  }

  private async tick(): Promise<void> {
    if (![...this.clients].some((c) => c.waiting)) return;
    const frame = await this.frame();
    let sent = false;
    for (const c of [...this.clients]) sent = c.offer(frame) || sent;
    this.interval = sent ? this.refreshMs : Math.min(this.interval + 50, Math.max(IDLE_REFRESH_MS, this.refreshMs));
    if ([...this.clients].some((c) => c.waiting)) this.schedule();
  }
}

/** Removes a leftover unix socket at `path` (never a regular file). */
function removeStaleSocket(path: string): void {
  try {
    if (fs.lstatSync(path).isSocket()) fs.unlinkSync(path);
  } catch {
    // absent: nothing to remove
  }
}
