/** `tkvm bench`: pi and memory bandwidth natively and under every engine, as table, JSON and charts. */
import { loadavg } from 'node:os';
import { relative, resolve } from 'node:path';
import { TkvmError } from '../errors.js';
import { ENGINE_IDS, makeEngines, type Availability, type EngineId } from '../bench/engines.js';
import { BENCH_HELP, parseBenchArgs } from '../bench/options.js';
import { makeDirs, writeReport } from '../bench/output.js';
import { ensureWorkloadsBuilt, REPO_ROOT } from '../bench/paths.js';
import { planConfigs } from '../bench/plan.js';
import { Progress } from '../bench/progress.js';
import { buildReport } from '../bench/report.js';
import { runInterleaved } from '../bench/runner.js';
import { formatTable } from '../bench/table.js';

/** Entry point of `tkvm bench`; exit status 1 when any engine failed or computed a wrong result. */
export async function benchCommand(argv: string[]): Promise<number> {
  const options = parseBenchArgs(argv);
  if (options === 'help') {
    process.stdout.write(BENCH_HELP);
    return 0;
  }
  const log = (line: string) => process.stderr.write(`tkvm bench: ${line}\n`);
  const startLoad = loadavg();
  const date = new Date();
  makeDirs(options.out);
  ensureWorkloadsBuilt(log);

  const table = makeEngines({ qemu: options.qemu });
  const engines = ENGINE_IDS.map((id) => table[id]);
  const wanted = engines.filter((e) => e.id === 'native' || options.engines.includes(e.id));
  const availability = new Map<EngineId, Availability>();
  for (const e of wanted) availability.set(e.id, await e.availability());
  const runnable = wanted.filter((e) => availability.get(e.id)?.status === 'ok');
  for (const e of wanted) {
    const a = availability.get(e.id)!;
    if (a.status !== 'ok') log(`${e.label}: ${a.status} (${a.detail})`);
  }

  const configs = planConfigs(options, table.native, runnable);
  const progress = new Progress();
  const results = await runInterleaved(configs, options.reps, {
    onStart: (i, total, c, rep) => progress.update(`[${i}/${total}] ${c.size.workload} ${c.size.label} on ${c.engine.label}, run ${rep + 1} of ${options.reps}`),
  });
  progress.clear();

  const report = buildReport({ argv, options, engines, availability, results, loadavg: startLoad, date });
  process.stdout.write(formatTable(report));
  const out = resolve(options.out);
  const written = writeReport(report, out);
  const shown = (p: string) => (p.startsWith(REPO_ROOT) ? relative(process.cwd(), p) || p : p);
  process.stdout.write(`\nwrote ${written.files.map(shown).join(', ')}\n`);
  for (const n of written.notes) log(n);

  const bad = results.filter((r) => r.status !== 'ok');
  for (const r of bad) log(r.detail ?? `${r.config.engine.label} ${r.status}`);
  if (bad.some((r) => r.status === 'wrong')) throw new TkvmError('wrong-result', `wrong result under ${[...new Set(bad.filter((r) => r.status === 'wrong').map((r) => r.config.engine.label))].join(', ')}`);
  return bad.length > 0 ? 1 : 0;
}
