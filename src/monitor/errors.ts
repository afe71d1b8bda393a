/**
 * QMP errors: a class name and a human-readable description, exactly the pairs QEMU 7.2 sends
 * ({"error": {"class": "DeviceNotFound", "desc": "Device 'x' not found"}}). The human monitor
 * prints the same description after "Error: ".
 */

/** QEMU's QapiErrorClass values. */
export type QmpErrorClass = 'GenericError' | 'CommandNotFound' | 'DeviceNotFound' | 'DeviceNotActive' | 'KVMMissingCap';

/** An error a monitor command reports to its client; the VM goes on. */
export class MonitorError extends Error {
  /** `cls` is QEMU's error class, `message` its desc text. */
  constructor(
    readonly cls: QmpErrorClass,
    message: string,
  ) {
    super(message);
    this.name = 'MonitorError';
  }
}

/** GenericError with QEMU's text. */
export function genericError(desc: string): MonitorError {
  return new MonitorError('GenericError', desc);
}

/** QEMU's "Device 'x' not found" (DeviceNotFound). */
export function deviceNotFound(device: string): MonitorError {
  return new MonitorError('DeviceNotFound', `Device '${device}' not found`);
}

/** Any thrown value as a MonitorError: MonitorErrors keep their class, others become GenericError. */
export function asMonitorError(err: unknown): MonitorError {
  if (err instanceof MonitorError) return err;
  if (err instanceof Error) return genericError(err.message);
  return genericError(String(err));
}
