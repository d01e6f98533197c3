/* The #GP fixup of the fault-safe MSR accessors (see msr_safe.h). */
#include "arch/x86_64/msr_safe.h"

#include "arch/x86_64/idt.h"

extern char msr_safe_rdmsr_insn[], msr_safe_wrmsr_insn[], msr_safe_fault[];

bool msr_safe_fixup(struct trap_frame *f)
{
    if (trap_from_user(f))
        return false;
    if (f->rip != (uint64_t)msr_safe_rdmsr_insn && f->rip != (uint64_t)msr_safe_wrmsr_insn)
        return false;
    f->rip = (uint64_t)msr_safe_fault;
    return true;
}
