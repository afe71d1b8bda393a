/**
 * Bochs/QEMU debug console ("port E9"): each byte written goes to a sink; reads return a fixed
 * readback byte, 0xe9 by default, which SeaBIOS checks before it enables debug output on port
 * 0x402. QEMU's isa-debugcon is one port wide with 1-byte accesses: a wider access is split, so
 * only its first byte belongs to this port (the rest go to the next ports, unmapped: 0xff).
 */
import type { BusDevice } from '../bus/bus-device.js';
import type { SerialSink } from './serial16550.js';

/** SeaBIOS's debug port (QEMU `-debugcon` with iobase=0x402). */
export const DEBUGCON_SEABIOS_PORT = 0x402;
/** Bochs's and QEMU isa-debugcon's default port. */
export const DEBUGCON_BOCHS_PORT = 0xe9;
/** QEMU's default readback value. */
export const DEBUGCON_READBACK = 0xe9;

/** The debug console port. */
export class DebugPort implements BusDevice {
  constructor(private readonly sink: SerialSink, private readonly readback = DEBUGCON_READBACK) {}

  read(_offset: number, data: Uint8Array): void {
    data.fill(0xff);
    data[0] = this.readback & 0xff;
  }

  write(_offset: number, data: Uint8Array): void {
    const v = data[0];
    if (v !== undefined) this.sink.write(Uint8Array.of(v));
  }
}
