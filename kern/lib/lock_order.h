/*
 * The kernel's lock order, as code: every spinlock is created with one of these levels
 * (SPINLOCK_INIT(level), spin_init(lock, level), arch/x86_64/spinlock.h), and a CPU takes locks
 * only in increasing level order: while it holds a lock of level L it may take (blocking) only
 * locks of a level above L. docs/locks.md is the same table in prose: what each lock guards
 * and why it sits where it does.
 *
 * The order is a property of the kernel's subsystems (handles, processes, IPC, memory), not of
 * the CPU, so it lives in lib/; arch/x86_64/spinlock.h only carries the level in each lock.
 *
 * Rules the levels encode:
 *   - Levels up to LOCK_LEVEL_SHOOTDOWN may be held with interrupts on; every level above it only
 *     with interrupts off. An interrupt handler may take only the latter (the tick takes
 *     sched_lock, kprintf the console), so a handler never takes a lock below one that the code
 *     it interrupted holds.
 *   - Two locks of one level are never held together (blocking): there is no order between two
 *     processes' locks, two ports or two slab caches.
 *   - A spin_trylock() cannot deadlock and is not ordered (the shootdown lock, a page fault with
 *     interrupts off); what it takes counts as held all the same.
 *   - sched_block_*(held) and sched_switch_to*(t, held) take sched_lock while `held` (a lower
 *     level) is held, then release `held` once the caller is marked blocked.
 *
 * Checked at run time in the kernels built with BASTION_LOCK_CHECKS (kernel-test.elf and
 * kernel-ubsan.elf): each CPU records the levels it holds, and a blocking acquisition at or
 * below one of them, a release of a lock the CPU does not hold, a failed spin_assert_held(), or
 * a thread switch with any lock but sched_lock held panics with the locks named. The other kernels (the run, test and benchmark images) carry
 * the levels in their source only: no field, no instruction.
 */
#ifndef BASTION_LIB_LOCK_ORDER_H
#define BASTION_LIB_LOCK_ORDER_H

enum lock_level {
    LOCK_LEVEL_NONE = 0, /* never a lock's level: a lock without one is refused */

    /* Interrupts on. */
    LOCK_LEVEL_HANDLE_TREE,  /* handle_tree_lock: the handle derivation tree (proc/process.c) */
    LOCK_LEVEL_HANDLE_TABLE, /* process.handles_lock: one process's handle table */
    LOCK_LEVEL_PROCESS_LIST, /* list_lock: the live processes, names, pids (proc/process.c) */
    LOCK_LEVEL_PROCESS,      /* process.lock: state, threads, received calls, SCP, exit */
    LOCK_LEVEL_ASPACE,       /* aspace.lock: regions, page tables, counters (preemption off) */
    LOCK_LEVEL_SHOOTDOWN,    /* shoot_lock: one TLB shootdown at a time (trylock only) */

    /* Interrupts off. Objects a thread waits on: each is taken before sched_lock. */
    LOCK_LEVEL_REAPER,      /* reap_lock: the reaper's queue (proc/process.c) */
    LOCK_LEVEL_SUSPEND,     /* suspend_lock: Thread.Suspend's list (core/thread.c) */
    LOCK_LEVEL_THREAD_EXIT, /* thread.exit_lock: exit code and exit waiters */
    LOCK_LEVEL_SYNC_BUCKET, /* Sync.Wait/Wake buckets (core/sync.c) */
    LOCK_LEVEL_NOTICE,      /* notice_lock: receivers, their entries and waiters (obj/notice.c) */
    LOCK_LEVEL_TEE, /* tee_lock: the TEE partition, its requests, tokens (proc/tee_partition.c) */
    LOCK_LEVEL_CM,  /* cm_lock: kl.core.CM's connection requests and listeners (ipc/cm.c) */
    LOCK_LEVEL_KSM_HANDOFF, /* handoff_lock: questions to the KSM, its receivers (ksm_handoff.c) */
    LOCK_LEVEL_PORT,        /* ipc_port.lock: an IPC port's queues and its calls' states */
    LOCK_LEVEL_KSM_GATE,    /* ksm_gate.lock: a process's questions to the KSM */
    LOCK_LEVEL_IRQ_LINE,    /* irq_lock: device interrupts lent to drivers (dev/irq.c) */
    LOCK_LEVEL_SCHED,       /* sched_lock: run queues, threads' scheduling fields, sleepers */

    /* Interrupts off. Bookkeeping and allocators: taken under any of the above, never wait. */
    LOCK_LEVEL_THREAD_LIST, /* threads_lock: all threads, tids (proc/thread.c) */
    LOCK_LEVEL_KSTACK,      /* kstack_lock: free kernel stacks (proc/thread.c) */
    LOCK_LEVEL_SLAB_CACHES, /* g_caches_lock: the list of slab caches (mm/slab.c) */
    LOCK_LEVEL_SLAB_CACHE,  /* kmem_cache.lock: one cache's slabs and statistics */
    LOCK_LEVEL_SLAB_LARGE,  /* g_large_lock: statistics of page-block kmallocs (mm/slab.c) */
    LOCK_LEVEL_IOMMU,       /* iommu_lock: IOMMU domains, their tables, the units (dev/iommu.c) */
    LOCK_LEVEL_KERNEL_PT,   /* g_pt_lock: the kernel's page tables, MMIO windows (mm/paging.c) */
    LOCK_LEVEL_PMM,         /* g_lock: the buddy allocator of physical frames (mm/pmm.c) */

    /* Interrupts off. Leaves. */
    LOCK_LEVEL_IOAPIC,    /* ioapic_lock: redirection-table writes (arch/x86_64/ioapic.c) */
    LOCK_LEVEL_PCI_CFG,   /* pci_cfg_lock: PCI configuration access (dev/pci.c) */
    LOCK_LEVEL_IO_CLAIMS, /* io_claims_lock: registered port/MMIO ranges (dev/resource.c) */
    LOCK_LEVEL_IO_PERM,   /* io_perm_lock: processes' I/O permission bitmaps (dev/ioperm.c) */
    LOCK_LEVEL_KSS_RING,  /* ring_lock: the audit ring, its readers' cursors (security/kss.c) */
    LOCK_LEVEL_CORE_LOG, /* core_log_lock: the core log's ring, its readers' cursors (security/core_log.c) */
    LOCK_LEVEL_KSM_FORGET,   /* forget_lock: process ends to tell the KSM (security/ksm_forget.c) */
    LOCK_LEVEL_ROMFS_VOLUME, /* volume_lock: which ROMFS volume is current (fs/romfs_volume.c) */
    LOCK_LEVEL_WALLCLOCK,    /* clock_lock: the system clock's offset and slew (lib/wallclock.c) */
    /* kl.core.Profiler sampling: segments before sessions (a segment's record enters rings). */
    LOCK_LEVEL_PROF_SEGS,    /* segs_lock: registered ELF segments (prof/seginfo.c) */
    LOCK_LEVEL_PROF_SAMPLER, /* sampler_lock: sampling sessions, pid lists, rings (prof/sampling.c) */
    LOCK_LEVEL_RANDOM,       /* generator_lock: the generator used without RDRAND (lib/random.c) */
    LOCK_LEVEL_CONSOLE,      /* console_lock: the serial console's line state */

    LOCK_LEVEL_COUNT
};

_Static_assert(LOCK_LEVEL_COUNT <= 64, "each CPU keeps the levels it holds in a 64-bit mask");

/* The levels from LOCK_LEVEL_REAPER up are taken only with interrupts off. */
#define LOCK_LEVEL_FIRST_IRQ_OFF LOCK_LEVEL_REAPER

#endif
