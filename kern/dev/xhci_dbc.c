/*
 * The xHCI Debug Capability driver (contract in xhci_dbc.h). Register layout and bring-up
 * follow the xHCI specification, 7.6 "Debug Capability"; the data structures are those of 6.2
 * (endpoint contexts), 6.4 (TRBs) and 6.5 (the event ring segment table).
 */
#include "dev/xhci_dbc.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "dev/pci.h"
#include "dev/xhci_cap.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/paging.h"
#include "mm/pmm.h"

/* DbC registers, byte offsets from the capability (xHCI 7.6.8). */
#define DCID 0x00
#define DCDB 0x04
#define DCERSTSZ 0x08
#define DCERSTBA 0x10
#define DCERDP 0x18
#define DCCTRL 0x20
#define DCST 0x24
#define DCPORTSC 0x28
#define DCCP 0x30
#define DCDDI1 0x38
#define DCDDI2 0x3c

#define DCCTRL_DCR (1u << 0) /* run: a debug host configured the device */
#define DCCTRL_LSE (1u << 1) /* link status event enable */
#define DCCTRL_DCE (1u << 31)
#define DCCTRL_MAX_BURST(v) (((v) >> 16) & 0xffu)
#define DCPORTSC_CHANGE_BITS ((1u << 17) | (1u << 21) | (1u << 22) | (1u << 23)) /* RW1C */
#define DCDB_TARGET_OUT (0u << 8)

/* TRB types and fields (xHCI 6.4). */
#define TRB_NORMAL 1u
#define TRB_LINK 6u
#define TRB_TRANSFER_EVENT 32u
#define TRB_CYCLE (1u << 0)
#define TRB_TOGGLE_CYCLE (1u << 1) /* Link TRB */
#define TRB_IOC (1u << 5)
#define TRB_TYPE(t) ((t) << 10)
#define TRB_TYPE_OF(ctrl) (((ctrl) >> 10) & 0x3fu)
#define COMPLETION_SUCCESS 1u
#define COMPLETION_SHORT_PACKET 13u

#define EP_BULK_OUT 2u
#define EP_BULK_IN 6u
#define EP_MAX_PACKET 1024u

/* PCI identity of an xHCI controller. */
#define PCI_CLASS_SERIAL_BUS 0x0c
#define PCI_SUBCLASS_USB 0x03
#define PCI_PROG_IF_XHCI 0x30
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)

/* What the debug host sees (DCDDI1/2 and the string descriptors). The vendor id is the one
 * Linux's xhci-dbgcap also presents, so that a Linux host's usb_debug driver binds to it. */
#define DBC_VENDOR 0x1d6b
#define DBC_PRODUCT 0x0010
#define DBC_PROTOCOL 0 /* vendor-defined */
#define DBC_REVISION 0x0010

/* The two pages of DbC structures (one order-1 block), offsets in it. */
#define RING_TRBS 64u
#define OFF_ERST 0x000u
#define OFF_CTX 0x040u     /* info, OUT endpoint, IN endpoint contexts: 64 bytes each */
#define OFF_STRINGS 0x100u /* string0, manufacturer, product, serial: 64 bytes each */
#define OFF_EVENTS 0x400u
#define OFF_OUT_RING 0x800u
#define OFF_IN_RING 0xc00u
#define OFF_DATA 0x1000u /* the OUT transfer's data, one page */
#define DATA_MAX 1024u

#define WAIT_ENABLE_US 100000u /* DCE to read back */
#define WAIT_TRANSFER_US 5000u /* one write's completion */

struct trb {
    uint32_t param_lo, param_hi, status, control;
};

static struct {
    volatile uint8_t *regs; /* the DbC capability in the controller's window */
    uint64_t phys;          /* the structures' block, 0 until the first start */
    uint8_t *mem;
    uint32_t out_enqueue, out_cycle; /* producer of the OUT ring */
    uint32_t ev_dequeue, ev_cycle;   /* consumer of the event ring */
    bool running;
} dbc;

static bool dbc_busy;

static bool busy_try(void)
{
    return !__atomic_exchange_n(&dbc_busy, true, __ATOMIC_ACQUIRE);
}
static void busy_end(void)
{
    __atomic_store_n(&dbc_busy, false, __ATOMIC_RELEASE);
}

static uint32_t rd(uint32_t off)
{
    return xhci_read32(dbc.regs, off);
}
static void wr(uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(dbc.regs + off) = v;
}
static void wr64(uint32_t off, uint64_t v)
{
    wr(off, (uint32_t)v);
    wr(off + 4, (uint32_t)(v >> 32));
}

/* Waits until (rd(off) & mask) == want, at most us microseconds. */
static bool wait_for(uint32_t off, uint32_t mask, uint32_t want, uint64_t us)
{
    uint64_t deadline = tsc_read() + tsc_hz() / 1000000 * us;
    while ((rd(off) & mask) != want)
        if (tsc_read() > deadline)
            return false;
    return true;
}

/*
 * Finds the DbC of the first xHCI controller that has one and maps its registers (mappings
 * are permanent, so a controller is mapped once however often this runs). rcNoHardware: no
 * xHCI controller; rcNoDebugCapability: none has a DbC.
 */
static Retcode probe(void)
{
    static volatile uint8_t *windows[PCI_MAX_DEVICES];
    if (dbc.regs != NULL)
        return rcOk;
    bool any = false;
    for (size_t i = 0; i < pci_device_count(); i++) {
        const struct pci_device *d = pci_device_at(i);
        if (d->class_code != PCI_CLASS_SERIAL_BUS || d->subclass != PCI_SUBCLASS_USB ||
            d->prog_if != PCI_PROG_IF_XHCI)
            continue;
        any = true;
        const struct pci_bar *bar = &d->bar[0];
        if (bar->io || bar->size < 0x100 || bar->base == 0)
            continue;
        if (windows[i] == NULL)
            windows[i] = paging_map_mmio(bar->base, bar->size);
        if (windows[i] == NULL)
            continue;
        uint32_t off = xhci_find_ext_cap(windows[i], bar->size, XHCI_EXT_CAP_DBC);
        kprintf("xhci-dbc: %02x:%02x.%x: %s\n", PCI_BDF_BUS(d->bdf), PCI_BDF_DEV(d->bdf),
                PCI_BDF_FN(d->bdf), off ? "debug capability found" : "no debug capability");
        if (off == 0)
            continue;
        pci_cfg_write(d, PCI_COMMAND, 2,
                      pci_cfg_read(d, PCI_COMMAND, 2) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
        dbc.regs = windows[i] + off;
        return rcOk;
    }
    return any ? rcNoDebugCapability : rcNoHardware;
}

/* A USB string descriptor (bLength, bDescriptorType 3, UTF-16LE) of ASCII s at off; its
 * length. */
static uint8_t put_string(uint32_t off, const char *s)
{
    uint8_t *p = dbc.mem + off;
    uint8_t n = 2;
    for (; *s && n + 2 <= 64; s++, n += 2) {
        p[n] = (uint8_t)*s;
        p[n + 1] = 0;
    }
    p[0] = n;
    p[1] = 3;
    return n;
}

static void ring_init(uint32_t off)
{
    struct trb *r = (struct trb *)(dbc.mem + off);
    memset(r, 0, RING_TRBS * sizeof *r);
    uint64_t pa = dbc.phys + off;
    r[RING_TRBS - 1] =
        (struct trb){(uint32_t)pa, (uint32_t)(pa >> 32), 0, TRB_TYPE(TRB_LINK) | TRB_TOGGLE_CYCLE};
}

static void endpoint_ctx(uint32_t off, uint32_t type, uint32_t ring_off, uint32_t burst)
{
    uint32_t *ep = (uint32_t *)(dbc.mem + off);
    uint64_t ring = dbc.phys + ring_off;
    memset(ep, 0, 64);
    ep[1] = (3u << 1) | (type << 3) | (burst << 8) | (EP_MAX_PACKET << 16); /* CErr 3 */
    ep[2] = (uint32_t)ring | 1u;                                            /* DCS 1 */
    ep[3] = (uint32_t)(ring >> 32);
    ep[4] = EP_MAX_PACKET; /* average TRB length */
}

/* Lays out the structures (xHCI 7.6.9) and programs the registers that point at them. */
static Retcode dbc_layout(void)
{
    if (dbc.phys == 0) {
        dbc.phys = pmm_alloc_zeroed(1);
        if (dbc.phys == 0)
            return rcOutOfMemory;
        dbc.mem = phys_to_virt(dbc.phys);
    }
    memset(dbc.mem, 0, 2 * 4096);
    /* The event ring: one segment, described by a one-entry table. */
    uint64_t *erst = (uint64_t *)(dbc.mem + OFF_ERST);
    erst[0] = dbc.phys + OFF_EVENTS;
    erst[1] = RING_TRBS;
    dbc.ev_dequeue = 0;
    dbc.ev_cycle = 1;
    ring_init(OFF_OUT_RING);
    ring_init(OFF_IN_RING);
    dbc.out_enqueue = 0;
    dbc.out_cycle = 1;
    /* The info context: where the four string descriptors are, and their lengths. */
    uint64_t *info = (uint64_t *)(dbc.mem + OFF_CTX);
    uint8_t len[4];
    uint8_t *s0 = dbc.mem + OFF_STRINGS;
    s0[0] = 4; /* string descriptor 0: the language ids, English (US) */
    s0[1] = 3;
    s0[2] = 0x09;
    s0[3] = 0x04;
    len[0] = 4;
    len[1] = put_string(OFF_STRINGS + 64, "Bastion");
    len[2] = put_string(OFF_STRINGS + 128, "Bastion debug output");
    len[3] = put_string(OFF_STRINGS + 192, "0001");
    for (unsigned i = 0; i < 4; i++)
        info[i] = dbc.phys + OFF_STRINGS + 64 * i;
    info[4] =
        (uint64_t)len[0] | (uint64_t)len[1] << 8 | (uint64_t)len[2] << 16 | (uint64_t)len[3] << 24;
    uint32_t burst = DCCTRL_MAX_BURST(rd(DCCTRL));
    endpoint_ctx(OFF_CTX + 64, EP_BULK_OUT, OFF_OUT_RING, burst);
    endpoint_ctx(OFF_CTX + 128, EP_BULK_IN, OFF_IN_RING, burst);

    wr(DCERSTSZ, 1);
    wr64(DCERSTBA, dbc.phys + OFF_ERST);
    wr64(DCERDP, dbc.phys + OFF_EVENTS);
    wr64(DCCP, dbc.phys + OFF_CTX);
    wr(DCDDI1, (uint32_t)DBC_VENDOR << 16 | DBC_PROTOCOL);
    wr(DCDDI2, (uint32_t)DBC_REVISION << 16 | DBC_PRODUCT);
    return rcOk;
}

Retcode xhci_dbc_start(void)
{
    if (!busy_try())
        return rcResourceBusy;
    Retcode rc = probe();
    if (rc == rcOk && !dbc.running) {
        /* Off first: the structures may be laid out only while the DbC is disabled. */
        wr(DCCTRL, 0);
        if (!wait_for(DCCTRL, DCCTRL_DCE, 0, WAIT_ENABLE_US))
            rc = rcTimeout;
        if (rc == rcOk)
            rc = dbc_layout();
        if (rc == rcOk) {
            wr(DCCTRL, DCCTRL_DCE | DCCTRL_LSE);
            if (!wait_for(DCCTRL, DCCTRL_DCE, DCCTRL_DCE, WAIT_ENABLE_US))
                rc = rcTimeout;
        }
        __atomic_store_n(&dbc.running, rc == rcOk, __ATOMIC_RELEASE);
    }
    busy_end();
    return rc;
}

Retcode xhci_dbc_stop(void)
{
    if (!busy_try())
        return rcResourceBusy;
    Retcode rc = probe();
    if (rc == rcOk && dbc.running) {
        __atomic_store_n(&dbc.running, false, __ATOMIC_RELEASE);
        wr(DCCTRL, 0);
        if (!wait_for(DCCTRL, DCCTRL_DCE, 0, WAIT_ENABLE_US))
            rc = rcTimeout;
    }
    busy_end();
    return rc;
}

bool xhci_dbc_running(void)
{
    return __atomic_load_n(&dbc.running, __ATOMIC_ACQUIRE);
}

/* Takes the events the DbC posted: port changes are acknowledged; true when one of them was
 * the completion of the OUT transfer. */
static bool drain_events(void)
{
    struct trb *ev = (struct trb *)(dbc.mem + OFF_EVENTS);
    bool done = false;
    for (;;) {
        struct trb *e = &ev[dbc.ev_dequeue];
        uint32_t ctrl = __atomic_load_n(&e->control, __ATOMIC_ACQUIRE);
        if ((ctrl & TRB_CYCLE) != dbc.ev_cycle)
            break;
        if (TRB_TYPE_OF(ctrl) == TRB_TRANSFER_EVENT) {
            uint32_t code = e->status >> 24;
            done = done || code == COMPLETION_SUCCESS || code == COMPLETION_SHORT_PACKET;
        } else {
            wr(DCPORTSC, rd(DCPORTSC) | DCPORTSC_CHANGE_BITS);
        }
        if (++dbc.ev_dequeue == RING_TRBS) {
            dbc.ev_dequeue = 0;
            dbc.ev_cycle ^= 1;
        }
    }
    wr64(DCERDP, dbc.phys + OFF_EVENTS + dbc.ev_dequeue * sizeof(struct trb));
    return done;
}

bool xhci_dbc_write(const void *data, size_t len)
{
    if (!xhci_dbc_running() || len == 0 || len > DATA_MAX || !busy_try())
        return false;
    bool sent = false;
    drain_events();
    if (dbc.running && (rd(DCCTRL) & DCCTRL_DCR)) {
        memcpy(dbc.mem + OFF_DATA, data, len);
        struct trb *ring = (struct trb *)(dbc.mem + OFF_OUT_RING);
        uint64_t buf = dbc.phys + OFF_DATA;
        struct trb *t = &ring[dbc.out_enqueue];
        t->param_lo = (uint32_t)buf;
        t->param_hi = (uint32_t)(buf >> 32);
        t->status = (uint32_t)len;
        __atomic_store_n(&t->control, TRB_TYPE(TRB_NORMAL) | TRB_IOC | dbc.out_cycle,
                         __ATOMIC_RELEASE);
        if (++dbc.out_enqueue == RING_TRBS - 1) { /* the link TRB: hand it over, wrap */
            struct trb *link = &ring[RING_TRBS - 1];
            link->control = (link->control & ~TRB_CYCLE) | dbc.out_cycle;
            dbc.out_enqueue = 0;
            dbc.out_cycle ^= 1;
        }
        wr(DCDB, DCDB_TARGET_OUT);
        uint64_t deadline = tsc_read() + tsc_hz() / 1000000 * WAIT_TRANSFER_US;
        while (!(sent = drain_events()) && tsc_read() < deadline)
            cpu_pause();
    }
    busy_end();
    return sent;
}
