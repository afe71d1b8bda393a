/* pi: computes pi to N decimal digits (native: argv N or digits=N; guest: digits=N; default
 * DEFAULT_DIGITS) with the Gauss-Legendre AGM, like Super PI, on fixed-point numbers in base
 * 10^4 whose products use a number-theoretic transform modulo the prime 2^64 - 2^32 + 1.
 * Prints the last 10 digits, an FNV-1a 64-bit hash of all N digits after the point, "pi: OK" or
 * "pi: WRONG" against the reference table (or "pi: UNCHECKED" for other N), and the time.
 * Returns 0 when correct or unchecked, 1 when wrong or out of memory. */
#include "plat.h"

#define DEFAULT_DIGITS 1000000
#define BASE 10000u
#define BASE_DIGITS 4
#define GUARD_LIMBS 10

typedef uint64_t u64;
typedef uint32_t u32;

/* Reference values from guests/bench/pi_reference.py: two independent computations (decimal's
 * AGM on libmpdec and mpmath's Chudnovsky series) agreed on each entry. */
static const struct { u64 digits; const char *last10; u64 fnv; } known[] = {
  {1000, "2164201989", 0x511d37c4f954c20full},
  {10000, "5256375678", 0xec7b9ca0dd41a929ull},
  {100000, "5493624646", 0x787173ef15c2f208ull},
  {1000000, "5779458151", 0xce04279c6807286bull},
};

/* ---- arithmetic modulo P = 2^64 - 2^32 + 1, all values kept in [0, P) ---- */
#define P 0xffffffff00000001ull
#define EPS 0xffffffffull /* 2^64 mod P */

/* hi:lo mod P. Branch-free (the borrows and carries are data-dependent and would mispredict). */
static inline u64 reduce128(u64 hi, u64 lo) {
  u64 hh = hi >> 32, hl = hi & EPS;
  u64 t0 = lo - hh;
  t0 -= EPS & -(u64)(lo < hh); /* 2^96 = -1 (mod P); a borrow adds 2^64 = EPS */
  u64 t1 = hl * EPS, r = t0 + t1;
  r += EPS & -(u64)(r < t1);   /* a carry drops 2^64 = EPS */
  return r - (P & -(u64)(r >= P));
}
#ifdef __SIZEOF_INT128__
static inline u64 mulmod(u64 a, u64 b) {
  unsigned __int128 x = (unsigned __int128)a * b;
  return reduce128((u64)(x >> 64), (u64)x);
}
#else
/* 32-bit targets (the i386 guest build): the 128-bit product from four 32x32-bit products. */
static inline u64 mulmod(u64 a, u64 b) {
  u64 al = (u32)a, ah = a >> 32, bl = (u32)b, bh = b >> 32;
  u64 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  u64 mid = (ll >> 32) + (u32)lh + (u32)hl; /* < 3 * 2^32 */
  return reduce128(hh + (lh >> 32) + (hl >> 32) + (mid >> 32), (mid << 32) | (u32)ll);
}
#endif
static inline u64 addmod(u64 a, u64 b) {
  u64 s = a + b;
  return s - (P & -(u64)((s < a) | (s >= P)));
}
static inline u64 submod(u64 a, u64 b) { return a - b + (P & -(u64)(a < b)); }
static u64 powmod(u64 a, u64 e) {
  u64 r = 1;
  for (; e; e >>= 1, a = mulmod(a, a))
    if (e & 1) r = mulmod(r, a);
  return r;
}

/* ---- NTT: decimation in frequency forward (natural -> bit-reversed order), decimation in time
 * inverse (bit-reversed -> natural), so no permutation pass is needed for convolutions. ---- */
/* Twiddles laid out per stage: rt[len + j] = w^j for the primitive (2 len)-th root of unity w,
 * j < len, so every stage reads them contiguously; irt holds the inverses. */
static u64 *rt, *irt, *fa, *fb;

static int ntt_init(size_t max) {
  rt = plat_alloc(max * 8);
  irt = plat_alloc(max * 8);
  fa = plat_alloc(max * 8);
  fb = plat_alloc(max * 8);
  if (!rt || !irt || !fa || !fb) return -1;
  for (size_t len = 1; len < max; len *= 2) {
    u64 w = powmod(7, (P - 1) / (2 * len)), wi = powmod(w, P - 2); /* 7 generates the group mod P */
    rt[len] = irt[len] = 1;
    for (size_t j = 1; j < len; j++) {
      rt[len + j] = mulmod(rt[len + j - 1], w);
      irt[len + j] = mulmod(irt[len + j - 1], wi);
    }
  }
  return 0;
}

static void ntt_forward(u64 *restrict a, size_t n) {
  for (size_t len = n / 2; len >= 1; len /= 2) {
    const u64 *restrict w = rt + len;
    for (size_t i = 0; i < n; i += 2 * len) {
      u64 *restrict x = a + i, *restrict y = a + i + len;
      for (size_t j = 0; j < len; j++) {
        u64 u = x[j], v = y[j];
        x[j] = addmod(u, v);
        y[j] = mulmod(submod(u, v), w[j]);
      }
    }
  }
}

static void ntt_inverse(u64 *restrict a, size_t n) {
  for (size_t len = 1; len < n; len *= 2) {
    const u64 *restrict w = irt + len;
    for (size_t i = 0; i < n; i += 2 * len) {
      u64 *restrict x = a + i, *restrict y = a + i + len;
      for (size_t j = 0; j < len; j++) {
        u64 u = x[j], v = mulmod(y[j], w[j]);
        x[j] = addmod(u, v);
        y[j] = submod(u, v);
      }
    }
  }
}

/* ---- fixed-point numbers: x[0] is the integer part, x[i] the i-th base-10^4 fraction limb;
 * every operation works on the first n limbs and truncates. ---- */

/* dst = a * b truncated to n limbs, reading na limbs of a and nb of b (the rest count as zero);
 * dst may alias a or b; a == b with na == nb squares with one transform. */
static void fmulx(u32 *dst, const u32 *a, size_t na, const u32 *b, size_t nb, size_t n) {
  size_t m = 1, len = na + nb - 1; /* product coefficients */
  while (m < len) m *= 2;
  for (size_t i = 0; i < na; i++) fa[i] = a[i];
  for (size_t i = na; i < m; i++) fa[i] = 0;
  ntt_forward(fa, m);
  if (a == b && na == nb) {
    for (size_t i = 0; i < m; i++) fa[i] = mulmod(fa[i], fa[i]);
  } else {
    for (size_t i = 0; i < nb; i++) fb[i] = b[i];
    for (size_t i = nb; i < m; i++) fb[i] = 0;
    ntt_forward(fb, m);
    for (size_t i = 0; i < m; i++) fa[i] = mulmod(fa[i], fb[i]);
  }
  ntt_inverse(fa, m);
  u64 minv = powmod(m, P - 2), carry = 0;
  /* Coefficient k weighs BASE^-k and is below min(na, nb) * BASE^2 < P: exact. */
  for (size_t k = len; k-- > 0;) {
    u64 v = mulmod(fa[k], minv) + carry;
    carry = v / BASE;
    if (k < n) dst[k] = (u32)(v % BASE);
  }
  for (size_t k = len; k < n; k++) dst[k] = 0;
}

static void fmul(u32 *dst, const u32 *a, const u32 *b, size_t n) { fmulx(dst, a, n, b, n, n); }

static void fset(u32 *x, u32 integer, size_t n) {
  x[0] = integer;
  for (size_t i = 1; i < n; i++) x[i] = 0;
}

static void fcopy(u32 *d, const u32 *s, size_t n) {
  for (size_t i = 0; i < n; i++) d[i] = s[i];
}

static void fadd(u32 *d, const u32 *a, const u32 *b, size_t n) {
  u32 c = 0;
  for (size_t i = n; i-- > 0;) {
    u32 v = a[i] + b[i] + c;
    c = v >= BASE;
    d[i] = c ? v - BASE : v;
  }
}

/* d = a - b, requires a >= b. */
static void fsub(u32 *d, const u32 *a, const u32 *b, size_t n) {
  u32 borrow = 0;
  for (size_t i = n; i-- > 0;) {
    u32 s = b[i] + borrow;
    borrow = a[i] < s;
    d[i] = borrow ? a[i] + BASE - s : a[i] - s;
  }
}

static int fcmp(const u32 *a, const u32 *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/* d = |a - b|. */
static void fabsdiff(u32 *d, const u32 *a, const u32 *b, size_t n) {
  if (fcmp(a, b, n) >= 0) fsub(d, a, b, n);
  else fsub(d, b, a, n);
}

static void fhalf(u32 *d, const u32 *a, size_t n) {
  u32 r = 0;
  for (size_t i = 0; i < n; i++) {
    u32 v = a[i] + r * BASE;
    d[i] = v / 2;
    r = v % 2;
  }
}

/* d = a * f for a small factor f (f * BASE must fit comfortably in 64 bits). */
static void fmul_small(u32 *d, const u32 *a, u64 f, size_t n) {
  u64 c = 0;
  for (size_t i = n; i-- > 0;) {
    u64 v = a[i] * f + c;
    d[i] = (u32)(v % BASE);
    c = v / BASE;
  }
  d[0] += (u32)(c * BASE);
}

static int fzero(const u32 *a, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (a[i]) return 0;
  return 1;
}

static double fto_double(const u32 *a, size_t n) {
  double v = 0, s = 1;
  for (size_t i = 0; i < n && i < 5; i++, s /= BASE) v += a[i] * s;
  return v;
}

static void ffrom_double(u32 *x, double v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    double d = i < 4 ? (double)(u32)v : 0;
    x[i] = (u32)d;
    v = (v - d) * BASE;
  }
}

/* Newton precisions: L, L/2+1, ... down to the 3 limbs a double provides. */
static int schedule(size_t L, size_t *precs) {
  int k = 0;
  for (size_t p = L; p > 3; p = p / 2 + 1) precs[k++] = p;
  return k;
}

static u32 *t1, *t2; /* scratch for the Newton iterations */

/* r[0..p) += sign * (d shifted right by z limbs), d having p - z limbs. */
static void fadd_shifted(u32 *r, const u32 *d, size_t z, size_t p, int sign) {
  if (sign > 0) {
    u32 c = 0;
    for (size_t i = p; i-- > 0;) {
      u32 v = r[i] + (i >= z ? d[i - z] : 0) + c;
      c = v >= BASE;
      r[i] = c ? v - BASE : v;
      if (i < z && !c) break;
    }
  } else {
    u32 borrow = 0;
    for (size_t i = p; i-- > 0;) {
      u32 s = (i >= z ? d[i - z] : 0) + borrow;
      borrow = r[i] < s;
      r[i] = borrow ? r[i] + BASE - s : r[i] - s;
      if (i < z && !borrow) break;
    }
  }
}

/* One Newton correction r += sign * r * |e - 1| * scale, where e ~ 1 was computed to p limbs
 * and r is valid to h limbs: |e - 1| < BASE^-(h-2), so only its tail and h limbs of r enter
 * the product (about half the transform size of a full multiplication). */
static void newton_correct(u32 *r, size_t h, u32 *e, size_t p, int halve) {
  int above = e[0] >= 1;
  fset(t2, 1, p);
  if (above) fsub(e, e, t2, p); else fsub(e, t2, e, p);
  size_t z = 0;
  while (z < p && e[z] == 0) z++;
  if (z == p) return;
  if (z > 0) z--; /* keep one zero limb so a carry out of the product has room */
  fmulx(t2, e + z, p - z, r, h, p - z);
  if (halve) fhalf(t2, t2, p - z);
  fadd_shifted(r, t2, z, p, above ? -1 : 1);
}

/* r = 1 / sqrt(x): r += r * (1 - x r^2) / 2, doubling the precision each step. */
static void finvsqrt(u32 *r, const u32 *x, size_t L) {
  size_t precs[64];
  int k = schedule(L, precs);
  size_t h = 3;
  ffrom_double(r, 1 / __builtin_sqrt(fto_double(x, L)), L);
  for (size_t i = h; i < L; i++) r[i] = 0;
  while (k-- > 0) {
    size_t p = precs[k];
    fmulx(t1, r, h, r, h, p); /* r has h valid limbs, the rest are zero */
    fmul(t1, t1, x, p);
    newton_correct(r, h, t1, p, 1);
    h = p;
  }
}

/* r = 1 / x: r += r * (1 - x r). */
static void frecip(u32 *r, const u32 *x, size_t L) {
  size_t precs[64];
  int k = schedule(L, precs);
  size_t h = 3;
  ffrom_double(r, 1 / fto_double(x, L), L);
  for (size_t i = h; i < L; i++) r[i] = 0;
  while (k-- > 0) {
    size_t p = precs[k];
    fmulx(t1, x, p, r, h, p);
    newton_correct(r, h, t1, p, 0);
    h = p;
  }
}

static u64 fnv1a(u64 h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
  return h;
}

static int streq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

int workload_main(void) {
  u64 digits = plat_param("digits", DEFAULT_DIGITS);
  if (digits < 10 || digits > 100000000) {
    plat_printf("pi: digits must be between 10 and 100000000\n");
    return 2;
  }
  size_t L = (size_t)(digits + BASE_DIGITS - 1) / BASE_DIGITS + GUARD_LIMBS, m = 1;
  while (m < 2 * L) m *= 2;
  plat_printf("pi: computing %lu digits (Gauss-Legendre AGM, NTT of up to %lu points mod 2^64-2^32+1)\n",
              (unsigned long)digits, (unsigned long)m);
  u64 t_start = plat_nanos();
  u32 *a = plat_alloc(L * 4), *b = plat_alloc(L * 4), *t = plat_alloc(L * 4), *y = plat_alloc(L * 4);
  u32 *an = plat_alloc(L * 4), *d = plat_alloc(L * 4);
  t1 = plat_alloc(L * 4);
  t2 = plat_alloc(L * 4);
  char *text = plat_alloc(L * BASE_DIGITS + 1);
  if (!a || !b || !t || !y || !an || !d || !t1 || !t2 || !text || ntt_init(m)) {
    plat_printf("pi: out of memory\n");
    return 1;
  }

  /* a = 1, b = 1/sqrt(2), t = 1/4, p = 1 */
  fset(a, 1, L);
  fset(y, 2, L);
  finvsqrt(b, y, L);
  fset(t, 0, L);
  t[1] = BASE / 4;
  int iterations = 0;
  for (u64 pow2 = 1; iterations < 64; pow2 *= 2) {
    iterations++;
    fmul(y, a, b, L);        /* y = a b */
    fadd(an, a, b, L);
    fhalf(an, an, L);        /* a' = (a + b) / 2 */
    finvsqrt(b, y, L);
    fmul(b, b, y, L);        /* b' = sqrt(a b) = y / sqrt(y) */
    fabsdiff(d, a, an, L);
    fmul(d, d, d, L);
    fmul_small(d, d, pow2, L);
    fsub(t, t, d, L);        /* t' = t - p (a - a')^2 */
    fcopy(a, an, L);
    if (fzero(d, L)) break;  /* further terms vanish at this precision */
  }
  /* pi = (a + b)^2 / (4 t) */
  fadd(y, a, b, L);
  fmul(y, y, y, L);
  fmul_small(t, t, 4, L);
  frecip(d, t, L);
  fmul(y, y, d, L);
  u64 t_end = plat_nanos();

  for (size_t i = 1; i < L; i++) {
    u32 v = y[i];
    for (int j = BASE_DIGITS - 1; j >= 0; j--, v /= 10) text[(i - 1) * BASE_DIGITS + j] = (char)('0' + v % 10);
  }
  text[digits] = '\0';
  u64 h = fnv1a(0xcbf29ce484222325ull, text, digits);
  u64 ms = (t_end - t_start) / 1000000;
  char head[21];
  for (int i = 0; i < 20; i++) head[i] = text[i];
  head[20] = '\0';
  plat_printf("pi: %u.%s...\n", y[0], head);
  plat_printf("pi: last digits %s\n", text + digits - 10);
  plat_printf("pi: fnv1a64 0x%016llx (%d AGM iterations)\n", (unsigned long long)h, iterations);
  int verdict = -1;
  for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
    if (known[i].digits == digits) verdict = y[0] == 3 && h == known[i].fnv && streq(text + digits - 10, known[i].last10);
  plat_printf("pi: %s\n", verdict < 0 ? "UNCHECKED (no reference for this length)" : verdict ? "OK" : "WRONG");
  plat_printf("pi: %lu digits in %lu.%03lu s\n", (unsigned long)digits, (unsigned long)(ms / 1000),
              (unsigned long)(ms % 1000));
  return verdict == 0 ? 1 : 0;
}
