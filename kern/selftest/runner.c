/*
 * The self-test runner (selftest=<list>, see selftest.h): runs each named group in a kernel
 * thread of its own and prints its count line, and the thread helpers the groups share.
 */
#ifdef BASTION_TEST_HOOKS

#include "selftest/selftest.h"
#include "selftest/check.h"

#include "boot/params.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "proc/thread.h"
#include "sched/sched.h"

unsigned selftest_passed, selftest_failed;

struct thread *selftest_spawn(const char *name, void (*fn)(void *), void *arg, unsigned prio,
                              uint64_t affinity, enum sched_class cls)
{
    struct thread *t;
    if (thread_create_kernel(name, fn, arg, prio, &t) != rcOk)
        return NULL;
    t->affinity = affinity;
    t->sched_class = cls;
    t->kernel_preemptible = true; /* test threads hold no spinlock with interrupts on */
    thread_start(t);
    return t;
}

int64_t selftest_join(struct thread *t)
{
    int64_t code = -999;
    Retcode rc = thread_wait(t, 30000 * MS, &code);
    if (rc != rcOk)
        kprintf("selftest: wait for %s: %s\n", t->name, retcode_name(rc));
    thread_unref(t);
    return code;
}

static bool wanted(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = p;
        while (*e && *e != ',')
            e++;
        if ((size_t)(e - p) == n && strncmp(p, name, n) == 0)
            return true;
        p = *e ? e + 1 : e;
    }
    return false;
}

static const struct {
    const char *name;
    void (*run)(void);
} groups[] = {
    /* slab first: its page count check wants no other test's threads allocating beside it. */
    {"slab", selftest_slab},   {"sched", selftest_sched}, {"user", selftest_user},
    {"locks", selftest_locks}, {"iommu", selftest_iommu}, /* q35 with intel-iommu and edu only (test/boot) */
};

/* Runs in its own thread, more urgent than the test threads it starts: kmain's context has
 * the lowest priority, and a user busy loop of priority 1 would rightly starve it. */
static void selftest_thread(void *arg)
{
    const char *list = arg;
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        if (!wanted(list, groups[i].name))
            continue;
        selftest_passed = selftest_failed = 0;
        groups[i].run();
        kprintf("selftest %s: %u passed, %u failed\n", groups[i].name, selftest_passed,
                selftest_failed);
    }
    thread_exit(0);
}

void selftest_run(void)
{
    const char *list = kparam_get("selftest");
    if (!list)
        return;
    struct thread *t;
    if (thread_create_kernel("selftest", selftest_thread, (void *)list, 25, &t) != rcOk) {
        kprintf("selftest: no memory for the test thread\n");
        return;
    }
    t->kernel_preemptible = true;
    thread_start(t);
    int64_t code;
    thread_wait(t, 0, &code);
    thread_unref(t);
}

#endif
