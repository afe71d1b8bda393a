/* Ring-0 side of the runtime: IDT, TSS with its I/O permission bitmap, and the trap handler.
 * Runs emulated on the nested KVM (DESIGN.md section 5), so it does as little as possible. */
#include "rt_internal.h"
#include "segments.h"

struct idt_gate {
  uint16_t off_lo, sel;
  uint8_t ist, type;
  uint16_t off_mid;
  uint32_t off_hi, zero;
} __attribute__((packed));

/* In .data, not .bss: ring 3 zeroes .bss after rt_setup_ring0 has filled this. */
static struct idt_gate idt[256] __attribute__((aligned(16), section(".data")));
static void (*irq_handlers[16])(int);

/* All ports denied until cleared; the final byte must stay 0xff. */
struct rt_tss rt_tss __attribute__((aligned(16))) = {
  .iomap_base = offsetof(struct rt_tss, iomap),
  .iomap = { [0 ... 8192] = 0xff },
};

static void set_gate(int vec, void *handler, int dpl) { /* interrupt gate, IF cleared on entry */
  uint64_t a = (uint64_t)handler;
  idt[vec] = (struct idt_gate){ .off_lo = (uint16_t)a, .sel = SEL_KCODE, .ist = 0,
    .type = (uint8_t)(0x8e | (dpl << 5)), .off_mid = (uint16_t)(a >> 16), .off_hi = (uint32_t)(a >> 32) };
}

void rt_io_allow(uint16_t port, uint32_t count) {
  for (uint32_t p = port; p < (uint32_t)port + count && p < 65536; p++)
    rt_tss.iomap[p / 8] &= (uint8_t)~(1u << (p % 8));
}

void rt_load_idt(void) {
  struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
  __asm__ volatile("lidt %0" : : "m"(idtr));
}

/* Called once from entry.S in long mode, ring 0, before the drop to ring 3. */
void rt_setup_ring0(void) {
  for (int v = 0; v < 48; v++) set_gate(v, rt_isr_stub0 + 16 * v, 0);
  rt_load_idt();

  uint64_t base = (uint64_t)&rt_tss, limit = sizeof(rt_tss) - 1;
  rt_tss.rsp[0] = (uint64_t)rt_kstack_top;
  uint64_t *d = (uint64_t *)(rt_gdt + SEL_TSS);
  d[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
         (((base >> 24) & 0xff) << 56);
  d[1] = base >> 32;
  __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));

  rt_io_allow(RT_COM1, 8);
  rt_io_allow(RT_DEBUG_EXIT_PORT, 4);
  rt_io_allow(0x40, 4);  /* PIT, for TSC calibration */
  rt_io_allow(0x61, 1);  /* PIT channel 2 gate/output */
  rt_io_allow(0x70, 2);  /* CMOS */
  rt_io_allow(0x60, 1);  /* i8042 data/command, for the reset guest */
  rt_io_allow(0x64, 1);
}

void rt_set_irq_handler(int vector, void (*handler)(int)) {
  if (vector >= 32 && vector < 48) irq_handlers[vector - 32] = handler;
}

static const char *const exc_names[32] = {
  "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "?15",
  "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "?22", "?23", "?24", "?25", "?26", "?27", "?28", "?29", "?30", "?31",
};

void rt_trap(struct rt_frame *f) {
  if (f->vector == 6 && f->rip == (uint64_t)rt_ring0_gate) { /* rt_ring0_call's UD2 */
    f->rax = (uint64_t)((long (*)(long))f->rdi)((long)f->rsi);
    f->rip += 2;
    return;
  }
  if (f->vector >= 32 && f->vector < 48) {
    void (*h)(int) = irq_handlers[f->vector - 32];
    if (h) { h((int)f->vector); return; }
  }
  uint64_t cr2;
  __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
  rt_printf("EXCEPTION: vector %lu %s error 0x%lx rip 0x%lx cs 0x%lx rsp 0x%lx cr2 0x%lx\n", f->vector,
            f->vector < 32 ? exc_names[f->vector] : "irq", f->error, f->rip, f->cs, f->rsp, cr2);
  rt_exit_ring0(RT_EXIT_EXCEPTION);
}

static __attribute__((noreturn)) long do_exit(long code) {
  outb(RT_DEBUG_EXIT_PORT, (uint8_t)code);
  rt_puts("rt_exit: no debug-exit device at port 0xf4; halting\n");
  for (;;) __asm__ volatile("cli; hlt");
}

void rt_exit_ring0(int code) { do_exit(code); }

void rt_exit(int code) {
  outb(RT_DEBUG_EXIT_PORT, (uint8_t)code);
  /* Without an isa-debug-exit device the write is ignored: halt in ring 0 instead. */
  rt_ring0_call(do_exit, code);
  __builtin_unreachable();
}

/* Ring 3 enters ring 0 by executing UD2 at rt_ring0_gate: rt_trap recognises the address, calls
 * fn(arg) on the ring-0 stack and resumes after the UD2. The nested KVM here answers INT n from
 * ring 3 with #UD and runs SYSCALL's target without ring-0 rights, but delivers exceptions
 * through the IDT like real hardware, so an exception is the one gate that works everywhere. */
__attribute__((noinline)) long rt_ring0_call(long (*fn)(long), long arg) {
  long ret;
  __asm__ volatile(".globl rt_ring0_gate\nrt_ring0_gate: ud2"
                   : "=a"(ret), "+D"(fn), "+S"(arg)
                   :
                   : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
  return ret;
}
