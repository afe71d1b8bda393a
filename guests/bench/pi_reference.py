#!/usr/bin/env python3
"""Produces the reference values embedded in pi.c: for each N, the last 10 of the first N
decimal digits of pi after the point and the FNV-1a 64-bit hash of those N digit characters.

Two independent computations must agree before anything is printed:
  1. Gauss-Legendre AGM in Python's decimal module (libmpdec: its own NTT multiplication,
     division and square root), with 30 guard digits;
  2. mpmath.mp.pi (Chudnovsky series on Python integers), when mpmath is installed.
Usage: pi_reference.py N [N...]   (mpmath at 1e6 digits takes minutes without gmpy)."""
import decimal
import sys

if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)


def pi_decimal(n):
    ctx = decimal.Context(prec=n + 30, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    D = lambda x: ctx.create_decimal(x)
    a, b, t, p = D(1), ctx.divide(D(1), ctx.sqrt(D(2))), D("0.25"), D(1)
    while True:
        an = ctx.divide(ctx.add(a, b), D(2))
        b = ctx.sqrt(ctx.multiply(a, b))
        d = ctx.subtract(a, an)
        t = ctx.subtract(t, ctx.multiply(p, ctx.multiply(d, d)))
        a, p = an, ctx.multiply(p, D(2))
        if d.is_zero() or d.adjusted() < -(n + 30) // 2 - 2:
            break
    pi = ctx.divide(ctx.multiply(ctx.add(a, b), ctx.add(a, b)), ctx.multiply(D(4), t))
    s = str(pi)
    assert s.startswith("3."), s[:10]
    return s[2:2 + n]


def pi_mpmath(n):
    import mpmath
    mpmath.mp.dps = n + 30
    s = mpmath.nstr(+mpmath.mp.pi, n + 20, strip_zeros=False)
    return s[2:2 + n]


def fnv1a64(s):
    h = 0xcbf29ce484222325
    for c in s.encode():
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


for arg in sys.argv[1:]:
    n = int(arg)
    d1 = pi_decimal(n)
    try:
        d2 = pi_mpmath(n)
        how = "decimal AGM == mpmath"
    except ImportError:
        d2, how = d1, "decimal AGM only"
    assert d1 == d2, f"mismatch at N={n}"
    print(f"{{{n}, \"{d1[-10:]}\", 0x{fnv1a64(d1):016x}ull}}, /* {how} */", flush=True)
