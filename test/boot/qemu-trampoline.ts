/**
 * Lets QEMU (TCG) start a kernel from a guest-memory image that tkvm's direct boot wrote, in the
 * exact vCPU state tkvm asked for, so the loader can be checked with a real kernel on machines
 * whose /dev/kvm is too slow to boot one. QEMU gets a 64 KiB "BIOS": the F-segment as tkvm wrote
 * it (with the MP table) plus a trampoline that loads our GDTR, CR4, CR3, EFER and CR0 from the
 * BootCpuState, far-jumps to our code selector and sets the segments, RSI/ESI and RSP before
 * jumping to the entry point. Hand-assembled; byte comments give the instructions.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootCpuState } from '../../src/boot/cpu-state.js';
import type { GuestMemory } from '../../src/memory/guest-memory.js';

/** The reference QEMU (Debian qemu-system-x86). */
export const QEMU_BINARY = '/usr/bin/qemu-system-x86_64';

/** Physical address the 64 KiB image appears at below 1 MiB (the ROM alias). */
export const BIOS_BASE = 0xf_0000;
const GDTR_OFF = 0xffe0;
const CODE16_OFF = 0xff00;
const CODE_PM_OFF = 0xff80;

const le32 = (x: number): number[] => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff];

/**
 * Builds the 64 KiB BIOS image: `fseg` (guest RAM [0xf0000, 0x100000)) with the trampoline in
 * its last 256 bytes, which must be unused (zero) in `fseg`.
 */
export function trampolineBios(fseg: Uint8Array, cpu: BootCpuState): Uint8Array {
  if (fseg.length !== 0x1_0000) throw new Error('F-segment must be 64 KiB');
  if (fseg.subarray(CODE16_OFF).some((b) => b !== 0)) throw new Error('the F-segment top is in use; the trampoline cannot go there');
  if (cpu.gdt === undefined) throw new Error('BootCpuState without a GDT');
  const img = Uint8Array.from(fseg);
  // GDTR pseudo-descriptor: limit u16, base u32.
  img.set([cpu.gdt.limit & 0xff, cpu.gdt.limit >> 8, ...le32(cpu.gdt.base)], GDTR_OFF);
  const code16 = [
    0xfa, //                                 cli
    0x66, 0x2e, 0x0f, 0x01, 0x16, GDTR_OFF & 0xff, GDTR_OFF >> 8, // lgdt o32 cs:[GDTR_OFF]
    0x66, 0xb8, ...le32(cpu.cr4 ?? 0), //    mov eax, cr4 value
    0x0f, 0x22, 0xe0, //                     mov cr4, eax
    0x66, 0xb8, ...le32(cpu.cr3 ?? 0), //    mov eax, cr3 value
    0x0f, 0x22, 0xd8, //                     mov cr3, eax
    0x66, 0xb9, ...le32(0xc000_0080), //     mov ecx, MSR_EFER
    0x66, 0xb8, ...le32((cpu.efer ?? 0) & ~0x400), // mov eax, efer value without LMA (the CPU sets it)
    0x66, 0x31, 0xd2, //                     xor edx, edx
    0x0f, 0x30, //                           wrmsr
    0x66, 0xb8, ...le32(cpu.cr0), //         mov eax, cr0 value
    0x0f, 0x22, 0xc0, //                     mov cr0, eax
    0x66, 0xea, ...le32(BIOS_BASE + CODE_PM_OFF), cpu.cs.selector & 0xff, cpu.cs.selector >> 8, // jmp far cs:entry
  ];
  // 64-bit or 32-bit code: both encodings below mean the same in either mode.
  const sel = cpu.data.selector;
  const codePm = [
    0x66, 0xb8, sel & 0xff, sel >> 8, //     mov ax, data selector
    0x8e, 0xd8, 0x8e, 0xc0, 0x8e, 0xd0, 0x8e, 0xe0, 0x8e, 0xe8, // mov ds/es/ss/fs/gs, ax
    0xbe, ...le32(cpu.rsi ?? 0), //          mov esi, rsi value
    0xbb, ...le32(cpu.rbx ?? 0), //          mov ebx, rbx value
    0xbc, ...le32(cpu.rsp ?? 0), //          mov esp, rsp value
    0xb8, ...le32(cpu.rip), //               mov eax, entry point
    0xff, 0xe0, //                           jmp rax / jmp eax
  ];
  img.set(code16, CODE16_OFF);
  img.set(codePm, CODE_PM_OFF);
  img.set([0xea, CODE16_OFF & 0xff, CODE16_OFF >> 8, 0x00, 0xf0], 0xfff0); // reset: jmp far f000:CODE16_OFF
  return img;
}

/** What a QEMU run returned. */
export interface QemuRun {
  readonly serial: string;
  /** QEMU's exit status (isa-debug-exit makes it (value << 1) | 1); null when it timed out. */
  readonly status: number | null;
}

/**
 * Runs QEMU TCG on the RAM image tkvm's loader wrote: low memory [0, 0xa0000) and `loaded`
 * ranges as loader blobs, the F-segment plus trampoline as BIOS. Resolves when QEMU exits or
 * after `timeoutS`; the serial log is also written to `keep` for a person to read.
 */
export async function runInQemu(mem: GuestMemory, cpu: BootCpuState, loaded: ReadonlyArray<{ addr: number; size: number }>,
  o: { ramMiB: number; cpus: number; timeoutS: number; keep: string; extraArgs?: string[] }): Promise<QemuRun> {
  const dir = mkdtempSync(join(tmpdir(), 'tkvm-qemu-'));
  try {
    const serialPath = join(dir, 'serial.log');
    writeFileSync(join(dir, 'bios.bin'), trampolineBios(mem.read(BIOS_BASE, 0x1_0000), cpu));
    const args = ['-accel', 'tcg', '-machine', 'pc', '-m', String(o.ramMiB), '-smp', String(o.cpus), '-nodefaults',
      '-display', 'none', '-no-reboot', '-serial', `file:${serialPath}`, '-bios', join(dir, 'bios.bin'), ...(o.extraArgs ?? [])];
    const blobs = [{ addr: 0, size: 0xa_0000 }, ...loaded];
    blobs.forEach((b, i) => {
      writeFileSync(join(dir, `blob${i}`), mem.read(b.addr, b.size));
      args.push('-device', `loader,file=${join(dir, `blob${i}`)},addr=${b.addr},force-raw=on`);
    });
    const status = await new Promise<number | null>((resolve) => {
      execFile('timeout', [String(o.timeoutS), QEMU_BINARY, ...args], (err) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve(code === 124 ? null : code);
      });
    });
    const serial = existsSync(serialPath) ? readFileSync(serialPath, 'latin1') : '';
    writeFileSync(o.keep, serial);
    return { serial, status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
