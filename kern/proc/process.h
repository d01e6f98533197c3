/*
 * Processes: the unit of isolation. A process has a name (unique among live processes), a class
 * (its EDL name: what the security policy calls it), the ROMFS path it was loaded from, a
 * security id (its kobj SID), a handle table, an address space, threads, and, once ended, an exit
 * reason and code that its parent reads with Task.GetExitInfo.
 *
 * Limits: every process owns two accounts (obj/account.h):
 *   kmem - bytes of kernel objects it caused (handle table chunks, IPC buffers and calls, threads,
 *          files, the SCP copy ...);
 *   ram  - bytes of user pages committed in its address space.
 * Reaching one makes the request that needed more fail with rcQuotaExceeded; the kernel never
 * panics for it. Both are carved out of the creator's accounts (the kernel's processes: the
 * machine's): Task.Create lends the child half of what the creator has left (at most
 * PROCESS_DEFAULT_KMEM / PROCESS_DEFAULT_RAM), Task.SetEnv (SCP header) sets them exactly before
 * the child runs, and they go back to the creator once the reaper has freed what the child held.
 *
 * Life cycle:  CREATED (Task.Create: loaded, not running) -> RUNNING (Task.Resume) ->
 *              EXITING (Exit, Terminate, a fatal fault: its threads are being ended) ->
 *              DEAD (reaped: threads gone, received IPC calls failed with rcPeerClosed, handle
 *              table and address space destroyed; the object lives on while handles to it exist,
 *              so GetExitInfo keeps working).
 * The reaper is a kernel thread: a process cannot tear itself down from its own thread.
 *
 * Locks (docs/locks.md): p->lock protects state, threads[], received, the SCP, the exit fields
 * and the pointer `as`; it is taken with interrupts on, after the derivation lock, the handle
 * table locks and the process list lock, and nothing but the scheduler's and the allocators'
 * locks is taken under it. p->handles_lock is the handle table's own lock.
 */
#ifndef BASTION_PROC_PROCESS_H
#define BASTION_PROC_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "arch/x86_64/spinlock.h"
#include "obj/account.h"
#include "obj/handle.h"
#include "obj/kobj.h"

struct aspace;
struct thread;
struct ipc_call;
struct trap_frame;
struct kcov_pool;

#define PROCESS_NAME_MAX 63   /* = kl.core.Types.TaskNameMax - 1 */
#define PROCESS_CLASS_MAX 127 /* = ClassNameMax - 1 */
#define PROCESS_PATH_MAX 255  /* = PathMax - 1 */
#define PROCESS_MAX_THREADS 64
#define PROCESS_HANDLE_LIMIT 1024
#define PROCESS_DEFAULT_KMEM (1024ull * 1024)     /* as EINIT_DEFAULT_KERNEL_MEMORY */
#define PROCESS_DEFAULT_RAM (16ull * 1024 * 1024) /* as EINIT_DEFAULT_RAM */
#define PROCESS_DEFAULT_STACK (128ull * 1024)
/* The machine's pages the kernel keeps for itself (never given to processes): a thirty-second of
 * the free memory when processes are set up, at least 8 MiB. */
#define PROCESS_KERNEL_RESERVE_DIV 32
#define PROCESS_KERNEL_RESERVE_MIN (8ull * 1024 * 1024)

enum process_state { PROC_CREATED, PROC_RUNNING, PROC_EXITING, PROC_DEAD };

/* kl.core.Task.TaskExitReason values. */
enum process_exit_reason {
    PROC_EXIT_NORMAL = 0,
    PROC_EXIT_TERMINATED = 1,
    PROC_EXIT_EXCEPTION = 2,
};

struct process_fault {
    uint32_t vector;
    uint64_t error_code, address, ip;
};

/* One thread of a frozen process as Task.GetThreadContext reports it: its registers where the
 * freeze stopped it (the faulting thread's at its fault), once `saved`. */
struct process_frozen_thread {
    bool saved;
    uint64_t tid, fs_base;
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
};


struct process {
    struct kobj obj; /* first: KOBJ_TASK; SID = the process's security id */
    char name[PROCESS_NAME_MAX + 1];
    char class_name[PROCESS_CLASS_MAX + 1];
    char path[PROCESS_PATH_MAX + 1];
    uint32_t pid;                /* fixed once set under list_lock */
    struct process *parent_hint; /* for logs only; no reference */
    uint32_t parent_pid;         /* its creator's pid, 0 for the kernel's (fixed at creation) */

    struct kmem_account kmem; /* atomic counters, no lock (obj/account.h) */
    struct kmem_account ram;

    struct handle_table handles;  /* handles_lock; tree links: handle_tree_lock (obj/handle.h) */
    struct spinlock handles_lock; /* the handle table's own lock (obj/handle.h) */
    handle_t core_handle;         /* its handle to the kernel's core endpoints */
    struct sec_label *label;      /* what the security hook says about it (security/label.h) */

    /* Activity (proc/activity.h; Profiler.ObjectGetStat task.*): SYS_CALLs its threads made,
     * and the security decisions of the events it was the source of, of them denied. Counted on
     * the process itself, not summed over its threads, so that they outlive the threads that
     * made them. Atomic (relaxed), no lock. */
    uint64_t ipc_calls, sec_decisions, sec_denials;
    /* The CPU ticks and switches of the threads it no longer lists (task.cpu_ns, task.switches
     * add those of the listed ones): added when a thread is taken off the list, under p->lock
     * for one that ended (process_forget_dead_threads), so a reader holding p->lock sees each
     * thread counted once. During teardown a thread is counted again only once it exited. */
    uint64_t ended_ticks, ended_switches;

    /* Its address space. Threads of p use it freely (the reaper destroys it only after they
     * ended). Anyone else (a thread of another process holding a thread handle of p) must
     * pin it: process_aspace_pin() reads it under p->lock and counts the pin in as_pins; the
     * reaper detaches p->as under p->lock and destroys it only once as_pins is 0. */
    struct aspace *as;
    uint32_t as_pins; /* p->lock to increment; atomic */

    struct spinlock lock;
    enum process_state state;
    struct thread *threads[PROCESS_MAX_THREADS]; /* each holds a thread reference */
    uint32_t nthreads;
    struct ipc_call *received; /* IPC calls it received and has not answered (ipc/call.c) */
    /* IPC interruption (ipc/interrupt.h): how many of its IPC synchronization objects exist
     * (at most IPC_SYNC_MAX) and how many of them are set. Atomic, no lock. */
    uint32_t ipc_sync_objects;
    uint32_t ipc_interrupts;
    void *scp; /* Task.SetEnv copy, charged to kmem; NULL: none */
    /* I/O ports its threads may use (IO.PermitPort), charged to kmem; NULL: none, the common
     * case. Set once by the first permit, freed at teardown (dev/ioperm.h). */
    struct io_bitmap *io_bitmap;
    size_t scp_len;
    /* HAL.FlushCache of the whole cache (WBINVD stalls the CPU): the TSC when the last one was
     * served, for its per-process rate limit (klcore/HAL_cache.c; atomic, 0: never). */
    uint64_t flush_all_tsc;
    /* Its kernel-coverage areas (prof/kcov.h: KcovAlloc), charged to kmem; NULL: none. The
     * pointer and the areas' holders: lock. */
    struct kcov_pool *kcov;

    /* Set by the loader, or for an empty process by Task.SetEntry; used to start the first
     * thread. */
    uint64_t entry, image_base;
    uint64_t stack_base, stack_size, initial_sp;
    uint64_t tls_image, tls_file_size, tls_mem_size, tls_align;
    /* The main thread's priority, scheduler class (enum sched_class) and RR quantum in ticks
     * (0 unless main_class is SCHED_RR): Task.SetInitialThreadPriority and
     * SetInitialThreadSchedPolicy before it starts, given to it by sched_set_policy at start. */
    unsigned main_prio;
    unsigned main_class;
    unsigned main_rr_quantum;

    /* A process built by hand (Task.Create with an empty path, proc/process_build.h): its
     * creator reserves its memory, loads its segments and sets its entry while it is CREATED
     * (p->lock); the kernel places its stack when it is resumed. */
    bool empty;
    uint32_t building;   /* build calls in progress (atomic; process_start waits them out) */
    bool entry_set;      /* Task.SetEntry succeeded */
    bool aslr_seeded;    /* Task.ReseedAslr: aslr_state drives its placement choices */
    uint64_t aslr_state; /* splitmix64 state */
    uint64_t build_lo, build_hi; /* span of its VmReserve regions (the image), 0 0: none */
    uint64_t want_stack;         /* Create's stack size, for the stack placed at Resume */
    uint8_t *elf_hdr;            /* Task.LoadElfHdr's copy (64 bytes, charged to kmem) or NULL */
    /* Task.LoadElfSyms: where its .symtab and .strtab are in its memory (GetElfSyms). */
    uint64_t syms_va, syms_size, strs_va, strs_size;
    /* Freezing (proc/process_freeze.c; p->lock): frozen at its first fatal fault if
     * freeze_on_fault. While frozen, threads[] is fixed (no thread is added or forgotten until
     * it ends), threads[0] is the faulting thread, and frozen_threads[i] (nfrozen of them,
     * charged to its kmem, freed when it ends) keeps threads[i]'s registers. */
    bool freeze_on_fault;
    bool frozen;
    struct process_frozen_thread *frozen_threads;
    uint32_t nfrozen;

    /* Exit (p->lock). */
    uint32_t exit_reason;
    int32_t exit_code;
    struct process_fault fault;

    bool self_ref;     /* it holds a reference on itself until reaped (p->lock) */
    bool starting;     /* process_start is building its first thread; the reaper waits (atomic) */
    bool free_pending; /* the object is gone; the reaper frees the memory (set before reap_lock) */
    struct process *list_next; /* all live processes (list_lock, proc/process.c) */
    struct process *reap_next; /* the reaper's queue (reap_lock) */
};

/* Global lock of the handle derivation tree (obj/handle.h): held around every handle_copy,
 * handle_transfer, handle_close, handle_revoke*, handle_table_destroy. Taken before any table,
 * port or process lock. */
extern struct spinlock handle_tree_lock;

/* Kernel objects and the reaper thread; after sched_init(). */
void process_init(void);

/*
 * Creates a process: loads `path` from the boot ROMFS (proc/loader.h), gives it a handle to the
 * core endpoints, and leaves it CREATED. An empty path makes an empty process: nothing is
 * loaded, its creator builds its image (proc/process_build.h) before Task.Resume. The object is charged to `creator`'s kernel memory
 * (NULL: the kernel). *out gets one reference.
 * Errors: rcInvalidArgument (empty or too long strings), rcAlreadyExists (a live process has
 * that name), rcNotFound (no such file), the ELF checks' codes, rcQuotaExceeded, rcOutOfMemory.
 */
Retcode process_create(struct process *creator, const char *name, const char *class_name,
                       const char *path, uint64_t stack_size, unsigned prio, struct process **out);

/* The same for an empty process (Task.Create with BASTION_TASK_CREATE_EMPTY): nothing is
 * loaded; `path` (may be empty) is kept for GetPath only. */
Retcode process_create_empty(struct process *creator, const char *name, const char *class_name,
                             const char *path, uint64_t stack_size, unsigned prio,
                             struct process **out);

/* Task.SetEnv: replaces the SCP (checked with scp_check) and applies its limits (non-zero ones),
 * carved out of the creator's: rcQuotaExceeded if the creator has not got a raise left,
 * rcOutOfRange for a cut below what p holds; then nothing changes. rcResourceBusy once the
 * process has started. */
Retcode process_set_scp(struct process *p, const void *blob, size_t len);

/* Task.Resume / boot: builds the start block, creates and starts the main thread.
 * rcResourceBusy if not CREATED. */
Retcode process_start(struct process *p);

/* Ends the process: Exit (reason NORMAL, from one of its own threads), Terminate (TERMINATED,
 * from anywhere) or a fault (EXCEPTION). The first call decides the exit status; its threads are
 * asked to end and the reaper tears the rest down. Safe from any context that may take
 * spinlocks; never sleeps. */
void process_terminate(struct process *p, uint32_t reason, int32_t code,
                       const struct process_fault *fault);

/* A fatal user fault (arch/x86_64/usermode.c, which has logged it): terminates the process
 * with reason EXCEPTION and records the fault for Task.GetExitInfo; the faulting thread then
 * ends itself, with the CPU's details of the fault (vector, error code, address, instruction). */
void process_fault_kill_frame(struct process *p, const char *why, uint32_t vector,
                              uint64_t error_code, uint64_t addr, uint64_t ip);

/* A fatal user fault of a thread of p (arch/x86_64/usermode.c): if p was created with
 * BASTION_TASK_CREATE_FREEZE_ON_FAULT and runs, freezes it (every thread's registers kept: the
 * faulting one's at the fault, the others' where they were stopped; its other threads ended,
 * its memory and handles kept, not reaped) and returns true: the faulting thread then ends
 * itself; also true for a fault of another thread of a process already frozen (that thread is
 * one of those stopped: its registers at its own fault). False: not frozen, the caller ends
 * the process as before. f must be the faulting thread's user frame (the top of its kernel
 * stack). */
bool process_fault_freeze(struct process *p, const struct trap_frame *f, uint64_t fs_base,
                          uint64_t addr);

/* thread_exit of a user thread (weak hook of proc/thread.c): a thread of a frozen process
 * leaves its user-mode registers in its frozen_threads entry. */
void process_thread_exit(struct thread *t);

/* Registers a thread the process code created (Thread.Create, the main thread); takes a
 * reference. rcQuotaExceeded at PROCESS_MAX_THREADS; rcPeerClosed if the process is ending. */
Retcode process_add_thread(struct process *p, struct thread *t);

/* Takes p's ended threads off its list: frees their user stacks and drops its references, so
 * that their objects (and charges) go once no handle names them. Thread.Create calls it before
 * it charges a new thread, so a create/join loop needs room for one thread only. */
void process_forget_dead_threads(struct process *p);

/* p's address space, pinned against teardown (see struct process, as): NULL once the process
 * is torn down. Every non-NULL result is released with process_aspace_unpin(p) soon (the
 * reaper waits for it). */
struct aspace *process_aspace_pin(struct process *p);
void process_aspace_unpin(struct process *p);

/* A user thread of p keeps p's memory (not the process: it still ends and is torn down) alive
 * from its creation until the thread object is destroyed, so t->proc is always readable
 * (proc/thread.c calls these). */
void process_hold_memory(struct process *p);
void process_release_memory(struct process *p);

/* Calls visit(p, arg) for every process on the list (dead ones included: visit skips what it
 * does not want), newest first, under the list lock: visit must not sleep, allocate or take a
 * lock (it reads what it needs of p and returns). The kernel's task file and Task.GetTasksList
 * both read the list this way. */
void process_list_visit(void (*visit)(const struct process *p, void *arg), void *arg);

/* Finds a live process by name (new reference) or NULL. */
struct process *process_find(const char *name);

/* Reference counting of the object. */
void process_ref(struct process *p);
void process_unref(struct process *p);

/* Handle-table hooks: kernel memory for the table is charged to p->kmem. */
extern const struct handle_table_ops process_handle_ops;

/* Creates Einit from ROMFS (kparam init=<path>, default "einit") and starts it; logs and
 * carries on without it when the file is missing (a kernel without user programs still boots). */
void process_start_init(void);

#endif
