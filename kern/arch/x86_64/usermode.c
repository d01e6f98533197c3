/* Fatal user-mode faults (see usermode.h). */
#include "arch/x86_64/usermode.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "lib/kprintf.h"
#include "mm/usercopy.h"
#include "proc/thread.h"

/* The process code ends the whole process (weak reference: absent in process-less tests). */
void process_fault_kill_frame(struct process *p, const char *why, uint32_t vector,
                              uint64_t error_code, uint64_t addr, uint64_t ip)
    __attribute__((weak));
bool process_fault_freeze(struct process *p, const struct trap_frame *f, uint64_t fs_base,
                          uint64_t addr) __attribute__((weak));

noreturn void user_fault_fatal(struct trap_frame *f, const char *why, uint64_t addr)
{
    struct thread *t = thread_current();
    const char *name = t->proc && process_name ? process_name(t->proc) : t->name;
    sti();
    /* A process created to be frozen at a fault keeps its memory and this frame for
     * inspection (proc/process.h); otherwise it ends. This thread ends either way. */
    bool frozen =
        t->proc && process_fault_freeze && process_fault_freeze(t->proc, f, t->fs_base, addr);
    kprintf("fault: %s (thread %lu): fatal %s at %#lx (rip %#lx, error %#lx); %s\n", name,
            (unsigned long)t->tid, why, (unsigned long)addr, (unsigned long)f->rip,
            (unsigned long)f->error_code, frozen ? "frozen" : "killed");
    if (!frozen && t->proc && process_fault_kill_frame)
        process_fault_kill_frame(t->proc, why, (uint32_t)f->vector, f->error_code, addr, f->rip);
    thread_exit(-1);
}

/*
 * True when the instruction at rip is IN, OUT, INS or OUTS (after legacy and REX prefixes): a
 * #GP on it from user mode is a port the process was not permitted (IO.PermitPort). Read with
 * copy_from_user, so an unreadable rip is simply "no".
 */
static bool is_port_instruction(uint64_t rip)
{
    uint8_t code[15];
    if (copy_from_user(code, rip, sizeof code) != rcOk)
        return false;
    for (unsigned i = 0; i < sizeof code; i++) {
        uint8_t b = code[i];
        if (b == 0x66 || b == 0x67 || b == 0xF2 || b == 0xF3 || b == 0x2E || b == 0x3E ||
            b == 0x26 || b == 0x36 || b == 0x64 || b == 0x65 || (b >= 0x40 && b <= 0x4F))
            continue;
        return (b >= 0xE4 && b <= 0xE7) || (b >= 0xEC && b <= 0xEF) || (b >= 0x6C && b <= 0x6F);
    }
    return false;
}

static bool user_exception(struct trap_frame *f)
{
    static const char *const names[32] = {
        [0] = "divide error",
        [1] = "debug trap",
        [3] = "breakpoint",
        [4] = "overflow",
        [5] = "bound range",
        [6] = "invalid opcode",
        [7] = "device not available",
        [10] = "invalid TSS",
        [11] = "segment not present",
        [12] = "stack fault",
        [13] = "general protection fault",
        [16] = "x87 error",
        [17] = "alignment check",
        [19] = "SIMD error",
        [21] = "control protection fault",
    };
    if (!trap_from_user(f))
        return false;
    const char *why = f->vector < 32 && names[f->vector] ? names[f->vector] : "exception";
    if (f->vector == 13 && is_port_instruction(f->rip))
        why = "I/O port access not permitted (IO.PermitPort)";
    user_fault_fatal(f, why, f->rip);
}

void user_faults_init(void)
{
    static const uint8_t vectors[] = {0, 1, 3, 4, 5, 6, 7, 10, 11, 12, 13, 16, 17, 19, 21};
    for (unsigned i = 0; i < sizeof vectors; i++)
        exception_set_handler(vectors[i], user_exception);
}
