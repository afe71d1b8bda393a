import { TkvmError } from '../errors.js';
import { EACCES, ENOENT, ENODEV, ENXIO, EPERM, strerror } from './libc.js';

/** A failed KVM ioctl: names the ioctl and carries errno, so messages say exactly what failed. */
export class KvmError extends TkvmError {
  constructor(readonly ioctl: string, readonly errno: number, detail = '') {
    super('ioctl-failed', `${ioctl} failed: ${strerror(errno)} (errno ${errno})${detail ? `: ${detail}` : ''}`, { ioctl, errno });
  }
}

/** /dev/kvm is missing or unusable; the message is one sentence saying why and what to do. */
export class KvmUnavailableError extends TkvmError {
  constructor(message: string, readonly errno: number) {
    super('kvm-unavailable', message, { errno });
  }
}

/** Turns a failed open("/dev/kvm") into a KvmUnavailableError with advice. */
export function kvmOpenError(path: string, err: number): KvmUnavailableError {
  switch (err) {
    case ENOENT:
      return new KvmUnavailableError(`${path} does not exist: the kvm module is not loaded or this CPU has no virtualization support (load kvm_intel or kvm_amd, enable VT-x/AMD-V in the firmware, or use -accel emu)`, err);
    case EACCES:
    case EPERM:
      return new KvmUnavailableError(`no permission to open ${path}: add your user to the 'kvm' group (sudo usermod -aG kvm $USER, then log in again) or run as root`, err);
    case ENXIO:
    case ENODEV:
      return new KvmUnavailableError(`${path} exists but no KVM driver answers it: load kvm_intel or kvm_amd (modprobe) and check that virtualization is enabled in the firmware`, err);
    default:
      return new KvmUnavailableError(`cannot open ${path}: ${strerror(err)}`, err);
  }
}
