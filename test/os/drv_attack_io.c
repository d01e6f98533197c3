/*
 * drv_attack_io: a compromised user-mode driver. Its class (ostest.DrvAttackIo) has what a
 * driver whose policy leaves kl.core.IO's port and MMIO methods unconditioned has (the four
 * methods with any arguments, children of its own class, handle transfers to them), under a
 * small kernel-memory quota (drivers.yaml). What stops each abuse is therefore the kernel:
 *
 *  RegisterPort: the PIT (0x40..0x43), the console UART (0x3F8), PCI configuration (0xCF8) are
 *    the kernel's (rcKernelResource); ports in no device's BAR are refused
 *    (rcNotDeviceResource); the SMBus ports drv_edu holds are taken (rcResourceBusy); with its
 *    kernel memory used up, a free range gives rcQuotaExceeded.
 *  RegisterMmio: RAM, the kernel image, the LAPIC, the IOAPIC and the ECAM window
 *    (rcKernelResource); a range running past a BAR (rcNotDeviceResource); an unaligned one
 *    (rcAlignment); the edu BAR drv_edu holds (rcResourceBusy); one page after another of a
 *    large BAR until the quota stops it (rcQuotaExceeded).
 *  MapMem: executable device memory (rcInvalidArgument), a port handle (not MMIO); a child of
 *    its own class that was handed the MMIO handle cannot map it while the attacker has it
 *    mapped (rcResourceBusy: no device memory shared behind the monitor); mappings until the
 *    quota stops them.
 *  PermitPort: a child (no permit of its own) that executes IN on a port the parent was
 *    permitted is killed, and the kernel says why; the parent and the bystander live on. A
 *    child handed the port handle cannot open the ports while the parent has them open
 *    (rcResourceBusy); permits until the quota stops them.
 * The quota stops are shown in children of its own class (kernel memory carved from its own):
 * a process whose kernel memory is used up can make no further call, so the child reports how
 * far it got and what stopped it by the address of a deliberate page fault (REPORT_BASE), and
 * its death returns everything it held.
 * After each: the bystander (os_probe_server) still answers. Each attack's line
 * "drv_attack_io: attack kl.core.IO.<Method>: stopped" is printed only when all of it held.
 *
 * Usage: drv_attack_io --edu <BAR0> --smbus <port> <count> --ahci <port> <count>
 *                      --xhci <addr> <size> --fb <addr> <size>   (drivers.yaml)
 *        drv_attack_io child-in=<port>    (child: IN from that port; must be killed)
 *        drv_attack_io child-map          (child: MapMem of the handle "mmio"; exit code rc)
 *        drv_attack_io child-permit       (child: PermitPort of the handle "ports"; exit code rc)
 */
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>

#include <bastion/rights.h>
#include <bastion/vmm.h>
#include <stdio.h>
#include <user/core.h>
#include <user/start.h>

#include "kl/core/Handle.idl.h"
#include "kl/core/IO.idl.h"
#include "kl/core/Task.idl.h"
#include "ostest.h"
#include "spawn.h"

#define SELF_CLASS "ostest.DrvAttackIo"
#define SELF_PATH "drv_attack_io"
#define PAGE 4096u
#define PROT_RW 3u
#define MAX_OBJECTS 100000u
#define START_DELAY_MS 2500u /* drv_edu registers its ranges first */
/* Where a filling child reports, by a write fault: a process whose kernel memory is all taken
 * can make no system call at all, not even its own Exit (each needs memory for its security
 * request), so it ends with a page fault at REPORT_BASE + (-rc << 24) + count * 8, which its
 * parent reads from Task.GetExitInfo. Nothing is mapped there (the heap and stacks lie far
 * below). */
#define REPORT_BASE 0x00000D0000000000ull

/* ---- kl.core.IO ---- */

static Retcode register_port(uint64_t base, uint64_t size, uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t res = {0};
    Retcode r =
        core_result(kl_core_IO_RegisterPort(&cl, (uint32_t)base, (uint32_t)size, &res, &rc), &rc);
    *h = r == rcOk ? res.handle : 0;
    return r;
}

static Retcode register_mmio(uint64_t base, uint64_t size, uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t res = {0};
    Retcode r = core_result(kl_core_IO_RegisterMmio(&cl, base, size, &res, &rc), &rc);
    *h = r == rcOk ? res.handle : 0;
    return r;
}

static Retcode map_mem(uint32_t h, uint32_t prot, uint64_t *va, uint32_t *mapping)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t m = {0};
    kl_core_Types_VirtAddr addr = 0;
    Retcode r =
        core_result(kl_core_IO_MapMem(&cl, core_handle_arg(h), prot, 0, &addr, &m, &rc), &rc);
    *va = r == rcOk ? addr : 0;
    *mapping = r == rcOk ? m.handle : 0;
    return r;
}

static Retcode permit_port(uint32_t h, uint32_t *access)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t a = {0};
    Retcode r = core_result(kl_core_IO_PermitPort(&cl, core_handle_arg(h), &a, &rc), &rc);
    *access = r == rcOk ? a.handle : 0;
    return r;
}

static Retcode close_handle(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

/* A range an earlier child was handed stays claimed until the reaper has torn that child down:
 * wait for it (a few seconds at most) before registering it again. */
static Retcode register_waiting(bool port, uint64_t base, uint64_t size, uint32_t *h)
{
    Retcode r = rcResourceBusy;
    for (int i = 0; i < 50 && r == rcResourceBusy; i++) {
        r = port ? register_port(base, size, h) : register_mmio(base, size, h);
        if (r == rcResourceBusy)
            core_thread_sleep(100);
    }
    return r;
}

static uint8_t port_in8(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* ---- checks ---- */

static bool refused(Retcode r, Retcode want, int line, const char *what)
{
    return ot_check(r == want, line, what, "returned %s, expected %s", retcode_name(r),
                    retcode_name(want));
}

#define REFUSED(call, want) refused((call), (want), __LINE__, #call)

/* ---- children ---- */

/* Starts a child of our class with argv {name, mode} and, if h != 0, our handle h transferred
 * under `conn` with `rights`; returns its task handle (0 on failure, recorded). */
static uint32_t start_child(const char *name, const char *mode, uint32_t h, const char *conn,
                            uint32_t rights)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t child = {0};
    if (!OT_RC(
            core_result(
                kl_core_Task_Create(&cl, name, SELF_CLASS, SELF_PATH, 0, 10, 0, &child, &rc), &rc),
            rcOk))
        return 0;
    uint32_t task = child.handle;
    kl_core_Types_HandleValue theirs = kl_core_Types_InvalidHandleValue;
    OT_RC(core_result(kl_core_Task_TransferHandle(&cl, core_handle_arg(task), core_handle_arg(h),
                                                  core_handle_arg(kl_core_Types_InvalidHandleValue),
                                                  rights, &theirs, &rc),
                      &rc),
          rcOk);
    OT_RC(spawn_set_env(task, name, mode, conn, theirs), rcOk);
    OT_RC(core_result(kl_core_Task_Resume(&cl, core_handle_arg(task), &rc), &rc), rcOk);
    return task;
}

static noreturn void report_by_fault(Retcode last, uint32_t n)
{
    uint64_t a = REPORT_BASE + ((uint64_t)(uint32_t)(-last) << 24) + (uint64_t)n * 8u;
    *(volatile uint64_t *)(uintptr_t)a = 0;
    for (;;)
        ;
}

/* A child's fill "<what>:<base>:<size>": objects of one kind until something stops them, then
 * the report (never returns). mmio: RegisterMmio of one page after another of [base, +size);
 * map: RegisterMmio of the whole range, then MapMem of it again and again; permit:
 * RegisterPort of the range, then PermitPort again and again; port: permits on 4 ports until
 * they stop, then the result of RegisterPort of 4 free ports of the range. */
static noreturn void fill(const char *spec)
{
    char *end = NULL;
    const char *colon = strchr(spec, ':');
    uint64_t base = colon ? strtoul(colon + 1, &end, 0) : 0;
    uint64_t size = end && *end == ':' ? strtoul(end + 1, NULL, 0) : 0;
    uint32_t n = 0, h = 0, x = 0;
    uint64_t va = 0;
    Retcode r = rcInvalidArgument;
    if (strncmp(spec, "mmio:", 5) == 0) {
        while ((r = register_mmio(base + (uint64_t)n * PAGE, PAGE, &x)) == rcOk &&
               (uint64_t)++n * PAGE < size)
            ;
    } else if (strncmp(spec, "map:", 4) == 0) {
        if ((r = register_waiting(false, base, size, &h)) == rcOk)
            while (n < MAX_OBJECTS && (r = map_mem(h, BASTION_VMM_READ, &va, &x)) == rcOk)
                n++;
    } else if (strncmp(spec, "permit:", 7) == 0) {
        if ((r = register_waiting(true, base, size, &h)) == rcOk)
            while (n < MAX_OBJECTS && (r = permit_port(h, &x)) == rcOk)
                n++;
    } else if (strncmp(spec, "port:", 5) == 0) {
        if ((r = register_waiting(true, base, 4, &h)) == rcOk) {
            while (n < MAX_OBJECTS && permit_port(h, &x) == rcOk)
                n++;
            r = register_port(base + 8, 4, &x);
        }
    }
    report_by_fault(r, n);
}

/* Runs fill "<what>:<base>:<size>" in a child and checks that `want` stopped it after at least
 * one object; then the bystander must still be served. */
static bool fill_in_child(const char *what, uint64_t base, uint64_t size, Retcode want)
{
    char mode[80];
    snprintf(mode, sizeof mode, "child-fill=%s:0x%llx:0x%llx", what, (unsigned long long)base,
             (unsigned long long)size);
    /* A fresh name each time: the last child's may still be taken while it is torn down. */
    static unsigned fills;
    char name[24];
    snprintf(name, sizeof name, "DrvAttackFill%u", ++fills);
    uint32_t task = 0;
    if (!OT_RC(spawn(name, SELF_CLASS, SELF_PATH, mode, 0, &task), rcOk))
        return false;
    kl_core_Task_TaskExitReason why = 99;
    struct kl_core_Task_TaskExitInfo info;
    bool ok = OT_RC(spawn_wait(task, 60000, &why, &info), rcOk);
    (void)close_handle(task);
    ok &= OT_EQ(why, kl_core_Task_TaskExitException);
    ok &= OT_EQ(info.tag, kl_core_Task_TaskExitInfo_fault_TAG);
    if (!ok)
        return false;
    uint64_t a = info.u.fault.address - REPORT_BASE;
    Retcode last = -(Retcode)(a >> 24);
    uint32_t n = (uint32_t)((a & 0xFFFFFFu) / 8u);
    printf("drv_attack_io: %s: %u objects in a child, then %s\n", what, n, retcode_name(last));
    ok &= OT_EQ(info.u.fault.vector, 14);
    ok &= refused(last, want, __LINE__, what);
    ok &= OT_TRUE(n > 0);
    ok &= ot_bystander_served();
    return ok;
}

static int child_main(const char *mode, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (strncmp(mode, "child-in=", 9) == 0) {
        uint16_t port = (uint16_t)strtoul(mode + 9, NULL, 0);
        (void)port_in8(port); /* must never return */
        return 0;
    }
    uint32_t h = 0;
    if (strcmp(mode, "child-map") == 0) {
        if (start_connection("mmio", &h) != rcOk)
            return rcNotFound;
        uint64_t va = 0;
        uint32_t m = 0;
        return map_mem(h, PROT_RW, &va, &m);
    }
    if (strncmp(mode, "child-fill=", 11) == 0)
        fill(mode + 11);
    if (strcmp(mode, "child-permit") == 0) {
        if (start_connection("ports", &h) != rcOk)
            return rcNotFound;
        uint32_t a = 0;
        return permit_port(h, &a);
    }
    return rcInvalidArgument;
}

/* ---- the attacks ---- */

struct target {
    uint64_t edu, smbus, smbus_n, ahci, ahci_n, xhci, xhci_n, fb, fb_n;
};


static bool attack_register_port(const struct target *t)
{
    uint32_t h = 0;
    bool ok = true;
    ok &= REFUSED(register_port(0x40, 4, &h), rcKernelResource);       /* PIT */
    ok &= REFUSED(register_port(0x43, 1, &h), rcKernelResource);       /* PIT command */
    ok &= REFUSED(register_port(0x3F8, 1, &h), rcKernelResource);      /* console UART */
    ok &= REFUSED(register_port(0xCF8, 8, &h), rcKernelResource);      /* PCI configuration */
    ok &= REFUSED(register_port(0x20, 2, &h), rcKernelResource);       /* PIC */
    ok &= REFUSED(register_port(0x5000, 16, &h), rcNotDeviceResource); /* no device's */
    ok &= REFUSED(register_port(0xFFF0, 0x20, &h), rcOutOfRange);
    ok &= REFUSED(register_port(t->smbus, t->smbus_n, &h), rcResourceBusy); /* drv_edu's */
    ok &= REFUSED(register_port(t->smbus + 4, 1, &h), rcResourceBusy);      /* a part of it */
    /* Across the end of a BAR: no single BAR holds it. */
    ok &= REFUSED(register_port(t->ahci + t->ahci_n - 4, 8, &h), rcNotDeviceResource);
    return ok;
}

static bool attack_register_mmio(const struct target *t)
{
    uint32_t h = 0;
    bool ok = true;
    ok &= REFUSED(register_mmio(0x1000000, PAGE, &h), rcKernelResource);    /* RAM */
    ok &= REFUSED(register_mmio(0x100000, 0x200000, &h), rcKernelResource); /* the kernel image */
    ok &= REFUSED(register_mmio(0, PAGE, &h), rcKernelResource);            /* real-mode IVT */
    ok &= REFUSED(register_mmio(0xFEE00000, PAGE, &h), rcKernelResource);   /* LAPIC */
    ok &= REFUSED(register_mmio(0xFEC00000, PAGE, &h), rcKernelResource);   /* IOAPIC */
    ok &= REFUSED(register_mmio(0xB0000000, PAGE, &h), rcKernelResource);   /* ECAM */
    ok &= REFUSED(register_mmio(t->edu, 0x100000, &h), rcResourceBusy);     /* drv_edu's */
    ok &= REFUSED(register_mmio(t->edu + PAGE, PAGE, &h), rcResourceBusy);  /* a page of it */
    ok &= REFUSED(register_mmio(t->xhci, t->xhci_n + PAGE, &h), rcNotDeviceResource);
    ok &= REFUSED(register_mmio(t->xhci + 16, PAGE, &h), rcAlignment);
    ok &= REFUSED(register_mmio(0xE0000000, PAGE, &h), rcNotDeviceResource); /* nothing there */
    return ok;
}

static bool attack_map_mem(const struct target *t)
{
    uint32_t res = 0, ports = 0, m = 0;
    uint64_t va = 0;
    bool ok = OT_RC(register_waiting(false, t->xhci, t->xhci_n, &res), rcOk);
    if (!ok)
        return false;
    ok &= REFUSED(map_mem(res, PROT_RW | 4u, &va, &m), rcInvalidArgument); /* executable */
    ok &= REFUSED(map_mem(res, 4u, &va, &m), rcInvalidArgument);
    if (OT_RC(register_waiting(true, t->ahci, t->ahci_n, &ports), rcOk)) {
        ok &= OT_FAILS(map_mem(ports, PROT_RW, &va, &m)); /* not MMIO */
        (void)close_handle(ports);
    }
    ok &= OT_RC(map_mem(res, PROT_RW, &va, &m), rcOk);
    /* The xHCI capability registers: CAPLENGTH is a small non-zero byte. */
    ok &= OT_TRUE(va != 0 && *(volatile uint8_t *)(uintptr_t)va != 0);
    /* A child handed the handle cannot map it while we have it mapped. */
    uint32_t task =
        start_child("DrvAttackMap", "child-map", res, "mmio", HR_IO_MAP | HR_READ | HR_WRITE);
    int32_t code = 0;
    if (task) {
        ok &= OT_RC(ot_exit_code(task, 20000, &code), rcOk);
        ok &= refused(code, rcResourceBusy, __LINE__, "child MapMem of a range mapped here");
        (void)close_handle(task);
    }
    (void)close_handle(m);
    (void)close_handle(res);
    /* Mappings until the quota stops them (kernel memory or page tables), in a child. */
    ok &= fill_in_child("map", t->xhci, t->xhci_n, rcQuotaExceeded);
    return ok;
}

static bool attack_permit_port(const struct target *t)
{
    uint32_t ports = 0, access = 0;
    if (!OT_RC(register_waiting(true, t->ahci, t->ahci_n, &ports), rcOk))
        return false;
    bool ok = OT_RC(permit_port(ports, &access), rcOk);
    (void)port_in8((uint16_t)t->ahci); /* ours: no fault */
    /* A child of ours, without a permit of its own, reads the same port: killed. */
    char mode[32];
    snprintf(mode, sizeof mode, "child-in=0x%x", (unsigned)t->ahci);
    uint32_t task = 0;
    if (OT_RC(spawn("DrvAttackIn", SELF_CLASS, SELF_PATH, mode, 0, &task), rcOk)) {
        int32_t code = 0;
        ok &= OT_RC(ot_exit_code(task, 20000, &code), rcFail); /* ended by a fault */
        (void)close_handle(task);
    }
    /* A child handed the port handle cannot open the ports while we have them open. */
    task = start_child("DrvAttackPermit", "child-permit", ports, "ports", HR_IO_PERMIT);
    if (task) {
        int32_t code = 0;
        ok &= OT_RC(ot_exit_code(task, 20000, &code), rcOk);
        ok &= refused(code, rcResourceBusy, __LINE__, "child PermitPort of ports open here");
        (void)close_handle(task);
    }
    (void)close_handle(access);
    (void)close_handle(ports);
    /* Permits until the quota stops them, in a child. */
    ok &= fill_in_child("permit", t->ahci, t->ahci_n, rcQuotaExceeded);
    return ok;
}

static uint64_t arg_u64(int argc, char **argv, const char *name, int k)
{
    for (int i = 1; i + k < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return strtoul(argv[i + k], NULL, 0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strncmp(argv[1], "child-", 6) == 0)
        return child_main(argv[1], argc, argv);
    ot_begin("drv_attack_io");
    struct target t = {
        .edu = arg_u64(argc, argv, "--edu", 1),
        .smbus = arg_u64(argc, argv, "--smbus", 1),
        .smbus_n = arg_u64(argc, argv, "--smbus", 2),
        .ahci = arg_u64(argc, argv, "--ahci", 1),
        .ahci_n = arg_u64(argc, argv, "--ahci", 2),
        .xhci = arg_u64(argc, argv, "--xhci", 1),
        .xhci_n = arg_u64(argc, argv, "--xhci", 2),
        .fb = arg_u64(argc, argv, "--fb", 1),
        .fb_n = arg_u64(argc, argv, "--fb", 2),
    };
    if (!OT_TRUE(t.edu && t.smbus_n && t.ahci_n && t.xhci_n && t.fb_n))
        return ot_end();
    core_thread_sleep(START_DELAY_MS);

    bool port = attack_register_port(&t);
    /* With the quota used up (by permits), a registration of a free range is refused by it. */
    port &= fill_in_child("port", t.ahci, t.ahci_n, rcQuotaExceeded);
    ot_attack("kl.core.IO.RegisterPort", port);

    bool mmio = attack_register_mmio(&t);
    /* One page of the framebuffer BAR after another until the quota stops them. */
    mmio &= fill_in_child("mmio", t.fb, t.fb_n, rcQuotaExceeded);
    ot_attack("kl.core.IO.RegisterMmio", mmio);

    ot_attack("kl.core.IO.MapMem", attack_map_mem(&t));
    ot_attack("kl.core.IO.PermitPort", attack_permit_port(&t));
    return ot_end();
}
