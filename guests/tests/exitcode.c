/* exitcode: exits with the debug-exit code given as code=N (0..127; status (N << 1) | 1). */
#include "rt.h"

int main(const char *cmdline) {
  (void)cmdline;
  int ok;
  uint64_t code = rt_arg_u64("code", 0, &ok);
  if (!ok || code > 127) {
    rt_printf("exitcode: bad code= argument\n");
    return RT_EXIT_USAGE;
  }
  rt_printf("exitcode: exiting with %u\n", (unsigned)code);
  return (int)code;
}
