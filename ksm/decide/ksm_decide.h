/*
 * The decision function: grant or deny one security event from a compiled table.
 *
 * Pure and freestanding (no libc, no allocation, no globals): the KSM process calls it for every
 * event the kernel hands over, and host tests call the very same code. Fail closed: anything it
 * cannot decide (unknown class, endpoint or method, a field past the end of the message, an
 * arithmetic fault, a malformed table) is a denial with a named reason.
 */
#ifndef KSM_DECIDE_H
#define KSM_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "ksm_table.h"

#define KSM_SECURITY_ENDPOINT \
    0xFFFFFFFFu /* endpoint_id of security events: the class's security interface */

enum ksm_verdict_kind { KSM_DENIED = 0, KSM_GRANTED = 1 };

enum ksm_reason {
    KSM_R_RULE = 0,        /* decided by the rules (granted, or a rule denied) */
    KSM_R_DEFAULT_DENY,    /* no rule applies to the event */
    KSM_R_FIELD_BOUNDS,    /* a message field lies past the end of the message */
    KSM_R_DIV_ZERO,        /* division by zero in a condition */
    KSM_R_OVERFLOW,        /* arithmetic overflow in a condition */
    KSM_R_BAD_EVENT,       /* event number out of range */
    KSM_R_BAD_CLASS,       /* source or destination class id out of range */
    KSM_R_BAD_ENDPOINT,    /* endpoint id not in the server's class */
    KSM_R_BAD_METHOD,      /* method id not in the endpoint's interface */
    KSM_R_BAD_TABLE,       /* the table breaks its own invariants */
    KSM_R_NO_ERROR_PARAMS, /* an error answer with a body to a method that declares no error
                            * parameters (only the bare header may answer such a method) */
    KSM_R_NO_STATE,        /* a stateful rule without process state: no state store,
                            * or the process's SID is unknown or past the store */
    KSM_R_UNION_ARM,       /* a union holds another arm than the one a field is read from, or
                            * its tag names none of its arms */
    KSM_R_ENTRY_RANGE,     /* a computed component of a HashSet tuple or dictionary entry lies
                            * outside its component's type (KSM_OP_ENTRY_RANGE) */
    KSM_R_COUNT
};

struct ksm_verdict {
    uint8_t verdict; /* enum ksm_verdict_kind */
    uint8_t audit;   /* 1: write an audit record (every denial; grants the profile asks for) */
    uint16_t reason; /* enum ksm_reason */
    uint32_t rule;   /* locs[] index of the deciding rule (0: none) */
    uint32_t field;  /* KSM_R_FIELD_BOUNDS, KSM_R_UNION_ARM: fields[] index of the field */
    uint32_t slot;   /* slot_names[] index of the event's method (audit records), or UINT32_MAX */
};

struct ksm_verdict ksm_decide(const struct ksm_table *t, uint32_t event, uint32_t src_class,
                              uint32_t dst_class, uint32_t endpoint_id, uint32_t method_id,
                              const void *msg, size_t len);

#define KSM_SID_NONE 0xFFFFFFFFu /* no process (a class named without one) */
/* The kernel (SID 0): a Mic subject at the top level, without state of the other models. */
#define KSM_SID_KERNEL 0xFFFFFFFEu

/*
 * The state of a policy's stateful objects, per process: for Flow object o and the process
 * with SID s, flow[s * nflows + o] is 0 (no machine) or 1 + its current state; for HashSet
 * object o, set_of[s * nsets + o] is 0 (no table) or 1 + the table of o's pool it holds, whose
 * words are in set_words (ksm_hashset); StaticMap objects likewise in map_of and map_words;
 * Mic objects keep two words per process (mic_subj: level, levelR) and resources' levels in
 * per-object resource tables keyed by SID (res, ksm_table.h); a Flow, HashSet or StaticMap
 * object with `resources` keeps its machines or tables' numbers there too. Finding a process's
 * machine or table is one multiplication, whatever the number of processes, a resource's one
 * hash probe while its table is not nearly full; an entry is looked for among the set_size
 * entries of its table; init looks for a free table of the pool. The caller owns the storage
 * (zeroed at start; nsids * nflows bytes, nsids * nsets and table->nset_words words): the KSM
 * static arrays, PAL and tests their own. Not locked: a caller deciding on several threads
 * serialises stateful decisions itself.
 */
struct ksm_state {
    uint8_t *flow;
    uint32_t nsids;
    uint32_t *set_of;
    uint64_t *set_words;
    uint32_t *map_of;    /* StaticMap, as set_of: nsids * nmaps */
    uint64_t *map_words; /* table->nmap_words */
    uint64_t *mic_subj;  /* Mic: [(sid * nmics + o) * 2] the level, [+ 1] levelR (0: none) */
    uint64_t *res;       /* table->nres_words: the resource tables of every model */
};

/*
 * ksm_decide() with process state: src_sid and dst_sid are the processes of the event (for an
 * execute event, dst_sid is the process being started), KSM_SID_NONE when there is none. The
 * event's state changes are atomic: they take effect only if the whole event is granted; a
 * denial (by any rule, after any change) restores the state as it was. A stateful rule with
 * st NULL, or a SID past st->nsids, denies (KSM_R_NO_STATE). A table without stateful objects
 * decides exactly as ksm_decide() does.
 */
struct ksm_verdict ksm_decide_state(const struct ksm_table *t, struct ksm_state *st, uint32_t event,
                                    uint32_t src_class, uint32_t dst_class, uint32_t src_sid,
                                    uint32_t dst_sid, uint32_t endpoint_id, uint32_t method_id,
                                    const void *msg, size_t len);

/*
 * The audit of model objects' methods (ksm_table.h: struct ksm_obj_audit): one record per call of
 * a Flow, HashSet, StaticMap or Mic rule, or evaluation of an expression of those models or of
 * Regex, that the profile of the call it belongs to asks for at the table's runtime level. A
 * decision stops at the first rule that denies: the methods after it are not called and have no
 * record.
 */
enum ksm_audit_expr {
    /* rules are enum ksm_call_kind; expressions: */
    KSM_AX_FLOW_QUERY = 64,
    KSM_AX_SET_CONTAINS,
    KSM_AX_MAP_GET,
    KSM_AX_MAP_GET_UNCOMMITTED,
    KSM_AX_MIC_QUERY_LEVEL,
    KSM_AX_REGEX_MATCH,
    KSM_AX_REGEX_SELECT
};
struct ksm_audit_rec {
    uint8_t method;  /* enum ksm_call_kind (a rule) or enum ksm_audit_expr */
    uint8_t granted; /* a rule: its result; an expression: 1 it ran (a is its value), 0 it could
                      * not (no machine, table or level: the event is denied) */
    uint16_t reserved;
    uint32_t object; /* index into flows[], sets[], maps[], mics[]; Regex: into regexes[] */
    uint32_t loc;    /* locs[] index of the rule the method is part of */
    uint32_t reserved2;
    /* Flow rules: a the state before (0: no machine, else 1 + state), b after (enter: the state
     * asked for, 1 + state; allow: the set of states); HashSet add, remove: a the entry;
     * StaticMap set: a the key, b the value; Mic rules on a resource: a its SID; expressions:
     * a their value (Flow query, Mic query_level: the state or degree), b the key (get) or the
     * entry (contains) */
    uint64_t a, b;
};
#define KSM_AUDIT_RECS_MAX 8u
struct ksm_audit_log {
    uint32_t n;       /* records in rec[] */
    uint32_t dropped; /* records past KSM_AUDIT_RECS_MAX, not kept */
    struct ksm_audit_rec rec[KSM_AUDIT_RECS_MAX];
};

/* ksm_decide_state() that also fills *log (n 0 when the table audits no model object; log NULL:
 * exactly ksm_decide_state). */
struct ksm_verdict ksm_decide_audit(const struct ksm_table *t, struct ksm_state *st,
                                    struct ksm_audit_log *log, uint32_t event, uint32_t src_class,
                                    uint32_t dst_class, uint32_t src_sid, uint32_t dst_sid,
                                    uint32_t endpoint_id, uint32_t method_id, const void *msg,
                                    size_t len);

/* The process `sid` ended: its machines and tables in every object are removed (a later init
 * for a new process with the same SID starts afresh; its tables go back to their pools). */
void ksm_state_drop(const struct ksm_table *t, struct ksm_state *st, uint32_t sid);

/* The resource with SID `sid` (the kernel's numbering, not a slot) is gone: its Mic levels, and
 * the machines and tables of Flow, HashSet and StaticMap objects kept per resource, are removed
 * in every object (tables back to their pools). The KSM calls it with the SID of each process
 * that ends: the kernel reports no other resource's end. */
void ksm_state_drop_resource(const struct ksm_table *t, struct ksm_state *st, uint32_t sid);

/* 1 if the event `event` of the cell (peer, slot) is granted whatever its message and logs
 * nothing: at least one rule applies and every rule that applies is a plain grant () with no
 * audit of grants. 0 otherwise, also for bad ids. The answers (response, error) to a request
 * share its peer (the client) and slot (the server's method), so the KSM asks this with the
 * request's verdict.slot to tell the kernel it need not ask about them (ksm/monitor/). */
int ksm_grants_unconditionally(const struct ksm_table *t, uint32_t event, uint32_t peer,
                               uint32_t slot);

/* The class id of an EDL class name ("kl.core.Core"), or UINT32_MAX if the policy does not use
 * it (the KSM then denies everything that process does). Linear in the classes: call it once
 * per process, not per request. */
uint32_t ksm_class_id(const struct ksm_table *t, const char *name);

/* "default-deny", "field-out-of-bounds", ... (never NULL). */
const char *ksm_reason_name(uint32_t reason);

#endif
