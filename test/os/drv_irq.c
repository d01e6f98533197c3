/*
 * drv_irq (class ostest.DrvIrq, drivers image): a user-mode driver of QEMU's edu device that
 * handles its interrupts through kl.core.IO (docs/drivers.md "## Interrupts"), first its INTx
 * line, then its MSI. For each: register, attach, raise N interrupts one at a time and count
 * them (acknowledge at the device, EnableIrq after each), a factorial's completion interrupt,
 * DisableIrq holding an interrupt back until EnableIrq, IO.DetachIrq from another thread ending
 * the attached thread's wait with rcIrqDetached, Thread.DetachIrq, and the interrupt given back
 * when its handles close. Its policy names exactly edu's two interrupt numbers: any other is
 * refused by the security module (the PAL checks at the end). Last, with edu given back, it starts
 * the attack program drv_attack_irq (class ostest.DrvAttackIrq) with its own connection to the
 * bystander, so that the two drivers of edu never overlap, and waits for it to end.
 * drv_edu drives the same edu in this image: drv_irq waits until it has let go of edu's registers.
 * Argument: "GSI,BDF,BAR0" of the edu function (drv_irq.h).
 */
#include <bastion/irq.h>
#include <bastion/rights.h>
#include <user/start.h>
#include <user/core.h>
#include <user/thread.h>

#include "drv_irq.h"
#include "ostest.h"
#include "spawn.h"

#define N_RAISES 20u
#define WAIT_MS 2000u

static struct edu edu;

/* N interrupts raised one at a time, each handled like a driver does: wait, read the status,
 * acknowledge it at the device, EnableIrq. Returns how many arrived with the raised value. */
static unsigned raise_and_count(uint32_t h, uint32_t delivery)
{
    unsigned got = 0;
    for (unsigned i = 0; i < N_RAISES; i++) {
        uint32_t value = 1u << (8 + i % 16);
        edu_write(&edu, EDU_IRQ_RAISE, value);
        Retcode r = uirq_wait(delivery, WAIT_MS);
        uint32_t status = edu_read(&edu, EDU_IRQ_STATUS);
        edu_write(&edu, EDU_IRQ_ACK, status);
        if (r == rcOk && (status & value))
            got++;
        else
            ot_check(false, __LINE__, "interrupt", "raise %u: wait %s, status 0x%x", i,
                     retcode_name(r), status);
        OT_RC(uirq_enable(h), rcOk);
    }
    return got;
}

static uint32_t detach_target;
static int detacher(void *arg)
{
    (void)arg;
    core_thread_sleep(100); /* the main thread is waiting by then */
    return uirq_detach(detach_target);
}

/* Everything a driver does with one interrupt, `number` naming it. */
static void exercise(const char *what, uint32_t number)
{
    printf("drv_irq: %s (irq 0x%x)\n", what, number);
    uint32_t h = 0, d = 0, h2 = 0, d2 = 0;
    if (!OT_RC(uirq_register(number, &h), rcOk))
        return;
    /* First owner wins, the owner included: one object per interrupt. */
    OT_RC(uirq_register(number, &h2), rcAlreadyExists);
    if (!OT_RC(uirq_attach(h, &d), rcOk))
        return;
    /* One thread per interrupt, one interrupt per thread. */
    OT_RC(uirq_attach(h, &d2), rcResourceBusy);

    /* Nothing raised: nothing arrives. */
    OT_RC(uirq_wait(d, 100), rcTimeout);
    OT_EQ(raise_and_count(h, d), N_RAISES);

    /* A factorial's completion raises it too. */
    edu_write(&edu, EDU_STATUS, EDU_STATUS_FACT_IRQ);
    edu_write(&edu, EDU_FACT, 5);
    OT_RC(uirq_wait(d, WAIT_MS), rcOk);
    OT_EQ(edu_read(&edu, EDU_FACT), 120);
    uint32_t status = edu_read(&edu, EDU_IRQ_STATUS);
    OT_TRUE(status & EDU_FACT_IRQ_VALUE);
    edu_write(&edu, EDU_IRQ_ACK, status);
    edu_write(&edu, EDU_STATUS, 0);
    OT_RC(uirq_enable(h), rcOk);

    /* DisableIrq: a raise does not reach the thread until EnableIrq. MSI without mask bits
     * loses what the device sent meanwhile (docs/drivers.md), so the raise is repeated. */
    OT_RC(uirq_disable(h), rcOk);
    edu_write(&edu, EDU_IRQ_RAISE, 0x2);
    OT_RC(uirq_wait(d, 300), rcTimeout);
    OT_RC(uirq_enable(h), rcOk);
    if (number & BASTION_IRQ_MSI_FLAG)
        edu_write(&edu, EDU_IRQ_RAISE, 0x2);
    OT_RC(uirq_wait(d, WAIT_MS), rcOk);
    edu_write(&edu, EDU_IRQ_ACK, edu_read(&edu, EDU_IRQ_STATUS));
    OT_RC(uirq_enable(h), rcOk);

    /* IO.DetachIrq from another thread ends this thread's wait with rcIrqDetached. */
    detach_target = h;
    struct thread t;
    if (OT_RC(thread_create(&t, detacher, NULL, THREAD_PRIO_DEFAULT, 0), rcOk)) {
        OT_RC(uirq_wait(d, 5000), rcIrqDetached);
        int code = -1;
        OT_RC(thread_join(&t, 5000, &code), rcOk);
        OT_EQ(code, rcOk);
    }
    /* Detached: the old delivery no longer waits, Thread.DetachIrq finds nothing, and no one
     * is attached for IO.DetachIrq. */
    OT_RC(uirq_wait(d, 10), rcAccessDenied);
    OT_RC(uirq_thread_detach(), rcNotFound);
    OT_RC(uirq_detach(h), rcNotFound);

    /* Attach again, still served; then Thread.DetachIrq lets go. */
    if (OT_RC(uirq_attach(h, &d2), rcOk)) {
        edu_write(&edu, EDU_IRQ_RAISE, 0x4);
        OT_RC(uirq_wait(d2, WAIT_MS), rcOk);
        edu_write(&edu, EDU_IRQ_ACK, edu_read(&edu, EDU_IRQ_STATUS));
        OT_RC(uirq_thread_detach(), rcOk);
        OT_RC(uirq_wait(d2, 10), rcAccessDenied);
    }

    /* Closing the handles gives the interrupt back: it can be registered again. */
    uint32_t hs[] = {h, d, d2};
    ot_close_handles(hs, 3);
    if (OT_RC(uirq_register(number, &h2), rcOk))
        ot_close_handles(&h2, 1);
}

/* drv_attack_irq as a child, given a copy of our connection to the bystander as its "probe". */
static void run_attacker(const char *arg)
{
    uint32_t probe = 0;
    if (!OT_RC(start_connection("probe", &probe), rcOk))
        return;
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc;
    idl_handle_t child = {0};
    if (!OT_RC(core_result(kl_core_Task_Create(&cl, "DrvAttackIrq", "ostest.DrvAttackIrq",
                                               "drv_attack_irq", 0, 10, 0, &child, &rc),
                           &rc),
               rcOk))
        return;
    uint32_t task = child.handle;
    kl_core_Types_HandleValue theirs = kl_core_Types_InvalidHandleValue;
    OT_RC(
        core_result(kl_core_Task_TransferHandle(&cl, core_handle_arg(task), core_handle_arg(probe),
                                                core_handle_arg(kl_core_Types_InvalidHandleValue),
                                                HR_IPC_CALL, &theirs, &rc),
                    &rc),
        rcOk);
    OT_RC(spawn_set_env(task, "DrvAttackIrq", arg, "probe", theirs), rcOk);
    OT_RC(core_result(kl_core_Task_Resume(&cl, core_handle_arg(task), &rc), &rc), rcOk);
    int32_t code = -1;
    OT_RC(ot_exit_code(task, 120000, &code), rcOk);
    OT_EQ(code, 0);
}

int main(int argc, char **argv)
{
    ot_begin("drv_irq");
    if (!OT_RC(edu_parse(argc > 1 ? argv[1] : NULL, &edu), rcOk))
        return ot_end();
    /* drv_edu (started before us) drives the same edu first: its registers are one process's at
     * a time. Let it take them, then wait until it lets go. */
    core_thread_sleep(3000);
    if (!OT_RC(edu_map_when_free(&edu, 60000), rcOk))
        return ot_end();
    OT_EQ(edu_read(&edu, EDU_ID) & 0xFFFFu, 0x00EDu);

    uint32_t intx = BASTION_IRQ_INTX(edu.gsi), msi = BASTION_IRQ_MSI(edu.bdf, 0);
    exercise("INTx", intx);

    /* A function's INTx and MSI exclude each other. */
    uint32_t h = 0, h2 = 0;
    if (OT_RC(uirq_register(intx, &h), rcOk)) {
        OT_RC(uirq_register(msi, &h2), rcAlreadyExists);
        ot_close_handles(&h, 1);
    }
    exercise("MSI", msi);

    /* PAL: the policy names only edu's interrupts; the UART's, another GSI and another
     * function's MSI are refused before the kernel looks at them. */
    OT_RC(uirq_register(BASTION_IRQ_INTX(4), &h), rcSecurityDisallow);
    OT_RC(uirq_register(BASTION_IRQ_INTX(edu.gsi + 1), &h), rcSecurityDisallow);
    OT_RC(uirq_register(BASTION_IRQ_MSI(edu.bdf + 8, 0), &h), rcSecurityDisallow);
    edu_unmap(&edu);
    run_attacker(argv[1]);
    return ot_end();
}
