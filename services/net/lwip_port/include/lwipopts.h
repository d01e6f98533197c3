/*
 * lwIP's configuration for Bastion: NO_SYS (one thread runs the stack from an event loop,
 * docs/networking.md "The port"), raw API only, IPv4 with ARP, ICMP, UDP, TCP, DHCP and DNS,
 * and the loopback interface.
 *
 * Memory is lwIP's own: a fixed heap (MEM_SIZE) and fixed pools, taken from the process's
 * data at link time, so the stack cannot grow past what the process was given and a flood of
 * frames or connections makes lwIP drop, never allocate.
 */
#ifndef LWIP_PORT_LWIPOPTS_H
#define LWIP_PORT_LWIPOPTS_H

/* One thread owns every lwIP structure; nothing else calls into lwIP (no locking needed). */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_TIMERS 1

/* Memory. */
#define MEM_ALIGNMENT 8
#define MEM_SIZE (512 * 1024)
#define MEMP_NUM_PBUF 64
#define MEMP_NUM_UDP_PCB 8
#define MEMP_NUM_TCP_PCB 16
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_TCP_SEG 256
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)
#define PBUF_POOL_SIZE 128
#define PBUF_POOL_BUFSIZE 1536

/* Protocols. */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 2
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0

/* TCP: a window of 16 segments each way, so a 1 MiB transfer is not one segment at a time. */
#define TCP_MSS 1460
#define TCP_WND (16 * TCP_MSS)
#define TCP_SND_BUF (16 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_KEEPALIVE 1

/* Interfaces: the loopback netif (127.0.0.1) and loopback of a netif's own address, both
 * delivered from netif_poll() in the event loop (NO_SYS). */
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1

/* The port's hooks (lwip_hooks.h): a SYN while the connection pool is full takes the place of
 * the oldest half-open connection. */
#define LWIP_HOOK_FILENAME "lwip_hooks.h"

/* Checksums are computed and checked in software (the NIC offloads nothing). */
#define LWIP_CHECKSUM_ON_COPY 0

/* lwIP's own counters, per layer (lwip_stats: link, etharp, ip, ip_frag, icmp, udp, tcp, the
 * pools): every frame lwIP refuses is counted in its layer's drop and in the reason (chkerr,
 * lenerr, proterr, ...). The stack reports them on request (netstack/stack_stats.c). 32-bit
 * counters (LWIP_STATS_LARGE): a flood must not wrap them while a test compares two readings. */
#define LWIP_STATS 1
#define LWIP_STATS_LARGE 1
#define LWIP_STATS_DISPLAY 0
#define LWIP_DEBUG 0

#endif
