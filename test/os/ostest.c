/* The in-OS test framework (ostest.h). Checks may come from several threads. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/mutex.h>

#include "ostest.h"
#include "ostest/ProbeServer.edl.h"
#include "spawn.h"

static const char *name = "ostest";
static unsigned passed, failed;
static mutex_t lock = MUTEX_INIT;

void ot_begin(const char *n)
{
    name = n;
    printf("%s: start\n", name);
}

const char *ot_name(void)
{
    return name;
}

bool ot_check(bool cond, int line, const char *what, const char *fmt, ...)
{
    mutex_lock(&lock);
    if (cond) {
        passed++;
    } else {
        failed++;
        char why[200] = "";
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(why, sizeof why, fmt, ap);
            va_end(ap);
        }
        printf("%s: FAIL line %d: %s%s%s\n", name, line, what, fmt ? ": " : "", why);
    }
    mutex_unlock(&lock);
    return cond;
}

int ot_end(void)
{
    mutex_lock(&lock);
    unsigned p = passed, f = failed;
    mutex_unlock(&lock);
    printf("%s: %u passed, %u failed\n", name, p, f);
    return f == 0 && p > 0 ? 0 : 1;
}

bool ot_attack(const char *method, bool ok)
{
    if (ok)
        printf("%s: attack %s: stopped\n", name, method);
    return ok;
}

bool ot_bystander_served(void)
{
    static struct ipc_channel ch;
    static struct idl_client cl;
    static bool connected;
    static _Alignas(8) uint8_t req[512], res[512];
    if (!connected) {
        if (!OT_RC(ipc_connect(&ch, "probe"), rcOk))
            return false;
        ch.timeout_ms = 10000;
        ipc_client_init(&cl, &ch, ostest_ProbeServer_EP_probe, req, sizeof req, res, sizeof res);
        connected = true;
    }
    static const char hello[] = "still served";
    struct idl_seq back = {0};
    uint64_t served = 0;
    return OT_RC(ostest_Probe_Echo(&cl, (struct idl_seq){.data = hello, .count = sizeof hello},
                                   &back, &served),
                 rcOk) &&
           OT_TRUE(back.count == sizeof hello && memcmp(back.data, hello, sizeof hello) == 0);
}

uint32_t ot_exhaust_quiet(Retcode (*make)(uint32_t *h), uint32_t *out, uint32_t max, Retcode *last)
{
    uint32_t n = 0;
    Retcode r = rcOk;
    while (n < max && (r = make(&out[n])) == rcOk)
        n++;
    *last = r;
    return n;
}

uint32_t ot_exhaust(const char *what, Retcode (*make)(uint32_t *h), uint32_t *out, uint32_t max,
                    Retcode *last)
{
    uint32_t n = ot_exhaust_quiet(make, out, max, last);
    printf("%s: %s: %u made, then %s\n", name, what, n,
           n < max ? retcode_name(*last) : "the loop's end");
    ot_check(n < max && *last == rcQuotaExceeded, __LINE__, what,
             "stopped after %u with %s, expected rcQuotaExceeded", n, retcode_name(*last));
    return n;
}

Retcode ot_counters(const char *prefix, uint64_t *out, uint32_t max, uint32_t *n)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq values = {0};
    Retcode r = core_result(
        kl_core_Profiler_GetCounters(&cl, prefix, (struct idl_seq){0}, &values, &rc), &rc);
    *n = 0;
    if (r == rcOk)
        for (; *n < values.count && *n < max; (*n)++)
            memcpy(&out[*n], (const uint8_t *)values.data + *n * 8u, 8);
    return r;
}

void ot_close_handles(const uint32_t *h, uint32_t n)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    for (uint32_t i = 0; i < n; i++)
        if (h[i] != 0 && h[i] != kl_core_Types_InvalidHandleValue)
            (void)core_result(kl_core_Handle_Close(&cl, core_handle_arg(h[i]), &rc), &rc);
}

Retcode ot_exit_code(uint32_t task, uint32_t msec, int32_t *code)
{
    kl_core_Task_TaskExitReason why = 0;
    struct kl_core_Task_TaskExitInfo info;
    Retcode r = spawn_wait(task, msec, &why, &info);
    if (r != rcOk)
        return r;
    if (info.tag != kl_core_Task_TaskExitInfo_exitCode_TAG)
        return rcFail;
    *code = info.u.exitCode;
    return rcOk;
}

Retcode ot_audit_open_kss(uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_audit_Audit, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t out = {kl_core_Types_InvalidHandleValue, 0};
    Retcode r = core_result(kl_core_Audit_Open(&cl, "kss", &out, &rc), &rc);
    *h = out.handle;
    return r;
}

Retcode ot_audit_close(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_audit_Audit, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Audit_Close(&cl, core_handle_arg(h), &rc), &rc);
}

Retcode ot_audit_read(uint32_t h, char *line, size_t cap, uint32_t *dropped)
{
    CORE_CLIENT(cl, kl_core_Core_EP_audit_Audit, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq msg = {0};
    uint32_t drop = 0;
    Retcode r = core_result(kl_core_Audit_Read(&cl, core_handle_arg(h), &msg, &drop, &rc), &rc);
    line[0] = 0;
    if (r == rcOk) {
        size_t n = msg.count < cap - 1 ? msg.count : cap - 1;
        memcpy(line, msg.data, n);
        line[n] = 0;
        *dropped += drop;
    }
    return r;
}

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0u));
}

uint32_t ot_cpu_now(void)
{
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    return b >> 24;
}

bool ot_cpu_has_rdtscp(void)
{
    uint32_t a, b, c, d;
    cpuid(0x80000000u, &a, &b, &c, &d);
    if (a < 0x80000001u)
        return false;
    cpuid(0x80000001u, &a, &b, &c, &d);
    return (d >> 27) & 1;
}
