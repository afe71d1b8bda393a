/** Renders the SVG charts to PNG with rsvg-convert or ImageMagick's convert, when one works. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { findProgram } from './paths.js';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

/** Converts svg to png; returns undefined on success, else why no PNG was written. */
export function svgToPng(svg: string, png: string): string | undefined {
  const tools: Array<[string, string[]]> = [['rsvg-convert', ['-o', png, svg]], ['convert', [svg, png]]];
  const tried: string[] = [];
  for (const [tool, args] of tools) {
    if (findProgram(tool) === undefined) continue;
    const r = spawnSync(tool, args, { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0 && existsSync(png) && PNG_MAGIC.every((b, i) => readFileSync(png)[i] === b)) return undefined;
    rmSync(png, { force: true });
    tried.push(`${tool} failed`);
  }
  return tried.length > 0 ? `${tried.join(', ')} (install librsvg2-bin for rsvg-convert)` : 'neither rsvg-convert nor convert is installed (Debian: apt-get install librsvg2-bin)';
}
