/*
 * An lwIP Ethernet interface whose frames go to and come from a NIC driver over net.Nic
 * (services/net/idl/net/Nic.idl): the driver's shared buffer of receive and transmit slots,
 * Transmit to send, Receive to take frames in (each Receive gives the previous frame's slot back).
 */
#ifndef NETSTACK_NIC_NETIF_H
#define NETSTACK_NIC_NETIF_H

#include <stdint.h>

#include <bastion/retcode.h>

#include "lwip/netif.h"
#include "net/Nic.idl.h"

/* Connects to the driver on the named channel (init.yaml connection id), opens the interface,
 * maps its slots and adds `netif` to lwIP with the driver's MAC address and MTU, link up or
 * down as the driver reports it. Not the default interface: the caller decides. */
Retcode nic_netif_add(struct netif *netif, const char *channel);

/* Asks the driver whether the link is up (GetStatus) and tells lwIP when that changed. */
Retcode nic_netif_check_link(struct netif *netif);

/* The driver's link state and counters (GetStatus), for a report. Under stack_lock: it uses
 * the client lwIP's sends use. */
Retcode nic_netif_driver_status(uint32_t *link_up, struct net_Nic_Counters *counters);

/* Waits at most timeout_ms (at least 1) for one frame from the driver and gives it to lwIP.
 * rcOk: a frame was delivered (or dropped for want of a pbuf, counted); rcTimeout: none came;
 * any other code: the driver failed (the stack should stop using the interface). */
Retcode nic_netif_poll(struct netif *netif, uint32_t timeout_ms);

/* The two halves of nic_netif_poll, for a stack whose other threads use lwIP under a lock
 * (socket_loop.c): wait for a frame without the lock (rcOk: slot and len name it), then, under
 * it, copy it into a pbuf and give the frame to lwIP (the slot goes back with the next wait's
 * Receive). */
Retcode nic_netif_wait(uint32_t timeout_ms, uint32_t *slot, uint32_t *len);
Retcode nic_netif_take(struct netif *netif, uint32_t slot, uint32_t len);

/* What the interface counted: frames taken in, frames lwIP had no pbuf for, frames sent, sends
 * the driver refused. */
struct nic_netif_counts {
    uint64_t rx, rx_no_pbuf, tx, tx_refused;
};
void nic_netif_counts(struct nic_netif_counts *out);

#endif
