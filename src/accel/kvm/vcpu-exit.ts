import { EXIT, IO_OUT, RUN } from '../../abi/kvm-run.js';

/** A port I/O exit; `count` accesses of `size` bytes each (string I/O has count > 1). */
export interface IoExit {
  kind: 'io';
  port: number;
  size: number;
  count: number;
  isWrite: boolean;
  /** Offset of the data in the kvm_run area. */
  dataOffset: number;
}
/** An MMIO exit; the data bytes are at RUN.MMIO_DATA in the kvm_run area. */
export interface MmioExit {
  kind: 'mmio';
  addr: number;
  len: number;
  isWrite: boolean;
}
/** Every exit the vCPU loop handles, decoded from kvm_run. */
export type VcpuExit =
  | IoExit
  | MmioExit
  | { kind: 'hlt' }
  | { kind: 'shutdown' }
  | { kind: 'intr' }
  | { kind: 'irq-window' }
  | { kind: 'system-event'; type: number }
  | { kind: 'internal-error'; suberror: number; data: bigint[] }
  | { kind: 'fail-entry'; reason: bigint; cpu: number }
  | { kind: 'exception'; vector: number; errorCode: number }
  | { kind: 'unknown'; reason: number };

/**
 * Decodes kvm_run after KVM_RUN returned. The hot kinds (io, mmio) reuse one preallocated object
 * per vCPU so the exit path does not allocate; the result is valid until the next decode.
 */
export class ExitDecoder {
  private readonly io: IoExit = { kind: 'io', port: 0, size: 0, count: 0, isWrite: false, dataOffset: 0 };
  private readonly mmio: MmioExit = { kind: 'mmio', addr: 0, len: 0, isWrite: false };
  private static readonly HLT = { kind: 'hlt' } as const;
  private static readonly SHUTDOWN = { kind: 'shutdown' } as const;
  private static readonly INTR = { kind: 'intr' } as const;
  private static readonly IRQ_WINDOW = { kind: 'irq-window' } as const;

  constructor(private readonly run: DataView) {}

  decode(): VcpuExit {
    const run = this.run;
    const reason = run.getUint32(RUN.EXIT_REASON, true);
    switch (reason) {
      case EXIT.IO: {
        const io = this.io;
        io.isWrite = run.getUint8(RUN.IO_DIRECTION) === IO_OUT;
        io.size = run.getUint8(RUN.IO_SIZE);
        io.port = run.getUint16(RUN.IO_PORT, true);
        io.count = run.getUint32(RUN.IO_COUNT, true);
        io.dataOffset = Number(run.getBigUint64(RUN.IO_DATA_OFFSET, true));
        return io;
      }
      case EXIT.MMIO: {
        const m = this.mmio;
        m.addr = Number(run.getBigUint64(RUN.MMIO_PHYS_ADDR, true));
        m.len = run.getUint32(RUN.MMIO_LEN, true);
        m.isWrite = run.getUint8(RUN.MMIO_IS_WRITE) !== 0;
        return m;
      }
      case EXIT.HLT:
        return ExitDecoder.HLT;
      case EXIT.SHUTDOWN:
        return ExitDecoder.SHUTDOWN;
      case EXIT.INTR:
        return ExitDecoder.INTR;
      case EXIT.IRQ_WINDOW_OPEN:
        return ExitDecoder.IRQ_WINDOW;
      case EXIT.SYSTEM_EVENT:
        return { kind: 'system-event', type: run.getUint32(RUN.SYSTEM_EVENT_TYPE, true) };
      case EXIT.INTERNAL_ERROR: {
        const n = Math.min(16, run.getUint32(RUN.INTERNAL_NDATA, true));
        const data: bigint[] = [];
        for (let i = 0; i < n; i++) data.push(run.getBigUint64(RUN.INTERNAL_DATA + i * 8, true));
        return { kind: 'internal-error', suberror: run.getUint32(RUN.INTERNAL_SUBERROR, true), data };
      }
      case EXIT.FAIL_ENTRY:
        return { kind: 'fail-entry', reason: run.getBigUint64(RUN.FAIL_ENTRY_REASON, true), cpu: run.getUint32(RUN.FAIL_ENTRY_CPU, true) };
      case EXIT.EXCEPTION:
        return { kind: 'exception', vector: run.getUint32(RUN.EXCEPTION_NR, true), errorCode: run.getUint32(RUN.EXCEPTION_ERROR_CODE, true) };
      default:
        return { kind: 'unknown', reason };
    }
  }
}
