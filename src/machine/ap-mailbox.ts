import { Worker } from 'node:worker_threads';
import { RUN } from '../abi/kvm-run.js';
import type { VcpuFd } from '../kvm/kvm.js';
import { SIGUSR2, pthreadKill } from '../kvm/libc.js';
import type { IoExit, MmioExit } from '../accel/kvm/vcpu-exit.js';
import { CTL } from './control.js';
import type { MachineMessage } from './control.js';

/**
 * Slots of one AP's mailbox (Int32 words), then DATA_BYTES of access data. An AP thread fills a
 * request, sets STATUS=REQUEST, bumps CTL.AP_PENDING and kicks the machine thread, then waits;
 * the machine thread performs the access on its buses and sets STATUS=DONE.
 */
export const MB = {
  STATUS: 0,
  KIND: 1,
  IS_WRITE: 2,
  PORT_OR_ADDR_LO: 3,
  ADDR_HI: 4,
  SIZE: 5,
  COUNT: 6,
  /** The AP thread's pthread id (low, high) for kicks; 0 until it runs. */
  TID_LO: 7,
  TID_HI: 8,
  /** Set by the machine thread to make the AP thread return. */
  STOP: 9,
  /** Set by the AP when it ends, with an error message length when it failed. */
  ENDED: 10,
  WORDS: 16,
} as const;
/** MB.STATUS values. */
export const MB_STATUS = { IDLE: 0, REQUEST: 1, DONE: 2 } as const;
/** MB.KIND values. */
export const MB_KIND = { IO: 1, MMIO: 2, SHUTDOWN: 3, FATAL: 4 } as const;
/** Room for one string I/O exit's data (KVM uses at most one page). */
export const MB_DATA_BYTES = 4096 + 64;

/** One AP's view of its mailbox. */
export function mailboxViews(sab: SharedArrayBuffer): { words: Int32Array; data: Uint8Array } {
  return { words: new Int32Array(sab, 0, MB.WORDS), data: new Uint8Array(sab, MB.WORDS * 4, MB_DATA_BYTES) };
}

interface Ap {
  readonly vcpu: VcpuFd;
  readonly words: Int32Array;
  readonly data: Uint8Array;
  readonly worker: Worker;
}

/** The machine thread's side of the AP threads: starts them, serves their I/O, stops them. */
export class ApMailboxes {
  private aps: Ap[] = [];
  private readonly io: IoExit = { kind: 'io', port: 0, size: 0, count: 0, isWrite: false, dataOffset: 0 };
  private readonly mmio: MmioExit = { kind: 'mmio', addr: 0, len: 0, isWrite: false };
  /** A fatal report from an AP (internal error), for the machine to end the VM with. */
  fatal: string | undefined;
  /** An AP triple-faulted: the machine resets. */
  shutdownRequested = false;

  constructor(private readonly cpus: number, private readonly ctl: Int32Array) {}

  /** Starts one worker thread per AP vCPU. */
  start(vcpus: readonly VcpuFd[], bsp: VcpuFd, post: (m: MachineMessage) => void): void {
    this.post = post;
    if (this.cpus <= 1) return;
    for (const vcpu of vcpus) {
      const sab = new SharedArrayBuffer(MB.WORDS * 4 + MB_DATA_BYTES);
      const { words, data } = mailboxViews(sab);
      const worker = new Worker(new URL('./ap-worker.js', import.meta.url), {
        workerData: { fd: vcpu.fd, id: vcpu.id, mmapSize: vcpu.mmapSize, bspRunAddress: bsp.runAddress, bspTid: this.selfTid, mailbox: sab, ctl: this.ctl },
      });
      worker.unref();
      this.aps.push({ vcpu, words, data, worker });
    }
    for (const ap of this.aps) {
      while (Atomics.load(ap.words, MB.TID_LO) === 0 && Atomics.load(ap.words, MB.ENDED) === 0) Atomics.wait(ap.words, MB.TID_LO, 0, 100);
      post({ type: 'vcpu', id: ap.vcpu.id, runAddress: ap.vcpu.runAddress, tid: apTid(ap.words), mmapSize: ap.vcpu.mmapSize });
    }
  }

  private post: (m: MachineMessage) => void = () => undefined;

  /** The machine thread's pthread id, given to APs so they can kick it. */
  selfTid: bigint = 0n;

  /** Serves every pending AP request with `handle`. */
  serve(handle: (exit: IoExit | MmioExit, bytes: Uint8Array, dataOffset: number) => void): void {
    for (const ap of this.aps) {
      if (Atomics.load(ap.words, MB.STATUS) !== MB_STATUS.REQUEST) continue;
      const w = ap.words;
      switch (w[MB.KIND]) {
        case MB_KIND.IO:
          Object.assign(this.io, { port: w[MB.PORT_OR_ADDR_LO]!, size: w[MB.SIZE]!, count: w[MB.COUNT]!, isWrite: w[MB.IS_WRITE] !== 0, dataOffset: 0 });
          handle(this.io, ap.data, 0);
          break;
        case MB_KIND.MMIO:
          Object.assign(this.mmio, { addr: (w[MB.PORT_OR_ADDR_LO]! >>> 0) + (w[MB.ADDR_HI]! >>> 0) * 2 ** 32, len: w[MB.SIZE]!, isWrite: w[MB.IS_WRITE] !== 0 });
          handle(this.mmio, ap.data, 0);
          break;
        case MB_KIND.SHUTDOWN:
          this.shutdownRequested = true;
          break;
        case MB_KIND.FATAL:
          this.fatal = new TextDecoder().decode(ap.data.subarray(0, w[MB.SIZE]!));
          break;
      }
      Atomics.store(w, MB.STATUS, MB_STATUS.DONE);
      Atomics.sub(this.ctl, CTL.AP_PENDING, 1);
      Atomics.notify(w, MB.STATUS);
    }
  }

  /** Lets paused APs run again. */
  resume(): void {
    for (const ap of this.aps) Atomics.notify(ap.words, MB.STOP);
  }

  /** Stops every AP thread (before a reset or exit): kicks it out of KVM_RUN and lets it end. */
  stop(): void {
    for (const ap of this.aps) {
      Atomics.store(ap.words, MB.STOP, 1);
      Atomics.notify(ap.words, MB.STOP);
      ap.vcpu.run.setUint8(RUN.IMMEDIATE_EXIT, 1);
      const tid = apTid(ap.words);
      if (tid !== 0n) pthreadKill(tid, SIGUSR2);
    }
    for (const ap of this.aps) {
      while (Atomics.load(ap.words, MB.ENDED) === 0) {
        if (Atomics.load(ap.words, MB.STATUS) === MB_STATUS.REQUEST) {
          Atomics.store(ap.words, MB.STATUS, MB_STATUS.DONE);
          Atomics.sub(this.ctl, CTL.AP_PENDING, 1);
          Atomics.notify(ap.words, MB.STATUS);
        }
        Atomics.wait(ap.words, MB.ENDED, 0, 20);
        const tid = apTid(ap.words);
        if (tid !== 0n && Atomics.load(ap.words, MB.ENDED) === 0) pthreadKill(tid, SIGUSR2);
      }
      void ap.worker.terminate();
      // The thread is gone: the main thread must forget its id before it could kick it.
      this.post({ type: 'vcpu-gone', id: ap.vcpu.id });
    }
    this.aps = [];
  }
}

function apTid(words: Int32Array): bigint {
  return (BigInt(words[MB.TID_HI]! >>> 0) << 32n) | BigInt(words[MB.TID_LO]! >>> 0);
}
