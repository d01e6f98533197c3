/* Einit's sampling of the processes it starts, for the profiling image (contract and line
 * format in einit_profile.h). */
#include "einit_profile.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <bastion/profiler.h>
#include <user/core.h>

#include "elf_spawn.h"

/* LoadSegInfo's flags of a code segment (Task.LoadSeg's: read, execute). */
#define SEG_R 4u
#define SEG_X 1u

static unsigned listed;
static struct bastion_prof_record recs[256];

/* The span of the program's functions (STT_FUNC symbols with a size), link-time addresses. */
static bool code_span(const char *path, uint64_t *lo, uint64_t *hi)
{
    struct elf_symbols s;
    if (elf_symbols_open(path, &s) != rcOk)
        return false;
    *lo = UINT64_MAX;
    *hi = 0;
    for (uint64_t i = 0; i < s.nsyms; i++) {
        const uint8_t *e = s.syms + i * 24;
        uint64_t value, size;
        memcpy(&value, e + 8, 8);
        memcpy(&size, e + 16, 8);
        if ((e[4] & 0xf) != 2 || size == 0)
            continue;
        if (value < *lo)
            *lo = value;
        if (value + size > *hi)
            *hi = value + size;
    }
    elf_symbols_close(&s);
    return *lo < *hi;
}

void einit_profile_add(const char *task_name, const char *path, uint32_t task, uint64_t bias)
{
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_Pid pid = 0;
    CORE_CLIENT(tc, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    Retcode r = core_result(kl_core_Task_GetPid(&tc, core_handle_arg(task), &pid, &rc), &rc);
    uint64_t lo = 0, hi = 0;
    if (r == rcOk && !code_span(path, &lo, &hi))
        r = rcNotFound; /* a stripped file: its samples could not be named */
    if (r == rcOk) {
        /* The segment's offset is the span's link-time address: a reader turns a sample into
         * addr - segment address + offset and looks that up in the file's symbols. */
        CORE_CLIENT(pc, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
        rc = rcFail;
        r = core_result(kl_core_Profiler_LoadSegInfo(
                            &pc, core_handle_arg(task), bias + lo, hi - lo, lo, SEG_R | SEG_X,
                            (struct idl_seq){.data = NULL, .count = 0}, &rc),
                        &rc);
    }
    if (r == rcOk) {
        CORE_CLIENT(pc, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
        rc = rcFail;
        r = core_result(kl_core_Profiler_SamplingAddPidToList(&pc, pid, &rc), &rc);
    }
    if (r != rcOk) {
        printf("einit: profile: %s left out: %s\n", task_name, retcode_name(r));
        return;
    }
    listed++;
    printf("@prof1-task %u %s %s\n", (unsigned)pid, task_name, path);
}

void einit_profile_start(void)
{
    if (listed == 0)
        return;
    CORE_CLIENT(pc, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    Retcode r = core_result(kl_core_Profiler_SamplingStart(&pc, BASTION_PROF_CONF_CALLCHAIN, ~0ull,
                                                           BASTION_PROF_CONTAINER_MAX, 0, &rc),
                            &rc);
    printf("einit: profile: sampling %u processes: %s\n", listed, retcode_name(r));
    if (r != rcOk)
        listed = 0;
}

/* Lines per printf: printf writes at most 1024 bytes with one DebugWrite, so a line is never
 * split by another process's output and the console is asked once per nine records. */
#define LINE_LEN (7 + 2 * sizeof(struct bastion_prof_record) + 1)
#define LINES_PER_WRITE 9

static void print_records(const struct bastion_prof_record *rec, uint64_t n)
{
    static const char digits[] = "0123456789abcdef";
    char out[LINES_PER_WRITE * LINE_LEN + 1];
    size_t len = 0;
    for (uint64_t k = 0; k < n; k++) {
        const uint8_t *b = (const uint8_t *)&rec[k];
        memcpy(out + len, "@prof1 ", 7);
        len += 7;
        for (size_t i = 0; i < sizeof rec[k]; i++) {
            out[len++] = digits[b[i] >> 4];
            out[len++] = digits[b[i] & 0xf];
        }
        out[len++] = '\n';
        if ((k + 1) % LINES_PER_WRITE == 0 || k + 1 == n) {
            out[len] = '\0';
            printf("%s", out);
            len = 0;
        }
    }
}

uint32_t einit_profile_drain_ms(void)
{
    return 100; /* as often as Einit polled before it waited on a receiver */
}

void einit_profile_drain(void)
{
    if (listed == 0)
        return;
    for (;;) {
        CORE_CLIENT(pc, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
        kl_core_Types_Retcode rc = rcFail;
        kl_core_Types_Size got = 0;
        Retcode r = core_result(kl_core_Profiler_SamplingRead(&pc, (uint64_t)(uintptr_t)recs,
                                                              sizeof recs, &got, 0, &rc),
                                &rc);
        if (r == rcTimeout)
            return; /* nothing new */
        if (r != rcOk) {
            printf("@prof1-lost %s\n", retcode_name(r));
            return;
        }
        print_records(recs, got / sizeof recs[0]);
        if (got < sizeof recs)
            return;
    }
}
