/* echo: prints "echo: ready", then reads COM1 by polling LSR.DR and echoes every byte
 * uppercased until it reads 'q'; prints "echo: bye" and exits 0 (status 1). */
#include "rt.h"

#define COM1 0x3f8
#define LSR_DR 0x01

int main(const char *cmdline) {
  (void)cmdline;
  rt_printf("echo: ready\n");
  for (;;) {
    while (!(inb(COM1 + 5) & LSR_DR)) __asm__ volatile("pause");
    char c = (char)inb(COM1);
    if (c == 'q') break;
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    rt_putc(c);
  }
  rt_printf("\necho: bye\n");
  return RT_EXIT_OK;
}
