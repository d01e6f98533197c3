/* Starting the security monitor (contract in ksm_start.h). */
#include "security/ksm_start.h"

#include "lib/kprintf.h"
#include "lib/string.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "security/ksm_channel.h"
#include "security/ksm_choice.h"
#include "security/ksm_forget.h"

#define KSM_TASK_NAME "ksm"
#define KSM_CLASS_NAME "Ksm"

/* Set once by ksm_start() before Einit exists: a reference, the KSM lives as long as the system. */
static struct process *ksm_proc;

void ksm_start(void)
{
#ifdef BASTION_NO_MONITOR
    kprintf("security: BENCHMARK KERNEL WITHOUT A SECURITY MONITOR: every request is granted "
            "unchecked\n");
    return;
#endif
    const char *path = ksm_choose_program(); /* fixed by the image: ksm_choice.h */
    if (strcmp(path, "none") == 0) {
        kprintf("security: no KSM (ksm=none): every request will be denied (rcNoKsm)\n");
        return;
    }
    struct process *p;
    Retcode rc = process_create(NULL, KSM_TASK_NAME, KSM_CLASS_NAME, path, 0, THREAD_PRIO_MAX, &p);
    if (rc != rcOk) {
        kprintf("security: cannot create the KSM from ROMFS \"%s\": %s: every request will be "
                "denied\n",
                path, retcode_name(rc));
        return;
    }
    ksm_proc = p;
    /* Its threads are now the only ones SYS_KSM_WAIT serves, and its start block says so. */
    ksm_channel_open(p->label, p->pid);
    /* It may keep state under the SIDs of resources it is shown: it hears of their ends. */
    ksm_forget_watch_objects();
    kprintf("security: starting the KSM from \"%s\" (pid %u)\n", path, p->pid);
    /* Its execute event is the kernel's own decision (hook.c): there is nobody to ask yet. */
    rc = process_start(p);
    if (rc != rcOk)
        kprintf("security: the KSM did not start: %s: every request will be denied\n",
                retcode_name(rc));
}

#ifdef BASTION_TEST_HOOKS
bool ksm_test_terminate(void)
{
    if (ksm_proc == NULL)
        return false;
    process_terminate(ksm_proc, PROC_EXIT_TERMINATED, rcFail, NULL);
    return true;
}

#endif
