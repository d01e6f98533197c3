/*
 * The parsed policy: bindings of Base-model rules to security events, audit profiles and PAL
 * tests, as written (parser) and annotated with resolved names and types (resolver).
 */
#ifndef PSL_MODEL_H
#define PSL_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "lexer.h"
#include "typedesc.h"

enum expr_kind {
    E_INT,
    E_BOOL,
    E_STR,
    E_FIELD,
    E_UNARY,
    E_BINARY,
    E_CONTAINS,
    E_MAP_GET,
    E_CALL,  /* a function of the Math, Bool or Pred model that is not an operator (fn) */
    E_QUERY, /* <Flow object>.query {sid : <sid>}: the current state's name; op 1: <Mic
              * object>.query_level {source : <sid> | <resource SID a>}: the level's degree */
    E_REGEX, /* <Regex object>.match {text : a, pattern : "<str>"} (value: the pattern's index;
              * object: the Regex object, NULL for re; fn 1: a case of select) */
    E_CASE,  /* the case a choice takes: the first i with args[i] true, else nargs (integer) */
    E_TUPLE, /* a HashSet entry of a tuple ([a, b]) or dictionary ({ x : a, y : b }) type
              * (args: the components in the type's order; object_id: the HashSet object),
              * packed into one integer as the set's type says (policy_set) */
    E_INDEX  /* a.[b]: element b of the sequence or array field a (an integer, or a string of
              * a sequence of strings); a.[b].<path>: a field of element b of a sequence or
              * array of structs (path, npath; offset its offset in the element, size and sign
              * its). a may itself be an E_INDEX (a sequence in an element, or an element that
              * is a sequence), as deep as the IDL nests: each level one step of the path */
};

/* E_CALL functions; neg, sum, product, all, any and empty are rewritten by the parser into the
 * operators they stand for. */
enum expr_fn {
    FN_ABS,    /* Math abs (a) */
    FN_COND,   /* Bool cond {if : a, then : b, else : c} */
    FN_LENGTH, /* length (a), size (a): bytes of a string field up to its first NUL; elements
                * of a sequence or array field */
    FN_MEMBER, /* member {value : a, of : b}: a is one of the elements of sequence or array b;
                * with `field : <path>` (path, npath), one of its structs' field, which the
                * resolver puts in c (an E_INDEX: offset in the element, size, sign) */
    FN_CAST,   /* Math uint8 (a) .. sint64 (a): a checked to lie in the type of `value` bits,
                * signed when sign is 1 (set by the parser: the result's signedness) */
};
/* TY_SEQ: a sequence or array field of integers, usable only in a.[i], size, length, empty.
 * TY_UNION: a union field, usable only compared with an arm's name (== or !=), which makes it
 * its tag (an unsigned integer, arms set). */
enum expr_type { TY_NONE, TY_INT, TY_BOOL, TY_STR, TY_SEQ, TY_UNION };

/* A field inside a union's arm is in the message only while the union holds that arm: the
 * union's tag (a UInt32 at tag_off, header included) must be arm (KSM_OP_UNION_ARM). */
struct union_guard {
    uint32_t tag_off, arm;
};

/* A StaticMap key as written, resolved at compile time: text ("k") or a List<UInt8> ([1, 2],
 * each element 0 .. 255, the list may be empty). bytes holds len bytes (text: its characters)
 * and a NUL after them; a list's bytes may hold NULs, so len, not strlen, is its length.
 * bytes NULL: no key given. */
struct map_key {
    char *bytes;
    uint32_t len;
    bool list;
};

struct expr {
    enum expr_kind kind;
    struct psl_pos pos;
    enum tok_kind op;   /* E_UNARY: T_MINUS, T_BANG, T_TILDE; E_BINARY: the operator */
    uint64_t value;     /* E_INT, E_BOOL */
    char *str;          /* E_STR: the literal's text */
    struct map_key key; /* E_MAP_GET: the key */
    char **path;        /* E_FIELD: names after "message." */
    int npath;
    struct expr *a, *b, *c; /* c: cond's else */
    struct expr **args;     /* E_CASE: the cases' conditions, in order */
    int nargs, args_cap;
    int fn;     /* E_CALL: enum expr_fn */
    int height; /* of the tree below, bounded by the parser (recursion in later passes) */
    /* resolved */
    enum expr_type type;
    int sign;              /* TY_INT: 1 signed, 0 unsigned, -1 a literal that adapts */
    uint32_t offset, size; /* E_FIELD: byte offset in the message (header included), width;
                            * a string field: its descriptor's offset, size 8 */
    char *field_name;      /* E_FIELD: "message.a.b" */
    /* E_FIELD of TY_SEQ: an array (its elements in the fixed part at offset) or a sequence (its
     * descriptor at offset); count: the array's length, or the sequence's bound; size and sign:
     * of one element */
    bool is_array;
    uint32_t count;
    /* E_FIELD of TY_SEQ: a sequence of these structs (size: one element's, its stride), whose
     * elements are read only by a field (E_INDEX with a path); NULL for integer elements */
    const struct json *elem_struct;
    /* E_FIELD of TY_SEQ: a sequence of strings (size 8: each element a string's descriptor in
     * the arena), whose element a.[i] is a string (TY_STR) */
    bool elem_str;
    /* TY_SEQ (a field, or a sequence in an element: E_INDEX): a sequence or array whose
     * elements are sequences or bytes (size 8: each element a descriptor, relative to the arena
     * start, of its own run) or arrays (size: the array's length times its elements' size, the
     * array in place in each element); elem_kind and elem_type name the element's type as the
     * type description does ("sequence", "sequence<UInt16, 4>"; "array", "array<UInt16, 3>"),
     * and a.[i] is that sequence or array, resolved from them as a field of that type is (its
     * descriptor, or its first element, at offset 0 in element i), so that the levels go as
     * deep as the IDL lets them (IDL_SEQ_NEST_MAX) */
    bool elem_seq;
    char *elem_kind, *elem_type;
    /* E_FIELD message.<handle>.handle (1), .rights (2) or .type (3): offset is the Handle
     * parameter's index into the handle table, whose entry holds the resource's SID (as the
     * kernel shows the monitor) and the rights; the type is in the table of types after the
     * message (KSM_OP_HANDLE); 0 for any other field */
    int handle_part;
    /* E_FIELD through union arms: the unions' tags that must name those arms, outermost first
     * (checked before the field is read) */
    struct union_guard *guards;
    int nguards;
    /* E_FIELD of TY_UNION: the union's type entry; once compared with an arm's name, the union's
     * tag is read (offset, size 4) and arms is its number of arms (0: not a union's tag) */
    const struct json *union_decl;
    uint32_t arms;
    /* E_CONTAINS: <object>.contains {sid : <sid>, entry : a}; E_MAP_GET: <object>.get or
     * .get_uncommitted (op 1) {sid : <sid>, key : "<key>"} (str; value: the key's index) */
    char *object;
    int sid;            /* enum ksm_sid_ref */
    struct expr *sid_e; /* sid KSM_SID_RESOURCE (E_CONTAINS, E_MAP_GET, Flow's E_QUERY): the
                           * resource's SID */
    int object_id;      /* resolved: index in policy sets or maps */
    /* a component of an E_TUPLE whose value the compiler cannot bound: checked against the
     * component's range when decided (KSM_OP_ENTRY_RANGE; resolve.c, entry_component) */
    bool range_check;
};

struct selectors {
    char *v[6]; /* src, dst, endpoint, method, component, interface (NULL: any) */
    struct psl_pos pos[6];
};
enum { SEL_SRC, SEL_DST, SEL_ENDPOINT, SEL_METHOD, SEL_COMPONENT, SEL_INTERFACE, SEL_COUNT };

/* The component= selectors of a section and its parents: each must hold (a section inside
 * `component=A` with `component=B` selects the endpoints of a B inside an A, or of an A
 * inside a B). */
struct component_sel {
    const char *name;
    const struct component_sel *parent;
};

enum item_kind { I_CALL, I_MATCH, I_AUDIT, I_CHOICE };

struct block;

/* A Mic level as written: "<degree>" or { degree : "<degree>" | (), categories : [...] | () };
 * given false for `()`. Resolved against the object's degrees and categories. */
struct mic_level_text {
    bool given;
    struct psl_pos pos;
    char *degree; /* NULL: `degree : ()`, the lowest degree */
    char **cats;
    struct psl_pos *cat_pos;
    int ncats, cats_cap, cat_pos_cap;
};

/*
 * `choice (<Regex object>.select {text : <string field>} | <Flow object>.query {sid : ...}) {
 * "<case>" : <rules> ... [_ : <rules>] }`: e (E_CASE) computes the case the event takes; cases[k]
 * holds the rules of case k (the `_` case last: the one taken when no condition holds).
 */
struct choice {
    struct psl_pos pos;
    struct expr *e;
    struct block *cases;
    char **labels; /* ncases labels; NULL for `_` */
    int ncases, cases_cap, labels_cap;
};

struct item {
    enum item_kind kind;
    struct psl_pos pos;
    int call;              /* I_CALL: enum ksm_call_kind */
    struct expr *e;        /* I_CALL: ASSERT / DENY_IF condition */
    struct block *match;   /* I_MATCH */
    struct choice *choice; /* I_CHOICE */
    char *profile;         /* I_AUDIT */
    /* I_CALL of a model object's rule (call >= KSM_CALL_FLOW_INIT): "obj.method {...}" */
    char *object; /* the object's name */
    struct psl_pos object_pos;
    int sid;            /* enum ksm_sid_ref */
    struct expr *sid_e; /* sid KSM_SID_RESOURCE (Flow, HashSet, StaticMap): the resource's SID,
                          * compiled as the call's code2 */
    char **states;      /* enter: one state; allow: the set */
    struct map_key key; /* StaticMap set: the key (at state_pos[0]) */
    struct psl_pos *state_pos;
    int nstates, states_cap;
    int object_id; /* resolved: index in policy flows or sets */
    /* Mic rules: e is the target resource's SID, e2 the container's (NULL: `()`); sid holds the
     * subject operands (ksm_call.sid); lv[0] is level, lv[1] levelR */
    struct expr *e2;
    struct mic_level_text lv[2];
    /* HashSet add/remove: the entry is the expression e (compiled as the call's code) */
    uint32_t arg; /* resolved: ksm_call.arg */
    /* resolved */
    int loc;           /* index into policy locs (1..) */
    int audit_profile; /* effective profile of this call */
};

/* The effective selection of a binding or match section after merging with its parents. */
struct scope {
    int event;
    int src, dst; /* class index in policy->classes, -1 any */
    const char *endpoint, *method;
    const char *iface;                     /* interface=: the endpoint's interface, or the
                                            * security interface of a security event */
    const struct component_sel *component; /* component=, innermost first; NULL: any */
    bool unreachable;
};

struct block {
    struct selectors sel;
    struct psl_pos pos;
    int nitems, cap;
    struct item *items;
    /* resolved */
    struct scope scope;
};

struct binding {
    int event; /* enum ksm_event */
    struct block body;
};

/* The audit configuration of one security model object at one runtime level, as written:
 * `<object> : { kss : [...], omit : [<states>] (Flow), emit : [<methods>] (Regex) }`. */
struct audit_object {
    char *name;
    struct psl_pos pos;
    uint8_t kss;   /* KSM_AUDIT_GRANTED | KSM_AUDIT_DENIED */
    uint8_t emit;  /* KSM_AUDIT_EMIT_* */
    bool has_emit; /* `emit` written (Regex objects only) */
    struct psl_pos emit_pos;
    char **omit; /* `omit` states (Flow objects only) */
    struct psl_pos *omit_pos;
    int nomit, omit_cap, omit_pos_cap;
    bool has_omit;
    struct psl_pos omit_key_pos;
    /* resolved: the model (0 Flow, 1 HashSet, 2 StaticMap, 3 Mic, 4 Regex: ksm_audit_object_id),
     * the object's index among that model's objects (Regex: among the Regex objects), the omit
     * states as a bit set; model -1 after an error */
    int model, object_id;
    uint32_t omit_mask;
};

struct audit_level {
    int level;
    uint8_t mask; /* KSM_AUDIT_*: the kss of the object `base` (Base rules, the decision) */
    bool has_base;
    struct audit_object *objs; /* objects other than base */
    int nobjs, objs_cap;
};

struct audit_profile {
    char *name;
    struct psl_pos pos;
    int nlevels, cap;
    struct audit_level *levels;
};

struct pal_value {
    char *name; /* NULL for an element of a list */
    struct psl_pos pos;
    bool is_struct;
    bool is_list; /* [v, ...]: a sequence's or array's elements, in sub */
    bool negative;
    uint64_t value;
    char *str; /* a string value ("..."), else NULL */
    int nsub, cap;
    struct pal_value *sub;
};

/* A case's expected decision; a case without one expects "granted" (KasperskyOS's default). */
enum pal_expect {
    PAL_GRANT,
    PAL_DENY,
    PAL_ANY /* any decision passes: the case runs for its state changes and its errors */
};

struct pal_step {
    struct psl_pos pos;
    char *bind; /* x <- execute ... */
    int expect; /* enum pal_expect */
    char *name; /* case name, may be NULL */
    int event;
    struct selectors sel;
    bool has_msg;
    struct pal_value msg; /* is_struct root */
};

struct pal_seq {
    char *name;
    struct psl_pos pos;
    int nsteps, cap;
    struct pal_step *steps;
};

struct pal_assert {
    char *name;
    struct psl_pos pos;
    struct pal_seq setup;
    int nseqs, cap;
    struct pal_seq *seqs;
};

/* How a Flow, HashSet or StaticMap object keys its state: per process (its rules take src_sid or
 * dst_sid) or per resource (they take a resource's SID, `sid : message.<handle>.handle`), never
 * both; resolved from the rules and expressions that name the object. */
struct state_key {
    uint32_t resources; /* config `resources : N`: the resource table's entries (default 256) */
    bool seen;          /* a rule or expression names the object */
    bool per_resource;  /* ... with a resource's SID */
    struct psl_pos pos; /* the first that does */
};

/* A Flow object: `policy object <name> : Flow { type States = ...; config = {...} }`. */
struct policy_flow {
    char *name;
    struct psl_pos pos;
    char **states;
    int nstates, states_cap;
    int initial;           /* index into states */
    uint32_t *transitions; /* nstates masks, parsed with the states */
    struct state_key key;
};

#define PSL_ENTRY_COMPONENTS_MAX 16 /* components of a tuple or dictionary HashSet entry */

/* A HashSet object: `policy object <name> : HashSet { type Entry = <int type>; config =
 * { set_size : N, pool_size : M } }`. */
struct policy_set {
    char *name;
    struct psl_pos pos;
    uint32_t set_size, pool_size;
    struct state_key key;
    bool bool_entries; /* type Entry = Bool: entries are booleans (0 and 1 in the table) */
    /* type Entry = [T, ...] (a tuple) or { f : T, ... } (a dictionary; names: the fields) of
     * integer and Bool components: ncomp > 0, each comp_bits wide (Bool: 1), packed into one
     * 64-bit entry, component 0 in the lowest bits (a signed one offset by 2^(bits - 1), so that
     * it is not negative), so that two entries are equal iff their components are. */
    int ncomp;
    uint8_t comp_bits[PSL_ENTRY_COMPONENTS_MAX];
    bool comp_signed[PSL_ENTRY_COMPONENTS_MAX], comp_bool[PSL_ENTRY_COMPONENTS_MAX];
    char *comp_names[PSL_ENTRY_COMPONENTS_MAX]; /* NULL for a tuple */
};

/* A StaticMap object: `policy object <name> : StaticMap { type Value = <int type>; config =
 * { keys : { "k" : <default>, ... }, pool_size : M } }`, or with List<UInt8> keys
 * (`[1, 2] : <default>`). Its keys have one type (list_keys) and are distinct. */
struct policy_map {
    char *name;
    struct psl_pos pos;
    struct map_key *keys;
    uint64_t *defaults;
    int nkeys, keys_cap, defaults_cap;
    uint32_t pool_size;
    struct state_key key;
    bool list_keys; /* keys : List<UInt8> (else Text) */
};

/* A Mic object: `policy object <name> : Mic { config = ["<degree>", ...] }` or `config = {
 * degrees : [...], categories : [...], resources : N }`; levels: those its rules name, as
 * ksm_mic words, gathered by the resolver. */
struct policy_mic {
    char *name;
    struct psl_pos pos;
    char **degrees;
    int ndegrees, degrees_cap;
    char **categories;
    int ncategories, categories_cap;
    uint32_t resources;
    uint64_t *levels;
    int nlevels, levels_cap;
};

/* An object of a model without state: `policy object <name> : Pred | Bool | Math | Struct |
 * Regex` (nk/basic.psl and nk/regex.psl declare pred, bool, math, struct and re). */
enum xmodel { XM_PRED, XM_BOOL, XM_MATH, XM_STRUCT, XM_REGEX };
struct policy_xobject {
    char *name;
    int model; /* enum xmodel */
};

struct policy_class {
    const struct td_class *td;
    struct psl_pos pos;
};

struct policy {
    const struct typedesc *td;
    bool has_execute;                                              /* execute: kl.core.Execute */
    bool uses_base;                                                /* use nk.base._ */
    bool uses_flow;                                                /* use nk.flow._ */
    bool uses_hashset;                                             /* use nk.hashmap._ */
    bool uses_staticmap;                                           /* use nk.staticmap._ */
    bool uses_mic;                                                 /* use nk.mic._ */
    bool uses_pred, uses_bool, uses_math, uses_struct, uses_regex; /* security model ... */
    int nxobjects, xobjects_cap;
    struct policy_xobject *xobjects; /* objects of the models without state (pred, re, ...) */
    int nregexes, regexes_cap;
    const char **regexes;       /* patterns of match expressions, in order of first use */
    const char **regex_objects; /* nregexes: the Regex object of each (a pattern used by two
                                 * objects is two entries: their audits differ) */
    int regex_objects_cap;
    char **include_dirs;
    int ninclude_dirs;
    char **loaded; /* files already read (each once) */
    int nloaded, loaded_cap;
    int including; /* files being parsed inside one another through 'use <file>._' */
    struct psl_pos first_pos;

    int nclasses, classes_cap;
    struct policy_class *classes; /* `use EDL` order = class ids */
    int nbindings, bindings_cap;
    struct binding *bindings;
    int nprofiles, profiles_cap;
    struct audit_profile *profiles; /* [0] is the built-in empty profile */
    char *default_profile;
    struct psl_pos default_pos;
    int default_level;
    int nasserts, asserts_cap;
    struct pal_assert *asserts;
    int nflows, flows_cap;
    struct policy_flow *flows; /* declaration order = ksm_table flows[] */
    int nsets, sets_cap;
    struct policy_set *sets; /* declaration order = ksm_table sets[] */
    int nmaps, maps_cap;
    struct policy_map *maps; /* declaration order = ksm_table maps[] */
    int nmics, mics_cap;
    struct policy_mic *mics; /* declaration order = ksm_table mics[] */

    /* resolved */
    int default_profile_id;
    int nlocs, locs_cap;
    struct psl_pos *locs; /* [0] unused: "no rule" */
};

/* Parses one PSL file (and, through `use x._`, the files it includes) into p. */
void psl_parse_file(struct policy *p, const char *path);
void psl_parse_text(struct policy *p, const char *file, const char *text);

/* Names and types from the typedesc; returns the error count of the run so far. */
int psl_resolve(struct policy *p);

/* Index of the Flow object `name` in p->flows, or -1. */
int policy_flow_id(const struct policy *p, const char *name);

/* Index of the HashSet object `name` in p->sets, or -1. */
int policy_set_id(const struct policy *p, const char *name);

/* Index of the StaticMap object `name` in p->maps, or -1; of key `key` in m, or -1. */
int policy_map_id(const struct policy *p, const char *name);
int policy_map_key(const struct policy_map *m, const struct map_key *key);
/* A key as a policy writes it, for diagnostics: "k" or [1, 2]. */
char *map_key_text(const struct map_key *key);

/* Index of the Mic object `name` in p->mics, or -1; of degree or category `name` in m, or -1. */
int policy_mic_id(const struct policy *p, const char *name);
int policy_mic_degree(const struct policy_mic *m, const char *name);
int policy_mic_category(const struct policy_mic *m, const char *name);

/* The index of Regex object `name` among the policy's Regex objects, or -1. */
int policy_regex_object(const struct policy *p, const char *name);

/* The model (enum xmodel) of the object `name` of a model without state, or -1. */
int policy_xobject_model(const struct policy *p, const char *name);

/* Index of state `name` of Flow object f, or -1. */
int policy_flow_state(const struct policy_flow *f, const char *name);

/* Class index in p->classes, or -1. */
int policy_class_id(const struct policy *p, const char *name);

extern const char *const psl_event_names[5];

#endif
