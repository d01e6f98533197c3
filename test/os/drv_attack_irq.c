/*
 * drv_attack_irq (class ostest.DrvAttackIrq, drivers image): the abuses the danger texts of
 * kl.core.IO's interrupt methods name, by a driver with plausible rights (test/os/policy/
 * ostest.psl: RegisterIrq of any number, the other interrupt methods, edu's registers, threads
 * at most at the default priority), each shown stopped with a bystander process (ProbeServer)
 * still served:
 *   - another driver's interrupt (a child of class ostest.DrvIrqVictim handling edu's INTx):
 *     registering it or its function's MSI, attaching to it, detaching it, masking or
 *     unmasking it; the victim must then have handled every interrupt it raised. A process
 *     whose thread is attached can still be terminated, and its interrupt comes back free;
 *   - registering what the kernel keeps (the timer's, the UARTs', the kernel's vectors) and
 *     malformed numbers; filling its kernel-memory quota and then registering;
 *   - flooding: edu's level-triggered line left asserted and EnableIrq in a loop, then the
 *     handler spinning without ever waiting or yielding on the CPU interrupts arrive at, while
 *     spinners hold the other CPUs: the bystander server is served, and a bystander process
 *     pinned to the handler's CPU still runs there.
 * drv_irq starts it once it has given edu back (the two never drive edu at once), with a
 * connection "probe" to the bystander. Argument: "GSI,BDF,BAR0" of edu; "victim=GSI,BDF,BAR0"
 * for the victim child; "bystander" for the bystander pinned to the handler's CPU.
 */
#include <string.h>

#include <bastion/irq.h>
#include <bastion/vmm.h>
#include <user/core.h>
#include <user/thread.h>
#include <user/vmm.h>

#include "drv_irq.h"
#include "ostest.h"
#include "spawn.h"

#define VICTIM_RAISES 30u
#define SPINNERS 3u
#define MAX_OBJECTS 4096u

static struct edu edu;

/* Pins the calling thread to the CPUs of mask. */
static Retcode pin_self(uint64_t mask)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    idl_handle_t me = {0};
    Retcode r = core_result(kl_core_Thread_OpenCurrent(&cl, &me, &rc), &rc);
    if (r != rcOk)
        return r;
    r = core_result(kl_core_Thread_SetAffinity(&cl, core_handle_arg(me.handle), mask, &rc), &rc);
    ot_close_handles(&me.handle, 1);
    return r;
}

/* ---- The bystander pinned to the CPU the interrupts arrive at ---- */

/* A process of its own on CPU 0, where the flood's handler spins: 20 short sleeps and a little
 * work each time; it ends (exit code 0) only if it keeps getting that CPU. */
static int bystander(void)
{
    if (pin_self(1) != rcOk)
        return 1;
    volatile uint64_t work = 0;
    for (int i = 0; i < 20; i++) {
        for (int j = 0; j < 10000; j++)
            work++;
        core_thread_sleep(10);
    }
    return 0;
}

/* ---- The victim: another driver of edu's INTx ---- */

/* Exit codes: 0 every raise handled; 1.. what went wrong. */
static int victim(void)
{
    if (edu_map_when_free(&edu, 10000) != rcOk)
        return 1;
    uint32_t h = 0, d = 0;
    Retcode r = rcFail;
    for (int i = 0; i < 500 && r != rcOk; i++) {
        r = uirq_register(BASTION_IRQ_INTX(edu.gsi), &h);
        if (r != rcOk)
            core_thread_sleep(10); /* the attacker held it a moment: it lets go at once */
    }
    if (r != rcOk)
        return 2;
    if (uirq_attach(h, &d) != rcOk)
        return 3;
    /* Slowly, so that the attacks happen while it works: ~3 s. */
    for (unsigned i = 0; i < VICTIM_RAISES; i++) {
        core_thread_sleep(100);
        edu_write(&edu, EDU_IRQ_RAISE, 1u << 8);
        r = uirq_wait(d, 5000);
        edu_write(&edu, EDU_IRQ_ACK, edu_read(&edu, EDU_IRQ_STATUS));
        if (r != rcOk)
            return r == rcIrqDetached ? 4 : 5;
        if (uirq_enable(h) != rcOk)
            return 6;
    }
    return 0;
}

/* Until a victim holds edu's INTx: an rcOk means it has not registered yet (let go at
 * once, it retries). rcAlreadyExists once it holds it. */
static Retcode until_victim_holds(void)
{
    uint32_t h = 0;
    Retcode r = rcOk;
    for (int i = 0; i < 500 && r == rcOk; i++) {
        r = uirq_register(BASTION_IRQ_INTX(edu.gsi), &h);
        if (r == rcOk) {
            ot_close_handles(&h, 1);
            core_thread_sleep(20);
        }
    }
    return r;
}

/* A process with an attached thread can still be terminated by another (its parent here), and
 * its interrupt is given back with it. */
static bool terminate_attached(const char *arg)
{
    char varg[64];
    snprintf(varg, sizeof varg, "victim=%s", arg);
    uint32_t task = 0;
    if (!OT_RC(spawn("DrvIrqVictim2", "ostest.DrvIrqVictim", "drv_attack_irq", varg, 0, &task),
               rcOk))
        return false;
    bool ok = OT_RC(until_victim_holds(), rcAlreadyExists);
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    ok = OT_RC(core_result(kl_core_Task_Terminate(&cl, core_handle_arg(task), &rc), &rc), rcOk) &&
         ok;
    kl_core_Task_TaskExitReason why = 0;
    struct kl_core_Task_TaskExitInfo info;
    ok = OT_RC(spawn_wait(task, 10000, &why, &info), rcOk) && ok;
    ok = OT_EQ(info.tag, kl_core_Task_TaskExitInfo_terminated_TAG) && ok;
    uint32_t h = 0;
    Retcode r = rcAlreadyExists;
    for (int i = 0; i < 100 && r == rcAlreadyExists; i++) { /* its handles go with the reaper */
        r = uirq_register(BASTION_IRQ_INTX(edu.gsi), &h);
        if (r == rcAlreadyExists)
            core_thread_sleep(20);
    }
    if (OT_RC(r, rcOk))
        ot_close_handles(&h, 1);
    else
        ok = false;
    ot_close_handles(&task, 1);
    return ok;
}

/* ---- Another driver's interrupt ---- */

/* Returns whether unmasking the victim's interrupt was refused (EnableIrq's line). */
static bool attack_other_driver(const char *arg)
{
    char varg[64];
    snprintf(varg, sizeof varg, "victim=%s", arg);
    uint32_t task = 0;
    if (!OT_RC(spawn("DrvIrqVictim", "ostest.DrvIrqVictim", "drv_attack_irq", varg, 0, &task),
               rcOk))
        return false;
    uint32_t msi = BASTION_IRQ_MSI(edu.bdf, 0);
    bool ok = OT_RC(until_victim_holds(), rcAlreadyExists);
    uint32_t h = 0;
    /* Its function's MSI would turn the victim's INTx off. */
    ok = OT_RC(uirq_register(msi, &h), rcAlreadyExists) && ok;
    /* The victim's handle is in the victim's table: none of ours names it. Our own handles
     * (the victim's task, our Core handle's neighbours) are refused for their type. */
    uint32_t d = 0;
    bool attach = OT_RC(uirq_attach(task, &d), rcBadHandle);
    bool detach = OT_RC(uirq_detach(task), rcBadHandle);
    bool disable = OT_RC(uirq_disable(task), rcBadHandle);
    bool enable = OT_RC(uirq_enable(task), rcBadHandle);
    for (uint32_t v = 1; v < 64; v++) {
        disable = OT_TRUE(uirq_disable(v) != rcOk) && disable;
        detach = OT_TRUE(uirq_detach(v) != rcOk) && detach;
        attach = OT_TRUE(uirq_attach(v, &d) != rcOk) && attach;
    }
    /* Thread.DetachIrq detaches only its caller. */
    OT_RC(uirq_thread_detach(), rcNotFound);
    int32_t code = -1;
    ok = OT_RC(ot_exit_code(task, 20000, &code), rcOk) && ok;
    ok = OT_EQ(code, 0) && ok;
    ok = ot_bystander_served() && ok;
    attach = terminate_attached(arg) && attach;
    ot_attack("kl.core.IO.AttachIrq", attach && ok);
    ot_attack("kl.core.IO.DetachIrq", detach && ok);
    ot_attack("kl.core.IO.DisableIrq", disable && ok);
    return enable && ok;
}

/* ---- What the kernel keeps, malformed numbers, the quota ---- */

static Retcode mdl_page(uint32_t *h)
{
    return core_mdl_create(4096, BASTION_VMM_READ | BASTION_VMM_WRITE, h);
}

static uint32_t objects[MAX_OBJECTS];

static bool attack_register(void)
{
    uint32_t h = 0;
    bool ok = true;
    /* The timer (ISA IRQ 0 -> GSI 2 on PCs), the UARTs (4, 3), the RTC (8), GSI 0 (the 8259s). */
    ok = OT_RC(uirq_register(BASTION_IRQ_INTX(2), &h), rcAccessDenied) && ok;
    ok = OT_RC(uirq_register(BASTION_IRQ_INTX(0), &h), rcAccessDenied) && ok;
    ok = OT_RC(uirq_register(BASTION_IRQ_INTX(4), &h), rcAccessDenied) && ok;
    ok = OT_RC(uirq_register(BASTION_IRQ_INTX(3), &h), rcAccessDenied) && ok;
    ok = OT_RC(uirq_register(BASTION_IRQ_INTX(8), &h), rcAccessDenied) && ok;
    /* The kernel's vectors (timer 0xF0, IPIs) are no GSI of any PCI function. */
    ok = OT_RC(uirq_register(BASTION_IRQ_INTX(0xF0), &h), rcNotFound) && ok;
    ok = OT_RC(uirq_register(BASTION_IRQ_INTX(0xF1), &h), rcNotFound) && ok;
    ok = OT_RC(uirq_register(0x100, &h), rcOutOfRange) && ok;
    ok = OT_RC(uirq_register(BASTION_IRQ_MSI(edu.bdf, 1), &h), rcOutOfRange) && ok;
    ok = OT_RC(uirq_register(BASTION_IRQ_MSI(edu.bdf, 0) | 1u << 24, &h), rcInvalidArgument) && ok;
    ok = OT_RC(uirq_register(BASTION_IRQ_MSI(0xFFFF, 0), &h), rcNotFound) && ok;

    /* Its kernel memory full: RegisterIrq is refused by the quota and claims nothing. */
    Retcode last = rcOk;
    uint32_t n = ot_exhaust_quiet(mdl_page, objects, MAX_OBJECTS, &last);
    Retcode full = uirq_register(BASTION_IRQ_INTX(edu.gsi), &h);
    if (full == rcOk)
        ot_close_handles(&h, 1);
    ot_close_handles(objects, n);
    ok = OT_RC(last, rcQuotaExceeded) && ok;
    ok = OT_RC(full, rcQuotaExceeded) && ok;
    if (OT_RC(uirq_register(BASTION_IRQ_INTX(edu.gsi), &h), rcOk))
        ot_close_handles(&h, 1);
    else
        ok = false;
    return ok;
}

/* ---- Flood and a handler that never yields ---- */

static volatile int stop_spin;
static volatile uint64_t spun[SPINNERS];
static uint32_t flood_h;
static volatile uint32_t flood_count, flood_enables;
static volatile int flood_spinning;

static int spinner(void *arg)
{
    volatile uint64_t *count = arg;
    while (!stop_spin)
        (*count)++;
    return 0;
}

/* On the CPU interrupts arrive at: a second of interrupts as fast as the line allows (never
 * acknowledged: the level stays asserted, each EnableIrq lets exactly one more through), then
 * spinning in the "handler" without waiting or yielding until told to stop; returns the code
 * its last wait gave after the main thread's IO.DetachIrq. */
static int flood_handler(void *arg)
{
    (void)arg;
    (void)pin_self(1);
    uint32_t d = 0;
    if (uirq_attach(flood_h, &d) != rcOk)
        return 1000;
    edu_write(&edu, EDU_IRQ_RAISE, 1u << 9);
    for (unsigned i = 0; i < 2000u; i++) {
        if (uirq_wait(d, 1000) != rcOk)
            break;
        flood_count++;
        (void)uirq_enable(flood_h);
        flood_enables++;
    }
    flood_spinning = 1;
    while (!stop_spin)
        ;
    Retcode r = uirq_wait(d, 5000); /* detach was requested meanwhile */
    edu_write(&edu, EDU_IRQ_ACK, edu_read(&edu, EDU_IRQ_STATUS));
    return r;
}

static bool attack_flood(void)
{
    bool ok = true;
    if (!OT_RC(uirq_register(BASTION_IRQ_INTX(edu.gsi), &flood_h), rcOk))
        return false;
    struct thread spin[SPINNERS], handler;
    unsigned started = 0;
    for (unsigned i = 0; i < SPINNERS; i++)
        if (OT_RC(thread_create(&spin[i], spinner, (void *)&spun[i], THREAD_PRIO_DEFAULT, 0), rcOk))
            started++;
    if (!OT_RC(thread_create(&handler, flood_handler, NULL, THREAD_PRIO_DEFAULT, 0), rcOk)) {
        stop_spin = 1;
        return false;
    }
    /* During the flood and while the handler spins, the bystander is served. */
    ok = ot_bystander_served() && ok;
    for (int i = 0; i < 1000 && !flood_spinning; i++)
        core_thread_sleep(10);
    ok = OT_TRUE(flood_spinning) && ok;
    ok = ot_bystander_served() && ok;
    /* A process pinned to the spinning handler's CPU still runs there. */
    uint32_t task = 0;
    int32_t bystander_code = -1;
    if (OT_RC(spawn("DrvIrqBystander", "ostest.DrvIrqVictim", "drv_attack_irq", "bystander", 0,
                    &task),
              rcOk)) {
        ok = OT_RC(ot_exit_code(task, 20000, &bystander_code), rcOk) && ok;
        ok = OT_EQ(bystander_code, 0) && ok;
        ot_close_handles(&task, 1);
    } else {
        ok = false;
    }
    /* Each interrupt needed an EnableIrq: the storm ran at the handler's pace. */
    printf("drv_attack_irq: flood: %u interrupts, %u EnableIrq\n", flood_count, flood_enables);
    ok = OT_TRUE(flood_count <= flood_enables + 1) && ok;
    /* IO.DetachIrq on a spinning handler: its next wait ends with rcIrqDetached. */
    ok = OT_RC(uirq_detach(flood_h), rcOk) && ok;
    stop_spin = 1;
    int code = -1;
    ok = OT_RC(thread_join(&handler, 10000, &code), rcOk) && ok;
    ok = OT_EQ(code, rcIrqDetached) && ok;
    for (unsigned i = 0; i < started; i++)
        (void)thread_join(&spin[i], 10000, &code);
    ot_close_handles(&flood_h, 1);
    return ok;
}

int main(int argc, char **argv)
{
    const char *arg = argc > 1 ? argv[1] : "";
    if (strcmp(arg, "bystander") == 0)
        return bystander();
    if (strncmp(arg, "victim=", 7) == 0) {
        if (edu_parse(arg + 7, &edu) != rcOk)
            return 100;
        return victim();
    }
    ot_begin("drv_attack_irq");
    if (!OT_RC(edu_parse(arg, &edu), rcOk))
        return ot_end();
    bool enable = attack_other_driver(arg); /* the victim maps edu: we map it once it is gone */
    if (!OT_RC(edu_map_when_free(&edu, 10000), rcOk))
        return ot_end();
    bool reg = attack_register();
    bool flood = attack_flood();
    bool served = ot_bystander_served();
    ot_attack("kl.core.IO.RegisterIrq", reg && served);
    ot_attack("kl.core.IO.EnableIrq", enable && flood && served);
    return ot_end();
}
