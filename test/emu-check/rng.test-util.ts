/** A small seeded PRNG (xorshift128, seeded through splitmix32) for the instruction generators. */

/** Mixes a 32-bit value (splitmix32's finalizer). */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** A deterministic random source: the same seed gives the same numbers. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = mix32(seed);
    this.b = mix32(this.a ^ 0x1234567);
    this.c = mix32(this.b ^ 0x89abcdef);
    this.d = mix32(this.c ^ 0x2545f491) | 1;
  }

  /** A uniform unsigned 32-bit number. */
  u32(): number {
    let t = this.d;
    const s = this.a;
    this.d = this.c;
    this.c = this.b;
    this.b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.a = (t ^ s ^ (s >>> 19)) >>> 0;
    return this.a;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** A uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** A 32-bit value biased towards the edges that break arithmetic (0, ±1, sign and carry boundaries). */
  interesting(): number {
    switch (this.int(8)) {
      case 0:
        return this.pick([0, 1, 2, 0xffffffff, 0x7fffffff, 0x80000000, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x100, 0x10000]);
      case 1:
        return this.int(256);
      case 2:
        return (0xffffff00 | this.int(256)) >>> 0;
      case 3:
        return (this.u32() & 0xffff0000) | this.pick([0, 0xffff, 0x7fff, 0x8000, 0x7f, 0x80, 0xff]);
      case 4:
        return (this.u32() & 0xffffff00) | this.pick([0, 0xff, 0x7f, 0x80, 0x99, 0x09, 0x0a, 0xfa]);
      default:
        return this.u32();
    }
  }
}
