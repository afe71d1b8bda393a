/* Guest side of plat.h on the tkvm runtime: COM1, the memmap bump allocator, the TSC and the
 * kernel command line. */
#include "plat.h"
#include "rt.h"

void plat_printf(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  rt_vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  rt_puts(buf);
}

void *plat_alloc(size_t bytes) { return rt_alloc(bytes, 64); }

uint64_t plat_nanos(void) {
  uint64_t t = rt_rdtsc(), hz = rt_tsc_hz();
  return t / hz * 1000000000u + t % hz * 1000000000u / hz; /* t * 1e9 / hz without a 128-bit product (hz < 2^34) */
}

uint64_t plat_param(const char *name, uint64_t def) {
  int ok;
  uint64_t v = rt_arg_u64(name, def, &ok);
  if (!ok) {
    rt_printf("bad value for %s= on the command line\n", name);
    rt_exit(RT_EXIT_USAGE);
  }
  return v;
}

int main(const char *cmdline) {
  (void)cmdline;
  return workload_main();
}
