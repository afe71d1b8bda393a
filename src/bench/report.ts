/**
 * The bench's result model: one row per engine (its status) and one per measured configuration
 * (min/median/max of each metric, wall time, speed relative to native at the same size). The
 * table, the JSON file and the charts are all drawn from this.
 */
import { cpus, release } from 'node:os';
import { relative } from 'node:path';
import type { Availability, Engine, EngineId } from './engines.js';
import type { BenchOptions } from './options.js';
import { REPO_ROOT } from './paths.js';
import type { ConfigResult } from './runner.js';
import { summarize, type Summary } from './stats.js';
import { METRICS, type WorkloadId } from './workloads.js';

/** Format identifier of bench.json; bump on incompatible changes. */
export const REPORT_SCHEMA = 'tkvm-bench/1';

/** An engine's status line: 'ok', or why it has no figures. */
export interface EngineRow {
  readonly id: EngineId;
  readonly label: string;
  readonly status: 'ok' | 'failed' | 'wrong' | 'not installed' | 'not available yet' | 'unavailable' | 'not selected';
  readonly detail?: string;
}

/** One metric of one configuration. */
export interface MetricRow extends Summary {
  readonly name: string;
  readonly unit: string;
  readonly better: 'lower' | 'higher';
  readonly samples: readonly number[];
  /** Speed relative to native at the same size (1 = native speed, 0.5 = half), medians; null without native. */
  readonly vsNative: number | null;
  /** The same from the best run of each (min time, max MB/s): less sensitive to a busy shared host. */
  readonly vsNativeBest: number | null;
}

/** One configuration: a workload size on an engine. */
export interface ResultRow {
  readonly workload: WorkloadId;
  readonly size: string;
  readonly args: readonly string[];
  readonly engine: EngineId;
  readonly label: string;
  /** Measured at the smaller size used for software emulation. */
  readonly slow: boolean;
  readonly status: 'ok' | 'failed' | 'wrong';
  readonly detail?: string;
  readonly command: string;
  readonly metrics: readonly MetricRow[];
  readonly wallS: (Summary & { readonly samples: readonly number[] }) | null;
}

/** Ratios keyed by "pi" and "membw copy" etc. (null when not measured). */
export type Ratios = Readonly<Record<string, number | null>>;

/** The figures the issue asks for, from medians and from best runs. */
export interface Headline {
  readonly tkvmVsNative: Ratios;
  readonly tkvmVsQemuKvm: Ratios;
  readonly qemuKvmVsNative: Ratios;
  readonly qemuTcgVsNative: Ratios;
  readonly best: { readonly tkvmVsNative: Ratios; readonly tkvmVsQemuKvm: Ratios; readonly qemuKvmVsNative: Ratios; readonly qemuTcgVsNative: Ratios };
}

/** Everything bench.json holds. */
export interface BenchReport {
  readonly schema: string;
  readonly date: string;
  readonly host: { readonly cpus: number; readonly cpuModel: string; readonly kernel: string; readonly loadavgAtStart: readonly number[] };
  readonly command: string;
  readonly options: BenchOptions;
  readonly engines: readonly EngineRow[];
  readonly results: readonly ResultRow[];
  readonly headline: Headline;
}

/** Quotes a command line for display (copy-pasteable into a shell). */
export function shellQuote(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function speed(better: 'lower' | 'higher', value: number, native: number): number {
  return better === 'lower' ? native / value : value / native;
}

/** Builds the result rows, comparing each with native at the same size. */
export function resultRows(results: readonly ConfigResult[]): ResultRow[] {
  const sameSize = (a: ConfigResult, b: ConfigResult) => a.config.size.workload === b.config.size.workload && a.config.size.args.join(' ') === b.config.size.args.join(' ');
  return results.map((r) => {
    const { size, engine } = r.config;
    const native = results.find((n) => n.config.engine.id === 'native' && sameSize(n, r));
    const inv = engine.invocation(size);
    const metrics = METRICS[size.workload].flatMap((m): MetricRow[] => {
      const samples = r.samples[m.name] ?? [];
      if (r.status !== 'ok' || samples.length === 0) return [];
      const s = summarize(samples);
      const ns = native?.status === 'ok' ? native.samples[m.name] : undefined;
      const n = ns && ns.length > 0 ? summarize(ns) : undefined;
      const best = (x: Summary) => (m.better === 'lower' ? x.min : x.max);
      const vsNative = n ? speed(m.better, s.median, n.median) : null;
      const vsNativeBest = n ? speed(m.better, best(s), best(n)) : null;
      return [{ ...m, ...s, samples, vsNative, vsNativeBest }];
    });
    return {
      workload: size.workload, size: size.label, args: size.args, engine: engine.id, label: engine.label, slow: engine.slow && engine.id !== 'native',
      status: r.status, ...(r.detail ? { detail: r.detail } : {}),
      command: shellQuote([relativeCmd(inv.cmd), ...inv.argv.map(relativeCmd)]),
      metrics, wallS: r.status === 'ok' && r.wall.length > 0 ? { ...summarize(r.wall), samples: r.wall } : null,
    };
  });
}

function relativeCmd(word: string): string {
  return word.startsWith(REPO_ROOT + '/') ? relative(REPO_ROOT, word) : word;
}

/** Engine rows: availability first, then how its runs went. */
export function engineRows(engines: readonly Engine[], availability: ReadonlyMap<EngineId, Availability>, selected: readonly EngineId[], rows: readonly ResultRow[]): EngineRow[] {
  return engines.map((e): EngineRow => {
    if (e.id !== 'native' && !selected.includes(e.id)) return { id: e.id, label: e.label, status: 'not selected', detail: 'left out by --engines' };
    const a = availability.get(e.id);
    if (a !== undefined && a.status !== 'ok') return { id: e.id, label: e.label, status: a.status, detail: a.detail };
    const bad = rows.find((r) => r.engine === e.id && r.status === 'wrong') ?? rows.find((r) => r.engine === e.id && r.status !== 'ok');
    return bad ? { id: e.id, label: e.label, status: bad.status, ...(bad.detail ? { detail: bad.detail } : {}) } : { id: e.id, label: e.label, status: 'ok' };
  });
}

/** The headline ratios: tkvm and QEMU relative to native, and tkvm relative to QEMU/KVM. */
export function headline(rows: readonly ResultRow[]): Headline {
  const pick = (engine: EngineId, field: 'vsNative' | 'vsNativeBest'): Ratios => {
    const out: Record<string, number | null> = {};
    for (const w of ['pi', 'membw'] as const) {
      for (const m of METRICS[w]) {
        const row = rows.find((r) => r.engine === engine && r.workload === w);
        out[w === 'pi' ? 'pi' : `membw ${m.name}`] = row?.metrics.find((x) => x.name === m.name)?.[field] ?? null;
      }
    }
    return out;
  };
  const divide = (a: Ratios, b: Ratios): Ratios => {
    const out: Record<string, number | null> = {};
    for (const k of Object.keys(a)) {
      const x = a[k];
      const y = b[k];
      out[k] = x != null && y != null ? x / y : null;
    }
    return out;
  };
  const set = (field: 'vsNative' | 'vsNativeBest') => {
    const tkvm = pick('tkvm', field);
    const qemu = pick('qemu-kvm', field);
    return { tkvmVsNative: tkvm, tkvmVsQemuKvm: divide(tkvm, qemu), qemuKvmVsNative: qemu, qemuTcgVsNative: pick('qemu-tcg', field) };
  };
  return { ...set('vsNative'), best: set('vsNativeBest') };
}

/** Assembles the report. */
export function buildReport(args: { argv: readonly string[]; options: BenchOptions; engines: readonly Engine[]; availability: ReadonlyMap<EngineId, Availability>; results: readonly ConfigResult[]; loadavg: readonly number[]; date: Date }): BenchReport {
  const rows = resultRows(args.results);
  return {
    schema: REPORT_SCHEMA,
    date: args.date.toISOString(),
    host: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', kernel: release(), loadavgAtStart: args.loadavg.map((x) => Math.round(x * 100) / 100) },
    command: shellQuote(['tkvm', 'bench', ...args.argv]),
    options: args.options,
    engines: engineRows(args.engines, args.availability, args.options.engines, rows),
    results: rows,
    headline: headline(rows),
  };
}
