/* memmap: prints the command line and every hvm_start_info memmap entry, then the RAM the
 * allocator can use. Exits 0 (status 1), or 1 (status 3) when the loader gave no memmap. */
#include "rt.h"

int main(const char *cmdline) {
  rt_printf("cmdline: %s\n", cmdline);
  const struct rt_memmap_entry *m;
  size_t n = rt_memmap(&m);
  for (size_t i = 0; i < n; i++) rt_printf("memmap: 0x%016lx 0x%016lx %u\n", m[i].addr, m[i].size, m[i].type);
  rt_printf("memmap: %lu entries, %lu KiB allocatable\n", n, rt_free_bytes() >> 10);
  return n ? RT_EXIT_OK : RT_EXIT_FAIL;
}
