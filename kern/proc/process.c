/* Process objects: creation, start, termination and the reaper (contract in process.h). */
#include "proc/process.h"

#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tsc.h"
#include "boot/params.h"
#include "dev/iommu.h"
#include "ipc/ipc.h"
#include "dev/ioperm.h"
#include "lib/kprintf.h"
#include "lib/random.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/pmm.h"
#include "mm/slab.h"
#include "panic.h"
#include "prof/kcov.h"
#include "obj/kobj_new.h"
#include "obj/notice.h"
#include "proc/loader.h"
#include "proc/process_build.h"
#include "proc/startblock_build.h"
#include "proc/tee_partition.h"
#include "prof/sampling.h"
#include "proc/thread.h"
#include "sched/sched.h"
#include "security/core_log.h"
#include "security/hook.h"
#include "obj/label.h"
#include "security/ksm_channel.h"
#include "security/ksm_forget.h"
#include "security/ksm_handoff.h"

struct spinlock handle_tree_lock = SPINLOCK_INIT(LOCK_LEVEL_HANDLE_TREE);

extern const uint64_t boot_tsc0; /* boot/entry.asm */

/* The kernel's core endpoints, as an object every process holds a handle to. Static: its
 * first reference is never dropped, so it is never destroyed. */
static void core_obj_destroy(struct kobj *obj)
{
    (void)obj;
    panic("kernel core object destroyed");
}
static const struct kobj_ops core_obj_ops = {KOBJ_KERNEL, "kernel", core_obj_destroy};
static struct kobj core_obj;

/* All live processes, for name uniqueness, pids and diagnostics. */
static struct spinlock list_lock = SPINLOCK_INIT(LOCK_LEVEL_PROCESS_LIST);
static struct process *list_head; /* list_lock */
static uint32_t next_pid = 1;     /* list_lock */

/* The reaper: a kernel thread that tears processes down (see process.h). */
static struct spinlock reap_lock = SPINLOCK_INIT(LOCK_LEVEL_REAPER);
static struct process *reap_head; /* reap_lock */
static struct thread *reaper;     /* fixed after process_init */

static void process_destroy(struct kobj *obj);
static const struct kobj_ops process_ops = {KOBJ_TASK, "task", process_destroy};

/* ---- handle-table hooks --------------------------------------------------------------- */

static Retcode ht_alloc(void *ctx, size_t bytes, void **out)
{
    struct process *p = ctx;
    Retcode rc;
    void *m = kmalloc_charged(bytes, &p->kmem, &rc);
    if (m == NULL)
        return rc;
    *out = m;
    return rcOk;
}

static void ht_free(void *ctx, void *ptr, size_t bytes)
{
    struct process *p = ctx;
    (void)bytes;
    kfree_charged(ptr, &p->kmem);
}

static void ht_lock(void *ctx)
{
    spin_lock(&((struct process *)ctx)->handles_lock);
}

static void ht_unlock(void *ctx)
{
    spin_unlock(&((struct process *)ctx)->handles_lock);
}

#ifdef BASTION_LOCK_CHECKS
static void ht_assert_held(void *ctx)
{
    spin_assert_held(&((struct process *)ctx)->handles_lock);
}
#else
#define ht_assert_held NULL /* table_assert_held() is compiled out */
#endif

const struct handle_table_ops process_handle_ops = {ht_alloc, ht_free, ht_lock, ht_unlock,
                                                    ht_assert_held};

/* ---- small helpers -------------------------------------------------------------------- */

struct aspace *process_aspace(struct process *p)
{
    return p ? p->as : NULL;
}

struct aspace *process_aspace_pin(struct process *p)
{
    spin_lock(&p->lock);
    struct aspace *as = p->as;
    if (as != NULL)
        __atomic_add_fetch(&p->as_pins, 1, __ATOMIC_ACQUIRE);
    spin_unlock(&p->lock);
    return as;
}

void process_aspace_unpin(struct process *p)
{
    __atomic_sub_fetch(&p->as_pins, 1, __ATOMIC_RELEASE);
}

void process_hold_memory(struct process *p)
{
    /* The process's own reference is alive while it can create threads. */
    Retcode rc = kmem_account_get(&p->kmem);
    KASSERT(rc == rcOk);
}

void process_release_memory(struct process *p)
{
    kmem_account_put(&p->kmem);
}

const char *process_name(const struct process *p)
{
    return p ? p->name : "kernel";
}

struct kmem_account *process_kmem(struct process *p)
{
    return p ? &p->kmem : NULL;
}

void process_ref(struct process *p)
{
    Retcode rc = kobj_ref(&p->obj);
    KASSERT(rc == rcOk);
}

void process_unref(struct process *p)
{
    kobj_unref(&p->obj);
}

/* Copies a NUL-terminated string of 1..max bytes without control bytes: names, classes and
 * paths appear in the kernel's own console lines ("kss: denied ... Name[Class] ..."), where a
 * newline or carriage return in a name would let its creator forge a kernel line. */
static bool copy_name(char *dst, const char *src, size_t max)
{
    if (src == NULL)
        return false;
    size_t n = strnlen(src, max + 1);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)src[i] < 0x20 || src[i] == 0x7f)
            return false;
    memcpy(dst, src, n);
    dst[n] = 0;
    return true;
}

static void kmem_release(struct kmem_account *acct)
{
    /* The last charge on the process's kernel-memory account is gone: nothing refers to the
     * process any more (its own object released its reference first). */
    struct process *p = (struct process *)((char *)acct - offsetof(struct process, kmem));
    sec_label_put(p->label);
    kfree(p);
}

/* The final CPU time and switches of t, an ended thread of p, kept on p (process.h). */
static void keep_thread_times(struct process *p, const struct thread *t)
{
    __atomic_add_fetch(&p->ended_ticks, __atomic_load_n(&t->ticks_run, __ATOMIC_RELAXED),
                       __ATOMIC_RELAXED);
    __atomic_add_fetch(&p->ended_switches, __atomic_load_n(&t->switched_in, __ATOMIC_RELAXED),
                       __ATOMIC_RELAXED);
}

/* Called for an ended thread that p no longer lists: frees its user stack and drops p's
 * reference. (The object, kernel stack and FPU area stay charged to p until the object goes:
 * thread_create_user charges them for the object's lifetime.) */
static void forget_thread(struct process *p, struct thread *t)
{
    if (t->user_stack_region_size != 0 && p->as != NULL)
        (void)aspace_free(p->as, t->user_stack_region, t->user_stack_region_size);
    t->user_stack_region_size = 0;
    thread_unref(t);
}

/* Takes the threads of p that have ended off its list and forgets them, so that a process that
 * creates and joins threads in a loop keeps a bounded charge and address space (handles keep
 * the objects alive for GetInfo and Wait, and keep them charged). Not under p->lock. */
void process_forget_dead_threads(struct process *p)
{
    struct thread *dead[PROCESS_MAX_THREADS];
    uint32_t ndead = 0, k = 0;
    spin_lock(&p->lock);
    for (uint32_t i = 0; i < p->nthreads; i++) {
        if (__atomic_load_n(&p->threads[i]->state, __ATOMIC_ACQUIRE) == THREAD_DEAD) {
            keep_thread_times(p, p->threads[i]);
            dead[ndead++] = p->threads[i];
        } else
            p->threads[k++] = p->threads[i];
    }
    p->nthreads = k;
    spin_unlock(&p->lock);
    for (uint32_t i = 0; i < ndead; i++)
        forget_thread(p, dead[i]);
}

/* ---- the reaper ----------------------------------------------------------------------- */

static bool reaper_idle; /* the reaper sleeps on its queue (reap_lock) */

static void reap_queue(struct process *p)
{
    uint64_t fl = spin_lock_irqsave(&reap_lock);
    p->reap_next = reap_head;
    reap_head = p;
    /* Wake it only where it waits for work: a wake-up while it waits for a thread to end
     * (thread_wait in process_teardown) would cut that wait short. */
    if (reaper_idle) {
        reaper_idle = false;
        sched_wake(reaper, rcOk);
    }
    spin_unlock_irqrestore(&reap_lock, fl);
}

/* Ends every thread and releases everything but the object itself. Reaper only. */
static void process_teardown(struct process *p)
{
    /* A Resume in progress may still write the start block and add the main thread. */
    while (__atomic_load_n(&p->starting, __ATOMIC_ACQUIRE))
        sched_yield();
    for (;;) {
        spin_lock(&p->lock);
        struct thread *t = NULL;
        if (p->nthreads > 0)
            t = p->threads[--p->nthreads];
        spin_unlock(&p->lock);
        if (t == NULL)
            break;
        (void)thread_terminate(t, p->exit_code);
        /* Its address space goes next: the thread must be gone from it first, whatever
         * woke this wait. */
        int64_t code;
        while (!__atomic_load_n(&t->exited, __ATOMIC_ACQUIRE))
            (void)thread_wait(t, 0, &code);
        keep_thread_times(p, t);
        forget_thread(p, t);
    }
    /* No thread of p runs any more: its received calls can be failed, its handles closed. */
    ipc_process_exit(p);
    /* The KSM's receivers are gone with its threads: no question will be answered any more,
     * so the waiting ones fail now and every later one at once (fail closed). */
    if (ksm_is_self(p->label))
        ksm_handoff_close();
    /* Its threads are gone, so none is in CM.Listen or Accept: fail the requests waiting. */
    cm_process_exit(p);
    if (p->handles.ops != NULL) {
        spin_lock(&handle_tree_lock);
        handle_table_destroy(&p->handles);
        spin_unlock(&handle_tree_lock);
        p->handles.ops = NULL;
    }
    /* Its kernel-coverage areas: no thread of it collects any more. */
    kcov_process_exit(p);
    /* Its DMA mappings went with its handles; now its devices are blocked again. */
    iommu_process_exit(p);
    /* Its TEE tokens and shares go; if it was the TEE partition, its waiting requests fail. */
    tee_process_exit(p);
    /* Detach the address space, then wait out the pins other processes' threads hold on it
     * (Thread.GetInfo); none can be taken once p->as is NULL. */
    spin_lock(&p->lock);
    struct aspace *as = p->as;
    p->as = NULL;
    spin_unlock(&p->lock);
    while (__atomic_load_n(&p->as_pins, __ATOMIC_ACQUIRE) != 0)
        sched_yield();
    aspace_destroy(as);
    ioperm_process_free(p); /* its access handles are closed: no permit is left */
    spin_lock(&p->lock);
    void *scp = p->scp;
    p->scp = NULL;
    void *hdr = p->elf_hdr;
    p->elf_hdr = NULL;
    void *frozen_regs = p->frozen_threads;
    p->frozen_threads = NULL;
    p->nfrozen = 0;
    spin_unlock(&p->lock);
    kfree_charged(scp, &p->kmem);
    kfree_charged(hdr, &p->kmem);
    kfree_charged(frozen_regs, &p->kmem);
    /* Its sampling session, container and registered segments (it is EXITING: no segment is
     * registered for it from now on). */
    prof_process_exit(p);
    /* Everything p held is freed: what its limits do not cover any more goes back to its
     * creator now, the rest as the objects that outlive it go. Before it is DEAD, which is
     * when anyone learns that it ended (Task.GetExitInfo, its end event): a creator that
     * starts the next process once this one ended finds its quota back, however late the
     * reaper ran. */
    kmem_account_close(&p->ram);
    kmem_account_close(&p->kmem);
    spin_lock(&p->lock);
    __atomic_store_n(&p->state, PROC_DEAD, __ATOMIC_RELEASE);
    spin_unlock(&p->lock);
    /* The KSM may drop the policy state it keeps for p (Flow, HashSet, StaticMap objects). */
    ksm_forget_push(kobj_take_end(&p->obj));
    /* Receivers subscribed to p learn its end: its threads are gone and its handles closed
     * (state is PROC_DEAD: a subscription made from now on sees it, obj/notice.h). */
    notice_raise(p->obj.koid, NOTICE_EV_OBJECT_ENDED, true);

    spin_lock(&list_lock);
    for (struct process **pp = &list_head; *pp != NULL; pp = &(*pp)->list_next)
        if (*pp == p) {
            *pp = p->list_next;
            break;
        }
    spin_unlock(&list_lock);
}

static void reaper_main(void *arg)
{
    (void)arg;
    for (;;) {
        uint64_t fl = spin_lock_irqsave(&reap_lock);
        struct process *p = reap_head;
        if (p == NULL) {
            reaper_idle = true;
            (void)sched_block_current(&reap_lock);
            cpu_irq_restore(fl);
            continue;
        }
        reap_head = p->reap_next;
        spin_unlock_irqrestore(&reap_lock, fl);

        if (p->state != PROC_DEAD)
            process_teardown(p);
        if (p->free_pending) {
            /* The object was destroyed: drop the process's own account references; the
             * kernel-memory account frees the process once its last charge is returned. */
            kmem_account_put(&p->ram);
            kmem_account_put(&p->kmem);
        } else {
            /* Queued by process_terminate: drop the process's reference on itself. */
            process_unref(p);
        }
    }
}

static void process_destroy(struct kobj *obj)
{
    /* May run under the derivation lock: no handle_* calls here, hand it to the reaper. */
    struct process *p = (struct process *)obj;
    p->free_pending = true;
    reap_queue(p);
}

/* ---- the machine's quota --------------------------------------------------------------- */

/* The root of the quota tree: what the machine can give processes. The kernel keeps a reserve
 * for what it takes uncharged (its own threads, slab slack, kernel page tables); of the rest an
 * eighth is kernel memory, the remainder RAM, so that their sum never exceeds the free pages. */
static struct kmem_account machine_kmem, machine_ram;

static void machine_quota_init(void)
{
    uint64_t free_bytes = pmm_free_pages() * 4096ull;
    uint64_t reserve = free_bytes / PROCESS_KERNEL_RESERVE_DIV;
    if (reserve < PROCESS_KERNEL_RESERVE_MIN)
        reserve = PROCESS_KERNEL_RESERVE_MIN;
    uint64_t pool = free_bytes > reserve ? free_bytes - reserve : 0;
    kmem_account_init(&machine_kmem, pool / 8, NULL);
    kmem_account_init(&machine_ram, pool - pool / 8, NULL);
    kprintf("quota: the machine gives processes %lu KiB of RAM and %lu KiB of kernel memory "
            "(%lu KiB kept by the kernel)\n",
            (unsigned long)(machine_ram.limit >> 10), (unsigned long)(machine_kmem.limit >> 10),
            (unsigned long)(reserve >> 10));
}

void process_init(void)
{
    machine_quota_init();
    /* Without the core endpoints' object or the reaper no process can run: stop here. */
    Retcode rc = kobj_init(&core_obj, &core_obj_ops, KOBJ_SID_KERNEL, NULL, 0);
    if (rc != rcOk)
        panic("process: core endpoint object: %s", retcode_name(rc));
    rc = thread_create_kernel("reaper", reaper_main, NULL, THREAD_PRIO_MAX, &reaper);
    if (rc == rcOk)
        rc = thread_start(reaper);
    if (rc != rcOk)
        panic("process: reaper thread: %s", retcode_name(rc));
}

/* ---- creation ------------------------------------------------------------------------- */

/* A new process's first limit out of `from`: half of what is left there, at most `dflt`. */
static uint64_t first_limit(const struct kmem_account *from, uint64_t dflt)
{
    uint64_t half = kmem_account_available(from) / 2;
    return half < dflt ? half : dflt;
}

void process_list_visit(void (*visit)(const struct process *p, void *arg), void *arg)
{
    spin_lock(&list_lock);
    for (struct process *p = list_head; p != NULL; p = p->list_next)
        visit(p, arg);
    spin_unlock(&list_lock);
}

struct process *process_find(const char *name)
{
    struct process *found = NULL;
    spin_lock(&list_lock);
    for (struct process *p = list_head; p != NULL; p = p->list_next)
        if (strcmp(p->name, name) == 0 && p->state != PROC_DEAD && kobj_ref(&p->obj) == rcOk) {
            found = p;
            break;
        }
    spin_unlock(&list_lock);
    return found;
}

static Retcode process_new(struct process *creator, const char *name, const char *class_name,
                           const char *path, bool empty, uint64_t stack_size, unsigned prio,
                           struct process **out);

Retcode process_create(struct process *creator, const char *name, const char *class_name,
                       const char *path, uint64_t stack_size, unsigned prio, struct process **out)
{
    return process_new(creator, name, class_name, path, path != NULL && path[0] == 0, stack_size,
                       prio, out);
}

Retcode process_create_empty(struct process *creator, const char *name, const char *class_name,
                             const char *path, uint64_t stack_size, unsigned prio,
                             struct process **out)
{
    return process_new(creator, name, class_name, path, true, stack_size, prio, out);
}

static Retcode process_new(struct process *creator, const char *name, const char *class_name,
                           const char *path, bool empty, uint64_t stack_size, unsigned prio,
                           struct process **out)
{
    if (out == NULL || prio > THREAD_PRIO_MAX)
        return rcInvalidArgument;
    if (stack_size == 0)
        stack_size = PROCESS_DEFAULT_STACK;
    if (stack_size > 64ull * 1024 * 1024)
        return rcOutOfRange;
    struct process *p;
    Retcode rc = kobj_new(sizeof *p, &process_ops, creator ? &creator->kmem : NULL, (void **)&p);
    if (rc != rcOk)
        return rc;
    /* From here on a failure is kobj_unref(&p->obj): destroy -> reaper -> teardown, which
     * copes with a half-built process (NULL address space, uninitialised table). */
    kmem_account_init(&p->kmem, 0, kmem_release);
    kmem_account_init(&p->ram, 0, NULL);
    /* Its limits come out of its creator's (the kernel's processes: the machine's), before
     * anything is charged to them: half of what the creator has left, at most the default, so
     * that it can be loaded; Task.SetEnv then sets them exactly. */
    struct kmem_account *from_kmem = creator ? &creator->kmem : &machine_kmem;
    struct kmem_account *from_ram = creator ? &creator->ram : &machine_ram;
    rc = kmem_account_carve(&p->kmem, from_kmem, first_limit(from_kmem, PROCESS_DEFAULT_KMEM));
    if (rc == rcOk)
        rc = kmem_account_carve(&p->ram, from_ram, first_limit(from_ram, PROCESS_DEFAULT_RAM));
    spin_init(&p->lock, LOCK_LEVEL_PROCESS);
    spin_init(&p->handles_lock, LOCK_LEVEL_HANDLE_TABLE);
    p->state = PROC_CREATED;
    p->main_prio = prio;
    p->parent_hint = creator;
    p->parent_pid = creator ? creator->pid : 0;
    p->state = PROC_DEAD; /* not in the list yet: teardown must not look for it */
    if (rc != rcOk) {
        kobj_unref(&p->obj);
        return rc;
    }
    /* An empty process: no file is loaded, its creator builds it (proc/process_build.h); its
     * path, if any, only names the file for GetPath. */
    p->empty = empty;
    p->want_stack = stack_size;
    if (!copy_name(p->name, name, PROCESS_NAME_MAX) ||
        !copy_name(p->class_name, class_name, PROCESS_CLASS_MAX) ||
        (!(empty && path != NULL && path[0] == 0) && !copy_name(p->path, path, PROCESS_PATH_MAX))) {
        kobj_unref(&p->obj);
        return rcInvalidArgument;
    }
    p->label = sec_label_new(p->name, from_kmem, &rc);
    if (p->label == NULL) {
        kobj_unref(&p->obj);
        return rc;
    }
    p->label->sid = kobj_sid(&p->obj);
    /* The monitor keeps state under a process's SID from its first event on: the note of its
     * end is made now, so that its death can always be told (security/ksm_forget.h). */
    rc = kobj_mark_shown(&p->obj);
    if (rc != rcOk) {
        kobj_unref(&p->obj);
        return rc;
    }

    /* Reserve the name and take a pid. */
    spin_lock(&list_lock);
    for (struct process *q = list_head; q != NULL; q = q->list_next)
        if (strcmp(q->name, p->name) == 0) {
            spin_unlock(&list_lock);
            kobj_unref(&p->obj);
            return rcAlreadyExists;
        }
    p->pid = next_pid++;
    p->list_next = list_head;
    list_head = p;
    p->state = PROC_CREATED;
    spin_unlock(&list_lock);

    rc = handle_table_init(&p->handles, &process_handle_ops, p, PROCESS_HANDLE_LIMIT, random_u64());
    if (rc != rcOk)
        goto fail;
    rc = handle_install(&p->handles, &core_obj, HR_KERNEL_FULL, &p->core_handle);
    if (rc != rcOk)
        goto fail;
    rc = aspace_create(&p->ram, &p->kmem, &p->as);
    if (rc != rcOk)
        goto fail;
    rc = p->empty ? rcOk : loader_load(p, p->path, stack_size);
    if (rc != rcOk)
        goto fail;
    *out = p;
    return rcOk;
fail:
    p->exit_reason = PROC_EXIT_TERMINATED;
    spin_lock(&p->lock);
    p->state = PROC_EXITING;
    spin_unlock(&p->lock);
    kobj_unref(&p->obj);
    return rc;
}

Retcode process_set_scp(struct process *p, const void *blob, size_t len)
{
    struct scp_view v;
    Retcode rc = scp_check(blob, len, &v);
    if (rc != rcOk)
        return rc;
    /* Checked again under the lock below; this early look only names the error right for a
     * process that has ended (its closed account would refuse the copy: rcQuotaExceeded). */
    if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != PROC_CREATED)
        return rcResourceBusy;
    void *copy = kmalloc_charged(len, &p->kmem, &rc);
    if (copy == NULL)
        return rc;
    memcpy(copy, blob, len);
    spin_lock(&p->lock);
    if (p->state != PROC_CREATED) {
        spin_unlock(&p->lock);
        kfree_charged(copy, &p->kmem);
        return rcResourceBusy;
    }
    /* The limits asked for are carved out of the creator's (a raise: rcQuotaExceeded if it has
     * not got it; a cut below what the child holds already: rcOutOfRange). Both or neither. */
    uint64_t old_kmem = p->kmem.limit;
    rc = rcOk;
    if (v.hdr.kernel_memory_limit != 0)
        rc = kmem_account_resize(&p->kmem, v.hdr.kernel_memory_limit);
    if (rc == rcOk && v.hdr.ram_limit != 0) {
        rc = kmem_account_resize(&p->ram, v.hdr.ram_limit);
        if (rc != rcOk)
            (void)kmem_account_resize(&p->kmem, old_kmem);
    }
    if (rc != rcOk) {
        spin_unlock(&p->lock);
        kfree_charged(copy, &p->kmem);
        return rc;
    }
    void *old = p->scp;
    p->scp = copy;
    p->scp_len = len;
    spin_unlock(&p->lock);
    kfree_charged(old, &p->kmem);
    return rcOk;
}

Retcode process_add_thread(struct process *p, struct thread *t)
{
    process_forget_dead_threads(p);
    spin_lock(&p->lock);
    if (p->state == PROC_EXITING || p->state == PROC_DEAD || p->frozen) {
        spin_unlock(&p->lock);
        return rcPeerClosed;
    }
    if (p->nthreads == PROCESS_MAX_THREADS) {
        spin_unlock(&p->lock);
        return rcQuotaExceeded;
    }
    thread_ref(t);
    p->threads[p->nthreads++] = t;
    spin_unlock(&p->lock);
    return rcOk;
}

Retcode process_start(struct process *p)
{
    spin_lock(&p->lock);
    if (p->state != PROC_CREATED) {
        spin_unlock(&p->lock);
        return rcResourceBusy;
    }
    p->state = PROC_RUNNING;
    p->starting = true;
    bool need_ref = !p->self_ref;
    p->self_ref = true; /* a running process keeps itself alive until reaped */
    spin_unlock(&p->lock);
    if (need_ref)
        process_ref(p);

    /* A build call that began before the state changed finishes first (process_build.h). */
    while (__atomic_load_n(&p->building, __ATOMIC_ACQUIRE) != 0)
        sched_yield();
    /* An empty process gets its stack now, beside the image its creator built. */
    Retcode rc = p->empty ? process_build_finish(p) : rcOk;
    if (rc != rcOk) {
        __atomic_store_n(&p->starting, false, __ATOMIC_RELEASE);
        process_terminate(p, PROC_EXIT_TERMINATED, rc, NULL);
        return rc;
    }
    /* The start block goes right below the initial stack pointer; rsp = its start. */
    uint8_t *sbbuf = kmalloc_charged(STARTBLOCK_BUILD_MAX, &p->kmem, &rc);
    if (sbbuf == NULL) {
        __atomic_store_n(&p->starting, false, __ATOMIC_RELEASE);
        process_terminate(p, PROC_EXIT_TERMINATED, rc, NULL);
        return rc;
    }
    struct scp_view v;
    bool have_scp = p->scp != NULL && scp_check(p->scp, p->scp_len, &v) == rcOk;
    struct startblock_info info = {
        .name = p->name,
        .core_handle = p->core_handle,
        .pid = p->pid,
        .ksm_receiver = ksm_is_self(p->label),
        .boot_tsc = boot_tsc0,
        .tsc_hz = tsc_hz(),
        .cpu_count = percpu_count(),
        .tls_image = p->tls_image,
        .tls_file_size = p->tls_file_size,
        .tls_mem_size = p->tls_mem_size,
        .tls_align = p->tls_align,
        .stack_base = p->stack_base,
        .stack_size = p->stack_size,
        .image_base = p->image_base,
    };
    /* Placed by its size, then laid out once at its address. */
    size_t size = startblock_size(have_scp ? &v : NULL, p->name), used = 0;
    uint64_t ua = (p->initial_sp - size) & ~15ull;
    if (ua < p->stack_base || size > p->stack_size / 2)
        rc = rcOutOfRange;
    if (rc == rcOk)
        rc = startblock_build(have_scp ? &v : NULL, &info, ua, sbbuf, STARTBLOCK_BUILD_MAX, &used);
    KASSERT(rc != rcOk || used == size); /* what was placed is what is written */
    if (rc == rcOk)
        rc = aspace_write(p->as, ua, sbbuf, used);
    kfree_charged(sbbuf, &p->kmem);

    if (rc == rcOk) {
        /* The "execute" event: the process is about to run its first instruction. */
        /* Started by the calling process (Task.Resume), or by the kernel itself (Einit). */
        const struct process *by = thread_current()->proc;
        struct sec_request sr = {
            .event = KSM_EV_EXECUTE,
            .src_sid = by ? kobj_sid(&by->obj) : KOBJ_SID_KERNEL,
            .src_class = by ? by->class_name : "kernel",
            .dst_sid = kobj_sid(&p->obj),
            .dst_class = p->class_name,
            .src = by ? by->label : NULL,
            .dst = p->label,
        };
        rc = security_check(&sr);
    }
    struct thread *t = NULL;
    if (rc == rcOk)
        rc = thread_create_user(p, p->entry, ua, ua, p->main_prio, &t);
    if (rc == rcOk && p->main_class != SCHED_NORMAL)
        rc = sched_set_policy(t, p->main_class, p->main_prio, p->main_rr_quantum);
    if (rc == rcOk)
        rc = process_add_thread(p, t);
    if (rc == rcOk)
        rc = thread_start(t);
    if (rc == rcOk)
        core_log_start(p, thread_current()->proc);
    if (t != NULL)
        thread_unref(t);
    __atomic_store_n(&p->starting, false, __ATOMIC_RELEASE);
    if (rc != rcOk) {
        kprintf("process %s: start failed: %s\n", p->name, retcode_name(rc));
        process_terminate(p, PROC_EXIT_TERMINATED, rc, NULL);
    }
    return rc;
}

/* ---- the end -------------------------------------------------------------------------- */

void process_terminate(struct process *p, uint32_t reason, int32_t code,
                       const struct process_fault *fault)
{
    spin_lock(&p->lock);
    if (p->state == PROC_EXITING || p->state == PROC_DEAD) {
        spin_unlock(&p->lock);
        return;
    }
    p->state = PROC_EXITING;
    p->exit_reason = reason;
    p->exit_code = code;
    if (fault != NULL)
        p->fault = *fault;
    bool need_ref = !p->self_ref;
    p->self_ref = true;
    uint32_t n = p->nthreads;
    struct thread *ts[PROCESS_MAX_THREADS];
    for (uint32_t i = 0; i < n; i++) {
        ts[i] = p->threads[i];
        thread_ref(ts[i]);
    }
    spin_unlock(&p->lock);
    core_log_end(p, reason, code);
    /* The caller's own thread, if it belongs to p, ends on its way out (core.c). */
    struct thread *self = thread_current();
    for (uint32_t i = 0; i < n; i++) {
        if (ts[i] != self)
            (void)thread_terminate(ts[i], code);
        thread_unref(ts[i]);
    }
    if (need_ref)
        process_ref(p); /* the reaper drops it when done */
    reap_queue(p);
}

void process_fault_kill_frame(struct process *p, const char *why, uint32_t vector,
                              uint64_t error_code, uint64_t addr, uint64_t ip)
{
    (void)why;
    struct process_fault f = {vector, error_code, addr, ip};
    core_log_fault(p, vector, error_code, addr, ip, false);
    process_terminate(p, PROC_EXIT_EXCEPTION, -1, &f);
}

void process_start_init(void)
{
    const char *path = kparam_get("init");
    if (path == NULL || path[0] == 0)
        path = "einit";
    struct process *p;
    Retcode rc = process_create(NULL, "Einit", "Einit", path, 0, THREAD_PRIO_DEFAULT, &p);
    if (rc != rcOk) {
        kprintf("init: cannot create Einit from ROMFS \"%s\": %s\n", path, retcode_name(rc));
        return;
    }
    /* Einit gets all the machine's quota the KSM does not hold; the limits of init.yaml are
     * carved out of it. */
    rc = kmem_account_resize(&p->kmem, p->kmem.limit + kmem_account_available(&machine_kmem));
    if (rc == rcOk)
        rc = kmem_account_resize(&p->ram, p->ram.limit + kmem_account_available(&machine_ram));
    if (rc != rcOk)
        kprintf("init: Einit keeps its first quota: %s\n", retcode_name(rc));
    kprintf("init: Einit's quota: %lu KiB of RAM, %lu KiB of kernel memory\n",
            (unsigned long)(p->ram.limit >> 10), (unsigned long)(p->kmem.limit >> 10));
    kprintf("init: starting Einit from \"%s\" (pid %u)\n", path, p->pid);
    rc = process_start(p);
    if (rc != rcOk)
        kprintf("init: Einit did not start: %s\n", retcode_name(rc));
    /* The kernel keeps no handle: Einit lives until it exits. Our reference goes now. */
    process_unref(p);
}
