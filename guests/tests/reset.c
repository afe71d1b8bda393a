/* reset: counts boots in CMOS NVRAM byte 0x50 (byte 0x51 holds the marker 0xa5 that says the
 * counter is valid; NVRAM survives a system reset). Boot 1 prints "reset: boot 1" and resets
 * through the i8042 (outb 0xfe to port 0x64); boot 2 prints "reset: boot 2", clears the marker
 * and exits 0 (status 1). Run it without -no-reboot. A failed reset exits 1 (status 3). */
#include "rt.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define COUNTER 0x50
#define MARKER 0x51
#define MAGIC 0xa5

static uint8_t cmos_read(uint8_t reg) { outb(CMOS_INDEX, reg); return inb(CMOS_DATA); }
static void cmos_write(uint8_t reg, uint8_t v) { outb(CMOS_INDEX, reg); outb(CMOS_DATA, v); }

int main(const char *cmdline) {
  (void)cmdline;
  uint8_t boot = cmos_read(MARKER) == MAGIC ? (uint8_t)(cmos_read(COUNTER) + 1) : 1;
  cmos_write(COUNTER, boot);
  cmos_write(MARKER, MAGIC);
  rt_printf("reset: boot %u\n", boot);
  if (boot >= 2) {
    cmos_write(MARKER, 0);
    return boot == 2 ? RT_EXIT_OK : RT_EXIT_FAIL;
  }
  rt_printf("reset: resetting through the keyboard controller\n");
  while (inb(0x64) & 0x02) {} /* input buffer full: wait */
  outb(0x64, 0xfe);
  rt_udelay(500000);
  rt_printf("reset: still running 0.5 s after the reset request\n");
  return RT_EXIT_FAIL;
}
