/* TSC frequency, best source first: KVM's timing leaf 0x40000010; CPUID 0x15 (crystal ratio);
 * kvmclock's TSC-to-nanoseconds scale (KVM_FEATURE_CLOCKSOURCE2, read once in ring 0); else the
 * fastest of three 20 ms measurements against PIT channel 2 (a preempted vCPU only ever makes
 * a measurement longer). Call rt_tsc_hz from ring 3 first: kvmclock needs rt_ring0_call. */
#include "rt_internal.h"

static uint64_t tsc_hz;

/* pvclock_vcpu_time_info from Linux's Documentation/virt/kvm/x86/msr.rst. */
struct pvclock {
  uint32_t version, pad0;
  uint64_t tsc_timestamp, system_time;
  uint32_t tsc_to_system_mul;
  int8_t tsc_shift;
  uint8_t flags, pad[2];
};

static struct pvclock pvclock __attribute__((aligned(64)));

static long read_kvmclock(long unused) {
  (void)unused;
  uint64_t pa = (uint64_t)(uintptr_t)&pvclock | 1;
  __asm__ volatile("wrmsr" : : "c"(0x4b564d01), "a"((uint32_t)pa), "d"((uint32_t)(pa >> 32)));
  uint32_t mul = pvclock.tsc_to_system_mul;
  int shift = pvclock.tsc_shift;
  __asm__ volatile("wrmsr" : : "c"(0x4b564d01), "a"(0), "d"(0)); /* stop the updates */
  if (!mul) return 0;
  /* ns = ((ticks << shift) * mul) >> 32, so hz = 1e9 * 2^32 / mul / 2^shift. */
  uint64_t hz = (uint64_t)(((unsigned __int128)1000000000 << 32) / mul);
  return (long)(shift >= 0 ? hz >> shift : hz << -shift);
}

static int kvm_leaves(uint32_t *max) {
  uint32_t r[4];
  rt_cpuid(1, 0, r);
  if (!(r[2] & (1u << 31))) return 0; /* no hypervisor */
  rt_cpuid(0x40000000, 0, r);
  *max = r[0];
  return r[1] == 0x4b4d564b && r[2] == 0x564b4d56 && r[3] == 0x4d; /* "KVMKVMKVM\0\0\0" */
}

static uint64_t from_cpuid(void) {
  uint32_t r[4], max;
  if (kvm_leaves(&max) && max >= 0x40000010) {
    rt_cpuid(0x40000010, 0, r);
    if (r[0]) return (uint64_t)r[0] * 1000;
  }
  rt_cpuid(0, 0, r);
  if (r[0] >= 0x15) {
    rt_cpuid(0x15, 0, r);
    if (r[0] && r[1] && r[2]) return (uint64_t)r[2] * r[1] / r[0];
  }
  return 0;
}

static uint64_t from_kvmclock(void) {
  uint32_t r[4], max;
  if (!kvm_leaves(&max) || max < 0x40000001) return 0;
  rt_cpuid(0x40000001, 0, r);
  if (!(r[0] & (1u << 3))) return 0; /* KVM_FEATURE_CLOCKSOURCE2 */
  return (uint64_t)rt_ring0_call(read_kvmclock, 0);
}

static uint64_t pit_once(void) {
  const uint32_t pit_hz = 1193182, count = pit_hz / 50; /* 20 ms */
  outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
  outb(0x43, 0xb0);                                  /* channel 2, lo/hi, mode 0 */
  outb(0x42, (uint8_t)count);
  outb(0x42, (uint8_t)(count >> 8));
  uint64_t t0 = rt_rdtsc();
  uint64_t spins = 0;
  while (!(inb(0x61) & 0x20))
    if (++spins > 100000000) return 0; /* no PIT: give up */
  uint64_t t1 = rt_rdtsc();
  return (t1 - t0) * 50;
}

static uint64_t from_pit(void) {
  uint64_t best = 0;
  for (int i = 0; i < 3; i++) {
    uint64_t hz = pit_once();
    if (hz && (!best || hz < best)) best = hz;
  }
  return best;
}

uint64_t rt_tsc_hz(void) {
  if (!tsc_hz) tsc_hz = from_cpuid();
  if (!tsc_hz) tsc_hz = from_kvmclock();
  if (!tsc_hz) tsc_hz = from_pit();
  if (!tsc_hz) tsc_hz = 1000000000; /* last resort: assume 1 GHz rather than divide by zero */
  return tsc_hz;
}

void rt_udelay(uint64_t us) {
  uint64_t end = rt_rdtsc() + rt_tsc_hz() / 1000000 * us;
  while (rt_rdtsc() < end) __asm__ volatile("pause");
}
