/*
 * The network tests' priority: their traffic (a TCP echo, every frame through IPC and the
 * KSM) keeps CPUs busy for seconds under TCG, and at the default priority 10 that would
 * starve os_cpus's priority-2 workers, which the test image runs at the same time. The
 * network tests' threads therefore run at NET_TEST_PRIORITY, sharing the CPUs with those
 * workers instead of pushing them out.
 */
#ifndef OSTEST_NET_PRIORITY_H
#define OSTEST_NET_PRIORITY_H

#include <user/core.h>

#include "kl/core/Handle.idl.h"
#include "kl/core/Thread.idl.h"

#define NET_TEST_PRIORITY 2u

/* Lowers the calling thread to NET_TEST_PRIORITY (Thread.OpenCurrent, SetPriority, and the
 * handle closed again). */
static inline Retcode net_test_lower_priority(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    idl_handle_t self = {0};
    Retcode r = core_result(kl_core_Thread_OpenCurrent(&cl, &self, &rc), &rc);
    if (r != rcOk)
        return r;
    r = core_result(
        kl_core_Thread_SetPriority(&cl, core_handle_arg(self.handle), NET_TEST_PRIORITY, &rc), &rc);
    CORE_CLIENT(hcl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Handle_Close(&hcl, core_handle_arg(self.handle), &rc);
    return r;
}

#endif
