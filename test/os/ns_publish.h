/*
 * Publishing for the name-server test programs (os_ns_server, os_ns_static): os_ns's publisher
 * fills the name server's table on purpose, so a Publish asks again while the table is full, for
 * up to 5 s, and returns rcOk or the last answer.
 */
#ifndef OSTEST_NS_PUBLISH_H
#define OSTEST_NS_PUBLISH_H

#include <user/core.h>

#include "ns_client.h"

static inline Retcode ns_publish_while_full(struct ns_session *ns, const char *server,
                                            const char *endpoint, const char *type)
{
    Retcode r = rcNsTableFull;
    for (int i = 0; i < 50 && r == rcNsTableFull; i++) {
        r = ns_publish(ns, server, endpoint, type);
        if (r == rcNsTableFull)
            core_thread_sleep(100);
    }
    return r;
}

#endif
