/* SYSCALL MSR set-up and the system-call dispatcher (see syscall.h and bastion/syscall.h). */
#include "arch/x86_64/syscall.h"

#include <stddef.h>

#include <bastion/syscall.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/percpu.h"
#include "security/ksm_channel.h"
#include "syscall/ipc_calls.h"
#include "proc/thread.h"
#include "sched/sched.h"

_Static_assert(offsetof(struct percpu, kernel_stack_top) == 16, "syscall_entry.asm: "
                                                                "PERCPU_KSTACK_TOP");
_Static_assert(offsetof(struct percpu, user_rsp_scratch) == 24, "syscall_entry.asm: "
                                                                "PERCPU_USER_RSP");
_Static_assert(GDT_USER_DATA == (0x18 | 3) && GDT_USER_CODE == (0x20 | 3), "syscall_entry.asm: "
                                                                           "USER_SS/CS");

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_DF (1ull << 10)

extern void syscall_entry(void);


void syscall_init_cpu(void)
{
    /* SYSRET loads CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8 (RPL 3): 0x10 gives user
     * code 0x20 and user data 0x18, the GDT layout gdt.h fixes for exactly this reason. */
    wrmsr(MSR_STAR, ((uint64_t)(GDT_KERNEL_DATA) << 48) | ((uint64_t)GDT_KERNEL_CODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

uint64_t syscall_count(void)
{
    /* Each CPU counts its own (one unlocked add on the path, no shared line); a sum read while
     * others count may miss their latest calls. */
    uint64_t n = 0;
    for (unsigned i = 0; i < MAX_CPUS; i++) {
        const struct percpu *p = percpu_get(i);
        if (p)
            n += __atomic_load_n(&p->syscalls, __ATOMIC_RELAXED);
    }
    return n;
}

/* Each call with results besides rax has them written straight into the frame (rdx, r8),
 * through pointers to the frame's slots: no local has its address taken, so neither these
 * wrappers nor the IPC functions inlined into them need a stack canary for them. The
 * arguments are read first and the result slots cleared, so a call that fails before writing a
 * result returns 0 there, as before. noinline keeps the IPC code out of syscall_dispatch, whose
 * own path (SYS_NULL: kernel entry and exit, the benchmark) stays small. */
static __attribute__((noinline)) Retcode sys_call(struct trap_frame *f)
{
    const uint32_t handle = (uint32_t)f->rdi;
    const uint64_t req = f->rsi, req_len = f->rdx, resp = f->r10, resp_cap = f->r8, timeout = f->r9;
    f->rdx = 0;
    return ipc_sys_call(handle, req, req_len, resp, resp_cap, timeout, &f->rdx);
}

static __attribute__((noinline)) Retcode sys_recv(struct trap_frame *f)
{
    const uint32_t handle = (uint32_t)f->rdi;
    const uint64_t buf = f->rsi, cap = f->rdx, timeout = f->r10;
    f->rdx = 0;
    f->r8 = 0;
    return ipc_sys_recv(handle, buf, cap, timeout, &f->rdx, &f->r8);
}

static __attribute__((noinline)) Retcode sys_ksm_wait(struct trap_frame *f)
{
    uint64_t len = 0;
    Retcode rc = ksm_channel_wait(f->rdi, f->rsi, f->rdx, f->r10, f->r8, &len);
    f->rdx = len;
    return rc;
}

static __attribute__((noinline)) Retcode sys_reply_recv(struct trap_frame *f)
{
    const uint64_t token = f->rdi, buf = f->rsi, len = f->rdx, cap = f->r8, timeout = f->r9;
    const uint32_t handle = (uint32_t)f->r10;
    f->rdx = 0;
    f->r8 = 0;
    return ipc_sys_reply_recv(token, buf, len, handle, cap, timeout, &f->rdx, &f->r8);
}

void syscall_dispatch(struct trap_frame *f)
{
    PERCPU(syscalls)++;
    Retcode rc;
    switch (f->rax) {
    case SYS_NULL:
        rc = rcOk;
        break;
    case SYS_CALL:
        rc = sys_call(f);
        break;
    case SYS_RECV:
        rc = sys_recv(f);
        break;
    case SYS_REPLY:
        rc = ipc_sys_reply(f->rdi, f->rsi, f->rdx);
        break;
    case SYS_REPLY_RECV:
        rc = sys_reply_recv(f);
        break;
    case SYS_KSM_WAIT:
        rc = sys_ksm_wait(f);
        break;
    default:
        rc = rcNotSupported;
        break;
    }
    f->rax = (uint64_t)(int64_t)rc;

    /* A thread terminated while in the kernel ends here, before user mode sees it again. */
    struct thread *t = thread_current();
    if (t->kill_pending)
        thread_exit(t->kill_code);
    /* Something more urgent became ready here while this thread was in the kernel. Returns
     * with interrupts off, for the return to user mode (syscall_entry.asm relies on it). */
    sched_preempt_point_leaving();
}
