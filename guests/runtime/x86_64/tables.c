/* Long-mode descriptor tables of the runtime: the 16-byte IDT gates and the 64-bit TSS descriptor. */
#include "rt_internal.h"
#include "segments.h"

struct idt_gate {
  uint16_t off_lo, sel;
  uint8_t ist, type;
  uint16_t off_mid;
  uint32_t off_hi, zero;
} __attribute__((packed));

/* In .data, not .bss: ring 3 zeroes .bss after rt_setup_ring0 has filled this. */
static struct idt_gate idt[256] __attribute__((aligned(16), section(".data")));

void rt_set_gate(int vec, void *handler) { /* interrupt gate, DPL 0, IF cleared on entry */
  uint64_t a = (uint64_t)handler;
  idt[vec] = (struct idt_gate){ .off_lo = (uint16_t)a, .sel = SEL_KCODE, .ist = 0, .type = 0x8e,
    .off_mid = (uint16_t)(a >> 16), .off_hi = (uint32_t)(a >> 32) };
}

void rt_load_idt(void) {
  struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
  __asm__ volatile("lidt %0" : : "m"(idtr));
}

void rt_load_tss(void) {
  uint64_t base = (uint64_t)&rt_tss, limit = sizeof(rt_tss) - 1;
  rt_tss.rsp[0] = (uint64_t)rt_kstack_top;
  uint64_t *d = (uint64_t *)(rt_gdt + SEL_TSS);
  d[0] = rt_tss_descriptor(base, limit);
  d[1] = base >> 32;
  __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
}
