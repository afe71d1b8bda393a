/**
 * The deterministic write sequence shared by the crash-test child (which performs it) and the
 * parent test (which replays it to know what must have survived).
 */
import { patternBytes, prng, randInt } from './helpers.js';

/** One step of the child's workload. */
export type Step =
  | { kind: 'write'; off: number; data: Uint8Array }
  | { kind: 'zero'; off: number; len: number }
  | { kind: 'flush' }
  /** Create an internal snapshot, or delete the oldest when `del`. */
  | { kind: 'snap'; del: boolean };

/** Yields the steps for `seed` on an image of `size` bytes with clusters of `cs`. */
export function* steps(seed: number, size: number, cs: number, snapshots = false): Generator<Step> {
  const rnd = prng(seed);
  let live = 0;
  for (;;) {
    const r = randInt(rnd, 100);
    if (snapshots && r < 3) {
      const del = live >= 3 || (live > 0 && randInt(rnd, 2) === 0);
      live += del ? -1 : 1;
      yield { kind: 'snap', del };
    } else if (r < 8) {
      yield { kind: 'flush' };
    } else if (r < 14) {
      const len = cs * (1 + randInt(rnd, 3));
      const off = randInt(rnd, Math.floor((size - len) / cs)) * cs;
      yield { kind: 'zero', off, len };
    } else {
      const len = 1 + randInt(rnd, Math.max(2 * cs, 65536));
      const off = randInt(rnd, size - len);
      yield { kind: 'write', off, data: patternBytes(rnd, len) };
    }
  }
}
