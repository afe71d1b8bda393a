/**
 * VMM memory beside the guest: tkvm vs QEMU+KVM running guests/tests/echo.c (-m 256), sampled
 * from /proc/PID/smaps_rollup and /proc/PID/smaps while the guest waits for input, then 'q' ends
 * it. VMM overhead = total RSS minus the RSS of the guest-RAM mapping (the anonymous mapping
 * whose size is exactly -m). Usage: node dist/bench/kvm/memory.js [--rounds 3] [--settle 1000].
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { VMMS, interleavedRounds, guestArgs, guestElf, machineNote, numericOptions, printTable, shellLine, start, type Vmm } from './common.js';

const opts = numericOptions({ rounds: 3, settle: 1000 });
const RAM_KIB = 256 * 1024;
const args = guestArgs(guestElf('echo'), 'memory', ['-nographic']);

/** Resident memory of one process in KiB: total, guest RAM mapping, and the rest. */
interface Sample {
  total: number;
  pss: number;
  guest: number;
  overhead: number;
  /** Anonymous memory outside the guest-RAM mapping (heaps, stacks, JIT code). */
  anon: number;
  /** File-backed resident pages (binaries and libraries, often shared with other processes). */
  file: number;
}

/** Reads /proc/PID/smaps(_rollup): total Rss/Pss and the Rss of the -m sized anonymous mapping. */
function sampleProcess(pid: number): Sample {
  const field = (text: string, name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const total = field(rollup, 'Rss');
  const pss = field(rollup, 'Pss');
  const anonTotal = field(rollup, 'Anonymous');
  const guestRss: number[] = [];
  const guestAnon: number[] = [];
  // Each mapping: a header line "start-end perms offset dev inode [path]" then "Key: N kB" lines.
  for (const block of readFileSync(`/proc/${pid}/smaps`, 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    const header = block.slice(0, block.indexOf('\n'));
    const anon = /^\S+ \S+ \S+ 00:00 0\s*$/.test(header);
    if (anon && field(block, 'Size') === RAM_KIB) {
      guestRss.push(field(block, 'Rss'));
      guestAnon.push(field(block, 'Anonymous'));
    }
  }
  if (guestRss.length !== 1) throw new Error(`pid ${pid}: expected one ${RAM_KIB} KiB anonymous mapping for guest RAM, found ${guestRss.length}`);
  const guest = guestRss[0]!;
  return { total, pss, guest, overhead: total - guest, anon: anonTotal - guestAnon[0]!, file: total - anonTotal };
}

async function once(vmm: Vmm): Promise<Sample> {
  const p = start(vmm, args);
  await p.waitFor('echo: ready');
  await sleep(opts.settle);
  const s = sampleProcess(p.child.pid!);
  p.child.stdin!.write('q');
  await p.waitFor('echo: bye');
  p.child.stdin!.end();
  const { status } = await p.done;
  if (status !== 1) throw new Error(`${vmm.name} exited with status ${status}`);
  return s;
}

console.log(`resident memory while the echo guest waits (-m 256), ${opts.rounds} rounds interleaved, sampled ${opts.settle} ms after "echo: ready"`);
console.log(`machine: ${await machineNote()}`);
for (const v of VMMS) console.log(`command: ${shellLine(v, args)}`);
const keys = ['total', 'pss', 'guest', 'overhead', 'anon', 'file'] as const;
const samples = await interleavedRounds(opts.rounds, once, keys,
  (_r, _v, x) => `RSS ${x.total} KiB (PSS ${x.pss}), guest RAM ${x.guest} KiB, VMM ${x.overhead} KiB (anon ${x.anon}, file ${x.file})`, 1 / 1024);
const label = { total: 'total RSS', pss: 'total PSS', guest: 'guest-RAM RSS', overhead: 'VMM RSS (total - guest)', anon: '  of which anonymous', file: '  of which file-backed' };
const rows = keys.flatMap((k) => VMMS.map((v) => ({ label: `${v.name} ${label[k]}`, samples: samples.get(`${v.name} ${k}`)! })));
const s = printTable('resident memory', 'MiB', rows, 1);
const t = s.get(`tkvm ${label.overhead}`)!.median;
const q = s.get(`qemu ${label.overhead}`)!.median;
console.log(`\nVMM RSS beyond guest RAM: tkvm ${t.toFixed(1)} MiB, qemu ${q.toFixed(1)} MiB, tkvm/qemu median ratio ${(t / q).toFixed(3)}x`);
