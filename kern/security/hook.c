/* The security hook (contract in hook.h): issue 4 grants and counts. */
#include "security/hook.h"

static uint64_t counts[SEC_EVENT_COUNT];
static uint64_t denied;

Retcode security_check(const struct sec_request *req)
{
    if (req == NULL || (unsigned)req->event >= SEC_EVENT_COUNT) {
        __atomic_add_fetch(&denied, 1, __ATOMIC_RELAXED);
        return rcSecurityDisallow;
    }
    __atomic_add_fetch(&counts[req->event], 1, __ATOMIC_RELAXED);
    return rcOk;
}

uint64_t security_count(enum sec_event ev)
{
    return (unsigned)ev < SEC_EVENT_COUNT ? __atomic_load_n(&counts[ev], __ATOMIC_RELAXED) : 0;
}

uint64_t security_denied(void)
{
    return __atomic_load_n(&denied, __ATOMIC_RELAXED);
}
