/** The terminal table of a bench report: one section per workload, one row per configuration. */
import type { BenchReport, EngineRow, Ratios, ResultRow } from './report.js';
import { METRICS, WORKLOAD_TITLES, type WorkloadId } from './workloads.js';

/** Lays out rows of cells in columns; `right` marks right-aligned columns. */
export function columns(rows: readonly (readonly string[])[], right: readonly boolean[] = []): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 && !right[i] ? c : right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** A number with a precision that suits its unit. */
export function fmt(value: number, unit: string): string {
  return unit === 's' ? value.toFixed(3) : Math.round(value).toString();
}

/** A speed ratio as a percentage of native. */
export function pct(ratio: number | null | undefined): string {
  return ratio == null ? '-' : `${(ratio * 100).toFixed(1)}%`;
}

function statusText(row: { status: string; detail?: string }): string {
  return row.status === 'ok' ? 'ok' : row.detail ? `${row.status}: ${row.detail}` : row.status;
}

function section(report: BenchReport, workload: WorkloadId): string[] {
  const metrics = METRICS[workload];
  const rows = report.results.filter((r) => r.workload === workload);
  const one = metrics.length === 1;
  const head = one
    ? ['engine', 'size', 'median', 'min', 'max', 'wall med', 'vs native', 'status']
    : ['engine', 'size', ...metrics.map((m) => m.name), 'wall med', 'vs native (' + metrics.map((m) => m.name).join('/') + ')', 'status'];
  const cells = (r: ResultRow): string[] => {
    const wall = r.wallS ? `${r.wallS.median.toFixed(2)} s` : '-';
    const star = r.slow ? ' *' : '';
    if (r.metrics.length === 0) return [r.label, r.size, ...(one ? ['-', '-', '-'] : metrics.map(() => '-')), wall, '-', statusText(r)];
    if (one) {
      const m = r.metrics[0]!;
      return [r.label, r.size + star, fmt(m.median, m.unit), fmt(m.min, m.unit), fmt(m.max, m.unit), wall, pct(m.vsNative), statusText(r)];
    }
    return [r.label, r.size + star, ...r.metrics.map((m) => fmt(m.median, m.unit)), wall, r.metrics.map((m) => pct(m.vsNative)).join(' / '), statusText(r)];
  };
  const table: string[][] = [head, ...rows.map(cells)];
  const absent = report.engines.filter((e: EngineRow) => e.status !== 'ok' && !rows.some((r) => r.engine === e.id));
  for (const e of absent) table.push([e.label, '-', ...(one ? ['-', '-', '-'] : metrics.map(() => '-')), '-', '-', statusText(e)]);
  const right = head.map((_, i) => i >= 2 && i < head.length - 2);
  const unitNote = one ? 'the workload\'s own timing, min/median/max; lower is better' : 'median of runs (best pass each); higher is better';
  return [`${WORKLOAD_TITLES[workload]}: ${unitNote}`, ...columns(table, right).map((l) => '  ' + l)];
}

/** The whole report as text for a terminal or a log. */
export function formatTable(report: BenchReport): string {
  const o = report.options;
  const lines = [
    `tkvm bench, ${report.date.slice(0, 16).replace('T', ' ')} UTC: ${report.host.cpus} CPUs (${report.host.cpuModel}), load ${report.host.loadavgAtStart[0] ?? '?'} at start`,
    `${o.reps} run${o.reps === 1 ? '' : 's'} per configuration, interleaved; "vs native" is speed relative to native at the same size`,
    '',
    ...section(report, 'pi'),
    '',
    ...section(report, 'membw'),
  ];
  if (report.results.some((r) => r.slow)) lines.push('', '  * software emulation is slow: measured at a smaller size, with native run at that size too');
  const h = report.headline;
  const b = h.best;
  const ratio = (x: number | null | undefined) => (x == null ? '-' : `${x.toFixed(3)}x`);
  const both = (f: (x: number | null | undefined) => string, m: Ratios, best: Ratios, k: string) => `${f(m[k])} (best ${f(best[k])})`;
  const line = (f: (x: number | null | undefined) => string, m: Ratios, best: Ratios) =>
    `pi ${both(f, m, best, 'pi')}, membw copy ${both(f, m, best, 'membw copy')}, triad ${both(f, m, best, 'membw triad')}`;
  lines.push('', 'medians, and in brackets the best run of each (min time, max MB/s), which a busy host disturbs least:',
    `tkvm (KVM) vs native:     ${line(pct, h.tkvmVsNative, b.tkvmVsNative)}`,
    `QEMU (KVM) vs native:     ${line(pct, h.qemuKvmVsNative, b.qemuKvmVsNative)}`,
    `tkvm (KVM) vs QEMU (KVM): ${line(ratio, h.tkvmVsQemuKvm, b.tkvmVsQemuKvm)} (above 1: tkvm faster)`);
  return lines.join('\n') + '\n';
}
