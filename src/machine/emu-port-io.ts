/** The software CPU's IN/OUT instructions on the machine's port bus. */
import type { PioBus } from '../bus/bus.js';
import type { EmuPortIo } from '../accel/emu/contract.js';
import { SizedBusAccess } from './emu-bus-access.js';

/** EmuPortIo over a PioBus; ports wrap at 64 KiB. */
export class EmuPioPorts implements EmuPortIo {
  private readonly access: SizedBusAccess;

  constructor(pio: PioBus) {
    this.access = new SizedBusAccess(pio);
  }

  ioRead(port: number, size: 1 | 2 | 4): number {
    return this.access.read(port & 0xffff, size);
  }

  ioWrite(port: number, size: 1 | 2 | 4, value: number): void {
    this.access.write(port & 0xffff, size, value);
  }
}
