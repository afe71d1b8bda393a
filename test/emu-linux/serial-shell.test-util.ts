/**
 * A guest's shell over its serial console on the VMM's stdio (tkvm or QEMU with -nographic):
 * waits for text, runs commands and reads their output and exit status. Waits take a hang guard
 * (the guest may never get there on a software CPU still being built); it resolves to undefined
 * instead of failing, so the caller can skip with the console output seen so far.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** How a VMM process ended. */
export interface VmmExit {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Output of one shell command and its exit status. */
export interface ShellResult {
  readonly output: string;
  readonly status: number;
}

/** One VMM process whose stdout carries the guest's serial console. */
export class SerialShell {
  private text = '';
  private errText = '';
  private seq = 0;
  private readonly waiters = new Set<() => void>();
  /** Resolves when the VMM exits. */
  readonly exited: Promise<VmmExit>;
  readonly child: ChildProcess;
  /** When the process was spawned (performance.now()). */
  readonly startedMs = performance.now();
  private exit: VmmExit | undefined;

  constructor(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.child.stdout!.setEncoding('latin1');
    this.child.stderr!.setEncoding('latin1');
    this.child.stdout!.on('data', (d: string) => {
      this.text += d;
      for (const w of [...this.waiters]) w();
    });
    this.child.stderr!.on('data', (d: string) => (this.errText += d));
    this.child.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.on('close', (status, signal) => {
        this.exit = { status, signal };
        resolve(this.exit);
        for (const w of [...this.waiters]) w();
      });
    });
  }

  /** Everything the serial console printed so far (CRs removed). */
  output(): string {
    return this.text.replace(/\r/g, '');
  }

  /** What the VMM wrote to stderr. */
  stderr(): string {
    return this.errText;
  }

  /** The last `lines` lines of console output, for skip and failure messages. */
  tail(lines = 12): string {
    return this.output().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split('\n').slice(-lines).join('\n');
  }

  /** Whether the process has ended. */
  get ended(): VmmExit | undefined {
    return this.exit;
  }

  /**
   * Waits until `pattern` matches the output from `from` on; resolves to the match, or undefined
   * when the VMM exits or `guardMs` passes first.
   */
  waitFor(pattern: RegExp, guardMs: number, from = 0): Promise<RegExpExecArray | undefined> {
    return new Promise((resolve) => {
      const check = (): void => {
        const m = pattern.exec(this.output().slice(from));
        if (m !== null || this.exit !== undefined) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(m ?? undefined);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolve(undefined);
      }, guardMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Types `line` and a newline into the serial console. */
  send(line: string): void {
    this.child.stdin!.write(line + '\n');
  }

  /** Runs a shell command; resolves to its output and status, or undefined on a hang or exit. */
  async run(command: string, guardMs: number): Promise<ShellResult | undefined> {
    const n = ++this.seq;
    const from = this.output().length;
    // Quotes split the markers in the typed line, so only the output has them whole (the echo
    // of a long typed line may wrap anywhere).
    this.send(`echo "@@beg""${n}@@"; ${command}; echo "@@end""${n}@@ $?"`);
    const m = await this.waitFor(new RegExp(`@@beg${n}@@\\n([^]*?)@@end${n}@@ (\\d+)\\n`), guardMs, from);
    if (m === undefined) return undefined;
    return { output: m[1]!.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''), status: Number(m[2]) };
  }

  /** Kills the VMM (if still running) and waits for it. */
  async kill(): Promise<VmmExit> {
    if (this.exit === undefined) this.child.kill('SIGKILL');
    return this.exited;
  }
}
