import type { IrqLine } from '../bus/bus-device.js';
import type { VmFd } from '../kvm/kvm.js';

/** irqchip numbers of KVM's GSI routing. */
const PIC_MASTER = 0;
const PIC_SLAVE = 1;
const IOAPIC = 2;

/**
 * GSI routing of the pc machine as QEMU sets it with the in-kernel irqchip: ISA IRQs 0-15 to the
 * PIC pair, and to the IOAPIC with IRQ 0 on pin 2 (the MP table and ACPI say the same), GSIs 16-23
 * to the IOAPIC only.
 */
export function pcGsiRoutes(): Array<[number, number, number]> {
  const routes: Array<[number, number, number]> = [];
  for (let i = 0; i < 16; i++) {
    if (i === 2) continue;
    routes.push([i, i < 8 ? PIC_MASTER : PIC_SLAVE, i % 8]);
  }
  for (let i = 0; i < 24; i++) {
    if (i === 2) continue;
    routes.push([i, IOAPIC, i === 0 ? 2 : i]);
  }
  return routes;
}

/** An IrqLine driving one GSI of the in-kernel irqchip; redundant level changes are not sent. */
export class KvmIrqLine implements IrqLine {
  private level = false;
  /** `vm` is read at each change: a guest reset replaces the VM while devices live on. */
  constructor(private readonly vm: () => VmFd, readonly gsi: number) {}

  set(level: boolean): void {
    if (level === this.level) return;
    this.level = level;
    this.vm().irqLine(this.gsi, level);
  }

  pulse(): void {
    const vm = this.vm();
    vm.irqLine(this.gsi, true);
    vm.irqLine(this.gsi, false);
    this.level = false;
  }

  /** Forgets the remembered level (the new irqchip after a reset starts with every line low). */
  forget(): void {
    this.level = false;
  }
}
