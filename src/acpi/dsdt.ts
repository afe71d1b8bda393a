/**
 * The Differentiated System Description Table of the pc machine (ACPI 6.5 section 5.2.11.1), with
 * the namespace Linux needs to bind the same drivers it binds under QEMU's pc machine:
 *   \_SB.PCI0      PCI root bridge (PNP0A03) with its _CRS windows: bus 0-255, config ports,
 *                  I/O 0-0xcf7 and 0xd00-0xffff, the VGA window, the 32-bit hole from the end of
 *                  low RAM to the IOAPIC, and QEMU's 2 GiB 64-bit window above RAM
 *   \_SB.PCI0.ISA  the PIIX3 ISA bridge (00:01.0) with the PS/2 keyboard and mouse, the RTC and
 *                  the serial ports the machine has (PNP0303, PNP0F13, PNP0B00, PNP0501)
 *   \_SB.PCI0.GPE0 the GPE0 ports, reserved (PNP0A06, as QEMU)
 *   \_SB.PCI0.FWCF the fw_cfg ports (QEMU0002) when the machine has fw_cfg (firmware boot)
 *   \_SB.CPxx      one processor device (ACPI0007) per MADT entry, _UID = ACPI processor UID
 *   \_S5           soft-off: SLP_TYP 0, which the PIIX4 PM function turns into power-off
 * The table is revision 1 (32-bit AML integers), as QEMU's.
 */
import { HIGH_RAM_START, IOAPIC_BASE } from '../memory/layout.js';
import { device, eisaId, int, name, pkg, scope, str, type Aml, cat } from './aml.js';
import {
  ADDRESS_SPACE, IO_ENTIRE_RANGE, MEM_CACHEABLE, MEM_READ_WRITE, dwordAddress, ioPort, irqNoFlags, qwordAddress,
  resourceTemplate, wordAddress,
} from './aml-resources.js';
import { sdt } from './sdt.js';

/** A legacy serial port to declare. */
export interface DsdtSerialPort {
  readonly base: number;
  readonly irq: number;
}

/** What the DSDT describes. */
export interface DsdtConfig {
  readonly cpus: number;
  /** End of RAM below 4 GiB: the 32-bit PCI hole starts here. */
  readonly lowRamEnd: number;
  /** Bytes of RAM above 4 GiB (0 if none). */
  readonly highRamBytes: number;
  /** Serial ports in COM order (COM1 first). */
  readonly serialPorts: readonly DsdtSerialPort[];
  /** The GPE0 block's ports. */
  readonly gpe0: { readonly port: number; readonly length: number };
  /** SLP_TYP of S5 in PM1_CNT. */
  readonly s5SlpTyp: number;
  /** The fw_cfg selector port (0x510), when the machine has fw_cfg. */
  readonly fwCfgPort?: number;
}

/** Size of QEMU's default 64-bit PCI window (pci-hole64-size). */
const PCI_HOLE64_SIZE = 2n ** 31n;
/** The 64-bit window starts at the first GiB boundary above high RAM. */
const GIB = 2n ** 30n;
/** _STA values: present, enabled, shown in UI, functioning (0x0F); present, enabled, functioning but hidden (0x0B). */
const STA_ALL = 0x0f;
const STA_HIDDEN = 0x0b;

/** The PCI root bridge's current resources. */
function rootBridgeResources(c: DsdtConfig): Aml {
  const highEnd = HIGH_RAM_START + c.highRamBytes;
  const hole64 = c.highRamBytes === 0 ? BigInt(HIGH_RAM_START) : ((BigInt(highEnd) + GIB - 1n) / GIB) * GIB;
  return resourceTemplate([
    wordAddress({ type: ADDRESS_SPACE.BusNumber, typeFlags: 0, min: 0, max: 0xff }),
    ioPort(0xcf8, 0xcf8, 1, 8),
    wordAddress({ type: ADDRESS_SPACE.IO, typeFlags: IO_ENTIRE_RANGE, min: 0, max: 0xcf7 }),
    wordAddress({ type: ADDRESS_SPACE.IO, typeFlags: IO_ENTIRE_RANGE, min: 0xd00, max: 0xffff }),
    dwordAddress({ type: ADDRESS_SPACE.Memory, typeFlags: MEM_READ_WRITE | MEM_CACHEABLE, min: 0xa_0000, max: 0xb_ffff }),
    dwordAddress({ type: ADDRESS_SPACE.Memory, typeFlags: MEM_READ_WRITE, min: c.lowRamEnd, max: IOAPIC_BASE - 1 }),
    qwordAddress({ type: ADDRESS_SPACE.Memory, typeFlags: MEM_READ_WRITE | MEM_CACHEABLE, min: hole64, max: hole64 + PCI_HOLE64_SIZE - 1n }),
  ]);
}

/** The ISA bridge's devices. */
function isaDevices(c: DsdtConfig): Aml[] {
  const out: Aml[] = [
    device('KBD', [name('_HID', eisaId('PNP0303')), name('_STA', int(STA_ALL)), name('_CRS', resourceTemplate([ioPort(0x60, 0x60, 1, 1), ioPort(0x64, 0x64, 1, 1), irqNoFlags([1])]))]),
    device('MOU', [name('_HID', eisaId('PNP0F13')), name('_STA', int(STA_ALL)), name('_CRS', resourceTemplate([irqNoFlags([12])]))]),
    device('RTC', [name('_HID', eisaId('PNP0B00')), name('_CRS', resourceTemplate([ioPort(0x70, 0x70, 1, 8), irqNoFlags([8])]))]),
  ];
  c.serialPorts.forEach((p, i) => {
    out.push(device(`COM${i + 1}`, [
      name('_HID', eisaId('PNP0501')),
      name('_UID', int(i + 1)),
      name('_STA', int(STA_ALL)),
      name('_CRS', resourceTemplate([ioPort(p.base, p.base, 0, 8), irqNoFlags([p.irq])])),
    ]));
  });
  return out;
}

/** The PCI root bridge and what hangs below it. */
function pci0(c: DsdtConfig): Aml {
  const terms: Aml[] = [
    name('_HID', eisaId('PNP0A03')),
    name('_ADR', int(0)),
    name('_UID', int(0)),
    name('_CRS', rootBridgeResources(c)),
    device('ISA', [name('_ADR', int(0x0001_0000)), ...isaDevices(c)]),
    device('GPE0', [
      name('_HID', str('PNP0A06')),
      name('_UID', str('GPE0 resources')),
      name('_STA', int(STA_HIDDEN)),
      name('_CRS', resourceTemplate([ioPort(c.gpe0.port, c.gpe0.port, 1, c.gpe0.length)])),
    ]),
  ];
  if (c.fwCfgPort !== undefined) {
    terms.push(device('FWCF', [name('_HID', str('QEMU0002')), name('_STA', int(STA_HIDDEN)), name('_CRS', resourceTemplate([ioPort(c.fwCfgPort, c.fwCfgPort, 1, 0x0c)]))]));
  }
  return device('PCI0', terms);
}

/** Processor devices, one per MADT Local APIC entry. */
function processors(cpus: number): Aml[] {
  return Array.from({ length: cpus }, (_, i) => device(`CP${i.toString(16).toUpperCase().padStart(2, '0')}`, [name('_HID', str('ACPI0007')), name('_UID', int(i))]));
}

/** The DSDT's AML (the table body). */
export function dsdtAml(c: DsdtConfig): Aml {
  if (c.cpus > 0x100) throw new RangeError(`the DSDT names processors CP00-CPFF; ${c.cpus} CPUs do not fit`);
  return cat([
    scope('\\_SB', [pci0(c), ...processors(c.cpus)]),
    scope('\\', [name('_S5', pkg([int(c.s5SlpTyp), int(c.s5SlpTyp), int(0), int(0)]))]),
  ]);
}

/** Builds the DSDT. */
export function buildDsdt(c: DsdtConfig): Uint8Array {
  return sdt('DSDT', 1, dsdtAml(c));
}
