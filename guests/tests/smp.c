/* smp: the BSP prints "cpu <apic id> online", starts the APs with INIT-SIPI-SIPI (trampoline at
 * 0x8000); each AP reaches long mode and prints "cpu <apic id> online" under a spinlock. The BSP
 * waits until cpus=N CPUs (itself included, default 1) are online and prints "smp: N cpus",
 * exit 0 (status 1); after 10 s it prints "smp: timeout, K of N cpus online", exit 1 (status 3). */
#include "rt.h"

static volatile uint32_t lock, online;

static void spin_lock(void) {
  while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
    while (lock) __asm__ volatile("pause");
}
static void spin_unlock(void) { __atomic_store_n(&lock, 0, __ATOMIC_RELEASE); }

static void cpu_online(void) {
  spin_lock();
  rt_printf("cpu %u online\n", rt_lapic_id());
  online++;
  spin_unlock();
}

/* Ring 0, on each AP. */
static void ap_main(int index) {
  (void)index;
  cpu_online();
}

int main(const char *cmdline) {
  (void)cmdline;
  int ok;
  uint64_t want = rt_arg_u64("cpus", 1, &ok);
  if (!ok || want < 1 || want > 64) {
    rt_printf("smp: bad cpus= argument\n");
    return RT_EXIT_USAGE;
  }
  cpu_online();
  if (rt_start_aps(ap_main, 63, 0x8000)) {
    rt_printf("smp: cannot start APs\n");
    return RT_EXIT_FAIL;
  }
  uint64_t deadline = rt_rdtsc() + 10 * rt_tsc_hz();
  while (online < want && rt_rdtsc() < deadline) __asm__ volatile("pause");
  spin_lock();
  if (online >= want) rt_printf("smp: %u cpus\n", (unsigned)want);
  else rt_printf("smp: timeout, %u of %u cpus online\n", online, (unsigned)want);
  int done = online >= want;
  spin_unlock();
  return done ? RT_EXIT_OK : RT_EXIT_FAIL;
}
