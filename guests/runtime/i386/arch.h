/* IA-32 (32-bit protected mode) layouts of the runtime: the trap frame isr.S pushes and the
 * 32-bit TSS (Intel SDM vol. 3, "32-bit task-state segment"). */
#ifndef RT_ARCH_H
#define RT_ARCH_H
#include <stdint.h>

/* Register frame pushed by isr.S (PUSHAD order) before calling rt_trap. SS:ESP are pushed by the
 * CPU only on a change to ring 0, i.e. for traps from ring 3. */
struct rt_frame {
  unsigned long di, si, bp, esp_pushad, bx, dx, cx, ax;
  unsigned long vector, error;
  unsigned long ip, cs, flags, sp, ss;
};

/* The interrupted stack pointer: from ring 3 the pushed ESP, from ring 0 just above the frame. */
static inline unsigned long rt_frame_sp(const struct rt_frame *f) {
  return (f->cs & 3) ? f->sp : (unsigned long)(uintptr_t)&f->sp;
}

/* 32-bit TSS followed by the I/O permission bitmap (65536 bits + the mandatory 0xff byte). */
struct rt_tss {
  uint16_t link, reserved0;
  uint32_t esp0;
  uint16_t ss0, reserved1;
  uint32_t esp1;
  uint16_t ss1, reserved2;
  uint32_t esp2;
  uint16_t ss2, reserved3;
  uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
  uint16_t es, r_es, cs, r_cs, ss, r_ss, ds, r_ds, fs, r_fs, gs, r_gs, ldt, r_ldt;
  uint16_t trap;
  uint16_t iomap_base;
  uint8_t iomap[8192 + 1];
} __attribute__((packed));
#endif
