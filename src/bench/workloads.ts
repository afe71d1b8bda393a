/**
 * The benchmark workloads (guests/bench: pi and membw) as the bench runner sees them: the
 * arguments of one size, and a parser for the lines they print (see guests/README.md). The same
 * C code runs natively (argv) and as a PVH guest (kernel command line), so one parser serves both.
 */

/** Names of the workloads, as used on the command line, in JSON and in file names. */
export type WorkloadId = 'pi' | 'membw';

/** One measured quantity of a workload, e.g. pi's seconds or membw's triad MB/s. */
export interface MetricSpec {
  readonly name: string;
  readonly unit: string;
  /** Whether a smaller value is faster (seconds) or a larger one (MB/s). */
  readonly better: 'lower' | 'higher';
}

/** A workload size: the arguments both builds take and a label for tables and charts. */
export interface WorkloadSize {
  readonly workload: WorkloadId;
  /** key=value arguments: argv natively, the kernel command line in a guest. */
  readonly args: readonly string[];
  readonly label: string;
}

/** What one run printed, reduced to numbers and a correctness verdict. */
export interface WorkloadOutput {
  readonly metrics: Readonly<Record<string, number>>;
  /** true: the program checked itself and passed; false: it says WRONG; undefined: unchecked. */
  readonly verified: boolean | undefined;
  /** Identifies the computed result (pi: last digits and hash), to compare runs of one size. */
  readonly fingerprint: string;
}

/** Metrics per workload, in table and chart order. */
export const METRICS: Readonly<Record<WorkloadId, readonly MetricSpec[]>> = {
  pi: [{ name: 'time', unit: 's', better: 'lower' }],
  membw: ['copy', 'scale', 'add', 'triad'].map((name) => ({ name, unit: 'MB/s', better: 'higher' as const })),
};

/** Titles used by the table and the charts. */
export const WORKLOAD_TITLES: Readonly<Record<WorkloadId, string>> = {
  pi: 'Super PI (Gauss-Legendre AGM), seconds',
  membw: 'Memory bandwidth (STREAM-style), MB/s',
};

/** Digit counts with embedded reference values in pi.c: pi checks itself only at these. */
export const PI_REFERENCE_DIGITS: readonly number[] = [1000, 10000, 100000, 1000000];

/** A pi size. */
export function piSize(digits: number): WorkloadSize {
  return { workload: 'pi', args: [`digits=${digits}`], label: `${digits} digits` };
}

/** A membw size: three arrays of `mb` MiB, best of `passes`. */
export function membwSize(mb: number, passes: number): WorkloadSize {
  return { workload: 'membw', args: [`mb=${mb}`, `passes=${passes}`], label: `3 x ${mb} MiB, ${passes} pass${passes === 1 ? '' : 'es'}` };
}

/** Why output could not be understood (missing lines): the run counts as failed. */
export class WorkloadOutputError extends Error {}

/** Parses pi's output: `pi: N digits in S s`, `pi: OK|WRONG|UNCHECKED`, last digits and hash. */
export function parsePi(text: string): WorkloadOutput {
  const t = text.replace(/\r/g, '');
  const time = /^pi: (\d+) digits in (\d+(?:\.\d+)?) s$/m.exec(t);
  const verdict = /^pi: (OK|WRONG|UNCHECKED)\b/m.exec(t);
  const last = /^pi: last digits (\d+)$/m.exec(t);
  const hash = /^pi: fnv1a64 (0x[0-9a-f]+)/m.exec(t);
  if (!verdict || !last || !hash) throw new WorkloadOutputError('pi printed no result (no "pi: OK/WRONG" line)');
  if (!time) throw new WorkloadOutputError('pi printed no timing line');
  const v = verdict[1];
  return {
    metrics: { time: Number(time[2]) },
    verified: v === 'OK' ? true : v === 'WRONG' ? false : undefined,
    fingerprint: `${time[1]} digits, last ${last[1]}, fnv1a64 ${hash[1]}`,
  };
}

/** Parses membw's output: four `membw: KERNEL X MB/s` lines and `membw: results valid|WRONG`. */
export function parseMembw(text: string): WorkloadOutput {
  const t = text.replace(/\r/g, '');
  const metrics: Record<string, number> = {};
  for (const m of METRICS.membw) {
    const r = new RegExp(`^membw: ${m.name} +(\\d+(?:\\.\\d+)?) MB/s$`, 'm').exec(t);
    if (!r) throw new WorkloadOutputError(`membw printed no ${m.name} line`);
    metrics[m.name] = Number(r[1]);
  }
  const valid = /^membw: results (valid|WRONG)$/m.exec(t);
  if (!valid) throw new WorkloadOutputError('membw printed no "results valid" line');
  return { metrics, verified: valid[1] === 'valid', fingerprint: 'valid' };
}

/** The parser for a workload. */
export function parseOutput(workload: WorkloadId, text: string): WorkloadOutput {
  return workload === 'pi' ? parsePi(text) : parseMembw(text);
}
