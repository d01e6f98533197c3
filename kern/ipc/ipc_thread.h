/*
 * The IPC state every thread carries (embedded in struct thread as `ipc`, see proc/thread.h).
 *
 * A thread is in at most one IPC wait at a time: blocked in Call (waiting for its reply, the
 * call record lives on its kernel stack frame or in the heap, see ipc/call.h) or blocked in
 * Recv on one port. While it waits in Recv it is linked into that port's receiver list, and a
 * client that finds it there hands it a call directly (`delivered`) and switches to it.
 *
 * Locking: every field is protected by the lock of the port named in `port` (or of the port the
 * thread is about to wait on); a thread not in an IPC wait has port == NULL and nobody else
 * touches its fields. `spare` is the thread's own: only the thread itself reads or writes it.
 * All-zero is the idle state, so a zeroed thread needs no initialisation.
 */
#ifndef BASTION_IPC_IPC_THREAD_H
#define BASTION_IPC_IPC_THREAD_H

#include <stdint.h>

struct ipc_port;
struct ipc_call;

struct ipc_thread {
    struct ipc_port *port;      /* the port it waits on in Recv; NULL when not receiving */
    struct ipc_thread *next;    /* next receiver waiting on the same port (FIFO) */
    struct ipc_call *delivered; /* a call handed to it while it waited; consumed on wake */
    struct ipc_call *calling;   /* its own outstanding Call, while blocked in it */
    /* The record of its last finished Call, kept for the next (still charged to its process,
     * still holding the record's references on this thread and its process): a thread that
     * calls again and again allocates once. Freed, its references dropped, when the thread
     * ends. */
    struct ipc_call *spare;
};

#endif
