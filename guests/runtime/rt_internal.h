/* Runtime-internal declarations shared between the runtime's C files and assembly. */
#ifndef RT_INTERNAL_H
#define RT_INTERNAL_H
#include "arch.h" /* x86_64/ or i386/, picked by the build's include path */
#include "rt.h"

#define RT_DEBUG_EXIT_PORT 0xf4
#define RT_COM1 0x3f8

extern uint8_t rt_gdt[];
extern uint32_t rt_start_info_pa;
extern char rt_isr_stub0[], rt_ring0_gate[], rt_kstack_top[], __kernel_end[];
extern struct rt_tss rt_tss;
/* Ring-0 setup before the drop to ring 3: IDT, TSS, I/O bitmap (setup.c). */
void rt_setup_ring0(void);
/* Loads the shared IDT on this CPU (BSP at boot, each AP). */
void rt_load_idt(void);
/* Points IDT entry vec at handler: a ring-0 interrupt gate (tables.c of each architecture). */
void rt_set_gate(int vec, void *handler);
/* Writes the TSS descriptor for rt_tss (ring-0 stack rt_kstack_top) and loads TR (tables.c). */
void rt_load_tss(void);
/* The first 8 bytes of an available-TSS descriptor (type 9, present, DPL 0, byte granular). */
static inline uint64_t rt_tss_descriptor(uint64_t base, uint64_t limit) {
  return (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
         (((base >> 24) & 0xff) << 56);
}
/* C entry of an AP once in its final mode (smp.c, called from ap.S). */
void rt_ap_start(int index);
/* Common handler of every vector (isr.S): IRQ dispatch, the ring-0 gate, fatal exceptions. */
void rt_trap(struct rt_frame *f);
/* First C code in ring 3: copies boot data, runs main, exits. */
void rt_user_start(void);
/* Collects allocatable RAM from the copied memmap (mem.c). */
void rt_memmap_init(void);
#endif
