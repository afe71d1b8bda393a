/**
 * Time to GRUB's menu on software CPUs (issue 6): tkvm's own (`-accel tcg`, tkvm's alias of
 * `-accel emu`), QEMU's TCG and v86 (npm package, WebAssembly JIT, headless in Node) on Debian's
 * grub-rescue-cdrom.iso, interleaved. tkvm and QEMU get the same command line with -nographic and
 * are timed until the menu's last entry ("Memtest86+") reaches stdout through SeaBIOS's serial
 * console; v86 (no fw_cfg, so no serial console) until the entry appears on its VGA text screen.
 * Every time runs from just before spawn, so each includes its start-up (Node for tkvm and v86).
 * Usage: node dist/bench/emu/grub-menu.js [--rounds 3]. Target: tkvm faster than v86, aiming at
 * QEMU's TCG. An engine that cannot run is reported with the reason, not timed.
 */
import { join } from 'node:path';
import { QEMU, ROOT, interleavedRounds, machineNote, numericOptions, printTable, shellLine, start, type Vmm } from '../kvm/common.js';

const ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const MENU_TEXT = 'Memtest86+';
const opts = numericOptions({ rounds: 3 });
const args = ['-no-acpi', '-m', '256', '-cdrom', ISO, '-boot', 'd', '-nographic'];

/** An engine: how to start it, and the stdout text that says the menu is up. */
interface Engine extends Vmm {
  readonly args: readonly string[];
  readonly marker: string;
}

const engines: Engine[] = [
  { name: 'tkvm-emu', command: join(ROOT, 'bin', 'tkvm'), prefix: ['-accel', 'tcg'], args, marker: MENU_TEXT },
  { name: 'qemu-tcg', command: QEMU, prefix: ['-accel', 'tcg'], args, marker: MENU_TEXT },
  { name: 'v86', command: process.execPath, prefix: [join(ROOT, 'dist', 'bench', 'emu', 'v86-grub.js')], args: [ISO, '--text', MENU_TEXT], marker: 'v86: menu' },
];

/** One run: seconds from spawn to the menu. */
async function once(engine: Vmm): Promise<{ menu: number }> {
  const e = engines.find((x) => x.name === engine.name)!;
  const p = start(e, e.args);
  try {
    return { menu: (await p.waitFor(e.marker)) / 1000 };
  } finally {
    p.child.kill('SIGKILL');
    await p.done;
  }
}

/** Engines that start and reach the menu once (the warm-up round); the others with why not. */
async function usable(): Promise<Engine[]> {
  const ok: Engine[] = [];
  for (const e of engines) {
    try {
      await once(e);
      ok.push(e);
    } catch (err) {
      console.log(`  ${e.name}: not measured: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
    }
  }
  return ok;
}

console.log(`time to GRUB's menu from ${ISO} on software CPUs, ${opts.rounds} rounds interleaved after a warm-up`);
console.log(`machine: ${await machineNote()}`);
for (const e of engines) console.log(`command: ${shellLine(e, e.args)}`);
const running = await usable();
const samples = await interleavedRounds(opts.rounds, once, ['menu'] as const, (_r, _v, x) => `menu after ${x.menu.toFixed(2)} s`, 1, running);
const t = printTable('seconds from spawn to the GRUB menu', 's', running.map((e) => ({ label: e.name, samples: samples.get(`${e.name} menu`)! })), 2);
const tkvm = t.get('tkvm-emu');
console.log('');
for (const other of ['v86', 'qemu-tcg']) {
  const o = t.get(other);
  if (tkvm !== undefined && o !== undefined) console.log(`tkvm-emu/${other} median ratio ${(tkvm.median / o.median).toFixed(2)}x (below 1: tkvm faster)`);
}
