/*
 * cpuid: prints the CPUID leaves a guest sees, one line per leaf/subleaf as
 * "cpuid LLLLLLLL.SS: eax ebx ecx edx" (hex), so the CPU models of tkvm and QEMU can be compared.
 * Basic leaves 0..max (subleaves 0 and 1 of 4, 7, 0xb and 0xd), the hypervisor leaves from
 * 0x40000000, the extended leaves from 0x80000000. Exits 0.
 * CPUID runs in ring 0 (rt_ring0_call): on a paravirtual nested KVM (kvm_pvm) ring-3 CPUID is not
 * intercepted and shows the host's own CPUID instead of the one the VMM set.
 */
#include "rt.h"

static unsigned regs[4], query[2]; /* leaf and subleaf for ring0_cpuid */

static long ring0_cpuid(long unused) {
  (void)unused;
  __asm__ volatile("cpuid" : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3]) : "a"(query[0]), "c"(query[1]));
  return 0;
}

static void cpuid(unsigned leaf, unsigned sub, unsigned r[4]) {
  query[0] = leaf;
  query[1] = sub;
  rt_ring0_call(ring0_cpuid, 0);
  for (int i = 0; i < 4; i++) r[i] = regs[i];
}

static void show(unsigned leaf, unsigned sub) {
  unsigned r[4];
  cpuid(leaf, sub, r);
  rt_printf("cpuid %08x.%02x: %08x %08x %08x %08x\n", leaf, sub, r[0], r[1], r[2], r[3]);
}

static void range(unsigned base, unsigned cap) {
  unsigned r[4];
  cpuid(base, 0, r);
  unsigned max = r[0];
  if (max < base || max > base + cap) max = base;
  for (unsigned leaf = base; leaf <= max; leaf++) {
    int subleaves = (leaf == 4 || leaf == 7 || leaf == 0xb || leaf == 0xd) ? 2 : 1;
    for (int sub = 0; sub < subleaves; sub++) show(leaf, (unsigned)sub);
  }
}

int main(const char *cmdline) {
  (void)cmdline;
  range(0, 0x20);
  range(0x40000000, 0x10);
  range(0x80000000, 0x20);
  rt_printf("cpuid: done\n");
  return RT_EXIT_OK;
}
