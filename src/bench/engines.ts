/**
 * The engines a workload is measured on: native Linux, tkvm on KVM, QEMU on KVM, QEMU's TCG
 * software emulation and tkvm's own software CPU. Each says whether it can run here and how
 * to start a workload; the VM engines get the same command line (guests/README.md), tkvm's
 * IA-32 software CPU with the i386 build of the same guest (the same C code and output).
 */
import { spawnSync } from 'node:child_process';
import { TKVM_BIN, findProgram, guestElf, nativeBinary, type GuestBuild } from './paths.js';
import type { WorkloadSize } from './workloads.js';

/** Engine names, as --engines takes them and JSON reports them. */
export type EngineId = 'native' | 'tkvm' | 'qemu-kvm' | 'qemu-tcg' | 'tkvm-emu';

/** Every engine, in table order. */
export const ENGINE_IDS: readonly EngineId[] = ['native', 'tkvm', 'qemu-kvm', 'qemu-tcg', 'tkvm-emu'];

/** Whether an engine can run here; anything but 'ok' becomes a row saying why. */
export type Availability =
  | { readonly status: 'ok' }
  | { readonly status: 'not installed' | 'not available yet' | 'unavailable'; readonly detail: string };

/** A program invocation. */
export interface Invocation {
  readonly cmd: string;
  readonly argv: readonly string[];
}

/** One engine: how to check it and how to run a workload size on it. */
export interface Engine {
  readonly id: EngineId;
  readonly label: string;
  /** Software emulation: measured at smaller sizes (with native at the same sizes). */
  readonly slow: boolean;
  /** The exit status that means the workload finished and passed its own check. */
  readonly okStatus: number;
  availability(): Promise<Availability>;
  invocation(size: WorkloadSize): Invocation;
}

/** What the engines need to know about this machine. */
export interface EngineContext {
  /** qemu-system-x86_64 or an explicit path (--qemu). */
  readonly qemu: string;
}

/** The machine every VM engine gets (as guests/README.md runs the guests under QEMU). */
export function vmArgs(kernel: string, append: string): string[] {
  return ['-m', '256', '-nographic', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-kernel', kernel, '-append', append];
}

/** vmArgs for a workload size, with the x86_64 guest unless told otherwise. */
function sizeArgs(size: WorkloadSize, build: GuestBuild = 'x86_64'): string[] {
  return vmArgs(guestElf(size.workload, build), size.args.join(' '));
}

/** Why /dev/kvm cannot be used here (the binding's own sentence), or undefined when it can. */
export async function kvmUnusableReason(): Promise<string | undefined> {
  const { Kvm } = await import('../kvm/kvm.js');
  const { KvmUnavailableError } = await import('../kvm/errors.js');
  try {
    Kvm.open().close();
    return undefined;
  } catch (err) {
    if (err instanceof KvmUnavailableError) return err.message;
    throw err;
  }
}

/** Builds the engine table for this machine. */
export function makeEngines(ctx: EngineContext): Record<EngineId, Engine> {
  const qemuPath = (): string | undefined => findProgram(ctx.qemu);
  const qemuMissing = (): Availability => ({ status: 'not installed', detail: `${ctx.qemu} not found${ctx.qemu.includes('/') ? '' : ' on PATH'} (Debian: apt-get install qemu-system-x86)` });
  const kvmCheck = async (): Promise<Availability> => {
    const why = await kvmUnusableReason();
    return why === undefined ? { status: 'ok' } : { status: 'unavailable', detail: why };
  };
  return {
    native: {
      id: 'native', label: 'native', slow: false, okStatus: 0,
      availability: async () => ({ status: 'ok' }),
      invocation: (size) => ({ cmd: nativeBinary(size.workload), argv: [...size.args] }),
    },
    tkvm: {
      id: 'tkvm', label: 'tkvm (KVM)', slow: false, okStatus: 1,
      availability: kvmCheck,
      invocation: (size) => ({ cmd: TKVM_BIN, argv: ['-enable-kvm', ...sizeArgs(size)] }),
    },
    'qemu-kvm': {
      id: 'qemu-kvm', label: 'QEMU (KVM)', slow: false, okStatus: 1,
      availability: async () => (qemuPath() === undefined ? qemuMissing() : kvmCheck()),
      invocation: (size) => ({ cmd: qemuPath() ?? ctx.qemu, argv: ['-enable-kvm', ...sizeArgs(size)] }),
    },
    'qemu-tcg': {
      // -cpu max: QEMU's default TCG CPU (qemu64) lacks the SSE4 the x86-64-v2 build uses.
      id: 'qemu-tcg', label: 'QEMU (TCG)', slow: true, okStatus: 1,
      availability: async () => (qemuPath() === undefined ? qemuMissing() : { status: 'ok' }),
      invocation: (size) => ({ cmd: qemuPath() ?? ctx.qemu, argv: ['-accel', 'tcg', '-cpu', 'max', ...sizeArgs(size)] }),
    },
    'tkvm-emu': {
      // The software CPU is IA-32: it runs the i386 build of the guest (no long mode).
      id: 'tkvm-emu', label: 'tkvm (emu)', slow: true, okStatus: 1,
      availability: async () => probeTkvmEmu(),
      invocation: (size) => ({ cmd: TKVM_BIN, argv: ['-accel', 'emu', ...sizeArgs(size, 'i386')] }),
    },
  };
}

/**
 * Asks tkvm itself whether its software CPU exists, by booting the i386 hello guest with -accel emu:
 * the row says "not available yet" only while tkvm says so, and measures it once it works.
 */
function probeTkvmEmu(): Availability {
  const r = spawnSync(TKVM_BIN, ['-accel', 'emu', ...vmArgs(guestElf('hello', 'i386'), 'probe')],
    { encoding: 'utf8', timeout: 120_000 });
  if (r.status === 1 && /Hello from a tkvm test guest/.test(r.stdout ?? '')) return { status: 'ok' };
  const why = (r.stderr ?? '').trim().split('\n').pop() ?? '';
  if (/not built yet/.test(why)) return { status: 'not available yet', detail: 'tkvm -accel emu: the software CPU is not built yet' };
  return { status: 'unavailable', detail: `tkvm -accel emu does not boot the hello guest${why ? `: ${why}` : ` (status ${r.status})`}` };
}
