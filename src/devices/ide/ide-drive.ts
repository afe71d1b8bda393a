/**
 * What every IDE device shares (ATA/ATAPI-7 volume 2, the PIO and DMA protocols): the status and
 * error registers, the INTRQ pending flag, PIO data blocks through the data port, disk requests
 * whose completions may arrive synchronously or later, and DMA data phases through the channel's
 * bus master. Concrete devices (AtaDisk, AtapiCdrom) decode the commands.
 */
import type { DiskBackend, DiskDone } from '../../block/disk-backend.js';
import { CMD, ERR, ST } from './ata-constants.js';
import type { DmaEnd, DmaEngine, DmaJob, DmaPort } from './dma.js';
import { TaskFile } from './task-file.js';

/** What the channel provides to the device attached to it. */
export interface DriveHost {
  /** The device's INTRQ pending flag changed: recompute the channel's interrupt line. */
  irqChanged(): void;
  /** The channel's bus-master engine, or undefined where no DMA exists. */
  readonly dma: DmaEngine | undefined;
}

/** Largest piece a DMA or PIO transfer reads from or writes to the disk at once. */
export const IO_CHUNK = 128 * 1024;

/** Base class of IDE devices. */
export abstract class IdeDrive {
  /** Which protocol the device speaks. */
  abstract readonly kind: 'disk' | 'cdrom';
  status = 0;
  error = 0;
  /** INTRQ pending: set when the device interrupts, cleared by a status read or a new command. */
  intrq = false;
  /** The device's register copy (given by the channel on attach). */
  regs = new TaskFile();
  private host: DriveHost | undefined;
  /** Bumped on every reset: completions from before it are dropped. */
  protected generation = 0;
  private pio: { buf: Uint8Array; pos: number; end: number; onEnd: () => void } | undefined;

  /** Connects the device to its channel slot. */
  attach(host: DriveHost, regs: TaskFile): void {
    this.host = host;
    this.regs = regs;
    this.reset();
  }

  /** LBA mid/high of the reset signature. */
  protected abstract signature(): readonly [number, number];
  /** Status after a reset or diagnostic. */
  protected abstract resetStatus(): number;
  /** Decodes a command written to the command register (the device is selected and idle). */
  protected abstract execute(cmd: number): void;
  /** Device-specific part of a reset. */
  protected onReset(): void {}
  /** Returns settings a software reset keeps (multiple mode, features, lock) to power-on values. */
  protected onPowerOn(): void {}

  /** Hardware reset (machine reset or power-on): power-on settings, then a reset. */
  powerOnReset(): void {
    this.onPowerOn();
    this.reset();
  }

  /** Hardware or software reset: cancels everything, loads the signature. */
  reset(): void {
    this.generation++;
    this.pio = undefined;
    this.host?.dma?.cancel();
    this.onReset();
    this.loadSignature();
    this.status = this.resetStatus();
    this.intrq = false;
    this.host?.irqChanged();
  }

  /** Loads the signature and the "passed" diagnostic code (EXECUTE DEVICE DIAGNOSTIC, DEVICE RESET). */
  loadSignature(): void {
    const [mid, high] = this.signature();
    this.regs.loadSignature(mid, high);
    this.error = ERR.DIAG_PASSED;
  }

  /** Whether a command may be written now: only when neither BSY nor DRQ (DEVICE RESET excepted). */
  protected accepts(cmd: number): boolean {
    return (this.status & (ST.BSY | ST.DRQ)) === 0 || this.acceptsWhileBusy(cmd);
  }

  /** Commands that a busy device still takes (ATAPI DEVICE RESET). */
  protected acceptsWhileBusy(_cmd: number): boolean {
    return false;
  }

  /** A write to the command register while this device is selected. */
  command(cmd: number): void {
    if (!this.accepts(cmd)) return;
    this.setIntrq(false);
    this.execute(cmd);
  }

  /** The host read the status register: clears INTRQ. */
  statusRead(): number {
    this.setIntrq(false);
    return this.status;
  }

  /** Fills `out` from the current PIO data-in block (zeros when there is none). */
  dataRead(out: Uint8Array): void {
    const p = this.pio;
    if (p === undefined || (this.status & ST.DRQ) === 0) {
      out.fill(0);
      return;
    }
    const n = Math.min(out.length, p.end - p.pos);
    out.set(p.buf.subarray(p.pos, p.pos + n));
    out.fill(0, n);
    p.pos += n;
    if (p.pos >= p.end) this.endPio(p);
  }

  /** Takes `data` into the current PIO data-out block (dropped when there is none). */
  dataWrite(data: Uint8Array): void {
    const p = this.pio;
    if (p === undefined || (this.status & ST.DRQ) === 0) return;
    const n = Math.min(data.length, p.end - p.pos);
    p.buf.set(data.subarray(0, n), p.pos);
    p.pos += n;
    if (p.pos >= p.end) this.endPio(p);
  }

  private endPio(p: { onEnd: () => void }): void {
    this.pio = undefined;
    this.status &= ~ST.DRQ;
    p.onEnd();
  }

  /** Starts a PIO block of `buf[0..len)` (data in or out): DRQ on, `onEnd` when the host has moved it all. */
  protected startPio(buf: Uint8Array, len: number, onEnd: () => void, irq: boolean): void {
    this.pio = { buf, pos: 0, end: Math.min(len, buf.length), onEnd };
    this.status = (this.status & ~(ST.BSY | ST.ERR)) | ST.DRQ | ST.DRDY;
    if (irq) this.raiseIrq();
  }

  /** Drops a PIO block in progress (command aborted). */
  protected stopPio(): void {
    this.pio = undefined;
    this.status &= ~ST.DRQ;
  }

  /** Asserts INTRQ (the channel masks it with nIEN and device selection). */
  protected raiseIrq(): void {
    this.setIntrq(true);
  }

  private setIntrq(level: boolean): void {
    if (this.intrq === level) return;
    this.intrq = level;
    this.host?.irqChanged();
  }

  /** Ends the command with ERR and `error` (ABRT by default) and interrupts. */
  protected abort(error: number = ERR.ABRT): void {
    this.stopPio();
    this.error = error;
    this.status = ST.DRDY | ST.DSC | ST.ERR;
    this.raiseIrq();
  }

  /** Ends the command successfully and interrupts. */
  protected complete(): void {
    this.stopPio();
    this.error = 0;
    this.status = ST.DRDY | ST.DSC;
    this.raiseIrq();
  }

  /** Back to idle without an interrupt (the end of a PIO data-in command). */
  protected idle(): void {
    this.status = ST.DRDY | ST.DSC;
  }

  /**
   * Commands every device handles the same way: EXECUTE DEVICE DIAGNOSTIC, CHECK POWER MODE
   * (always active/idle) and the power-management no-ops. Returns false for other commands.
   */
  protected commonCommand(cmd: number): boolean {
    switch (cmd) {
      case CMD.EXECUTE_DEVICE_DIAGNOSTIC:
        this.loadSignature();
        this.status = this.resetStatus();
        this.raiseIrq();
        return true;
      case CMD.CHECK_POWER_MODE:
        this.regs.sectorCount = 0xff; // active or idle
        this.complete();
        return true;
      case CMD.STANDBY_IMMEDIATE:
      case CMD.IDLE_IMMEDIATE:
      case CMD.STANDBY:
      case CMD.IDLE:
      case CMD.SLEEP:
        this.complete();
        return true;
      default:
        return false;
    }
  }

  /** Sets BSY while the device works on a request. */
  protected busy(): void {
    this.status = (this.status & ~(ST.DRQ | ST.ERR)) | ST.BSY;
  }

  /** Wraps a completion so that it is dropped after a reset. */
  protected guard(done: DiskDone): DiskDone {
    const g = this.generation;
    return (error) => {
      if (g === this.generation) done(error);
    };
  }

  /** The channel's bus master, if any. */
  protected get dma(): DmaEngine | undefined {
    return this.host?.dma;
  }

  /**
   * Offers a DMA data phase of `total` bytes between the disk at byte `offset` and guest memory,
   * in chunks of at most IO_CHUNK. `finish` gets the outcome once the data phase is over
   * (`error` set when the disk failed); it is not called after a reset or a bus-master stop.
   */
  protected dmaDisk(backend: DiskBackend, offset: number, total: number, toMemory: boolean, finish: (how: DmaEnd, error?: Error) => void): void {
    const engine = this.dma;
    if (engine === undefined) {
      finish('error');
      return;
    }
    let aborted = false;
    const job: DmaJob = {
      abort: () => {
        aborted = true;
      },
      start: (port: DmaPort, end: (how: DmaEnd) => void) => {
        const g = this.generation;
        const stop = (how: DmaEnd, error?: Error): void => {
          if (aborted || g !== this.generation) return;
          end(how);
          finish(how, error);
        };
        let done = 0;
        const step = (): void => {
          if (aborted || g !== this.generation) return;
          if (done >= total) return stop('done');
          const buf = new Uint8Array(Math.min(IO_CHUNK, total - done));
          if (toMemory) {
            backend.read(offset + done, buf, (err) => {
              if (err !== undefined) return stop('error', err);
              if (aborted || g !== this.generation) return;
              const moved = port.toMemory(buf);
              if (moved < 0) return stop('fault');
              if (moved < buf.length) return stop('short');
              done += buf.length;
              step();
            });
          } else {
            const moved = port.fromMemory(buf);
            if (moved < 0) return stop('fault');
            if (moved < buf.length) return stop('short');
            backend.write(offset + done, buf, (err) => {
              if (err !== undefined) return stop('error', err);
              done += buf.length;
              step();
            });
          }
        };
        step();
      },
    };
    this.status = (this.status & ~(ST.BSY | ST.ERR)) | ST.DRQ | ST.DRDY;
    engine.offer(job);
  }

  /** Offers a DMA data phase that copies `data` (already in hand) to guest memory. */
  protected dmaReply(data: Uint8Array, finish: (how: DmaEnd) => void): void {
    const engine = this.dma;
    if (engine === undefined) {
      finish('error');
      return;
    }
    let aborted = false;
    this.status = (this.status & ~(ST.BSY | ST.ERR)) | ST.DRQ | ST.DRDY;
    engine.offer({
      abort: () => {
        aborted = true;
      },
      start: (port, end) => {
        if (aborted) return;
        const moved = port.toMemory(data);
        const how: DmaEnd = moved < 0 ? 'fault' : moved < data.length ? 'short' : 'done';
        end(how);
        finish(how);
      },
    });
  }
}
