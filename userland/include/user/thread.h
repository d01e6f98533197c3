/*
 * Threads over kl.core.Thread: create with a C function and argument, join with a timeout.
 * The kernel allocates each thread's stack (Thread.Create's stackSize). A thread that returns
 * from its function ends with Thread.Exit(return value).
 */
#ifndef USER_THREAD_H
#define USER_THREAD_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

typedef int (*thread_fn)(void *arg);

struct thread {
    uint32_t handle; /* Thread handle (Thread.Create's out handle) */
    uint32_t tid;
};

#define THREAD_STACK_DEFAULT (64u * 1024u)

/* Priorities: 0..31, higher is more urgent; new threads default to 10 (the kernel's default). */
#define THREAD_PRIO_MIN 0u
#define THREAD_PRIO_DEFAULT 10u
#define THREAD_PRIO_MAX 31u

/* Starts fn(arg) in a new thread of this process at `priority`; stack 0 = the default. */
Retcode thread_create(struct thread *t, thread_fn fn, void *arg, uint32_t priority, size_t stack);

/* Thread.Wait: waits at most msec (kl_core_Types_InfiniteTimeout = forever) for t to end and
 * stores its exit code. rcTimeout if it is still running. */
Retcode thread_join(struct thread *t, uint32_t msec, int *code);

/* Thread.Exit for the calling thread. */
__attribute__((noreturn)) void thread_exit(int code);

#endif
