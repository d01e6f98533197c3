/*
 * Fixed status data for the host build (status_source.h): the tests know every value (each
 * network counter a different one), and one process name holds markup that the page must show
 * as text. Uptime counts from the first call so the page changes between fetches like the
 * real one.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "status_source.h"

static uint64_t started_ms;

uint64_t status_source_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

Retcode status_source_open(void)
{
    /* Line by line, as Bastion's console writes: the tests wait for the "serving" line on a
     * redirected stdout, which the host's C library would otherwise hold back. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    started_ms = status_source_now_ms();
    return rcOk;
}

static void task(struct status_snapshot *s, uint32_t pid, uint32_t parent, uint32_t state,
                 const char *name, const char *class_name)
{
    struct bastion_task_record *t = &s->tasks.rec[s->tasks.count++];
    memset(t, 0, sizeof *t);
    t->pid = pid;
    t->parent = parent;
    t->state = state;
    t->threads = 1;
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->class_name, sizeof t->class_name, "%s", class_name);
    s->tasks.total = s->tasks.count;
}

static void klass(struct status_snapshot *s, const char *name, uint64_t decisions, uint64_t denials)
{
    struct bastion_security_record *c = &s->security.rec[s->security.count++];
    memset(c, 0, sizeof *c);
    snprintf(c->class_name, sizeof c->class_name, "%s", name);
    c->decisions = decisions;
    c->denials = denials;
    s->security.decisions += decisions;
    s->security.denials += denials;
}

Retcode status_source_snapshot(struct status_snapshot *s)
{
    memset(s, 0, sizeof *s);
    s->uptime_ns = (status_source_now_ms() - started_ms) * 1000000u + 42000000000ull;
    s->free_bytes = 300ull << 20;
    task(s, 1, 0, BASTION_TASK_RUNNING, "ksm", "Ksm");
    task(s, 2, 0, BASTION_TASK_RUNNING, "Einit", "Einit");
    task(s, 3, 2, BASTION_TASK_RUNNING, "EchoServer", "demo.EchoServer");
    task(s, 4, 2, BASTION_TASK_RUNNING, "StatusServer", "httpd.StatusServer");
    task(s, 5, 2, BASTION_TASK_DEAD, "Mallory<script>", "demo.Untrusted");
    klass(s, "Einit", 120, 0);
    klass(s, "demo.EchoServer", 40, 0);
    klass(s, "demo.Untrusted", 9, 5);
    s->decisions = s->security.decisions + 7; /* the kernel's own events, in no class */
    s->denials = s->security.denials;
    s->audit_count = 2;
    snprintf(s->audit[0], sizeof s->audit[0],
             "seq=1 time_ns=5 request denied sid 5->0 request Untrusted[demo.Untrusted] -> "
             "kernel[kl.core.Core] IO.RegisterPort");
    snprintf(s->audit[1], sizeof s->audit[1], "seq=2 time_ns=6 \"quoted\" & <angle>");
    /* Every network counter differs: layer l's counter c is 100 * (l + 1) + c. */
    s->net.read = true;
    for (int l = 0; l < STATUS_NET_LAYERS; l++)
        for (int c = 0; c < STATUS_NET_COUNTERS; c++)
            s->net.layer[l][c] = 100u * (uint64_t)(l + 1) + (uint64_t)c;
    s->net.sockets = 3;
    s->net.sockets_max = 48;
    s->net.clients = 1;
    s->net.waiting_calls = 2;
    s->net.nic_link_up = 1;
    return rcOk;
}
