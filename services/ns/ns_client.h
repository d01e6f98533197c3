/*
 * The name server's client library (KasperskyOS's NsCreate, NsPublishService,
 * NsUnPublishService, NsEnumServices): a channel to the name server made through kl.core.CM,
 * then its three calls, and ns_connect_service, which finds a server of an interface and
 * asks it for a channel with CM.Connect. Each returns a Retcode: the name server's answer, the
 * transport's, or rcSecurityDisallow when the policy denied the call.
 */
#ifndef NS_CLIENT_H
#define NS_CLIENT_H

#include <stdint.h>

#include <bastion/retcode.h>
#include <user/ipc.h>

#define NS_TASK_NAME "NameServer"       /* the name server's task name in init.yaml */
#define NS_SERVICE "kl.core.NameServer" /* the endpoint name a client asks it for */

#define NS_MSG_MAX 512u /* the largest NameServer message with its header */

struct ns_session {
    struct ipc_channel ch; /* the client end of the channel to the name server */
    struct idl_client cl;  /* bound to ch with the endpoint id the name server gave */
    _Alignas(8) uint8_t req[NS_MSG_MAX], res[NS_MSG_MAX];
};

/* NsCreate: a channel to the name server (CM.Connect), waiting up to msecs for its answer and
 * asking again while it has not started (rcNotFound). */
Retcode ns_create(struct ns_session *s, uint32_t msecs);

/* NsPublishService: server must be the caller's own task name. */
Retcode ns_publish(struct ns_session *s, const char *server, const char *endpoint,
                   const char *type);

/* NsUnPublishService. */
Retcode ns_unpublish(struct ns_session *s, const char *endpoint);

/* NsEnumServices: the index-th endpoint of interface `type`, copied into server[64] and
 * endpoint[129]. rcNotFound past the last. */
Retcode ns_enum_services(struct ns_session *s, const char *type, uint32_t index, char server[64],
                         char endpoint[129]);

/* Finds a published endpoint of interface `type` (the first, or with a server name the first
 * of that server; rcNotFound when there is none) and asks its server for a channel
 * (CM.Connect, up to msecs): the client end in *handle, the endpoint id in *riid. */
Retcode ns_connect_service(struct ns_session *s, const char *type, const char *server,
                           uint32_t msecs, uint32_t *handle, uint32_t *riid);

#endif
