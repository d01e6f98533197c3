/*
 * os_kernel_files: the kernel files the status page reads, as a program with exactly its
 * rights reads them (class ostest.KernelFiles):
 *   - /.kernel/tasks: this process is in it once, with its name, class, state running, its
 *     parent Einit's pid and its thread; Einit and the KSM are there; every record is a live
 *     state and the list is what task_table_parse accepts;
 *   - /.kernel/security: this class is in it; a request the policy denies (FS.Open of
 *     /.kernel/pci, which only Einit may open) adds one denial and one decision to this class
 *     and to the totals; no class has more denials than decisions;
 *   - Profiler ksm.decisions and ksm.denials: grow with that denial, and agree with the file's
 *     totals (the file is read between two counter reads);
 *   - two opens are two snapshots: a process started between them (none here: the list of one
 *     instant) leaves each self-consistent; a snapshot read twice gives the same bytes.
 */
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/kernel_file.h>
#include <user/pci_table.h>
#include <user/security_table.h>
#include <user/task_table.h>

#include "kl/core/FS.idl.h"
#include "ostest.h"

static struct task_table tasks;
static struct security_table sec, sec2;
static uint8_t file_a[TASK_TABLE_FILE_MAX], file_b[TASK_TABLE_FILE_MAX];

static const struct bastion_task_record *find_task(const char *name)
{
    const struct bastion_task_record *found = NULL;
    for (uint32_t i = 0; i < tasks.count; i++)
        if (strcmp(tasks.rec[i].name, name) == 0) {
            if (found != NULL)
                return NULL; /* twice: not a list of processes */
            found = &tasks.rec[i];
        }
    return found;
}

static const struct bastion_security_record *find_class(const struct security_table *t,
                                                        const char *name)
{
    for (uint32_t i = 0; i < t->count; i++)
        if (strcmp(t->rec[i].class_name, name) == 0)
            return &t->rec[i];
    return NULL;
}

static void task_list(void)
{
    if (!OT_RC(task_table_read(&tasks), rcOk))
        return;
    printf("os_kernel_files: %u processes in /.kernel/tasks\n", (unsigned)tasks.count);
    OT_TRUE(tasks.count >= 3 && tasks.total >= tasks.count);
    const struct bastion_task_record *me = find_task("KernelFiles");
    const struct bastion_task_record *einit = find_task("Einit");
    OT_TRUE(find_task("ksm") != NULL);
    if (!OT_TRUE(me != NULL) || !OT_TRUE(einit != NULL))
        return;
    OT_TRUE(strcmp(me->class_name, "ostest.KernelFiles") == 0);
    OT_EQ(me->state, BASTION_TASK_RUNNING);
    OT_EQ(me->parent, einit->pid);
    OT_EQ(me->threads, 1);
    OT_TRUE(me->pid != einit->pid && me->pid != 0);
    OT_TRUE(strcmp(einit->class_name, "Einit") == 0);
    /* A snapshot read again gives the same bytes; two opens are two snapshots, each whole. */
    size_t a = 0, b = 0;
    OT_RC(kernel_file_read(BASTION_TASK_TABLE_PATH, file_a, sizeof file_a, &a), rcOk);
    OT_RC(kernel_file_read(BASTION_TASK_TABLE_PATH, file_b, sizeof file_b, &b), rcOk);
    OT_RC(task_table_parse(file_a, a, &tasks), rcOk);
    OT_RC(task_table_parse(file_b, b, &tasks), rcOk);
    /* Too small a buffer: refused, not cut. */
    OT_RC(kernel_file_read(BASTION_TASK_TABLE_PATH, file_a, 100, &a), rcBadFormat);
}

static Retcode open_pci(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_fs_FS, CORE_MSG_LARGE);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {0};
    return core_result(kl_core_FS_Open(&cl, BASTION_PCI_TABLE_PATH, &h, &rc), &rc);
}

static void decisions(void)
{
    uint64_t before[2] = {0, 0}, after[2] = {0, 0};
    uint32_t n = 0;
    OT_RC(ot_counters("ksm.", before, 2, &n), rcOk);
    OT_EQ(n, 2);
    if (!OT_RC(security_table_read(&sec), rcOk))
        return;
    OT_RC(ot_counters("ksm.", after, 2, &n), rcOk);
    /* The file's totals lie between the two counter reads. */
    OT_TRUE(before[0] <= sec.decisions && sec.decisions <= after[0]);
    OT_TRUE(before[1] <= sec.denials && sec.denials <= after[1]);
    for (uint32_t i = 0; i < sec.count; i++)
        OT_TRUE(sec.rec[i].denials <= sec.rec[i].decisions);
    const struct bastion_security_record *mine = find_class(&sec, "ostest.KernelFiles");
    OT_TRUE(find_class(&sec, "Einit") != NULL);
    if (!OT_TRUE(mine != NULL))
        return;
    uint64_t my_decisions = mine->decisions, my_denials = mine->denials;
    printf("os_kernel_files: this class: %llu decisions, %llu denials; all: %llu, %llu\n",
           (unsigned long long)my_decisions, (unsigned long long)my_denials,
           (unsigned long long)sec.decisions, (unsigned long long)sec.denials);

    /* One request the policy denies: counted for this class, in the totals, in ksm.denials. */
    OT_RC(open_pci(), rcSecurityDisallow);
    if (!OT_RC(security_table_read(&sec2), rcOk))
        return;
    const struct bastion_security_record *now = find_class(&sec2, "ostest.KernelFiles");
    if (!OT_TRUE(now != NULL))
        return;
    /* Exactly one more denial: nothing else this process did in between was denied. Its
     * decisions grew by the denial and the granted requests in between (counter and file
     * reads), at least 2. */
    OT_EQ(now->denials, my_denials + 1);
    OT_TRUE(now->decisions >= my_decisions + 2);
    OT_TRUE(sec2.denials >= sec.denials + 1);
    OT_RC(ot_counters("ksm.", after, 2, &n), rcOk);
    OT_TRUE(after[1] >= before[1] + 1 && after[0] > before[0]);
}

int main(void)
{
    ot_begin("os_kernel_files");
    task_list();
    decisions();
    return ot_end();
}
