/*
 * Benchmark (not a test): nanoseconds per ksm_decide() call for policies of 10, 1,000 and
 * 10,000 rules. Each rule governs its own (source class, kl.core endpoint, method) cell, as in a
 * least-privilege policy; the classes are synthetic (bench.C<n>, added to the kl.core type
 * description). Decisions alternate over all granted cells and as many default-denied ones, so the numbers
 * include cache effects of a table that grows with the policy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "psl_testlib.h"

struct req {
    uint32_t src, ep, method;
};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void run(int nrules)
{
    static struct typedesc td;
    static int loaded;
    if (!loaded) {
        if (td_load_file(&td, KL_CORE_TYPEDESC))
            exit(1);
        char *cls = psl_strdup("");
        for (int i = 0; i < 100; i++)
            cls =
                psl_fmt("%s%s{ \"name\": \"bench.C%d\", \"endpoints\": [] }", cls, i ? "," : "", i);
        if (td_load_text(&td, "bench",
                         psl_fmt("{ \"format\": \"bastion-typedesc\", \"classes\": [ %s ] }", cls)))
            exit(1);
        loaded = 1;
    }
    const struct td_class *core = td_class(&td, "kl.core.Core");
    int nmethods = 0;
    for (int e = 0; e < core->nendpoints; e++)
        nmethods += core->endpoints[e].iface->nmethods;
    int nclasses = (nrules + nmethods - 1) / nmethods;

    size_t cap = (size_t)nrules * 160 + 4096, n = 0;
    char *text = malloc(cap);
    n += (size_t)snprintf(text + n, cap - n,
                          "execute: kl.core.Execute\nuse nk.base._\nuse EDL kl.core.Core\n");
    for (int c = 0; c < nclasses; c++)
        n += (size_t)snprintf(text + n, cap - n, "use EDL bench.C%d\n", c);
    struct req *reqs = calloc((size_t)nrules * 2, sizeof *reqs);
    int r = 0;
    for (int c = 0; c < nclasses && r < nrules; c++)
        for (int e = 0; e < core->nendpoints && r < nrules; e++)
            for (int m = 0; m < core->endpoints[e].iface->nmethods && r < nrules; m++, r++) {
                const char *epn = core->endpoints[e].name,
                           *mn = core->endpoints[e].iface->methods[m].name;
                if (!strcmp(epn, "vmm.VMM") && !strcmp(mn, "Allocate"))
                    n += (size_t)snprintf(text + n, cap - n,
                                          "request src=bench.C%d dst=kl.core.Core endpoint=%s "
                                          "method=%s "
                                          "{ assert (message.size <= 65536 && message.flags != 4) "
                                          "}\n",
                                          c, epn, mn);
                else
                    n += (size_t)snprintf(text + n, cap - n,
                                          "request src=bench.C%d dst=kl.core.Core endpoint=%s "
                                          "method=%s { grant () }\n",
                                          c, epn, mn);
                reqs[2 * r] = (struct req){(uint32_t)c + 1, (uint32_t)e, (uint32_t)m};
                reqs[2 * r + 1] = (struct req){
                    0, (uint32_t)e, (uint32_t)m}; /* the kernel class: no rule, default deny */
            }
    struct policy *p;
    psl_diag_reset(stderr);
    struct ksm_table *t = pslc_compile_text(&td, "bench.psl", text, &p);
    if (!t) {
        fprintf(stderr, "bench policy does not compile\n");
        exit(1);
    }
    static uint8_t msg[24 + 64];
    msg[24 + 8] = 0x10; /* size = 4096 for Allocate */
    int nreq = 2 * nrules, iters = 2000000, granted = 0;
    double t0 = now_ns();
    for (int i = 0; i < iters; i++) {
        const struct req *q = &reqs[((size_t)i * 7919u) % (size_t)nreq];
        granted +=
            ksm_decide(t, KSM_EV_REQUEST, q->src, 0, q->ep, q->method, msg, sizeof msg).verdict;
    }
    double ns = (now_ns() - t0) / iters;
    printf("rules %6d  classes %4u  cells %6u  index %8zu bytes  %6.1f ns/decision  (%d%% "
           "granted)\n",
           nrules, t->nclasses, t->ncells,
           sizeof(uint32_t) * KSM_EV_COUNT * t->nclasses * t->nslots, ns,
           (int)(100.0 * granted / iters));
    free(text);
    free(reqs);
}

int main(void)
{
    run(10);
    run(1000);
    run(10000);
    return 0;
}
