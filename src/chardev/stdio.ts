/**
 * -serial stdio / -nographic: the guest's line on tkvm's own terminal, as QEMU's stdio chardev.
 * - When stdin is a TTY it goes to raw mode (no echo, no line editing) and is restored on
 *   close, on process exit and on SIGINT/SIGTERM/SIGHUP, so a crash never leaves the shell raw.
 * - mux (-nographic, mon:stdio): the Ctrl-A keys of mux.ts; Ctrl-C goes to the guest.
 * - plain stdio: QEMU keeps the terminal's signal keys (its stdio signal=on default), so Ctrl-C
 *   and Ctrl-\ still stop tkvm; Node's raw mode turns them into bytes, which tkvm turns back
 *   into SIGINT/SIGQUIT. Ctrl-Z is passed to the guest: stopping with a raw terminal would
 *   leave the shell unusable.
 * Output goes to stdout; a closed stdout (EPIPE) drops output instead of throwing.
 */
import type { MuxActions } from './mux.js';
import { MuxState } from './mux.js';
import type { OpenedCharBackend } from './simple.js';

/** The streams and hooks the stdio backend uses; tests pass fakes. */
export interface StdioOptions {
  readonly mux: boolean;
  /** Ctrl-A actions (quit is required: Ctrl-A x must end tkvm). */
  readonly actions: MuxActions;
  readonly stdin?: NodeJS.ReadStream | NodeJS.ReadableStream;
  readonly stdout?: NodeJS.WritableStream;
  /** Sends a signal to tkvm itself (plain stdio's Ctrl-C); defaults to process.kill. */
  readonly raise?: (signal: NodeJS.Signals) => void;
  /** Milliseconds clock for Ctrl-A t timestamps. */
  readonly now?: () => number;
}

/** Signals after which the terminal must be restored before tkvm goes away. */
const RESTORE_ON: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Opens stdio as a character backend. */
export function createStdioBackend(opts: StdioOptions): OpenedCharBackend {
  const stdin = opts.stdin ?? process.stdin;
  const stdout = opts.stdout ?? process.stdout;
  const raise = opts.raise ?? ((sig: NodeJS.Signals) => process.kill(process.pid, sig));
  const now = opts.now ?? Date.now;
  const tty = stdin as Partial<NodeJS.ReadStream>;
  const isTty = tty.isTTY === true && typeof tty.setRawMode === 'function';
  let outOpen = true;
  let closed = false;
  let handler: ((data: Uint8Array) => void) | undefined;
  const print = (text: string): void => {
    if (outOpen) stdout.write(text);
  };
  const mux = opts.mux ? new MuxState(opts.actions, print) : undefined;

  const restore = (): void => {
    if (isTty) {
      try {
        tty.setRawMode?.(false);
      } catch {
        // the terminal is gone
      }
    }
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    restore();
    // Alone on this signal: let it act as if tkvm had no handler (default: terminate).
    if (process.listenerCount(sig) === 1) {
      detachProcessHooks();
      raise(sig);
    }
  };
  const onExit = (): void => restore();
  const detachProcessHooks = (): void => {
    process.removeListener('exit', onExit);
    for (const sig of RESTORE_ON) process.removeListener(sig, onSignal);
  };
  const onData = (chunk: Buffer | string): void => {
    let bytes: Uint8Array = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (mux !== undefined) {
      bytes = mux.input(bytes);
    } else if (isTty) {
      // Only a terminal turns these keys into signals; a pipe carries them as data.
      if (bytes.includes(0x03)) raise('SIGINT');
      if (bytes.includes(0x1c)) raise('SIGQUIT');
      bytes = bytes.filter((b) => b !== 0x03 && b !== 0x1c);
    }
    if (bytes.length > 0) handler?.(bytes);
  };
  const onOutError = (): void => {
    outOpen = false;
  };

  if (isTty) {
    tty.setRawMode?.(true);
    process.on('exit', onExit);
    for (const sig of RESTORE_ON) process.on(sig, onSignal);
  }
  stdout.on('error', onOutError);
  stdin.on('data', onData);
  stdin.resume();

  return {
    write(data) {
      if (!outOpen || closed) return;
      const out = mux !== undefined ? mux.output(data, now()) : data;
      try {
        stdout.write(Buffer.from(out));
      } catch {
        outOpen = false;
      }
    },
    onInput(h) {
      handler = h;
    },
    close() {
      if (closed) return;
      closed = true;
      stdin.removeListener('data', onData);
      stdin.pause();
      // The 'error' listener stays: a late EPIPE must not become an uncaught exception.
      restore();
      if (isTty) detachProcessHooks();
    },
    ready: () => Promise.resolve(),
  };
}
