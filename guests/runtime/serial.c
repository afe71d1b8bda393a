/* COM1 console: 115200 8N1, FIFOs on, interrupts off; output polls LSR.THRE. */
#include "rt_internal.h"

#define LSR_THRE 0x20

/* Programs the UART once at boot (from rt_user_start). */
void rt_serial_init(void) {
  outb(RT_COM1 + 1, 0x00); /* IER: no interrupts */
  outb(RT_COM1 + 3, 0x80); /* LCR: DLAB */
  outb(RT_COM1 + 0, 0x01); /* divisor 1: 115200 baud */
  outb(RT_COM1 + 1, 0x00);
  outb(RT_COM1 + 3, 0x03); /* 8N1 */
  outb(RT_COM1 + 2, 0x07); /* FCR: enable and clear FIFOs */
  outb(RT_COM1 + 4, 0x03); /* MCR: DTR | RTS */
}

static void raw_putc(char c) {
  while (!(inb(RT_COM1 + 5) & LSR_THRE)) {}
  outb(RT_COM1, (uint8_t)c);
}

void rt_putc(char c) {
  if (c == '\n') raw_putc('\r');
  raw_putc(c);
}

void rt_puts(const char *s) {
  while (*s) rt_putc(*s++);
}
