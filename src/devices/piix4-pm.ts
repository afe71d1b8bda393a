/**
 * The PIIX4 power-management function (Intel 82371AB, function 3) as QEMU's pc machine places it
 * beside the PIIX3 ISA bridge: PCI 00:01.3, 8086:7113, class 0x0680 (other bridge), revision 3.
 * Firmware programs the PM I/O base into PMBA (config 0x40, bits 15:6; bit 0 reads 1) and turns the
 * decode on with PMIOSE (config 0x80 bit 0); the ACPI fixed registers (acpi-pm-registers.ts) then
 * appear there. The SCI is ISA IRQ 9, level-triggered and active high (the FADT's SCI_INT and the
 * MADT's interrupt source override say so); it is the OR of the PM1 and GPE0 events. The APM
 * command port 0xB2 carries the ACPI enable/disable handshake.
 *
 * Like QEMU without SMM, DEVACTB's APMC_EN bit (config 0x5B bit 1) reads as set from reset, which
 * tells SeaBIOS SMM is already initialised so it never waits for an SMI that cannot come. There is
 * no SMBus controller: SMBHSTBASE (0x90) and SMBHSTCFG (0xD2) read 0 and ignore writes, so a guest
 * sees the SMBus host interface disabled.
 */
import type { BusDevice, IrqLine } from '../bus/bus-device.js';
import type { PioBus } from '../bus/bus.js';
import { BusError } from '../bus/bus.js';
import { PciConfigSpace } from '../pci/config-space.js';
import type { PciFunction } from '../pci/pci-bus.js';
import { AcpiGpeBlock, GPE0_LEN } from './acpi-gpe.js';
import { AcpiPmRegisters, PM_IO_SIZE } from './acpi-pm-registers.js';
import { ApmPorts } from './apm-ports.js';
import type { Clock, DeviceLog, DeviceTimer } from './scheduler.js';
import { silentLog } from './scheduler.js';

/** devfn of the PM function on QEMU's pc machine (00:01.3). */
export const PIIX4_PM_DEVFN = (1 << 3) | 3;
/** PCI IDs of the function. */
export const PIIX4_PM_VENDOR = 0x8086;
export const PIIX4_PM_DEVICE = 0x7113;
/** Config registers: PM base address, PM miscellaneous (PMIOSE), device activity B, SMBus. */
export const PIIX4_PM_CONFIG = { PMBA: 0x40, DEVACTB: 0x58, PMREGMISC: 0x80, SMBBA: 0x90, SMBHSTCFG: 0xd2 } as const;
/** PMIOSE: the PM I/O space decode enable bit of PMREGMISC. */
export const PMIOSE = 0x01;
/** PM I/O base SeaBIOS programs when the VMM gives it ACPI tables (src/fw/paravirt.c), used for direct boots too. */
export const PM_IO_BASE_DEFAULT = 0x600;
/** ISA IRQ of the SCI (QEMU hard-wires 9; SeaBIOS writes 9 into INTERRUPT_LINE). */
export const SCI_IRQ = 9;
/** The values OSPM writes to SMI_CMD to enter and leave ACPI mode (QEMU's, in the FADT). */
export const ACPI_ENABLE_CMD = 0xf1;
export const ACPI_DISABLE_CMD = 0xf0;
/** SLP_TYP values of the sleep states the DSDT declares (\_S5 is soft-off, as on QEMU). */
export const PIIX4_SLP_TYP = { S5: 0 } as const;

/** Bits of PMBA the guest can write: the 64-byte aligned base in bits 15:6. */
const PMBA_WRITABLE = 0xffc0;
/** DEVACTB reset value: APMC_EN (bit 25) set, SMM treated as initialised. */
const DEVACTB_SMM_DONE = 0x0200_0000;

/** What the machine gives the PM function. */
export interface Piix4PmOptions {
  /** The port bus the PM block is decoded on, wherever the guest puts it. */
  readonly pio: PioBus;
  /** ISA IRQ 9. */
  readonly sci: IrqLine;
  readonly clock: Clock;
  readonly timer: DeviceTimer;
  /** The guest entered S5 (soft off): the machine powers off. */
  readonly onPowerOff: () => void;
  /** Which legacy serial ports exist (PIIX4 DEVRESD/E bits, as QEMU fills them). */
  readonly com1?: boolean;
  readonly com2?: boolean;
  readonly log?: DeviceLog;
}

/** The PM function: config space, PM register block, GPE0 and the APM ports. */
export class Piix4Pm implements PciFunction {
  readonly name = 'piix4-pm';
  readonly config = new PciConfigSpace({
    vendorId: PIIX4_PM_VENDOR,
    deviceId: PIIX4_PM_DEVICE,
    classCode: 0x06_80_00,
    revision: 0x03,
    subsystemVendorId: 0x1af4,
    subsystemId: 0x1100,
    interruptPin: 1,
  });
  /** PM1 event/control and the PM timer (mapped at PMBA while PMIOSE is set). */
  readonly registers: AcpiPmRegisters;
  /** GPE0, for the machine to map at GPE0_BASE. */
  readonly gpe0: AcpiGpeBlock;
  /** APMC/APMS, for the machine to map at 0xB2. */
  readonly apm: ApmPorts;
  private mappedBase: number | undefined;
  private sciLevel = false;
  private readonly log: DeviceLog;

  constructor(private readonly o: Piix4PmOptions) {
    this.log = o.log ?? silentLog;
    const cfg = this.config;
    cfg.set16(0x06, 0x0280); // status: fast back-to-back capable, DEVSEL medium
    // Device-specific registers are writable (QEMU lets the guest write them all) except the
    // ones below, which have fixed bits or belong to the absent SMBus controller.
    for (let off = 0x40; off < 0x100; off++) cfg.allowWrite(off, 1, 0xff);
    cfg.allowWrite(PIIX4_PM_CONFIG.PMBA, 4, PMBA_WRITABLE);
    cfg.allowWrite(PIIX4_PM_CONFIG.PMREGMISC, 1, PMIOSE);
    cfg.allowWrite(PIIX4_PM_CONFIG.SMBBA, 4, 0);
    cfg.allowWrite(PIIX4_PM_CONFIG.SMBHSTCFG, 1, 0);
    cfg.set32(PIIX4_PM_CONFIG.PMBA, 0x1); // I/O space indicator, hard-wired
    cfg.set32(PIIX4_PM_CONFIG.DEVACTB, DEVACTB_SMM_DONE);
    // DEVRESB/C/D: as QEMU sets them once the machine is built (no LPT at 0x378; which COMs exist).
    cfg.bytes[0x5f] = 0x10;
    cfg.bytes[0x63] = 0x60;
    cfg.bytes[0x67] = (o.com1 === true ? 0x08 : 0) | (o.com2 === true ? 0x90 : 0);
    cfg.markInitial();
    this.registers = new AcpiPmRegisters({
      clock: o.clock,
      timer: o.timer,
      onSleep: (typ) => this.sleep(typ),
      onSciChange: () => this.updateSci(),
      log: this.log,
    });
    this.gpe0 = new AcpiGpeBlock(GPE0_LEN, () => this.updateSci());
    this.apm = new ApmPorts((cmd) => this.smiCommand(cmd));
  }

  /** Where the PM block is decoded now (undefined: PMIOSE clear or the base collided). */
  get pmBase(): number | undefined {
    return this.mappedBase;
  }

  /** Programs PMBA and PMIOSE as firmware would (a direct kernel boot has no firmware). */
  enablePmIo(base: number = PM_IO_BASE_DEFAULT): void {
    this.config.set32(PIIX4_PM_CONFIG.PMBA, (base & PMBA_WRITABLE) | 1);
    this.config.bytes[PIIX4_PM_CONFIG.PMREGMISC] = PMIOSE;
    this.config.bytes[0x3c] = SCI_IRQ;
    this.remap();
  }

  /** The power button (QMP system_powerdown): PWRBTN_STS, an SCI if the OS enabled it. */
  pressPowerButton(): void {
    this.registers.pressPowerButton();
  }

  configWritten(offset: number, size: number): void {
    const touches = (reg: number, len: number): boolean => offset < reg + len && offset + size > reg;
    if (touches(PIIX4_PM_CONFIG.PMBA, 4) || touches(PIIX4_PM_CONFIG.PMREGMISC, 1)) this.remap();
  }

  /** PCI reset (the bus has restored the config space): registers to power-on, decode off. */
  reset(): void {
    this.registers.reset();
    this.gpe0.reset();
    this.apm.reset();
    this.remap();
  }

  /** Moves the PM block to where PMBA and PMIOSE say. */
  private remap(): void {
    const cfg = this.config;
    const want = (cfg.bytes[PIIX4_PM_CONFIG.PMREGMISC]! & PMIOSE) !== 0 ? cfg.read(PIIX4_PM_CONFIG.PMBA, 2) & PMBA_WRITABLE : undefined;
    if (want === this.mappedBase) return;
    if (this.mappedBase !== undefined) this.o.pio.remove(this.mappedBase);
    this.mappedBase = undefined;
    if (want === undefined) return;
    try {
      this.o.pio.insert(want, PM_IO_SIZE, 'piix4-pm', this.registers as BusDevice);
      this.mappedBase = want;
    } catch (err) {
      if (!(err instanceof BusError)) throw err;
      // Real hardware would fight another device on the bus: leave it off until the guest moves it.
      this.log(`piix4-pm: PM I/O base 0x${want.toString(16)} overlaps another device; not decoded`);
    }
  }

  private updateSci(): void {
    const level = this.registers.sciPending || this.gpe0.sciPending;
    if (level === this.sciLevel) return;
    this.sciLevel = level;
    this.o.sci.set(level);
  }

  private smiCommand(cmd: number): void {
    if (cmd === ACPI_ENABLE_CMD) this.registers.setSciEnable(true);
    else if (cmd === ACPI_DISABLE_CMD) this.registers.setSciEnable(false);
    // Other commands would raise an SMI; there is no SMM here, so they only read back from APMC.
  }

  private sleep(slpTyp: number): void {
    if (slpTyp === PIIX4_SLP_TYP.S5) {
      this.o.onPowerOff();
      return;
    }
    this.log(`piix4-pm: sleep type ${slpTyp} is not a state this machine declares (only \\_S5); ignored`);
  }
}
