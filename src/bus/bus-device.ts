/**
 * What a device exposes on a bus (port I/O or MMIO). Offsets are relative to the base the device
 * was mapped at; `data.length` is the access size (1, 2, 4 or 8 bytes). Reads fill `data`.
 * Devices are pure state machines: side effects (IRQ lines, output sinks, clocks) are injected.
 */
export interface BusDevice {
  read(offset: number, data: Uint8Array): void;
  write(offset: number, data: Uint8Array): void;
}

/**
 * An interrupt line given to a device. The machine wires it to a GSI (KVM_IRQ_LINE on KVM, the
 * TypeScript PIC/IOAPIC under the software CPU). Devices never see file descriptors.
 */
export interface IrqLine {
  /** Drives the line to a level (true = asserted). Edge-triggered ISA devices raise then lower. */
  set(level: boolean): void;
  /** Raises and lowers the line once: an edge for ISA edge-triggered inputs. */
  pulse(): void;
}

/** An IrqLine that records its level; used by unit tests and as a default for unwired devices. */
export class RecordingIrqLine implements IrqLine {
  level = false;
  /** Number of rising edges seen (set(true) from low, or pulse()). */
  edges = 0;
  set(level: boolean): void {
    if (level && !this.level) this.edges++;
    this.level = level;
  }
  pulse(): void {
    this.edges++;
    this.level = false;
  }
}
