/* TSC frequency: KVM's timing leaf 0x40000010, else CPUID 0x15 (crystal ratio), else a 50 ms
 * calibration against PIT channel 2 (ports 0x42/0x43/0x61, allowed in the TSS bitmap). */
#include "rt_internal.h"

static uint64_t tsc_hz;

static uint64_t from_cpuid(void) {
  uint32_t r[4];
  rt_cpuid(1, 0, r);
  if (r[2] & (1u << 31)) { /* hypervisor present */
    rt_cpuid(0x40000000, 0, r);
    if (r[1] == 0x4b4d564b && r[0] >= 0x40000010) { /* "KVMK" */
      rt_cpuid(0x40000010, 0, r);
      if (r[0]) return (uint64_t)r[0] * 1000;
    }
  }
  rt_cpuid(0, 0, r);
  if (r[0] >= 0x15) {
    rt_cpuid(0x15, 0, r);
    if (r[0] && r[1] && r[2]) return (uint64_t)r[2] * r[1] / r[0];
  }
  return 0;
}

static uint64_t from_pit(void) {
  const uint32_t pit_hz = 1193182, count = pit_hz / 20; /* 50 ms */
  outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
  outb(0x43, 0xb0);                                  /* channel 2, lo/hi, mode 0 */
  outb(0x42, (uint8_t)count);
  outb(0x42, (uint8_t)(count >> 8));
  uint64_t t0 = rt_rdtsc();
  uint64_t spins = 0;
  while (!(inb(0x61) & 0x20))
    if (++spins > 100000000) return 0; /* no PIT: give up */
  uint64_t t1 = rt_rdtsc();
  return (t1 - t0) * 20;
}

uint64_t rt_tsc_hz(void) {
  if (!tsc_hz) tsc_hz = from_cpuid();
  if (!tsc_hz) tsc_hz = from_pit();
  if (!tsc_hz) tsc_hz = 1000000000; /* last resort: assume 1 GHz rather than divide by zero */
  return tsc_hz;
}

void rt_udelay(uint64_t us) {
  uint64_t end = rt_rdtsc() + rt_tsc_hz() / 1000000 * us;
  while (rt_rdtsc() < end) __asm__ volatile("pause");
}
