/* triplefault: prints "triplefault: loading an empty IDT and faulting", loads an IDT with
 * limit 0 in ring 0, then executes UD2 in ring 3: #UD cannot be delivered, nor #GP, nor #DF,
 * so the CPU shuts down. QEMU with -no-reboot then exits with status 0. If the guest survives
 * it prints "triplefault: survived" and exits 1 (status 3). */
#include "rt.h"

static long load_empty_idt(long unused) {
  (void)unused;
  static const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = { 0, 0 };
  __asm__ volatile("lidt %0" : : "m"(idtr));
  return 0; /* the return path (IRETQ) does not need the IDT */
}

int main(const char *cmdline) {
  (void)cmdline;
  rt_printf("triplefault: loading an empty IDT and faulting\n");
  rt_ring0_call(load_empty_idt, 0);
  __asm__ volatile("ud2");
  rt_printf("triplefault: survived\n");
  return RT_EXIT_FAIL;
}
