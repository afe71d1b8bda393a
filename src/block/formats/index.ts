/**
 * The format registry: every image format tkvm knows, by name and by probe. `tkvm img` and the
 * machine's disks find formats only through here.
 */
import type { ImageFormat } from '../format.js';
import { qcowFormat } from './qcow/index.js';
import { rawFormat } from './raw/index.js';

/** Registered formats; probing picks the highest score, raw (score 1) is the fallback. */
const FORMATS: ImageFormat[] = [qcowFormat, rawFormat];
// qcow2 lives on branch `block`; wiring it in is this one line:
// FORMATS.unshift((await import('./qcow2/index.js')).qcow2Format);

/** The format called `name` (qemu-img's spelling), or undefined. */
export function findFormat(name: string): ImageFormat | undefined {
  return FORMATS.find((f) => f.name === name);
}

/** Names of all formats, for help texts. */
export function formatNames(): string[] {
  return FORMATS.map((f) => f.name);
}

/** The format whose probe scores the first bytes of a file highest (raw when nothing else matches). */
export function probeFormat(head: Uint8Array, path: string): ImageFormat {
  let best: ImageFormat = rawFormat;
  let bestScore = 0;
  for (const f of FORMATS) {
    const score = f.probe(head, path);
    if (score > bestScore) {
      best = f;
      bestScore = score;
    }
  }
  return best;
}
