/** Summary statistics for benchmark samples (min / median / max), shared by every benchmark. */
export interface Summary {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly n: number;
}

/** min / median / max of the samples. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('no samples');
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, max: s[s.length - 1]!, n: s.length };
}

/** Formats a summary with a unit, e.g. "12.3 ms (min 11.9, max 14.0, n=5)". */
export function formatSummary(x: Summary, unit: string, digits = 2): string {
  return `${x.median.toFixed(digits)} ${unit} (min ${x.min.toFixed(digits)}, max ${x.max.toFixed(digits)}, n=${x.n})`;
}
