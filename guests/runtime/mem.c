/* Bump allocator over the RAM the memmap reports, above the kernel image and below 4 GiB. */
#include "rt_internal.h"

#define LIMIT (1ull << 32) /* end of the identity map built in entry.S */

static struct { uint64_t next, end; } regions[RT_MAX_MEMMAP];
static size_t nregions, cur; /* cur: first region that may still have room */

/* Collects usable RAM ranges once at boot, clipped to [__kernel_end, 4 GiB). */
void rt_memmap_init(void) {
  const struct rt_memmap_entry *m;
  size_t n = rt_memmap(&m);
  uint64_t floor = (uint64_t)(uintptr_t)__kernel_end;
  for (size_t i = 0; i < n; i++) {
    if (m[i].type != RT_MEM_RAM) continue;
    uint64_t a = m[i].addr, e = m[i].addr + m[i].size;
    if (e < a) continue; /* wraps: ignore a malformed entry */
    if (a < floor) a = floor;
    if (e > LIMIT) e = LIMIT;
    if (a < e) regions[nregions++] = (typeof(regions[0])){ a, e };
  }
}

void *rt_alloc(size_t size, size_t align) {
  if (align == 0 || (align & (align - 1))) return NULL;
  for (size_t i = cur; i < nregions; i++) {
    uint64_t p = (regions[i].next + align - 1) & ~(uint64_t)(align - 1);
    if (p >= regions[i].next && p <= regions[i].end && size <= regions[i].end - p) {
      regions[i].next = p + size;
      return (void *)(uintptr_t)p;
    }
  }
  return NULL;
}

uint64_t rt_free_bytes(void) {
  uint64_t s = 0;
  for (size_t i = cur; i < nregions; i++) s += regions[i].end - regions[i].next;
  return s;
}
