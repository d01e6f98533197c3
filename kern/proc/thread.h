/*
 * Threads: the unit the scheduler runs. Each thread has a kernel stack (16 KiB with an unmapped
 * guard page below it), a priority and scheduler class, a CPU affinity mask, a TLS base (the FS
 * base MSR, loaded on every switch to it), and an exit code that waiters collect.
 *
 * A thread belongs to a process (struct process, kern/proc/process.h, owned by the process
 * code) or, for kernel threads, to none (process == NULL). The thread code needs only three
 * things from a process, through functions the process code provides:
 *   struct aspace *process_aspace(struct process *p);   the address space its threads run in
 *   const char *process_name(const struct process *p);  for fault reports
 *   struct kmem_account *process_kmem(struct process *p); the account its threads are charged to
 *
 * Lifetime: a thread is a kernel object (struct kobj first, type KOBJ_THREAD). The scheduler
 * holds one reference from creation until the thread has exited and left its CPU for the last
 * time; handles hold the others. The kernel stack and the FPU area are freed when the thread
 * leaves its CPU for the last time (thread_release_exited), the object when its last reference
 * goes: a handle kept on an ended thread (to read its exit code) holds only the object.
 *
 * Charge: a user thread's object, kernel stack and FPU area (thread_kernel_charge() bytes, their
 * real sizes) are charged to its process's kernel-memory account before they are taken; the
 * stack's and FPU area's share is given back when they are freed, the object's when it is
 * destroyed, so a thread object kept alive by a handle after its thread ended still costs its
 * process, and only what it still holds.
 *
 * States: READY (on a run queue) -> RUNNING (on a CPU) -> BLOCKED (waiting: IPC, sleep, wait)
 * or DEAD (exited; its exit code stays readable until the object is destroyed).
 */
#ifndef BASTION_PROC_THREAD_H
#define BASTION_PROC_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "arch/x86_64/percpu.h"
#include "arch/x86_64/spinlock.h"
#include "ipc/ipc_thread.h"
#include "obj/kobj.h"
#include "sched/runqueue.h"

struct process;
struct aspace;
struct trap_frame;
struct kcov_area;
struct ksm_receiver;

/* Priorities within a class: 0 (least urgent) .. THREAD_PRIO_MAX. */
#define THREAD_PRIO_MAX 31
#define THREAD_PRIO_DEFAULT 10
#define THREAD_NAME_MAX 16

/* Size of each of a thread's two small core-call message buffers (struct thread, core_msg). */
#define THREAD_CORE_MSG 256u

/* Kernel stack: THREAD_KSTACK_PAGES mapped pages above one unmapped guard page. */
#define THREAD_KSTACK_PAGES 4
#define THREAD_KSTACK_SIZE (THREAD_KSTACK_PAGES * 4096ull)

enum sched_class {
    SCHED_NORMAL = 0, /* time-sliced round robin within a priority */
    SCHED_FIFO = 1,   /* real time: runs until it blocks, yields or a more urgent FIFO thread */
    SCHED_RR = 2,     /* real time like FIFO, but round robin within its level by its quantum */
};

enum thread_state {
    THREAD_NEW = 0, /* created, never started (thread_start pending) */
    THREAD_READY,
    THREAD_RUNNING,
    THREAD_BLOCKED,
    THREAD_DEAD,
};

/* Every CPU allowed. */
#define THREAD_AFFINITY_ALL (~0ull)

struct thread {
    struct kobj obj; /* first: handles point here */
    /* Scheduler state: sched_lock (sched/sched.c). */
    struct rq_node rq; /* run-queue link (sched/runqueue.h) */
    enum thread_state state;
    enum sched_class sched_class;
    uint8_t prio;            /* 0..THREAD_PRIO_MAX */
    uint64_t affinity;       /* bit i: may run on CPU i; never 0 */
    unsigned cpu;            /* CPU whose run queue owns it (last or current CPU) */
    unsigned slice_ticks;    /* ticks left in the current time slice (normal and RR class) */
    unsigned rr_quantum;     /* RR class: its time slice in ticks (>= 1) */
    bool on_cpu;             /* its registers are live on (or being saved from) a CPU */
    bool kernel_preemptible; /* the tick may switch it away in kernel mode too (it never
                                   * holds a spinlock with interrupts on) */
    Retcode wake_rc;         /* what sched_block*() returns to it */
    /* An interruptible wait (sched_interrupt(), sched.h): while set, a non-zero value of the
     * word it points to keeps the thread from blocking, and sched_interrupt() ends its wait,
     * both with rcInterrupted. Written (atomically) only by the thread itself around its own
     * block, and cleared by whoever ends what made the wait interruptible under the lock the
     * thread waits with (ipc/call.c: a receiver taking its queued call); read under sched_lock. */
    const uint32_t *intr_word;
    /* Timeout: on the sleep list while deadline_ns != 0 (sched_lock). */
    uint64_t deadline_ns;
    struct thread *sleep_next;
    /* Saved kernel context: rsp inside the kernel stack (context.asm). */
    uint64_t ksp;
    uintptr_t kstack_bottom; /* lowest mapped byte; the guard page lies below */
    uintptr_t kstack_top;
    /* User mode. */
    struct process *proc;  /* NULL: kernel thread */
    struct aspace *aspace; /* address space it runs in (NULL: kernel only) */
    uint64_t fs_base;      /* TLS base, loaded into MSR_FS_BASE when it runs */
    void *fpu_state;       /* 512-byte FXSAVE area, 16-aligned; NULL: kernel thread */
    /* Entry. */
    void (*entry)(void *arg);
    void *arg;
    uintptr_t user_entry, user_stack, user_arg;
    /* The stack region Thread.Create reserved for this thread in its process's address space
     * (base and size, guard page included; size 0: none, as for the main thread, whose stack
     * is part of the loaded image's layout). The process frees it when it forgets the thread
     * after the thread has ended: an ended thread never runs on it again. */
    uintptr_t user_stack_region;
    uint64_t user_stack_region_size;
    /* Exit: protected by exit_lock. */
    struct spinlock exit_lock;
    bool exited;
    int64_t exit_code;
    bool kill_pending;           /* thread_terminate() asked it to end with kill_code
                                   * (sched_lock; read without it by the thread itself) */
    int64_t kill_code;           /* sched_lock */
    struct thread *exit_waiters; /* threads in thread_wait(), linked by wait_next */
    struct thread *wait_next;    /* the exit_lock of the thread it waits for */
    /* Thread list of all live threads (for diagnostics and process termination): threads_lock. */
    struct thread *all_next;
    uint64_t tid; /* fixed once set under threads_lock */
    char name[THREAD_NAME_MAX];
    uint64_t ticks_run;   /* timer ticks that found it running */
    uint64_t switched_in; /* times the scheduler gave it a CPU (sched_lock; Profiler counters) */
    /* Its share of its process's activity counters (proc/activity.h): written by the thread
     * itself only, read by anyone (relaxed atomics). */
    uint64_t ipc_calls, sec_decisions, sec_denials;
    struct ipc_thread ipc; /* IPC wait state (ipc/ipc_thread.h; all-zero = idle): the
                                   * lock of the port it waits on */
    /* The KSM's threads only, from their first SYS_KSM_WAIT until they end: their receiving
     * state (security/ksm_handoff.c). Set and cleared by the thread itself. */
    struct ksm_receiver *ksm_rx;
    /* core_call's response and request buffers, for messages of at most THREAD_CORE_MSG bytes
     * each (kern/klcore/klcore.c): part of the thread, so charged once with it
     * (thread_kernel_charge()) instead of allocated and charged on every core-endpoint call. A
     * thread is in at most one core call at a time. The response comes first, at core_msg, the
     * request right after it: while the request is checked no response exists yet, so the
     * response's last bytes are the room before the request that the check may write
     * (security/hook.h: msg_room; klcore.c asserts it is enough). */
    _Alignas(16) uint8_t core_msg[2 * THREAD_CORE_MSG];
    /* thread_enter_user built its user-mode frame at the top of its kernel stack: from then on
     * that frame holds its registers of when it last left user mode (every entry from user
     * mode builds it there), which thread_exit hands to a frozen process (process_freeze.c). */
    bool user_entered;
    /* Kernel coverage (prof/kcov.h): the area its system calls append their PCs to while it
     * collects (KcovStart..KcovStop; set and cleared by the thread itself under its process's
     * lock, read by the coverage hook without one), and how many interrupt handlers it is
     * inside (counted by the coverage kernel only: an interrupt is none of its system calls). */
    struct kcov_area *kcov;
    uint32_t irq_depth;
};

/* Provided by the process code (kern/proc/process.c); weak references, so that kernel tests
 * without processes link too. */
struct aspace *process_aspace(struct process *p) __attribute__((weak));
const char *process_name(const struct process *p) __attribute__((weak));
struct kmem_account *process_kmem(struct process *p) __attribute__((weak));

/* What one user thread costs its process's kernel memory: the thread object's slab slot, its
 * kernel stack's pages and its FPU area's slot. */
size_t thread_kernel_charge(void);
/* A user thread holds its process's memory (not the process) until the thread object is
 * destroyed, so that t->proc stays readable for holders of the thread's handles. */
void process_hold_memory(struct process *p) __attribute__((weak));
void process_release_memory(struct process *p) __attribute__((weak));

/* Sets up the thread allocator and the boot CPU's first thread (the code running kmain). */
void thread_init(void);

/* The thread running on this CPU. Never NULL after thread_init() on this CPU. */
static inline struct thread *thread_current(void)
{
    /* The scheduler sets percpu.current_thread at every switch; one %gs-relative load, inline,
     * because the scheduler and IPC ask it on every call. */
    return (struct thread *)PERCPU(current_thread);
}
/* Its process (NULL for a kernel thread). */
struct process *process_current(void);

/*
 * A kernel thread running entry(arg) at priority prio (normal class), not started: call
 * thread_start() (after adjusting affinity, class...). *out gets the thread with one reference
 * for the caller (kobj_unref when done). rcOutOfMemory; rcInvalidArgument (prio out of range).
 */
Retcode thread_create_kernel(const char *name, void (*entry)(void *), void *arg, unsigned prio,
                             struct thread **out);

/*
 * A user thread of process p: enters user mode at `entry` with rdi = arg and rsp = stack, in
 * process_aspace(p). Not started. Same errors as above, rcInvalidArgument also for entry or
 * stack outside the user half or a process without an address space.
 */
Retcode thread_create_user(struct process *p, uintptr_t entry, uintptr_t arg, uintptr_t stack,
                           unsigned prio, struct thread **out);
/* Same with an explicit address space (kernel tests run user code without a process). */
Retcode thread_create_user_in(struct process *p, struct aspace *as, uintptr_t entry, uintptr_t arg,
                              uintptr_t stack, unsigned prio, struct thread **out);

/* Makes a NEW thread runnable (on a CPU its affinity allows). rcInvalidArgument if not NEW. */
Retcode thread_start(struct thread *t);

struct trap_frame;
/* The calling thread's user-mode frame (its registers when it last entered the kernel from
 * user mode), NULL for a thread that never had one (kernel threads, a user thread before
 * thread_enter_user). */
const struct trap_frame *thread_user_frame(void);

/* Ends the calling thread with `code`; wakes its waiters. Never returns. A thread of a frozen
 * process leaves its user-mode registers to it first (process_thread_exit). */
_Noreturn void thread_exit(int64_t code);

/*
 * Asks thread t to end with `code`: a thread that is BLOCKED is woken with rcPeerClosed and
 * ends on its way out of the kernel; a running or ready thread ends at its next return to user
 * mode (kernel threads must check thread_should_exit() themselves). Terminating self is
 * thread_exit(code).
 */
Retcode thread_terminate(struct thread *t, int64_t code);
bool thread_should_exit(const struct thread *t);

/*
 * Waits until t has exited, at most timeout_ns (0: forever); *code gets its exit code.
 * rcTimeout; rcPeerClosed (the caller was terminated); rcInvalidArgument (waiting for
 * oneself). Other wake-ups of the caller do not end the wait.
 */
Retcode thread_wait(struct thread *t, uint64_t timeout_ns, int64_t *code);

/* Scheduler parameters; take effect at the thread's next scheduling decision. */
Retcode thread_set_priority(struct thread *t, unsigned prio);
/* rcInvalidArgument: the mask names no online CPU (sched_cpus_online). Moves the thread if
 * needed. */
Retcode thread_set_affinity(struct thread *t, uint64_t mask);
/* TLS base: a canonical user address (rcInvalidArgument otherwise). Loaded at once for self. */
Retcode thread_set_tls(struct thread *t, uint64_t fs_base);

/* Whether match(t, arg) is true for some live thread; called with the thread list's lock held
 * (LOCK_LEVEL_THREAD_LIST, which may be taken under sched_lock): match must only read. */
bool thread_any(bool (*match)(struct thread *t, void *arg), void *arg);

/* Kernel-wide unique thread id (never reused). */
uint64_t thread_tid(const struct thread *t);

/* The scheduler, once an exited thread has left its CPU for the last time (nothing runs on its
 * kernel stack any more): frees that stack and the FPU area and gives their charge back. The
 * caller holds a reference, so the object itself stays. */
void thread_release_exited(struct thread *t);

/* Takes / drops a reference (kobj). */
void thread_ref(struct thread *t);
void thread_unref(struct thread *t);

/* Number of live (not yet destroyed) threads. */
unsigned thread_live_count(void);

/* Internal to the thread and scheduler code. */
struct thread *thread_adopt_boot_context(unsigned cpu, const char *name);
void thread_enter_user(void);
extern const struct kobj_ops thread_kobj_ops;

#endif
