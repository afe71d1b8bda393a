/**
 * Diagnosis harness for Linux on the software CPU (not a test): runs tkvm's EmuPcMachine in this
 * thread on a tkvm command line, prints the serial output as it comes and, every --every
 * instructions, where the CPU spends its time (the hottest EIPs since the last report) and its
 * state, so a stall shows as a loop at an address to look up in the kernel's System.map.
 *   node dist/test/emu-linux/diagnose.js [--every 50000000] [--max 0] [--vmlinux FILE] -- -m 512 -kernel ... -append ...
 * --vmlinux FILE: the bzImage's decompressed ELF (FILE), placed at its physical addresses as the
 * decompressor would and entered at its entry point with the same boot_params, to reach the
 * kernel proper without minutes of xz decompression on a slow software CPU (diagnosis only).
 */
import { readFileSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import { parseRunArgs } from '../../src/cli/options.js';
import { createControl } from '../../src/machine/control.js';
import { EmuPcMachine } from '../../src/machine/emu-pc.js';
import { monotonicNs } from '../../src/machine/pc-board.js';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const own = sep < 0 ? [] : argv.slice(0, sep);
const vmArgs = sep < 0 ? argv : argv.slice(sep + 1);
const opt = (name: string, dflt: number): number => {
  const i = own.indexOf(name);
  return i >= 0 ? Number(own[i + 1]) : dflt;
};
const every = opt('--every', 50_000_000);
const max = opt('--max', 0);
const parsed = parseRunArgs(['-accel', 'emu', ...vmArgs]);
if (parsed.action !== 'run') throw new Error('no VM to run');
const { port1 } = new MessageChannel();
let serialTail = '';
const serialOut = (bytes: Uint8Array): void => {
  const s = Buffer.from(bytes).toString('latin1');
  process.stdout.write(s);
  serialTail = (serialTail + s).slice(-400);
};
const m = new EmuPcMachine(parsed.config, createControl(), port1, [serialOut, serialOut]);
const cpu = m.cpu;
const vmlinuxAt = own.indexOf('--vmlinux');
if (vmlinuxAt >= 0) {
  const elf = readFileSync(own[vmlinuxAt + 1]!);
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const phoff = v.getUint32(0x1c, true);
  for (let i = 0; i < v.getUint16(0x2c, true); i++) {
    const at = phoff + i * 32;
    if (v.getUint32(at, true) !== 1) continue;
    const [off, paddr, filesz, memsz] = [v.getUint32(at + 4, true), v.getUint32(at + 12, true), v.getUint32(at + 16, true), v.getUint32(at + 20, true)];
    m.board.ram.memory.write(paddr, elf.subarray(off, off + filesz));
    m.board.ram.memory.fill(paddr + filesz, memsz - filesz);
  }
  cpu.setState({ ...cpu.getState(), eip: v.getUint32(0x18, true) });
}
const devices = m.board.devices;
const hot = new Map<number, number>();
const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
let nextReport = every;
const t0 = monotonicNs();
const report = (why: string): void => {
  const s = cpu.getState();
  const top = [...hot.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([e, n]) => `${hex(e)}x${n}`).join(' ');
  process.stderr.write(`\n[diag] ${why} at ${cpu.retired} instr, ${((monotonicNs() - t0) / 1e9).toFixed(1)} s: eip=${hex(s.eip)} eflags=${hex(s.eflags)} cr0=${hex(s.cr0)} cr3=${hex(s.cr3)} cr4=${hex(s.cr4)} cs=${s.cs.selector.toString(16)} gpr=${s.gpr.map(hex).join(',')}\n[diag] hot: ${top}\n`);
  hot.clear();
};
for (;;) {
  const now = monotonicNs();
  const next = devices.nextDeadline();
  if (next !== undefined && now >= next) devices.pollTimers(now);
  const reason = cpu.run(10_000);
  const eip = cpu.getState().eip;
  hot.set(eip, (hot.get(eip) ?? 0) + 1);
  if (reason === 'halted') {
    const d = devices.nextDeadline();
    const ms = d === undefined ? 10 : Math.max(0, Math.min(10, (d - monotonicNs()) / 1e6));
    if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  } else if (reason === 'shutdown' || reason === 'exception') {
    report(reason);
    break;
  }
  if (cpu.retired >= nextReport) {
    report('progress');
    nextReport += every;
  }
  if (max > 0 && cpu.retired >= max) {
    report('max reached');
    break;
  }
}
process.stderr.write(`[diag] last serial output: ${JSON.stringify(serialTail)}\n`);
process.exit(0);
