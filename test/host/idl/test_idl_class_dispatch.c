/*
 * The class dispatcher (kl_core_Core_dispatch_header: one function, one switch on the endpoint
 * and one on the method, the serve code inlined) against the interface dispatchers it folds
 * (kl_core_<Iface>_dispatch_header, which the class dispatcher once called): for every method
 * of every kl.core endpoint, the same handler reached, the same return code, the same response
 * bytes, validated or not, with a response buffer of any size around the answer's (none at
 * all, too small, exactly enough, more); and the same answer for a truncated request, a method
 * or endpoint id past the last, an endpoint without a handler table and a method without a
 * handler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kl/core/Core.edl.h"

/* Each endpoint's interface dispatcher, called with that interface's own ops type. */
#define CORE_ENDPOINTS(X)                \
    X(vmm_VMM, VMM)                      \
    X(io_IO, IO)                         \
    X(thread_Thread, Thread)             \
    X(handle_Handle, Handle)             \
    X(task_Task, Task)                   \
    X(sync_Sync, Sync)                   \
    X(fs_FS, FS)                         \
    X(fs_FSUnsafe, FSUnsafe)             \
    X(time_Time, Time)                   \
    X(hal_HAL, HAL)                      \
    X(xhcidbg_XHCIDBG, XHCIDBG)          \
    X(audit_Audit, Audit)                \
    X(profiler_Profiler, Profiler)       \
    X(iommu_IOMMU, IOMMU)                \
    X(cm_CM, CM)                         \
    X(pm_PM, PM)                         \
    X(notice_Notice, Notice)             \
    X(hypervisor_Hypervisor, Hypervisor) \
    X(tee_TEE, TEE)                      \
    X(tee_TEEVMM, TEEVMM)                \
    X(ipc_IPC, IPC)                      \
    X(cpufreq_CpuFreq, CpuFreq)

typedef Retcode (*iface_dispatch)(const void *ops, void *ctx, const struct idl_header *h,
                                  int validated, const void *req, size_t req_len, void *res,
                                  size_t res_cap, size_t *res_len);

#define DEFINE_OLD(path, iface)                                                             \
    static Retcode old_##path(const void *ops, void *ctx, const struct idl_header *h,       \
                              int validated, const void *req, size_t req_len, void *res,    \
                              size_t res_cap, size_t *res_len)                              \
    {                                                                                       \
        return kl_core_##iface##_dispatch_header(ops, ctx, h, validated, req, req_len, res, \
                                                 res_cap, res_len);                         \
    }
CORE_ENDPOINTS(DEFINE_OLD)

#define OLD_ENTRY(path, iface) [kl_core_Core_EP_##path] = old_##path,
static const iface_dispatch old_dispatch[] = {CORE_ENDPOINTS(OLD_ENTRY)};
_Static_assert(sizeof old_dispatch / sizeof old_dispatch[0] == kl_core_Core_ENDPOINT_COUNT,
               "every endpoint of kl.core in CORE_ENDPOINTS");

/* A handler table is one function pointer per method (klcore.c holds the kernel's to that);
 * the class's table one ops pointer per endpoint. */
_Static_assert(sizeof(struct kl_core_Core_handlers) == kl_core_Core_ENDPOINT_COUNT * sizeof(void *),
               "one table pointer per endpoint");
#define METHODS_MAX 64

/*
 * The only handler in a table: counts its calls in ctx and answers with `answer`. Dispatchers
 * call it through the method's own pointer type; it reads only its first argument, which every
 * handler type passes first (the x86-64 calling convention the host tests run on passes the
 * rest in registers it does not touch), and writes no out parameter, so the response holds the
 * dispatcher's zeroed locals.
 */
struct calls {
    unsigned n;
    Retcode answer;
};

static Retcode stub(void *ctx)
{
    struct calls *c = ctx;
    c->n++;
    return c->answer;
}

/* A request of method m to endpoint ep, with empty strings and sequences, plain values of
 * pattern bytes (union tags in range) and handles in parameter order. */
static size_t make_request(uint32_t ep, const struct idl_method_desc *m, uint8_t *buf, size_t cap)
{
    static _Alignas(8) uint8_t plain[32][2048];
    idl_handle_t handles[32];
    const char *strings[32];
    struct idl_seq seqs[32];
    const void *args[32];
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->nparams; i++) {
        const struct idl_param_desc *p = &idl_method_params(m)[i];
        if (p->part != IDL_PART_REQUEST)
            continue;
        assert_true(n < 32);
        switch (p->kind) {
        case IDL_KIND_PLAIN:
            assert_true(p->size <= sizeof plain[n]);
            for (uint32_t b = 0; b < p->size; b++)
                plain[n][b] = (uint8_t)(0x5a + b);
            for (uint32_t t = 0; t < p->ntags; t++) {
                uint32_t tag = (uint32_t)ep % idl_param_tags(p)[2 * t + 1];
                memcpy(plain[n] + idl_param_tags(p)[2 * t], &tag, sizeof tag);
            }
            args[n] = plain[n];
            break;
        case IDL_KIND_HANDLE:
            handles[n] = (idl_handle_t){.handle = 100 + n, .rights = 7};
            args[n] = &handles[n];
            break;
        case IDL_KIND_STRING:
            strings[n] = "";
            args[n] = &strings[n];
            break;
        case IDL_KIND_SEQ:
        case IDL_KIND_SEQSTR:
            memset(&seqs[n], 0, sizeof seqs[n]);
            args[n] = &seqs[n];
            break;
        default:
            fail_msg("%s: a parameter kind this test does not build (%d)", idl_method_name(m),
                     p->kind);
        }
        n++;
    }
    size_t len = 0;
    assert_int_equal(idl_marshal(m, IDL_PART_REQUEST, ep, args, buf, cap, &len), IDL_OK);
    return len;
}

/* What one dispatch did: its return code, the handler's calls, the response. */
struct outcome {
    Retcode rc;
    unsigned calls;
    size_t res_len;
    _Alignas(8) uint8_t res[IDL_MESSAGE_MAX];
};

/* The tables for a request to endpoint ep: ops with only method `only` served (none when it is
 * METHODS_MAX), and the class's handlers with only ep's table (none when !table). */
struct tables {
    void (*ops[METHODS_MAX])(void);
    const void *eps[kl_core_Core_ENDPOINT_COUNT];
};

static void set_tables(struct tables *t, uint32_t ep, uint32_t only, int table)
{
    memset(t, 0, sizeof *t);
    if (only < METHODS_MAX)
        t->ops[only] = (void (*)(void))stub;
    if (table)
        t->eps[ep] = t->ops;
}

/* Dispatches req[0..len) with header h (the whole request's, as a router read it) both ways,
 * into a response buffer of cap bytes (SIZE_MAX: the whole buffer; 0: none, NULL). */
static void run_both_cap(uint32_t ep, const struct tables *t, const struct idl_header *h,
                         const uint8_t *req, size_t len, int validated, Retcode answer, size_t cap,
                         struct outcome *old, struct outcome *now)
{
    struct calls c_old = {0, answer}, c_new = {0, answer};
    memset(old, 0xee, sizeof *old);
    memset(now, 0xee, sizeof *now);
    if (cap == SIZE_MAX)
        cap = sizeof old->res;
    old->rc = t->eps[ep] == NULL ? rcNotSupported
                                 : old_dispatch[ep](t->eps[ep], &c_old, h, validated, req, len,
                                                    cap ? old->res : NULL, cap, &old->res_len);
    struct kl_core_Core_handlers handlers;
    memcpy(&handlers, t->eps, sizeof handlers);
    now->rc = kl_core_Core_dispatch_header(&handlers, &c_new, h, validated, req, len,
                                           cap ? now->res : NULL, cap, &now->res_len);
    old->calls = c_old.n;
    now->calls = c_new.n;
}

static void run_both(uint32_t ep, const struct tables *t, const struct idl_header *h,
                     const uint8_t *req, size_t len, int validated, Retcode answer,
                     struct outcome *old, struct outcome *now)
{
    run_both_cap(ep, t, h, req, len, validated, answer, SIZE_MAX, old, now);
}

static void assert_same(const struct outcome *old, const struct outcome *now, const char *where)
{
    if (old->rc != now->rc || old->calls != now->calls)
        fail_msg("%s: interface dispatcher rc %d with %u handler calls, class dispatcher rc %d "
                 "with %u",
                 where, old->rc, old->calls, now->rc, now->calls);
    if (old->rc == rcOk &&
        (old->res_len != now->res_len || memcmp(old->res, now->res, old->res_len) != 0))
        fail_msg("%s: the responses differ", where);
}

static _Alignas(8) uint8_t req[IDL_MESSAGE_MAX];
static struct outcome old_out, new_out;

static void every_method_reaches_the_same_handler(void **state)
{
    (void)state;
    unsigned methods = 0;
    static struct tables t;
    for (uint32_t ep = 0; ep < kl_core_Core_ENDPOINT_COUNT; ep++) {
        const struct idl_interface_desc *iface = kl_core_Core_endpoints[ep].iface;
        assert_true(iface->nmethods < METHODS_MAX);
        for (uint32_t mi = 0; mi < iface->nmethods; mi++) {
            const struct idl_method_desc *m = &idl_iface_methods(iface)[mi];
            char where[160];
            snprintf(where, sizeof where, "%s.%s", kl_core_Core_endpoints[ep].path,
                     idl_method_name(m));
            size_t len = make_request(ep, m, req, sizeof req);
            struct idl_header h;
            assert_int_equal(idl_peek_header(req, len, &h), IDL_OK);
            for (int validated = 0; validated < 2; validated++) {
                /* Served: the handler runs once in both, and answers rcOk or fails. */
                set_tables(&t, ep, mi, 1);
                for (int a = 0; a < 2; a++) {
                    run_both(ep, &t, &h, req, len, validated, a ? rcFail : rcOk, &old_out,
                             &new_out);
                    assert_same(&old_out, &new_out, where);
                    assert_int_equal(new_out.calls, 1);
                }
                /* Every other method of the endpoint served, this one not. */
                set_tables(
                    &t, ep,
                    (mi + 1) % iface->nmethods == mi ? METHODS_MAX : (mi + 1) % iface->nmethods, 1);
                run_both(ep, &t, &h, req, len, validated, rcOk, &old_out, &new_out);
                assert_same(&old_out, &new_out, where);
                assert_int_equal(new_out.calls, 0);
                /* No table for the endpoint. */
                set_tables(&t, ep, mi, 0);
                run_both(ep, &t, &h, req, len, validated, rcOk, &old_out, &new_out);
                assert_same(&old_out, &new_out, where);
                assert_int_equal(new_out.rc, rcNotSupported);
            }
            /* Served with response buffers around the answer's size (a method served in
             * place writes into the buffer): the same code and handler calls, and with room
             * the same bytes. */
            set_tables(&t, ep, mi, 1);
            run_both(ep, &t, &h, req, len, 1, rcOk, &old_out, &new_out);
            if (old_out.rc == rcOk) {
                const size_t need = old_out.res_len;
                const size_t caps[] = {0, 1, IDL_HEADER_SIZE, need - 1, need, need + 1};
                for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++)
                    for (int validated = 0; validated < 2; validated++) {
                        run_both_cap(ep, &t, &h, req, len, validated, rcOk, caps[k], &old_out,
                                     &new_out);
                        assert_same(&old_out, &new_out, where);
                        assert_int_equal(new_out.calls, 1);
                    }
            }
            /* Unvalidated and one byte short: refused by both before any handler. */
            set_tables(&t, ep, mi, 1);
            run_both(ep, &t, &h, req, len - 1, 0, rcOk, &old_out, &new_out);
            assert_same(&old_out, &new_out, where);
            assert_int_equal(new_out.calls, 0);
            methods++;
        }
        /* A method id past the endpoint's last. */
        struct idl_header h = {.endpoint_id = ep, .method_id = iface->nmethods};
        set_tables(&t, ep, 0, 1);
        run_both(ep, &t, &h, (const uint8_t *)&h, sizeof h, 1, rcOk, &old_out, &new_out);
        assert_same(&old_out, &new_out, kl_core_Core_endpoints[ep].path);
        assert_int_equal(new_out.rc, idl_error_retcode(IDL_ERR_METHOD));
    }
    assert_true(methods > 100); /* kl.core has some 140: the tables were not empty */
}

static void an_endpoint_past_the_last_is_refused(void **state)
{
    (void)state;
    struct idl_header h = {.endpoint_id = kl_core_Core_ENDPOINT_COUNT};
    struct kl_core_Core_handlers handlers;
    memset(&handlers, 0, sizeof handlers);
    size_t res_len = 0;
    assert_int_equal(kl_core_Core_dispatch_header(&handlers, NULL, &h, 1, &h, sizeof h, new_out.res,
                                                  sizeof new_out.res, &res_len),
                     idl_error_retcode(IDL_ERR_ENDPOINT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_method_reaches_the_same_handler),
        cmocka_unit_test(an_endpoint_past_the_last_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
