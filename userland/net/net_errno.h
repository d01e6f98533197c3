/* The POSIX error number of a network stack's answer: a Retcode of net.Socket or of the IPC
 * that carried it (rcSecurityDisallow, the monitor's refusal, is EACCES). */
#ifndef USER_NET_ERRNO_H
#define USER_NET_ERRNO_H

#include <bastion/retcode.h>

int net_errno(Retcode r);

#endif
