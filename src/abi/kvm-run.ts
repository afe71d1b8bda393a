/**
 * Byte layout of `struct kvm_run` (linux/include/uapi/linux/kvm.h), the page shared with the
 * kernel through which every exit is described. Offsets are for x86-64.
 */
export const RUN = {
  REQUEST_INTERRUPT_WINDOW: 0,
  IMMEDIATE_EXIT: 1,
  EXIT_REASON: 8,
  READY_FOR_INTERRUPT_INJECTION: 12,
  IF_FLAG: 13,
  CR8: 16,
  APIC_BASE: 24,
  /** Start of the exit-information union. */
  EXIT: 32,
  IO_DIRECTION: 32,
  IO_SIZE: 33,
  IO_PORT: 34,
  IO_COUNT: 36,
  IO_DATA_OFFSET: 40,
  MMIO_PHYS_ADDR: 32,
  MMIO_DATA: 40,
  MMIO_LEN: 48,
  MMIO_IS_WRITE: 52,
  FAIL_ENTRY_REASON: 32,
  FAIL_ENTRY_CPU: 40,
  INTERNAL_SUBERROR: 32,
  INTERNAL_NDATA: 36,
  INTERNAL_DATA: 40,
  SYSTEM_EVENT_TYPE: 32,
  EXCEPTION_NR: 32,
  EXCEPTION_ERROR_CODE: 36,
} as const;

/** KVM_EXIT_* reasons. */
export const EXIT = {
  UNKNOWN: 0,
  EXCEPTION: 1,
  IO: 2,
  HYPERCALL: 3,
  DEBUG: 4,
  HLT: 5,
  MMIO: 6,
  IRQ_WINDOW_OPEN: 7,
  SHUTDOWN: 8,
  FAIL_ENTRY: 9,
  INTR: 10,
  SET_TPR: 11,
  TPR_ACCESS: 12,
  NMI: 16,
  INTERNAL_ERROR: 17,
  SYSTEM_EVENT: 24,
} as const;

/** KVM_EXIT_IO direction values. */
export const IO_IN = 0;
export const IO_OUT = 1;

/** KVM_SYSTEM_EVENT_* types. */
export const SYSTEM_EVENT = { SHUTDOWN: 1, RESET: 2, CRASH: 3 } as const;

/** Names of exit reasons for diagnostics. */
export const EXIT_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(EXIT).map(([k, v]) => [v, `KVM_EXIT_${k}`]));
