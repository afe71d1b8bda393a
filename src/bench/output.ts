/** Writes a bench report's files: bench.json, one SVG chart per workload and PNGs when possible. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { TkvmError } from '../errors.js';
import { svgToPng } from './png.js';
import type { BenchReport } from './report.js';
import { chartSvg } from './svg.js';

/** What was written, and notes on what was not. */
export interface WrittenFiles {
  readonly files: string[];
  readonly notes: string[];
}

/** Writes the report into `dir` (created if needed). */
export function writeReport(report: BenchReport, dir: string): WrittenFiles {
  makeDirs(dir);
  const files: string[] = [];
  const notes: string[] = [];
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    try {
      writeFileSync(p, text);
    } catch (err) {
      throw new TkvmError('io', `cannot write ${p}: ${(err as Error).message}`, { path: p }, err);
    }
    files.push(p);
    return p;
  };
  write('bench.json', JSON.stringify(report, null, 2) + '\n');
  for (const w of ['pi', 'membw'] as const) {
    const svg = write(`${w}.svg`, chartSvg(report, w));
    const png = svg.replace(/\.svg$/, '.png');
    const why = svgToPng(svg, png);
    if (why === undefined) files.push(png);
    else if (!notes.some((n) => n.startsWith('no PNG'))) notes.push(`no PNG charts: ${why}`);
  }
  return { files, notes };
}

/**
 * Creates the output directory (mkdir -p) before any run, so a bad --out fails at once. One level
 * at a time: Node 20's mkdirSync({ recursive: true }) spins forever on some
 * paths (measured: --out /proc/x/y burnt 10 CPU minutes), so each level is created explicitly.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let p = resolve(dir);
  while (!existsSync(p)) {
    missing.unshift(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      throw new TkvmError('io', `--out ${dir}: cannot create ${d}: ${(err as Error).message}`, { dir }, err);
    }
  }
}
