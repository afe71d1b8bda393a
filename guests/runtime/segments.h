/* GDT selectors shared by the runtime's assembly and C code. */
#ifndef RT_SEGMENTS_H
#define RT_SEGMENTS_H
#define SEL_KCODE   0x08
#define SEL_KDATA   0x10
#define SEL_UDATA   0x1b
#define SEL_UCODE   0x23
#define SEL_KCODE32 0x28
#define SEL_TSS     0x30
#endif
