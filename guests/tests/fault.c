/* fault: checks rt_ring0_call (prints "fault: ring0 call returned 1001"), then reads unmapped
 * memory from ring 3, so the runtime's exception handler prints "EXCEPTION: vector 14 #PF error
 * 0x4 ... cr2 0x100000000" and exits with RT_EXIT_EXCEPTION (status 127). The unmapped address is
 * 4 GiB in the x86_64 build; the i386 build, which cannot address it, reads 0xfffff000 in the
 * top 2 MiB its page tables leave out (cr2 0xfffff000). */
#include "rt.h"

/* Runs in ring 0: reading CR0 would #GP in ring 3. Returns x + CR0.PE (1). */
static long read_cr0_pe(long x) {
  unsigned long cr0;
  __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
  return x + (long)(cr0 & 1);
}

int main(const char *cmdline) {
  (void)cmdline;
  rt_printf("fault: ring0 call returned %ld\n", rt_ring0_call(read_cr0_pe, 1000));
#ifdef __x86_64__
  const uintptr_t unmapped = 0x100000000ul;
#else
  const uintptr_t unmapped = 0xfffff000u;
#endif
  rt_printf("fault: reading 0x%lx\n", (unsigned long)unmapped);
  volatile uint32_t *p = (volatile uint32_t *)unmapped;
  rt_printf("fault: read 0x%x (no fault!)\n", *p);
  return RT_EXIT_FAIL;
}
