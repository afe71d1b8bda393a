/* 64-bit division for the i386 build: gcc compiles u64 / and % on IA-32 into calls to these
 * libgcc helpers, and the guests link without libgcc (no 32-bit multilib needed).
 * Divisors below 2^32 take two DIVs (long division by 32-bit digits); larger divisors leave a
 * quotient below 2^32, found by shift-and-subtract. */
#include <stdint.h>

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

/* (hi:lo) / d with hi < d, so the quotient fits in 32 bits (no #DE). */
static uint32_t div64_32(uint32_t hi, uint32_t lo, uint32_t d, uint32_t *r) {
  uint32_t q;
  __asm__("divl %4" : "=a"(q), "=d"(*r) : "a"(lo), "d"(hi), "rm"(d));
  return q;
}

/* Quotient of n / d; the remainder goes to *rem when rem is not NULL. Division by zero raises
 * #DE, as the hardware DIV would. */
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem) {
  uint32_t nh = (uint32_t)(n >> 32), nl = (uint32_t)n;
  uint64_t q, r;
  if (d >> 32 == 0) {
    uint32_t dd = (uint32_t)d, r1, r2;
    uint32_t qh = dd ? nh / dd : div64_32(0, nh, dd, &r1); /* dd == 0: DIV raises #DE */
    r1 = nh - qh * dd;
    uint32_t ql = div64_32(r1, nl, dd, &r2);
    q = (uint64_t)qh << 32 | ql;
    r = r2;
  } else {
    q = 0;
    r = n;
    int shift = __builtin_clzll(d) - __builtin_clzll(n | 1);
    for (; shift >= 0; shift--) {
      uint64_t ds = d << shift;
      if (r >= ds) { r -= ds; q |= 1ull << shift; }
    }
  }
  if (rem) *rem = r;
  return q;
}

/* Unsigned quotient. */
uint64_t __udivdi3(uint64_t n, uint64_t d) { return __udivmoddi4(n, d, 0); }

/* Unsigned remainder. */
uint64_t __umoddi3(uint64_t n, uint64_t d) {
  uint64_t r;
  __udivmoddi4(n, d, &r);
  return r;
}

/* Signed quotient, truncated toward zero like C. */
int64_t __divdi3(int64_t n, int64_t d) {
  uint64_t un = n < 0 ? -(uint64_t)n : (uint64_t)n, ud = d < 0 ? -(uint64_t)d : (uint64_t)d;
  uint64_t q = __udivmoddi4(un, ud, 0);
  return (int64_t)((n < 0) != (d < 0) ? -q : q);
}

/* Signed remainder, with the sign of the dividend like C. */
int64_t __moddi3(int64_t n, int64_t d) {
  uint64_t un = n < 0 ? -(uint64_t)n : (uint64_t)n, ud = d < 0 ? -(uint64_t)d : (uint64_t)d, r;
  __udivmoddi4(un, ud, &r);
  return (int64_t)(n < 0 ? -r : r);
}
