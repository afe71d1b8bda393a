/* Public API of tkvm's freestanding test-guest runtime (see guests/README.md). Guests define
 * `int main(const char *cmdline)`; it runs in ring 3 and its return value becomes the
 * debug-exit code. */
#ifndef RT_H
#define RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Debug-exit codes shared by all guests; QEMU/tkvm exit with status (code << 1) | 1. */
#define RT_EXIT_OK        0   /* status 1 */
#define RT_EXIT_FAIL      1   /* status 3 */
#define RT_EXIT_USAGE     2   /* status 5: bad or missing command-line argument */
#define RT_EXIT_EXCEPTION 0x3f /* status 127: unexpected CPU exception */

/* E820-style memory types used by hvm_start_info's memmap. */
#define RT_MEM_RAM 1

/* One hvm_start_info memmap entry, copied out of the loader's table at boot. */
struct rt_memmap_entry {
  uint64_t addr;
  uint64_t size;
  uint32_t type;
  uint32_t reserved;
};

/* The guest's entry point, called in ring 3 with the kernel command line. */
int main(const char *cmdline);

/* Ends the VM through the isa-debug-exit port 0xf4 (from ring 3). */
__attribute__((noreturn)) void rt_exit(int code);
/* The same for ring-0 contexts (trap handlers, APs), where SYSCALL must not be used. */
__attribute__((noreturn)) void rt_exit_ring0(int code);

/* Port I/O (outb/inb/outw/inw/outl/inl), usable from ring 3 for the ports the TSS bitmap allows (see rt_io_allow). */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* Lets ring 3 use ports [port, port + count) by clearing their bits in the TSS I/O bitmap. */
void rt_io_allow(uint16_t port, uint32_t count);

/* Runs fn(arg) in ring 0 (through a UD2 gate, see setup.c) and returns fn's result; call it
 * from ring 3 only.
 * Ring-0 code is emulated slowly on the nested KVM: keep fn short. (There, CS reads with
 * RPL 3 even in ring 0, so code cannot tell its ring from CS.) */
long rt_ring0_call(long (*fn)(long), long arg);

/* Installs a ring-0 handler for interrupt vector 32..47 (after the guest remaps the PICs). */
void rt_set_irq_handler(int vector, void (*handler)(int vector));

/* Writes one byte to COM1 (polling LSR.THRE), "\n" as CRLF. */
void rt_putc(char c);
/* Writes a string to COM1. */
void rt_puts(const char *s);
/* printf subset to COM1: %d %i %u %x %X %p %s %c %% with l/ll/z (C sizes: uint64_t is %llx with a
 * cast in code built for both x86_64 and i386), width, '0' and '-' flags. */
int rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same formatter into a buffer (always NUL-terminated when size > 0). */
int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Varargs form of rt_vsnprintf. */
int rt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The kernel command line copied at boot (empty when the loader gave none). */
const char *rt_cmdline(void);
/* Copies the value of name=value into buf; returns 1 if found, 0 otherwise. */
int rt_arg(const char *name, char *buf, size_t size);
/* Parses name=N (decimal or 0x hex); returns def when absent and sets *ok=0 when malformed. */
uint64_t rt_arg_u64(const char *name, uint64_t def, int *ok);

/* The memmap copied from hvm_start_info (at most RT_MAX_MEMMAP entries). */
#define RT_MAX_MEMMAP 64
size_t rt_memmap(const struct rt_memmap_entry **entries);

/* Bump allocator over memmap RAM above the kernel image, below 4 GiB (identity mapped);
 * returns NULL when memory runs out. Nothing is ever freed. */
void *rt_alloc(size_t size, size_t align);
/* Bytes rt_alloc can still hand out (sum over the remaining RAM regions). */
uint64_t rt_free_bytes(void);

/* TSC timing: raw counter, and its frequency from CPUID 0x40000010 / 0x15, else PIT-calibrated. */
static inline uint64_t rt_rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }
uint64_t rt_tsc_hz(void);
/* Where rt_tsc_hz's value came from ("kvmclock", "PIT calibration", ...), for reports. */
const char *rt_tsc_source(void);
/* Busy-waits for the given number of microseconds using the TSC. */
void rt_udelay(uint64_t us);

/* Starts every other CPU (INIT-SIPI-SIPI broadcast through the xAPIC) with a real-mode
 * trampoline copied to tramp_page (4 KiB aligned, below 1 MiB). Each AP enters long mode and
 * calls fn(index) in ring 0 on its own 16 KiB stack, then halts; APs beyond max_aps halt at
 * once. Returns 0 once the IPIs are sent, -1 on bad arguments or no memory. Ring 3 only. */
int rt_start_aps(void (*fn)(int index), uint32_t max_aps, uint32_t tramp_page);
/* This CPU's local APIC ID (xAPIC ID register). */
uint32_t rt_lapic_id(void);

/* CPUID, for feature and frequency queries. */
static inline void rt_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* Freestanding libc subset: gcc emits calls to memset/memcpy/memmove/memcmp by itself. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

#endif
