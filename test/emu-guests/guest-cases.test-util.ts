// The test guests (guests/README.md) as cases for comparing their i386 build under -accel emu with
// their x86_64 build under -accel kvm, and with the i386 build under QEMU's own IA-32 emulation:
// the command line of each, and what may differ between the runs for a reason that is not a bug
// (addresses, timings, the CPU model).
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/process.js';

/** Where scripts/build-guests.sh writes the i386 and x86_64 builds. */
export const GUEST_DIRS = { i386: join(REPO_ROOT, 'build', 'guests32'), x86_64: join(REPO_ROOT, 'build', 'guests') } as const;

/** One guest run and how to compare its output across the builds (a guest may have several runs). */
export interface GuestCase {
  readonly name: string;
  readonly append?: string;
  readonly extraArgs?: readonly string[];
  /** Allow guest resets (omit -no-reboot). */
  readonly reboot?: boolean;
  /** Typed on COM1 once `after` appears in the output. */
  readonly input?: { readonly after: string; readonly data: string };
  /** Rewrites of the serial output before comparing: [pattern, replacement, why it differs]. */
  readonly masks?: ReadonlyArray<readonly [RegExp, string, string]>;
  /** Further rewrites for the comparison with QEMU, whose machine (not CPU) differs from tkvm's. */
  readonly qemuMasks?: ReadonlyArray<readonly [RegExp, string, string]>;
  /** Lines (regular expressions) the i386 run under emu must print, as guests/README.md documents. */
  readonly expect: readonly RegExp[];
  /** The documented debug-exit status. */
  readonly status: number;
}

/** Exit status after the guest writes `code` to isa-debug-exit. */
export function debugExitStatus(code: number): number {
  return (code << 1) | 1;
}

const ADDRESSES: readonly [RegExp, string, string] = [/(rip|rsp|cr2|reading) 0x[0-9a-f]+/g, '$1 0x…', 'code and stack addresses, and the unmapped address (4 GiB in the x86_64 build, 0xfffff000 in the i386 one), differ between the builds'];

/** Every test guest that makes sense on both CPUs (pio is a KVM-exit benchmark writing to COM2, not a test). */
export const GUEST_CASES: readonly GuestCase[] = [
  { name: 'hello', append: 'console=ttyS0 tkvm-test=1', expect: [/^Hello from a tkvm test guest$/m, /^cmdline: console=ttyS0 tkvm-test=1$/m], status: debugExitStatus(0) },
  { name: 'exitcode', append: 'code=42', expect: [/^exitcode: exiting with 42$/m], status: debugExitStatus(42) },
  {
    name: 'memmap', append: 'mem-test x=y', status: debugExitStatus(0),
    masks: [[/\d+ KiB allocatable/, 'K KiB allocatable', 'the RAM above the image depends on the image size of each build']],
    qemuMasks: [[/^memmap: 0x.*\n/gm, '', "QEMU's e820 map is its own (SeaBIOS reserves the top of RAM; no KVM area under TCG); test/kvm checks tkvm's"]],
    expect: [/^cmdline: mem-test x=y$/m, /^memmap: 0x0000000000100000 0x000000000ff00000 1$/m, /^memmap: \d+ entries, \d+ KiB allocatable$/m],
  },
  {
    name: 'fault', masks: [ADDRESSES], status: debugExitStatus(0x3f),
    expect: [/^fault: ring0 call returned 1001$/m, /^EXCEPTION: vector 14 #PF error 0x4 rip 0x[0-9a-f]+ cs 0x23 rsp 0x[0-9a-f]+ cr2 0xfffff000$/m],
  },
  {
    name: 'strio', status: debugExitStatus(0),
    expect: [/^strio: 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS$/m, /^strio: insw 32 words from port 0x2e0: sum 0x1fffe0 xor 0x0 first 0xffff last 0xffff$/m],
  },
  { name: 'echo', input: { after: 'echo: ready', data: 'Hello, tkvm 42!q' }, expect: [/^HELLO, TKVM 42!$/m, /^echo: bye$/m], status: debugExitStatus(0) },
  {
    name: 'mmio', append: 'mmio=0x8000000', status: debugExitStatus(0),
    expect: [/^mmio: write8 0x5a read 0x5a$/m, /^mmio: write16 0xa55a read 0xa55a$/m, /^mmio: write32 0x12345678 read 0x12345678$/m,
      /^mmio: write64 0x0123456789abcdef read 0x0123456789abcdef$/m, /^mmio: readback matches$/m],
  },
  { name: 'triplefault', expect: [/^triplefault: loading an empty IDT and faulting$/m], status: 0 },
  { name: 'reset', reboot: true, expect: [/^reset: boot 1$/m, /^reset: resetting through the keyboard controller$/m, /^reset: boot 2$/m], status: debugExitStatus(0) },
  {
    name: 'pit', append: 'rt.tsc=pit', status: debugExitStatus(0),
    masks: [[/elapsed \d+ TSC cycles, \d+ ms \(TSC \d+ kHz/, 'elapsed C TSC cycles, M ms (TSC F kHz', 'timings']],
    expect: [/^pit: 100 ticks$/m, /^pit: elapsed \d+ TSC cycles, \d+ ms \(TSC \d+ kHz from PIT calibration\)$/m],
  },
  {
    // One CPU: the INIT-SIPI-SIPI broadcast reaches nobody, so this runs while -accel emu has one processor.
    name: 'smp', append: 'cpus=1', extraArgs: ['-smp', '1'], status: debugExitStatus(0),
    expect: [/^cpu 0 online$/m, /^smp: 1 cpus$/m],
  },
  {
    name: 'smp', append: 'cpus=2', extraArgs: ['-smp', '2'], status: debugExitStatus(0),
    masks: [[/^cpu \d+ online\n/gm, '', 'the APs print in any order']],
    expect: [/^cpu 0 online$/m, /^cpu 1 online$/m, /^smp: 2 cpus$/m],
  },
  {
    name: 'cpuid', status: debugExitStatus(0),
    masks: [[/^cpuid [0-9a-f]{8}\.[0-9a-f]{2}: .*\n/gm, '', 'each CPU model reports its own leaves (the software CPU is a P6; KVM shows the host)']],
    expect: [/^cpuid 00000000\.00: [0-9a-f]{8} 756e6547 6c65746e 49656e69$/m, /^cpuid 80000000\.00: /m, /^cpuid: done$/m],
  },
  {
    name: 'pi', append: 'digits=1000', status: debugExitStatus(0),
    masks: [[/digits in \d+\.\d{3} s/, 'digits in S s', 'timings']],
    expect: [/^pi: 3\.14159265358979323846\.\.\.$/m, /^pi: last digits 2164201989$/m, /^pi: fnv1a64 0x511d37c4f954c20f /m, /^pi: OK$/m],
  },
  {
    name: 'membw', append: 'mb=1 passes=1', status: debugExitStatus(0),
    masks: [[/ \d+ MB\/s$/gm, ' X MB/s', 'timings']],
    expect: [/^membw: 3 arrays x 1 MiB, best of 1 passes$/m, /^membw: triad +[1-9]\d* MB\/s$/m, /^membw: results valid$/m],
  },
];

/**
 * The serial output with every mask of the case applied. When comparing with QEMU, also its QEMU
 * masks, and blank lines dropped: SeaBIOS's "Booting from ROM..." sometimes ends with a newline of
 * its own before the guest's leading one.
 */
export function normalise(c: GuestCase, serial: string, withQemu = false): string {
  let s = serial;
  for (const [re, to] of [...(c.masks ?? []), ...(withQemu ? c.qemuMasks ?? [] : [])]) s = s.replace(re, to);
  return withQemu ? s.replace(/\n{2,}/g, '\n') : s;
}

/** tkvm's arguments for a guest run: the same command line as test/kvm's, with the build and accelerator chosen. */
export function caseArgs(c: GuestCase, build: keyof typeof GUEST_DIRS, accel: 'emu' | 'kvm'): string[] {
  const args = ['-accel', accel, '-m', '256', '-nographic', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-kernel', join(GUEST_DIRS[build], `${c.name}.elf`), '-append', c.append ?? '', ...(c.extraArgs ?? [])];
  if (c.reboot === true) args.splice(args.indexOf('-no-reboot'), 1);
  return args;
}

/** qemu-system-i386's arguments for the i386 build of a guest (the reference CPU for the software core). */
export function qemuI386Args(c: GuestCase): string[] {
  const args = ['-accel', 'tcg', '-m', '256', '-nographic', '-no-reboot', '-nic', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-kernel', join(GUEST_DIRS.i386, `${c.name}.elf`), '-append', c.append ?? '', ...(c.extraArgs ?? [])];
  if (c.reboot === true) args.splice(args.indexOf('-no-reboot'), 1);
  return args;
}

/** QEMU's serial output without what SeaBIOS prints before the kernel (tkvm boots PVH kernels directly). */
export function withoutFirmware(serial: string): string {
  return serial.replace(/\x1bc|\x1b\[[?0-9;]*[a-zA-Z]/g, '').replace(/^SeaBIOS \(version [^)]*\)\n/gm, '').replace(/Booting from ROM\.\.\.?/g, '');
}

/** A name for one run of a case, unique in GUEST_CASES: the guest and its arguments. */
export function caseTitle(c: GuestCase): string {
  const args = [c.append ?? '', ...(c.extraArgs ?? [])].filter((a) => a !== '').join(' ');
  return args === '' ? c.name : `${c.name} (${args})`;
}
