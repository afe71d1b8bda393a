/* Ring-3 start: copies what the guest needs out of hvm_start_info (the loader's copy may sit in
 * memory the guest later reuses), sets up COM1, runs main() and exits with its result. */
#include "rt_internal.h"

#define HVM_START_MAGIC 0x336ec578u

/* Layout from Xen's public/arch-x86/hvm/start_info.h (the PVH boot ABI). */
struct hvm_start_info {
  uint32_t magic, version, flags, nr_modules;
  uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
  uint64_t memmap_paddr; /* version >= 1 */
  uint32_t memmap_entries, reserved;
};

void rt_serial_init(void);

/* Set by pvh_start from EBX in ring 0; in .data, since ring 3 zeroes .bss later. */
uint32_t rt_start_info_pa __attribute__((section(".data")));

static char cmdline[4096];
static struct rt_memmap_entry memmap[RT_MAX_MEMMAP];
static size_t memmap_count;

/* The loader's pointers are untrusted: only addresses below 4 GiB (identity mapped) are read. */
static int mapped(uint64_t pa, uint64_t len) { return pa && pa < (1ull << 32) && len <= (1ull << 32) - pa; }

void rt_user_start(void) {
  rt_serial_init();
  rt_putc('\n'); /* firmware may have left the cursor mid-line */
  const struct hvm_start_info *si = (const struct hvm_start_info *)(uintptr_t)rt_start_info_pa;
  if (!mapped(rt_start_info_pa, sizeof(*si)) || si->magic != HVM_START_MAGIC) {
    rt_printf("rt: bad hvm_start_info at 0x%x\n", rt_start_info_pa);
    rt_exit(RT_EXIT_FAIL);
  }
  if (mapped(si->cmdline_paddr, 1)) {
    const char *c = (const char *)(uintptr_t)si->cmdline_paddr;
    size_t i = 0;
    for (; i + 1 < sizeof(cmdline) && mapped(si->cmdline_paddr + i, 1) && c[i]; i++) cmdline[i] = c[i];
    cmdline[i] = '\0';
  }
  if (si->version >= 1 && si->memmap_entries && mapped(si->memmap_paddr, (uint64_t)si->memmap_entries * 24)) {
    const struct rt_memmap_entry *m = (const struct rt_memmap_entry *)(uintptr_t)si->memmap_paddr;
    for (uint32_t i = 0; i < si->memmap_entries && memmap_count < RT_MAX_MEMMAP; i++) memmap[memmap_count++] = m[i];
  }
  rt_memmap_init();
  rt_exit(main(cmdline));
}

const char *rt_cmdline(void) { return cmdline; }

size_t rt_memmap(const struct rt_memmap_entry **entries) {
  *entries = memmap;
  return memmap_count;
}

int rt_arg(const char *name, char *buf, size_t size) {
  size_t n = strlen(name);
  for (const char *p = cmdline; *p;) {
    while (*p == ' ') p++;
    if (!strncmp(p, name, n) && p[n] == '=') {
      p += n + 1;
      size_t i = 0;
      for (; p[i] && p[i] != ' '; i++)
        if (i + 1 < size) buf[i] = p[i];
      if (size) buf[i + 1 < size ? i : size - 1] = '\0';
      return 1;
    }
    while (*p && *p != ' ') p++;
  }
  return 0;
}

uint64_t rt_arg_u64(const char *name, uint64_t def, int *ok) {
  char v[32];
  if (ok) *ok = 1;
  if (!rt_arg(name, v, sizeof(v))) return def;
  uint64_t r = 0;
  unsigned base = 10;
  const char *p = v;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) { base = 16; p += 2; }
  if (!*p) goto bad;
  for (; *p; p++) {
    unsigned d;
    if (*p >= '0' && *p <= '9') d = (unsigned)(*p - '0');
    else if (base == 16 && *p >= 'a' && *p <= 'f') d = (unsigned)(*p - 'a' + 10);
    else if (base == 16 && *p >= 'A' && *p <= 'F') d = (unsigned)(*p - 'A' + 10);
    else goto bad;
    if (r > (UINT64_MAX - d) / base) goto bad;
    r = r * base + d;
  }
  return r;
bad:
  if (ok) *ok = 0;
  return def;
}
