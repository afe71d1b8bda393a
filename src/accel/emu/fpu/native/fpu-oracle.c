/*
 * The host CPU as an oracle for tkvm's FPU unit tests: reads test cases on stdin, runs each
 * instruction natively (its bytes copied into an executable page and called) and prints the
 * resulting state. x87, MMX, SSE and SSE2 behave the same in 64-bit mode as in 32-bit mode for the
 * instructions tested here (register operands, or a memory operand at [rsi]).
 *
 * x87 case:  x <code hex> <fcw> <eflags> <k> <st0> .. <st(k-1)> <mem hex>
 *   registers are 20 hex digits "SSSSHHHHHHHHLLLLLLLL" (sign/exponent, significand high, low);
 *   ST(i) = value i, the rest empty. Output: <fnsave image hex> <mem hex> <eflags> <eax>
 * SIMD case (fault: 0 none, 1 #XM, 2 #GP, 3 #UD): s <code hex> <mxcsr> <eflags> <xmm 128 bytes hex> <mm 64 bytes hex> <gpr 32 bytes hex> <mem hex>
 *   Output:   <xmm hex> <mm hex> <gpr hex> <mem hex> <mxcsr> <eflags> <fault 0|1>
 * mem is 128 bytes ("-" for zeros), addressed through rsi. Build: gcc -O1 -o oracle fpu-oracle.c
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

static uint8_t *code;
static sigjmp_buf jump;
static volatile int faulted;
static uint32_t fault_mxcsr;
static uint8_t fault_xmm[128];

static void on_fault(int sig, siginfo_t *info, void *ctx) {
  (void)info;
  ucontext_t *uc = ctx;
  fault_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
  memcpy(fault_xmm, uc->uc_mcontext.fpregs->_xmm, 128);
  /* do not return into the faulting instruction */
  uc->uc_mcontext.fpregs->mxcsr |= 0x1f80;
  faulted = sig == SIGFPE ? 1 : sig == SIGSEGV ? 2 : 3;
  siglongjmp(jump, 1);
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

static size_t unhex(const char *s, uint8_t *out, size_t max) {
  size_t n = 0;
  if (s[0] == '-') return 0;
  while (s[0] && s[1] && n < max) {
    out[n++] = (uint8_t)(hexval(s[0]) * 16 + hexval(s[1]));
    s += 2;
  }
  return n;
}

static void puthex(const uint8_t *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    putchar(digits[p[i] >> 4]);
    putchar(digits[p[i] & 15]);
  }
}

static void set_code(const char *hex) {
  size_t n = unhex(hex, code, 60);
  code[n] = 0xc3; /* ret */
}

static void run_x87(char *line) {
  char *save = NULL;
  char *tok = strtok_r(line, " \n", &save);
  set_code(strtok_r(NULL, " \n", &save));
  uint16_t fcw = (uint16_t)strtoul(strtok_r(NULL, " \n", &save), NULL, 16);
  uint64_t flags = strtoull(strtok_r(NULL, " \n", &save), NULL, 16);
  int k = atoi(strtok_r(NULL, " \n", &save));
  uint8_t regs[8][10];
  for (int i = 0; i < k; i++) {
    uint8_t b[10];
    unhex(strtok_r(NULL, " \n", &save), b, 10);
    /* big-endian text SSSS HHHHHHHH LLLLLLLL to little-endian memory */
    for (int j = 0; j < 8; j++) regs[i][j] = b[9 - j];
    regs[i][8] = b[1];
    regs[i][9] = b[0];
  }
  static uint8_t mem[128];
  memset(mem, 0, sizeof mem);
  tok = strtok_r(NULL, " \n", &save);
  if (tok) unhex(tok, mem, 128);
  uint8_t image[108];
  uint64_t flags_out = 0;
  uint64_t rax_out = 0;
  /* zero all eight registers so the empty ones hold the same stale +0 as the unit's after reset */
  __asm__ volatile("fninit\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfninit\n\t");
  for (int i = k - 1; i >= 0; i--) __asm__ volatile("fldt %0" ::"m"(regs[i]));
  __asm__ volatile(
      "fldcw %[fcw]\n\t"
      "xor %%eax, %%eax\n\t"
      "push %[fl]\n\t"
      "popfq\n\t"
      "call *%[code]\n\t"
      "pushfq\n\t"
      "pop %[flo]\n\t"
      "fnsave %[img]\n\t"
      : [flo] "=&r"(flags_out), "=&a"(rax_out), [img] "=m"(image)
      : [fcw] "m"(fcw), [fl] "r"(flags), [code] "r"(code), "S"(mem)
      : "memory", "cc");
  puthex(image, 108);
  putchar(' ');
  puthex(mem, 128);
  printf(" %llx %llx\n", (unsigned long long)(flags_out & 0xfff), (unsigned long long)(rax_out & 0xffff));
}

static void run_simd(char *line) {
  char *save = NULL;
  strtok_r(line, " \n", &save);
  set_code(strtok_r(NULL, " \n", &save));
  uint32_t mxcsr = (uint32_t)strtoul(strtok_r(NULL, " \n", &save), NULL, 16);
  uint64_t flags = strtoull(strtok_r(NULL, " \n", &save), NULL, 16);
  static uint8_t xmm[128] __attribute__((aligned(64))), mm[64], mem[128] __attribute__((aligned(64)));
  static uint32_t gpr[8];
  memset(mem, 0, sizeof mem);
  unhex(strtok_r(NULL, " \n", &save), xmm, 128);
  unhex(strtok_r(NULL, " \n", &save), mm, 64);
  unhex(strtok_r(NULL, " \n", &save), (uint8_t *)gpr, 32);
  char *tok = strtok_r(NULL, " \n", &save);
  if (tok) unhex(tok, mem, 128);
  /* gpr: eax ecx edx ebx (esp) ebp esi(ignored: memory pointer) edi */
  static uint64_t g[8];
  for (int i = 0; i < 8; i++) g[i] = gpr[i];
  uint64_t flags_out = flags;
  static uint32_t mxcsr_out;
  faulted = 0;
  if (sigsetjmp(jump, 1) == 0) {
    register uint8_t *rx __asm__("r12") = xmm;
    register uint8_t *rm __asm__("r13") = mm;
    register uint64_t *rg __asm__("r14") = g;
    register uint64_t rfl __asm__("r11") = flags;
    register uint8_t *rcode __asm__("r10") = code;
    __asm__ volatile(
        "movdqu 0(%[x]), %%xmm0\n\t"
        "movdqu 16(%[x]), %%xmm1\n\t"
        "movdqu 32(%[x]), %%xmm2\n\t"
        "movdqu 48(%[x]), %%xmm3\n\t"
        "movdqu 64(%[x]), %%xmm4\n\t"
        "movdqu 80(%[x]), %%xmm5\n\t"
        "movdqu 96(%[x]), %%xmm6\n\t"
        "movdqu 112(%[x]), %%xmm7\n\t"
        "movq 0(%[m]), %%mm0\n\t"
        "movq 8(%[m]), %%mm1\n\t"
        "movq 16(%[m]), %%mm2\n\t"
        "movq 24(%[m]), %%mm3\n\t"
        "movq 32(%[m]), %%mm4\n\t"
        "movq 40(%[m]), %%mm5\n\t"
        "movq 48(%[m]), %%mm6\n\t"
        "movq 56(%[m]), %%mm7\n\t"
        "ldmxcsr %[mx]\n\t"
        "push %%rbx\n\t"
        "push %%rbp\n\t"
        "push %[g]\n\t"
        "mov 0(%[g]), %%rax\n\t"
        "mov 8(%[g]), %%rcx\n\t"
        "mov 16(%[g]), %%rdx\n\t"
        "mov 24(%[g]), %%rbx\n\t"
        "mov 40(%[g]), %%rbp\n\t"
        "mov 56(%[g]), %%rdi\n\t"
        "push %[fl]\n\t"
        "popfq\n\t"
        "call *%[code]\n\t"
        "pushfq\n\t"
        "pop %%r8\n\t"
        "pop %%r9\n\t"
        "mov %%rax, 0(%%r9)\n\t"
        "mov %%rcx, 8(%%r9)\n\t"
        "mov %%rdx, 16(%%r9)\n\t"
        "mov %%rbx, 24(%%r9)\n\t"
        "mov %%rbp, 40(%%r9)\n\t"
        "mov %%rdi, 56(%%r9)\n\t"
        "mov %%r8, 48(%%r9)\n\t"
        "pop %%rbp\n\t"
        "pop %%rbx\n\t"
        "stmxcsr %[mxo]\n\t"
        "movdqu %%xmm0, 0(%[x])\n\t"
        "movdqu %%xmm1, 16(%[x])\n\t"
        "movdqu %%xmm2, 32(%[x])\n\t"
        "movdqu %%xmm3, 48(%[x])\n\t"
        "movdqu %%xmm4, 64(%[x])\n\t"
        "movdqu %%xmm5, 80(%[x])\n\t"
        "movdqu %%xmm6, 96(%[x])\n\t"
        "movdqu %%xmm7, 112(%[x])\n\t"
        "movq %%mm0, 0(%[m])\n\t"
        "movq %%mm1, 8(%[m])\n\t"
        "movq %%mm2, 16(%[m])\n\t"
        "movq %%mm3, 24(%[m])\n\t"
        "movq %%mm4, 32(%[m])\n\t"
        "movq %%mm5, 40(%[m])\n\t"
        "movq %%mm6, 48(%[m])\n\t"
        "movq %%mm7, 56(%[m])\n\t"
        "emms\n\t"
        :
        : [x] "r"(rx), [m] "r"(rm), [g] "r"(rg), [mx] "m"(mxcsr), [mxo] "m"(mxcsr_out), [fl] "r"(rfl),
          [code] "r"(rcode), "S"(mem)
        : "memory", "cc", "rax", "rcx", "rdx", "rdi", "r8", "r9", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
          "xmm5", "xmm6", "xmm7");
    flags_out = g[6];
  } else {
    __asm__ volatile("emms\n\tldmxcsr %0" ::"m"((uint32_t){0x1f80}));
    mxcsr_out = fault_mxcsr;
    memcpy(xmm, fault_xmm, 128);
    flags_out = flags;
  }
  for (int i = 0; i < 8; i++) gpr[i] = (uint32_t)g[i];
  gpr[6] = 0;
  gpr[4] = 0;
  puthex(xmm, 128);
  putchar(' ');
  puthex(mm, 64);
  putchar(' ');
  puthex((uint8_t *)gpr, 32);
  putchar(' ');
  puthex(mem, 128);
  printf(" %x %llx %d\n", mxcsr_out, (unsigned long long)(flags_out & 0xfff), faulted);
}

int main(void) {
  code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGFPE, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);
  static char line[4096];
  while (fgets(line, sizeof line, stdin)) {
    if (line[0] == 'x') run_x87(line);
    else if (line[0] == 's') run_simd(line);
    else continue;
  }
  return 0;
}
