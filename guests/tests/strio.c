/* strio: string port I/O. Writes a known 64-byte line to COM1 with one REP OUTSB, then reads
 * 32 words with REP INSW from port inport=P (default 0x2e0, unassigned in QEMU's pc machine, so
 * every word reads 0xffff) and prints their sum and xor. Exits 0 (status 1). */
#include "rt.h"

static const char line[] = "strio: 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS\r\n";
_Static_assert(sizeof(line) == 65, "the REP OUTSB line is 64 bytes");

int main(const char *cmdline) {
  (void)cmdline;
  int ok;
  uint64_t port = rt_arg_u64("inport", 0x2e0, &ok);
  if (!ok || port > 0xfffe) {
    rt_printf("strio: bad inport= argument\n");
    return RT_EXIT_USAGE;
  }
  const char *src = line;
  size_t n = sizeof(line) - 1;
  __asm__ volatile("rep outsb" : "+S"(src), "+c"(n) : "d"((uint16_t)0x3f8) : "memory");

  static uint16_t words[32];
  rt_io_allow((uint16_t)port, 2);
  uint16_t *dst = words;
  n = 32;
  __asm__ volatile("rep insw" : "+D"(dst), "+c"(n) : "d"((uint16_t)port) : "memory");
  uint32_t sum = 0, x = 0;
  for (int i = 0; i < 32; i++) { sum += words[i]; x ^= words[i]; }
  rt_printf("strio: insw 32 words from port 0x%x: sum 0x%x xor 0x%x first 0x%04x last 0x%04x\n", (unsigned)port, sum, x,
            words[0], words[31]);
  return RT_EXIT_OK;
}
