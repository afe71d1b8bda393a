import type { KvmSegment, KvmSregs } from '../../abi/kvm-regs.js';
import type { BootCpuState, SegmentState } from '../../boot/cpu-state.js';
import type { VcpuFd } from '../../kvm/kvm.js';

/** MSRs given defined values at boot, as QEMU and Firecracker do (Intel SDM vol. 4 numbering). */
export const BOOT_MSRS: ReadonlyArray<readonly [number, bigint]> = [
  [0x174, 0n], // IA32_SYSENTER_CS
  [0x175, 0n], // IA32_SYSENTER_ESP
  [0x176, 0n], // IA32_SYSENTER_EIP
  [0xc0000081, 0n], // STAR
  [0xc0000082, 0n], // LSTAR
  [0xc0000083, 0n], // CSTAR
  [0xc0000084, 0n], // SYSCALL_MASK
  [0xc0000102, 0n], // KERNEL_GS_BASE
  [0x10, 0n], // IA32_TSC
  [0x1a0, 1n], // IA32_MISC_ENABLE: fast strings
  [0x2ff, (1n << 11n) | 6n], // MTRRdefType: MTRRs enabled, default write-back
];

/** A register value as u64; 32-bit flag arithmetic in JS can yield negative numbers (1 | 1 << 31). */
function u64(value: number): bigint {
  return value < 0 ? BigInt(value >>> 0) : BigInt(value);
}

function toKvmSegment(s: SegmentState): KvmSegment {
  return {
    base: u64(s.base), limit: s.limit >>> 0, selector: s.selector, type: s.type,
    present: s.present ? 1 : 0, dpl: s.dpl, db: s.db ? 1 : 0, s: s.s ? 1 : 0, l: s.l ? 1 : 0, g: s.g ? 1 : 0,
    avl: 0, unusable: s.present ? 0 : 1,
  };
}

/** Loads a boot path's requested entry state into a vCPU (sregs, then regs). */
export function applyBootState(vcpu: VcpuFd, state: BootCpuState): void {
  const sregs: KvmSregs = vcpu.getSregs();
  sregs.cs = toKvmSegment(state.cs);
  const data = toKvmSegment(state.data);
  sregs.ds = { ...data };
  sregs.es = { ...data };
  sregs.fs = { ...data };
  sregs.gs = { ...data };
  sregs.ss = { ...data };
  if (state.gdt) sregs.gdt = { base: BigInt(state.gdt.base), limit: state.gdt.limit };
  if (state.idt) sregs.idt = { base: BigInt(state.idt.base), limit: state.idt.limit };
  sregs.cr0 = u64(state.cr0);
  sregs.cr3 = u64(state.cr3 ?? 0);
  sregs.cr4 = u64(state.cr4 ?? 0);
  sregs.efer = u64(state.efer ?? 0);
  // A busy 32/64-bit TSS in TR keeps VMX's guest-state checks happy in protected and long mode.
  if (state.tr) sregs.tr = toKvmSegment(state.tr);
  else if (state.cr0 & 1) sregs.tr = { ...sregs.tr, type: 11, present: 1, s: 0, unusable: 0, limit: sregs.tr.limit || 0x67 };
  vcpu.setSregs(sregs);
  const regs = vcpu.getRegs();
  for (const k of Object.keys(regs) as Array<keyof typeof regs>) regs[k] = 0n;
  regs.rip = u64(state.rip);
  regs.rsp = u64(state.rsp ?? 0);
  regs.rsi = u64(state.rsi ?? 0);
  regs.rbx = u64(state.rbx ?? 0);
  regs.rflags = u64(state.rflags ?? 2);
  vcpu.setRegs(regs);
}

/** Puts a vCPU into its architectural reset state at the reset vector (F000:FFF0). */
export function applyResetState(vcpu: VcpuFd): void {
  const sregs = vcpu.getSregs();
  const seg = (selector: number, base: number, type: number): KvmSegment => ({
    base: BigInt(base), limit: 0xffff, selector, type, present: 1, dpl: 0, db: 0, s: 1, l: 0, g: 0, avl: 0, unusable: 0,
  });
  sregs.cs = seg(0xf000, 0xffff0000, 0xb);
  for (const k of ['ds', 'es', 'fs', 'gs', 'ss'] as const) sregs[k] = seg(0, 0, 3);
  sregs.gdt = { base: 0n, limit: 0xffff };
  sregs.idt = { base: 0n, limit: 0xffff };
  sregs.cr0 = 0x60000010n;
  sregs.cr2 = 0n;
  sregs.cr3 = 0n;
  sregs.cr4 = 0n;
  sregs.efer = 0n;
  vcpu.setSregs(sregs);
  const regs = vcpu.getRegs();
  for (const k of Object.keys(regs) as Array<keyof typeof regs>) regs[k] = 0n;
  regs.rip = 0xfff0n;
  regs.rflags = 2n;
  regs.rdx = 0x600n; // processor signature after reset
  vcpu.setRegs(regs);
}

/** Formats a vCPU's registers for fatal-exit reports (internal error, failed entry, triple fault). */
export function describeVcpu(vcpu: VcpuFd): string {
  try {
    const r = vcpu.getRegs();
    const s = vcpu.getSregs();
    const h = (v: bigint): string => v.toString(16).padStart(16, '0');
    const seg = (n: string, x: KvmSegment): string => `${n}=${x.selector.toString(16).padStart(4, '0')} ${h(x.base)} ${x.limit.toString(16).padStart(8, '0')} type=${x.type} dpl=${x.dpl} l=${x.l} db=${x.db}`;
    return [
      `RAX=${h(r.rax)} RBX=${h(r.rbx)} RCX=${h(r.rcx)} RDX=${h(r.rdx)}`,
      `RSI=${h(r.rsi)} RDI=${h(r.rdi)} RBP=${h(r.rbp)} RSP=${h(r.rsp)}`,
      `R8 =${h(r.r8)} R9 =${h(r.r9)} R10=${h(r.r10)} R11=${h(r.r11)}`,
      `R12=${h(r.r12)} R13=${h(r.r13)} R14=${h(r.r14)} R15=${h(r.r15)}`,
      `RIP=${h(r.rip)} RFL=${r.rflags.toString(16).padStart(8, '0')}`,
      seg('CS ', s.cs), seg('SS ', s.ss), seg('DS ', s.ds),
      `GDT=${h(s.gdt.base)} ${s.gdt.limit.toString(16)} IDT=${h(s.idt.base)} ${s.idt.limit.toString(16)}`,
      `CR0=${s.cr0.toString(16)} CR2=${h(s.cr2)} CR3=${h(s.cr3)} CR4=${s.cr4.toString(16)} EFER=${s.efer.toString(16)}`,
    ].join('\n');
  } catch (err) {
    return `(registers unavailable: ${(err as Error).message})`;
  }
}
