/*
 * Einit: the first user process. It starts the solution described by the start-up table that
 * einit-compile generated from init.yaml (startup_table.h, docs/init-yaml.md):
 *
 *   1. check the table (einit_table_check);
 *   2. create every process with its class and name, not yet running, and load its ELF file
 *      from the ROMFS itself (elf_spawn.c: read through kl.core.FS, checked, mapped segment by
 *      segment with Task.LoadSeg);
 *   3. connect the channels: for each connection, Handle.Connect between the server and the
 *      client process; the first connection of a listener row creates the listener, the others
 *      reuse it, so every client of one (server, id) shares one listener. A server that keeps
 *      state per client (per_client_server: the table's EINIT_ENTRY_PER_CLIENT_SERVER, the RAM
 *      file system and the name server) gets instead a server end of its own per client, named
 *      by the id and bound to the client's task name by an environment variable
 *      (<user/sessions.h> SESSIONS_CLIENT_ENV), so that it knows whose every request is;
 *   4. hand each process the PCI functions its `devices:` name (einit_devices.c: the BARs and
 *      interrupt registered by Einit and transferred as named handles);
 *   5. give each process its arguments (argv[0] = task name), environment, named handles and
 *      limits (Task.SetEnv);
 *   6. start them (Task.Resume), each after the servers it connects to (start_order.h: the
 *      kernel learns a server's class when it starts), otherwise in table order, and report
 *      each on the console;
 *   7. in the profiling image, sample them all and print the records (einit_profile.h);
 *   8. report how each one ends (Task.GetExitInfo), until all have: Einit subscribes a Notice
 *      receiver to each started process's end and freeze (NoticeObjectEnded |
 *      NoticeProcessFrozen) and blocks in Notice.GetEvent with no time limit, reading the exit
 *      information of the one each event names. One that faulted is frozen (it was created so):
 *      it raises NoticeProcessFrozen, its exit information is its fault, and Einit prints its
 *      registers, regions and backtrace before it ends it (einit_crash.c); the end event that
 *      follows finds it reported already.
 * Creating everything before starting anything makes forward references and cycles safe.
 * A process that cannot be created or connected is reported and left out; the rest start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/core.h>
#include <user/scp.h>
#include <user/sessions.h>
#include <user/start.h>

#include <bastion/startblock.h>

#include <bastion/task.h>

#include "einit_crash.h"
#include "einit_devices.h"
#include "einit_profile.h"
#include "elf_spawn.h"
#include "startup_table.h"
#include "start_order.h"
#include "startup_table_check.h"

/* Task.Create's stackSize (0: the kernel's default) and priority (0..31, higher is more
 * urgent; 10 is the kernel's default for threads). */
#define EINIT_STACK_DEFAULT 0u
#define EINIT_PRIORITY_DEFAULT 10u
/* Without a receiver (Notice.Create or a SubscribeToObject refused, or the receiver failed)
 * Einit polls every process every EINIT_POLL_MS as it did before it had one; with one, it
 * waits for events only. */
#define EINIT_POLL_MS 100u

/* Named handles of one process: its connections, the listeners it serves, its devices'. */
#define EINIT_MAX_NAMED (EINIT_MAX_CONNECTIONS * 2 + EINIT_MAX_DEVICES * EINIT_DEVICE_HANDLES)

struct proc {
    uint32_t task; /* Task handle in Einit's space */
    uint64_t bias; /* its load offset, for the crash report */
    int created;   /* Task.Create succeeded */
    int failed;    /* left out: not started */
    int ended;     /* its end was reported */
    uint32_t nnamed;
    const char *names[EINIT_MAX_NAMED];
    uint32_t handles[EINIT_MAX_NAMED]; /* values in the process's own handle space */
    /* A per-client server's ends (per_client_server): each end's value and its client. */
    uint32_t nsessions;
    uint32_t session_end[EINIT_MAX_NAMED];
    const char *session_client[EINIT_MAX_NAMED];
    struct einit_given given; /* what its devices gave it */
};

static struct proc procs[EINIT_MAX_ENTRIES];
static uint32_t listener_value[EINIT_MAX_ENTRIES * EINIT_MAX_CONNECTIONS];
static const char *src;

/* Names a handle of p: 1, or 0 when p has no room for another name. */
static int name_handle(struct proc *p, const char *name, uint32_t value)
{
    for (uint32_t i = 0; i < p->nnamed; i++) {
        /* A listener shared by several clients is named once. The client end of a channel a
         * process has to itself is another handle of the same name: it is named too, after
         * the listener (start_connection finds the listener, start_connection_at both). */
        if (strcmp(p->names[i], name) == 0 && p->handles[i] == value)
            return 1;
    }
    if (p->nnamed >= sizeof p->names / sizeof p->names[0])
        return 0;
    p->names[p->nnamed] = name;
    p->handles[p->nnamed++] = value;
    return 1;
}

/* Whether a server keeps state per client, so that it must know which client sent each
 * request: the compiler marks the classes it knows as such (EINIT_ENTRY_PER_CLIENT_SERVER,
 * services/einit/tools/initcfg_classes.h: the RAM file system, the name server). The kernel
 * does not say who sent a message on a shared listener; a server end of the client's own does
 * (and its Recv says rcClientGone when that client's end is gone). The class, not the task
 * name, decides: the SDK's default task name is the class (kl.VfsRamFs, kl.core.NameServer). */
static int per_client_server(const struct einit_entry *server)
{
    return (server->flags & EINIT_ENTRY_PER_CLIENT_SERVER) != 0;
}

/* A channel with a server end of its own for one client of a per-client server: the end is
 * named by the id in the server and bound to the client's task name (set_env). */
static Retcode connect_own_end(struct proc *srv, const struct einit_entry *client, struct proc *cli,
                               const char *id)
{
    if (srv->nsessions >= sizeof srv->session_end / sizeof srv->session_end[0])
        return rcOutOfRange;
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_HandleValue lst = 0, srv_ep = 0, cli_ep = 0;
    Retcode r = core_result(
        kl_core_Handle_Connect(&cl, core_handle_arg(srv->task), kl_core_Types_InvalidHandleValue,
                               1u, core_handle_arg(cli->task), &lst, &srv_ep, &cli_ep, &rc),
        &rc);
    if (r != rcOk)
        return r;
    if (!name_handle(srv, id, srv_ep) || !name_handle(cli, id, cli_ep))
        return rcOutOfRange;
    srv->session_end[srv->nsessions] = srv_ep;
    srv->session_client[srv->nsessions++] = client->task_name;
    return rcOk;
}

/* Builds the process from its ELF file itself (elf_spawn.h), as KasperskyOS's Einit does; the
 * kernel's own loader stays for the monitor and Einit. A malformed file is refused with the
 * check's name and nothing is created. */
static Retcode create(const struct einit_entry *e, struct proc *p, const char **step)
{
    struct elf_spawn_diag why;
    uint32_t task = 0;
    /* Frozen at a fatal fault, so that Einit can report it (einit_crash.h). */
    Retcode r = elf_spawn(
        e->task_name, e->class_name, e->path, EINIT_STACK_DEFAULT, EINIT_PRIORITY_DEFAULT,
        BASTION_TASK_CREATE_FREEZE_ON_FAULT |
            ((e->flags & EINIT_ENTRY_TEE_PARTITION) ? BASTION_TASK_CREATE_TEE_PARTITION : 0u),
        &task, &p->bias, &why);
    if (r == rcOk) {
        p->task = task;
        p->created = 1;
        return rcOk;
    }
    *step = why.step != NULL ? why.step : "Task.Create";
    if (why.step != NULL && strcmp(why.step, "ELF check") == 0)
        printf("einit: %s: %s: ELF check %s (header %d): %s\n", e->task_name, e->path,
               elf_image_check_name(&why.check), why.check.index, retcode_name(r));
    return r;
}

static Retcode connect(const struct einit_startup_table *t, uint32_t client,
                       const struct einit_connection *c)
{
    struct proc *srv = &procs[c->server], *cli = &procs[client];
    if (!srv->created || srv->failed)
        return rcNotFound;
    if (per_client_server(&t->entries[c->server]))
        return connect_own_end(srv, &t->entries[client], cli, c->id);
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_HandleValue lst = 0, srv_ep = 0, cli_ep = 0;
    Retcode r = core_result(
        kl_core_Handle_Connect(&cl, core_handle_arg(srv->task), listener_value[c->listener], 0,
                               core_handle_arg(cli->task), &lst, &srv_ep, &cli_ep, &rc),
        &rc);
    if (r != rcOk)
        return r;
    listener_value[c->listener] = lst;
    (void)name_handle(srv, t->listeners[c->listener].id, lst);
    (void)name_handle(cli, c->id, cli_ep);
    return rcOk;
}

static Retcode set_env(const struct einit_entry *e, struct proc *p)
{
    static _Alignas(8) uint8_t blob[BASTION_SCP_MAX];
    struct scp_builder b;
    scp_init(&b, blob, sizeof blob, e->limits.kernel_memory, e->limits.ram);
    scp_arg(&b, e->task_name);
    for (uint32_t i = 0; i < e->nargs; i++)
        scp_arg(&b, e->args[i]);
    for (uint32_t i = 0; i < e->nenv; i++)
        scp_env(&b, e->env[i].name, e->env[i].value);
    for (uint32_t i = 0; i < p->given.nenv; i++)
        scp_env(&b, p->given.env_name[i], p->given.env_value[i]);
    for (uint32_t i = 0; i < p->nsessions; i++) {
        char var[SESSIONS_ENV_NAME_MAX];
        sessions_env_name(var, p->session_end[i]);
        scp_env(&b, var, p->session_client[i]);
    }
    for (uint32_t i = 0; i < p->nnamed; i++)
        scp_conn(&b, p->names[i], p->handles[i]);
    size_t len = 0;
    Retcode r = scp_finish(&b, &len);
    if (r != rcOk)
        return r;
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, kl_core_Task_TaskEnvMax + CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq seq = {.data = blob, .count = (uint32_t)len};
    return core_result(kl_core_Task_SetEnv(&cl, core_handle_arg(p->task), seq, &rc), &rc);
}

static Retcode resume(struct proc *p)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Task_Resume(&cl, core_handle_arg(p->task), &rc), &rc);
}

/* Reports the end of p once it has ended: 1 if it has (or can no longer be asked), else 0. */
static int report_exit(const struct einit_entry *e, struct proc *p)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Task_TaskExitReason why = 0;
    struct kl_core_Task_TaskExitInfo info;
    memset(&info, 0, sizeof info);
    Retcode r =
        core_result(kl_core_Task_GetExitInfo(&cl, core_handle_arg(p->task), &why, &info, &rc), &rc);
    if (r == rcResourceBusy || r == rcTimeout)
        return 0; /* still running */
    if (r != rcOk) {
        printf("einit: %s: cannot watch it any more: %s\n", e->task_name, retcode_name(r));
        return 1;
    }
    if (why == kl_core_Task_TaskExitNormal)
        printf("einit: %s exited with status %d\n", e->task_name, (int)info.u.exitCode);
    else if (why == kl_core_Task_TaskExitTerminated)
        printf("einit: %s was terminated (code %d)\n", e->task_name, (int)info.u.terminated);
    else {
        printf("einit: %s died: exception %u at ip %#llx, address %#llx\n", e->task_name,
               (unsigned)info.u.fault.vector, (unsigned long long)info.u.fault.ip,
               (unsigned long long)info.u.fault.address);
        einit_crash_report(e->task_name, e->path, p->bias, p->task);
    }
    return 1;
}

/* The end watcher: a Notice receiver with one entry per started process (evId: its index in
 * the table), or none (NOTICE_NONE) when the kernel or the policy refused it. */
#define NOTICE_NONE kl_core_Types_InvalidHandleValue

static uint32_t notice_create(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_notice_Notice, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {NOTICE_NONE, 0};
    if (core_result(kl_core_Notice_Create(&cl, &h, &rc), &rc) != rcOk)
        return NOTICE_NONE;
    return h.handle;
}

static Retcode notice_watch(uint32_t notify, uint32_t task, uint64_t id)
{
    CORE_CLIENT(cl, kl_core_Core_EP_notice_Notice, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Notice_SubscribeToObject(
                           &cl, core_handle_arg(notify), core_handle_arg(task),
                           kl_core_Notice_NoticeObjectEnded | kl_core_Notice_NoticeProcessFrozen,
                           id, &rc),
                       &rc);
}

/* Notice.GetEvent: the ids of the processes that ended or froze (at most NoticeEventsMax), *n
 * of them; rcTimeout when none came within msec. */
static Retcode notice_wait(uint32_t notify, uint32_t msec, uint64_t *ids, uint32_t *n)
{
    CORE_CLIENT(cl, kl_core_Core_EP_notice_Notice, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq s = {0};
    *n = 0;
    Retcode r =
        core_result(kl_core_Notice_GetEvent(&cl, core_handle_arg(notify), msec, &s, &rc), &rc);
    if (r != rcOk)
        return r;
    const struct kl_core_Notice_NoticeEvent *ev = (const void *)s.data;
    for (uint32_t k = 0; k < s.count && k < kl_core_Notice_NoticeEventsMax; k++)
        ids[(*n)++] = ev[k].evId;
    return rcOk;
}

static void leave_out(const struct einit_entry *e, struct proc *p, const char *step, Retcode r)
{
    printf("einit: %s (%s, %s:%u): %s failed: %s (%s); not started\n", e->task_name, e->class_name,
           src, (unsigned)e->line, step, retcode_name(r), retcode_text(r));
    p->failed = 1;
}

int main(void)
{
    const struct einit_startup_table *t = &einit_startup_table;
    struct einit_check_failure why;
    Retcode r = einit_table_check(t, &why);
    if (r != rcOk) {
        printf("einit: start-up table refused: %s (entry %u, listener %u: %s)\n", retcode_name(r),
               (unsigned)why.entry, (unsigned)why.listener, why.reason ? why.reason : "?");
        return 1;
    }
    src = t->source;
    printf("einit: starting the solution of %s: %u processes, %u channels\n", src,
           (unsigned)t->nentries, (unsigned)t->nlisteners);

    for (uint32_t l = 0; l < t->nlisteners; l++)
        listener_value[l] = kl_core_Types_InvalidHandleValue;
    for (uint32_t i = 0; i < t->nentries; i++) {
        const char *step = "Task.Create";
        r = create(&t->entries[i], &procs[i], &step);
        if (r != rcOk)
            leave_out(&t->entries[i], &procs[i], step, r);
        else
            einit_profile_add(t->entries[i].task_name, t->entries[i].path, procs[i].task,
                              procs[i].bias);
    }
    for (uint32_t i = 0; i < t->nentries; i++) {
        const struct einit_entry *e = &t->entries[i];
        for (uint32_t c = 0; c < e->nconnections && !procs[i].failed; c++) {
            r = connect(t, i, &e->connections[c]);
            if (r != rcOk)
                leave_out(e, &procs[i], "Handle.Connect", r);
        }
    }
    for (uint32_t i = 0; i < t->nentries; i++) {
        const struct einit_entry *e = &t->entries[i];
        struct proc *p = &procs[i];
        const char *what = NULL;
        if (p->failed || e->ndevices == 0)
            continue;
        r = einit_give_devices(e, p->task, &p->given, &what);
        if (r != rcOk) {
            leave_out(e, p, what, r);
            continue;
        }
        for (uint32_t k = 0; k < p->given.nhandles; k++)
            (void)name_handle(p, p->given.handle_name[k], p->given.handle[k]);
    }
    for (uint32_t i = 0; i < t->nentries; i++) {
        if (procs[i].failed)
            continue;
        r = set_env(&t->entries[i], &procs[i]);
        if (r != rcOk)
            leave_out(&t->entries[i], &procs[i], "Task.SetEnv", r);
    }
    einit_profile_start(); /* the profiling image only (einit_profile.h) */
    uint32_t running = 0;
    static bool left_out[EINIT_MAX_ENTRIES], placed[EINIT_MAX_ENTRIES];
    static uint32_t order[EINIT_MAX_ENTRIES];
    for (uint32_t i = 0; i < t->nentries; i++)
        left_out[i] = procs[i].failed;
    uint32_t nstart = einit_start_order(t, left_out, placed, order);
    for (uint32_t k = 0; k < nstart; k++) {
        uint32_t i = order[k];
        const struct einit_entry *e = &t->entries[i];
        r = resume(&procs[i]);
        if (r != rcOk) {
            leave_out(e, &procs[i], "Task.Resume", r);
            continue;
        }
        running++;
        printf("einit: started %s (class %s, %s, %s:%u, %u channel%s, kernel memory %llu, RAM "
               "%llu)\n",
               e->task_name, e->class_name, e->path, src, (unsigned)e->line,
               (unsigned)procs[i].nnamed, procs[i].nnamed == 1 ? "" : "s",
               (unsigned long long)e->limits.kernel_memory, (unsigned long long)e->limits.ram);
    }
    uint64_t now = __builtin_ia32_rdtsc();
    printf("einit: %u of %u processes started\n", (unsigned)running, (unsigned)t->nentries);
    /* The boot benchmark's end point (docs/benchmarks.md): TSC ticks since the kernel's first
     * instructions (one tick per instruction under QEMU -icount shift=0). */
    printf("einit: all started %llu ticks after the kernel's first instruction\n",
           (unsigned long long)(now - start_boot_tsc()));

    /* Subscribed after the starts: a process that has already ended gives its end event at
     * once (SubscribeToObject), so none is missed. */
    uint32_t notify = running > 0 ? notice_create() : NOTICE_NONE;
    for (uint32_t i = 0; i < t->nentries && notify != NOTICE_NONE; i++) {
        if (!procs[i].failed && notice_watch(notify, procs[i].task, i) != rcOk)
            notify = NOTICE_NONE; /* its receiver stays; Einit polls as without one */
    }
    while (running > 0) {
        uint64_t ids[kl_core_Notice_NoticeEventsMax];
        uint32_t n = 0;
        int ask_all = 0; /* polling: every running process is asked */
        /* The profiling image drains its samples between waits: it waits no longer. */
        uint32_t drain_ms = einit_profile_drain_ms();
        if (notify != NOTICE_NONE) {
            r = notice_wait(notify, drain_ms ? drain_ms : kl_core_Types_InfiniteTimeout, ids, &n);
            if (r != rcOk && r != rcTimeout) {
                notify = NOTICE_NONE; /* the receiver failed: poll from now on */
                ask_all = 1;
            }
        } else {
            core_thread_sleep(EINIT_POLL_MS);
            ask_all = 1;
        }
        einit_profile_drain();
        for (uint32_t i = 0; i < t->nentries; i++) {
            if (procs[i].failed || procs[i].ended)
                continue;
            int named = ask_all; /* else only those an event names: ended or frozen */
            for (uint32_t k = 0; k < n && !named; k++)
                named = ids[k] == i;
            if (named && report_exit(&t->entries[i], &procs[i])) {
                procs[i].ended = 1;
                running--;
            }
        }
    }
    printf("einit: every process has ended\n");
    return 0;
}
