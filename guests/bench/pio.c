/* pio: the port-I/O exit round trip. Writes count=N bytes (default 200000) to COM1's THR
 * (0x3f8) in a tight ring-3 loop, timed with rdtsc, so every write is one exit to the VMM and
 * back. Run it with COM1 on `-serial null` and COM2 on the console (`-serial null -serial
 * stdio`): the loop's bytes are dropped and the result goes to COM2 (0x2f8), one line:
 *   pio: N writes in T ns, P.ppp ns per write (TSC F kHz from SOURCE)
 * A warm-up of 1000 writes runs first. Exit code 0 (status 1); 2 (5) for a bad count. */
#include "rt.h"

#define COM1 0x3f8
#define COM2 0x2f8

static void com2_puts(const char *s) {
  for (; *s; s++) {
    if (*s == '\n') outb(COM2, '\r');
    outb(COM2, (uint8_t)*s);
  }
}

int main(const char *cmdline) {
  (void)cmdline;
  int ok;
  uint64_t n = rt_arg_u64("count", 200000, &ok);
  if (!ok || n == 0) {
    rt_printf("pio: bad count= (want a positive number)\n");
    return RT_EXIT_USAGE;
  }
  rt_io_allow(COM2, 8);
  uint64_t hz = rt_tsc_hz();
  for (int i = 0; i < 1000; i++) outb(COM1, 'w');
  uint64_t t0 = rt_rdtsc();
  for (uint64_t i = 0; i < n; i++) outb(COM1, 'x');
  uint64_t t1 = rt_rdtsc();
  uint64_t dt = t1 - t0;
  uint64_t ns = dt / hz * 1000000000u + dt % hz * 1000000000u / hz; /* dt * 1e9 / hz without 128-bit math */
  uint64_t ps_per = ns * 1000u / n;
  char line[160];
  rt_snprintf(line, sizeof(line), "\npio: %llu writes in %llu ns, %llu.%03llu ns per write (TSC %llu kHz from %s)\n",
              (unsigned long long)n, (unsigned long long)ns, (unsigned long long)(ps_per / 1000),
              (unsigned long long)(ps_per % 1000), (unsigned long long)(hz / 1000), rt_tsc_source());
  com2_puts(line);
  return RT_EXIT_OK;
}
