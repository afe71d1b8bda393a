/**
 * QEMU's isa-debug-exit: a write of value v (any access of 1 to 4 bytes, little-endian) ends the
 * VM with status (v << 1) | 1, so a test guest can report pass/fail and never looks like a clean
 * exit 0. Reads return 0. QEMU's defaults are iobase 0x501, iosize 2; test kernels often use 0xf4.
 */
import type { BusDevice } from '../bus/bus-device.js';
import { leValue } from './access.js';
import type { DeviceLog } from './scheduler.js';
import { silentLog } from './scheduler.js';

/** QEMU's default iobase property. */
export const DEBUG_EXIT_DEFAULT_IOBASE = 0x501;
/** QEMU's default iosize property. */
export const DEBUG_EXIT_DEFAULT_IOSIZE = 2;

/** What the machine injects. */
export interface DebugExitOptions {
  /** Ends the VM; `status` is (value << 1) | 1, up to 33 bits (a process keeps status & 0xff). */
  onExit: (status: number) => void;
  /** Ports decoded, to map with the bus (default 2). */
  iosize?: number;
  /** Where ignored accesses are reported. */
  log?: DeviceLog;
}

/** The isa-debug-exit device. */
export class DebugExit implements BusDevice {
  /** Ports the machine should map at the iobase. */
  readonly iosize: number;
  private readonly onExit: (status: number) => void;
  private readonly log: DeviceLog;

  constructor(options: DebugExitOptions) {
    this.iosize = options.iosize ?? DEBUG_EXIT_DEFAULT_IOSIZE;
    this.onExit = options.onExit;
    this.log = options.log ?? silentLog;
  }

  read(_offset: number, data: Uint8Array): void {
    data.fill(0);
  }

  write(_offset: number, data: Uint8Array): void {
    if (data.length < 1 || data.length > 4) {
      this.log(`debug-exit: ${data.length}-byte write ignored (QEMU accepts 1 to 4 bytes)`);
      return;
    }
    this.onExit(leValue(data) * 2 + 1);
  }
}
