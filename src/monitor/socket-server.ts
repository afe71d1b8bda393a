/**
 * Listening sockets for the monitors (unix or TCP), each connection with its own session.
 * Unlike QEMU's socket chardev, which serves one client while later ones wait in the listen
 * backlog, every client is served at once: two QMP clients (a test harness and a person with
 * socat, say) each get the greeting, replies and events. A client that disconnects, stops
 * reading or sends garbage affects only its own session; the VM never notices.
 * The unix socket path is replaced only when it is a stale socket (never a regular file) and
 * removed on close.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { MonitorEndpoint } from './options.js';

/** One connection's session: bytes in, and what to do when the client leaves. */
export interface SocketSession {
  input(data: Uint8Array): void;
  close(): void;
}

/** Creates a session for a new client; `write` sends to it, `hangUp` disconnects it. */
export type SessionFactory = (write: (text: string) => void, hangUp: () => void) => SocketSession;

/** Output queued for a client that does not read before it is disconnected. */
export const MAX_CLIENT_BACKLOG = 16 * 1024 * 1024;

/** A listening monitor socket. */
export class MonitorSocketServer {
  private readonly server: Server;
  private readonly clients = new Set<Socket>();
  private listening = false;
  private firstClient: (() => void) | undefined;
  private readonly firstClientSeen: Promise<void>;

  constructor(
    private readonly endpoint: Extract<MonitorEndpoint, { kind: 'unix' | 'tcp' }>,
    private readonly factory: SessionFactory,
  ) {
    this.firstClientSeen = new Promise((resolve) => (this.firstClient = resolve));
    this.server = createServer((sock) => this.accept(sock));
  }

  /** Starts listening; rejects with QEMU's "Failed to bind socket ..." text. */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const what = this.endpoint.kind === 'unix' ? this.endpoint.path : `${this.endpoint.host}:${this.endpoint.port}`;
        reject(new Error(`Failed to bind socket to '${what}': ${err.code === 'EADDRINUSE' ? 'Address already in use' : err.message}`));
      };
      this.server.once('error', onError);
      const done = (): void => {
        this.server.removeListener('error', onError);
        this.server.on('error', () => undefined); // accept() failures later must not end tkvm
        this.listening = true;
        resolve();
      };
      if (this.endpoint.kind === 'unix') {
        try {
          removeStaleSocket(this.endpoint.path);
        } catch (err) {
          reject(err);
          return;
        }
        this.server.listen(this.endpoint.path, done);
      } else {
        this.server.listen(this.endpoint.port, this.endpoint.host, done);
      }
    });
  }

  /** The TCP port actually bound (port 0 picks one); undefined for unix sockets. */
  get port(): number | undefined {
    const addr = this.server.address();
    return addr !== null && typeof addr === 'object' ? addr.port : undefined;
  }

  /** Resolves when the first client has connected (QEMU's `wait`, before the guest starts). */
  waitForClient(): Promise<void> {
    return this.firstClientSeen;
  }

  private accept(sock: Socket): void {
    this.clients.add(sock);
    this.firstClient?.();
    let gone = false;
    const hangUp = (): void => {
      if (!gone) sock.end();
    };
    const write = (text: string): void => {
      if (gone || sock.destroyed || !sock.writable) return;
      if (sock.writableLength > MAX_CLIENT_BACKLOG) {
        sock.destroy(); // it stopped reading: drop it rather than buffer without end
        return;
      }
      sock.write(text);
    };
    const session = this.factory(write, hangUp);
    const leave = (): void => {
      if (gone) return;
      gone = true;
      this.clients.delete(sock);
      session.close();
      sock.destroy();
    };
    sock.on('data', (chunk: Buffer) => session.input(chunk));
    sock.on('error', leave);
    sock.on('close', leave);
    sock.on('end', leave);
  }

  /** Stops listening, disconnects every client and removes the unix socket. */
  close(): void {
    for (const sock of this.clients) sock.destroy();
    this.clients.clear();
    this.server.close();
    if (this.listening && this.endpoint.kind === 'unix') {
      try {
        unlinkSync(this.endpoint.path);
      } catch {
        // already gone
      }
    }
    this.listening = false;
  }
}

function removeStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new Error(`Failed to bind socket to '${path}': the path exists and is not a socket`);
  unlinkSync(path);
}
