/**
 * -serial unix:PATH[,server][,wait=off]: QEMU's socket chardev on a unix socket (QEMU 7.2).
 * - server: replaces a stale socket at PATH, listens, serves one client at a time (later ones
 *   wait, as they would in QEMU's listen backlog) and removes PATH on close. With wait (the
 *   default for server) `ready()` settles when the first client connects; with wait=off when
 *   listening, and QEMU prints nothing.
 * - client (no `server`): connects once at start; `ready()` rejects with QEMU's "Failed to
 *   connect to 'PATH': ..." and, without QEMU's reconnect= option, a lost peer stays lost.
 * Output with no peer is dropped, as QEMU's tcp_chr_write does; a peer that stops reading gets
 * at most MAX_PENDING bytes queued, then output is dropped until it catches up.
 * Refusal, on purpose: QEMU unlinks whatever PATH is; tkvm replaces only a stale socket, never a
 * regular file, so a mistyped path cannot delete data.
 */
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { dirname } from 'node:path';
import { CharDevError, errnoWords } from './errors.js';
import type { OpenedCharBackend } from './simple.js';

/** Bytes queued for a slow peer before further output is dropped. */
export const MAX_PENDING = 1 << 20;

/** Options of the unix socket backend. */
export interface UnixSocketOptions {
  readonly path: string;
  readonly server: boolean;
  readonly wait: boolean;
  /** Informational lines ("waiting for connection on ..."), printed by the caller. */
  readonly info?: (line: string) => void;
}

/** Opens the socket backend; call `ready()` before starting the guest. */
export function createUnixSocketBackend(opts: UnixSocketOptions): OpenedCharBackend {
  return opts.server ? new UnixServerBackend(opts) : new UnixClientBackend(opts.path);
}

/** Shared peer handling: one connected socket, input to the handler, writes never throw. */
abstract class PeerBackend implements OpenedCharBackend {
  protected peer: Socket | undefined;
  private handler: ((data: Uint8Array) => void) | undefined;
  protected closed = false;
  /** Bytes dropped because no peer was connected or it was too slow (for diagnostics). */
  dropped = 0;

  abstract ready(): Promise<void>;
  abstract close(): void;

  write(data: Uint8Array): void {
    const peer = this.peer;
    if (peer === undefined || peer.destroyed || !peer.writable || peer.writableLength > MAX_PENDING) {
      this.dropped += data.length;
      return;
    }
    peer.write(Buffer.from(data)); // copy: the device may reuse its buffer
  }

  onInput(handler: (data: Uint8Array) => void): void {
    this.handler = handler;
  }

  /** Makes `sock` the peer; `onGone` runs once when it disconnects or fails. */
  protected attach(sock: Socket, onGone: () => void): void {
    this.peer = sock;
    sock.on('data', (chunk: Buffer) => this.handler?.(chunk));
    let gone = false;
    const leave = (): void => {
      if (gone) return;
      gone = true;
      if (this.peer === sock) this.peer = undefined;
      sock.destroy();
      onGone();
    };
    sock.on('error', leave); // ECONNRESET, EPIPE: the peer went away, the guest goes on
    sock.on('close', leave);
    sock.on('end', () => sock.end());
    sock.resume();
  }
}

class UnixServerBackend extends PeerBackend {
  private readonly server: Server;
  private readonly waiting: Socket[] = [];
  private readonly readyPromise: Promise<void>;
  private created = false;

  constructor(private readonly opts: UnixSocketOptions) {
    super();
    removeStaleSocket(opts.path);
    this.server = createServer({ pauseOnConnect: true }, (sock) => this.accept(sock));
    this.readyPromise = new Promise<void>((resolve, reject) => {
      this.server.on('error', (err) => {
        if (!this.created) {
          // libuv reports a missing directory as EACCES (for Windows' sake): say what it is.
          const words = existsSync(dirname(opts.path)) ? errnoWords(err) : 'No such file or directory';
          reject(new CharDevError(`Failed to bind socket to '${opts.path}': ${words}`, { path: opts.path }, err));
        } else {
          // accept() failures (EMFILE...) after listening: report, keep the guest running
          opts.info?.(`warning: unix socket '${opts.path}': ${errnoWords(err)}`);
        }
      });
      this.server.listen(opts.path, () => {
        this.created = true;
        if (!opts.wait) {
          resolve();
          return;
        }
        opts.info?.(`info: tkvm waiting for connection on: disconnected:unix:${opts.path},server=on`);
        this.server.once('connection', () => resolve());
      });
    });
    this.readyPromise.catch(() => {}); // surfaced through ready(); never an unhandled rejection
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  private accept(sock: Socket): void {
    if (this.closed) {
      sock.destroy();
      return;
    }
    if (this.peer !== undefined) {
      this.waiting.push(sock); // served when the current client leaves
      sock.on('error', () => sock.destroy());
      return;
    }
    this.attach(sock, () => this.next());
  }

  private next(): void {
    if (this.closed) return;
    let sock = this.waiting.shift();
    while (sock !== undefined && sock.destroyed) sock = this.waiting.shift();
    if (sock !== undefined) {
      sock.removeAllListeners('error');
      this.attach(sock, () => this.next());
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.peer?.destroy();
    for (const sock of this.waiting) sock.destroy();
    this.waiting.length = 0;
    this.server.close();
    if (this.created) {
      try {
        unlinkSync(this.opts.path);
      } catch {
        // already removed
      }
    }
  }
}

class UnixClientBackend extends PeerBackend {
  private readonly readyPromise: Promise<void>;
  private readonly sock: Socket;

  constructor(path: string) {
    super();
    const sock = createConnection(path);
    this.sock = sock;
    this.readyPromise = new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        reject(new CharDevError(`Failed to connect to '${path}': ${errnoWords(err)}`, { path }, err));
      };
      sock.once('error', fail);
      sock.once('connect', () => {
        sock.removeListener('error', fail);
        if (this.closed) {
          sock.destroy();
          return;
        }
        this.attach(sock, () => {});
        resolve();
      });
    });
    this.readyPromise.catch(() => {});
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  close(): void {
    this.closed = true;
    this.sock.destroy();
    this.peer?.destroy();
  }
}

function removeStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) {
    throw new CharDevError(`Failed to bind socket to '${path}': the path exists and is not a socket (remove it or pick another)`, { path });
  }
  try {
    unlinkSync(path);
  } catch (err) {
    throw new CharDevError(`Failed to unlink socket '${path}': ${errnoWords(err)}`, { path }, err);
  }
}
