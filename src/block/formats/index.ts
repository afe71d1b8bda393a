/**
 * The format registry: every image format tkvm knows, by name and by probe. `tkvm img` and the
 * machine's disks find formats only through here. Probing needs only each format's first-bytes
 * test; a format's driver module is imported on its first open or create, so a command that
 * touches only raw images, or only qcow2 ones, does not load the others (each module costs
 * start-up time in Node's ESM loader).
 */
import type { ImageFormat } from '../format.js';
import { isQcowHead } from './qcow/header.js';
import { probeQcow2 } from './qcow2/probe.js';
import { rawFormat } from './raw/index.js';

/** A format whose implementation is imported when first opened or created. */
function lazyFormat(name: string, probe: ImageFormat['probe'], load: () => Promise<ImageFormat>): ImageFormat {
  let loaded: Promise<ImageFormat> | undefined;
  const impl = (): Promise<ImageFormat> => (loaded ??= load());
  return {
    name,
    probe,
    async open(path, options, openBacking) {
      return (await impl()).open(path, options, openBacking);
    },
    async create(path, options) {
      return (await impl()).create(path, options);
    },
  };
}

/** Registered formats; probing picks the highest score, raw (score 1) is the fallback. */
const FORMATS: ImageFormat[] = [
  lazyFormat('qcow2', probeQcow2, async () => (await import('./qcow2/index.js')).qcow2Format),
  lazyFormat('qcow', (head) => (isQcowHead(head) ? 100 : 0), async () => (await import('./qcow/index.js')).qcowFormat),
  rawFormat,
];

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
