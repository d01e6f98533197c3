/*
 * The name server's client library (KasperskyOS's NsCreate, NsPublishService,
 * NsUnPublishService, NsEnumServices): a channel to the name server (init.yaml's static
 * connection "kl.core.NameServer" when the program has one, else one made through
 * kl.core.CM), then its three calls, and ns_connect_service, which finds a server of an interface and
 * asks it for a channel with CM.Connect. Each returns a Retcode: the name server's answer, the
 * transport's, or rcSecurityDisallow when the policy denied the call.
 */
#ifndef NS_CLIENT_H
#define NS_CLIENT_H

#include <stdint.h>

#include <bastion/retcode.h>
#include <user/ipc.h>

/* The name server's task names a CM client asks for, in this order: the SDK's default (its
 * class, kl.core.NameServer), then Bastion's earlier one. */
#define NS_TASK_NAME_SDK "kl.core.NameServer"
#define NS_TASK_NAME "NameServer"
/* The endpoint name a CM client asks it for, and the id of the static connection init.yaml
 * gives its clients in the SDK's form (`- {target: kl.core.NameServer, id: kl.core.NameServer}`):
 * the same name, as in the SDK. */
#define NS_SERVICE "kl.core.NameServer"
#define NS_CONNECTION_ID NS_SERVICE

#define NS_MSG_MAX 512u /* the largest NameServer message with its header */

struct ns_session {
    struct ipc_channel ch; /* the client end of the channel to the name server */
    struct idl_client cl;  /* bound to ch with the endpoint id the name server gave */
    _Alignas(8) uint8_t req[NS_MSG_MAX], res[NS_MSG_MAX];
};

/* NsCreate(NULL, msecs): a channel to the name server. The static connection NS_CONNECTION_ID
 * from the start block when the program has one (Einit made it a server end of its own, so
 * nothing is asked); else CM.Connect to NS_TASK_NAME_SDK, then NS_TASK_NAME when no process has
 * the first name (or the policy lets this program ask for the other name only), waiting up to
 * msecs for an answer and asking again for about 5 s while neither has started (rcNotFound). */
Retcode ns_create(struct ns_session *s, uint32_t msecs);

/* NsCreate(name, msecs): a channel to the name server called `name` (NULL: ns_create). The
 * static connection with that id when the program has one (init.yaml's `id` of a connection to
 * the name server: the SDK lets a description choose it); else CM.Connect to the task `name`,
 * asked again as above while no process has that name. */
Retcode ns_create_named(struct ns_session *s, const char *name, uint32_t msecs);

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
