/**
 * QEMU's stdio multiplexer keys (chardev/char-mux.c in QEMU 7.2), as a pure state machine so it
 * is tested by feeding bytes: after Ctrl-A (the escape), one more byte picks a command:
 *   h or ?  print the key help      x  print "Terminated" and quit
 *   s       commit -snapshot disks  b  send a break to the serial port
 *   c       switch between console and monitor
 *   t       toggle timestamps on output lines
 *   Ctrl-A  send one Ctrl-A to the guest; any other byte is dropped, as in QEMU.
 * Bytes outside an escape go to whichever side has the focus (the serial port at first).
 */

/** The escape byte: Ctrl-A, QEMU's default (-echr 0x01). */
export const MUX_ESCAPE = 0x01;

/** What the escapes act on; optional actions print a clear "not available" line when absent. */
export interface MuxActions {
  /** Ctrl-A x: end tkvm (after "tkvm: Terminated" is printed). */
  quit(): void;
  /** Ctrl-A b: raise a break condition on the serial port. */
  sendBreak?(): void;
  /** Ctrl-A s: write -snapshot disk data back to the image files. */
  commitDisks?(): void;
  /** Bytes typed while the monitor has the focus; absent until tkvm has a monitor. */
  monitorInput?(data: Uint8Array): void;
  /** Ctrl-A c moved the focus to the monitor (true) or back to the serial port (false). */
  monitorFocus?(focused: boolean): void;
}

/**
 * QEMU's Ctrl-A h text (char-mux.c), line for line. Lines end in "\n\r" as QEMU writes them:
 * right on a terminal whether or not it maps NL to CR-NL.
 */
export const MUX_HELP =
  '\n\r' +
  'C-a h    print this help\n\r' +
  'C-a x    exit emulator\n\r' +
  'C-a s    save disk data back to file (if -snapshot)\n\r' +
  'C-a t    toggle console timestamps\n\r' +
  'C-a b    send break (magic sysrq)\n\r' +
  'C-a c    switch between console and monitor\n\r' +
  'C-a C-a  sends C-a\n\r';

/** Printed on Ctrl-A c while tkvm has no monitor. */
export const NO_MONITOR = '\n\rtkvm: the monitor is not available yet (C-a x quits, C-a h lists the keys)\n\r';

/** The multiplexer's state: escape pending, focus, timestamps. */
export class MuxState {
  private escaped = false;
  private focus: 'serial' | 'monitor' = 'serial';
  private timestamps = false;
  private stampStart = -1;
  private lineStart = false;

  /** `print` writes tkvm's own messages straight to the terminal. */
  constructor(
    private readonly actions: MuxActions,
    private readonly print: (text: string) => void,
  ) {}

  /** Which side receives typed bytes now. */
  get focused(): 'serial' | 'monitor' {
    return this.focus;
  }

  /** Processes typed bytes; returns those for the serial port (possibly empty). */
  input(data: Uint8Array): Uint8Array {
    const toGuest: number[] = [];
    const deliver = (byte: number): void => {
      (this.focus === 'serial' ? toGuest : this.toMonitor).push(byte);
    };
    for (const byte of data) {
      if (!this.escaped) {
        if (byte === MUX_ESCAPE) this.escaped = true;
        else deliver(byte);
        continue;
      }
      this.escaped = false;
      if (byte === MUX_ESCAPE) {
        deliver(byte);
        continue;
      }
      this.command(String.fromCharCode(byte));
    }
    this.flushMonitor();
    return Uint8Array.from(toGuest);
  }

  /** Bytes typed for the monitor since the last flush (kept in order with focus changes). */
  private toMonitor: number[] = [];

  private flushMonitor(): void {
    if (this.toMonitor.length === 0) return;
    const bytes = Uint8Array.from(this.toMonitor);
    this.toMonitor = [];
    this.actions.monitorInput?.(bytes);
  }

  private command(key: string): void {
    switch (key) {
      case 'h':
      case '?':
        this.print(MUX_HELP);
        break;
      case 'x':
        this.print('tkvm: Terminated\n\r');
        this.actions.quit();
        break;
      case 's':
        if (this.actions.commitDisks !== undefined) this.actions.commitDisks();
        else this.print('\n\rtkvm: C-a s: committing -snapshot disks is not supported yet\n\r');
        break;
      case 'b':
        if (this.actions.sendBreak !== undefined) this.actions.sendBreak();
        else this.print('\n\rtkvm: C-a b: sending a break is not supported yet\n\r');
        break;
      case 'c':
        if (this.actions.monitorInput === undefined) this.print(NO_MONITOR);
        else {
          this.flushMonitor();
          this.focus = this.focus === 'serial' ? 'monitor' : 'serial';
          this.actions.monitorFocus?.(this.focus === 'monitor');
        }
        break;
      case 't':
        this.timestamps = !this.timestamps;
        this.stampStart = -1;
        this.lineStart = false;
        break;
      default:
        break; // QEMU ignores unknown escapes
    }
  }

  /**
   * Guest output on its way to the terminal: with timestamps on, each line after the toggle
   * starts with "[hh:mm:ss.mmm] " counted from the first stamp, as QEMU prints them.
   */
  output(data: Uint8Array, nowMs: number): Uint8Array {
    if (!this.timestamps) return data;
    const out: number[] = [];
    for (const byte of data) {
      if (this.lineStart) {
        if (this.stampStart < 0) this.stampStart = nowMs;
        for (const ch of stamp(nowMs - this.stampStart)) out.push(ch.charCodeAt(0));
        this.lineStart = false;
      }
      out.push(byte);
      if (byte === 0x0a) this.lineStart = true;
    }
    return Uint8Array.from(out);
  }
}

function stamp(ms: number): string {
  const secs = Math.floor(ms / 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `[${two(Math.floor(secs / 3600))}:${two(Math.floor(secs / 60) % 60)}:${two(secs % 60)}.${String(ms % 1000).padStart(3, '0')}] `;
}
