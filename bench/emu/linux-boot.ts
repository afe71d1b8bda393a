/**
 * Time from spawn to the busybox prompt for Debian's i686 kernel and the issue-7 initramfs
 * (test/emu-linux/initramfs.ts, built by scripts/fetch-test-assets.sh) on software CPUs:
 * `tkvm -accel tcg` against `qemu-system-i386 -accel tcg`, interleaved, same command line
 * (-m 512 -kernel -initrd -append console=ttyS0 -nographic). Prints the tkvm/QEMU ratio (issue 7
 * aims at 2x) and tkvm's instruction rate during the boot (TKVM_EMU_STATS=1, printed when it is
 * ended with Ctrl-A x). A run that does not reach the prompt within --guard seconds is reported
 * with its last output and tkvm's instruction count, not timed.
 * Usage: node dist/bench/emu/linux-boot.js [--rounds 3] [--guard 1800]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, interleavedRounds, machineNote, numericOptions, printTable, shellLine, start, type Vmm } from '../kvm/common.js';
import { LINUX_PROMPT } from '../../test/emu-linux/initramfs.js';

const opts = numericOptions({ rounds: 3, guard: 1800 });
const KERNEL = join(ROOT, '.cache/assets/vmlinuz-686');
const INITRD = join(ROOT, '.cache/assets/initrd-686.cpio.gz');
const args = ['-m', '512', '-kernel', KERNEL, '-initrd', INITRD, '-append', 'console=ttyS0', '-nographic'];
const engines: Vmm[] = [
  { name: 'tkvm-emu', command: join(ROOT, 'bin', 'tkvm'), prefix: ['-accel', 'tcg'] },
  { name: 'qemu-tcg', command: process.env.QEMU_I386_BIN ?? 'qemu-system-i386', prefix: ['-accel', 'tcg'] },
];
/** tkvm's TKVM_EMU_STATS line per run, for the instruction rate. */
const rates: string[] = [];

/** One boot: seconds from spawn to the prompt; tkvm's rate line is kept from its exit. */
async function once(engine: Vmm): Promise<{ prompt: number }> {
  process.env.TKVM_EMU_STATS = '1';
  const p = start(engine, args);
  let stderr = '';
  p.child.stderr!.on('data', (b: Buffer) => (stderr += b.toString('latin1')));
  let guard: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<never>((_ok, fail) => {
      guard = setTimeout(() => fail(new Error(`no prompt within ${opts.guard} s; last output: ${JSON.stringify(p.stdout().slice(-300))}`)), opts.guard * 1000);
    });
    return { prompt: (await Promise.race([p.waitFor(LINUX_PROMPT), timedOut])) / 1000 };
  } finally {
    clearTimeout(guard);
    // Ctrl-A x: the -nographic mux's quit, so tkvm prints its instruction count on the way out.
    p.child.stdin!.write('\x01x');
    const quit = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
    await p.done;
    clearTimeout(quit);
    const rate = /emu: .*/.exec(stderr)?.[0];
    if (engine.name === 'tkvm-emu' && rate !== undefined) rates.push(rate);
  }
}

if (!existsSync(KERNEL) || !existsSync(INITRD)) {
  console.log(`${KERNEL} or ${INITRD} is missing: run scripts/fetch-test-assets.sh (after npx tsc)`);
  process.exit(0);
}
console.log(`time from spawn to the busybox prompt, Debian i686 kernel + issue-7 initramfs, ${opts.rounds} rounds interleaved after a warm-up`);
console.log(`machine: ${await machineNote()}`);
for (const e of engines) console.log(`command: ${shellLine(e, args)}`);
const running: Vmm[] = [];
for (const e of engines) {
  try {
    const r = await once(e);
    console.log(`  warm-up ${e.name}: prompt after ${r.prompt.toFixed(2)} s`);
    running.push(e);
  } catch (err) {
    console.log(`  ${e.name}: not measured: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  }
  if (e.name === 'tkvm-emu' && rates.length > 0) console.log(`  tkvm: ${rates.at(-1)}`);
}
const samples = await interleavedRounds(opts.rounds, once, ['prompt'] as const, (_r, _v, x) => `prompt after ${x.prompt.toFixed(2)} s`, 1, running);
const t = printTable('seconds from spawn to the busybox prompt', 's', running.map((e) => ({ label: e.name, samples: samples.get(`${e.name} prompt`)! })), 2);
const tk = t.get('tkvm-emu');
const q = t.get('qemu-tcg');
console.log('');
if (tk !== undefined && q !== undefined) console.log(`tkvm-emu/qemu-tcg median ratio ${(tk.median / q.median).toFixed(2)}x (issue 7 target: within 2x)`);
for (const r of rates) console.log(`tkvm instruction rate: ${r}`);
