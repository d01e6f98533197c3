/*
 * Threads (see thread.h): creation, kernel stacks with guard pages, exit, termination, wait,
 * scheduling parameters.
 */
#include "proc/thread.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/usermode.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/slab.h"
#include "obj/notice.h"
#include "panic.h"
#include "prof/kcov.h"
#include "sched/sched.h"

/*
 * Kernel stacks: slots of KSTACK_SLOT bytes from KSTACK_THREADS in the kernel-stack PML4 slot
 * (mm/paging.h; the APs' boot stacks sit at its start). Each slot is one unmapped guard page then
 * THREAD_KSTACK_PAGES mapped pages. A freed stack stays mapped and goes on a free list
 * (its first word links it), so no TLB shootdown is ever needed for kernel stacks.
 */
#define KSTACK_THREADS (KSTACK_BASE + 0x4000000000ull)
#define KSTACK_SLOT ((THREAD_KSTACK_PAGES + 1) * PAGE_SIZE)
#define KSTACK_SLOTS_MAX (0x4000000000ull / KSTACK_SLOT)

static struct spinlock kstack_lock = SPINLOCK_INIT(LOCK_LEVEL_KSTACK);
static uint64_t kstack_next_slot;  /* kstack_lock */
static uintptr_t kstack_free_list; /* bottoms of free stacks (kstack_lock) */

static struct spinlock threads_lock = SPINLOCK_INIT(LOCK_LEVEL_THREAD_LIST);
static struct thread *all_threads; /* threads_lock */
static unsigned live_threads;      /* threads_lock; read atomically without it */
static uint64_t next_tid = 1;      /* threads_lock */
static struct kmem_cache *thread_cache;
static struct kmem_cache *fpu_cache;

extern void thread_trampoline(void);

static uintptr_t kstack_alloc(void)
{
    uint64_t f = spin_lock_irqsave(&kstack_lock);
    uintptr_t bottom = kstack_free_list;
    if (bottom) {
        kstack_free_list = *(uintptr_t *)bottom;
        spin_unlock_irqrestore(&kstack_lock, f);
        return bottom;
    }
    uint64_t slot = kstack_next_slot < KSTACK_SLOTS_MAX ? kstack_next_slot++ : KSTACK_SLOTS_MAX;
    spin_unlock_irqrestore(&kstack_lock, f);
    if (slot >= KSTACK_SLOTS_MAX)
        return 0;
    bottom = KSTACK_THREADS + slot * KSTACK_SLOT + PAGE_SIZE; /* guard page below */
    for (unsigned i = 0; i < THREAD_KSTACK_PAGES; i++) {
        uint64_t pa = pmm_alloc_zeroed(0);
        if (!pa ||
            paging_map(paging_kernel_root(), bottom + i * PAGE_SIZE, pa, PAGE_KERNEL_RW) != rcOk) {
            /* Keep what was mapped: the slot is lost, its pages stay in use. Rare (OOM). */
            if (pa)
                pmm_free(pa, 0);
            return 0;
        }
    }
    return bottom;
}

static void kstack_free(uintptr_t bottom)
{
    uint64_t f = spin_lock_irqsave(&kstack_lock);
    *(uintptr_t *)bottom = kstack_free_list;
    kstack_free_list = bottom;
    spin_unlock_irqrestore(&kstack_lock, f);
}

static void thread_destroy(struct kobj *obj)
{
    struct thread *t = (struct thread *)obj;
    uint64_t f = spin_lock_irqsave(&threads_lock);
    for (struct thread **pp = &all_threads; *pp; pp = &(*pp)->all_next)
        if (*pp == t) {
            *pp = t->all_next;
            break;
        }
    live_threads--;
    spin_unlock_irqrestore(&threads_lock, f);
    if (t->kstack_bottom)
        kstack_free(t->kstack_bottom);
    if (t->fpu_state)
        kmem_cache_free(fpu_cache, t->fpu_state);
    struct process *p = t->proc;
    kmem_cache_free(thread_cache, t);
    if (p != NULL && process_release_memory)
        process_release_memory(p);
}

const struct kobj_ops thread_kobj_ops = {KOBJ_THREAD, "thread", thread_destroy};

uint64_t thread_tid(const struct thread *t)
{
    return t->tid;
}

void thread_ref(struct thread *t)
{
    (void)kobj_ref(&t->obj);
}
void thread_unref(struct thread *t)
{
    kobj_unref(&t->obj);
}

unsigned thread_live_count(void)
{
    return __atomic_load_n(&live_threads, __ATOMIC_RELAXED);
}

struct process *process_current(void)
{
    struct thread *t = thread_current();
    return t ? t->proc : NULL;
}

void thread_release_exited(struct thread *t)
{
    size_t back = 0;
    if (t->kstack_bottom) {
        kstack_free(t->kstack_bottom);
        t->kstack_bottom = 0;
        t->kstack_top = 0;
        back += THREAD_KSTACK_SIZE;
    }
    if (t->fpu_state) {
        kmem_cache_free(fpu_cache, t->fpu_state);
        t->fpu_state = NULL;
        back += kmem_cache_charge(fpu_cache);
    }
    /* Only a charged thread gave these bytes to its account (thread_create_common); the
     * object's own share stays charged until thread_destroy. Atomic: the note of the thread's
     * end may be made meanwhile and take its own share (kobj_end_reserve). */
    if (t->obj.account != NULL && __atomic_load_n(&t->obj.charge, __ATOMIC_RELAXED) >= back) {
        __atomic_sub_fetch(&t->obj.charge, (uint32_t)back, __ATOMIC_RELAXED);
        kmem_uncharge(t->obj.account, back);
    }
}

size_t thread_kernel_charge(void)
{
    return kmem_cache_charge(thread_cache) + THREAD_KSTACK_SIZE + kmem_cache_charge(fpu_cache);
}

/* `charge` bytes were charged to `acct` by the caller; on success the object owns them. */
static struct thread *thread_alloc(const char *name, unsigned prio, struct kmem_account *acct,
                                   size_t charge)
{
    struct thread *t = kmem_cache_alloc(thread_cache);
    if (!t)
        return NULL;
    memset(t, 0, sizeof *t);
    if (kobj_init(&t->obj, &thread_kobj_ops, KOBJ_SID_NONE, acct, charge) != rcOk) {
        kmem_cache_free(thread_cache, t);
        return NULL;
    }
    size_t n = strnlen(name, THREAD_NAME_MAX - 1);
    memcpy(t->name, name, n);
    t->name[n] = 0;
    t->prio = (uint8_t)prio;
    t->sched_class = SCHED_NORMAL;
    t->affinity = THREAD_AFFINITY_ALL;
    t->state = THREAD_NEW;
    spin_init(&t->exit_lock, LOCK_LEVEL_THREAD_EXIT);
    uint64_t f = spin_lock_irqsave(&threads_lock);
    t->tid = next_tid++;
    t->all_next = all_threads;
    all_threads = t;
    live_threads++;
    spin_unlock_irqrestore(&threads_lock, f);
    return t;
}

struct thread *thread_adopt_boot_context(unsigned cpu, const char *name)
{
    struct thread *t = thread_alloc(name, 0, NULL, 0);
    if (!t)
        return NULL;
    t->state = THREAD_RUNNING;
    t->cpu = cpu;
    t->on_cpu = true;
    t->affinity = 1ull << cpu;
    return t;
}

/* Lays out a new kernel stack so that context_switch() "returns" into thread_trampoline with
 * r12 = entry, r13 = arg. The top struct trap_frame stays free for the user-mode frame. */
static void stack_prepare(struct thread *t)
{
    uint64_t *sp = (uint64_t *)(t->kstack_top - sizeof(struct trap_frame) - 16 + 8);
    *sp = (uint64_t)thread_trampoline;
    sp -= 6;
    sp[0] = 0;                  /* r15 */
    sp[1] = 0;                  /* r14 */
    sp[2] = (uint64_t)t->arg;   /* r13 */
    sp[3] = (uint64_t)t->entry; /* r12 */
    sp[4] = 0;                  /* rbx */
    sp[5] = 0;                  /* rbp: ends backtraces */
    t->ksp = (uint64_t)sp;
}

static Retcode thread_create_common(const char *name, void (*entry)(void *), void *arg,
                                    unsigned prio, bool user, struct kmem_account *acct,
                                    struct thread **out)
{
    if (prio > THREAD_PRIO_MAX || !entry || !out)
        return rcInvalidArgument;
    /* Charged before anything is taken; from kobj_init on, the object returns it when it is
     * destroyed (the kernel stack and FPU area go with it, thread_destroy). */
    size_t charge = acct != NULL ? thread_kernel_charge() : 0;
    Retcode rc = kmem_charge(acct, charge);
    if (rc != rcOk)
        return rc;
    struct thread *t = thread_alloc(name, prio, acct, charge);
    if (!t) {
        kmem_uncharge(acct, charge);
        return rcOutOfMemory;
    }
    t->kstack_bottom = kstack_alloc();
    if (user) {
        t->fpu_state = kmem_cache_alloc(fpu_cache);
        if (t->fpu_state)
            fpu_state_init(t->fpu_state);
    }
    if (!t->kstack_bottom || (user && !t->fpu_state)) {
        kobj_unref(&t->obj);
        return rcOutOfMemory;
    }
    t->kstack_top = t->kstack_bottom + THREAD_KSTACK_SIZE;
    t->entry = entry;
    t->arg = arg;
    t->cpu = this_cpu()->index;
    stack_prepare(t);
    /* The scheduler's reference, dropped after the thread has exited and left its CPU. */
    thread_ref(t);
    *out = t;
    return rcOk;
}

Retcode thread_create_kernel(const char *name, void (*entry)(void *), void *arg, unsigned prio,
                             struct thread **out)
{
    return thread_create_common(name, entry, arg, prio, false, NULL, out);
}

/* First code of a user thread, in the kernel: builds the user-mode frame at the top of the
 * kernel stack and enters user mode through it. */
static void thread_user_entry(void *unused)
{
    (void)unused;
    thread_enter_user();
}

void thread_enter_user(void)
{
    struct thread *t = thread_current();
    struct trap_frame *f = (struct trap_frame *)(t->kstack_top - sizeof(struct trap_frame));
    memset(f, 0, sizeof *f);
    f->rip = t->user_entry;
    f->rsp = t->user_stack;
    f->rdi = t->user_arg;
    f->cs = GDT_USER_CODE;
    f->ss = GDT_USER_DATA;
    f->rflags = RFLAGS_IF | 0x2;
    /* Built before the termination check: a thread ended before its first user instruction
     * leaves the registers it would have started with (thread_exit saves them). */
    t->user_entered = true;
    if (t->kill_pending)
        thread_exit(t->kill_code);
    cli();
    wrmsr(MSR_FS_BASE, t->fs_base);
    user_return(f);
}

static bool user_addr_ok(uintptr_t a)
{
    return a < USER_TOP - PAGE_SIZE;
}

Retcode thread_create_user_in(struct process *p, struct aspace *as, uintptr_t entry, uintptr_t arg,
                              uintptr_t stack, unsigned prio, struct thread **out)
{
    if (!as || !user_addr_ok(entry) || !user_addr_ok(stack) || (stack & 0xF) != 0)
        return rcInvalidArgument;
    const char *name = p && process_name ? process_name(p) : "user";
    struct kmem_account *acct = p && process_kmem ? process_kmem(p) : NULL;
    Retcode rc =
        thread_create_common(name ? name : "user", thread_user_entry, NULL, prio, true, acct, out);
    if (rc != rcOk)
        return rc;
    struct thread *t = *out;
    if (p != NULL && process_hold_memory)
        process_hold_memory(p);
    t->proc = p;
    t->aspace = as;
    t->user_entry = entry;
    t->user_stack = stack - 8; /* as after a call: rsp + 8 is 16-byte aligned at entry */
    t->user_arg = arg;
    return rcOk;
}

Retcode thread_create_user(struct process *p, uintptr_t entry, uintptr_t arg, uintptr_t stack,
                           unsigned prio, struct thread **out)
{
    if (!p || !process_aspace)
        return rcInvalidArgument;
    return thread_create_user_in(p, process_aspace(p), entry, arg, stack, prio, out);
}

Retcode thread_start(struct thread *t)
{
    if (!t || t->state != THREAD_NEW)
        return rcInvalidArgument;
    sched_make_ready(t);
    return rcOk;
}

/* Optional hooks of the IPC and process code: called when linked in (weak references). */
extern void ipc_thread_exit(struct thread *t) __attribute__((weak));
extern void ksm_handoff_thread_exit(struct thread *t) __attribute__((weak));
extern void irq_thread_exit(struct thread *t) __attribute__((weak));
extern void process_thread_exit(struct thread *t) __attribute__((weak));

const struct trap_frame *thread_user_frame(void)
{
    struct thread *t = thread_current();
    if (t->proc == NULL || !t->user_entered)
        return NULL;
    return (const struct trap_frame *)(t->kstack_top - sizeof(struct trap_frame));
}

_Noreturn void thread_exit(int64_t code)
{
    struct thread *t = thread_current();
    /* Before anyone can learn of the exit: a frozen process's inspector reads it then. */
    if (process_thread_exit)
        process_thread_exit(t);
    /* The IPC code wakes whoever waits on this thread (its callers, its pending replies). */
    if (ipc_thread_exit)
        ipc_thread_exit(t);
    /* A receiver of the KSM fails the question it holds and gives its record back. */
    if (ksm_handoff_thread_exit)
        ksm_handoff_thread_exit(t);
    /* A thread attached to a device interrupt lets go of it (dev/irq.c masks the line). */
    if (irq_thread_exit)
        irq_thread_exit(t);
    /* A thread collecting kernel coverage gives its area back (prof/kcov.h). */
    kcov_thread_exit(t);
    /* Leave the user address space before anyone can learn of the exit: a waiter (the process
     * reaper) may destroy it at once, page tables included, while this CPU still runs here. */
    uint64_t irq = cpu_irq_save();
    if (t->aspace) {
        t->aspace = NULL;
        aspace_switch(NULL);
    }
    cpu_irq_restore(irq);
    uint64_t f = spin_lock_irqsave(&t->exit_lock);
    t->exited = true;
    t->exit_code = code;
    while (t->exit_waiters) {
        struct thread *w = t->exit_waiters;
        t->exit_waiters = w->wait_next;
        w->wait_next = NULL;
        sched_wake(w, rcOk);
    }
    spin_unlock(&t->exit_lock);
    (void)f;
    /* Receivers subscribed to this thread learn its end (exited is set: a subscription made
     * from now on sees it, obj/notice.h). */
    notice_raise(t->obj.koid, NOTICE_EV_OBJECT_ENDED, true);
    sched_exit_current();
}

Retcode thread_terminate(struct thread *t, int64_t code)
{
    if (!t)
        return rcInvalidArgument;
    if (t == thread_current())
        thread_exit(code);
    return sched_terminate(t, code);
}

bool thread_should_exit(const struct thread *t)
{
    return t->kill_pending;
}

/* exit_lock held. Links or unlinks self on t's waiter list. */
static bool waiter_linked(struct thread *t, struct thread *self)
{
    for (struct thread *w = t->exit_waiters; w; w = w->wait_next)
        if (w == self)
            return true;
    return false;
}

static void waiter_unlink(struct thread *t, struct thread *self)
{
    for (struct thread **pp = &t->exit_waiters; *pp; pp = &(*pp)->wait_next)
        if (*pp == self) {
            *pp = self->wait_next;
            break;
        }
    self->wait_next = NULL;
}

/* Waits until t->exited. A wake-up for another reason (someone else's sched_wake of this
 * thread) is not an end: only the exit, the timeout or the caller's own termination are. */
Retcode thread_wait(struct thread *t, uint64_t timeout_ns, int64_t *code)
{
    struct thread *self = thread_current();
    if (!t || t == self)
        return rcInvalidArgument;
    uint64_t deadline = timeout_ns ? sched_now_ns() + timeout_ns : 0;
    Retcode rc = rcOk;
    uint64_t f = spin_lock_irqsave(&t->exit_lock);
    while (!t->exited) {
        uint64_t left = 0;
        if (deadline) {
            uint64_t now = sched_now_ns();
            if (now >= deadline) {
                rc = rcTimeout;
                break;
            }
            left = deadline - now;
        }
        if (!waiter_linked(t, self)) {
            self->wait_next = t->exit_waiters;
            t->exit_waiters = self;
        }
        rc = sched_block_timeout(&t->exit_lock, left);
        spin_lock(&t->exit_lock);
        if (t->exited)
            break;
        if (rc == rcPeerClosed && thread_should_exit(self))
            break;
        rc = rcOk;
    }
    if (!t->exited) {
        waiter_unlink(t, self);
        spin_unlock_irqrestore(&t->exit_lock, f);
        return rc != rcOk ? rc : rcTimeout;
    }
    if (code)
        *code = t->exit_code;
    spin_unlock_irqrestore(&t->exit_lock, f);
    return rcOk;
}

Retcode thread_set_priority(struct thread *t, unsigned prio)
{
    if (!t || prio > THREAD_PRIO_MAX)
        return rcInvalidArgument;
    t->prio = (uint8_t)prio;
    sched_requeue(t);
    return rcOk;
}

Retcode thread_set_affinity(struct thread *t, uint64_t mask)
{
    if (!t)
        return rcInvalidArgument;
    return sched_set_affinity(t, mask);
}

bool thread_any(bool (*match)(struct thread *t, void *arg), void *arg)
{
    bool found = false;
    uint64_t f = spin_lock_irqsave(&threads_lock);
    for (struct thread *t = all_threads; t != NULL && !found; t = t->all_next)
        found = match(t, arg);
    spin_unlock_irqrestore(&threads_lock, f);
    return found;
}

Retcode thread_set_tls(struct thread *t, uint64_t fs_base)
{
    if (!t || fs_base >= USER_TOP)
        return rcInvalidArgument;
    t->fs_base = fs_base;
    if (t == thread_current())
        wrmsr(MSR_FS_BASE, fs_base);
    return rcOk;
}

void thread_init(void)
{
    thread_cache = kmem_cache_create("thread", sizeof(struct thread), 64);
    fpu_cache = kmem_cache_create("fpu", FPU_STATE_SIZE, 64);
    if (!thread_cache || !fpu_cache)
        panic("thread: no memory for the thread caches");
}
