/**
 * An ATA hard disk (ATA8-ACS) on a DiskBackend: IDENTIFY DEVICE, 28- and 48-bit PIO reads and
 * writes (single-sector and MULTIPLE), DMA through the channel's bus master, CHS addressing,
 * FLUSH CACHE, SET FEATURES and the power-management no-ops. Unknown commands abort (ERR + ABRT),
 * as do PACKET commands. A write to a read-only disk aborts before any data phase.
 */
import type { DiskBackend } from '../../block/disk-backend.js';
import { BlockError } from '../../block/driver.js';
import { CMD, ERR, MAX_MULT_SECTORS, SECTOR, ST } from './ata-constants.js';
import { IdeDrive } from './ide-drive.js';
import { defaultChs, defaultModes, identifyDisk, NOP_FEATURES, setTransferMode, type Chs, type DriveIdentity, type TransferModes } from './identify.js';

/** Options of an ATA disk. */
export interface AtaDiskOptions {
  readonly backend: DiskBackend;
  /** Model, serial and firmware strings (defaults: QEMU's for drive index 0). */
  readonly identity?: Partial<DriveIdentity>;
  /** Physical geometry (-drive cyls=,heads=,secs=); default 16 heads, 63 sectors. */
  readonly chs?: Chs;
}

/** Default identity: what QEMU's ide-hd reports for drive `index` (0-3). */
export function defaultDiskIdentity(index: number): DriveIdentity {
  return { model: 'QEMU HARDDISK', serial: `QM0000${index + 1}`, firmware: '2.5+' };
}

/** An ATA hard disk. */
export class AtaDisk extends IdeDrive {
  readonly kind = 'disk' as const;
  readonly backend: DiskBackend;
  readonly identity: DriveIdentity;
  /** Capacity in 512-byte sectors. */
  readonly totalSectors: number;
  /** Default (physical) geometry. */
  readonly chs: Chs;
  private current: Chs;
  private multSectors = MAX_MULT_SECTORS;
  /** Volatile write cache enabled (SET FEATURES 02h/82h); when off, writes are flushed before completing. */
  writeCache = true;
  private modes: TransferModes = defaultModes();

  constructor(o: AtaDiskOptions) {
    super();
    this.backend = o.backend;
    this.identity = { ...defaultDiskIdentity(0), ...o.identity };
    this.totalSectors = Math.floor(o.backend.size / SECTOR);
    this.chs = o.chs ?? defaultChs(this.totalSectors);
    this.current = this.chs;
  }

  protected override onPowerOn(): void {
    this.multSectors = MAX_MULT_SECTORS;
    this.writeCache = true;
    this.modes = defaultModes();
    this.current = this.chs;
  }

  protected signature(): readonly [number, number] {
    return [0x00, 0x00];
  }

  protected resetStatus(): number {
    return ST.DRDY | ST.DSC;
  }

  /** The IDENTIFY DEVICE block as the guest would read it now. */
  identify(): Uint8Array {
    return identifyDisk({ id: this.identity, totalSectors: this.totalSectors, chs: this.chs, current: this.current, multSectors: this.multSectors, writeCache: this.writeCache, modes: this.modes });
  }

  protected execute(cmd: number): void {
    switch (cmd) {
      case CMD.IDENTIFY_DEVICE: {
        const data = this.identify();
        return this.startPio(data, data.length, () => this.idle(), true);
      }
      case CMD.READ_SECTORS:
      case CMD.READ_SECTORS_NORETRY:
        return this.pioRead(false, 1);
      case CMD.READ_SECTORS_EXT:
        return this.pioRead(true, 1);
      case CMD.READ_MULTIPLE:
      case CMD.READ_MULTIPLE_EXT:
        if (this.multSectors === 0) return this.abort();
        return this.pioRead(cmd === CMD.READ_MULTIPLE_EXT, this.multSectors);
      case CMD.WRITE_SECTORS:
      case CMD.WRITE_SECTORS_NORETRY:
        return this.pioWrite(false, 1);
      case CMD.WRITE_SECTORS_EXT:
        return this.pioWrite(true, 1);
      case CMD.WRITE_MULTIPLE:
      case CMD.WRITE_MULTIPLE_EXT:
        if (this.multSectors === 0) return this.abort();
        return this.pioWrite(cmd === CMD.WRITE_MULTIPLE_EXT, this.multSectors);
      case CMD.READ_DMA:
      case CMD.READ_DMA_NORETRY:
        return this.dmaRw(false, true);
      case CMD.READ_DMA_EXT:
        return this.dmaRw(true, true);
      case CMD.WRITE_DMA:
      case CMD.WRITE_DMA_NORETRY:
        return this.dmaRw(false, false);
      case CMD.WRITE_DMA_EXT:
        return this.dmaRw(true, false);
      case CMD.READ_VERIFY:
      case CMD.READ_VERIFY_NORETRY:
      case CMD.READ_VERIFY_EXT: {
        const r = this.range(cmd === CMD.READ_VERIFY_EXT);
        if (r === undefined) return;
        this.setSector(r.lba + r.count - 1, cmd === CMD.READ_VERIFY_EXT);
        return this.complete();
      }
      case CMD.SET_MULTIPLE_MODE: {
        const n = this.regs.sectorCount;
        if (n > MAX_MULT_SECTORS || (n & (n - 1)) !== 0) return this.abort();
        this.multSectors = n;
        return this.complete();
      }
      case CMD.INITIALIZE_DEVICE_PARAMETERS:
        return this.initParams();
      case CMD.FLUSH_CACHE:
      case CMD.FLUSH_CACHE_EXT:
        this.busy();
        return this.backend.flush(this.guard((err) => (err === undefined ? this.complete() : this.abort())));
      case CMD.SET_FEATURES:
        return this.setFeatures();
      case CMD.READ_NATIVE_MAX_ADDRESS:
      case CMD.READ_NATIVE_MAX_ADDRESS_EXT:
        this.regs.setLba(Math.max(0, this.totalSectors - 1), cmd === CMD.READ_NATIVE_MAX_ADDRESS_EXT);
        return this.complete();
      case CMD.SEEK:
        return this.complete();
      default:
        if (this.commonCommand(cmd)) return;
        if (cmd >= CMD.RECALIBRATE && cmd <= 0x1f) return this.complete();
        return this.abort(); // includes IDENTIFY PACKET DEVICE, PACKET and NOP
    }
  }

  /** The command's starting sector and count, or undefined after aborting with IDNF. */
  private range(ext: boolean): { lba: number; count: number } | undefined {
    const r = this.regs;
    const count = ext ? r.count48 : r.count28;
    let lba: number;
    if (ext || (r.device & 0x40) !== 0) lba = ext ? r.lba48 : r.lba28;
    else {
      const cyl = r.lbaHigh << 8 | r.lbaMid;
      const head = r.device & 0x0f;
      const sector = r.lbaLow;
      const g = this.current;
      if (sector === 0 || sector > g.sectors || head >= g.heads) {
        this.abort(ERR.IDNF | ERR.ABRT);
        return undefined;
      }
      lba = (cyl * g.heads + head) * g.sectors + sector - 1;
    }
    if (lba + count > this.totalSectors) {
      this.abort(ERR.IDNF | ERR.ABRT);
      return undefined;
    }
    return { lba, count };
  }

  /** Reports `lba` in the address registers, in the addressing mode the command used. */
  private setSector(lba: number, ext: boolean): void {
    const r = this.regs;
    if (ext || (r.device & 0x40) !== 0) return r.setLba(lba, ext);
    const g = this.current;
    const perCyl = g.heads * g.sectors;
    const cyl = Math.floor(lba / perCyl);
    const rem = lba % perCyl;
    r.lbaHigh = (cyl >> 8) & 0xff;
    r.lbaMid = cyl & 0xff;
    r.device = (r.device & 0xf0) | Math.floor(rem / g.sectors);
    r.lbaLow = (rem % g.sectors) + 1;
  }

  /** Ends a failed disk request: IDNF past the end, ABRT otherwise (QEMU's choice for I/O errors). */
  private ioError(err: Error, lba: number, ext: boolean): void {
    this.setSector(lba, ext);
    this.abort(err instanceof BlockError && err.kind === 'out-of-range' ? ERR.IDNF | ERR.ABRT : ERR.ABRT);
  }

  private pioRead(ext: boolean, block: number): void {
    const r = this.range(ext);
    if (r === undefined) return;
    let { lba } = r;
    let left = r.count;
    const next = (): void => {
      const n = Math.min(block, left);
      const buf = new Uint8Array(n * SECTOR);
      this.busy();
      this.backend.read(lba * SECTOR, buf, this.guard((err) => {
        if (err !== undefined) return this.ioError(err, lba, ext);
        this.startPio(buf, buf.length, () => {
          lba += n;
          left -= n;
          this.setSector(lba - 1, ext);
          if (left > 0) next();
          else this.idle();
        }, true);
      }));
    };
    next();
  }

  private pioWrite(ext: boolean, block: number): void {
    if (this.backend.readOnly) return this.abort();
    const r = this.range(ext);
    if (r === undefined) return;
    let { lba } = r;
    let left = r.count;
    const next = (first: boolean): void => {
      const n = Math.min(block, left);
      const buf = new Uint8Array(n * SECTOR);
      this.startPio(buf, buf.length, () => {
        this.busy();
        this.backend.write(lba * SECTOR, buf, this.guard((err) => {
          if (err !== undefined) return this.ioError(err, lba, ext);
          lba += n;
          left -= n;
          this.setSector(lba - 1, ext);
          if (left > 0) next(false);
          else this.writeDone();
        }));
      }, !first);
    };
    next(true);
  }

  /** Completes a write, flushing first when the write cache is off. */
  private writeDone(): void {
    if (this.writeCache) return this.complete();
    this.busy();
    this.backend.flush(this.guard((err) => (err === undefined ? this.complete() : this.abort())));
  }

  private dmaRw(ext: boolean, toMemory: boolean): void {
    if (!toMemory && this.backend.readOnly) return this.abort();
    const r = this.range(ext);
    if (r === undefined) return;
    this.dmaDisk(this.backend, r.lba * SECTOR, r.count * SECTOR, toMemory, (how, err) => {
      switch (how) {
        case 'done':
          this.setSector(r.lba + r.count - 1, ext);
          return toMemory ? this.complete() : this.writeDone();
        case 'short': // the PRD table ran out: the drive waits, no interrupt (as QEMU)
          this.status = ST.DRDY | ST.DSC;
          return;
        case 'fault':
          return this.abort();
        case 'error':
          return err === undefined ? this.abort() : this.ioError(err, r.lba, ext);
      }
    });
  }

  private initParams(): void {
    const heads = (this.regs.device & 0x0f) + 1;
    const sectors = this.regs.sectorCount;
    if (sectors === 0) return this.abort();
    const cylinders = Math.min(65535, Math.floor(this.totalSectors / (heads * sectors)));
    this.current = { cylinders, heads, sectors };
    this.complete();
  }

  private setFeatures(): void {
    const f = this.regs.feature;
    if (f === 0x02) this.writeCache = true;
    else if (f === 0x82) this.writeCache = false;
    else if (f === 0x03) {
      if (!setTransferMode(this.modes, this.regs.sectorCount)) return this.abort();
    } else if (!NOP_FEATURES.has(f)) return this.abort();
    this.complete();
  }
}
