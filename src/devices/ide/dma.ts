/**
 * The seam between an IDE device and its channel's bus-master DMA engine (SFF-8038i): a device
 * with a DMA data phase offers a job; the engine starts it when the guest sets the start bit and
 * hands it a port that moves bytes through the PRD table.
 */

/** How a DMA job ended, as the engine must reflect it in its status register. */
export type DmaEnd =
  /** The device transferred everything it had. */
  | 'done'
  /** The PRD table ended before the device's data did. */
  | 'short'
  /** A PRD or its buffer lay outside guest RAM. */
  | 'fault'
  /** The device failed the command (media error); it reports the error itself. */
  | 'error';

/** Moves bytes between a device and the guest memory the PRD table describes. */
export interface DmaPort {
  /** Copies `data` into guest memory; returns the bytes moved (fewer: table ended), or -1 on a bad address. */
  toMemory(data: Uint8Array): number;
  /** Fills `data` from guest memory; same results as toMemory. */
  fromMemory(data: Uint8Array): number;
}

/** A device's pending DMA data phase. */
export interface DmaJob {
  /** Runs the transfer through `port`, calling `end` exactly once unless aborted first. */
  start(port: DmaPort, end: (how: DmaEnd) => void): void;
  /** The guest cleared the start bit (or reset the channel) mid-transfer: stop, no callbacks. */
  abort(): void;
}

/** What a channel's bus-master engine offers its devices. */
export interface DmaEngine {
  /** Queues `job`; it starts when the start bit is (or already was) set. */
  offer(job: DmaJob): void;
  /** Drops a queued or running job (device reset). */
  cancel(): void;
}
