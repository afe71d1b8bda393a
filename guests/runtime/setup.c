/* Ring-0 side of the runtime: IDT, TSS with its I/O permission bitmap, and the trap handler.
 * Runs emulated on the nested KVM (DESIGN.md section 5), so it does as little as possible. */
#include "rt_internal.h"

static void (*irq_handlers[16])(int);

/* All ports denied until cleared; the final byte must stay 0xff. */
struct rt_tss rt_tss __attribute__((aligned(16))) = {
  .iomap_base = offsetof(struct rt_tss, iomap),
  .iomap = { [0 ... 8192] = 0xff },
};

void rt_io_allow(uint16_t port, uint32_t count) {
  for (uint32_t p = port; p < (uint32_t)port + count && p < 65536; p++)
    rt_tss.iomap[p / 8] &= (uint8_t)~(1u << (p % 8));
}

/* Called once from entry.S in ring 0 (long mode, or 32-bit protected mode with paging in the
 * i386 build), before the drop to ring 3. */
void rt_setup_ring0(void) {
  for (int v = 0; v < 48; v++) rt_set_gate(v, rt_isr_stub0 + 16 * v);
  rt_load_idt();
  rt_load_tss();

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
  if (f->vector == 6 && f->ip == (unsigned long)rt_ring0_gate) { /* rt_ring0_call's UD2 */
    f->ax = (unsigned long)((long (*)(long))f->di)((long)f->si);
    f->ip += 2;
    return;
  }
  if (f->vector >= 32 && f->vector < 48) {
    void (*h)(int) = irq_handlers[f->vector - 32];
    if (h) { h((int)f->vector); return; }
  }
  unsigned long cr2;
  __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
  /* The same line in both builds: "rip"/"rsp" are EIP/ESP in the i386 build. */
  rt_printf("EXCEPTION: vector %lu %s error 0x%lx rip 0x%lx cs 0x%lx rsp 0x%lx cr2 0x%lx\n", f->vector,
            f->vector < 32 ? exc_names[f->vector] : "irq", f->error, f->ip, f->cs, rt_frame_sp(f), cr2);
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
#ifdef __x86_64__
#define GATE_CLOBBERS "rcx", "rdx", "r8", "r9", "r10", "r11" /* caller-saved, besides RAX/RDI/RSI */
#else
#define GATE_CLOBBERS "ecx", "edx"
#endif
__attribute__((noinline)) long rt_ring0_call(long (*fn)(long), long arg) {
  long ret;
  __asm__ volatile(".globl rt_ring0_gate\nrt_ring0_gate: ud2"
                   : "=a"(ret), "+D"(fn), "+S"(arg)
                   :
                   : GATE_CLOBBERS, "memory", "cc");
  return ret;
}
