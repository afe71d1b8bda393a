/** qemu-img's -p progress display: "    (12.34/100%)" redrawn with \r, drawn only on a terminal. */
import { stdout } from './stdout.js';

/** Tracks progress of a long command and redraws the percentage when it changes by 1% or more. */
export class Progress {
  private last = -1;
  private readonly enabled: boolean;

  constructor(requested: boolean, private readonly total: number) {
    this.enabled = requested && stdout().isTTY === true;
    this.draw(0);
  }

  /** Reports that `done` of `total` units are finished. */
  update(done: number): void {
    this.draw(this.total > 0 ? (done / this.total) * 100 : 100);
  }

  /** Draws 100% and ends the line. */
  finish(): void {
    this.draw(100);
    if (this.enabled) stdout().write('\n');
  }

  private draw(pct: number): void {
    if (!this.enabled) return;
    if (pct < 100 && pct - this.last < 1) return;
    this.last = pct;
    stdout().write(`    (${pct.toFixed(2)}/100%)\r`);
  }
}
