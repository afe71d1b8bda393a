/**
 * The fw_cfg items the pc machine gives SeaBIOS, as QEMU's pc machine does (hw/i386/fw_cfg.c,
 * hw/nvram/fw_cfg.c, checked against SeaBIOS src/fw/paravirt.c and src/boot.c):
 * RAM size, CPU counts, NOGRAPHIC, BOOT_MENU, the IRQ0 override, `etc/e820`, `bootorder`,
 * `etc/boot-fail-wait` and, for a headless machine, `etc/sercon-port`.
 */
import { E820_ENTRY_SIZE, E820_RAM, E820_RESERVED, type E820Entry } from '../boot/e820.js';
import type { RamRegion } from '../memory/layout.js';
import { FW_CFG, FwCfg, fwCfgLe } from './fw-cfg.js';

/** The I/O port of COM1, SeaBIOS's serial console with -nographic. */
export const SERCON_COM1 = 0x3f8;
/** `etc/boot-fail-wait` when QEMU's -boot reboot-timeout is absent: never reboot after a failed boot. */
export const BOOT_FAIL_WAIT_NEVER = 0xffff_ffff;

/** What the pc machine tells its firmware. */
export interface PcFirmwareConfig {
  /** Guest RAM regions (memory/layout.ts pcRamRegions). */
  readonly ram: readonly RamRegion[];
  readonly cpus: number;
  readonly maxCpus: number;
  /** -nographic: fw_cfg NOGRAPHIC. */
  readonly nographic: boolean;
  /** Port of SeaBIOS's serial console (etc/sercon-port), or undefined for none. */
  readonly serconPort?: number;
  /** -boot menu=on. */
  readonly bootMenu: boolean;
  /** Ranges below 4 GiB the VMM uses (KVM's TSS and identity map): reserved in etc/e820. */
  readonly reserved: ReadonlyArray<{ readonly addr: number; readonly size: number }>;
}

/** The e820 map QEMU hands SeaBIOS in `etc/e820`: the RAM regions and the VMM's reservations. */
export function firmwareE820(ram: readonly RamRegion[], reserved: PcFirmwareConfig['reserved']): E820Entry[] {
  const entries: E820Entry[] = [
    ...ram.map((r) => ({ addr: r.gpa, size: r.size, type: E820_RAM })),
    ...reserved.map((r) => ({ addr: r.addr, size: r.size, type: E820_RESERVED })),
  ];
  return entries.sort((a, b) => a.addr - b.addr);
}

/** Packs e820 entries as {u64 addr, u64 len, u32 type} little-endian. */
export function packE820(entries: readonly E820Entry[]): Uint8Array {
  const out = new Uint8Array(entries.length * E820_ENTRY_SIZE);
  const dv = new DataView(out.buffer);
  entries.forEach((e, i) => {
    const at = i * E820_ENTRY_SIZE;
    dv.setBigUint64(at, BigInt(e.addr), true);
    dv.setBigUint64(at + 8, BigInt(e.size), true);
    dv.setUint32(at + 16, e.type, true);
  });
  return out;
}

/** Creates the fw_cfg device with the pc machine's items. */
export function fillPcFwCfg(fw: FwCfg, c: PcFirmwareConfig): void {
  const ramBytes = c.ram.reduce((n, r) => n + r.size, 0);
  fw.setItem(FW_CFG.UUID, new Uint8Array(16));
  fw.setItem(FW_CFG.RAM_SIZE, fwCfgLe(ramBytes, 8));
  fw.setItem(FW_CFG.NOGRAPHIC, fwCfgLe(c.nographic ? 1 : 0, 2));
  fw.setItem(FW_CFG.NB_CPUS, fwCfgLe(c.cpus, 2));
  fw.setItem(FW_CFG.MAX_CPUS, fwCfgLe(c.maxCpus, 2));
  fw.setItem(FW_CFG.BOOT_MENU, fwCfgLe(c.bootMenu ? 1 : 0, 2));
  // The KVM GSI routing sends ISA IRQ0 to IOAPIC pin 2 (machine/irq.ts): the MP table must say so.
  fw.setItem(FW_CFG.IRQ0_OVERRIDE, fwCfgLe(1, 4));
  const reservations = c.reserved.map((r) => ({ addr: r.addr, size: r.size, type: E820_RESERVED }));
  fw.setItem(FW_CFG.E820_TABLE, new Uint8Array([...fwCfgLe(reservations.length, 4), ...packE820(reservations)]));
  fw.setFile('etc/e820', packE820(firmwareE820(c.ram, c.reserved)));
  fw.setFile('bootorder', new Uint8Array(0));
  fw.setFile('etc/boot-fail-wait', fwCfgLe(BOOT_FAIL_WAIT_NEVER, 4));
  fw.setFile('etc/show-boot-menu', fwCfgLe(c.bootMenu ? 1 : 0, 2));
  if (c.serconPort !== undefined) fw.setFile('etc/sercon-port', fwCfgLe(c.serconPort, 2));
}

/**
 * `bootorder`: OpenFirmware device paths separated by newlines, most preferred first, ending in a
 * NUL as QEMU writes it (SeaBIOS src/boot.c loadBootOrder); empty when nothing has a boot index.
 */
export function bootorderFile(paths: readonly string[]): Uint8Array {
  return paths.length === 0 ? new Uint8Array(0) : new TextEncoder().encode(`${paths.join('\n')}\0`);
}
