/**
 * KVM ioctl request numbers for x86-64, computed from the _IO/_IOR/_IOW/_IOWR encoding of
 * linux/include/uapi/asm-generic/ioctl.h with KVMIO = 0xAE and the struct sizes of
 * linux/include/uapi/linux/kvm.h and arch/x86/include/uapi/asm/kvm.h.
 */
const KVMIO = 0xae;
const io = (nr: number): number => (KVMIO << 8) | nr;
const ioc = (dir: number, nr: number, size: number): number => (dir * 2 ** 30) + (size << 16) + (KVMIO << 8) + nr;
const ior = (nr: number, size: number): number => ioc(2, nr, size);
const iow = (nr: number, size: number): number => ioc(1, nr, size);
const iowr = (nr: number, size: number): number => ioc(3, nr, size);

/** Every ioctl tkvm issues, by the name used in the KVM API documentation. */
export const KVM = {
  GET_API_VERSION: io(0x00),
  CREATE_VM: io(0x01),
  GET_MSR_INDEX_LIST: iowr(0x02, 4),
  CHECK_EXTENSION: io(0x03),
  GET_VCPU_MMAP_SIZE: io(0x04),
  GET_SUPPORTED_CPUID: iowr(0x05, 8),
  CREATE_VCPU: io(0x41),
  SET_USER_MEMORY_REGION: iow(0x46, 32),
  SET_TSS_ADDR: io(0x47),
  SET_IDENTITY_MAP_ADDR: iow(0x48, 8),
  CREATE_IRQCHIP: io(0x60),
  IRQ_LINE: iow(0x61, 8),
  GET_IRQCHIP: iowr(0x62, 520),
  SET_IRQCHIP: ior(0x63, 520),
  SET_GSI_ROUTING: iow(0x6a, 8),
  IRQFD: iow(0x76, 32),
  CREATE_PIT2: iow(0x77, 64),
  IOEVENTFD: iow(0x79, 64),
  GET_PIT2: ior(0x9f, 112),
  SET_PIT2: iow(0xa0, 112),
  RUN: io(0x80),
  GET_REGS: ior(0x81, 144),
  SET_REGS: iow(0x82, 144),
  GET_SREGS: ior(0x83, 312),
  SET_SREGS: iow(0x84, 312),
  GET_MSRS: iowr(0x88, 8),
  SET_MSRS: iow(0x89, 8),
  GET_FPU: ior(0x8c, 416),
  SET_FPU: iow(0x8d, 416),
  GET_LAPIC: ior(0x8e, 1024),
  SET_LAPIC: iow(0x8f, 1024),
  SET_CPUID2: iow(0x90, 8),
  GET_MP_STATE: ior(0x98, 4),
  SET_MP_STATE: iow(0x99, 4),
} as const;

/** Names of the ioctls, for error messages. */
export const KVM_IOCTL_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(KVM).map(([k, v]) => [v, `KVM_${k}`]));

/** KVM_CHECK_EXTENSION capability numbers tkvm relies on. */
export const KVM_CAP = {
  IRQCHIP: 0,
  HLT: 1,
  USER_MEMORY: 3,
  SET_TSS_ADDR: 4,
  EXT_CPUID: 7,
  PIT2: 33,
  IRQFD: 32,
  IOEVENTFD: 36,
  IRQ_ROUTING: 25,
  IMMEDIATE_EXIT: 136,
  NR_VCPUS: 9,
  MAX_VCPUS: 66,
  READONLY_MEM: 81,
} as const;

/** Flags of struct kvm_userspace_memory_region (api.rst 4.35). */
export const KVM_MEM = {
  /** Track dirty pages for KVM_GET_DIRTY_LOG. */
  LOG_DIRTY_PAGES: 1 << 0,
  /** Guest writes do not reach the memory: they exit as KVM_EXIT_MMIO (ROM, write-protected shadow RAM). */
  READONLY: 1 << 1,
} as const;

/** The KVM API version every kernel since 2.6.22 reports. */
export const KVM_API_VERSION = 12;
