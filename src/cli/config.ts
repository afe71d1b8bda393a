/**
 * The one typed description of a VM that the command-line parser produces and the machine
 * builder consumes. Everything here has been validated; the machine never re-parses strings.
 */
import type { MonitorSpec } from '../monitor/options.js';
import type { VncOption } from '../vnc/option.js';

/** Where a character device (serial port, monitor) sends and receives bytes. */
export type CharSpec =
  /** `mux`: the QEMU monitor shares stdio (-nographic, mon:stdio): Ctrl-A escapes are active. */
  | { readonly kind: 'stdio'; readonly mux?: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'unix'; readonly path: string; readonly server: boolean; readonly wait: boolean };

/** `-device isa-debug-exit,iobase=0xf4,iosize=0x04`. */
export interface DebugExitSpec {
  readonly iobase: number;
  readonly iosize: number;
}

/**
 * A debug console (QEMU isa-debugcon): bytes written to its ports go to `chardev`; reading returns
 * 0xe9. `-debugcon DEV` maps ports 0xe9 (QEMU's default) and 0x402 (SeaBIOS's log port).
 */
export interface DebugconSpec {
  readonly iobases: readonly number[];
  readonly chardev: CharSpec;
}

/** A disk or CD given with -hda/-cdrom/-drive (used by the PC machine issue). */
export interface DriveSpec {
  readonly file: string;
  readonly format?: string;
  readonly media: 'disk' | 'cdrom';
  readonly index: number;
  readonly readOnly: boolean;
  readonly snapshot: boolean;
}

export interface MachineConfig {
  /** Guest RAM in bytes (from -m; QEMU's default is 128 MiB). */
  readonly memoryBytes: number;
  /** Number of vCPUs (-smp). */
  readonly cpus: number;
  /** The -smp topology as QEMU computes it (sockets * dies * cores * threads == maxCpus). */
  readonly cpuTopology?: {
    readonly maxCpus: number;
    readonly sockets: number;
    readonly dies: number;
    readonly cores: number;
    readonly threads: number;
  };
  /** -cpu MODEL: the CPUID model to present; absent means tkvm's default. */
  readonly cpuModel?: 'host' | 'max' | 'qemu64';
  readonly accel: 'kvm' | 'emu' | 'auto';
  readonly name?: string;
  /** Direct kernel boot (-kernel/-initrd/-append). */
  readonly kernel?: string;
  readonly initrd?: string;
  readonly append: string;
  /** Serial ports in order: index 0 is COM1. Empty means no serial port wired to a backend. */
  readonly serial: readonly CharSpec[];
  /** -nographic: COM1 and the monitor multiplexed on stdio, Ctrl-A escapes. */
  readonly nographic: boolean;
  readonly display: 'none' | 'default';
  /** -no-reboot: a guest reset exits tkvm instead of rebooting. */
  readonly noReboot: boolean;
  readonly debugExit?: DebugExitSpec;
  readonly drives: readonly DriveSpec[];
  /** -bios PATH. */
  readonly bios?: string;
  /** -boot order letters, e.g. "dc". */
  readonly bootOrder?: string;
  /** -no-acpi. */
  readonly noAcpi: boolean;
  /** -boot menu=on: SeaBIOS shows "Press ESC for boot menu". */
  readonly bootMenu?: boolean;
  /** Debug consoles (-debugcon, -device isa-debugcon). */
  readonly debugcons?: readonly DebugconSpec[];
  /** -vga TYPE: the display adapter (default std, as QEMU's pc machine). */
  readonly vga?: 'std' | 'none';
  /** -qmp and -monitor: the monitors to start (the -nographic mux monitor is not listed here). */
  readonly monitors?: readonly MonitorSpec[];
  /** -vnc: where the VNC server listens (absent: no VNC server, as with -vnc none). */
  readonly vnc?: VncOption;
}
