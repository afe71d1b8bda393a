/**
 * The POST diagnostic port 0x80. Firmware writes progress codes there and operating systems use it
 * as an I/O delay. As in QEMU (hw/i386/pc.c ioport80), writes are accepted and reads return all
 * ones; unlike QEMU the last code is kept so a debugger or log can show where firmware stopped.
 */
import type { BusDevice } from '../bus/bus-device.js';

/** The port's address. */
export const POST_PORT = 0x80;

/** Port 0x80. */
export class PostPort implements BusDevice {
  /** The last byte written (0 before any write). */
  lastCode = 0;
  /** Number of writes seen: a cheap measure of how much I/O-delay traffic a guest makes. */
  writes = 0;

  /** @param onCode optional observer of each code (debug logging of firmware progress). */
  constructor(private readonly onCode?: (code: number) => void) {}

  read(_offset: number, data: Uint8Array): void {
    data.fill(0xff);
  }

  write(_offset: number, data: Uint8Array): void {
    const v = data[0];
    if (v === undefined) return;
    this.lastCode = v;
    this.writes++;
    this.onCode?.(v);
  }
}
