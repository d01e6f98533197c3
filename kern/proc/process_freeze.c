/*
 * Freezing a process at a fatal fault (contract in process.h, process_fault_freeze): instead
 * of ending it, the kernel stops every thread of it and keeps its memory, its handles and every
 * thread's registers, so that a crash reporter holding its handle with HR_TASK_FROZEN can look
 * at it (kl.core.Task GetThreadContext, GetNextVmRegion: klcore/Task_freeze.c) and then end it
 * (TerminateAfterFreezing). A frozen process stays RUNNING for the life cycle (nothing reaps
 * it) with p->frozen set: no thread can be added to it (process_add_thread), GetExitInfo
 * reports its fault, and Terminate or TerminateAfterFreezing ends it as any other.
 *
 * The registers live in p->frozen_threads, one entry per thread in threads[] order (the
 * faulting thread first), allocated at the freeze and charged to the process's own kernel
 * memory: a process that cannot pay for them is not frozen but ended, as without the flag.
 * The other threads are stopped by ending them (thread_terminate): each ends on its way back
 * to user mode, or before its first user instruction, and its thread_exit leaves its user-mode
 * frame in its entry (process_thread_exit): its registers where it was stopped (in a system
 * call: rip after the SYSCALL instruction, rax the call's result, rcx and r11 what SYSCALL put
 * there). The freeze waits for them (at most FREEZE_STOP_WAIT_NS each), so that an inspector
 * normally finds them all; one still stopping is reported busy, never half-saved. Threads that
 * had ended before the fault are forgotten first: the frozen picture is of the threads that ran.
 *
 * Once they are stopped, the freeze raises NoticeProcessFrozen on the process (obj/notice.h):
 * a crash reporter (Einit) waits for it in Notice.GetEvent instead of polling GetExitInfo. The
 * flag `frozen` is set first, so a receiver that subscribes later gets the event at once
 * (klcore/Notice.c).
 */
#include "arch/x86_64/idt.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/slab.h"
#include "obj/notice.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "security/core_log.h"

#define FREEZE_STOP_WAIT_NS 1000000000ull

static void keep_frame(struct process_frozen_thread *e, const struct thread *t,
                       const struct trap_frame *f)
{
    *e = (struct process_frozen_thread){
        .saved = true,
        .tid = thread_tid(t),
        .fs_base = t->fs_base,
        .rax = f->rax,
        .rbx = f->rbx,
        .rcx = f->rcx,
        .rdx = f->rdx,
        .rsi = f->rsi,
        .rdi = f->rdi,
        .rbp = f->rbp,
        .rsp = f->rsp,
        .r8 = f->r8,
        .r9 = f->r9,
        .r10 = f->r10,
        .r11 = f->r11,
        .r12 = f->r12,
        .r13 = f->r13,
        .r14 = f->r14,
        .r15 = f->r15,
        .rip = f->rip,
        .rflags = f->rflags,
    };
}

void process_thread_exit(struct thread *t)
{
    struct process *p = t->proc;
    const struct trap_frame *f = thread_user_frame();
    if (p == NULL || f == NULL)
        return;
    spin_lock(&p->lock);
    if (p->frozen && p->frozen_threads != NULL) {
        for (uint32_t i = 0; i < p->nfrozen && i < p->nthreads; i++)
            if (p->threads[i] == t && !p->frozen_threads[i].saved)
                keep_frame(&p->frozen_threads[i], t, f);
    }
    spin_unlock(&p->lock);
}

bool process_fault_freeze(struct process *p, const struct trap_frame *f, uint64_t fs_base,
                          uint64_t addr)
{
    (void)fs_base; /* the thread's own (thread.fs_base) is what is kept */
    struct thread *self = thread_current();
    if (!p->freeze_on_fault) /* fixed at Task.Create */
        return false;
    process_forget_dead_threads(p);
    struct process_frozen_thread *regs = NULL;
    uint32_t room = 0;
    spin_lock(&p->lock);
    for (;;) {
        if (p->state != PROC_RUNNING) {
            spin_unlock(&p->lock);
            kfree_charged(regs, &p->kmem);
            return false;
        }
        if (p->frozen) {
            /* Another thread's fault froze it first: this one is one of the threads it stops,
             * and keeps its registers at its own fault (its thread_exit leaves them). */
            spin_unlock(&p->lock);
            kfree_charged(regs, &p->kmem);
            return true;
        }
        if (room > 0 && p->nthreads <= room)
            break;
        /* A thread may have been added meanwhile: size for the list as it is now (this thread
         * is on it: at least one). */
        uint32_t want = p->nthreads > 0 ? p->nthreads : 1;
        spin_unlock(&p->lock);
        kfree_charged(regs, &p->kmem);
        Retcode rc;
        regs = kmalloc_charged(want * sizeof *regs, &p->kmem, &rc);
        if (regs == NULL) {
            kprintf("process %s: no memory to keep its threads' registers: %s\n", p->name,
                    retcode_name(rc));
            return false;
        }
        memset(regs, 0, want * sizeof *regs);
        room = want;
        spin_lock(&p->lock);
    }
    __atomic_store_n(&p->frozen, true, __ATOMIC_RELEASE); /* read without the lock: Notice.c */
    p->exit_reason = PROC_EXIT_EXCEPTION;
    p->exit_code = -1;
    p->fault = (struct process_fault){(uint32_t)f->vector, f->error_code, addr, f->rip};
    /* The faulting thread first: GetThreadContext index 0. */
    uint32_t n = p->nthreads;
    for (uint32_t i = 1; i < n; i++)
        if (p->threads[i] == self) {
            p->threads[i] = p->threads[0];
            p->threads[0] = self;
        }
    p->frozen_threads = regs;
    p->nfrozen = n;
    keep_frame(&regs[0], self, f);
    struct thread *ts[PROCESS_MAX_THREADS];
    for (uint32_t i = 0; i < n; i++) {
        ts[i] = p->threads[i];
        thread_ref(ts[i]);
    }
    spin_unlock(&p->lock);
    core_log_fault(p, (uint32_t)f->vector, f->error_code, addr, f->rip, true);
    for (uint32_t i = 0; i < n; i++)
        if (ts[i] != self)
            (void)thread_terminate(ts[i], -1);
    for (uint32_t i = 0; i < n; i++) {
        int64_t code;
        if (ts[i] != self)
            (void)thread_wait(ts[i], FREEZE_STOP_WAIT_NS, &code);
        thread_unref(ts[i]);
    }
    /* Its inspector may look now (the others stopped, or are reported busy while stopping). */
    notice_raise(p->obj.koid, NOTICE_EV_PROCESS_FROZEN, false);
    return true;
}
