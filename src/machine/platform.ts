/**
 * The pc machine's platform: the i440FX/PIIX3 chipset, PCI bus 0, fw_cfg, the BIOS and the KVM
 * memory map, and the one place other devices plug into. How to plug a device in (all from the
 * machine thread, while the machine is being built; `platform` is KvmPcMachine.platform):
 *
 *   // A PCI function at 00:02.0; returns its INTx line (pin from config INTERRUPT_PIN, routed
 *   // through PIIX3's PIRQ registers to an ISA IRQ). Memory BARs whose barDevice() returns
 *   // undefined are backed by RAM regions named in ramBars:
 *   const fb = platform.createRamRegion('vga.vram', 16 << 20);   // fb.bytes: the host view
 *   const intx = platform.addPciFunction(0x10, vgaFunction, { ramBars: { 0: fb } });
 *
 *   // An MMIO device (e.g. the legacy VGA window) and ports:
 *   platform.mmio.insert(0xa0000, 0x20000, 'vga-lowmem', vgaWindow);
 *   platform.pio.insert(0x3c0, 0x20, 'vga', vgaPorts);
 *
 *   // ISA interrupt lines (legacy IDE uses 14/15): platform.isaIrq(14)
 *   // Time: platform.clock() (ns), platform.createTimer((nowNs) => dev.onTimer(nowNs))
 *   // Guest RAM for DMA: platform.memory (GuestMemory, checked)
 *   // fw_cfg files: platform.addFirmwareFile('vgaroms/vgabios-stdvga.bin', rom)
 *   // Boot order: platform.addBootDevice('/pci@i0cf8/*@1,1/drive@1/disk@0', 0)  (lower first)
 *   // Power-on reset of your device after a guest reset: platform.onReset(() => dev.reset())
 *
 * PCI functions' config spaces are reset by the bus on a guest reset; `onReset` is for device state.
 */
import type { BusDevice, IrqLine } from '../bus/bus-device.js';
import type { MmioBus, PioBus } from '../bus/bus.js';
import { I440fxHostBridge } from '../chipset/i440fx.js';
import { Piix3IsaBridge } from '../chipset/piix3.js';
import { ResetControl } from '../chipset/reset-control.js';
import { ISA_BIOS_SIZE, type BiosImage } from '../firmware/bios.js';
import { FW_CFG_DMA_PORT, FW_CFG_IO_PORT, FwCfg } from '../firmware/fw-cfg.js';
import { bootorderFile, fillPcFwCfg, type PcFirmwareConfig } from '../firmware/pc-fw-cfg.js';
import type { Clock, DeviceTimer } from '../devices/scheduler.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { PciBus, PciConfigPorts, type PciFunction } from '../pci/pci-bus.js';
import { mapHostBuffer, type HostBuffer } from './host-buffer.js';
import { PAM_SIZE, PAM_START, PcLowMemory } from './low-memory.js';
import type { MemoryMap } from './memory-map.js';

/** devfn of the host bridge (00:00.0). */
export const HOST_BRIDGE_DEVFN = 0x00;
/** devfn of PIIX3's ISA bridge (00:01.0); IDE is 00:01.1 (devfn 0x09). */
export const PIIX3_ISA_DEVFN = 0x08;
/** Port of PCI configuration mechanism #1 (0xCF8-0xCFF, with the reset control register at 0xCF9). */
export const PCI_CONFIG_PORT = 0xcf8;

/** Host memory that can be mapped into the guest as RAM (a framebuffer), moved or unmapped. */
export interface RamRegionHandle {
  readonly name: string;
  /** The host view: what the guest writes there, the device reads here, without exits. */
  readonly bytes: Uint8Array;
  /** Maps the region at `gpa` (undefined: unmaps it). */
  map(gpa: number | undefined): void;
  /** Where it is mapped now. */
  readonly address: number | undefined;
}

/** Options of addPciFunction. */
export interface PciPlugOptions {
  /** BAR index -> RAM region backing it (for BARs whose barDevice() returns undefined). */
  readonly ramBars?: Readonly<Record<number, RamRegionHandle>>;
}

/** What the platform needs from the machine. */
export interface PlatformWiring {
  readonly pio: PioBus;
  readonly mmio: MmioBus;
  readonly memory: GuestMemory;
  readonly memoryMap: MemoryMap;
  /** The ISA IRQ line (a GSI of the in-kernel PIC/IOAPIC). */
  readonly isaIrq: (irq: number) => IrqLine;
  /** A guest reset request (0xCF9). */
  readonly requestReset: () => void;
  /** The machine's monotonic clock (ns) and its one-shot device timers. */
  readonly clock: Clock;
  readonly createTimer: (fire: (nowNs: number) => void) => DeviceTimer;
  /** Firmware boot: the BIOS, where low RAM lives on the host, and what fw_cfg says. */
  readonly firmware?: {
    readonly bios: BiosImage;
    readonly ramHost: bigint;
    readonly fwCfg: PcFirmwareConfig;
  };
}

/** The platform: chipset, PCI, fw_cfg, BIOS, and the plug-in API above. */
export class PcPlatform {
  readonly pio: PioBus;
  readonly mmio: MmioBus;
  readonly memory: GuestMemory;
  readonly pci: PciBus;
  readonly hostBridge: I440fxHostBridge;
  readonly isaBridge: Piix3IsaBridge;
  /** The fw_cfg device (firmware boot only). */
  readonly fwCfg: FwCfg | undefined;
  private readonly resetControl: ResetControl;
  private readonly lowMemory: PcLowMemory | undefined;
  private readonly biosHost: HostBuffer | undefined;
  private readonly bios: BiosImage | undefined;
  private readonly resets: Array<() => void> = [];
  private readonly ramBars = new Map<PciFunction, Readonly<Record<number, RamRegionHandle>>>();
  private readonly bootDevices: Array<{ path: string; priority: number; seq: number }> = [];

  constructor(private readonly w: PlatformWiring) {
    this.pio = w.pio;
    this.mmio = w.mmio;
    this.memory = w.memory;
    const fw = w.firmware;
    if (fw !== undefined) {
      this.bios = fw.bios;
      this.biosHost = mapHostBuffer(fw.bios.bytes.length, 'the BIOS');
      this.biosHost.bytes.set(fw.bios.bytes);
      const optionRomHost = mapHostBuffer(PAM_SIZE - Math.min(ISA_BIOS_SIZE, fw.bios.bytes.length), 'the option ROM area');
      this.lowMemory = new PcLowMemory(w.memoryMap, fw.ramHost, w.memory, { bios: fw.bios, biosHost: this.biosHost, optionRomHost });
      w.memoryMap.set('bios', { gpa: fw.bios.base, size: fw.bios.bytes.length, hostAddress: this.biosHost.address, readOnly: true });
      w.mmio.insert(PAM_START, PAM_SIZE, 'pam-writes', this.lowMemory.writeCatcher);
    }
    this.hostBridge = new I440fxHostBridge((state) => this.lowMemory?.apply(state));
    this.isaBridge = new Piix3IsaBridge(() => this.pci.updateIrqs());
    this.pci = new PciBus({
      pio: w.pio,
      mmio: w.mmio,
      routeIntx: (slot, pin) => this.isaBridge.routeIntx(slot, pin),
      irqLine: w.isaIrq,
      mapRamBar: (fn, index, address) => this.ramBars.get(fn)?.[index]?.map(address),
    });
    this.pci.add(HOST_BRIDGE_DEVFN, this.hostBridge);
    this.pci.add(PIIX3_ISA_DEVFN, this.isaBridge);
    this.resetControl = new ResetControl(w.requestReset);
    w.pio.insert(PCI_CONFIG_PORT, 8, 'pci-config', new PciConfigPorts(this.pci, this.resetControl));
    this.lowMemory?.apply(this.hostBridge.lowMemory());
    if (fw !== undefined) {
      this.fwCfg = new FwCfg({ memory: w.memory });
      fillPcFwCfg(this.fwCfg, fw.fwCfg);
      w.pio.insert(FW_CFG_IO_PORT, 2, 'fw_cfg', this.fwCfg.ioPort);
      w.pio.insert(FW_CFG_DMA_PORT, 8, 'fw_cfg-dma', this.fwCfg.dmaPort);
    }
  }

  /** Plugs a PCI function in at `devfn` (device << 3 | function); returns its INTx line. */
  addPciFunction(devfn: number, fn: PciFunction, options: PciPlugOptions = {}): IrqLine {
    if (options.ramBars !== undefined) this.ramBars.set(fn, options.ramBars);
    this.pci.add(devfn, fn);
    return this.pci.intx(devfn);
  }

  /** Maps an MMIO device at [base, base + size). */
  mapMmio(base: number, size: number, name: string, device: BusDevice): void {
    this.mmio.insert(base, size, name, device);
  }

  /** The machine's monotonic clock in ns. */
  get clock(): Clock {
    return this.w.clock;
  }

  /** A one-shot timer the machine's loop fires (DeviceTimer.setTimer arms it). */
  createTimer(fire: (nowNs: number) => void): DeviceTimer {
    return this.w.createTimer(fire);
  }

  /** The line of ISA IRQ `irq` (0-15). */
  isaIrq(irq: number): IrqLine {
    return this.w.isaIrq(irq);
  }

  /** Allocates `size` bytes (a multiple of 4 KiB) of host memory the guest can see as RAM once mapped. */
  createRamRegion(name: string, size: number): RamRegionHandle {
    const host = mapHostBuffer(size, name);
    const map = this.w.memoryMap;
    let address: number | undefined;
    return {
      name,
      bytes: host.bytes,
      get address() {
        return address;
      },
      map(gpa) {
        address = gpa;
        map.set(`ram:${name}`, gpa === undefined ? undefined : { gpa, size, hostAddress: host.address, readOnly: false });
      },
    };
  }

  /** Adds (or replaces) a fw_cfg file, e.g. `vgaroms/NAME` for a VGA BIOS SeaBIOS should run. */
  addFirmwareFile(name: string, data: Uint8Array): void {
    this.fwCfg?.setFile(name, data);
  }

  /** Adds an OpenFirmware device path to `bootorder`; lower priority boots first (QEMU's bootindex). */
  addBootDevice(path: string, priority: number): void {
    this.bootDevices.push({ path, priority, seq: this.bootDevices.length });
    const sorted = [...this.bootDevices].sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    this.fwCfg?.setFile('bootorder', bootorderFile(sorted.map((d) => d.path)));
  }

  /** Registers device state to return to power-on values on a guest reset. */
  onReset(fn: () => void): void {
    this.resets.push(fn);
  }

  /** A guest reset: pristine BIOS, chipset and PCI config back to power-on (PAM: ROM visible). */
  reset(): void {
    if (this.biosHost !== undefined && this.bios !== undefined) this.biosHost.bytes.set(this.bios.bytes);
    this.resetControl.reset();
    this.fwCfg?.reset();
    this.pci.reset();
    for (const r of this.resets) r();
  }
}
