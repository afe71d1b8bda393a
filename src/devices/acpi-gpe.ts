/**
 * An ACPI general-purpose event block (ACPI 6.5 section 4.8.4.1): a status half (write 1 to clear)
 * followed by an enable half of the same length. QEMU's pc machine puts a 4-byte GPE0 block at
 * 0xafe0 (two status bytes, two enable bytes); nothing in tkvm raises a GPE yet, but the block is
 * there so the FADT's GPE0_BLK is real and OSPM can initialise it.
 */
import type { BusDevice } from '../bus/bus-device.js';

/** Where QEMU's pc machine decodes GPE0 (hw/acpi/piix4.c GPE_BASE) and its length. */
export const GPE0_BASE = 0xafe0;
export const GPE0_LEN = 4;

/** A GPE block of `length` bytes (even): status bytes then enable bytes. */
export class AcpiGpeBlock implements BusDevice {
  private readonly sts: Uint8Array;
  private readonly en: Uint8Array;

  /** `onChange` is told when the block's share of the SCI may have changed. */
  constructor(readonly length: number, private readonly onChange: () => void = () => undefined) {
    if (length <= 0 || length % 2 !== 0) throw new RangeError(`GPE block length ${length} must be even and positive`);
    this.sts = new Uint8Array(length / 2);
    this.en = new Uint8Array(length / 2);
  }

  /** Whether an enabled GPE is pending. */
  get sciPending(): boolean {
    return this.sts.some((s, i) => (s & this.en[i]!) !== 0);
  }

  /** Hardware sets GPE status bit `gpe` (an event happened). */
  raise(gpe: number): void {
    const byte = gpe >> 3;
    if (byte >= this.sts.length) throw new RangeError(`GPE ${gpe} is outside a ${this.length}-byte block`);
    this.sts[byte]! |= 1 << (gpe & 7);
    this.onChange();
  }

  /** Power-on state: nothing pending or enabled. */
  reset(): void {
    this.sts.fill(0);
    this.en.fill(0);
    this.onChange();
  }

  read(offset: number, data: Uint8Array): void {
    const half = this.sts.length;
    for (let i = 0; i < data.length; i++) {
      const reg = offset + i;
      data[i] = reg < half ? this.sts[reg]! : reg < this.length ? this.en[reg - half]! : 0xff;
    }
  }

  write(offset: number, data: Uint8Array): void {
    const half = this.sts.length;
    for (let i = 0; i < data.length; i++) {
      const reg = offset + i;
      if (reg < half) this.sts[reg]! &= ~data[i]!;
      else if (reg < this.length) this.en[reg - half] = data[i]!;
    }
    this.onChange();
  }
}
