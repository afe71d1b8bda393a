/**
 * Diagnosis harness for Linux on the software CPU (not a test): runs tkvm's EmuPcMachine in this
 * thread on a tkvm command line, prints the serial output as it comes and, every --every
 * instructions, where the CPU spends its time (the hottest EIPs since the last report) and its
 * state, so a stall shows as a loop at an address to look up in the kernel's System.map.
 *   node dist/test/emu-linux/diagnose.js [--every 50000000] [--max 0] [--vmlinux FILE] [--watch EIP] -- -m 512 -kernel ... -append ...
 * Each report also walks the kernel stack's EBP chain (return addresses to look up in System.map
 * or /proc/kallsyms). --watch EIP (hex): once the CPU runs in ring 3, it steps one instruction at a
 * time and reports the state whenever EIP is the watched address and after the next instruction.
 * --commands FILE: each line of FILE goes to ttyS0 once the busybox prompt (LINUX_PROMPT) shows,
 * one line per prompt; the run ends at the prompt after the last one.
 * -hda, -cdrom and -drive images are opened and served by a worker thread (diagnose-drives.ts).
 * --vmlinux FILE: the bzImage's decompressed ELF (FILE), placed at its physical addresses as the
 * decompressor would and entered at its entry point with the same boot_params, to reach the
 * kernel proper without minutes of xz decompression on a slow software CPU (diagnosis only).
 */
import { readFileSync } from 'node:fs';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { IdeDriveSlot } from '../../src/machine/pc-devices.js';
import { parseRunArgs } from '../../src/cli/options.js';
import { createControl } from '../../src/machine/control.js';
import { EmuPcMachine } from '../../src/machine/emu-pc.js';
import { monotonicNs } from '../../src/machine/pc-board.js';
import { LINUX_PROMPT } from './initramfs.js';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const own = sep < 0 ? [] : argv.slice(0, sep);
const vmArgs = sep < 0 ? argv : argv.slice(sep + 1);
const opt = (name: string, dflt: number): number => {
  const i = own.indexOf(name);
  return i >= 0 ? Number(own[i + 1]) : dflt;
};
const every = opt('--every', 50_000_000);
const watchAt = own.indexOf('--watch');
const watch = watchAt >= 0 ? parseInt(own[watchAt + 1]!, 16) : -1;
const max = opt('--max', 0);
const parsed = parseRunArgs(['-accel', 'emu', ...vmArgs]);
if (parsed.action !== 'run') throw new Error('no VM to run');
const { port1 } = new MessageChannel();
let serialTail = '';
let serialFresh = '';
let serialLine = '';
const serialOut = (bytes: Uint8Array): void => {
  const s = Buffer.from(bytes).toString('latin1');
  process.stdout.write(s);
  serialTail = (serialTail + s).slice(-400);
  serialFresh = (serialFresh + s).slice(-200);
  // Each console line with the instructions retired when it ended: what each boot phase costs.
  serialLine += s;
  for (let nl = serialLine.indexOf('\n'); nl >= 0; nl = serialLine.indexOf('\n')) {
    process.stderr.write(`[diag-line] ${m.cpu.retired} ${serialLine.slice(0, nl).trimEnd()}\n`);
    serialLine = serialLine.slice(nl + 1);
  }
};
/** The drives (-hda, -cdrom, -drive), served by a worker thread (this one stays in the CPU loop). */
const openDrives = async (): Promise<Array<IdeDriveSlot | undefined>> => {
  if (parsed.config.drives.length === 0) return [];
  const worker = new Worker(new URL('./diagnose-drives.js', import.meta.url), { workerData: parsed.config.drives });
  worker.unref();
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
};
const m = new EmuPcMachine(parsed.config, createControl(), port1, [serialOut, serialOut], [], await openDrives());
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
// Every exception the guest takes in ring 3 other than #PF is reported with the decoder's view
// of the instruction (diagnosis of user-mode #UD/#GP; the hook is the harness's own, set on the core).
type CoreView = { cpl: number; op: number; info: number; modrm: number; cr0: number; cr4: number; eip: number; hooks: unknown };
const core = (cpu as unknown as { core: CoreView }).core;
Object.defineProperty(core, 'hooks', {
  value: {
    exception(vector: number, code: number | undefined): 'deliver' {
      if (core.cpl === 3 && vector !== 14) {
        process.stderr.write(`\n[diag] ring-3 exception ${vector} code ${code} at eip=${hex(core.eip)} op=${core.op.toString(16)} info=${core.info.toString(16)} modrm=${core.modrm.toString(16)} cr0=${hex(core.cr0)} cr4=${hex(core.cr4)}\n`);
        report(`ring-3 exception ${vector}`);
      }
      return 'deliver';
    },
  },
});
const devices = m.board.devices;
const commandsAt = own.indexOf('--commands');
const commands = commandsAt >= 0 ? readFileSync(own[commandsAt + 1]!, 'utf8').split('\n').filter((l) => l.trim() !== '') : undefined;
let sinceCommand = '';
/** Sends the next command when the prompt has shown since the last one; true when all are done. */
const feedCommands = (): boolean => {
  if (commands === undefined) return false;
  sinceCommand = (sinceCommand + serialFresh).slice(-200);
  serialFresh = '';
  if (!sinceCommand.includes(LINUX_PROMPT)) return false;
  sinceCommand = '';
  const next = commands.shift();
  if (next === undefined) return true;
  process.stderr.write(`[diag-command] ${m.cpu.retired} ${next}\n`);
  devices.serialInput(0, new TextEncoder().encode(next + '\n'));
  return false;
};
const hot = new Map<number, number>();
const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
let nextReport = every;
const t0 = monotonicNs();
const report = (why: string): void => {
  const s = cpu.getState();
  const top = [...hot.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([e, n]) => `${hex(e)}x${n}`).join(' ');
  const ram = m.board.ram.memory;
  // Kernel stacks are in the lowmem direct map (virtual 0xC0000000 + physical).
  const kread = (va: number): number | undefined => {
    const pa = va - 0xc0000000;
    return pa >= 0 && pa + 4 <= 512 << 20 && ram.contains(pa, 4) ? ram.readU32(pa) : undefined;
  };
  const frames: string[] = [];
  for (let bp = s.gpr[5]!, i = 0; i < 16; i++) {
    const ret = kread(bp + 4), next = kread(bp);
    if (ret === undefined || next === undefined || next <= bp) break;
    frames.push(hex(ret));
    bp = next;
  }
  process.stderr.write(`\n[diag] ${why} at ${cpu.retired} instr, ${((monotonicNs() - t0) / 1e9).toFixed(1)} s: eip=${hex(s.eip)} eflags=${hex(s.eflags)} cr0=${hex(s.cr0)} cr3=${hex(s.cr3)} cr4=${hex(s.cr4)} cs=${s.cs.selector.toString(16)} gpr=${s.gpr.map(hex).join(',')}\n[diag] hot: ${top}\n[diag] frames: ${frames.join(' ')}\n`);
  hot.clear();
};
for (;;) {
  const now = monotonicNs();
  const next = devices.nextDeadline();
  if (next !== undefined && now >= next) devices.pollTimers(now);
  const user = watch >= 0 && (cpu.getState().cs.selector & 3) === 3;
  const reason = cpu.run(user ? 1 : 10_000);
  const eip = cpu.getState().eip;
  if (user && eip === watch) {
    report('watched EIP');
    cpu.run(1);
    report('after the watched instruction');
  }
  hot.set(eip, (hot.get(eip) ?? 0) + 1);
  if (reason === 'halted') {
    const d = devices.nextDeadline();
    const ms = d === undefined ? 10 : Math.max(0, Math.min(10, (d - monotonicNs()) / 1e6));
    if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  } else if (reason === 'shutdown' || reason === 'exception') {
    report(reason);
    break;
  }
  if (feedCommands()) {
    report('commands done');
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
