/**
 * Bar charts of a bench report as standalone SVG, in the spirit of the seed article's figures:
 * one horizontal bar per engine (Super PI seconds; memory bandwidth per kernel), min-max
 * whiskers, and engines without figures listed with the reason instead of a bar.
 */
import type { BenchReport } from './report.js';
import { METRICS, WORKLOAD_TITLES, type WorkloadId } from './workloads.js';
import { fmt } from './table.js';

/** Escapes text for SVG content and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const ENGINE_COLORS: Readonly<Record<string, string>> = {
  native: '#4d4d4d', tkvm: '#2a7fd4', 'qemu-kvm': '#e08a1e', 'qemu-tcg': '#c0392b', 'tkvm-emu': '#7d3c98',
};
const METRIC_COLORS = ['#2a7fd4', '#27ae60', '#e08a1e', '#c0392b'];

const W = 860;
const LABEL_W = 190;
const BAR_W = 480;

/** Draws one workload's chart. */
export function chartSvg(report: BenchReport, workload: WorkloadId): string {
  const metrics = METRICS[workload];
  const multi = metrics.length > 1;
  const rows = report.results.filter((r) => r.workload === workload);
  const sizes = [...new Set(rows.map((r) => r.size))];
  const body: string[] = [];
  let y = 58;
  if (multi) {
    metrics.forEach((m, i) => {
      const x = LABEL_W + i * 110;
      body.push(`<rect x="${x}" y="${y - 11}" width="12" height="12" fill="${METRIC_COLORS[i]}"/><text x="${x + 17}" y="${y}">${xmlEscape(m.name)}</text>`);
    });
    y += 14;
  }
  const barH = multi ? 9 : 20;
  for (const size of sizes) {
    const group = rows.filter((r) => r.size === size);
    const max = Math.max(1e-9, ...group.flatMap((r) => r.metrics.map((m) => m.max)));
    const scale = BAR_W / max;
    y += 14;
    body.push(`<text x="10" y="${y}" font-weight="bold">${xmlEscape(size)}${group.some((r) => r.slow) ? ' (software emulation is slow: smaller size)' : ''}</text>`);
    y += 8;
    for (const r of group) {
      const h = multi ? metrics.length * (barH + 2) : barH;
      body.push(`<text x="10" y="${y + h / 2 + 4}">${xmlEscape(r.label)}</text>`);
      if (r.metrics.length === 0) {
        body.push(`<text x="${LABEL_W}" y="${y + h / 2 + 4}" fill="#888">${xmlEscape(r.status)}</text>`);
      }
      r.metrics.forEach((m, i) => {
        const by = y + (multi ? i * (barH + 2) : 0);
        const color = multi ? METRIC_COLORS[i]! : ENGINE_COLORS[r.engine] ?? '#2a7fd4';
        const w = Math.max(1, m.median * scale);
        const tip = `${r.label}, ${size}: ${m.name} median ${fmt(m.median, m.unit)} ${m.unit} (min ${fmt(m.min, m.unit)}, max ${fmt(m.max, m.unit)}, n=${m.n})`;
        body.push(`<rect class="bar" data-engine="${r.engine}" data-metric="${m.name}" x="${LABEL_W}" y="${by}" width="${w.toFixed(1)}" height="${barH}" fill="${color}"><title>${xmlEscape(tip)}</title></rect>`);
        if (m.n > 1) {
          const cy = by + barH / 2;
          body.push(`<line x1="${(LABEL_W + m.min * scale).toFixed(1)}" y1="${cy}" x2="${(LABEL_W + m.max * scale).toFixed(1)}" y2="${cy}" stroke="#111" stroke-width="1"/>`);
        }
        const pct = m.vsNative != null && r.engine !== 'native' ? ` (${(m.vsNative * 100).toFixed(1)}% of native)` : '';
        body.push(`<text x="${(LABEL_W + Math.max(w, m.max * scale) + 6).toFixed(1)}" y="${by + barH - (multi ? 0 : 5)}" font-size="${multi ? 10 : 12}">${xmlEscape(`${fmt(m.median, m.unit)} ${m.unit}${pct}`)}</text>`);
      });
      y += h + 8;
    }
  }
  const absent = report.engines.filter((e) => e.status !== 'ok' && !rows.some((r) => r.engine === e.id));
  if (absent.length > 0) {
    y += 14;
    body.push(`<text x="10" y="${y}" font-weight="bold">no figures</text>`);
    y += 8;
    for (const e of absent) {
      body.push(`<text x="10" y="${y + 14}">${xmlEscape(e.label)}</text><text x="${LABEL_W}" y="${y + 14}" fill="#888">${xmlEscape(e.status)}</text>`);
      y += 22;
    }
  }
  const height = y + 30;
  const sub = `${metrics[0]!.better === 'lower' ? 'lower' : 'higher'} is better; median of ${report.options.reps} interleaved run${report.options.reps === 1 ? '' : 's'}, whiskers min-max; ${report.host.cpus}-CPU host, ${report.date.slice(0, 10)}`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="24" font-size="17" font-weight="bold">${xmlEscape(`${WORKLOAD_TITLES[workload]} per engine`)}</text>`,
    `<text x="10" y="42" fill="#555">${xmlEscape(sub)}</text>`,
    ...body,
    `<text x="10" y="${height - 10}" fill="#888" font-size="10">${xmlEscape(report.command)}</text>`,
    `</svg>`,
    '',
  ].join('\n');
}
