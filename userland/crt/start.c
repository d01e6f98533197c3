/*
 * The start block (<bastion/startblock.h>): read once by crt0, then served read-only through
 * <user/start.h>. The block and the strings it points to live in the process's own memory
 * (the kernel wrote them there before the first instruction), so keeping pointers is safe.
 */
#include <stddef.h>
#include <string.h>

#include <user/start.h>

#include "crt.h"
#include <bastion/startblock.h>

uint32_t crt_core_handle; /* <user/start.h> */
static bool is_ksm;
static uint64_t boot_tsc;
static uint64_t tsc_hz;
static uint32_t cpu_count;
static int argc_;
static char *const *argv_;
static char *const *envp_;
static const struct bastion_start_conn *conns;
static uint32_t nconns;

static char *const empty_vector[1] = {NULL};

__attribute__((no_stack_protector)) int crt_read_start_block(const void *start_block)
{
    const struct bastion_start_block *sb = start_block;
    if (sb == NULL || sb->magic != BASTION_START_MAGIC || sb->version != BASTION_START_VERSION)
        return -1;
    crt_core_handle = sb->core_handle;
    is_ksm = sb->ksm_receiver == 1;
    boot_tsc = sb->boot_tsc;
    tsc_hz = sb->tsc_hz;
    cpu_count = sb->cpu_count;
    argc_ = (int)sb->argc;
    argv_ = sb->argv ? (char *const *)(uintptr_t)sb->argv : empty_vector;
    envp_ = sb->envp ? (char *const *)(uintptr_t)sb->envp : empty_vector;
    if (sb->argv == 0)
        argc_ = 0;
    conns = (const struct bastion_start_conn *)(uintptr_t)sb->conns;
    nconns = conns ? sb->nconn : 0;
    return 0;
}

uint32_t start_cpu_count(void)
{
    return cpu_count;
}

uint64_t start_boot_tsc(void)
{
    return boot_tsc;
}

uint64_t start_tsc_hz(void)
{
    return tsc_hz;
}

uint64_t start_tsc_per_ms(void)
{
    return tsc_hz >= 1000u ? tsc_hz / 1000u : 1000000u;
}

bool start_is_ksm(void)
{
    return is_ksm;
}

int start_argc(void)
{
    return argc_;
}

char *const *start_argv(void)
{
    return argv_;
}

char *const *start_envp(void)
{
    return envp_;
}

Retcode start_connection(const char *name, uint32_t *handle)
{
    if (name == NULL || handle == NULL)
        return rcInvalidArgument;
    for (uint32_t i = 0; i < nconns; i++) {
        const char *n = (const char *)(uintptr_t)conns[i].name;
        if (n != NULL && strcmp(n, name) == 0) {
            *handle = conns[i].handle;
            return rcOk;
        }
    }
    return rcNotFound;
}

uint32_t start_connection_count(void)
{
    return nconns;
}

Retcode start_connection_at(uint32_t i, const char **name, uint32_t *handle)
{
    if (name == NULL || handle == NULL)
        return rcInvalidArgument;
    if (i >= nconns)
        return rcOutOfRange;
    *name = (const char *)(uintptr_t)conns[i].name;
    *handle = conns[i].handle;
    return rcOk;
}
