/**
 * Port-I/O exit round trip, tkvm vs QEMU+KVM: guests/bench/pio.c writes `count` bytes to COM1's
 * THR from ring 3 (one exit each) with COM1 on `-serial null`, timing the loop with rdtsc, and
 * reports on COM2 (`-serial stdio`). Both VMMs run the same command line, interleaved.
 * Usage: node dist/bench/kvm/pio.js [--count 200000] [--rounds 3]. Target: tkvm <= 1.10x QEMU.
 */
import { summarize } from '../../src/bench/stats.js';
import { VMMS, guestArgs, guestElf, machineNote, numericOptions, printTable, ratioLine, shellLine, start, type Vmm } from './common.js';

const opts = numericOptions({ count: 200000, rounds: 3 });
const args = guestArgs(guestElf('pio'), `count=${opts.count}`, ['-display', 'none', '-serial', 'null', '-serial', 'stdio']);
const LINE = /pio: (\d+) writes in (\d+) ns, (\d+)\.(\d+) ns per write/;

/** One run: ns per write from the guest's line, and the wall time of the whole process. */
async function once(vmm: Vmm): Promise<{ nsPerWrite: number; wallMs: number }> {
  const p = start(vmm, args);
  p.child.stdin!.end();
  const { status, ms } = await p.done;
  const m = LINE.exec(p.stdout());
  if (status !== 1 || !m) throw new Error(`${vmm.name} failed (status ${status}): ${p.stdout().slice(-300)}`);
  return { nsPerWrite: Number(m[2]) / Number(m[1]), wallMs: ms };
}

console.log(`pio exit round trip, ${opts.count} outb to COM1 (-serial null) per run, ${opts.rounds} rounds interleaved`);
console.log(`machine: ${await machineNote()}`);
for (const v of VMMS) console.log(`command: ${shellLine(v, args)}`);
const perWrite = new Map<string, number[]>(VMMS.map((v) => [v.name, []]));
const wall = new Map<string, number[]>(VMMS.map((v) => [v.name, []]));
for (let r = 0; r < opts.rounds; r++) {
  for (const v of VMMS) {
    const x = await once(v);
    perWrite.get(v.name)!.push(x.nsPerWrite);
    wall.get(v.name)!.push(x.wallMs);
    console.log(`  round ${r + 1} ${v.name}: ${x.nsPerWrite.toFixed(1)} ns per write, process ${x.wallMs.toFixed(0)} ms`);
  }
}
const s = printTable('ns per port write (guest rdtsc)', 'ns', VMMS.map((v) => ({ label: v.name, samples: perWrite.get(v.name)! })), 1);
printTable('whole process, start to exit', 'ms', VMMS.map((v) => ({ label: v.name, samples: wall.get(v.name)! })), 0);
console.log(ratioLine('\nns per write', s.get('tkvm')!.median, s.get('qemu')!.median, 1.1));
// Paired per round (tkvm and QEMU back to back), less sensitive to load drift across rounds.
const paired = perWrite.get('tkvm')!.map((t, i) => t / perWrite.get('qemu')![i]!);
const ps = summarize(paired);
console.log(`per-round tkvm/qemu ratios: ${paired.map((r) => r.toFixed(2)).join(' ')} (median ${ps.median.toFixed(3)}x, tkvm faster in ${paired.filter((r) => r < 1).length} of ${paired.length})`);
