/** `tkvm bench` options: parsed and validated here, so the runner only sees sane values. */
import { CliError } from '../cli/options-error.js';
import { ENGINE_IDS, type EngineId } from './engines.js';

/** Everything one bench run is configured by. */
export interface BenchOptions {
  readonly digits: number;
  /** pi digits for the slow (software-emulation) engines, and native alongside them. */
  readonly slowDigits: number;
  readonly mb: number;
  readonly passes: number;
  readonly slowMb: number;
  readonly slowPasses: number;
  readonly reps: number;
  /** Engines asked for; native always runs (the baseline for ratios and digits). */
  readonly engines: readonly EngineId[];
  readonly out: string;
  readonly qemu: string;
  readonly quick: boolean;
}

/** Defaults: about 3 minutes on the shared 2-core development VM (see BENCHMARKS.md). */
export const DEFAULTS: BenchOptions = {
  digits: 200_000, slowDigits: 20_000, mb: 64, passes: 5, slowMb: 16, slowPasses: 2, reps: 3,
  engines: ENGINE_IDS, out: 'build/bench', qemu: 'qemu-system-x86_64', quick: false,
};

/** --quick: one run each at small sizes, a smoke test of every engine (about a minute). */
export const QUICK: Partial<BenchOptions> = { digits: 10_000, slowDigits: 1_000, mb: 16, passes: 2, slowMb: 4, slowPasses: 2, reps: 1, quick: true };

/** What `tkvm bench --help` prints. */
export const BENCH_HELP = `usage: tkvm bench [options]
Runs the pi and memory-bandwidth workloads natively and under each engine (tkvm on KVM,
QEMU on KVM, QEMU TCG, tkvm's software CPU), interleaved, and writes a table, JSON and charts.

  --digits N        pi digits for native and the KVM engines (default ${DEFAULTS.digits})
  --slow-digits N   pi digits for the software-emulation engines (default ${DEFAULTS.slowDigits})
  --mb N            membw array size in MiB, 1..64 (default ${DEFAULTS.mb}; software engines ${DEFAULTS.slowMb})
  --passes N        membw passes, best is kept (default ${DEFAULTS.passes}; software engines ${DEFAULTS.slowPasses})
  --reps N          runs per configuration, interleaved A B C A B C (default ${DEFAULTS.reps})
  --engines LIST    comma list of ${ENGINE_IDS.join(',')} (default all; native always runs)
  --out DIR         where bench.json, pi.svg and membw.svg (and PNGs) go (default ${DEFAULTS.out})
  --qemu PATH       QEMU binary to compare with (default ${DEFAULTS.qemu} on PATH)
  --quick           one run each at small sizes (pi ${QUICK.digits} digits, membw ${QUICK.mb} MiB)
  -h, --help        this text
pi checks itself at 1000, 10000, 100000 and 1000000 digits; other counts are checked
against the native run's digits. A wrong result fails the run (exit status 1).
`;

function intArg(name: string, value: string | undefined, min: number, max: number): number {
  if (value === undefined) throw new CliError(`${name}: missing argument`);
  if (!/^\d+$/.test(value)) throw new CliError(`${name} ${value}: not a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw new CliError(`${name} ${value}: must be between ${min} and ${max}`);
  return n;
}

/** Parses `tkvm bench` argv; returns 'help' for -h/--help. Bad input throws CliError. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions | 'help' {
  const given: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const name = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string | undefined => (eq > 0 ? raw.slice(eq + 1) : argv[++i]);
    switch (name) {
      case '-h': case '--help': case '-help': return 'help';
      case '--quick': given.quick = true; break;
      case '--digits': given.digits = intArg(name, value(), 10, 1_000_000); break;
      case '--slow-digits': given.slowDigits = intArg(name, value(), 10, 1_000_000); break;
      case '--mb': given.mb = intArg(name, value(), 1, 64); break;
      case '--passes': given.passes = intArg(name, value(), 1, 1000); break;
      case '--reps': given.reps = intArg(name, value(), 1, 100); break;
      case '--engines': given.engines = parseEngines(value()); break;
      case '--out': {
        const v = value();
        if (!v) throw new CliError('--out: missing directory');
        given.out = v;
        break;
      }
      case '--qemu': {
        const v = value();
        if (!v) throw new CliError('--qemu: missing program');
        given.qemu = v;
        break;
      }
      default: throw new CliError(`bench: unknown option ${raw} (see tkvm bench --help)`);
    }
  }
  const base = given.quick ? { ...DEFAULTS, ...QUICK } : DEFAULTS;
  const o = { ...base, ...given } as BenchOptions;
  // --mb/--passes apply to the slow engines too unless that would exceed their defaults.
  return { ...o, slowMb: Math.min(o.slowMb, o.mb), slowPasses: Math.min(o.slowPasses, o.passes), slowDigits: Math.min(o.slowDigits, o.digits) };
}

function parseEngines(v: string | undefined): EngineId[] {
  if (!v) throw new CliError('--engines: missing list');
  if (v === 'all') return [...ENGINE_IDS];
  const out: EngineId[] = [];
  for (const name of v.split(',')) {
    if (!(ENGINE_IDS as readonly string[]).includes(name)) throw new CliError(`--engines: unknown engine '${name}' (known: ${ENGINE_IDS.join(', ')})`);
    if (!out.includes(name as EngineId)) out.push(name as EngineId);
  }
  return out;
}
