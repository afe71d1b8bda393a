/* hello: the smallest guest. Prints a greeting and its command line, exits 0 (status 1). */
#include "rt.h"

int main(const char *cmdline) {
  rt_printf("Hello from a tkvm test guest\n");
  rt_printf("cmdline: %s\n", cmdline);
  return RT_EXIT_OK;
}
