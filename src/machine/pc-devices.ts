/**
 * Where the pc machine's optional devices plug into the platform (platform.ts documents the API):
 * IDE on 00:01.1, VGA on 00:02.0, and whatever comes later. One function per device keeps the
 * machine's assembly in one place while each device lives in its own files.
 */
import { readFileSync } from 'node:fs';
import type { MachineConfig } from '../cli/config.js';
import type { DisplaySource } from '../display/display.js';
import { DEFAULT_VGAMEM_MB, StdVga, VBE_IO_BASE, VBE_IO_SIZE, VGA_IO_BASE, VGA_IO_SIZE, VGA_WINDOW_BASE, VGA_WINDOW_SIZE } from '../devices/vga/index.js';
import { AtaDisk, AtapiCdrom, IdeMediaError, PIIX3_IDE_DEVFN, Piix3Ide, defaultCdromIdentity, defaultDiskIdentity } from '../devices/ide/index.js';
import type { BusDevice } from '../bus/bus-device.js';
import { acpiEnabled, pcAcpiTables } from '../acpi/pc-acpi.js';
import { tableLoaderScript, TABLE_LOADER_FILE } from '../acpi/linker-loader.js';
import { ACPI_RSDP_FILE, ACPI_TABLES_FILE } from '../acpi/table-set.js';
import { GPE0_BASE } from '../devices/acpi-gpe.js';
import { APM_CONTROL_PORT, APM_PORTS_SIZE } from '../devices/apm-ports.js';
import { PIIX4_PM_DEVFN, Piix4Pm, SCI_IRQ } from '../devices/piix4-pm.js';
import { ProxyDiskBackend, type ProxiedDisk } from './block-proxy.js';
import type { PcPlatform } from './platform.js';

/** SeaBIOS's VGA BIOS for the standard VGA, from Debian's seabios package (QEMU loads the same file). */
export const STD_VGA_ROM_PATH = '/usr/share/seabios/vgabios-stdvga.bin';
/** The standard VGA's PCI address, as on QEMU's pc machine (00:02.0). */
export const STD_VGA_DEVFN = 2 << 3;

/** One IDE drive slot as the main thread set it up (index = -drive index: 0..3). */
export interface IdeDriveSlot extends ProxiedDisk {
  readonly media: 'disk' | 'cdrom';
  /** CD-ROMs: Int32 [locked, trayOpen, present] kept current for the main thread's query-block. */
  readonly state?: SharedArrayBuffer;
  /** An empty CD-ROM drive (no medium yet). */
  readonly empty?: boolean;
}

/** Indices into an IdeDriveSlot's state words. */
export const CD_STATE = { LOCKED: 0, TRAY_OPEN: 1, PRESENT: 2, SIZE: 3 } as const;

/** A host request for a CD-ROM drive (QMP eject, blockdev-change-medium). */
export type CdRequest =
  | { readonly op: 'eject'; readonly force: boolean }
  | { readonly op: 'change'; readonly force: boolean; readonly size: number };

/** The devices the rest of the machine talks to after assembly. */
export interface PcDevices {
  /** The graphics card, for screendumps and VNC (undefined with -vga none). */
  readonly display?: DisplaySource;
  /** Carries out a host request on CD-ROM drive `index`; returns QEMU's error text or undefined. */
  cdRequest(index: number, req: CdRequest): string | undefined;
  /** The ACPI power-management function (undefined with -no-acpi): its power button, for system_powerdown. */
  readonly pm?: Piix4Pm;
}

/** What the devices need from the machine beyond the platform. */
export interface PcDeviceHooks {
  /** The guest powered the machine off (ACPI S5): end the VM with status 0, as QEMU does. */
  readonly onPowerOff: () => void;
  /** Messages about guest mistakes devices ignore. */
  readonly log?: (message: string) => void;
}

/** Plugs the configured devices into `platform` (called once, before the VM first runs). */
export function plugPcDevices(platform: PcPlatform, config: MachineConfig, drives: ReadonlyArray<IdeDriveSlot | undefined> = [], hooks: PcDeviceHooks = { onPowerOff: () => undefined }): PcDevices {
  const display = config.vga === 'none' ? undefined : plugStdVga(platform);
  const cdRequest = plugIde(platform, drives);
  const pm = acpiEnabled(config) ? plugAcpi(platform, config, hooks) : undefined;
  return { display, cdRequest, ...(pm !== undefined ? { pm } : {}) };
}

/**
 * ACPI, as QEMU's pc machine has it unless -no-acpi: the PIIX4 PM function on 00:01.3 with its
 * GPE0 block and the APM ports, and the tables. With firmware, SeaBIOS gets the tables through
 * fw_cfg (linker/loader) and programs the PM I/O base itself; a direct kernel boot has no
 * firmware, so the PM base is programmed here (the tables go into RAM with the kernel).
 */
function plugAcpi(platform: PcPlatform, config: MachineConfig, hooks: PcDeviceHooks): Piix4Pm {
  let pm: Piix4Pm | undefined;
  const timer = platform.createTimer(() => pm?.registers.onTimer());
  pm = new Piix4Pm({
    pio: platform.pio,
    sci: platform.isaIrq(SCI_IRQ),
    clock: platform.clock,
    timer,
    onPowerOff: hooks.onPowerOff,
    com1: config.serial.length >= 1,
    com2: config.serial.length >= 2,
    ...(hooks.log !== undefined ? { log: hooks.log } : {}),
  });
  platform.addPciFunction(PIIX4_PM_DEVFN, pm);
  platform.pio.insert(GPE0_BASE, pm.gpe0.length, 'acpi-gpe0', pm.gpe0);
  platform.pio.insert(APM_CONTROL_PORT, APM_PORTS_SIZE, 'apm', pm.apm);
  if (platform.fwCfg !== undefined) {
    const set = pcAcpiTables(config, true);
    platform.addFirmwareFile(ACPI_TABLES_FILE, set.tables);
    platform.addFirmwareFile(ACPI_RSDP_FILE, set.rsdp);
    platform.addFirmwareFile(TABLE_LOADER_FILE, tableLoaderScript(set));
  } else {
    const direct = pm;
    direct.enablePmIo();
    platform.onReset(() => direct.enablePmIo()); // a reset reloads the kernel, again without firmware
  }
  return pm;
}

/**
 * PIIX3 IDE on 00:01.1 with the -hda..-hdd/-cdrom drives: legacy ports on IRQ 14/15, bus-master
 * DMA through BAR4. Disk data goes through the block proxy to the main thread's drivers.
 */
function plugIde(platform: PcPlatform, slots: ReadonlyArray<IdeDriveSlot | undefined>): PcDevices['cdRequest'] {
  const cds = new Map<number, { cd: AtapiCdrom; slot: IdeDriveSlot; state: Int32Array }>();
  const drives = [0, 1, 2, 3].map((index) => {
    const slot = slots[index];
    if (slot === undefined) return undefined;
    if (slot.media === 'disk') return new AtaDisk({ backend: new ProxyDiskBackend(slot), identity: defaultDiskIdentity(index) });
    const cd = new AtapiCdrom({
      ...(slot.empty === true ? {} : { medium: new ProxyDiskBackend(slot) }),
      identity: defaultCdromIdentity(index),
      name: `ide${index >> 1}-cd${index & 1}`,
    });
    cds.set(index, { cd, slot, state: new Int32Array(slot.state ?? new SharedArrayBuffer(16)) });
    return cd;
  });
  const ide = new Piix3Ide({ memory: platform.memory, irq14: platform.isaIrq(14), irq15: platform.isaIrq(15), drives });
  platform.addPciFunction(PIIX3_IDE_DEVFN, ide);
  if (platform.fwCfg === undefined) {
    // A direct kernel boot has no BIOS to enable the channels' decode (ata_piix would find no drives).
    ide.enableDecodeAsBios();
    platform.onReset(() => ide.enableDecodeAsBios()); // a reset reloads the kernel, again without firmware
  }
  const mirror = (): void => {
    for (const { cd, state } of cds.values()) {
      Atomics.store(state, CD_STATE.LOCKED, cd.locked ? 1 : 0);
      Atomics.store(state, CD_STATE.TRAY_OPEN, cd.trayOpen ? 1 : 0);
      Atomics.store(state, CD_STATE.PRESENT, cd.medium !== undefined ? 1 : 0);
    }
  };
  mirror();
  const cdChannels = new Set([...cds.keys()].map((index) => index >> 1));
  for (const r of ide.portRanges()) {
    // The guest locks and opens the tray with packet commands written to a CD channel's command
    // block: mirror the state after those writes only, for the main thread's query-block.
    const watch = r.command && cdChannels.has(r.channel);
    const device: BusDevice = watch ? { read: (o, d) => r.device.read(o, d), write: (o, d) => { r.device.write(o, d); mirror(); } } : r.device;
    platform.pio.insert(r.base, r.size, r.name, device);
  }
  return (index, req) => {
    const entry = cds.get(index);
    if (entry === undefined) return `Device at IDE index ${index} is not a CD-ROM drive`;
    try {
      if (req.op === 'eject') entry.cd.eject(req.force);
      else entry.cd.changeMedium(new ProxyDiskBackend({ channel: entry.slot.channel, size: req.size, readOnly: true }), req.force);
      return undefined;
    } catch (err) {
      if (err instanceof IdeMediaError) return err.message;
      throw err;
    } finally {
      mirror();
    }
  };
}

/**
 * -vga std: the VGA core, Bochs VBE and the PCI function with its VGA BIOS in the ROM BAR.
 * VRAM is host memory that becomes a KVM slot wherever the guest puts BAR0, so linear
 * framebuffer writes cost no exits; the legacy window stays MMIO (planar addressing).
 */
function plugStdVga(platform: PcPlatform): StdVga {
  const vram = platform.createRamRegion('vga.vram', DEFAULT_VGAMEM_MB << 20);
  let rom: Uint8Array | undefined;
  try {
    rom = new Uint8Array(readFileSync(STD_VGA_ROM_PATH));
  } catch {
    // Without the VGA BIOS the card still works for an OS driver; SeaBIOS just shows no text.
    rom = undefined;
  }
  const vga = new StdVga({ vram: vram.bytes, ...(rom !== undefined ? { rom } : {}) });
  platform.pio.insert(VGA_IO_BASE, VGA_IO_SIZE, 'vga', vga.ioPorts);
  platform.pio.insert(VBE_IO_BASE, VBE_IO_SIZE, 'vbe', vga.vbePorts);
  platform.mapMmio(VGA_WINDOW_BASE, VGA_WINDOW_SIZE, 'vga-lowmem', vga.lowMemory);
  platform.addPciFunction(STD_VGA_DEVFN, vga, { ramBars: { 0: vram } });
  return vga;
}
