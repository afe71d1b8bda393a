/**
 * A minimal QMP client for tests and scripts (tkvm's own integration tests read GRUB's screen
 * with it): connects to a unix socket, reads the greeting, sends commands and collects replies
 * and events line by line. Not used by tkvm itself.
 */
import { createConnection, type Socket } from 'node:net';

/** Any parsed QMP line. */
export type QmpLine = Record<string, unknown>;

/** One client connection. */
export class QmpClient {
  /** Events received so far, in order. */
  readonly events: QmpLine[] = [];
  private buffered = '';
  private readonly lines: QmpLine[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      this.buffered += chunk;
      let nl = this.buffered.indexOf('\n');
      while (nl >= 0) {
        const text = this.buffered.slice(0, nl).trim();
        this.buffered = this.buffered.slice(nl + 1);
        if (text !== '') this.lines.push(JSON.parse(text) as QmpLine);
        nl = this.buffered.indexOf('\n');
      }
      this.waiter?.();
    });
    const end = (): void => {
      this.ended = true;
      this.waiter?.();
    };
    sock.on('close', end);
    sock.on('error', end);
  }

  /** Connects to `path` and returns the client with its greeting. */
  static async connect(path: string): Promise<{ client: QmpClient; greeting: QmpLine }> {
    const sock = createConnection(path);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    const client = new QmpClient(sock);
    return { client, greeting: await client.nextLine() };
  }

  /** The next line that is not an event (events go to `events`); throws if the peer hung up. */
  async nextLine(): Promise<QmpLine> {
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) {
        if ('event' in line) {
          this.events.push(line);
          continue;
        }
        return line;
      }
      if (this.ended) throw new Error('QMP connection closed');
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** Waits until `count` events have arrived (or the peer hung up). */
  async waitEvents(count: number): Promise<QmpLine[]> {
    while (this.events.length < count) {
      const line = this.lines.shift();
      if (line !== undefined) {
        if ('event' in line) this.events.push(line);
        else this.lines.unshift(line);
        if (!('event' in line)) break;
        continue;
      }
      if (this.ended) break;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    return this.events;
  }

  /** Sends raw text. */
  sendRaw(text: string | Uint8Array): void {
    this.sock.write(text);
  }

  /** Sends {"execute": name, "arguments": args} and returns the reply line. */
  async execute(name: string, args?: Record<string, unknown>, id?: unknown): Promise<QmpLine> {
    const req: Record<string, unknown> = { execute: name };
    if (args !== undefined) req.arguments = args;
    if (id !== undefined) req.id = id;
    this.sock.write(`${JSON.stringify(req)}\n`);
    return this.nextLine();
  }

  /** Disconnects. */
  close(): void {
    this.sock.destroy();
  }
}
