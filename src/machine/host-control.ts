/**
 * What every pc machine thread (KVM or the software CPU) does with the main thread's control
 * channel: QMP/HMP/VNC requests arrive as HostMessages (serial input, pause/resume, reset, quit,
 * display requests, keys and pointer, CD media) and are carried out on the machine's devices.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { numberToQcode } from '../input/keymap.js';
import { CTL, RUNSTATE, type HostMessage, type MachineMessage } from './control.js';
import { answerDisplayRequest } from './display-bridge.js';
import type { IsaDevices } from './isa.js';
import type { PcDevices } from './pc-devices.js';

/** Why the machine thread's loop ended, with the process exit status. */
export interface MachineExit {
  readonly status: number;
  readonly message?: string;
}

/** A guest reset or exit requested from inside a device handler; unwinds to the machine's loop. */
export class StopLoop extends Error {
  constructor(readonly action: 'reset' | 'exit', readonly status = 0, readonly reason?: string) {
    super(action);
  }
}

/**
 * Runs a machine's loop until the guest or the user ends the VM: a StopLoop 'exit' ends it with
 * its status, a 'reset' resets the machine and runs the loop again (with -no-reboot it ends the
 * VM cleanly, as QEMU does).
 */
export function runResettable(loop: () => MachineExit, reset: () => void, noReboot: boolean): MachineExit {
  for (;;) {
    try {
      return loop();
    } catch (err) {
      if (!(err instanceof StopLoop)) throw err;
      if (err.action === 'exit') return { status: err.status, message: err.reason };
      if (noReboot) return { status: 0 };
      reset();
    }
  }
}

/** Machine-specific parts of the control channel (KVM's application processors). */
export interface HostControlHooks {
  /** After 'resume' switched the run state back to running. */
  onResume?(): void;
  /** Serves other work flagged in CTL.AP_PENDING; may end the machine. */
  serveAps?(): MachineExit | undefined;
}

/** The machine thread's end of the control channel. */
export class HostControl {
  constructor(
    private readonly ctl: Int32Array,
    private readonly port: MessagePort,
    private readonly board: () => { readonly devices: IsaDevices; readonly pcDevices: PcDevices },
    private readonly hooks: HostControlHooks = {},
  ) {}

  /** Whether the main thread (or an AP) is waiting for the machine thread. */
  pending(): boolean {
    return (Atomics.load(this.ctl, CTL.PENDING) | Atomics.load(this.ctl, CTL.AP_PENDING)) !== 0;
  }

  post(m: MachineMessage): void {
    this.port.postMessage(m);
  }

  /** Handles host messages (and AP requests); waits while paused; returns an exit when the user quits. */
  service(): MachineExit | undefined {
    for (;;) {
      Atomics.store(this.ctl, CTL.PENDING, 0);
      let msg = receiveMessageOnPort(this.port);
      while (msg !== undefined) {
        const stop = this.onMessage(msg.message as HostMessage);
        if (stop) return stop;
        msg = receiveMessageOnPort(this.port);
      }
      if (this.hooks.serveAps !== undefined && Atomics.load(this.ctl, CTL.AP_PENDING) !== 0) {
        const stop = this.hooks.serveAps();
        if (stop) return stop;
      }
      const state = Atomics.load(this.ctl, CTL.STATE);
      if (state === RUNSTATE.QUIT) return { status: 0 };
      if (state !== RUNSTATE.PAUSED) return undefined;
      const seq = Atomics.load(this.ctl, CTL.SEQ);
      if (!this.pending()) Atomics.wait(this.ctl, CTL.SEQ, seq, 1000);
    }
  }

  /** Sleeps until the main thread sends something or `timeoutMs` passes (the software CPU's HLT). */
  waitForMessage(timeoutMs: number): void {
    const seq = Atomics.load(this.ctl, CTL.SEQ);
    if (this.pending() || timeoutMs <= 0) return;
    Atomics.wait(this.ctl, CTL.SEQ, seq, timeoutMs);
  }

  private onMessage(m: HostMessage): MachineExit | undefined {
    const { devices, pcDevices } = this.board();
    switch (m.type) {
      case 'input':
        devices.serialInput(m.index, m.bytes);
        return undefined;
      case 'pause':
        Atomics.store(this.ctl, CTL.STATE, RUNSTATE.PAUSED);
        this.post({ type: 'state', state: 'paused' });
        return undefined;
      case 'resume':
        Atomics.store(this.ctl, CTL.STATE, RUNSTATE.RUNNING);
        this.hooks.onResume?.();
        this.post({ type: 'state', state: 'running' });
        return undefined;
      case 'reset':
        throw new StopLoop('reset');
      case 'quit':
        return { status: 0 };
      case 'powerdown':
        pcDevices.pm?.pressPowerButton();
        return undefined;
      case 'display':
        this.post(answerDisplayRequest(pcDevices.display, m));
        return undefined;
      case 'key': {
        const qcode = m.key.type === 'qcode' ? m.key.data : numberToQcode(m.key.data);
        if (qcode !== undefined) devices.input.key(qcode, m.down);
        return undefined;
      }
      case 'pointer':
        devices.input.pointer(m.dx, m.dy, m.buttons);
        return undefined;
      case 'cd': {
        const error = pcDevices.cdRequest(m.index, m.req);
        this.post({ type: 'cd', id: m.id, ...(error !== undefined ? { error } : {}) });
        return undefined;
      }
    }
  }
}
