/*
 * <user/thread.h>. Thread.Create starts the new thread at `routine` with rdi = context and
 * context2 at [rsp + 8] (rsp + 8 is 16-byte aligned, as after a call); routine is the assembly
 * trampoline below, context the C function and context2 its argument. The trampoline loads
 * context2 into rsi, aligns the stack like _start does and clears the frame pointer so
 * backtraces end there.
 *
 * In a program with TLS (<user/tls.h>) the new thread's block is made here, before the thread
 * exists, and handed over in its TCB: context is tls_thread_main, context2 the TCB, and the
 * thread points its FS base at the block (Thread.SetTls acts on the calling thread only) before
 * it calls fn. It frees the block itself in thread_exit, so a joined thread leaves nothing.
 */
#include <stdint.h>

#include <user/core.h>
#include <user/thread.h>
#include <user/tls.h>

__asm__(".text\n"
        ".type __bastion_thread_entry, @function\n"
        "__bastion_thread_entry:\n"
        "    mov 8(%rsp), %rsi\n"
        "    xor %ebp, %ebp\n"
        "    and $-16, %rsp\n"
        "    call __bastion_thread_start\n"
        "    ud2\n"
        ".size __bastion_thread_entry, . - __bastion_thread_entry\n");

extern const char __bastion_thread_entry[];

__attribute__((noreturn, used)) void __bastion_thread_start(thread_fn fn, void *arg)
{
    thread_exit(fn(arg));
}

/* A new thread of a program with TLS: its block first, then the caller's function. */
static int tls_thread_main(void *tcb_arg)
{
    struct bastion_tcb *tcb = tcb_arg;
    Retcode r = tls_set_current(tcb);
    if (r != rcOk) {
        /* Ends here, not through thread_exit: with the FS base still 0 it could not read its
         * TCB. The exit code says why fn never ran. */
        tls_block_free(tcb);
        core_thread_exit(r);
        for (;;)
            __builtin_trap();
    }
    thread_fn fn = (thread_fn)(uintptr_t)tcb->start_fn;
    return fn((void *)(uintptr_t)tcb->start_arg);
}

Retcode thread_create(struct thread *t, thread_fn fn, void *arg, uint32_t priority, size_t stack)
{
    if (t == NULL || fn == NULL)
        return rcInvalidArgument;
    struct bastion_tcb *tcb = NULL;
    if (tls_template(NULL)) {
        Retcode r = tls_block_new(&tcb);
        if (r != rcOk)
            return r;
        tcb->start_fn = (uint64_t)(uintptr_t)fn;
        tcb->start_arg = (uint64_t)(uintptr_t)arg;
        fn = tls_thread_main;
        arg = tcb;
    }
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {0};
    kl_core_Types_Tid tid = 0;
    Retcode r = core_result(
        kl_core_Thread_Create(&cl, &h, &tid, priority, stack ? stack : THREAD_STACK_DEFAULT,
                              (uint64_t)(uintptr_t)__bastion_thread_entry, (uint64_t)(uintptr_t)fn,
                              (uint64_t)(uintptr_t)arg, 0, &rc),
        &rc);
    if (r == rcOk) {
        t->handle = h.handle;
        t->tid = tid;
    } else {
        tls_block_free(tcb); /* no thread will: it never started */
    }
    return r;
}

Retcode thread_join(struct thread *t, uint32_t msec, int *code)
{
    if (t == NULL)
        return rcInvalidArgument;
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_ExitCode ec = 0;
    Retcode r =
        core_result(kl_core_Thread_Wait(&cl, core_handle_arg(t->handle), msec, &ec, &rc), &rc);
    if (r == rcOk && code)
        *code = ec;
    return r;
}

void thread_exit(int code)
{
    /* Nothing of this thread reads its TLS after this point: free() and Thread.Exit use the
     * stack only. The FS base keeps pointing at the freed block until the thread is gone. */
    tls_block_free(tls_current());
    core_thread_exit(code);
    for (;;)
        __builtin_trap();
}
