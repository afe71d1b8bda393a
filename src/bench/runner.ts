/**
 * Runs the configurations (workload size x engine) several times, interleaved, checks every
 * result and collects the workload's own figures and the wall time of each run.
 */
import { spawn } from 'node:child_process';
import type { Engine, Invocation } from './engines.js';
import { WorkloadOutputError, parseOutput, type WorkloadOutput, type WorkloadSize } from './workloads.js';

/** One thing to measure: a workload size on an engine. */
export interface Config {
  readonly size: WorkloadSize;
  readonly engine: Engine;
}

/** A finished process with its wall time. */
export interface TimedRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallS: number;
}

/** Outcome of a configuration: its samples, or why it stopped. */
export interface ConfigResult {
  readonly config: Config;
  status: 'ok' | 'failed' | 'wrong';
  detail?: string;
  /** Samples per metric name (see METRICS), one per successful run. */
  readonly samples: Record<string, number[]>;
  readonly wall: number[];
  fingerprint?: string;
}

/** Progress callbacks (the TTY progress line). */
export interface RunHooks {
  onStart?(index: number, total: number, config: Config, rep: number): void;
  /** Called with output as it arrives (the demo streams the guest's console). */
  onOutput?(config: Config, chunk: string): void;
}

/** Runs a program to completion, measuring wall time from spawn to exit. */
export function runTimed(inv: Invocation, onStdout?: (chunk: string) => void): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(inv.cmd, [...inv.argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('latin1').on('data', (d: string) => {
      stdout += d;
      onStdout?.(d);
    });
    child.stderr.setEncoding('latin1').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr, wallS: Number(process.hrtime.bigint() - t0) / 1e9 }));
  });
}

/** The last meaningful line a failed run printed (escape sequences removed), for the report. */
export function lastLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  const lines = text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1bc/g, '').replace(/\r/g, '\n').split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/** Checks one run: exit status, parseable output, the workload's verdict, the digits vs native. */
export function judge(config: Config, run: TimedRun, reference: string | undefined): { output?: WorkloadOutput; status: 'ok' | 'failed' | 'wrong'; detail?: string } {
  const { engine, size } = config;
  let output: WorkloadOutput | undefined;
  try {
    output = parseOutput(size.workload, run.stdout);
  } catch (err) {
    if (!(err instanceof WorkloadOutputError)) throw err;
  }
  if (output?.verified === false) return { output, status: 'wrong', detail: `${size.workload} result WRONG under ${engine.label} (${size.label})` };
  if (run.status !== engine.okStatus || output === undefined) {
    const how = run.signal ? `killed by ${run.signal}` : `exit status ${run.status}`;
    const why = lastLine(run.stderr) || lastLine(run.stdout);
    return { output, status: 'failed', detail: `${engine.label} failed on ${size.workload} ${size.label}: ${how}${why ? `: ${why}` : ''}` };
  }
  // Native is the reference for lengths the workload cannot check itself.
  if (output.verified === undefined && engine.id !== 'native') {
    if (reference === undefined) return { output, status: 'failed', detail: `${size.workload} ${size.label}: no reference result to check ${engine.label} against (native failed)` };
    if (output.fingerprint !== reference) return { output, status: 'wrong', detail: `${size.workload} result WRONG under ${engine.label}: ${output.fingerprint}, native computed ${reference}` };
  }
  return { output, status: 'ok' };
}

/**
 * Runs every configuration `reps` times, interleaved (A B C A B C ...) so drift on a noisy
 * machine hits all alike. Native runs first in each round; its result is the reference for
 * sizes the workload cannot check itself. A configuration that fails stops; others go on.
 */
export async function runInterleaved(configs: readonly Config[], reps: number, hooks: RunHooks = {}): Promise<ConfigResult[]> {
  const results: ConfigResult[] = configs.map((config) => ({ config, status: 'ok', samples: {}, wall: [] }));
  const references = new Map<string, string>();
  const key = (c: Config) => `${c.size.workload} ${c.size.args.join(' ')}`;
  const total = configs.length * reps;
  let index = 0;
  for (let rep = 0; rep < reps; rep++) {
    for (const r of results) {
      index++;
      if (r.status !== 'ok') continue;
      const { config } = r;
      hooks.onStart?.(index, total, config, rep);
      const run = await runTimed(config.engine.invocation(config.size), hooks.onOutput && ((d) => hooks.onOutput!(config, d)));
      const verdict = judge(config, run, references.get(key(config)));
      if (verdict.status !== 'ok' || verdict.output === undefined) {
        r.status = verdict.status;
        r.detail = verdict.detail;
        continue;
      }
      if (config.engine.id === 'native' && !references.has(key(config))) references.set(key(config), verdict.output.fingerprint);
      r.fingerprint = verdict.output.fingerprint;
      for (const [name, value] of Object.entries(verdict.output.metrics)) (r.samples[name] ??= []).push(value);
      r.wall.push(run.wallS);
    }
  }
  return results;
}
