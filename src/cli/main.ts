import { TkvmError } from '../errors.js';

/** Version printed by `tkvm -version` and `tkvm img --version`. */
export const TKVM_VERSION = '0.1.0';

/** A subcommand: takes its own argv (after the subcommand name) and resolves to an exit status. */
type Subcommand = (argv: string[]) => Promise<number>;

/**
 * Subcommands by name, loaded lazily so `tkvm img` does not load the KVM binding and vice versa.
 * Anything that is not a subcommand is QEMU-style `tkvm run` syntax (`tkvm -m 256 -kernel ...`).
 */
const SUBCOMMANDS: Record<string, () => Promise<Subcommand>> = {
  run: async () => (await import('./run.js')).runCommand,
  bench: async () => (await import('./bench.js')).benchCommand,
  demo: async () => (await import('./demo.js')).demoCommand,
  img: async () => (await import('../img/main.js')).imgCommand,
};

async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  const loader = first !== undefined ? SUBCOMMANDS[first] : undefined;
  if (loader !== undefined) return (await loader())(argv.slice(1));
  return (await import('./run.js')).runCommand(argv);
}

/** Prints an error as one clear line (stack traces only with TKVM_DEBUG=1) and picks the status. */
export function reportFatal(prefix: string, err: unknown): number {
  if (process.env.TKVM_DEBUG === '1') console.error(err);
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${prefix}: ${msg}\n`);
  return err instanceof TkvmError ? 1 : 2;
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (err: unknown) => {
    process.exitCode = reportFatal('tkvm', err);
  },
);
