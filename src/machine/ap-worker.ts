/**
 * Entry of an AP (application processor) vCPU thread: runs KVM_RUN on its vCPU and forwards
 * every I/O and MMIO exit to the machine thread, which owns the devices, through its mailbox.
 */
import { workerData } from 'node:worker_threads';
import { RUN } from '../abi/kvm-run.js';
import { VcpuFd, runAreaAt } from '../kvm/kvm.js';
import { SIGUSR2, pthreadKill, pthreadSelf } from '../kvm/libc.js';
import { ExitDecoder } from '../accel/kvm/vcpu-exit.js';
import { describeVcpu } from '../accel/kvm/vcpu-state.js';
import { CTL, RUNSTATE } from './control.js';
import { MB, MB_KIND, MB_STATUS, mailboxViews } from './ap-mailbox.js';

interface ApWorkerData {
  fd: number;
  id: number;
  mmapSize: number;
  bspRunAddress: bigint;
  bspTid: bigint;
  mailbox: SharedArrayBuffer;
  ctl: Int32Array;
}

const wd = workerData as ApWorkerData;
const { words, data } = mailboxViews(wd.mailbox);
const ctl = wd.ctl;
const vcpu = VcpuFd.fromFd(wd.fd, wd.id, wd.mmapSize);
const bspRun = runAreaAt(wd.bspRunAddress, wd.mmapSize);
const decoder = new ExitDecoder(vcpu.run);
const tid = BigInt(pthreadSelf());
Atomics.store(words, MB.TID_HI, Number(tid >> 32n) | 0);
Atomics.store(words, MB.TID_LO, Number(tid & 0xffffffffn) | 0);
Atomics.notify(words, MB.TID_LO);

/** Hands one request to the machine thread and waits for it to be served. */
function forward(kind: number, fill: () => void): void {
  Atomics.store(words, MB.KIND, kind);
  fill();
  Atomics.store(words, MB.STATUS, MB_STATUS.REQUEST);
  Atomics.add(ctl, CTL.AP_PENDING, 1);
  Atomics.add(ctl, CTL.SEQ, 1);
  Atomics.notify(ctl, CTL.SEQ);
  bspRun.setUint8(RUN.IMMEDIATE_EXIT, 1);
  pthreadKill(wd.bspTid, SIGUSR2);
  while (Atomics.load(words, MB.STATUS) === MB_STATUS.REQUEST) {
    if (Atomics.load(words, MB.STOP) !== 0) return;
    Atomics.wait(words, MB.STATUS, MB_STATUS.REQUEST, 100);
  }
  Atomics.store(words, MB.STATUS, MB_STATUS.IDLE);
}

function fatal(message: string): void {
  const bytes = new TextEncoder().encode(message.slice(0, 4000));
  forward(MB_KIND.FATAL, () => {
    data.set(bytes);
    words[MB.SIZE] = bytes.length;
  });
}

function loop(): void {
  for (;;) {
    if (Atomics.load(words, MB.STOP) !== 0 || Atomics.load(ctl, CTL.STATE) === RUNSTATE.QUIT) return;
    if (Atomics.load(ctl, CTL.STATE) === RUNSTATE.PAUSED) {
      Atomics.wait(words, MB.STOP, 0, 100);
      continue;
    }
    if (!vcpu.runOnce()) {
      vcpu.run.setUint8(RUN.IMMEDIATE_EXIT, 0);
      continue;
    }
    const exit = decoder.decode();
    switch (exit.kind) {
      case 'io': {
        const bytes = exit.size * exit.count;
        forward(MB_KIND.IO, () => {
          words[MB.PORT_OR_ADDR_LO] = exit.port;
          words[MB.SIZE] = exit.size;
          words[MB.COUNT] = exit.count;
          words[MB.IS_WRITE] = exit.isWrite ? 1 : 0;
          if (exit.isWrite) data.set(vcpu.runBytes.subarray(exit.dataOffset, exit.dataOffset + bytes));
        });
        if (!exit.isWrite) vcpu.runBytes.set(data.subarray(0, bytes), exit.dataOffset);
        break;
      }
      case 'mmio': {
        const len = Math.min(8, exit.len);
        forward(MB_KIND.MMIO, () => {
          words[MB.PORT_OR_ADDR_LO] = exit.addr % 2 ** 32 | 0;
          words[MB.ADDR_HI] = Math.floor(exit.addr / 2 ** 32);
          words[MB.SIZE] = len;
          words[MB.IS_WRITE] = exit.isWrite ? 1 : 0;
          if (exit.isWrite) data.set(vcpu.runBytes.subarray(RUN.MMIO_DATA, RUN.MMIO_DATA + len));
        });
        if (!exit.isWrite) vcpu.runBytes.set(data.subarray(0, len), RUN.MMIO_DATA);
        break;
      }
      case 'shutdown':
        forward(MB_KIND.SHUTDOWN, () => undefined);
        return;
      case 'hlt':
      case 'intr':
      case 'irq-window':
        break;
      case 'system-event':
        forward(MB_KIND.SHUTDOWN, () => undefined);
        return;
      default:
        fatal(`vCPU ${wd.id}: ${exit.kind === 'internal-error' ? `KVM internal error, suberror ${exit.suberror}` : exit.kind}\n${describeVcpu(vcpu)}`);
        return;
    }
  }
}

try {
  loop();
} catch (err) {
  fatal(`vCPU ${wd.id}: ${(err as Error).message}`);
} finally {
  Atomics.store(words, MB.ENDED, 1);
  Atomics.notify(words, MB.ENDED);
}
