/*
 * Direct interpretation of the parsed policy, without the table: walks the bindings in order and
 * evaluates conditions on the syntax tree. The differential test checks ksm_decide() against it.
 */
#ifndef PSL_INTERP_H
#define PSL_INTERP_H

#include <stddef.h>

#include "ksm_decide.h"
#include "model.h"

struct ksm_verdict psl_interpret(const struct policy *p, uint32_t event, uint32_t src, uint32_t dst,
                                 uint32_t ep, uint32_t method, const void *msg, size_t len,
                                 const char **field_name);

/* The interpreter's own process state, independent of ksm_state's layout: cur[flow * nsids +
 * sid] is the machine's current state, or -1 for none (psl_istate_new sets all to -1);
 * table[set * nsids + sid] the table of HashSet object `set` the process holds, or -1; a table
 * is pool[set][k]: count -1 when free, else its entries in the order they were added. */
struct psl_itable {
    int count;
    int64_t *entries;
};
/* A StaticMap table: used, its base and working values by key. */
struct psl_imap {
    bool used;
    uint64_t *base, *work;
};
/* A Mic resource with a level: its SID and level (ksm_mic's word layout). */
struct psl_imic_res {
    uint64_t sid, level;
};
/* A resource's state in a Flow, HashSet or StaticMap object kept per resource: its SID and the
 * number that stands for a process's in cur, table or map_table (-1: none, an entry that goes
 * when its event is granted), in the order they came. */
struct psl_ires {
    uint64_t sid;
    int value;
};
struct psl_ireslist {
    struct psl_ires *v; /* the object's key.resources at most */
    int n;
};
struct psl_istate {
    int *cur;
    uint32_t nsids;
    int *table;
    struct psl_itable **pool;
    int *map_table;                /* [map * nsids + sid]: the table held in maps[map], or -1 */
    struct psl_imap **maps;        /* [map][k] */
    uint64_t *mic_level;           /* [mic * nsids + sid]: a subject's level, 0 for none */
    uint64_t *mic_level_r;         /* likewise its levelR */
    struct psl_imic_res **mic_res; /* [mic]: the resources with a level, in creation order */
    int *mic_nres;                 /* [mic]: how many */
    /* [object]: the resources of objects kept per resource (empty for the others) */
    struct psl_ireslist *flow_res, *set_res, *map_res;
};
struct psl_istate psl_istate_new(const struct policy *p, uint32_t nsids);

/* The resource `sid` is gone (ksm_state_drop_resource()'s reference): its Mic levels and its
 * machines and tables in objects kept per resource go, its tables back to their pools. */
void psl_istate_drop_resource(const struct policy *p, struct psl_istate *st, uint64_t sid);

/* psl_interpret() with process state, the reference for ksm_decide_state(): the event's state
 * changes are kept only if it is granted (a copy of the whole state taken before the event is
 * put back otherwise). */
struct ksm_verdict psl_interpret_state(const struct policy *p, struct psl_istate *st,
                                       uint32_t event, uint32_t src, uint32_t dst, uint32_t src_sid,
                                       uint32_t dst_sid, uint32_t ep, uint32_t method,
                                       const void *msg, size_t len, const char **field_name);

#endif
