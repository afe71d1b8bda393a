/**
 * The control block shared by the main thread and the vCPU threads (an Int32Array over a
 * SharedArrayBuffer), and the messages they exchange. A vCPU blocked in KVM_RUN only sees a
 * message after a kick: the main thread sets PENDING, sets kvm_run.immediate_exit and sends
 * SIGUSR2 to the thread, which makes KVM_RUN return EINTR.
 */
import type { DisplayReply, DisplayRequest } from './display-bridge.js';
import type { KeyValue } from '../monitor/target.js';
import type { CdRequest } from './pc-devices.js';
export const CTL = {
  /** Main thread posted messages for the machine thread. */
  PENDING: 0,
  /** Number of AP mailbox requests waiting for the machine thread. */
  AP_PENDING: 1,
  /** Run state: RUNNING, PAUSED or QUIT. */
  STATE: 2,
  /** Bumped and notified whenever the machine thread should look again (wakes a paused one). */
  SEQ: 3,
  SIZE: 8,
} as const;

/** Values of CTL.STATE. */
export const RUNSTATE = { RUNNING: 0, PAUSED: 1, QUIT: 2 } as const;

/** Creates a zeroed control block. */
export function createControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(CTL.SIZE * 4));
}

/** Messages from the main thread to the machine thread. */
export type HostMessage =
  | { type: 'input'; index: number; bytes: Uint8Array }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reset' }
  | { type: 'quit' }
  /** The ACPI power button (QMP system_powerdown). */
  | { type: 'powerdown' }
  | DisplayRequest
  /** A key of the PS/2 keyboard: a QEMU QKeyCode name or a raw PC scancode (QMP 'number'). */
  | { type: 'key'; key: KeyValue; down: boolean }
  /** Relative PS/2 mouse motion with the buttons held (display front ends). */
  | { type: 'pointer'; dx: number; dy: number; buttons: number }
  /** A host media request for CD-ROM drive `index`, answered by a 'cd' reply with the same id. */
  | { type: 'cd'; id: number; index: number; req: CdRequest };

/** Messages from the machine thread to the main thread. */
export type MachineMessage =
  | { type: 'vcpu'; id: number; runAddress: bigint; tid: number | bigint; mmapSize: number }
  | { type: 'vcpu-gone'; id: number }
  | { type: 'timer'; deadlineMs: number | undefined }
  | { type: 'state'; state: 'running' | 'paused' }
  | { type: 'reset' }
  | { type: 'exit'; status: number; message?: string }
  | DisplayReply
  /** The outcome of a 'cd' request: QEMU's error text when the drive refused. */
  | { type: 'cd'; id: number; error?: string };
