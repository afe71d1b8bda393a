/* fault: checks rt_ring0_call (prints "fault: ring0 call returned 1001"), then reads unmapped memory at 4 GiB from ring 3, so the
 * runtime's exception handler prints "EXCEPTION: vector 14 #PF error 0x4 ... cr2 0x100000000"
 * and exits with RT_EXIT_EXCEPTION (status 127). */
#include "rt.h"

/* Runs in ring 0: reading CR0 would #GP in ring 3. Returns x + CR0.PE (1). */
static long read_cr0_pe(long x) {
  uint64_t cr0;
  __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
  return x + (long)(cr0 & 1);
}

int main(const char *cmdline) {
  (void)cmdline;
  rt_printf("fault: ring0 call returned %ld\n", rt_ring0_call(read_cr0_pe, 1000));
  rt_printf("fault: reading 0x100000000\n");
  volatile uint64_t *p = (volatile uint64_t *)0x100000000ull;
  rt_printf("fault: read 0x%lx (no fault!)\n", *p);
  return RT_EXIT_FAIL;
}
