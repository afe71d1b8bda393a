/* What a benchmark workload needs from where it runs: the same source is built as a Linux
 * program (plat/native.c) and as a tkvm guest on the runtime (plat/guest.c). */
#ifndef PLAT_H
#define PLAT_H
#include <stddef.h>
#include <stdint.h>

/* printf subset both sides support: %d %u %x %s %c with l, width and '0'. */
void plat_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 64-byte aligned memory that is never freed; NULL when exhausted. */
void *plat_alloc(size_t bytes);
/* Monotonic time in nanoseconds (clock_gettime natively, rdtsc in the guest). */
uint64_t plat_nanos(void);
/* The numeric parameter name=N (guest command line; native argv, where a bare first argument
 * N also counts); def when absent. Exits with status/code 2 when malformed. */
uint64_t plat_param(const char *name, uint64_t def);
/* The workload itself; returns 0 on success, 1 on failure (the exit status / debug-exit code). */
int workload_main(void);
#endif
