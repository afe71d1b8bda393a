/*
 * emu-check native harness: runs instruction sequences as 32-bit ring-3 code on the host CPU and
 * reports what they did, for comparison with tkvm's software CPU (test/emu-check).
 *
 * Freestanding (no libc: Debian's gcc-multilib is not needed), built with gcc -m32 at test time.
 * stdin: records of little-endian u32s, ended by a zero code length:
 *   codeLen, memSeed, EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI, EFLAGS, code bytes (padded to 4).
 * stdout: one record per sequence:
 *   signal, trapno, err, cr2, eip, EAX..EDI, EFLAGS, ES, CS, SS, DS, FS, GS, nChanged,
 *   nChanged x (offset << 8 | byte).
 * The code runs at CODE_BASE; the data area (DATA_BASE, DATA_SIZE bytes) is filled from memSeed
 * with xorshift32 before each sequence and reported as the bytes that differ from that fill.
 * The harness itself is linked at 0x60000000 and kept small, so that random pointers in the
 * sequences hardly ever land in memory that only the native side maps.
 * Each sequence ends in a trap or fault (normally the int3 the generator appends): the signal
 * handler records the context the kernel saved (registers, EFLAGS, trap number, error code, CR2)
 * and resumes the harness.
 */
typedef unsigned int u32;
typedef unsigned char u8;

#define CODE_BASE 0x10000000u
#define CODE_SIZE 0x1000u
#define DATA_BASE 0x20000000u
#define DATA_SIZE 0x2000u

#define SYS_exit 1
#define SYS_read 3
#define SYS_write 4
#define SYS_sigaltstack 186
#define SYS_rt_sigaction 174
#define SYS_mmap2 192

#define PROT_RWX 7
#define MAP_PRIVATE 0x02
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000

#define SA_SIGINFO 0x4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SA_NODEFER 0x40000000

extern long sys6(long nr, long a, long b, long c, long d, long e, long f);
extern void run_sequence(const u32 *in);
extern void sequence_resume(void);
extern void signal_restorer(void);
extern u32 harness_esp;
extern u32 sequence_entry;

void *memcpy(void *d, const void *s, unsigned n);
void *memset(void *d, int c, unsigned n);
int harness_main(void);

void *memcpy(void *d, const void *s, unsigned n) {
  u8 *dp = d;
  const u8 *sp = s;
  while (n--) *dp++ = *sp++;
  return d;
}

void *memset(void *d, int c, unsigned n) {
  u8 *dp = d;
  while (n--) *dp++ = (u8)c;
  return d;
}

static void fail(const char *msg) {
  unsigned n = 0;
  while (msg[n]) n++;
  sys6(SYS_write, 2, (long)msg, n, 0, 0, 0);
  sys6(SYS_exit, 2, 0, 0, 0, 0, 0);
}

/* The data area's contents before a sequence: xorshift32 from the seed, one word at a time. */
static void fill(u32 *words, u32 seed) {
  u32 x = seed ? seed : 0x9E3779B9u;
  for (u32 i = 0; i < DATA_SIZE / 4; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    words[i] = x;
  }
}

static u8 input[8 << 20];
static u8 output[1 << 16];
static u32 outLen;
static u8 altStack[65536];
static u32 expected[DATA_SIZE / 4];

/* What the signal handler saw: signal, trapno, err, cr2, eip, EAX..EDI, EFLAGS, ES CS SS DS FS GS. */
#define RESULT_WORDS 20
static volatile u32 result[RESULT_WORDS];
static volatile int inSequence;

static void flush(void) {
  u32 off = 0;
  while (off < outLen) {
    long n = sys6(SYS_write, 1, (long)(output + off), outLen - off, 0, 0, 0);
    if (n <= 0) fail("emu-check harness: write failed\n");
    off += (u32)n;
  }
  outLen = 0;
}

static void emit(u32 v) {
  if (outLen + 4 > sizeof output) flush();
  memcpy(output + outLen, &v, 4);
  outLen += 4;
}

/* i386 struct sigcontext, the uc_mcontext of the ucontext at offset 20. */
struct sigctx {
  u32 gs, fs, es, ds;
  u32 edi, esi, ebp, esp, ebx, edx, ecx, eax;
  u32 trapno, err, eip, cs, eflags, espAtSignal, ss, fpstate, oldmask, cr2;
};

static u32 harnessDs, harnessEs, harnessFs, harnessGs;

static void onSignal(int sig, void *info, void *ucv) {
  (void)info;
  struct sigctx *sc = (struct sigctx *)((u8 *)ucv + 20);
  if (!inSequence) fail("emu-check harness: signal outside a sequence\n");
  inSequence = 0;
  result[0] = (u32)sig;
  result[1] = sc->trapno;
  result[2] = sc->err;
  result[3] = sc->cr2;
  result[4] = sc->eip;
  /* EAX..EDI: the sigcontext holds them in the reverse order, EDI first. */
  const u32 *eax = &sc->eax;
  for (int r = 0; r < 8; r++) result[5 + r] = eax[-r];
  result[13] = sc->eflags;
  const u32 segs[6] = {sc->es, sc->cs, sc->ss, sc->ds, sc->fs, sc->gs};
  for (int i = 0; i < 6; i++) result[14 + i] = segs[i] & 0xffff;
  sc->eip = (u32)sequence_resume;
  sc->esp = harness_esp;
  sc->eflags = 0x202;
  sc->ds = harnessDs;
  sc->es = harnessEs;
  sc->fs = harnessFs;
  sc->gs = harnessGs;
  sc->ss = harnessDs;
}

struct kernelSigaction {
  void (*handler)(int, void *, void *);
  u32 flags;
  void (*restorer)(void);
  u32 mask[2];
};

static void install(int sig) {
  struct kernelSigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.handler = onSignal;
  sa.flags = SA_SIGINFO | SA_ONSTACK | SA_RESTORER | SA_NODEFER;
  sa.restorer = signal_restorer;
  if (sys6(SYS_rt_sigaction, sig, (long)&sa, 0, 8, 0, 0) != 0) fail("emu-check harness: sigaction failed\n");
}

static void mapFixed(u32 addr, u32 size) {
  long r = sys6(SYS_mmap2, addr, size, PROT_RWX, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if ((u32)r != addr) fail("emu-check harness: cannot map the code or data area at its fixed address\n");
}

int harness_main(void) {
  u32 inLen = 0;
  for (;;) {
    long n = sys6(SYS_read, 0, (long)(input + inLen), sizeof input - inLen, 0, 0, 0);
    if (n < 0) fail("emu-check harness: read failed\n");
    if (n == 0) break;
    inLen += (u32)n;
    if (inLen == sizeof input) fail("emu-check harness: input too large\n");
  }
  mapFixed(CODE_BASE, CODE_SIZE);
  mapFixed(DATA_BASE, DATA_SIZE);
  u32 ss[3] = {(u32)altStack, 0, sizeof altStack};
  if (sys6(SYS_sigaltstack, (long)ss, 0, 0, 0, 0, 0) != 0) fail("emu-check harness: sigaltstack failed\n");
  __asm__ volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
                   : "=r"(harnessDs), "=r"(harnessEs), "=r"(harnessFs), "=r"(harnessGs));
  install(4);  /* SIGILL */
  install(5);  /* SIGTRAP */
  install(7);  /* SIGBUS */
  install(8);  /* SIGFPE */
  install(11); /* SIGSEGV */
  sequence_entry = CODE_BASE;
  u32 *data = (u32 *)DATA_BASE;
  u32 pos = 0;
  for (;;) {
    if (pos + 4 > inLen) fail("emu-check harness: truncated input\n");
    u32 head[11];
    memcpy(head, input + pos, 4);
    if (head[0] == 0) break;
    if (pos + 44 > inLen) fail("emu-check harness: truncated input\n");
    memcpy(head, input + pos, 44);
    u32 codeLen = head[0];
    if (codeLen > CODE_SIZE || pos + 44 + codeLen > inLen) fail("emu-check harness: bad code length\n");
    memcpy((void *)CODE_BASE, input + pos + 44, codeLen);
    pos += 44 + ((codeLen + 3) & ~3u);
    fill(data, head[1]);
    inSequence = 1;
    run_sequence(head + 2);
    for (u32 i = 0; i < RESULT_WORDS; i++) emit(result[i]);
    fill(expected, head[1]);
    const u8 *now = (const u8 *)data;
    const u8 *was = (const u8 *)expected;
    u32 changed = 0;
    for (u32 i = 0; i < DATA_SIZE; i++) changed += now[i] != was[i];
    emit(changed);
    for (u32 i = 0; i < DATA_SIZE; i++)
      if (now[i] != was[i]) emit(i << 8 | now[i]);
  }
  flush();
  return 0;
}
