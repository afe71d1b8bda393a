/* mmio: writes a pattern to the MMIO address mmio=A (8-byte aligned, below 4 GiB) with one
 * 1-, 2-, 4- and 8-byte MOV each (at A, A+2, A+4, A+8), reads each back with the same width and
 * prints "mmio: write8 0x5a read 0x.." etc., then "mmio: readback matches" or "... differs".
 * Exits 0 (status 1) either way (the device decides what reads return); 2 (status 5) when
 * the address is missing or unusable. */
#include "rt.h"

/* One 8-byte access: a MOV of a 64-bit register, or in the i386 build SSE2's MOVQ through XMM0
 * (the runtime enables SSE; code built with -mgeneral-regs-only never holds values in XMM0). */
static void write64(uint8_t *dst, const uint64_t *v) {
#ifdef __x86_64__
  __asm__ volatile("movq %1, %0" : "=m"(*(volatile uint64_t *)dst) : "r"(*v));
#else
  __asm__ volatile("movq %1, %%xmm0\n\tmovq %%xmm0, %0" : "=m"(*(volatile uint64_t *)dst) : "m"(*v));
#endif
}

static void read64(uint64_t *v, const uint8_t *src) {
#ifdef __x86_64__
  __asm__ volatile("movq %1, %0" : "=r"(*v) : "m"(*(const volatile uint64_t *)src));
#else
  __asm__ volatile("movq %1, %%xmm0\n\tmovq %%xmm0, %0" : "=m"(*v) : "m"(*(const volatile uint64_t *)src));
#endif
}

int main(const char *cmdline) {
  (void)cmdline;
  int ok;
  uint64_t a = rt_arg_u64("mmio", 0, &ok);
  if (!ok || !a || (a & 7) || a + 16 > (1ull << 32)) {
    rt_printf("mmio: need mmio=ADDR, 8-byte aligned, below 4 GiB\n");
    return RT_EXIT_USAGE;
  }
  uint8_t w8 = 0x5a, r8;
  uint16_t w16 = 0xa55a, r16;
  uint32_t w32 = 0x12345678, r32;
  uint64_t w64 = 0x0123456789abcdefull, r64;
  uint8_t *p = (uint8_t *)(uintptr_t)a;
  /* Explicit instructions, so each access has exactly the width under test. */
  __asm__ volatile("movb %1, %0" : "=m"(*(volatile uint8_t *)p) : "q"(w8));
  __asm__ volatile("movw %1, %0" : "=m"(*(volatile uint16_t *)(p + 2)) : "r"(w16));
  __asm__ volatile("movl %1, %0" : "=m"(*(volatile uint32_t *)(p + 4)) : "r"(w32));
  write64(p + 8, &w64);
  __asm__ volatile("movb %1, %0" : "=q"(r8) : "m"(*(volatile uint8_t *)p));
  __asm__ volatile("movw %1, %0" : "=r"(r16) : "m"(*(volatile uint16_t *)(p + 2)));
  __asm__ volatile("movl %1, %0" : "=r"(r32) : "m"(*(volatile uint32_t *)(p + 4)));
  read64(&r64, p + 8);
  rt_printf("mmio: base 0x%llx\n", (unsigned long long)a);
  rt_printf("mmio: write8 0x%02x read 0x%02x\n", w8, r8);
  rt_printf("mmio: write16 0x%04x read 0x%04x\n", w16, r16);
  rt_printf("mmio: write32 0x%08x read 0x%08x\n", w32, r32);
  rt_printf("mmio: write64 0x%016llx read 0x%016llx\n", (unsigned long long)w64, (unsigned long long)r64);
  int same = r8 == w8 && r16 == w16 && r32 == w32 && r64 == w64;
  rt_printf("mmio: readback %s\n", same ? "matches" : "differs");
  return RT_EXIT_OK;
}
