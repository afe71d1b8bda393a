/**
 * Resource descriptors for _CRS buffers (ACPI 6.5 section 6.4, "Resource Data Types for ACPI"):
 * the small IO and IRQ descriptors and the large Word/DWord/QWord address-space descriptors a
 * PCI root bridge declares. `resourceTemplate` ends the list with an End Tag and wraps it in an
 * AML Buffer, as ASL's ResourceTemplate() does.
 */
import { buffer, cat, type Aml } from './aml.js';

/** IO(Decode16, min, max, alignment, length): small item 0x47. */
export function ioPort(min: number, max: number, alignment: number, length: number): Uint8Array {
  return Uint8Array.of(0x47, 0x01, min & 0xff, min >>> 8, max & 0xff, max >>> 8, alignment, length);
}

/** IRQNoFlags(){irqs}: small item 0x22 (edge-triggered, active high, exclusive: ISA). */
export function irqNoFlags(irqs: readonly number[]): Uint8Array {
  let mask = 0;
  for (const irq of irqs) {
    if (!Number.isInteger(irq) || irq < 0 || irq > 15) throw new RangeError(`ISA IRQ ${irq} is out of range`);
    mask |= 1 << irq;
  }
  return Uint8Array.of(0x22, mask & 0xff, mask >>> 8);
}

/** Address-space resource types. */
export const ADDRESS_SPACE = { Memory: 0, IO: 1, BusNumber: 2 } as const;
/** General flags: producer, positive decode, MinFixed and MaxFixed (what a root bridge window says). */
const PRODUCER_FIXED = 0x0c;
/** Type-specific flags: I/O EntireRange; memory ReadWrite with cacheability. */
export const IO_ENTIRE_RANGE = 0x03;
export const MEM_READ_WRITE = 0x01;
export const MEM_CACHEABLE = 0x02;

/** A window [min, max] of one space, producer, fixed (WordIO/WordBusNumber, DWordMemory, QWordMemory). */
export interface AddressWindow {
  readonly type: number;
  readonly typeFlags: number;
  readonly min: bigint | number;
  readonly max: bigint | number;
}

/** Word address space (large item 0x88): 16-bit fields. */
export function wordAddress(w: AddressWindow): Uint8Array {
  return addressDescriptor(0x88, 2, w);
}

/** DWord address space (large item 0x87): 32-bit fields. */
export function dwordAddress(w: AddressWindow): Uint8Array {
  return addressDescriptor(0x87, 4, w);
}

/** QWord address space (large item 0x8A): 64-bit fields. */
export function qwordAddress(w: AddressWindow): Uint8Array {
  return addressDescriptor(0x8a, 8, w);
}

/** Large address descriptor: type, flags, then granularity, min, max, translation, length. */
function addressDescriptor(tag: number, width: number, w: AddressWindow): Uint8Array {
  const min = BigInt(w.min);
  const max = BigInt(w.max);
  const limit = (1n << BigInt(8 * width)) - 1n;
  if (min < 0n || max < min || max > limit || max - min + 1n > limit) throw new RangeError(`address window 0x${min.toString(16)}-0x${max.toString(16)} does not fit ${width}-byte fields`);
  const fields = [0n, min, max, 0n, max - min + 1n];
  const body = new Uint8Array(3 + fields.length * width);
  body[0] = w.type;
  body[1] = PRODUCER_FIXED;
  body[2] = w.typeFlags;
  fields.forEach((v, f) => {
    for (let i = 0; i < width; i++) body[3 + f * width + i] = Number((v >> BigInt(8 * i)) & 0xffn);
  });
  return cat([[tag, body.length & 0xff, body.length >>> 8], body]);
}

/** ResourceTemplate(){...}: the descriptors, an End Tag (checksum 0: "treat as correct"), as a Buffer. */
export function resourceTemplate(descriptors: readonly Uint8Array[]): Aml {
  return buffer(cat([...descriptors, [0x79, 0x00]]));
}
