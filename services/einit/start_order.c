/* The start order of Einit's processes (contract in start_order.h). */
#include "start_order.h"

/* Whether entry i may start now: each server it connects to is placed, left out, or itself. */
static bool servers_placed(const struct einit_startup_table *t, const bool *left_out,
                           const bool *placed, uint32_t i)
{
    const struct einit_entry *e = &t->entries[i];
    for (uint32_t c = 0; c < e->nconnections; c++) {
        uint32_t s = e->connections[c].server;
        if (s != i && !placed[s] && !(left_out != NULL && left_out[s]))
            return false;
    }
    return true;
}

uint32_t einit_start_order(const struct einit_startup_table *t, const bool *left_out, bool *placed,
                           uint32_t *order)
{
    uint32_t want = 0, n = 0;
    for (uint32_t i = 0; i < t->nentries; i++) {
        placed[i] = false;
        if (left_out == NULL || !left_out[i])
            want++;
    }
    /* Each step places the first entry in table order that may start, or, when every entry
     * left waits (a cycle), the first of those: n steps of at most n looks each, n at most
     * EINIT_MAX_ENTRIES. */
    while (n < want) {
        uint32_t next = t->nentries, first_waiting = t->nentries;
        for (uint32_t i = 0; i < t->nentries && next == t->nentries; i++) {
            if (placed[i] || (left_out != NULL && left_out[i]))
                continue;
            if (servers_placed(t, left_out, placed, i))
                next = i;
            else if (first_waiting == t->nentries)
                first_waiting = i;
        }
        if (next == t->nentries)
            next = first_waiting;
        placed[next] = true;
        order[n++] = next;
    }
    return n;
}
