/*
 * kl.core.IO's interrupts: RegisterIrq, AttachIrq, DetachIrq, EnableIrq, DisableIrq, and the
 * wait of an attached thread (docs/drivers.md "## Interrupts"; the mechanism is dev/irq.h).
 *
 * RegisterIrq(irq) claims the interrupt the number names (<bastion/irq.h>) for the caller: a
 * KOBJ_IO_IRQ object charged to the caller's kernel-memory account, behind a handle with
 * HR_IRQ_FULL. The first owner wins until the object goes (its last handle closed, or its
 * process gone), which masks the interrupt and gives it back.
 *
 * AttachIrq(resource, flags = 0) makes the calling thread the interrupt's handler and unmasks
 * it, and returns `delivery`, following KasperskyOS: an IPC handle the thread waits on with
 * Recv. Recv on it returns rcOk with an empty message when the interrupt fired (the kernel has
 * masked it: EnableIrq after handling), rcIrqDetached when the thread was detached (IO.DetachIrq
 * by any holder of the resource with HR_IRQ_CONTROL, or the resource's release), rcTimeout with
 * Recv's timeout. Only the attached thread may wait (rcAccessDenied otherwise); the delivery
 * handle has only HR_IPC_RECV, so it can be neither copied nor sent, and closing it detaches.
 * Thread.DetachIrq (Thread.c) detaches the caller; a thread that ends is detached.
 */
#include <bastion/rights.h>

#include "dev/irq.h"
#include "klcore/IO.h"
#include "klcore/klcore.h"
#include "obj/kobj_new.h"
#include "proc/process.h"
#include "proc/thread.h"

struct io_irq {
    struct kobj obj;       /* first: KOBJ_IO_IRQ */
    struct irq_line *line; /* NULL only while RegisterIrq builds it */
};

struct io_irq_delivery {
    struct kobj obj;    /* first: KOBJ_IO_IRQ_DELIVERY */
    struct io_irq *irq; /* a reference: the interrupt stays claimed while its thread waits */
};

static void io_irq_destroy(struct kobj *obj)
{
    struct io_irq *i = (struct io_irq *)obj;
    if (i->line != NULL)
        irq_release(i->line);
    kobj_free_mem(obj);
}
static const struct kobj_ops io_irq_ops = {KOBJ_IO_IRQ, "irq", io_irq_destroy};

static void delivery_destroy(struct kobj *obj)
{
    struct io_irq_delivery *d = (struct io_irq_delivery *)obj;
    irq_detach_delivery(d->irq->line, d);
    kobj_unref(&d->irq->obj);
    kobj_free_mem(obj);
}
static const struct kobj_ops delivery_ops = {KOBJ_IO_IRQ_DELIVERY, "irq-delivery",
                                             delivery_destroy};

Retcode core_io_RegisterIrq(void *ctx, uint32_t irq, idl_handle_t *resource,
                            kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    resource->handle = HANDLE_INVALID;
    resource->rights = 0;
    struct io_irq *i = NULL;
    Retcode r = kobj_new(sizeof *i, &io_irq_ops, &c->proc->kmem, (void **)&i);
    if (r == rcOk) {
        r = irq_claim(irq, &i->line);
        if (r == rcOk)
            r = core_install(c, i, HR_IRQ_FULL, &resource->handle, &resource->rights);
        kobj_unref(&i->obj); /* the handle holds its own; otherwise this releases the claim */
    }
    *rc = r;
    return rcOk;
}

Retcode core_io_AttachIrq(void *ctx, idl_handle_t resource, uint32_t flags, idl_handle_t *delivery,
                          kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    delivery->handle = HANDLE_INVALID;
    delivery->rights = 0;
    if (flags != 0) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    struct io_irq *i;
    Retcode r = core_get(c, resource.handle, KOBJ_IO_IRQ, HR_IRQ_ATTACH, (void **)&i);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    struct io_irq_delivery *d = NULL;
    r = kobj_new(sizeof *d, &delivery_ops, &c->proc->kmem, (void **)&d);
    if (r != rcOk) {
        kobj_unref(&i->obj);
        *rc = r;
        return rcOk;
    }
    d->irq = i; /* takes over core_get's reference */
    r = irq_attach(i->line, c->thread, d);
    if (r == rcOk)
        r = core_install(c, d, HR_IRQ_DELIVERY, &delivery->handle, &delivery->rights);
    kobj_unref(&d->obj); /* on failure this detaches again and drops the interrupt */
    *rc = r;
    return rcOk;
}

/* The methods that act on a resource with HR_IRQ_CONTROL. */
static Retcode with_control(struct core_ctx *c, idl_handle_t resource, struct io_irq **out)
{
    return core_get(c, resource.handle, KOBJ_IO_IRQ, HR_IRQ_CONTROL, (void **)out);
}

Retcode core_io_DetachIrq(void *ctx, idl_handle_t resource, kl_core_Types_Retcode *rc)
{
    struct io_irq *i;
    Retcode r = with_control(ctx, resource, &i);
    if (r == rcOk) {
        r = irq_request_detach(i->line);
        kobj_unref(&i->obj);
    }
    *rc = r;
    return rcOk;
}

Retcode core_io_EnableIrq(void *ctx, idl_handle_t resource, kl_core_Types_Retcode *rc)
{
    struct io_irq *i;
    Retcode r = with_control(ctx, resource, &i);
    if (r == rcOk) {
        irq_set_masked(i->line, false);
        kobj_unref(&i->obj);
    }
    *rc = r;
    return rcOk;
}

Retcode core_io_DisableIrq(void *ctx, idl_handle_t resource, kl_core_Types_Retcode *rc)
{
    struct io_irq *i;
    Retcode r = with_control(ctx, resource, &i);
    if (r == rcOk) {
        irq_set_masked(i->line, true);
        kobj_unref(&i->obj);
    }
    *rc = r;
    return rcOk;
}

Retcode io_irq_delivery_wait(struct kobj *delivery, uint64_t timeout_ms)
{
    struct io_irq_delivery *d = (struct io_irq_delivery *)delivery;
    uint64_t ns = timeout_ms > UINT64_MAX / 1000000u ? UINT64_MAX : timeout_ms * 1000000u;
    return irq_wait(d->irq->line, thread_current(), ns);
}
