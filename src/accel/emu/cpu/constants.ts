/** Architectural constants of the IA-32 core: register and segment indices, EFLAGS and CR bits, vectors. */

/** General-purpose register indices in encoding order; index 16 always reads zero (the "no register" slot of decoded addresses). */
export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
/** The always-zero register slot used for absent base/index registers; 16 leaves room for R8-R15 in long mode. */
export const REG_NONE = 16;
/** Number of slots in the register file (16 GPRs for long mode plus the zero slot). */
export const REG_SLOTS = 17;

/** Segment register indices in encoding order (sreg field of ModRM), then LDTR and TR. */
export const ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5, LDTR = 6, TR = 7;

/** EFLAGS bits. */
export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200, DF = 0x400, OF = 0x800;
/** EFLAGS system bits. */
export const IOPL = 0x3000, NT = 0x4000, RF = 0x10000, VM = 0x20000, AC = 0x40000, VIF = 0x80000, VIP = 0x100000, ID = 0x200000;
/** The six arithmetic status flags. */
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;
/** EFLAGS bits software can change at all (bit 1 always reads 1). */
export const EFLAGS_VALID = ARITH_FLAGS | TF | IF | DF | IOPL | NT | RF | VM | AC | VIF | VIP | ID;

/** CR0 bits. */
export const CR0_PE = 0x1, CR0_MP = 0x2, CR0_EM = 0x4, CR0_TS = 0x8, CR0_ET = 0x10, CR0_NE = 0x20, CR0_WP = 0x10000, CR0_AM = 0x40000, CR0_NW = 0x20000000, CR0_CD = 0x40000000, CR0_PG = 0x80000000;
/** CR4 bits. */
export const CR4_VME = 0x1, CR4_PVI = 0x2, CR4_TSD = 0x4, CR4_DE = 0x8, CR4_PSE = 0x10, CR4_PAE = 0x20, CR4_MCE = 0x40, CR4_PGE = 0x80, CR4_PCE = 0x100, CR4_OSFXSR = 0x200, CR4_OSXMMEXCPT = 0x400;
/** EFER bits. */
export const EFER_SCE = 0x1, EFER_LME = 0x100, EFER_LMA = 0x400, EFER_NXE = 0x800;

/** Exception vectors. */
export const DE = 0, DB = 1, NMI = 2, BP = 3, OFV = 4, BR = 5, UD = 6, NM = 7, DOUBLE_FAULT = 8, TS = 10, NP = 11, SS_FAULT = 12, GP = 13, PF_FAULT = 14, MF = 16, AC_FAULT = 17, MC = 18, XM = 19;

/** Descriptor attribute word layout (VMX access-rights style): type in bits 0-3, then S, DPL, P, AVL, L, D/B, G. */
export const ATTR_S = 0x10, ATTR_DPL_SHIFT = 5, ATTR_P = 0x80, ATTR_AVL = 0x1000, ATTR_L = 0x2000, ATTR_DB = 0x4000, ATTR_G = 0x8000;

/** Segment usability bits kept beside each cached descriptor. */
export const SEG_READ = 1, SEG_WRITE = 2, SEG_VALID = 4;
