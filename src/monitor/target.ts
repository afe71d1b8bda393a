/**
 * What the monitors (QMP and the human monitor) need from the machine: the operations behind
 * each command, and a stream of events the machine reports. The lead implements this in the
 * main thread on top of VmHost (run state, reset, quit), the IDE drives (media, tray) and the
 * display seam (screendump, keys); tests implement it with a fake.
 *
 * Errors: a method that cannot do what was asked throws a MonitorError (errors.ts) whose class
 * and text are QEMU's (for example DeviceNotFound "Device 'x' not found"); any other exception
 * becomes a GenericError with its message, so a failing operation never takes the VM down.
 */
import type { Frame } from '../display/display.js';

/**
 * QEMU's RunState values (qapi/run-state.json) that tkvm can be in: `prelaunch` with -S before
 * the first `cont`, `running`, `paused` after `stop`, `shutdown` after the guest powered off
 * with -no-shutdown, `guest-panicked`, `internal-error` (KVM_EXIT_INTERNAL_ERROR and the like).
 */
export type RunState = 'prelaunch' | 'running' | 'paused' | 'shutdown' | 'guest-panicked' | 'internal-error';

/** Why the machine reset or shut down: QEMU's ShutdownCause names as the events carry them. */
export type ShutdownCause =
  | 'host-error'
  | 'host-qmp-quit'
  | 'host-qmp-system-reset'
  | 'host-signal'
  | 'host-ui'
  | 'guest-shutdown'
  | 'guest-reset'
  | 'guest-panic'
  | 'subsystem-reset';

/** One drive as query-block and `info block` show it. */
export interface BlockDeviceState {
  /** QEMU's legacy drive id: ide0-hd0, ide0-hd1, ide1-hd0, ide1-cd0 ... (-hda..-hdd, -cdrom). */
  readonly device: string;
  /** The guest device's QOM path, e.g. "/machine/unattached/device[24]" (DEVICE_TRAY_MOVED's id). */
  readonly qdev: string;
  /** CD-ROMs are removable; hard disks are not. */
  readonly removable: boolean;
  /** The guest locked the tray (PREVENT ALLOW MEDIUM REMOVAL); false for hard disks. */
  readonly locked: boolean;
  /** Removable drives only: whether the tray is open. */
  readonly trayOpen?: boolean;
  /** The medium, absent when the drive is empty. */
  readonly medium?: BlockMedium;
}

/** An inserted image. */
export interface BlockMedium {
  /** The file name as given on the command line or to `change`. */
  readonly file: string;
  /** Format driver name: raw, qcow2, qcow. */
  readonly format: string;
  readonly readOnly: boolean;
  /** Guest-visible size in bytes. */
  readonly virtualSize: number;
  /** Bytes the image file occupies on the host (st_blocks * 512), when known. */
  readonly actualSize?: number;
  /** For images with a backing file: its name (backing_file in query-block). */
  readonly backingFile?: string;
  /** Length of the backing chain (0 without backing file). */
  readonly backingDepth?: number;
  /** Whether writes go to a temporary overlay (-snapshot). */
  readonly snapshot?: boolean;
  /** Block node name QEMU would print (e.g. "#block123"); generated when absent. */
  readonly nodeName?: string;
  /** The format's dirty flag (qcow2 lazy refcounts), false for others. */
  readonly dirty?: boolean;
}

/** blockdev-change-medium's read-only-mode. */
export type ReadOnlyMode = 'retain' | 'read-only' | 'read-write';

/** Result of opening a tray on request. */
export type TrayRequest =
  /** The tray is open now (or was already). */
  | 'open'
  /** The guest holds the tray locked: an eject request was sent to it; the tray may open later. */
  | 'locked';

/** Keys to press, as QEMU QKeyCode names or raw PC scancodes (QMP KeyValue 'number'). */
export type KeyValue = { readonly type: 'qcode'; readonly data: string } | { readonly type: 'number'; readonly data: number };

/** Events the machine reports; the monitors turn them into QMP events with timestamps. */
export type TargetEvent =
  | { readonly kind: 'stop' }
  | { readonly kind: 'resume' }
  | { readonly kind: 'reset'; readonly guest: boolean; readonly reason: ShutdownCause }
  | { readonly kind: 'shutdown'; readonly guest: boolean; readonly reason: ShutdownCause }
  | { readonly kind: 'powerdown' }
  | { readonly kind: 'tray-moved'; readonly device: string; readonly qdev: string; readonly open: boolean };

/** The machine-side operations behind the monitor commands. */
export interface MonitorTarget {
  /** QEMU's -name, if given (query-name). */
  readonly name?: string;
  /**
   * Whether the guest can see a power button press. Without ACPI (tkvm has none yet) the
   * monitors answer system_powerdown with an error instead of pretending (see qmp-commands.ts).
   */
  readonly powerButton: boolean;

  /** The current run state (query-status, info status). */
  runState(): RunState;
  /** Pauses the vCPUs; the target emits `stop` once they are stopped. No-op when not running. */
  stop(): void;
  /** Runs the vCPUs again (from prelaunch or paused); the target emits `resume`. */
  cont(): void;
  /**
   * Resets the machine as the reset button would; the target emits `reset` with `reason`.
   * A machine that was not running is in 'prelaunch' afterwards, as in QEMU 7.2.
   */
  reset(reason: ShutdownCause): void;
  /** Presses the power button (only called when `powerButton`); the target emits `powerdown`. */
  powerdown(): void;
  /** Ends tkvm; the target emits `shutdown` with `reason` before it goes. */
  quit(reason: ShutdownCause): void;

  /** All drives in QEMU's order (ide0-hd0, ide0-hd1, ide1-hd0, ide1-cd0...). */
  blockDevices(): readonly BlockDeviceState[];
  /**
   * Opens the tray of removable drive `device` (QEMU's do_open_tray): a locked tray without
   * `force` asks the guest to eject and returns 'locked'; with `force` it opens anyway.
   * The caller has checked that `device` exists and is removable.
   */
  openTray(device: string, force: boolean): TrayRequest;
  /** Removes the medium from an open tray (the caller has checked the tray is open). */
  removeMedium(device: string): void;
  /**
   * Replaces the medium of removable drive `device` with `filename`, in QEMU's order
   * (qmp_blockdev_change_medium): open the image first (a failure changes nothing and rejects
   * with QEMU's text: "Could not open 'x': No such file or directory", "Image is not in qcow2
   * format", "Unknown driver 'x'"); then open the tray as openTray does (locked without
   * `force`: reject with lockedError(device) from qmp-commands.ts); remove the old medium,
   * insert the new one, close the tray (two tray-moved events when the tray was closed).
   * `readOnlyMode` 'retain' keeps a CD-ROM read-only. The caller has checked `device` exists
   * and is removable.
   */
  changeMedium(device: string, filename: string, format: string | undefined, readOnlyMode: ReadOnlyMode, force: boolean): Promise<void>;

  /** The current screen, or undefined with no display device (-vga none). */
  screen(): Promise<Frame | undefined>;
  /** The screen's rows as text in a text mode; undefined in graphics modes or without display. */
  screenText(): Promise<string[] | undefined>;
  /** Presses `keys` together (in order), holds them `holdMs`, releases them in reverse order. */
  sendKeys(keys: readonly KeyValue[], holdMs: number): void;

  /** Installs the receiver of machine events (one receiver; the monitor hub fans out). */
  onEvent(listener: (event: TargetEvent) => void): void;
}
