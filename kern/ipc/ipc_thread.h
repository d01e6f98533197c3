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
 * touches its fields. All-zero is the idle state, so a zeroed thread needs no initialisation.
 */
#ifndef BASTION_IPC_IPC_THREAD_H
#define BASTION_IPC_IPC_THREAD_H

#include <stdint.h>

struct ipc_port;
struct ipc_call;

/* Bytes of the record the kernel keeps in every thread for the calls it makes on the thread's
 * behalf (the security question about each of its requests, ipc_kernel_call): the call record,
 * the question and the room for the answer, for a question about a request that fits the
 * thread's own core-call buffers. A larger question is allocated and charged per call. */
#define IPC_KERNEL_CALL_RESERVED 1024u

struct ipc_thread {
    struct ipc_port *port;      /* the port it waits on in Recv; NULL when not receiving */
    struct ipc_thread *next;    /* next receiver waiting on the same port (FIFO) */
    struct ipc_call *delivered; /* a call handed to it while it waited; consumed on wake */
    struct ipc_call *calling;   /* its own outstanding Call, while blocked in it */
    /* The reserved record (not under a port lock): IPC_KERNEL_CALL_RESERVED bytes a user
     * thread gets when it is created and keeps until it has ended (proc/thread.c), charged once
     * with the thread, so that a process at its kernel-memory quota can still ask for what it
     * may do (end a thread, free memory, close a handle) instead of failing for the record of
     * the question. `kernel_call_busy` is taken with an atomic exchange by the thread itself
     * when it starts a kernel call, and given back by whoever drops the record's last
     * reference, which holds the thread. Busy means a record is still referenced (a KSM that
     * holds a question past its timeout): the next question is then allocated and charged.
     * NULL for kernel threads. */
    uint32_t kernel_call_busy;
    void *kernel_call;
};

#endif
