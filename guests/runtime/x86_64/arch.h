/* x86-64 (long mode) layouts of the runtime: the trap frame isr.S pushes and the 64-bit TSS. */
#ifndef RT_ARCH_H
#define RT_ARCH_H
#include <stdint.h>

/* Register frame pushed by isr.S before calling rt_trap (registers as unsigned long). */
struct rt_frame {
  unsigned long r15, r14, r13, r12, r11, r10, r9, r8, bp, di, si, dx, cx, bx, ax;
  unsigned long vector, error;
  unsigned long ip, cs, flags, sp, ss;
};

/* The interrupted stack pointer: long mode always pushes SS:RSP. */
static inline unsigned long rt_frame_sp(const struct rt_frame *f) { return f->sp; }

/* 64-bit TSS followed by the I/O permission bitmap (65536 bits + the mandatory 0xff byte). */
struct rt_tss {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t iomap_base;
  uint8_t iomap[8192 + 1];
} __attribute__((packed));
#endif
