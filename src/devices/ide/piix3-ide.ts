/**
 * The PIIX3 IDE controller (Intel 82371SB function 1, 8086:7010): two channels fixed in legacy
 * (compatibility) mode — primary at 0x1F0-0x1F7 + 0x3F6 on ISA IRQ 14, secondary at
 * 0x170-0x177 + 0x376 on IRQ 15 — and bus-master DMA through the 16-byte I/O BAR4.
 * Config class 0x0101 with prog-if 0x80 (bus master, both channels legacy-only). The IDE timing
 * registers at 0x40-0x4F (IDETIM, whose bit 15 SeaBIOS sets to enable decode) and the rest of
 * the device-specific space are writable, as on QEMU; decoding follows the legacy ranges always.
 */
import type { BusDevice, IrqLine } from '../../bus/bus-device.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import { PciConfigSpace, PCI } from '../../pci/config-space.js';
import type { PciFunction } from '../../pci/pci-bus.js';
import { BusMasterChannel } from './bus-master.js';
import { IdeChannel } from './ide-channel.js';
import type { IdeDrive } from './ide-drive.js';

/** The IDE timing registers of the primary and secondary channel in config space. */
export const IDETIM_PRIMARY = 0x40;
export const IDETIM_SECONDARY = 0x42;
/** IDETIM bit 15: the channel decodes its legacy ports (ata_piix checks it before probing). */
export const IDETIM_DECODE_ENABLE = 0x8000;

/** Legacy port ranges and IRQs of the two channels. */
export const IDE_LEGACY = [
  { commandBase: 0x1f0, commandSize: 8, controlBase: 0x3f6, controlSize: 1, irq: 14 },
  { commandBase: 0x170, commandSize: 8, controlBase: 0x376, controlSize: 1, irq: 15 },
] as const;

/** Size of the bus-master BAR (BAR4). */
export const BMDMA_BAR_SIZE = 16;

/** Options of the controller. */
export interface Piix3IdeOptions {
  /** Guest RAM, for bus-master DMA. */
  readonly memory: GuestMemory;
  /** IRQ lines of ISA IRQ 14 and 15. */
  readonly irq14: IrqLine;
  readonly irq15: IrqLine;
  /** Devices by index as `-drive index=` counts: 0 primary master, 1 primary slave, 2 secondary master, 3 secondary slave. */
  readonly drives?: ReadonlyArray<IdeDrive | undefined>;
}

/** One legacy range for the machine to map on the port bus. */
export interface IdePortRange {
  readonly base: number;
  readonly size: number;
  readonly name: string;
  readonly device: BusDevice;
  /** The channel (0 primary, 1 secondary) the range belongs to. */
  readonly channel: number;
  /** The command block (data, task file, command/status) rather than the control block. */
  readonly command: boolean;
}

/** PIIX3 IDE as a PCI function with its two channels. */
export class Piix3Ide implements PciFunction {
  readonly name = 'piix3-ide';
  readonly config: PciConfigSpace;
  /** Primary and secondary channel. */
  readonly channels: readonly [IdeChannel, IdeChannel];
  private readonly busMasters: readonly [BusMasterChannel, BusMasterChannel];
  private readonly bar4: BusDevice;

  constructor(o: Piix3IdeOptions) {
    this.config = new PciConfigSpace({ vendorId: 0x8086, deviceId: 0x7010, classCode: 0x010180 });
    this.config.setBar(4, { kind: 'io', size: BMDMA_BAR_SIZE });
    this.config.set16(PCI.STATUS, 0x0280); // DEVSEL medium, fast back-to-back capable
    for (let off = 0x40; off < 0x100; off++) this.config.allowWrite(off, 1, 0xff);
    this.busMasters = [new BusMasterChannel(o.memory), new BusMasterChannel(o.memory)];
    const d = o.drives ?? [];
    this.channels = [
      new IdeChannel({ irq: o.irq14, master: d[0], slave: d[1], busMaster: this.busMasters[0] }),
      new IdeChannel({ irq: o.irq15, master: d[2], slave: d[3], busMaster: this.busMasters[1] }),
    ];
    const [bm0, bm1] = this.busMasters;
    this.bar4 = {
      read: (offset, data) => (offset < 8 ? bm0 : bm1).read(offset & 7, data),
      write: (offset, data) => (offset < 8 ? bm0 : bm1).write(offset & 7, data),
    };
  }

  /** The four legacy port ranges to map on the port bus. */
  portRanges(): IdePortRange[] {
    return IDE_LEGACY.flatMap((l, i) => [
      { base: l.commandBase, size: l.commandSize, name: `ide${i}`, device: this.channels[i]!.commandBlock, channel: i, command: true },
      { base: l.controlBase, size: l.controlSize, name: `ide${i}-ctl`, device: this.channels[i]!.controlBlock, channel: i, command: false },
    ]);
  }

  /** The device at `-drive index=` `index` (0-3), if any. */
  drive(index: number): IdeDrive | undefined {
    return this.channels[index >> 1]?.drive((index & 1) as 0 | 1);
  }

  barDevice(index: number): BusDevice | undefined {
    return index === 4 ? this.bar4 : undefined;
  }

  /**
   * What the BIOS's IDE set-up does to the timing registers, for boots without firmware (a direct
   * -kernel boot): IDETIM (0x40 primary, 0x42 secondary) = 0x8000, IDE decode enable with
   * compatible timing. They power on as 0 (82371SB datasheet), and Linux's ata_piix takes a
   * channel whose decode bit is clear as disabled and probes no drives on it.
   */
  enableDecodeAsBios(): void {
    this.config.set16(IDETIM_PRIMARY, IDETIM_DECODE_ENABLE);
    this.config.set16(IDETIM_SECONDARY, IDETIM_DECODE_ENABLE);
  }

  /** PCI/machine reset: bus-master engines stop, devices reset. */
  reset(): void {
    for (const bm of this.busMasters) bm.reset();
    for (const ch of this.channels) ch.reset();
  }
}
