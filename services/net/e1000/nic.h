/*
 * The net.Nic interface served over the device (docs/networking.md, "Frames between driver
 * and stack"): the shared slot buffer, which receive slots the stack owns, and the one Receive
 * that may wait for a frame.
 *
 * Two threads share this state under `lock`: the server thread (nic_serve: every request) and
 * the interrupt thread (nic_interrupts: the device's interrupts, and a tick that ends
 * Receive's timeout). A Receive that finds no frame is not answered: the server thread keeps
 * its reply token and a copy of the request and goes on serving (Transmit must not wait for
 * a frame to come in); whichever thread next finds a frame and a free slot, or the timeout
 * passed, runs the kept request through the dispatcher again and sends that answer. A call
 * belongs to the process, so either thread may answer it.
 *
 * One stack at a time, one after another: a session begins with an Open and ends when the
 * driver can tell its stack is gone (nic_session_gone): an answer to it came back
 * rcReplyLost (the kernel says so when the caller's thread or process ended), or it has made
 * no call for NIC_SESSION_IDLE_MS while no Receive of it waits. An Open during a live session is
 * refused (rcResourceBusy) as before; an Open while a Receive waits asks first: that Receive is
 * answered rcTimeout at once (an answer every stack takes as "ask again"), so a stack that ended
 * inside Receive shows as rcReplyLost and the next Open is taken. Each session gets a slot
 * buffer of its own: the old one is unmapped and its handle closed, so a stack that was only
 * silent, not gone, keeps a buffer nobody writes any more and never sees the new stack's frames.
 */
#ifndef NET_E1000_NIC_H
#define NET_E1000_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <user/mutex.h>

#include "e1000.h"

#define NIC_RX_SLOTS 16u /* at most 64: rx_owned is one bit each */
#define NIC_TX_SLOTS 16u
#define NIC_REQ_MAX 64u           /* a kept Receive request: header and fixed part */
#define NIC_SESSION_IDLE_MS 3000u /* a stack silent this long (no Receive waiting) is gone */

struct nic {
    mutex_t lock;
    struct e1000 *hw;
    uint64_t tsc_per_ms; /* for Receive's timeout */
    bool open;
    uint32_t mdl;      /* the slot buffer (kl.core.VMM MDL), the driver's own handle */
    uint8_t *slots;    /* its mapping in the driver */
    uint64_t rx_owned; /* receive slots the stack has and has not released */
    /* The Receive waiting for a frame. */
    bool waiting;
    uint64_t token;
    uint64_t deadline; /* TSC; 0: none */
    _Alignas(8) uint8_t req[NIC_REQ_MAX];
    size_t req_len;
    /* Set by the Receive handler for the serve loop or the replay. */
    bool defer;          /* this Receive waits: do not answer it yet */
    bool replay;         /* the kept Receive is run again: answer it, with rcTimeout if no frame */
    uint64_t interrupts; /* taken by the interrupt thread */
    /* The session (see above). */
    uint32_t session;   /* Opens taken so far; answers carry the one they belong to */
    uint64_t last_call; /* TSC of the session's last call (an Open refused is none of its) */
    bool answer_lost;   /* an answer of this session came back rcReplyLost */
};

/* One reply prepared under the lock, sent after it is released. */
struct nic_reply {
    uint64_t token;
    uint32_t session; /* the session it answers (a lost answer ends that one only) */
    size_t len;
    _Alignas(8) uint8_t buf[NIC_REQ_MAX];
};

/* Serves net.Nic on listener until it fails; returns that code. */
Retcode nic_serve(struct nic *n, uint32_t listener);

/* Attaches the calling thread to the device's INTx line (irq: the handle Einit registered) and
 * handles its interrupts (and the timeout tick) until detached; returns the code that ended it. */
Retcode nic_interrupts(struct nic *n, uint32_t irq);

#endif
