/**
 * Which accelerator runs the VM (issue 6 item 3, QEMU's rules): `-accel kvm` / `-enable-kvm` need
 * a usable /dev/kvm and say why not; `-accel emu` / `tcg` is tkvm's software CPU; with no choice
 * (or `-machine accel=kvm:tcg`) KVM is used when it works, else the software CPU with a one-line
 * notice saying why.
 */
import { Kvm, KVM_DEVICE } from '../../kvm/kvm.js';
import { TkvmError } from '../../errors.js';

/**
 * The KVM device tkvm opens: /dev/kvm, or TKVM_KVM_DEVICE when set (another device node, or a
 * missing path to try the software-CPU fallback on a machine that has KVM).
 */
export function kvmDevicePath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.TKVM_KVM_DEVICE;
  return path !== undefined && path !== '' ? path : KVM_DEVICE;
}

/** Why KVM cannot run a VM here (open, API version, KVM_CREATE_VM), or undefined when it can. */
export function kvmUnusableReason(path: string = kvmDevicePath()): string | undefined {
  let kvm: Kvm | undefined;
  try {
    kvm = Kvm.open(path);
    kvm.createVm().close();
    return undefined;
  } catch (err) {
    if (err instanceof Error) return err.message;
    return String(err);
  } finally {
    kvm?.close();
  }
}

/** The accelerator to run, and the notice to print when tkvm fell back to its software CPU. */
export interface AccelChoice {
  readonly accel: 'kvm' | 'emu';
  readonly notice?: string;
}

/** Raised when -accel kvm was asked for and KVM cannot run a VM. */
export class AccelUnavailableError extends TkvmError {}

/**
 * Resolves the configured accelerator ('auto' = KVM if usable, else emu). `unusable` answers why
 * KVM cannot be used (kvmUnusableReason; tests pass their own).
 */
export function selectAccelerator(requested: 'kvm' | 'emu' | 'auto', unusable: () => string | undefined = kvmUnusableReason): AccelChoice {
  if (requested === 'emu') return { accel: 'emu' };
  const why = unusable();
  if (why === undefined) return { accel: 'kvm' };
  if (requested === 'kvm') throw new AccelUnavailableError('kvm-unavailable', `-accel kvm: ${why}`);
  return { accel: 'emu', notice: `${stripAdvice(why)}; falling back to tkvm's software CPU (-accel emu)` };
}

/** The reason without the trailing "or use -accel emu" advice, which the fallback already follows. */
function stripAdvice(why: string): string {
  return why.replace(/,? or use -accel emu\)$/, ')');
}
