/* The network stack's counters over the socket library's channel (<user/net_stats.h>). */
#include <string.h>

#include <user/net_stats.h>

#include "net_client.h"

Retcode net_stack_stats(struct net_Socket_Stats *out)
{
    memset(out, 0, sizeof *out);
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return rcNotFound;
    uint32_t rc = rcFail;
    Retcode r = net_result(net_Socket_GetStats(cl, out, &rc), &rc);
    net_call_end(cl);
    return r;
}
