/* The POSIX error number of a network stack's answer (net_errno.h). No system calls:
 * host-tested. */
#include <errno.h>

#include "net_errno.h"

int net_errno(Retcode r)
{
    switch (r) {
    case rcOk:
        return 0;
    case rcSecurityDisallow:
    case rcNoKsm:
        return EACCES; /* the security monitor refused the request */
    case rcAddressInUse:
        return EADDRINUSE;
    case rcConnectionRefused:
        return ECONNREFUSED;
    case rcConnectionReset:
        return ECONNRESET;
    case rcNotConnected:
        return ENOTCONN;
    case rcWouldBlock:
        return EAGAIN;
    case rcInProgress:
        return EINPROGRESS;
    case rcTooManySockets:
        return EMFILE;
    case rcStackFull:
        return ENFILE;
    case rcTimeout:
        return ETIMEDOUT;
    case rcBadHandle:
        return EBADF;
    case rcInvalidArgument:
        return EINVAL;
    case rcOutOfMemory:
    case rcQuotaExceeded:
        return ENOBUFS;
    case rcNotFound:
        return EHOSTUNREACH;
    case rcAlreadyExists:
        return EISCONN;
    case rcNotSupported:
        return EOPNOTSUPP;
    case rcResourceBusy:
        return EBUSY;
    case rcPeerClosed:
        return ENETDOWN; /* the stack is gone */
    default:
        return EIO;
    }
}
