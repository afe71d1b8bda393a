/* 32-bit protected-mode descriptor tables of the runtime: 8-byte IDT gates and the 32-bit TSS
 * descriptor (Intel SDM vol. 3, "IDT descriptors", "TSS descriptor"). */
#include "rt_internal.h"
#include "segments.h"

struct idt_gate {
  uint16_t off_lo, sel;
  uint8_t zero, type;
  uint16_t off_hi;
} __attribute__((packed));

/* In .data, not .bss: ring 3 zeroes .bss after rt_setup_ring0 has filled this. */
static struct idt_gate idt[256] __attribute__((aligned(16), section(".data")));

void rt_set_gate(int vec, void *handler) { /* 32-bit interrupt gate, DPL 0, IF cleared on entry */
  uint32_t a = (uint32_t)(uintptr_t)handler;
  idt[vec] = (struct idt_gate){ .off_lo = (uint16_t)a, .sel = SEL_KCODE, .zero = 0, .type = 0x8e, .off_hi = (uint16_t)(a >> 16) };
}

void rt_load_idt(void) {
  struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
  __asm__ volatile("lidt %0" : : "m"(idtr));
}

void rt_load_tss(void) {
  uint64_t base = (uint32_t)(uintptr_t)&rt_tss, limit = sizeof(rt_tss) - 1;
  rt_tss.esp0 = (uint32_t)(uintptr_t)rt_kstack_top;
  rt_tss.ss0 = SEL_KDATA;
  uint64_t *d = (uint64_t *)(rt_gdt + SEL_TSS);
  d[0] = rt_tss_descriptor(base, limit);
  __asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS));
}
