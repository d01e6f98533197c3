/*
 * The stack's socket tables: which client owns which socket, and the limits. A client is one
 * channel the stack serves (a listener Einit made for an init.yaml connection named "net" or
 * "net.<x>"); a socket number means something only within its client's table, so a client that
 * guesses another's number finds nothing there (rcBadHandle). Pure logic, no lwIP: host-tested.
 *
 * Invariants: slot i is used iff owner[i] != SOCK_NO_CLIENT; the numbers of one client's used
 * slots are distinct and in 1..SOCK_PER_CLIENT_MAX; at most SOCK_PER_CLIENT_MAX slots per client
 * and SOCK_TOTAL_MAX in all.
 */
#ifndef NETSTACK_SOCKET_TABLE_H
#define NETSTACK_SOCKET_TABLE_H

#include <stdint.h>

#include <bastion/retcode.h>

#define SOCK_PER_CLIENT_MAX 16u /* sockets one client may hold (rcTooManySockets past it) */
#define SOCK_TOTAL_MAX 48u      /* sockets of all clients (rcStackFull past it) */
#define SOCK_CLIENTS_MAX 16u    /* client channels the stack serves */
#define SOCK_NO_CLIENT 0xFFFFu

struct sock_table {
    uint16_t owner[SOCK_TOTAL_MAX];  /* client index, or SOCK_NO_CLIENT when free */
    uint16_t number[SOCK_TOTAL_MAX]; /* the socket number the owner knows it by */
    uint16_t count[SOCK_CLIENTS_MAX];
    uint32_t used;
};

void sock_table_init(struct sock_table *t);

/* A new socket of `client`: its number (the smallest free one of that client) and its slot.
 * rcInvalidArgument for a client index out of range, rcTooManySockets, rcStackFull. */
Retcode sock_table_alloc(struct sock_table *t, uint32_t client, uint32_t *number, uint32_t *slot);

/* The slot of `client`'s socket `number`: rcBadHandle when the client has no such socket
 * (whatever other clients hold). */
Retcode sock_table_find(const struct sock_table *t, uint32_t client, uint32_t number,
                        uint32_t *slot);

/* Frees slot (a used one; a free or out-of-range slot is left alone). */
void sock_table_free(struct sock_table *t, uint32_t slot);

#endif
