/**
 * Direct kernel boot on the software CPU: the entry state a boot path asks for (BootCpuState, the
 * same description KVM's vCPU gets) as the software CPU's architectural state.
 */
import type { BootCpuState, SegmentState } from '../boot/cpu-state.js';
import { TkvmError } from '../errors.js';
import type { EmuCpuState, EmuSegment } from '../accel/emu/contract.js';

/** EAX..EDI indices in EmuCpuState.gpr. */
const ESP = 4;
const EBX = 3;
const ESI = 6;

function segment(s: SegmentState): EmuSegment {
  return { selector: s.selector, base: s.base >>> 0, limit: s.limit >>> 0, type: s.type, s: s.s, dpl: s.dpl, present: s.present, db: s.db, g: s.g };
}

/**
 * `reset` with the boot path's registers on top (anything the boot path leaves out stays as after
 * RESET, except that general registers start at zero as on KVM). A 64-bit entry is refused: the
 * software CPU is IA-32 so far.
 */
export function emuBootState(reset: EmuCpuState, boot: BootCpuState): EmuCpuState {
  if (boot.cs.l || ((boot.efer ?? 0) & (1 << 8)) !== 0) {
    throw new TkvmError('unsupported', 'this kernel enters in 64-bit mode, and tkvm\'s software CPU runs IA-32 (32-bit) code only so far: boot a 32-bit kernel or use -accel kvm');
  }
  const gpr = [0, 0, 0, 0, 0, 0, 0, 0];
  gpr[ESP] = (boot.rsp ?? 0) >>> 0;
  gpr[EBX] = (boot.rbx ?? 0) >>> 0;
  gpr[ESI] = (boot.rsi ?? 0) >>> 0;
  const data = segment(boot.data);
  const protectedMode = (boot.cr0 & 1) !== 0;
  // A busy 32-bit TSS in TR when the boot path names none (what KVM's vCPU gets too).
  const tr = boot.tr !== undefined ? segment(boot.tr) : protectedMode ? { ...reset.tr, type: 11, s: false, present: true, limit: reset.tr.limit || 0x67 } : reset.tr;
  return {
    ...reset,
    gpr,
    eip: boot.rip >>> 0,
    eflags: (boot.rflags ?? 2) >>> 0,
    cs: segment(boot.cs),
    ds: { ...data },
    es: { ...data },
    fs: { ...data },
    gs: { ...data },
    ss: { ...data },
    tr,
    gdtr: boot.gdt !== undefined ? { base: boot.gdt.base >>> 0, limit: boot.gdt.limit } : reset.gdtr,
    idtr: boot.idt !== undefined ? { base: boot.idt.base >>> 0, limit: boot.idt.limit } : reset.idtr,
    cr0: boot.cr0 >>> 0,
    cr3: (boot.cr3 ?? 0) >>> 0,
    cr4: (boot.cr4 ?? 0) >>> 0,
    efer: (boot.efer ?? 0) >>> 0,
  };
}
