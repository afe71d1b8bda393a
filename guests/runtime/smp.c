/* Starting the application processors (see ap.S) through the xAPIC at 0xfee00000. */
#include "rt_internal.h"

#define LAPIC 0xfee00000ul
#define ICR_LO 0x300
#define ICR_HI 0x310
#define ICR_BUSY (1u << 12)
#define ICR_ALL_BUT_SELF (3u << 18)
#define AP_STACK 16384

extern char rt_ap_tramp_start[], rt_ap_tramp_end[];
/* Shared with ap.S: next AP index, number of stacks, and their base. */
uint32_t rt_ap_next, rt_ap_max;
uint64_t rt_ap_stacks;
static void (*ap_fn)(int);

static void lapic_write(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(LAPIC + reg) = v; }
static uint32_t lapic_read(uint32_t reg) { return *(volatile uint32_t *)(LAPIC + reg); }

uint32_t rt_lapic_id(void) { return lapic_read(0x20) >> 24; }

static void send_ipi(uint32_t lo) {
  while (lapic_read(ICR_LO) & ICR_BUSY) __asm__ volatile("pause");
  lapic_write(ICR_HI, 0);
  lapic_write(ICR_LO, lo);
  while (lapic_read(ICR_LO) & ICR_BUSY) __asm__ volatile("pause");
}

/* Called by ap.S on each AP's own stack, in ring 0, with interrupts off. */
void rt_ap_start(int index) {
  rt_load_idt();
  ap_fn(index);
  for (;;) __asm__ volatile("cli; hlt");
}

int rt_start_aps(void (*fn)(int index), uint32_t max_aps, uint32_t tramp_page) {
  size_t len = (size_t)(rt_ap_tramp_end - rt_ap_tramp_start);
  if ((tramp_page & 0xfff) || tramp_page + len > 0x100000 || tramp_page < 0x1000) return -1;
  void *stacks = rt_alloc((size_t)max_aps * AP_STACK, 4096);
  if (!stacks) return -1;
  rt_ap_stacks = (uint64_t)(uintptr_t)stacks;
  rt_ap_max = max_aps;
  ap_fn = fn;
  memcpy((void *)(uintptr_t)tramp_page, rt_ap_tramp_start, len);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  /* The universal start-up algorithm (Intel SDM vol. 3, "MP initialization"). */
  send_ipi(ICR_ALL_BUT_SELF | 0x4500); /* INIT, level assert */
  rt_udelay(10000);
  for (int i = 0; i < 2; i++) {
    send_ipi(ICR_ALL_BUT_SELF | 0x4600 | (tramp_page >> 12)); /* STARTUP */
    rt_udelay(200);
  }
  return 0;
}
