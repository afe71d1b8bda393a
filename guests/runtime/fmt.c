/* A small printf: enough for the guests' report lines, no floating point. */
#include "rt.h"

struct out {
  char *buf;
  size_t size, len;
};

static void put(struct out *o, char c) {
  if (o->buf) {
    if (o->len + 1 < o->size) o->buf[o->len] = c;
  } else {
    rt_putc(c);
  }
  o->len++;
}

static void put_num(struct out *o, uint64_t v, unsigned base, int upper, int neg, int width, char pad, int left) {
  char tmp[24];
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  int n = 0;
  do { tmp[n++] = digits[v % base]; v /= base; } while (v);
  int len = n + neg;
  if (neg && pad == '0') put(o, '-');
  if (!left) for (; width > len; width--) put(o, pad);
  if (neg && pad != '0') put(o, '-');
  while (n) put(o, tmp[--n]);
  if (left) for (; width > len; width--) put(o, ' ');
}

static int format(struct out *o, const char *f, va_list ap) {
  for (; *f; f++) {
    if (*f != '%') { put(o, *f); continue; }
    f++;
    int left = 0, width = 0;
    char pad = ' ';
    for (;; f++) {
      if (*f == '-') left = 1;
      else if (*f == '0') pad = '0';
      else break;
    }
    while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
    /* The argument's size in bytes: int, long (l), long long (ll) or size_t (z), which differ
     * between the x86_64 and i386 builds. */
    int size = sizeof(int);
    if (*f == 'z') { size = sizeof(size_t); f++; }
    else if (f[0] == 'l' && f[1] == 'l') { size = sizeof(long long); f += 2; }
    else if (*f == 'l') { size = sizeof(long); f++; }
    int wide = size == 8;
    switch (*f) {
    case 'd': case 'i': {
      int64_t v = wide ? va_arg(ap, int64_t) : va_arg(ap, int32_t);
      put_num(o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, 0, v < 0, width, pad, left);
      break;
    }
    case 'u': put_num(o, wide ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t), 10, 0, 0, width, pad, left); break;
    case 'x': case 'X':
      put_num(o, wide ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t), 16, *f == 'X', 0, width, pad, left);
      break;
    case 'p': put(o, '0'); put(o, 'x'); put_num(o, (uintptr_t)va_arg(ap, void *), 16, 0, 0, width, pad, left); break;
    case 'c': put(o, (char)va_arg(ap, int)); break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      if (!s) s = "(null)";
      int len = (int)strlen(s);
      if (!left) for (; width > len; width--) put(o, ' ');
      while (*s) put(o, *s++);
      if (left) for (; width > len; width--) put(o, ' ');
      break;
    }
    case '%': put(o, '%'); break;
    case '\0': return (int)o->len;
    default: put(o, '%'); put(o, *f); break;
    }
  }
  return (int)o->len;
}

int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
  struct out o = { buf, size, 0 };
  int n = format(&o, fmt, ap);
  if (size) buf[o.len < size ? o.len : size - 1] = '\0';
  return n;
}

int rt_snprintf(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = rt_vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

int rt_printf(const char *fmt, ...) {
  struct out o = { 0, 0, 0 };
  va_list ap;
  va_start(ap, fmt);
  int n = format(&o, fmt, ap);
  va_end(ap);
  return n;
}
