/*
 * What the init description compiler knows about system classes by their names
 * (docs/init-yaml.md): the classes a started process may not claim, and the servers Einit
 * connects with a server end of its own per client. Each list is exact names, never a
 * pattern, so that a new exception has to be written here on purpose.
 */
#ifndef INITCFG_CLASSES_H
#define INITCFG_CLASSES_H

#include <stdbool.h>

/* The name server's class in KasperskyOS's SDK: its EDL name, and the default task name that
 * the SDK's init descriptions name as a connection's target (and as its id). */
#define INITCFG_NAME_SERVER_CLASS "kl.core.NameServer"

/* Whether an entity may not have this class: Einit (the initializing program, which Einit
 * itself is and does not start), kl.core and every kl.core.* class (policies grant by class:
 * a process of class kl.core.Core or kl.core.VMM would be taken for the kernel's), except the
 * SDK's name server class, which names a program, not the kernel. */
bool initcfg_class_reserved(const char *class_name);

/* Whether a server of this class keeps state per client and must know which client sent each
 * request: the RAM file system (an open-file table per client, docs/vfs.md) and the name
 * server (a process publishes only under its own name, docs/connection-manager.md). Einit
 * gives each static client of such a server a server end of its own bound to the client's task
 * name (EINIT_ENTRY_PER_CLIENT_SERVER); the kernel does not say who sent a message on a
 * shared listener. */
bool initcfg_class_per_client(const char *class_name);

#endif
