import { KVM, KVM_API_VERSION, KVM_CAP, KVM_IOCTL_NAMES } from './ioctls.js';
import { KvmError, KvmUnavailableError, kvmOpenError } from './errors.js';
import {
  EAGAIN, EINTR, MAP_FAILED, MAP_SHARED, O_CLOEXEC, O_RDWR, PROT_READ, PROT_WRITE,
  addressOf, errno, ioctlInt, pointerAt, ioctlPtr, sysClose, sysEventfd, sysMmap, sysOpen, viewOf, EFD_CLOEXEC,
} from './libc.js';
import {
  KVM_REGS_SIZE, KVM_SREGS_SIZE, cpuid2Buffer, decodeCpuid2, decodeMsrs, decodeRegs, decodeSregs,
  encodeCpuid2, encodeMsrs, encodeRegs, encodeSregs,
  type CpuidEntry, type KvmRegs, type KvmSregs,
} from '../abi/kvm-regs.js';

/** Default path of the KVM device. */
export const KVM_DEVICE = '/dev/kvm';

/** ioctl with an integer argument, retried when a signal (a vCPU kick) interrupts it. */
function ioI(fd: number, req: number, arg: number | bigint): number {
  for (let i = 0; ; i++) {
    const rc = ioctlInt(fd, req, arg);
    if (rc >= 0 || i >= 100 || errno() !== EINTR) return rc;
  }
}

/** ioctl with a struct argument, retried when a signal interrupts it. */
function ioP(fd: number, req: number, buf: Uint8Array): number {
  for (let i = 0; ; i++) {
    const rc = ioctlPtr(fd, req, buf);
    if (rc >= 0 || i >= 100 || errno() !== EINTR) return rc;
  }
}

function check(fd: number, req: number, rc: number, detail?: string): number {
  if (rc < 0) throw new KvmError(KVM_IOCTL_NAMES.get(req) ?? `ioctl ${req.toString(16)}`, errno(), detail);
  return rc;
}

/** The /dev/kvm system file descriptor: capabilities, supported CPUID, VM creation. */
export class Kvm {
  private constructor(readonly fd: number) {}

  /** Opens /dev/kvm; failures become one clear sentence (KvmUnavailableError). */
  static open(path = KVM_DEVICE): Kvm {
    const fd = sysOpen(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) throw kvmOpenError(path, errno());
    const version = ioI(fd, KVM.GET_API_VERSION, 0);
    if (version !== KVM_API_VERSION) {
      sysClose(fd);
      throw new KvmUnavailableError(`${path} speaks KVM API version ${version}, tkvm needs ${KVM_API_VERSION}: update the kernel`, 0);
    }
    return new Kvm(fd);
  }

  /** KVM_CHECK_EXTENSION: 0 when unsupported, otherwise a capability-specific value. */
  checkExtension(cap: number): number {
    return Math.max(0, ioI(this.fd, KVM.CHECK_EXTENSION, cap));
  }

  /** Size of the per-vCPU kvm_run mapping. */
  vcpuMmapSize(): number {
    return check(this.fd, KVM.GET_VCPU_MMAP_SIZE, ioI(this.fd, KVM.GET_VCPU_MMAP_SIZE, 0));
  }

  /** KVM_GET_SUPPORTED_CPUID: what this host and KVM can offer a guest. */
  supportedCpuid(): CpuidEntry[] {
    const buf = cpuid2Buffer(256);
    check(this.fd, KVM.GET_SUPPORTED_CPUID, ioP(this.fd, KVM.GET_SUPPORTED_CPUID, buf));
    return decodeCpuid2(buf);
  }

  /** The maximum number of vCPUs a VM may have here. */
  maxVcpus(): number {
    return this.checkExtension(KVM_CAP.MAX_VCPUS) || this.checkExtension(KVM_CAP.NR_VCPUS) || 4;
  }

  /** KVM_CREATE_VM with the default machine type. */
  createVm(): VmFd {
    const fd = check(this.fd, KVM.CREATE_VM, ioI(this.fd, KVM.CREATE_VM, 0));
    return new VmFd(fd, this);
  }

  close(): void {
    sysClose(this.fd);
  }
}

/** A VM file descriptor: memory slots, the in-kernel irqchip and PIT, IRQ lines, vCPUs. */
export class VmFd {
  constructor(readonly fd: number, readonly kvm: Kvm) {}

  /** KVM_SET_USER_MEMORY_REGION for one slot. */
  setMemoryRegion(slot: number, gpa: number, size: number, hostAddress: bigint, flags = 0): void {
    const buf = new Uint8Array(32);
    const dv = new DataView(buf.buffer);
    dv.setUint32(0, slot, true);
    dv.setUint32(4, flags, true);
    dv.setBigUint64(8, BigInt(gpa), true);
    dv.setBigUint64(16, BigInt(size), true);
    dv.setBigUint64(24, hostAddress, true);
    check(this.fd, KVM.SET_USER_MEMORY_REGION, ioP(this.fd, KVM.SET_USER_MEMORY_REGION, buf), `slot ${slot} gpa 0x${gpa.toString(16)} size 0x${size.toString(16)}`);
  }

  /** Removes a memory slot (KVM_SET_USER_MEMORY_REGION with size 0). */
  deleteMemoryRegion(slot: number): void {
    this.setMemoryRegion(slot, 0, 0, 0n, 0);
  }

  /** KVM_SET_TSS_ADDR: three pages Intel's VMX needs for real-mode emulation. */
  setTssAddr(addr: number): void {
    check(this.fd, KVM.SET_TSS_ADDR, ioI(this.fd, KVM.SET_TSS_ADDR, addr));
  }

  /** KVM_SET_IDENTITY_MAP_ADDR: one page for the EPT identity map on Intel. */
  setIdentityMapAddr(addr: number): void {
    const buf = new Uint8Array(8);
    new DataView(buf.buffer).setBigUint64(0, BigInt(addr), true);
    check(this.fd, KVM.SET_IDENTITY_MAP_ADDR, ioP(this.fd, KVM.SET_IDENTITY_MAP_ADDR, buf));
  }

  /** KVM_CREATE_IRQCHIP: PIC pair, IOAPIC and local APICs emulated in the kernel. */
  createIrqchip(): void {
    check(this.fd, KVM.CREATE_IRQCHIP, ioI(this.fd, KVM.CREATE_IRQCHIP, 0));
  }

  /** KVM_CREATE_PIT2: the 8254 in the kernel (flags 1 = dummy PC speaker port 0x61). */
  createPit2(flags = 0): void {
    const buf = new Uint8Array(64);
    new DataView(buf.buffer).setUint32(0, flags, true);
    check(this.fd, KVM.CREATE_PIT2, ioP(this.fd, KVM.CREATE_PIT2, buf));
  }

  /** Preallocated argument of KVM_IRQ_LINE: the IRQ path must not allocate. */
  private readonly irqBuf = new Uint8Array(8);
  private readonly irqView = new DataView(this.irqBuf.buffer);

  /** KVM_IRQ_LINE: drives a GSI of the in-kernel irqchip. */
  irqLine(gsi: number, level: boolean): void {
    this.irqView.setUint32(0, gsi, true);
    this.irqView.setUint32(4, level ? 1 : 0, true);
    check(this.fd, KVM.IRQ_LINE, ioP(this.fd, KVM.IRQ_LINE, this.irqBuf));
  }

  /** KVM_SET_GSI_ROUTING with irqchip routes: [gsi, chip (0 PIC master, 1 PIC slave, 2 IOAPIC), pin]. */
  setGsiRouting(routes: ReadonlyArray<readonly [number, number, number]>): void {
    const buf = new Uint8Array(8 + routes.length * 48);
    const dv = new DataView(buf.buffer);
    dv.setUint32(0, routes.length, true);
    routes.forEach(([gsi, chip, pin], i) => {
      const o = 8 + i * 48;
      dv.setUint32(o, gsi, true);
      dv.setUint32(o + 4, 1, true); // KVM_IRQ_ROUTING_IRQCHIP
      dv.setUint32(o + 16, chip, true);
      dv.setUint32(o + 20, pin, true);
    });
    check(this.fd, KVM.SET_GSI_ROUTING, ioP(this.fd, KVM.SET_GSI_ROUTING, buf));
  }

  /** KVM_IRQFD: a write to the returned eventfd raises `gsi` without leaving the kernel. */
  irqfd(gsi: number): number {
    const efd = sysEventfd(0, EFD_CLOEXEC);
    if (efd < 0) throw new KvmError('eventfd', errno());
    const buf = new Uint8Array(32);
    const dv = new DataView(buf.buffer);
    dv.setUint32(0, efd, true);
    dv.setUint32(4, gsi, true);
    check(this.fd, KVM.IRQFD, ioP(this.fd, KVM.IRQFD, buf));
    return efd;
  }

  /** KVM_IOEVENTFD: guest writes to `addr` signal the returned eventfd instead of exiting. */
  ioeventfd(addr: number, len: number, pio: boolean): number {
    const efd = sysEventfd(0, EFD_CLOEXEC);
    if (efd < 0) throw new KvmError('eventfd', errno());
    const buf = new Uint8Array(64);
    const dv = new DataView(buf.buffer);
    dv.setBigUint64(8, BigInt(addr), true);
    dv.setUint32(16, len, true);
    dv.setInt32(20, efd, true);
    dv.setUint32(24, pio ? 1 << 1 : 0, true); // KVM_IOEVENTFD_FLAG_PIO
    check(this.fd, KVM.IOEVENTFD, ioP(this.fd, KVM.IOEVENTFD, buf));
    return efd;
  }

  /** KVM_GET_IRQCHIP raw state (chip 0 PIC master, 1 slave, 2 IOAPIC): for save/restore. */
  getIrqchip(chip: number): Uint8Array {
    const buf = new Uint8Array(520);
    new DataView(buf.buffer).setUint32(0, chip, true);
    check(this.fd, KVM.GET_IRQCHIP, ioP(this.fd, KVM.GET_IRQCHIP, buf));
    return buf;
  }

  /** KVM_SET_IRQCHIP from a buffer returned by getIrqchip. */
  setIrqchip(state: Uint8Array): void {
    check(this.fd, KVM.SET_IRQCHIP, ioP(this.fd, KVM.SET_IRQCHIP, state));
  }

  /** KVM_GET_PIT2 raw state. */
  getPit2(): Uint8Array {
    const buf = new Uint8Array(112);
    check(this.fd, KVM.GET_PIT2, ioP(this.fd, KVM.GET_PIT2, buf));
    return buf;
  }

  /** KVM_SET_PIT2 from getPit2's buffer. */
  setPit2(state: Uint8Array): void {
    check(this.fd, KVM.SET_PIT2, ioP(this.fd, KVM.SET_PIT2, state));
  }

  /** KVM_CREATE_VCPU and maps its kvm_run page. */
  createVcpu(id: number): VcpuFd {
    const fd = check(this.fd, KVM.CREATE_VCPU, ioI(this.fd, KVM.CREATE_VCPU, id), `vCPU ${id}`);
    return VcpuFd.fromFd(fd, id, this.kvm.vcpuMmapSize());
  }

  close(): void {
    sysClose(this.fd);
  }
}

/** Maps a vCPU's kvm_run area; any thread of the process may map the same fd (used to kick). */
export function mapRunArea(vcpuFd: number, size: number): { view: DataView; bytes: Uint8Array; address: bigint } {
  const ptr = sysMmap(null, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpuFd, 0);
  if (addressOf(ptr) === MAP_FAILED) throw new KvmError('mmap(kvm_run)', errno());
  const ab = viewOf(ptr, size);
  return { view: new DataView(ab), bytes: new Uint8Array(ab), address: addressOf(ptr) };
}

/**
 * A view of a kvm_run area another thread of this process mapped, by address. Kickers use this
 * instead of mapping the vCPU fd themselves: the mapping stays valid (it is never unmapped) even
 * after the fd is closed, so a kick can never land on a reused file descriptor.
 */
export function runAreaAt(address: bigint, size: number): DataView {
  return new DataView(viewOf(pointerAt(address), size));
}

/** A vCPU file descriptor with its mapped kvm_run area and preallocated ioctl buffers. */
export class VcpuFd {
  private readonly regsBuf = new Uint8Array(KVM_REGS_SIZE);
  private readonly sregsBuf = new Uint8Array(KVM_SREGS_SIZE);

  private constructor(
    readonly fd: number,
    readonly id: number,
    readonly run: DataView,
    readonly runBytes: Uint8Array,
    readonly mmapSize: number,
    /** Address of the kvm_run mapping, for other threads to kick this vCPU (runAreaAt). */
    readonly runAddress: bigint,
  ) {}

  /** Wraps an existing vCPU fd (a worker thread receives the number). */
  static fromFd(fd: number, id: number, mmapSize: number): VcpuFd {
    const { view, bytes, address } = mapRunArea(fd, mmapSize);
    return new VcpuFd(fd, id, view, bytes, mmapSize, address);
  }

  /**
   * KVM_RUN. Returns false when it should simply be called again: interrupted by a signal or
   * immediate_exit (EINTR), or an AP woken from wait-for-SIPI (EAGAIN). Throws otherwise.
   */
  runOnce(): boolean {
    const rc = ioctlInt(this.fd, KVM.RUN, 0);
    if (rc === 0) return true;
    const e = errno();
    if (e === EINTR || e === EAGAIN) return false;
    throw new KvmError('KVM_RUN', e, `vCPU ${this.id}`);
  }

  getRegs(): KvmRegs {
    check(this.fd, KVM.GET_REGS, ioP(this.fd, KVM.GET_REGS, this.regsBuf));
    return decodeRegs(this.regsBuf);
  }
  setRegs(regs: KvmRegs): void {
    check(this.fd, KVM.SET_REGS, ioP(this.fd, KVM.SET_REGS, encodeRegs(regs)));
  }
  getSregs(): KvmSregs {
    check(this.fd, KVM.GET_SREGS, ioP(this.fd, KVM.GET_SREGS, this.sregsBuf));
    return decodeSregs(this.sregsBuf);
  }
  setSregs(sregs: KvmSregs): void {
    check(this.fd, KVM.SET_SREGS, ioP(this.fd, KVM.SET_SREGS, encodeSregs(sregs)));
  }
  setCpuid(entries: readonly CpuidEntry[]): void {
    check(this.fd, KVM.SET_CPUID2, ioP(this.fd, KVM.SET_CPUID2, encodeCpuid2(entries)));
  }
  /** KVM_SET_MSRS; returns how many were set (KVM stops at the first it rejects). */
  setMsrs(entries: ReadonlyArray<readonly [number, bigint]>): number {
    return check(this.fd, KVM.SET_MSRS, ioP(this.fd, KVM.SET_MSRS, encodeMsrs(entries)));
  }
  getMsrs(indices: readonly number[]): Array<[number, bigint]> {
    const buf = encodeMsrs(indices.map((i) => [i, 0n] as const));
    const n = check(this.fd, KVM.GET_MSRS, ioP(this.fd, KVM.GET_MSRS, buf));
    return decodeMsrs(buf).slice(0, n);
  }
  /** KVM_GET_FPU raw struct kvm_fpu. */
  getFpu(): Uint8Array {
    const buf = new Uint8Array(416);
    check(this.fd, KVM.GET_FPU, ioP(this.fd, KVM.GET_FPU, buf));
    return buf;
  }
  /** KVM_SET_FPU from a raw struct kvm_fpu. */
  setFpu(fpu: Uint8Array): void {
    check(this.fd, KVM.SET_FPU, ioP(this.fd, KVM.SET_FPU, fpu));
  }
  /** KVM_GET_LAPIC raw register page. */
  getLapic(): Uint8Array {
    const buf = new Uint8Array(1024);
    check(this.fd, KVM.GET_LAPIC, ioP(this.fd, KVM.GET_LAPIC, buf));
    return buf;
  }
  /** KVM_SET_LAPIC from a raw register page. */
  setLapic(state: Uint8Array): void {
    check(this.fd, KVM.SET_LAPIC, ioP(this.fd, KVM.SET_LAPIC, state));
  }
  /** KVM_GET_MP_STATE (0 runnable, 1 uninitialized, 2 init-received, 3 halted, 4 sipi-received). */
  getMpState(): number {
    const buf = new Uint8Array(4);
    check(this.fd, KVM.GET_MP_STATE, ioP(this.fd, KVM.GET_MP_STATE, buf));
    return new DataView(buf.buffer).getUint32(0, true);
  }
  /** KVM_SET_MP_STATE. */
  setMpState(state: number): void {
    const buf = new Uint8Array(4);
    new DataView(buf.buffer).setUint32(0, state, true);
    check(this.fd, KVM.SET_MP_STATE, ioP(this.fd, KVM.SET_MP_STATE, buf));
  }

  close(): void {
    sysClose(this.fd);
  }
}
