/**
 * One IDE channel (ATA/ATAPI-7 volume 2, parallel transport): the command block (8 ports at
 * 0x1F0/0x170), the control block (device control / alternate status at 0x3F6/0x376), up to two
 * devices, and INTRQ. Register writes reach both devices; reads come from the selected one. A
 * selected device that is absent reads status and error 0, as QEMU does, so firmware sees
 * no device. INTRQ is the selected device's pending interrupt unless nIEN is set.
 */
import type { BusDevice, IrqLine } from '../../bus/bus-device.js';
import { DC, DEV, ST } from './ata-constants.js';
import type { BusMasterChannel } from './bus-master.js';
import type { IdeDrive } from './ide-drive.js';
import { REG, TaskFile } from './task-file.js';

/** Options of a channel. */
export interface IdeChannelOptions {
  /** INTRQ: ISA IRQ 14 (primary) or 15 (secondary) in legacy mode. */
  readonly irq: IrqLine;
  /** Device 0 and device 1; undefined slots are empty. */
  readonly master?: IdeDrive;
  readonly slave?: IdeDrive;
  /** The channel's bus-master engine, when the controller has one. */
  readonly busMaster?: BusMasterChannel;
}

/** An IDE channel with its two device slots. */
export class IdeChannel {
  /** Command block registers: map 8 ports at the channel's base (0x1F0 / 0x170). */
  readonly commandBlock: BusDevice;
  /** Control block register: map 1 port at base + 0x206 (0x3F6 / 0x376). */
  readonly controlBlock: BusDevice;
  private readonly regs: readonly [TaskFile, TaskFile] = [new TaskFile(), new TaskFile()];
  private readonly drives: readonly [IdeDrive | undefined, IdeDrive | undefined];
  private control = 0;
  private selected = 0;
  private line = false;
  private readonly irq: IrqLine;
  private readonly busMaster: BusMasterChannel | undefined;

  constructor(o: IdeChannelOptions) {
    this.irq = o.irq;
    this.busMaster = o.busMaster;
    this.drives = [o.master, o.slave];
    const host = { irqChanged: () => this.updateIrq(), dma: o.busMaster };
    this.drives.forEach((d, i) => d?.attach(host, this.regs[i]!));
    this.commandBlock = {
      read: (offset, data) => this.readCommandBlock(offset, data),
      write: (offset, data) => this.writeCommandBlock(offset, data),
    };
    this.controlBlock = {
      read: (_offset, data) => data.fill(this.altStatus()),
      write: (_offset, data) => this.writeControl(data[0]!),
    };
  }

  /** Device 0 or 1, if attached. */
  drive(index: 0 | 1): IdeDrive | undefined {
    return this.drives[index];
  }

  /** Whether INTRQ is asserted now. */
  get irqLevel(): boolean {
    return this.line;
  }

  /** Hardware reset (machine reset): both devices reset, device 0 selected, interrupts enabled. */
  reset(): void {
    this.control = 0;
    this.resetDevices(true);
  }

  private resetDevices(powerOn = false): void {
    this.selected = 0;
    for (let i = 0; i < 2; i++) {
      const d = this.drives[i];
      if (d !== undefined && powerOn) d.powerOnReset();
      else if (d !== undefined) d.reset();
      else this.regs[i]!.loadSignature(0, 0);
    }
    this.updateIrq();
  }

  private get hob(): boolean {
    return (this.control & DC.HOB) !== 0;
  }

  private get noDevices(): boolean {
    return this.drives[0] === undefined && this.drives[1] === undefined;
  }

  private altStatus(): number {
    return this.drives[this.selected]?.status ?? 0;
  }

  private readCommandBlock(offset: number, data: Uint8Array): void {
    if (offset === REG.DATA && data.length >= 2) {
      const d = this.drives[this.selected];
      if (d === undefined) data.fill(0xff);
      else d.dataRead(data);
      return;
    }
    for (let i = 0; i < data.length; i++) data[i] = this.readRegister(offset + i);
  }

  private readRegister(reg: number): number {
    const d = this.drives[this.selected];
    switch (reg) {
      case REG.DATA: {
        const b = new Uint8Array(1);
        if (d === undefined) return 0xff;
        d.dataRead(b);
        return b[0]!;
      }
      case REG.ERROR_FEATURE:
        if (d === undefined) return 0;
        return this.hob ? this.regs[this.selected]!.hobFeature : d.error;
      case REG.STATUS_COMMAND:
        return d === undefined ? 0 : d.statusRead();
      default:
        if (reg > REG.STATUS_COMMAND || this.noDevices) return 0;
        return this.regs[this.selected]!.read(reg, this.hob);
    }
  }

  private writeCommandBlock(offset: number, data: Uint8Array): void {
    if (offset === REG.DATA && data.length >= 2) {
      this.drives[this.selected]?.dataWrite(data);
      return;
    }
    for (let i = 0; i < data.length; i++) this.writeRegister(offset + i, data[i]!);
  }

  private writeRegister(reg: number, v: number): void {
    if (reg === REG.DATA) {
      this.drives[this.selected]?.dataWrite(Uint8Array.of(v));
      return;
    }
    if (reg > REG.STATUS_COMMAND) return;
    this.control &= ~DC.HOB; // any command block write clears HOB
    if (reg === REG.STATUS_COMMAND) {
      this.drives[this.selected]?.command(v);
      return;
    }
    this.regs[0].write(reg, v);
    this.regs[1].write(reg, v);
    if (reg === REG.DEVICE) {
      this.selected = (v & DEV.DEV1) !== 0 ? 1 : 0;
      this.updateIrq();
    }
  }

  private writeControl(v: number): void {
    const wasReset = (this.control & DC.SRST) !== 0;
    this.control = v;
    const reset = (v & DC.SRST) !== 0;
    if (reset && !wasReset) {
      // SRST asserted: devices stop whatever they were doing and stay busy until it is released.
      this.resetDevices();
      for (const d of this.drives) if (d !== undefined) d.status = ST.BSY;
    } else if (!reset && wasReset) this.resetDevices();
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = (this.drives[this.selected]?.intrq ?? false) && (this.control & DC.NIEN) === 0;
    if (level === this.line) return;
    this.line = level;
    if (level) this.busMaster?.onInterrupt();
    this.irq.set(level);
  }
}
