/* TSC frequency, best source first: KVM's timing leaf 0x40000010; CPUID 0x15 (crystal ratio,
 * or 0x16's base frequency when 0x15 lacks the crystal); kvmclock's TSC-to-nanoseconds scale
 * (KVM_FEATURE_CLOCKSOURCE2, read once in ring 0); else the median of three 20 ms measurements
 * against PIT channel 2. Call rt_tsc_hz from ring 3 first: kvmclock needs rt_ring0_call. */
#include "rt_internal.h"

static uint64_t tsc_hz;
static const char *tsc_source = "none";

/* pvclock_vcpu_time_info from Linux's Documentation/virt/kvm/x86/msr.rst. */
struct pvclock {
  uint32_t version, pad0;
  uint64_t tsc_timestamp, system_time;
  uint32_t tsc_to_system_mul;
  int8_t tsc_shift;
  uint8_t flags, pad[2];
};

static struct pvclock pvclock __attribute__((aligned(64)));

static uint64_t kvmclock_hz; /* read_kvmclock's result: a long is 32-bit in the i386 build */

static long read_kvmclock(long unused) {
  (void)unused;
  uint64_t pa = (uint64_t)(uintptr_t)&pvclock | 1;
  __asm__ volatile("wrmsr" : : "c"(0x4b564d01), "a"((uint32_t)pa), "d"((uint32_t)(pa >> 32)));
  uint32_t mul = pvclock.tsc_to_system_mul;
  int shift = pvclock.tsc_shift;
  __asm__ volatile("wrmsr" : : "c"(0x4b564d01), "a"(0), "d"(0)); /* stop the updates */
  if (!mul) return 0;
  /* ns = ((ticks << shift) * mul) >> 32, so hz = 1e9 * 2^32 / mul / 2^shift (1e9 * 2^32 < 2^64). */
  uint64_t hz = (1000000000ull << 32) / mul;
  kvmclock_hz = shift >= 0 ? hz >> shift : hz << -shift;
  return 0;
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
    if (r[0]) { tsc_source = "cpuid 0x40000010"; return (uint64_t)r[0] * 1000; }
  }
  rt_cpuid(0, 0, r);
  uint32_t max_leaf = r[0];
  if (max_leaf >= 0x15) {
    rt_cpuid(0x15, 0, r);
    if (r[0] && r[1] && r[2]) { tsc_source = "cpuid 0x15"; return (uint64_t)r[2] * r[1] / r[0]; }
    /* Ratio without the crystal frequency: like Linux, take the TSC as 0x16's base MHz. */
    uint32_t ratio = r[0] && r[1];
    if (ratio && max_leaf >= 0x16) {
      rt_cpuid(0x16, 0, r);
      if (r[0]) { tsc_source = "cpuid 0x16"; return (uint64_t)r[0] * 1000000; }
    }
  }
  return 0;
}

static uint64_t from_kvmclock(void) {
  uint32_t r[4], max;
  if (!kvm_leaves(&max) || max < 0x40000001) return 0;
  rt_cpuid(0x40000001, 0, r);
  if (!(r[0] & (1u << 3))) return 0; /* KVM_FEATURE_CLOCKSOURCE2 */
  tsc_source = "kvmclock";
  rt_ring0_call(read_kvmclock, 0);
  return kvmclock_hz;
}

static uint16_t pit2_count(void) {
  outb(0x43, 0x80); /* latch channel 2 */
  uint8_t lo = inb(0x42);
  return (uint16_t)(lo | inb(0x42) << 8);
}

/* Counts 20 ms of PIT ticks by reading channel 2's counter (latch command), so only the 8254
 * itself is needed, not the port 0x61 status bits (which KVM's in-kernel PIT leaves to the VMM). */
static uint64_t pit_once(void) {
  const uint32_t ticks = 1193182 / 50; /* 20 ms */
  outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
  outb(0x43, 0xb4);                                  /* channel 2, lo/hi, mode 2, binary */
  outb(0x42, 0xff);
  outb(0x42, 0xff);
  uint16_t prev = pit2_count();
  uint32_t elapsed = 0;
  uint64_t t0 = rt_rdtsc(), spins = 0;
  while (elapsed < ticks) {
    uint16_t now = pit2_count();
    elapsed += (uint16_t)(prev - now); /* counts down; mode 2 reloads at 1 */
    prev = now;
    if (++spins > 10000000) return 0; /* the counter does not move: no PIT */
  }
  uint64_t t1 = rt_rdtsc();
  return (t1 - t0) * 1193182 / elapsed;
}

static uint64_t from_pit(void) {
  uint64_t m[3];
  for (int i = 0; i < 3; i++) m[i] = pit_once();
  /* Median of three: a preemption between a PIT read and its TSC read skews one either way. */
  uint64_t lo = m[0] < m[1] ? m[0] : m[1], hi = m[0] < m[1] ? m[1] : m[0];
  return m[2] < lo ? lo : m[2] > hi ? hi : m[2];
}

uint64_t rt_tsc_hz(void) {
  char force[8] = "";
  rt_arg("rt.tsc", force, sizeof(force)); /* rt.tsc=pit skips the CPUID/kvmclock sources */
  int pit_only = !strncmp(force, "pit", 4);
  if (!tsc_hz && !pit_only) tsc_hz = from_cpuid();
  if (!tsc_hz && !pit_only) tsc_hz = from_kvmclock();
  if (!tsc_hz) { tsc_source = "PIT calibration"; tsc_hz = from_pit(); }
  if (!tsc_hz) { tsc_source = "guess (1 GHz)"; tsc_hz = 1000000000; } /* rather than divide by zero */
  return tsc_hz;
}

const char *rt_tsc_source(void) {
  rt_tsc_hz();
  return tsc_source;
}

void rt_udelay(uint64_t us) {
  uint64_t end = rt_rdtsc() + rt_tsc_hz() / 1000000 * us;
  while (rt_rdtsc() < end) __asm__ volatile("pause");
}
