/* Einit's crash reporter (contract in einit_crash.h). */
#include "einit_crash.h"

#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/vmm.h>

#include "elf_spawn.h"

#define MAX_REGIONS 64u
#define MAX_FRAMES 16u

/* The copy of the region holding the stack pointer, mapped in Einit. */
struct stack_copy {
    uint64_t base, size; /* in the crashed process */
    const uint8_t *data;
    uint32_t mdl;
};

static void close_handle(uint32_t h)
{
    if (h == 0 || h == kl_core_Types_InvalidHandleValue)
        return;
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    (void)core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

/* The 8 bytes at `addr` of the crashed process, if they lie in the stack copy. */
static int stack_read(const struct stack_copy *s, uint64_t addr, uint64_t *v)
{
    if (s->data == NULL || addr < s->base || addr - s->base > s->size - 8)
        return 0;
    memcpy(v, s->data + (addr - s->base), 8);
    return 1;
}

static void print_frame(const char *name, unsigned n, uint64_t addr, uint64_t bias,
                        const struct elf_symbols *syms)
{
    uint64_t off = 0;
    const char *fn = syms->nsyms ? elf_symbols_find(syms, addr - bias, &off) : NULL;
    if (fn != NULL)
        printf("einit: %s: #%u %#llx %s+0x%llx\n", name, n, (unsigned long long)addr, fn,
               (unsigned long long)off);
    else
        printf("einit: %s: #%u %#llx ?\n", name, n, (unsigned long long)addr);
}

/* The frozen process's other threads (GetThreadContext 1..): where each was stopped. */
static void print_other_threads(const char *name, uint64_t bias, uint32_t task,
                                const struct elf_symbols *syms)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    for (uint32_t i = 1;; i++) {
        kl_core_Types_Retcode rc = rcFail;
        struct kl_core_Task_ThreadContext ctx;
        memset(&ctx, 0, sizeof ctx);
        Retcode r = core_result(
            kl_core_Task_GetThreadContext(&cl, core_handle_arg(task), i, &ctx, &rc), &rc);
        if (r == rcNotFound)
            break;
        if (r != rcOk) {
            printf("einit: %s: thread #%u: %s\n", name, (unsigned)i, retcode_name(r));
            break;
        }
        uint64_t off = 0;
        const char *fn = syms->nsyms ? elf_symbols_find(syms, ctx.regs.rip - bias, &off) : NULL;
        printf("einit: %s: thread %llu stopped at rip %#llx %s+0x%llx rsp %#llx\n", name,
               (unsigned long long)ctx.tid, (unsigned long long)ctx.regs.rip, fn ? fn : "?",
               (unsigned long long)off, (unsigned long long)ctx.regs.rsp);
    }
}

void einit_crash_report(const char *name, const char *path, uint64_t bias, uint32_t task)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    struct kl_core_Task_ThreadContext ctx;
    memset(&ctx, 0, sizeof ctx);
    Retcode r =
        core_result(kl_core_Task_GetThreadContext(&cl, core_handle_arg(task), 0, &ctx, &rc), &rc);
    if (r != rcOk)
        return; /* not frozen: it ended another way */
    const struct kl_core_Task_CpuContext *g = &ctx.regs;
    printf("einit: %s: crash report (thread %llu)\n", name, (unsigned long long)ctx.tid);
    printf("einit: %s: rip %#llx rsp %#llx rbp %#llx rflags %#llx\n", name,
           (unsigned long long)g->rip, (unsigned long long)g->rsp, (unsigned long long)g->rbp,
           (unsigned long long)g->rflags);
    printf("einit: %s: rax %#llx rbx %#llx rcx %#llx rdx %#llx rsi %#llx rdi %#llx\n", name,
           (unsigned long long)g->rax, (unsigned long long)g->rbx, (unsigned long long)g->rcx,
           (unsigned long long)g->rdx, (unsigned long long)g->rsi, (unsigned long long)g->rdi);
    printf("einit: %s: r8 %#llx r9 %#llx r10 %#llx r11 %#llx r12 %#llx r13 %#llx r14 %#llx "
           "r15 %#llx fs %#llx\n",
           name, (unsigned long long)g->r8, (unsigned long long)g->r9, (unsigned long long)g->r10,
           (unsigned long long)g->r11, (unsigned long long)g->r12, (unsigned long long)g->r13,
           (unsigned long long)g->r14, (unsigned long long)g->r15, (unsigned long long)g->fsBase);

    /* Its regions; the stack's copy kept. */
    struct stack_copy st = {0};
    uint64_t after = 0;
    for (unsigned i = 0; i < MAX_REGIONS; i++) {
        kl_core_Types_VirtAddr next = 0;
        kl_core_Types_Size size = 0;
        uint32_t flags = 0;
        idl_handle_t h = {0};
        r = core_result(kl_core_Task_GetNextVmRegion(&cl, core_handle_arg(task), after, &next,
                                                     &size, &flags, &h, &rc),
                        &rc);
        if (r != rcOk)
            break;
        printf("einit: %s: region %#llx-%#llx %c%c%c %s\n", name, (unsigned long long)next,
               (unsigned long long)(next + size), (flags & BASTION_VMM_READ) ? 'r' : '-',
               (flags & BASTION_VMM_WRITE) ? 'w' : '-', (flags & BASTION_VMM_EXECUTE) ? 'x' : '-',
               (flags & BASTION_VMM_COMMIT) ? "committed" : "reserved");
        uint64_t va = 0;
        if (st.data == NULL && g->rsp >= next && g->rsp - next < size &&
            h.handle != kl_core_Types_InvalidHandleValue &&
            core_mdl_map(h.handle, 0, size, 0, BASTION_VMM_READ, &va) == rcOk) {
            st = (struct stack_copy){next, size, (const uint8_t *)(uintptr_t)va, h.handle};
        } else {
            close_handle(h.handle);
        }
        after = next + size;
    }

    /* The backtrace: rip, then the return addresses of the frame-pointer chain. */
    struct elf_symbols syms;
    if (elf_symbols_open(path, &syms) != rcOk)
        memset(&syms, 0, sizeof syms);
    print_frame(name, 0, g->rip, bias, &syms);
    uint64_t fp = g->rbp, ret, off = 0;
    unsigned n = 1;
    /* A fault at a function's first instruction (a leaf without a frame of its own, or before
     * its prologue) leaves rbp to its caller's frame: its return address is at rsp. */
    if (syms.nsyms && elf_symbols_find(&syms, g->rip - bias, &off) != NULL && off == 0 &&
        stack_read(&st, g->rsp, &ret))
        print_frame(name, n++, ret, bias, &syms);
    for (; n < MAX_FRAMES && stack_read(&st, fp + 8, &ret) && ret != 0; n++) {
        print_frame(name, n, ret, bias, &syms);
        uint64_t up;
        if (!stack_read(&st, fp, &up) || up <= fp)
            break; /* the chain must climb the stack */
        fp = up;
    }
    print_other_threads(name, bias, task, &syms);
    elf_symbols_close(&syms);
    if (st.data != NULL)
        (void)core_vmm_free((uint64_t)(uintptr_t)st.data, st.size);
    close_handle(st.mdl);
    (void)core_result(kl_core_Task_TerminateAfterFreezing(&cl, core_handle_arg(task), &rc), &rc);
}
