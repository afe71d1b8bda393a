/**
 * One human-monitor conversation on a terminal-like byte stream (stdio, a socket, or the
 * Ctrl-A c side of the -nographic multiplexer). Like QEMU's readline it echoes what is typed,
 * handles backspace, ignores cursor-key escape sequences, prints the banner and the
 * "(qemu) " prompt, and writes every "\n" as "\r\n". Commands run one at a time in order;
 * lines typed meanwhile wait their turn.
 */
import type { MonitorHub } from './events.js';
import { runHmpCommand } from './hmp.js';

/** QEMU's prompt. */
export const HMP_PROMPT = '(qemu) ';

/** How a session presents itself. */
export interface HmpSessionOptions {
  /** Print the banner and prompt now (false for the multiplexer until the first Ctrl-A c). */
  readonly greet?: boolean;
  /** Echo typed characters (QEMU always does; tests of pure output may turn it off). */
  readonly echo?: boolean;
}

/** A human monitor on a byte stream; `send` writes text to the user. */
export class HmpSession {
  private line: number[] = [];
  private lastWasCr = false;
  private escape: 'none' | 'esc' | 'csi' = 'none';
  private readonly lines: string[] = [];
  private running = false;
  private ended = false;
  private greeted = false;
  private readonly echo: boolean;
  private drained: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;

  constructor(
    private readonly hub: MonitorHub,
    private readonly send: (text: string) => void,
    opts: HmpSessionOptions = {},
  ) {
    this.echo = opts.echo ?? true;
    if (opts.greet ?? true) this.greet();
  }

  private out(text: string): void {
    if (text !== '') this.send(text.replace(/\r?\n/g, '\r\n'));
  }

  private greet(): void {
    this.greeted = true;
    this.out(`${this.hub.version.package} monitor - type 'help' for more information\n${HMP_PROMPT}`);
  }

  /** The multiplexer gave the monitor the terminal (true) or took it back (false). */
  focus(focused: boolean): void {
    if (!focused) {
      this.out('\n');
      return;
    }
    if (!this.greeted) this.greet();
    else this.out(HMP_PROMPT + Buffer.from(this.line).toString('utf8'));
  }

  /** Bytes the user typed. */
  input(data: Uint8Array): void {
    if (this.ended) return;
    for (const b of data) this.key(b);
    void this.pump();
  }

  private key(b: number): void {
    if (this.escape === 'esc') {
      this.escape = b === 0x5b || b === 0x4f ? 'csi' : 'none';
      return;
    }
    if (this.escape === 'csi') {
      if (b >= 0x40 && b <= 0x7e) this.escape = 'none';
      return;
    }
    const wasCr = this.lastWasCr;
    this.lastWasCr = b === 0x0d;
    if (b === 0x0a && wasCr) return; // CR LF is one Enter
    if (b === 0x0d || b === 0x0a) {
      if (this.echo) this.out('\n');
      this.lines.push(Buffer.from(this.line).toString('utf8'));
      this.line = [];
      return;
    }
    if (b === 0x7f || b === 0x08) {
      if (this.line.length === 0) return;
      // drop a whole UTF-8 character
      let cut = this.line.length - 1;
      while (cut > 0 && (this.line[cut]! & 0xc0) === 0x80) cut--;
      this.line.length = cut;
      if (this.echo) this.out('\b \b');
      return;
    }
    if (b === 0x1b) {
      this.escape = 'esc';
      return;
    }
    if (b < 0x20) return; // other control keys do nothing here
    this.line.push(b);
    if (this.echo) this.echoByte(b);
  }

  private utf8: number[] = [];

  /** Echoes ASCII at once and a multi-byte UTF-8 character when it is complete. */
  private echoByte(b: number): void {
    if (b < 0x80) {
      this.utf8 = [];
      this.send(String.fromCharCode(b));
      return;
    }
    if (b >= 0xc0) this.utf8 = [];
    this.utf8.push(b);
    const lead = this.utf8[0]!;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (this.utf8.length >= need) {
      this.send(Buffer.from(this.utf8).toString('utf8'));
      this.utf8 = [];
    }
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.drained = new Promise((resolve) => (this.wake = resolve));
    try {
      for (let line = this.lines.shift(); line !== undefined && !this.ended; line = this.lines.shift()) {
        const result = await runHmpCommand(line, this.hub);
        this.out(result.output);
        if (result.quit === true) {
          this.ended = true;
          break;
        }
        this.out(HMP_PROMPT);
      }
    } finally {
      this.running = false;
      this.wake?.();
    }
  }

  /** Resolves when every complete line typed so far has been answered. */
  idle(): Promise<void> {
    return this.running ? this.drained : Promise.resolve();
  }

  /** The stream closed: forget pending lines. */
  close(): void {
    this.ended = true;
    this.lines.length = 0;
  }
}
