/* The stack's socket tables: per-client socket numbers over one pool of slots (socket_table.h). */
#include "socket_table.h"

void sock_table_init(struct sock_table *t)
{
    for (uint32_t i = 0; i < SOCK_TOTAL_MAX; i++) {
        t->owner[i] = SOCK_NO_CLIENT;
        t->number[i] = 0;
    }
    for (uint32_t c = 0; c < SOCK_CLIENTS_MAX; c++)
        t->count[c] = 0;
    t->used = 0;
}

static int slot_of(const struct sock_table *t, uint32_t client, uint32_t number)
{
    for (uint32_t i = 0; i < SOCK_TOTAL_MAX; i++)
        if (t->owner[i] == client && t->number[i] == number)
            return (int)i;
    return -1;
}

Retcode sock_table_alloc(struct sock_table *t, uint32_t client, uint32_t *number, uint32_t *slot)
{
    if (client >= SOCK_CLIENTS_MAX)
        return rcInvalidArgument;
    if (t->count[client] >= SOCK_PER_CLIENT_MAX)
        return rcTooManySockets;
    if (t->used >= SOCK_TOTAL_MAX)
        return rcStackFull;
    uint32_t n = 1;
    while (slot_of(t, client, n) >= 0)
        n++; /* ends by SOCK_PER_CLIENT_MAX: the client holds fewer than that */
    for (uint32_t i = 0; i < SOCK_TOTAL_MAX; i++) {
        if (t->owner[i] != SOCK_NO_CLIENT)
            continue;
        t->owner[i] = (uint16_t)client;
        t->number[i] = (uint16_t)n;
        t->count[client]++;
        t->used++;
        *number = n;
        *slot = i;
        return rcOk;
    }
    return rcStackFull; /* never: used < SOCK_TOTAL_MAX means a free slot */
}

Retcode sock_table_find(const struct sock_table *t, uint32_t client, uint32_t number,
                        uint32_t *slot)
{
    if (client >= SOCK_CLIENTS_MAX || number == 0 || number > SOCK_PER_CLIENT_MAX)
        return rcBadHandle;
    int i = slot_of(t, client, number);
    if (i < 0)
        return rcBadHandle;
    *slot = (uint32_t)i;
    return rcOk;
}

void sock_table_free(struct sock_table *t, uint32_t slot)
{
    if (slot >= SOCK_TOTAL_MAX || t->owner[slot] == SOCK_NO_CLIENT)
        return;
    t->count[t->owner[slot]]--;
    t->used--;
    t->owner[slot] = SOCK_NO_CLIENT;
    t->number[slot] = 0;
}
