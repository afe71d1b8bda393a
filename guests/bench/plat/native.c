/* Linux side of plat.h: stdio, aligned_alloc, CLOCK_MONOTONIC, argv. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "plat.h"

static int g_argc;
static char **g_argv;

void plat_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);
}

void *plat_alloc(size_t bytes) { return aligned_alloc(64, (bytes + 63) & ~(size_t)63); }

uint64_t plat_nanos(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t parse(const char *name, const char *v) {
  char *end;
  unsigned long long r = strtoull(v, &end, 0);
  if (!*v || *end) {
    fprintf(stderr, "bad value for %s: '%s'\n", name, v);
    exit(2);
  }
  return r;
}

uint64_t plat_param(const char *name, uint64_t def) {
  size_t n = strlen(name);
  for (int i = 1; i < g_argc; i++) {
    if (!strncmp(g_argv[i], name, n) && g_argv[i][n] == '=') return parse(name, g_argv[i] + n + 1);
    if (i == 1 && g_argv[i][0] >= '0' && g_argv[i][0] <= '9') return parse(name, g_argv[i]);
  }
  return def;
}

int main(int argc, char **argv) {
  g_argc = argc;
  g_argv = argv;
  return workload_main();
}
