/**
 * IDE for the pc machine: the PIIX3 IDE PCI function with ATA hard disks and ATAPI CD-ROMs.
 *
 * Wiring (what the machine does):
 *
 *   const backend = await BlockDriverDiskBackend.open(driver);         // src/block/disk-backend.ts
 *   const hd = new AtaDisk({ backend, identity: defaultDiskIdentity(0) });
 *   const cd = new AtapiCdrom({ medium: isoBackend, identity: defaultCdromIdentity(2), name: 'ide1-cd0' });
 *   const ide = new Piix3Ide({ memory, irq14: gsi(14), irq15: gsi(15), drives: [hd, undefined, cd, undefined] });
 *   pci.add(PIIX3_IDE_DEVFN, ide);            // devfn 0x09: 00:01.1 (BAR4 mapped by PciBus as the guest programs it)
 *   for (const r of ide.portRanges()) pio.insert(r.base, r.size, r.name, r.device);
 *   // machine reset: pci.reset() calls ide.reset()
 *
 * - `drives[i]` follows `-drive index=i` / -hda..-hdd (0 primary master, 1 primary slave,
 *   2 secondary master = -cdrom, 3 secondary slave).
 * - Port ranges (IDE_LEGACY): 0x1F0+8 and 0x3F6+1 (IRQ 14), 0x170+8 and 0x376+1 (IRQ 15).
 *   0x3F7 stays free for the floppy controller, as in QEMU.
 * - IRQ lines are driven as levels (set(true)/set(false)); ISA IRQ 14/15 are edge-triggered on
 *   the PIC, which sees the rising edge.
 * - Disk completions may arrive synchronously or later; a later completion must run on the
 *   thread that owns the devices (the machine thread's event loop). Nothing here blocks.
 * - Host media operations: `cd.eject(force)` (QMP eject) and `cd.changeMedium(backend, force)`
 *   (QMP blockdev-change-medium / HMP change) throw IdeMediaError kind "locked" with QEMU's
 *   message when the guest locked the tray; `cd.medium`, `cd.trayOpen`, `cd.locked` feed query-block.
 * - QEMU refuses `-drive if=ide,readonly=on` for hard disks ("Can't use a read-only drive");
 *   should the machine allow it, AtaDisk aborts writes to a read-only backend (ERR, ABRT).
 */
export { AtaDisk, defaultDiskIdentity, type AtaDiskOptions } from './ata-disk.js';
export { AtapiCdrom, defaultCdromIdentity, IdeMediaError, type AtapiCdromOptions } from './atapi-cdrom.js';
export { BusMasterChannel, BM_COMMAND, BM_STATUS } from './bus-master.js';
export { IdeChannel, type IdeChannelOptions } from './ide-channel.js';
export { IdeDrive } from './ide-drive.js';
export { defaultChs, type Chs, type DriveIdentity } from './identify.js';
export { BMDMA_BAR_SIZE, IDE_LEGACY, Piix3Ide, type IdePortRange, type Piix3IdeOptions } from './piix3-ide.js';

/** Where QEMU's pc machine puts PIIX3 IDE: device 1, function 1. */
export const PIIX3_IDE_DEVFN = (1 << 3) | 1;
