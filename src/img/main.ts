/**
 * `tkvm img`: qemu-img's command line. Dispatches to one file per subcommand and turns every
 * error into one "tkvm img: ..." line (no stack trace; TKVM_DEBUG=1 shows it) and an exit status.
 */
import nodeModule, { createRequire } from 'node:module';
import { TkvmError } from '../errors.js';
import { ImgUsageError, PROG } from './errors.js';
import { stdout } from './stdout.js';

/**
 * Version from package.json (not imported from cli/main.ts, which runs on import). Read only for
 * --version: require() sets up Node's CommonJS loader, which other commands do not need.
 */
function version(): string {
  return (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
}

/**
 * Node 22.1+ can keep V8's compiled code of our modules on disk between runs
 * (module.enableCompileCache; NODE_DISABLE_COMPILE_CACHE=1 turns it off), which shortens the
 * start-up of every `tkvm img` command; Node 20 has no such call and this does nothing there.
 * Enabled here, before the subcommand and block-layer modules are imported.
 */
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

type Command = (argv: string[]) => Promise<number>;

/** Subcommands, loaded lazily; names as in qemu-img. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  create: async () => (await import('./commands/create.js')).createCommand,
  info: async () => (await import('./commands/info.js')).infoCommand,
  map: async () => (await import('./commands/map.js')).mapCommand,
  check: async () => (await import('./commands/check.js')).checkCommand,
  convert: async () => (await import('./commands/convert.js')).convertCommand,
  compare: async () => (await import('./commands/compare.js')).compareCommand,
  resize: async () => (await import('./commands/resize.js')).resizeCommand,
  measure: async () => (await import('./commands/measure.js')).measureCommand,
  snapshot: async () => (await import('./commands/snapshot.js')).snapshotCommand,
  commit: async () => (await import('./commands/commit.js')).commitCommand,
  rebase: async () => (await import('./commands/rebase.js')).rebaseCommand,
  amend: async () => (await import('./commands/amend.js')).amendCommand,
  bench: async () => (await import('./commands/bench.js')).benchCommand,
};

const USAGE = `usage: tkvm img [standard options] command [command options]
QEMU disk image utility (tkvm implementation, qemu-img compatible)

    '-h', '--help'       display this help and exit
    '-V', '--version'    output version information and exit

Command syntax:
  amend [-p] [-q] [-f fmt] [-t cache] [--force] -o options filename
  bench [-c count] [-d depth] [-f fmt] [-n] [-o offset] [--pattern=pattern] [-q] [-s buffer_size] [-S step_size] [-t cache] [-w] [-U] filename
  check [-q] [-f fmt] [--output=ofmt] [-r [leaks | all]] [-U] filename
  commit [-q] [-f fmt] [-t cache] [-b base] [-d] [-p] filename
  compare [-f fmt] [-F fmt] [-p] [-q] [-s] [-U] filename1 filename2
  convert [-U] [-c] [-p] [-q] [-n] [-f fmt] [-t cache] [-T src_cache] [-O output_fmt] [-B backing_file [-F backing_fmt]] [-o options] [-S sparse_size] [-m num_coroutines] [-W] filename [filename2 [...]] output_filename
  create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] [-o options] filename [size]
  info [-f fmt] [--output=ofmt] [--backing-chain] [-U] filename
  map [-f fmt] [--start-offset=offset] [--max-length=len] [--output=ofmt] [-U] filename
  measure [--output=ofmt] [-O output_fmt] [-o options] [--size N | [-f fmt] filename]
  snapshot [-U] [-q] [-l | -a snapshot | -c snapshot | -d snapshot] filename
  rebase [-U] [-q] [-f fmt] [-t cache] [-T src_cache] [-p] [-u] -b backing_file [-F backing_fmt] filename
  resize [-f fmt] [--preallocation=prealloc] [-q] [--shrink] filename [+ | -]size

  'size' is the disk image size in bytes. Optional suffixes 'k' or 'K' (kilobyte, 1024),
    'M' (megabyte, 1024k), 'G' (gigabyte, 1024M), 'T' (terabyte, 1024G), 'P' (petabyte, 1024T)
    and 'E' (exabyte, 1024P) are supported. 'b' is ignored.
  '-c' indicates that target image must be compressed (qcow and qcow2 formats only)
  '-p' show progress of command (only certain commands)
  '-q' use Quiet mode - do not print any output (except errors)
`;

/** Prints an error the qemu-img way and returns the exit status it implies. */
export function reportImgError(err: unknown): number {
  if (process.env.TKVM_DEBUG === '1') console.error(err);
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${PROG}: ${msg}\n`);
  if (err instanceof ImgUsageError) {
    if (err.hint) process.stderr.write(`Try '${PROG} --help' for more information\n`);
    return err.status;
  }
  return err instanceof TkvmError ? 1 : 1;
}

/** Entry point of `tkvm img ...`; resolves to the process exit status. */
export async function imgCommand(argv: string[]): Promise<number> {
  try {
    const first = argv[0];
    if (first === undefined) throw new ImgUsageError('Not enough arguments', true);
    if (first === '-h' || first === '--help' || first === 'help') {
      const { formatNames } = await import('../block/formats/index.js');
      stdout().write(USAGE + `\nSupported formats: ${formatNames().join(' ')}\n`);
      return 0;
    }
    if (first === '-V' || first === '--version') {
      stdout().write(`tkvm img version ${version()} (qemu-img 7.2 compatible)\n`);
      return 0;
    }
    const loader = COMMANDS[first];
    if (loader === undefined) {
      if (first.startsWith('-')) throw new ImgUsageError(`unrecognized option '${first}'`, true);
      throw new ImgUsageError(`Command not found: ${first}`, true);
    }
    const rest = argv.slice(1);
    if (rest.includes('-h') || rest.includes('--help')) {
      stdout().write(USAGE);
      return 0;
    }
    return await (await loader())(rest);
  } catch (err) {
    return reportImgError(err);
  }
}
