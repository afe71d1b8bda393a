/**
 * Shared pieces of the tkvm-vs-QEMU benchmarks in bench/kvm: where the guests and tkvm live,
 * the command lines (identical arguments for both VMMs), running a VMM with timing, and the
 * small min/median/max table every script prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize, type Summary } from '../../src/bench/stats.js';

/** Repository root (this file runs as dist/bench/kvm/common.js). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The QEMU binary compared against; QEMU_BIN overrides it. */
export const QEMU = process.env.QEMU_BIN ?? 'qemu-system-x86_64';

/** Path of a built guest (scripts/build-guests.sh); fails with a hint when it is missing. */
export function guestElf(name: string): string {
  const p = join(ROOT, 'build', 'guests', `${name}.elf`);
  if (!existsSync(p)) throw new Error(`${p} is missing: run scripts/build-guests.sh first`);
  return p;
}

/** A VMM under test: its name and how to start it with the shared arguments. */
export interface Vmm {
  readonly name: string;
  readonly command: string;
  readonly prefix: readonly string[];
}

/** tkvm as a user runs it (bin/tkvm execs node on dist/src/cli/main.js). */
export const TKVM: Vmm = { name: 'tkvm', command: join(ROOT, 'bin', 'tkvm'), prefix: ['-enable-kvm'] };
/** QEMU with KVM. */
export const QEMU_KVM: Vmm = { name: 'qemu', command: QEMU, prefix: ['-enable-kvm'] };

/** Both VMMs, tkvm first. */
export const VMMS: readonly Vmm[] = [TKVM, QEMU_KVM];

/** The arguments both VMMs get for a PVH guest: 256 MiB, debug-exit at 0xf4, no reboot. */
export function guestArgs(elf: string, append: string, serial: readonly string[]): string[] {
  return ['-m', '256', ...serial, '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-kernel', elf, '-append', append];
}

/** The shell form of a command, for the printed "command:" line and BENCHMARKS.md. */
export function shellLine(vmm: Vmm, args: readonly string[]): string {
  const q = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const cmd = vmm.command.startsWith(ROOT + '/') ? vmm.command.slice(ROOT.length + 1) : vmm.command;
  return [cmd, ...vmm.prefix, ...args].map((a) => q(a.startsWith(ROOT + '/') ? a.slice(ROOT.length + 1) : a)).join(' ');
}

/** A started VMM process with its output collected and timed from just before spawn. */
export interface Started {
  readonly child: ChildProcess;
  /** process.hrtime.bigint() just before spawn. */
  readonly t0: bigint;
  /** Everything written to stdout so far (latin1). */
  stdout(): string;
  /** Resolves once stdout contains `text`, with ms since t0 (rejects if the process ends first). */
  waitFor(text: string): Promise<number>;
  /** Resolves when the process ends: exit status and ms since t0. */
  readonly done: Promise<{ status: number | null; ms: number }>;
}

/** Starts `vmm` with `args` (stdin a pipe, stdout collected, stderr kept for errors). */
export function start(vmm: Vmm, args: readonly string[]): Started {
  const t0 = process.hrtime.bigint();
  const child = spawn(vmm.command, [...vmm.prefix, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: Array<{ text: string; ok: (ms: number) => void }> = [];
  const since = (): number => Number(process.hrtime.bigint() - t0) / 1e6;
  child.stdout!.on('data', (b: Buffer) => {
    const now = since();
    out += b.toString('latin1');
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (out.includes(waiters[i]!.text)) {
        waiters[i]!.ok(now);
        waiters.splice(i, 1);
      }
    }
  });
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const done = new Promise<{ status: number | null; ms: number }>((res, rej) => {
    child.on('error', rej);
    child.on('close', (status) => res({ status, ms: since() }));
  });
  return {
    child,
    t0,
    stdout: () => out,
    waitFor: (text) =>
      out.includes(text)
        ? Promise.resolve(since())
        : new Promise<number>((ok, fail) => {
            waiters.push({ text, ok });
            void done.then(() => fail(new Error(`${vmm.name} ended before printing ${JSON.stringify(text)}; stdout: ${out.slice(-400)} stderr: ${err.slice(-400)}`)));
          }),
    done,
  };
}

/** One row of a result table: a label and its samples. */
export interface Row {
  readonly label: string;
  readonly samples: readonly number[];
}

/** Prints rows as "label  min  median  max  n" with the unit in the header. */
export function printTable(title: string, unit: string, rows: readonly Row[], digits = 2): Map<string, Summary> {
  const sums = new Map<string, Summary>();
  const w = Math.max(8, ...rows.map((r) => r.label.length));
  console.log(`\n${title}`);
  console.log(`${'  '.padEnd(w + 2)}${'min'.padStart(12)}${'median'.padStart(12)}${'max'.padStart(12)}   n   (${unit})`);
  for (const r of rows) {
    const s = summarize(r.samples);
    sums.set(r.label, s);
    console.log(`  ${r.label.padEnd(w)}${s.min.toFixed(digits).padStart(12)}${s.median.toFixed(digits).padStart(12)}${s.max.toFixed(digits).padStart(12)}   ${s.n}`);
  }
  return sums;
}

/** "tkvm/qemu = 1.234x (target <= 1.10x: met)" from two medians. */
export function ratioLine(what: string, tkvm: number, qemu: number, target: number): string {
  const r = tkvm / qemu;
  return `${what}: tkvm/qemu median ratio ${r.toFixed(3)}x (target <= ${target.toFixed(2)}x: ${r <= target ? 'met' : 'NOT met'})`;
}

/** Parses `--name value` options with numeric defaults. */
export function numericOptions<T extends Record<string, number>>(defaults: T): T {
  const out: Record<string, number> = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(\w+)$/.exec(argv[i]!);
    if (!m || !(m[1]! in out)) throw new Error(`unknown option ${argv[i]}; known: ${Object.keys(defaults).map((k) => `--${k} N`).join(' ')}`);
    const v = Number(argv[++i]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${m[1]} needs a positive number`);
    out[m[1]!] = v;
  }
  return out as T;
}

/** A one-line machine note for the report: CPU model, cores, load average, kernel. */
export async function machineNote(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const { cpus, loadavg, release } = await import('node:os');
  const model = cpus()[0]?.model ?? 'unknown CPU';
  let kvm = '';
  try {
    kvm = /kvm_pvm/.test(readFileSync('/proc/modules', 'utf8')) ? ', nested kvm_pvm' : '';
  } catch {
    // no /proc/modules: leave the note out
  }
  return `${model}, ${cpus().length} cores, Linux ${release()}${kvm}, load avg ${loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}`;
}

/**
 * Runs `once` for every VMM in turn, `rounds` times (interleaved, so drifting machine load hits
 * both alike), and collects each field of its result under "VMM field", scaled by `scale`.
 * `describe` gives the progress line printed after each run.
 */
export async function interleavedRounds<K extends string>(
  rounds: number,
  once: (vmm: Vmm) => Promise<Record<K, number>>,
  keys: readonly K[],
  describe: (round: number, vmm: Vmm, result: Record<K, number>) => string,
  scale = 1,
  vmms: readonly Vmm[] = VMMS,
): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const v of vmms) {
      const x = await once(v);
      for (const k of keys) {
        const key = `${v.name} ${k}`;
        samples.set(key, [...(samples.get(key) ?? []), x[k] * scale]);
      }
      console.log(`  round ${r + 1} ${v.name}: ${describe(r, v, x)}`);
    }
  }
  return samples;
}
