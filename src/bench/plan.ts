/** Which configurations a bench run measures, in the order each interleaved round runs them. */
import type { Engine } from './engines.js';
import type { BenchOptions } from './options.js';
import type { Config } from './runner.js';
import { membwSize, piSize, type WorkloadSize } from './workloads.js';

/**
 * For each workload: native and the KVM engines at the full size, then native and the software
 * engines at the smaller size (only when a software engine runs). Native comes first in each
 * group: it is the reference for the digits and the baseline for the ratios.
 */
export function planConfigs(options: BenchOptions, native: Engine, engines: readonly Engine[]): Config[] {
  const fast = engines.filter((e) => !e.slow && e.id !== 'native');
  const slow = engines.filter((e) => e.slow);
  const sizes: Array<[WorkloadSize, WorkloadSize]> = [
    [piSize(options.digits), piSize(options.slowDigits)],
    [membwSize(options.mb, options.passes), membwSize(options.slowMb, options.slowPasses)],
  ];
  const out: Config[] = [];
  for (const [full, small] of sizes) {
    const same = full.args.join(' ') === small.args.join(' ');
    out.push({ size: full, engine: native }, ...fast.map((engine) => ({ size: full, engine })));
    if (slow.length === 0) continue;
    if (!same) out.push({ size: small, engine: native });
    out.push(...slow.map((engine) => ({ size: small, engine })));
  }
  return out;
}
