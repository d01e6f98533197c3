/*
 * The order in which Einit starts (Task.Resume) the processes it created: every process after
 * the servers of its connections, whatever order init.yaml lists them in.
 *
 * Why: the kernel decides a call with the server's class, which it learns only when the server
 * starts (the execute event is decided at Task.Resume). A client started before its server, whose
 * first call comes before the server's start, is refused as "a class the policy does not know".
 * KasperskyOS descriptions often list a program before the servers it connects to (the SDK's
 * examples put the file system after its clients), so the listed order cannot be the start order.
 *
 * The order: table order, except that an entry waits until each server it connects to has been
 * placed (a connection to itself, and a server left out, do not hold it). When every entry left
 * waits (the connections form a cycle), the first of them in table order goes next, so that the
 * order always completes; cycles are safe anyway because everything is created and connected
 * before anything starts. Pure: no system call, tested on the host.
 */
#ifndef BASTION_EINIT_START_ORDER_H
#define BASTION_EINIT_START_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "startup_table.h"

/*
 * Fills order[0..n) with the indices of the entries of t that are not left out (left_out[i]
 * true: not created, or not connected; NULL: none), in start order; n is returned. placed is
 * scratch of t->nentries flags. Every connection's server index must be below t->nentries
 * (einit_table_check).
 */
uint32_t einit_start_order(const struct einit_startup_table *t, const bool *left_out, bool *placed,
                           uint32_t *order);

#endif
