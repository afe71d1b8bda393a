/* Runtime-internal declarations shared between the runtime's C files and assembly. */
#ifndef RT_INTERNAL_H
#define RT_INTERNAL_H
#include "rt.h"

#define RT_DEBUG_EXIT_PORT 0xf4
#define RT_COM1 0x3f8

/* Register frame pushed by isr.S before calling rt_trap. */
struct rt_frame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector, error;
  uint64_t rip, cs, rflags, rsp, ss;
};

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

extern uint8_t rt_gdt[];
extern uint32_t rt_start_info_pa;
extern char rt_isr_stub0[], rt_ring0_gate[], rt_kstack_top[], __kernel_end[];
extern struct rt_tss rt_tss;
/* Ring-0 setup before the drop to ring 3: IDT, TSS, I/O bitmap (setup.c). */
void rt_setup_ring0(void);
/* Loads the shared IDT on this CPU (BSP at boot, each AP). */
void rt_load_idt(void);
/* C entry of an AP once in long mode (smp.c, called from ap.S). */
void rt_ap_start(int index);
/* Common handler of every vector (isr.S): IRQ dispatch, the ring-0 gate, fatal exceptions. */
void rt_trap(struct rt_frame *f);
/* First C code in ring 3: copies boot data, runs main, exits. */
void rt_user_start(void);
/* Collects allocatable RAM from the copied memmap (mem.c). */
void rt_memmap_init(void);
#endif
