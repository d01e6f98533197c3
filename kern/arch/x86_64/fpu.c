/* FPU/SSE state handling (see fpu.h). */
#include "arch/x86_64/fpu.h"

#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "lib/string.h"

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR4_OSXMMEXCPT (1ull << 10)

void fpu_init_cpu(void)
{
    write_cr0((read_cr0() | CR0_MP) & ~(CR0_EM | CR0_TS));
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

void fpu_state_init(void *area)
{
    memset(area, 0, FPU_STATE_SIZE);
    uint8_t *a = area;
    a[0] = 0x7F; /* FCW = 0x037F */
    a[1] = 0x03;
    uint32_t mxcsr = 0x1F80;
    memcpy(a + 24, &mxcsr, 4);
}
