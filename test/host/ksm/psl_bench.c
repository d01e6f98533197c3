/*
 * Benchmark (not a test): nanoseconds per decision for policies of 10, 1,000 and 10,000 rules.
 *
 * Stateless (ksm_decide): each rule governs its own (source class, kl.core endpoint, method)
 * cell, as in a least-privilege policy; the classes are synthetic (bench.C<n>, added to the
 * kl.core type description). Decisions alternate over all granted cells and as many
 * default-denied ones, so the numbers include cache effects of a table that grows with the
 * policy.
 *
 * Stateful (ksm_decide_state), with as many objects as rules: N resources, each with its own
 * Flow machine and HashSet table (resource tables of 2N entries: a Flow object `fl` and a
 * HashSet `hs` kept per resource), opened one by one through psltest.Client's calls to
 * psltest.Server (calc.Ping). Then two loops: "read", every cell's rule asking its own resource
 * (rule k: `fl.allow` of resource k in "on", and `hs.contains` of entry 3 there), over the
 * cells in the same scattered order; and "change", calc.Put and calc.Nest moving resource
 * after resource off and on again (`fl.enter`: a state write and its undo record, kept as the
 * event is granted).
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

/* kl.core, the psltest classes (the stateful run's client and server) and bench.C0..C99. */
static struct typedesc *bench_td(void)
{
    static struct typedesc td;
    static int loaded;
    if (!loaded) {
        if (td_load_file(&td, KL_CORE_TYPEDESC) || td_load_file(&td, PSL_TEST_TYPEDESC))
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
    return &td;
}

/* The first n (bench class, kl.core endpoint, method) cells, one per rule, class by class:
 * out[r].src is the class's number (bench.C<src>). Returns how many classes they take. */
static int bench_cells(const struct td_class *core, int n, struct req *out)
{
    int r = 0, c = 0;
    for (; r < n; c++)
        for (int e = 0; e < core->nendpoints && r < n; e++)
            for (int m = 0; m < core->endpoints[e].iface->nmethods && r < n; m++, r++)
                out[r] = (struct req){(uint32_t)c, (uint32_t)e, (uint32_t)m};
    return c;
}

/* "use EDL bench.C<c>" for c < nclasses, at text + *len. */
static void use_bench_classes(char *text, size_t cap, size_t *len, int nclasses)
{
    for (int c = 0; c < nclasses; c++)
        *len += (size_t)snprintf(text + *len, cap - *len, "use EDL bench.C%d\n", c);
}

static void run(int nrules)
{
    struct typedesc *tdp = bench_td();
    const struct td_class *core = td_class(tdp, "kl.core.Core");
    struct req *cells = calloc((size_t)nrules, sizeof *cells);
    int nclasses = bench_cells(core, nrules, cells);

    size_t cap = (size_t)nrules * 160 + 4096, n = 0;
    char *text = malloc(cap);
    n += (size_t)snprintf(text + n, cap - n,
                          "execute: kl.core.Execute\nuse nk.base._\nuse EDL kl.core.Core\n");
    use_bench_classes(text, cap, &n, nclasses);
    struct req *reqs = calloc((size_t)nrules * 2, sizeof *reqs);
    for (int r = 0; r < nrules; r++) {
        const struct req *q = &cells[r];
        const char *epn = core->endpoints[q->ep].name,
                   *mn = core->endpoints[q->ep].iface->methods[q->method].name;
        if (!strcmp(epn, "vmm.VMM") && !strcmp(mn, "Allocate"))
            n += (size_t)snprintf(text + n, cap - n,
                                  "request src=bench.C%u dst=kl.core.Core endpoint=%s method=%s "
                                  "{ assert (message.size <= 65536 && message.flags != 4) }\n",
                                  q->src, epn, mn);
        else
            n += (size_t)snprintf(text + n, cap - n,
                                  "request src=bench.C%u dst=kl.core.Core endpoint=%s method=%s "
                                  "{ grant () }\n",
                                  q->src, epn, mn);
        /* Class ids are the order of first use: kl.core.Core 0, bench.C<c> c + 1. The kernel's
         * class has no rule: its request is denied by default. */
        reqs[2 * r] = (struct req){q->src + 1, q->ep, q->method};
        reqs[2 * r + 1] = (struct req){0, q->ep, q->method};
    }
    struct policy *p;
    psl_diag_reset(stderr);
    struct ksm_table *t = pslc_compile_text(tdp, "bench.psl", text, &p);
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
    free(cells);
}

/* The arrays of struct ksm_state that table t indexes, for nsids process slots. */
static struct ksm_state state_for(const struct ksm_table *t, uint32_t nsids)
{
    struct ksm_state st = {
        .flow = calloc((size_t)t->nflows * nsids + 1, 1),
        .nsids = nsids,
        .set_of = calloc((size_t)t->nsets * nsids + 1, sizeof(uint32_t)),
        .set_words = calloc((size_t)t->nset_words + 1, sizeof(uint64_t)),
        .map_of = calloc((size_t)t->nmaps * nsids + 1, sizeof(uint32_t)),
        .map_words = calloc((size_t)t->nmap_words + 1, sizeof(uint64_t)),
        .mic_subj = calloc((size_t)t->nmics * nsids * 2 + 1, sizeof(uint64_t)),
        .res = calloc((size_t)t->nres_words + 1, sizeof(uint64_t)),
    };
    if (!st.flow || !st.set_of || !st.set_words || !st.map_of || !st.map_words || !st.mic_subj ||
        !st.res)
        exit(1);
    return st;
}

/* The offset of a 32-bit field in calc.<method>'s request (psl_test_set finds it by name; the
 * loops write it directly, as a client would). */
static size_t field_offset(const struct policy *p, const char *method, const char *path,
                           uint8_t *buf, size_t len)
{
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", method, buf, path, 0x5a5b5c5du);
    for (size_t off = KSM_HEADER_SIZE; off + 4 <= len; off++)
        if (buf[off] == 0x5d && buf[off + 1] == 0x5c && buf[off + 2] == 0x5b &&
            buf[off + 3] == 0x5a) {
            memset(buf + off, 0, 4);
            return off;
        }
    exit(1);
}

#define SID_CLIENT 1u
#define SID_SERVER 2u

static void run_stateful(int n)
{
    struct typedesc *tdp = bench_td();
    const struct td_class *core = td_class(tdp, "kl.core.Core");
    struct req *reqs = calloc((size_t)n, sizeof *reqs);
    int nclasses = bench_cells(core, n, reqs);
    size_t cap = (size_t)n * 200 + 8192, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text + len, cap - len,
                            "execute: kl.core.Execute\nuse nk.base._\nuse nk.flow._\nuse "
                            "nk.hashmap._\n"
                            "use EDL kl.core.Core\nuse EDL psltest.Client\nuse EDL psltest.Server\n"
                            "policy object fl : Flow {\n type States = \"off\" | \"on\"\n config = "
                            "{\n"
                            "  states : [\"off\", \"on\"], initial : \"off\",\n"
                            "  transitions : { \"off\" : [\"on\"], \"on\" : [\"off\"] }, resources "
                            ": %d\n }\n}\n"
                            "policy object hs : HashSet {\n type Entry = UInt32\n"
                            " config = { set_size : 4, pool_size : %d, resources : %d }\n}\n"
                            "request src=psltest.Client dst=psltest.Server endpoint=calc {\n"
                            " match method=Ping {\n  fl.init {sid : message.value}\n  hs.init {sid "
                            ": message.value}\n"
                            "  hs.add {sid : message.value, entry : 3}\n"
                            "  fl.enter {sid : message.value, state : \"on\"}\n }\n"
                            " match method=Put { fl.enter {sid : message.u32, state : \"off\"} }\n"
                            " match method=Nest { fl.enter {sid : message.o.x, state : \"on\"} "
                            "}\n}\n",
                            2 * n, n, 2 * n);
    use_bench_classes(text, cap, &len, nclasses);
    for (int r = 0; r < n; r++)
        len += (size_t)snprintf(text + len, cap - len,
                                "request src=bench.C%u dst=kl.core.Core endpoint=%s method=%s {\n"
                                " fl.allow {sid : %d, states : [\"on\"]}\n"
                                " assert (hs.contains {sid : %d, entry : 3})\n}\n",
                                reqs[r].src, core->endpoints[reqs[r].ep].name,
                                core->endpoints[reqs[r].ep].iface->methods[reqs[r].method].name,
                                r + 1, r + 1);
    struct policy *p;
    psl_diag_reset(stderr);
    struct ksm_table *t = pslc_compile_text(tdp, "bench_state.psl", text, &p);
    if (!t) {
        fprintf(stderr, "the stateful bench policy does not compile\n");
        exit(1);
    }
    for (int i = 0; i < n; i++) /* the synthetic classes' ids in this policy */
        reqs[i].src = (uint32_t)psl_test_class(p, psl_fmt("bench.C%u", reqs[i].src));
    uint32_t cli = (uint32_t)psl_test_class(p, "psltest.Client");
    uint32_t srv = (uint32_t)psl_test_class(p, "psltest.Server");
    struct ksm_state st = state_for(t, 4);
    static uint8_t ping[KSM_HEADER_SIZE + 256], put[KSM_HEADER_SIZE + 256],
        nest[KSM_HEADER_SIZE + 256];
    uint32_t calc, ping_m, put_m, nest_m;
    size_t ping_len =
        psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", ping, &calc, &ping_m);
    size_t put_len =
        psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Put", put, &calc, &put_m);
    size_t nest_len =
        psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Nest", nest, &calc, &nest_m);
    size_t put_x = field_offset(p, "Put", "u32", put, put_len);
    size_t nest_x = field_offset(p, "Nest", "o.x", nest, nest_len);
    /* Open every resource: its machine "on", its set holding 3. */
    for (int i = 1; i <= n; i++) {
        psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", ping, "value",
                     (uint64_t)i);
        if (!ksm_decide_state(t, &st, KSM_EV_REQUEST, cli, srv, SID_CLIENT, SID_SERVER, calc,
                              ping_m, ping, ping_len)
                 .verdict) {
            fprintf(stderr, "opening resource %d was denied\n", i);
            exit(1);
        }
    }
    static uint8_t msg[KSM_HEADER_SIZE + 64];
    msg[KSM_HEADER_SIZE + 8] = 0x10;
    int iters = 2000000, granted = 0;
    double t0 = now_ns();
    for (int i = 0; i < iters; i++) {
        const struct req *q = &reqs[((size_t)i * 7919u) % (size_t)n];
        granted += ksm_decide_state(t, &st, KSM_EV_REQUEST, q->src, 0, SID_CLIENT, KSM_SID_NONE,
                                    q->ep, q->method, msg, sizeof msg)
                       .verdict;
    }
    double read_ns = (now_ns() - t0) / iters;
    /* Off and on again, resource after resource: two changes (and undo records) a pair. */
    int pairs = 1000000, changed = 0;
    t0 = now_ns();
    for (int i = 0; i < pairs; i++) {
        uint64_t res = ((uint64_t)i * 7919u) % (uint64_t)n + 1;
        memcpy(put + put_x, &(uint32_t){(uint32_t)res}, 4);
        memcpy(nest + nest_x, &(uint32_t){(uint32_t)res}, 4);
        changed += ksm_decide_state(t, &st, KSM_EV_REQUEST, cli, srv, SID_CLIENT, SID_SERVER, calc,
                                    put_m, put, put_len)
                       .verdict;
        changed += ksm_decide_state(t, &st, KSM_EV_REQUEST, cli, srv, SID_CLIENT, SID_SERVER, calc,
                                    nest_m, nest, nest_len)
                       .verdict;
    }
    double change_ns = (now_ns() - t0) / (2.0 * pairs);
    /* Every decision of both loops is a grant: a denial would time another path. */
    if (granted != iters || changed != 2 * pairs) {
        fprintf(stderr, "stateful bench: %d of %d reads, %d of %d changes granted\n", granted,
                iters, changed, 2 * pairs);
        exit(1);
    }
    printf("stateful: rules %6d  objects %6d  read %6.1f ns/decision (%d%% granted)  change "
           "%6.1f ns/decision (%d%% granted)\n",
           n, n, read_ns, (int)(100.0 * granted / iters), change_ns,
           (int)(100.0 * changed / (2.0 * pairs)));
    free(text);
    free(reqs);
}

int main(void)
{
    run(10);
    run(1000);
    run(10000);
    run_stateful(10);
    run_stateful(1000);
    run_stateful(10000);
    return 0;
}
