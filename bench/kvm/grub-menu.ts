/**
 * Time to GRUB's menu, tkvm vs QEMU+KVM in the same run: `-no-acpi -m 256 -cdrom
 * grub-rescue-cdrom.iso -boot d -nographic` (Debian package grub-rescue-pc), from just before
 * spawn until the menu's last entry ("Memtest86+") reaches stdout through SeaBIOS's serial
 * console, plus each VMM's resident memory (VmRSS of the process) at that moment. SeaBIOS and
 * GRUB run emulated on this nested KVM (DESIGN section 5): tens of seconds each.
 * Usage: node dist/bench/kvm/grub-menu.js [--rounds 3]. Target: tkvm within 1.2x of QEMU.
 */
import { readFileSync } from 'node:fs';
import { VMMS, interleavedRounds, machineNote, numericOptions, printTable, ratioLine, shellLine, start, type Vmm } from './common.js';

const ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const MENU_TEXT = 'Memtest86+';
const opts = numericOptions({ rounds: 3 });
const args = ['-no-acpi', '-m', '256', '-cdrom', ISO, '-boot', 'd', '-nographic'];

/** VmRSS of `pid` in MiB. */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** One run: seconds to the menu and MiB resident then. */
async function once(vmm: Vmm): Promise<{ menu: number; rss: number }> {
  const p = start(vmm, args);
  const menu = await p.waitFor(MENU_TEXT);
  const rss = rssMiB(p.child.pid!);
  p.child.kill('SIGKILL');
  await p.done;
  return { menu: menu / 1000, rss };
}

console.log(`time to GRUB's menu from ${ISO}, ${opts.rounds} rounds interleaved`);
console.log(`machine: ${await machineNote()}`);
for (const v of VMMS) console.log(`command: ${shellLine(v, args)}`);
const samples = await interleavedRounds(opts.rounds, once, ['menu', 'rss'] as const,
  (_r, _v, x) => `menu after ${x.menu.toFixed(1)} s, VmRSS ${x.rss.toFixed(1)} MiB`);
const t = printTable('seconds from spawn to the GRUB menu', 's', VMMS.map((v) => ({ label: v.name, samples: samples.get(`${v.name} menu`)! })), 1);
const m = printTable('VmRSS at the menu', 'MiB', VMMS.map((v) => ({ label: v.name, samples: samples.get(`${v.name} rss`)! })), 1);
console.log('');
console.log(ratioLine('to the GRUB menu', t.get('tkvm')!.median, t.get('qemu')!.median, 1.2));
console.log(`resident memory: tkvm/qemu median ratio ${(m.get('tkvm')!.median / m.get('qemu')!.median).toFixed(2)}x`);
