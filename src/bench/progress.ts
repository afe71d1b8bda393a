/** A one-line progress display on a terminal; silent when stderr is a pipe or a file. */

/** Rewrites one status line in place on a TTY; does nothing elsewhere. */
export class Progress {
  private shown = false;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly enabled = stream.isTTY === true) {}

  /** Shows `text` as the current status line. */
  update(text: string): void {
    if (!this.enabled) return;
    const width = Math.max(20, (this.stream.columns ?? 80) - 1);
    this.stream.write(`\r\x1b[K${text.length > width ? text.slice(0, width - 1) + '…' : text}`);
    this.shown = true;
  }

  /** Clears the status line before ordinary output. */
  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
