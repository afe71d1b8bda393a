/**
 * Start-up, tkvm vs QEMU+KVM on the same PVH guest (build/guests/hello.elf) and command line:
 * from just before spawn to the first byte on stdout, to the guest's first line ("Hello from",
 * the guest's first serial text), and to process exit. QEMU runs SeaBIOS first (emulated
 * instruction by instruction on this nested KVM), whose banner may come before the guest's.
 * Usage: node dist/bench/kvm/startup.js [--rounds 3]. Target: tkvm no slower than QEMU.
 */
import { VMMS, interleavedRounds, guestArgs, guestElf, machineNote, numericOptions, printTable, ratioLine, shellLine, start, type Vmm } from './common.js';

const opts = numericOptions({ rounds: 3 });
const args = guestArgs(guestElf('hello'), 'startup', ['-nographic']);
const GUEST_TEXT = 'Hello from';

/** One run: ms to the first stdout byte, to the guest's first line, and to exit. */
async function once(vmm: Vmm): Promise<{ firstByte: number; guest: number; exit: number }> {
  const p = start(vmm, args);
  const firstByte = new Promise<number>((res) => p.child.stdout!.once('data', () => res(Number(process.hrtime.bigint() - p.t0) / 1e6)));
  const guest = await p.waitFor(GUEST_TEXT);
  p.child.stdin!.end();
  const { status, ms } = await p.done;
  if (status !== 1) throw new Error(`${vmm.name} exited with status ${status}`);
  return { firstByte: await firstByte, guest, exit: ms };
}

console.log(`start-up to the guest's first serial output (hello.elf), ${opts.rounds} rounds interleaved`);
console.log(`machine: ${await machineNote()}`);
for (const v of VMMS) console.log(`command: ${shellLine(v, args)}`);
const keys = ['firstByte', 'guest', 'exit'] as const;
const samples = await interleavedRounds(opts.rounds, once, keys,
  (_r, _v, x) => `first byte ${x.firstByte.toFixed(0)} ms, guest's first line ${x.guest.toFixed(0)} ms, exit ${x.exit.toFixed(0)} ms`);
const label = { firstByte: 'first stdout byte', guest: "guest's first line", exit: 'process exit' };
const rows = keys.flatMap((k) => VMMS.map((v) => ({ label: `${v.name} ${label[k]}`, samples: samples.get(`${v.name} ${k}`)! })));
const s = printTable('ms from spawn', 'ms', rows, 0);
console.log('');
console.log(ratioLine("to the guest's first line", s.get(`tkvm ${label.guest}`)!.median, s.get(`qemu ${label.guest}`)!.median, 1));
console.log(ratioLine('to process exit', s.get(`tkvm ${label.exit}`)!.median, s.get(`qemu ${label.exit}`)!.median, 1));
