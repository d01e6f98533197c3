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
#define NIC_REQ_MAX 64u /* a kept Receive request: header and fixed part */

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
};

/* One reply prepared under the lock, sent after it is released. */
struct nic_reply {
    uint64_t token;
    size_t len;
    _Alignas(8) uint8_t buf[NIC_REQ_MAX];
};

/* Serves net.Nic on listener until it fails; returns that code. */
Retcode nic_serve(struct nic *n, uint32_t listener);

/* Registers and attaches the device's INTx line gsi in the calling thread and handles its
 * interrupts (and the timeout tick) until detached; returns the code that ended it. */
Retcode nic_interrupts(struct nic *n, uint32_t gsi);

#endif
