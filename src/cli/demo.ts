/**
 * `tkvm demo` (the README's first command, via scripts/demo.sh): boots the bundled pi guest under
 * tkvm on KVM, streams its console, runs the same program natively and compares the two.
 */
import { cpus, loadavg } from 'node:os';
import { relative } from 'node:path';
import { CliError } from './options-error.js';
import { makeEngines, kvmUnusableReason } from '../bench/engines.js';
import { ensureWorkloadsBuilt, REPO_ROOT } from '../bench/paths.js';
import { judge, runTimed, type Config, type TimedRun } from '../bench/runner.js';
import { shellQuote } from '../bench/report.js';
import { columns, pct } from '../bench/table.js';
import { piSize } from '../bench/workloads.js';

/** Digits the demo computes by default: Super PI's classic 1M, checked against reference digits. */
export const DEMO_DIGITS = 1_000_000;

/** Digits on the software CPU when /dev/kvm is unusable: about 15-30 s there (checked against reference digits). */
export const DEMO_EMU_DIGITS = 1_000;

const DEMO_HELP = `usage: tkvm demo [--digits N]
Boots build/guests/pi.elf under tkvm on KVM (pi to N digits, default ${DEMO_DIGITS}), then runs
the same program natively and shows both times side by side. Where /dev/kvm is unusable it says
why and runs the i386 build of the guest on tkvm's software CPU (-accel emu) instead (default
${DEMO_EMU_DIGITS} digits there).
For every engine (QEMU too), run: tkvm bench
`;

function parseDemoArgs(argv: readonly string[]): number | undefined | 'help' {
  let digits: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') return 'help';
    const v = a === '--digits' ? argv[++i] : a.startsWith('--digits=') ? a.slice('--digits='.length) : undefined;
    if (v === undefined) throw new CliError(a === '--digits' ? '--digits: missing argument' : `demo: unknown option ${a} (see tkvm demo --help)`);
    if (!/^\d+$/.test(v) || Number(v) < 10 || Number(v) > 1_000_000) throw new CliError(`--digits ${v}: must be a whole number between 10 and 1000000`);
    digits = Number(v);
  }
  return digits;
}

/** Entry point of `tkvm demo`. */
export async function demoCommand(argv: string[]): Promise<number> {
  const asked = parseDemoArgs(argv);
  if (asked === 'help') {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  const say = (line: string) => process.stdout.write(`\x1b[1mdemo:\x1b[0m ${line}\n`.replace(/\x1b\[[0-9;]*m/g, process.stdout.isTTY ? '$&' : ''));
  const why = await kvmUnusableReason();
  const onKvm = why === undefined;
  if (!onKvm) {
    say(`/dev/kvm is not usable here: ${why}.`);
    say('running the demo on tkvm\'s software CPU instead (-accel emu, the i386 build of the guest; much slower than KVM).');
  }
  const digits = asked ?? (onKvm ? DEMO_DIGITS : DEMO_EMU_DIGITS);
  ensureWorkloadsBuilt((l) => say(l));

  const engines = makeEngines({ qemu: 'qemu-system-x86_64' });
  const size = piSize(digits);
  const guest: Config = { size, engine: onKvm ? engines.tkvm : engines['tkvm-emu'] };
  const where = onKvm ? 'on KVM' : 'on its software CPU';
  const native: Config = { size, engine: engines.native };
  const show = (c: Config) => {
    const inv = c.engine.invocation(c.size);
    return shellQuote([inv.cmd, ...inv.argv].map((w) => (w.startsWith(REPO_ROOT + '/') ? relative(process.cwd(), w) : w)));
  };
  const stream = (d: string) => process.stdout.write(d.replace(/\r\n/g, '\n').replace(/\r/g, ''));

  say(`booting the pi guest under tkvm ${where} (${digits} digits, no disk image, no download):`);
  say(`$ ${show(guest)}`);
  const g = await runTimed(guest.engine.invocation(size), stream);
  const early = judge(guest, g, undefined);
  // A digit count pi.c has no reference for is checked against native below.
  const awaitsNative = early.output !== undefined && early.output.verified === undefined && g.status === guest.engine.okStatus;
  if (early.status !== 'ok' && !awaitsNative) return fail(early.detail);

  say('now the same program as a Linux process:');
  say(`$ ${show(native)}`);
  const n = await runTimed(native.engine.invocation(size), stream);
  const nv = judge(native, n, undefined);
  if (nv.status !== 'ok') return fail(nv.detail);
  // Lengths without reference digits in pi.c are checked against the native run's digits.
  const gv2 = judge(guest, g, nv.output!.fingerprint);
  if (gv2.status !== 'ok') return fail(gv2.detail);

  const gt = gv2.output!.metrics.time!;
  const nt = nv.output!.metrics.time!;
  const verdict = (r: TimedRun, ok: boolean | undefined) => (ok ? 'OK' : /UNCHECKED/.test(r.stdout) ? 'same digits as native' : 'OK');
  process.stdout.write('\n' + columns([
    ['', guest.engine.label, 'native'],
    [`pi, ${digits} digits`, `${gt.toFixed(3)} s`, `${nt.toFixed(3)} s`],
    ['result', verdict(g, gv2.output!.verified), verdict(n, nv.output!.verified)],
    ['wall time (tkvm: with VM start)', `${g.wallS.toFixed(2)} s`, `${n.wallS.toFixed(2)} s`],
  ], [false, true, true]).join('\n') + '\n\n');
  const load = loadavg()[0] ?? 0;
  const busy = load > cpus().length * 0.75 ? `: load average ${load.toFixed(1)} on ${cpus().length} CPUs, other work competed, so this one ratio is noisy` : '';
  const speed = nt / gt >= 0.01 ? `at ${pct(nt / gt)} of native speed` : `${Math.round(gt / nt)} times slower than native`;
  say(`tkvm ${where} ran pi ${speed} (one run each${busy}).`);
  if (!onKvm) say('with a usable /dev/kvm (a host with VT-x or AMD-V, and access to /dev/kvm) the same guest runs at native speed.');
  say('every engine, several runs, QEMU included: tkvm bench   (figures: BENCHMARKS.md)');
  return 0;
}

function fail(detail: string | undefined): number {
  process.stderr.write(`tkvm demo: ${detail ?? 'the run failed'}\n`);
  return 1;
}
