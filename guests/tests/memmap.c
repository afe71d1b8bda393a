/* memmap: prints the command line and every hvm_start_info memmap entry, then the RAM the
 * allocator can use. Exits 0 (status 1), or 1 (status 3) when the loader gave no memmap. */
#include "rt.h"

int main(const char *cmdline) {
  rt_printf("cmdline: %s\n", cmdline);
  const struct rt_memmap_entry *m;
  size_t n = rt_memmap(&m);
  for (size_t i = 0; i < n; i++) rt_printf("memmap: 0x%016llx 0x%016llx %u\n", (unsigned long long)m[i].addr, (unsigned long long)m[i].size, m[i].type);
  rt_printf("memmap: %zu entries, %llu KiB allocatable\n", n, (unsigned long long)(rt_free_bytes() >> 10));
  return n ? RT_EXIT_OK : RT_EXIT_FAIL;
}
