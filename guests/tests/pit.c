/* pit: programs the 8254 PIT channel 0 at 1 kHz (divisor 1193, mode 2), remaps the 8259 PICs
 * to vectors 0x20-0x2f with only IRQ0 unmasked, routes the PIC through LAPIC LINT0 (ExtINT),
 * and counts 100 timer interrupts with STI/HLT in ring 0. Prints "pit: 100 ticks" and
 * "pit: elapsed C TSC cycles, M ms"; exits 0 (status 1) when M is within [50, 1000] ms,
 * else 1 (status 3). */
#include "rt.h"

#define TICKS 100
#define PIT_DIVISOR 1193 /* 1193182 Hz / 1193 = 1000.15 Hz */
#define LAPIC 0xfee00000ul

static volatile uint32_t ticks;

static void on_timer(int vector) {
  (void)vector;
  ticks++;
  outb(0x20, 0x20); /* non-specific EOI to the master PIC */
}

static void lapic_write(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(LAPIC + reg) = v; }
static uint32_t lapic_read(uint32_t reg) { return *(volatile uint32_t *)(LAPIC + reg); }

/* Ring 0: program the PICs and the PIT, then sleep until TICKS interrupts have arrived. */
static long count_ticks(long unused) {
  (void)unused;
  outb(0x20, 0x11); outb(0xa0, 0x11); /* ICW1: edge, cascade, ICW4 follows */
  outb(0x21, 0x20); outb(0xa1, 0x28); /* ICW2: vector bases */
  outb(0x21, 0x04); outb(0xa1, 0x02); /* ICW3: slave on IRQ2 */
  outb(0x21, 0x01); outb(0xa1, 0x01); /* ICW4: 8086 mode */
  outb(0x21, 0xfe); outb(0xa1, 0xff); /* unmask IRQ0 only */
  lapic_write(0xf0, lapic_read(0xf0) | 0x100); /* SVR: APIC software-enabled */
  lapic_write(0x350, 0x700);                   /* LVT LINT0: ExtINT, unmasked */
  lapic_write(0x360, 0x400);                   /* LVT LINT1: NMI */
  outb(0x43, 0x34);                            /* channel 0, lo/hi byte, mode 2 */
  outb(0x40, PIT_DIVISOR & 0xff);
  outb(0x40, PIT_DIVISOR >> 8);
  while (ticks < TICKS) __asm__ volatile("sti; hlt; cli" ::: "memory");
  outb(0x21, 0xff); /* mask the timer again */
  return 0;
}

int main(const char *cmdline) {
  (void)cmdline;
  uint64_t hz = rt_tsc_hz();
  rt_set_irq_handler(0x20, on_timer);
  uint64_t t0 = rt_rdtsc();
  rt_ring0_call(count_ticks, 0);
  uint64_t cycles = rt_rdtsc() - t0;
  uint64_t ms = cycles * 1000 / hz;
  rt_printf("pit: %u ticks\n", ticks);
  rt_printf("pit: elapsed %llu TSC cycles, %llu ms (TSC %llu kHz from %s)\n", (unsigned long long)cycles,
            (unsigned long long)ms, (unsigned long long)(hz / 1000), rt_tsc_source());
  return ticks == TICKS && ms >= 50 && ms <= 1000 ? RT_EXIT_OK : RT_EXIT_FAIL;
}
