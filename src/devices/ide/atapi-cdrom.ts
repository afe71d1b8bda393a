/**
 * An ATAPI CD/DVD-ROM (ATA/ATAPI-7 PACKET feature set, MMC-5 commands): IDENTIFY PACKET DEVICE,
 * PACKET with the byte count limit and interrupt reason register, PIO and DMA data phases, sense
 * data, and a tray that the guest (START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL) and the host
 * (eject, change medium) move. After a medium change the next command that is not INQUIRY,
 * REQUEST SENSE, GET CONFIGURATION or GET EVENT STATUS NOTIFICATION fails once with NOT READY /
 * MEDIUM NOT PRESENT and the one after it with UNIT ATTENTION / MEDIUM MAY HAVE CHANGED, as with
 * QEMU, so guests that do not poll events still see the tray cycle.
 */
import type { DiskBackend } from '../../block/disk-backend.js';
import { BlockError } from '../../block/driver.js';
import { TkvmError } from '../../errors.js';
import { CMD, ERR, IREASON, ST } from './ata-constants.js';
import { IdeDrive, IO_CHUNK } from './ide-drive.js';
import { defaultModes, identifyCdrom, setTransferMode, type DriveIdentity, type TransferModes } from './identify.js';
import {
  ASC, be16, be32, CD_SECTOR, configurationData, discInformationData, eventStatusData, inquiryData, MEDIA_EVENT,
  mechanismStatusData, modeSenseData, readCapacityData, readTocData, SCSI, SENSE_KEY, senseData,
} from './mmc-replies.js';

/** A host-side medium operation the drive refused (the guest locked the tray). */
export class IdeMediaError extends TkvmError {}

/** Options of a CD-ROM drive. */
export interface AtapiCdromOptions {
  /** The disc, or undefined for an empty drive. */
  readonly medium?: DiskBackend;
  /** Model, serial and firmware strings (defaults: QEMU's). */
  readonly identity?: Partial<DriveIdentity>;
  /** Name used in host-side error messages (QEMU's "ide1-cd0"). */
  readonly name?: string;
}

/** Default identity: what QEMU's ide-cd reports for drive `index` (0-3). */
export function defaultCdromIdentity(index: number): DriveIdentity {
  return { model: 'QEMU DVD-ROM', serial: `QM0000${index + 1}`, firmware: '2.5+' };
}

/** Commands that run even while a unit attention or medium change is pending. */
const ALLOW_UA = new Set<number>([SCSI.INQUIRY, SCSI.REQUEST_SENSE, SCSI.GET_CONFIGURATION, SCSI.GET_EVENT_STATUS_NOTIFICATION]);
/** Commands that need a readable medium. */
const NEEDS_MEDIUM = new Set<number>([SCSI.TEST_UNIT_READY, SCSI.READ_CAPACITY, SCSI.READ_10, SCSI.READ_12, SCSI.SEEK_10, SCSI.READ_TOC, SCSI.READ_DISC_INFORMATION]);

/** An ATAPI CD/DVD-ROM drive. */
export class AtapiCdrom extends IdeDrive {
  readonly kind = 'cdrom' as const;
  readonly identity: DriveIdentity;
  readonly name: string;
  private disc: DiskBackend | undefined;
  private tray = false;
  private lockedByGuest = false;
  private sense = { key: 0, asc: 0, ascq: 0 };
  /** 0: none; 1: report "no medium" next; 2: report UNIT ATTENTION next. */
  private changeState = 0;
  private mediaEvent: number = MEDIA_EVENT.NONE;
  private modes: TransferModes = defaultModes();
  /** PACKET state: DMA data phase requested, byte count limit. */
  private useDma = false;
  private byteLimit = 0;

  constructor(o: AtapiCdromOptions = {}) {
    super();
    this.disc = o.medium;
    this.identity = { ...defaultCdromIdentity(0), ...o.identity };
    this.name = o.name ?? 'ide1-cd0';
  }

  /** The inserted disc, if any (it may sit in an open tray). */
  get medium(): DiskBackend | undefined {
    return this.disc;
  }

  /** Whether the tray is open. */
  get trayOpen(): boolean {
    return this.tray;
  }

  /** Whether the guest has locked the tray (PREVENT ALLOW MEDIUM REMOVAL). */
  get locked(): boolean {
    return this.lockedByGuest;
  }

  /**
   * Host eject (QMP `eject`): opens the tray and removes the disc. A tray the guest locked
   * refuses unless `force`, after asking the guest to eject (an eject-request event).
   */
  eject(force = false): void {
    if (this.lockedByGuest && !force) {
      this.mediaEvent = MEDIA_EVENT.EJECT_REQUEST;
      throw new IdeMediaError('locked', `Device '${this.name}' is locked and force was not specified, wait for tray to open and try again`);
    }
    this.lockedByGuest = false;
    const had = this.disc !== undefined && !this.tray;
    this.tray = true;
    this.disc = undefined;
    this.changeState = 0;
    if (had) this.mediaEvent = MEDIA_EVENT.MEDIA_REMOVAL;
  }

  /** Host medium change (QMP `blockdev-change-medium`): inserts `disc` and closes the tray. */
  changeMedium(disc: DiskBackend, force = false): void {
    if (this.lockedByGuest && !force) {
      this.mediaEvent = MEDIA_EVENT.EJECT_REQUEST;
      throw new IdeMediaError('locked', `Device '${this.name}' is locked and force was not specified, wait for tray to open and try again`);
    }
    this.lockedByGuest = false;
    this.disc = disc;
    this.closeTray();
  }

  private closeTray(): void {
    this.tray = false;
    if (this.disc !== undefined) {
      this.changeState = 1;
      this.mediaEvent = MEDIA_EVENT.NEW_MEDIA;
    }
  }

  /** A readable disc: inserted with the tray closed. */
  private get present(): DiskBackend | undefined {
    return this.tray ? undefined : this.disc;
  }

  private get sectors(): number {
    return Math.floor((this.present?.size ?? 0) / CD_SECTOR);
  }

  protected signature(): readonly [number, number] {
    return [0x14, 0xeb];
  }

  protected resetStatus(): number {
    return 0;
  }

  protected override acceptsWhileBusy(cmd: number): boolean {
    return cmd === CMD.DEVICE_RESET;
  }

  protected override onReset(): void {
    this.useDma = false;
  }

  protected override onPowerOn(): void {
    this.modes = defaultModes();
    this.lockedByGuest = false;
    this.sense = { key: 0, asc: 0, ascq: 0 };
  }

  protected execute(cmd: number): void {
    switch (cmd) {
      case CMD.IDENTIFY_DEVICE:
        // A PACKET device aborts IDENTIFY DEVICE and shows its signature: how hosts find ATAPI.
        this.abort();
        this.regs.loadSignature(0x14, 0xeb);
        return;
      case CMD.IDENTIFY_PACKET_DEVICE: {
        const data = identifyCdrom(this.identity, this.modes);
        return this.startPio(data, data.length, () => this.idle(), true);
      }
      case CMD.PACKET:
        return this.packet();
      case CMD.DEVICE_RESET:
        return this.reset();
      case CMD.SET_FEATURES:
        if (this.regs.feature === 0x03 && !setTransferMode(this.modes, this.regs.sectorCount)) return this.abort();
        return this.complete();
      default:
        if (!this.commonCommand(cmd)) this.abort();
    }
  }

  /** PACKET: take 12 command bytes through the data port (interrupt reason C/D=1, I/O=0). */
  private packet(): void {
    this.useDma = (this.regs.feature & 0x01) !== 0;
    this.byteLimit = this.regs.byteCount;
    this.regs.sectorCount = IREASON.COD;
    const cdb = new Uint8Array(12);
    this.startPio(cdb, cdb.length, () => this.runPacket(cdb), false);
  }

  /** The command completed without a data phase (or after it): status DRDY, reason C/D + I/O. */
  private good(): void {
    this.sense = { key: 0, asc: 0, ascq: 0 };
    this.regs.sectorCount = IREASON.IO | IREASON.COD;
    this.complete();
  }

  /** CHECK CONDITION: the sense key in the error register, sense data kept for REQUEST SENSE. */
  private checkCondition(key: number, asc: number, ascq = 0): void {
    this.sense = { key, asc, ascq };
    this.abort((key << 4) | (key === SENSE_KEY.ILLEGAL_REQUEST ? ERR.ABRT : 0));
    this.regs.sectorCount = IREASON.IO | IREASON.COD;
  }

  private notReady(): void {
    this.checkCondition(SENSE_KEY.NOT_READY, ASC.MEDIUM_NOT_PRESENT);
  }

  private invalidField(): void {
    this.checkCondition(SENSE_KEY.ILLEGAL_REQUEST, ASC.INVALID_FIELD_IN_CDB);
  }

  private runPacket(cdb: Uint8Array): void {
    this.busy();
    const op = cdb[0]!;
    if (!ALLOW_UA.has(op) && this.changeState !== 0 && this.present !== undefined) {
      if (this.changeState === 1) {
        this.changeState = 2;
        return this.notReady();
      }
      this.changeState = 0;
      return this.checkCondition(SENSE_KEY.UNIT_ATTENTION, ASC.MEDIUM_MAY_HAVE_CHANGED);
    }
    if (NEEDS_MEDIUM.has(op) && this.present === undefined) return this.notReady();
    switch (op) {
      case SCSI.TEST_UNIT_READY:
      case SCSI.SET_CD_SPEED:
        return this.good();
      case SCSI.REQUEST_SENSE: {
        const s = this.sense;
        this.sense = { key: 0, asc: 0, ascq: 0 };
        return this.reply(senseData(s.key, s.asc, s.ascq), cdb[4]!);
      }
      case SCSI.INQUIRY:
        if ((cdb[1]! & 0x01) !== 0) return this.invalidField(); // no vital product data pages
        return this.reply(inquiryData(this.identity.model, this.identity.firmware), be16(cdb, 3));
      case SCSI.READ_CAPACITY:
        return this.reply(readCapacityData(this.sectors), 8);
      case SCSI.READ_10:
        return this.read(be32(cdb, 2), be16(cdb, 7));
      case SCSI.READ_12:
        return this.read(be32(cdb, 2), be32(cdb, 6));
      case SCSI.SEEK_10:
        if (be32(cdb, 2) >= this.sectors) return this.checkCondition(SENSE_KEY.ILLEGAL_REQUEST, ASC.LBA_OUT_OF_RANGE);
        return this.good();
      case SCSI.READ_TOC: {
        const format = (cdb[2]! & 0x0f) || cdb[9]! >> 6;
        const data = readTocData(this.sectors, format, (cdb[1]! & 0x02) !== 0, cdb[6]!);
        return data === undefined ? this.invalidField() : this.reply(data, be16(cdb, 7));
      }
      case SCSI.MODE_SENSE_6:
      case SCSI.MODE_SENSE_10: {
        const ten = op === SCSI.MODE_SENSE_10;
        const data = modeSenseData(cdb[2]! & 0x3f, cdb[2]! >> 6, ten, this.lockedByGuest);
        if (data === 'saving') return this.checkCondition(SENSE_KEY.ILLEGAL_REQUEST, ASC.SAVING_PARAMETERS_NOT_SUPPORTED);
        if (data === 'invalid') return this.invalidField();
        return this.reply(data, ten ? be16(cdb, 7) : cdb[4]!);
      }
      case SCSI.GET_CONFIGURATION: {
        const data = configurationData(this.present?.size, cdb[1]! & 0x03, be16(cdb, 2));
        return data === undefined ? this.invalidField() : this.reply(data, be16(cdb, 7));
      }
      case SCSI.GET_EVENT_STATUS_NOTIFICATION: {
        if ((cdb[1]! & 0x01) === 0) return this.invalidField(); // only polled operation
        const classes = cdb[4]!;
        const data = eventStatusData(classes, this.mediaEvent, this.tray, this.present !== undefined);
        if ((classes & 0x10) !== 0) this.mediaEvent = MEDIA_EVENT.NONE;
        return this.reply(data, be16(cdb, 7));
      }
      case SCSI.START_STOP_UNIT:
        return this.startStop(cdb[4]!);
      case SCSI.PREVENT_ALLOW_MEDIUM_REMOVAL:
        this.lockedByGuest = (cdb[4]! & 0x01) !== 0;
        return this.good();
      case SCSI.READ_DISC_INFORMATION:
        if ((cdb[1]! & 0x07) !== 0) return this.invalidField();
        return this.reply(discInformationData(), be16(cdb, 7));
      case SCSI.MECHANISM_STATUS:
        return this.reply(mechanismStatusData(), be16(cdb, 8));
      default:
        return this.checkCondition(SENSE_KEY.ILLEGAL_REQUEST, ASC.INVALID_OPCODE);
    }
  }

  /** START STOP UNIT: with LoEj, start=0 opens the tray (refused while locked) and start=1 closes it. */
  private startStop(b4: number): void {
    const loej = (b4 & 0x02) !== 0;
    const start = (b4 & 0x01) !== 0;
    if (loej) {
      if (!start) {
        if (this.lockedByGuest) return this.checkCondition(SENSE_KEY.ILLEGAL_REQUEST, ASC.MEDIUM_REMOVAL_PREVENTED, 0x02);
        if (!this.tray && this.disc !== undefined) this.mediaEvent = MEDIA_EVENT.MEDIA_REMOVAL;
        this.tray = true;
        this.changeState = 0;
      } else if (this.tray) this.closeTray();
    }
    this.good();
  }

  /** Sends `data` (truncated to `alloc` bytes) to the host by PIO or, when the PACKET asked for it, DMA. */
  private reply(data: Uint8Array, alloc: number): void {
    const out = data.subarray(0, Math.min(data.length, alloc));
    if (out.length === 0) return this.good();
    if (this.useDma) {
      return this.dmaReply(out, (how) => this.dmaFinished(how));
    }
    this.pioStream(out.length, (at, len, done) => done(out.subarray(at, at + len)));
  }

  private read(lba: number, count: number): void {
    const disc = this.present!;
    if (lba + count > this.sectors) return this.checkCondition(SENSE_KEY.ILLEGAL_REQUEST, ASC.LBA_OUT_OF_RANGE);
    if (count === 0) return this.good();
    const offset = lba * CD_SECTOR;
    const total = count * CD_SECTOR;
    if (this.useDma) {
      return this.dmaDisk(disc, offset, total, true, (how, err) => (err !== undefined ? this.readError(err) : this.dmaFinished(how)));
    }
    this.pioStream(total, (at, len, done) => {
      const buf = new Uint8Array(len);
      disc.read(offset + at, buf, this.guard((err) => (err === undefined ? done(buf) : this.readError(err))));
    });
  }

  private readError(err: Error): void {
    if (err instanceof BlockError && err.kind === 'out-of-range') this.checkCondition(SENSE_KEY.ILLEGAL_REQUEST, ASC.LBA_OUT_OF_RANGE);
    else this.checkCondition(SENSE_KEY.MEDIUM_ERROR, ASC.UNRECOVERED_READ_ERROR);
  }

  private dmaFinished(how: 'done' | 'short' | 'fault' | 'error'): void {
    if (how === 'done') return this.good();
    if (how === 'short') {
      this.status = ST.DRDY | ST.DSC;
      return;
    }
    this.checkCondition(SENSE_KEY.ABORTED_COMMAND, 0);
  }

  /** The size of the next DRQ block when `avail` bytes are ready, within the byte count limit. */
  private drqSize(avail: number): number {
    let limit = this.byteLimit;
    if (limit === 0 || limit === 0xffff) limit = 0xfffe;
    if (avail <= limit) return avail;
    return Math.max(limit & ~1, 2);
  }

  /**
   * A PIO data-in phase of `total` bytes, fetched in pieces of up to IO_CHUNK bytes and handed
   * to the host in DRQ blocks within the byte count limit; each block interrupts with reason I/O.
   */
  private pioStream(total: number, fetch: (at: number, len: number, done: (buf: Uint8Array) => void) => void): void {
    let at = 0;
    let chunk: Uint8Array | undefined;
    let chunkStart = 0;
    const next = (): void => {
      if (at >= total) return this.good();
      if (chunk === undefined || at >= chunkStart + chunk.length) {
        this.busy();
        fetch(at, Math.min(IO_CHUNK, total - at), (buf) => {
          chunk = buf;
          chunkStart = at;
          next();
        });
        return;
      }
      const size = this.drqSize(chunkStart + chunk.length - at);
      this.regs.byteCount = size;
      this.regs.sectorCount = IREASON.IO;
      this.startPio(chunk.subarray(at - chunkStart), size, () => {
        at += size;
        next();
      }, true);
    };
    next();
  }
}
