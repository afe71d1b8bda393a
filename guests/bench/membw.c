/* membw: STREAM-like memory bandwidth (copy, scale, add, triad) over three arrays of mb=M MiB
 * each (default 64, far beyond the caches), best of passes=K (default 5). Prints one line per
 * kernel, "membw: <kernel> <MB/s> MB/s", counting bytes as STREAM does (copy/scale 16 bytes per
 * element, add/triad 24), then checks the arrays against the expected values: "membw: results
 * valid" and 0, or "membw: results WRONG" and 1. Same output natively and in the guest. */
#include "plat.h"

#define SCALAR 3.0

static const char *const names[4] = { "copy ", "scale", "add  ", "triad" };
static const unsigned bytes_per_elem[4] = { 16, 16, 24, 24 };

static int close_to(double v, double want) {
  double d = v - want;
  if (d < 0) d = -d;
  return d <= 1e-13 * (want < 0 ? -want : want);
}

int workload_main(void) {
  uint64_t mb = plat_param("mb", 64), passes = plat_param("passes", 5);
  if (mb < 1 || mb > 16384 || passes < 1 || passes > 1000) {
    plat_printf("membw: need 1 <= mb <= 16384 and 1 <= passes <= 1000\n");
    return 2;
  }
  size_t n = (size_t)(mb << 20) / sizeof(double);
  double *a = plat_alloc(n * sizeof(double)), *b = plat_alloc(n * sizeof(double)), *c = plat_alloc(n * sizeof(double));
  if (!a || !b || !c) {
    plat_printf("membw: out of memory for 3 x %lu MiB\n", (unsigned long)mb);
    return 1;
  }
  for (size_t i = 0; i < n; i++) { a[i] = 1.0; b[i] = 2.0; c[i] = 0.0; }
  uint64_t best[4] = { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX };
  for (uint64_t k = 0; k < passes; k++) {
    uint64_t t[5];
    t[0] = plat_nanos();
    for (size_t i = 0; i < n; i++) c[i] = a[i];
    t[1] = plat_nanos();
    for (size_t i = 0; i < n; i++) b[i] = SCALAR * c[i];
    t[2] = plat_nanos();
    for (size_t i = 0; i < n; i++) c[i] = a[i] + b[i];
    t[3] = plat_nanos();
    for (size_t i = 0; i < n; i++) a[i] = b[i] + SCALAR * c[i];
    t[4] = plat_nanos();
    for (int j = 0; j < 4; j++)
      if (t[j + 1] - t[j] < best[j]) best[j] = t[j + 1] - t[j];
  }
  plat_printf("membw: 3 arrays x %lu MiB, best of %lu passes\n", (unsigned long)mb, (unsigned long)passes);
  for (int j = 0; j < 4; j++) {
    uint64_t ns = best[j] ? best[j] : 1;
    uint64_t mbps = (uint64_t)n * bytes_per_elem[j] * 1000 / ns; /* bytes/ns*1000 = MB/s; n < 2^31, no overflow */
    plat_printf("membw: %s %lu MB/s\n", names[j], (unsigned long)mbps);
  }
  /* Replay the kernels on scalars to get the expected element values. */
  double ea = 1.0, eb = 2.0, ec = 0.0;
  for (uint64_t k = 0; k < passes; k++) { ec = ea; eb = SCALAR * ec; ec = ea + eb; ea = eb + SCALAR * ec; }
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) bad += !close_to(a[i], ea) || !close_to(b[i], eb) || !close_to(c[i], ec);
  plat_printf("membw: results %s\n", bad ? "WRONG" : "valid");
  return bad ? 1 : 0;
}
