/*
 * ksm_decide(): direct-indexed lookup of the event's cell, then the Base-model rules of that cell
 * in policy order. The verdict is "granted" only if at least one rule applies and every applying
 * rule grants; the first rule that denies decides (and is named in the verdict).
 *
 * Freestanding: no libc, no recursion, bounded work per rule (code_len instructions, forward
 * jumps only), every table index checked before use so that a corrupt table denies instead of
 * reading wild memory.
 */
#include "ksm_decide.h"

static const char *const reason_names[KSM_R_COUNT] = {
    [KSM_R_RULE] = "rule",
    [KSM_R_DEFAULT_DENY] = "default-deny",
    [KSM_R_FIELD_BOUNDS] = "field-out-of-bounds",
    [KSM_R_UNION_ARM] = "union-arm",
    [KSM_R_DIV_ZERO] = "division-by-zero",
    [KSM_R_OVERFLOW] = "arithmetic-overflow",
    [KSM_R_BAD_EVENT] = "unknown-event",
    [KSM_R_BAD_CLASS] = "unknown-class",
    [KSM_R_BAD_ENDPOINT] = "unknown-endpoint",
    [KSM_R_BAD_METHOD] = "unknown-method",
    [KSM_R_BAD_TABLE] = "malformed-table",
    [KSM_R_NO_ERROR_PARAMS] = "error-without-error-parameters",
    [KSM_R_NO_STATE] = "no-process-state",
    [KSM_R_ENTRY_RANGE] = "entry-out-of-range",
};

const char *ksm_reason_name(uint32_t reason)
{
    return reason < KSM_R_COUNT ? reason_names[reason] : "unknown-reason";
}

static struct ksm_verdict deny(uint32_t reason, uint32_t rule)
{
    struct ksm_verdict v = {KSM_DENIED, 1, (uint16_t)reason, rule, 0, UINT32_MAX};
    return v;
}

uint32_t ksm_class_id(const struct ksm_table *t, const char *name)
{
    if (!t || t->magic != KSM_TABLE_MAGIC || !name)
        return UINT32_MAX;
    for (uint32_t c = 0; c < t->nclasses; c++) {
        const char *a = t->classes[c].name, *b = name;
        while (*a && *a == *b) {
            a++;
            b++;
        }
        if (*a == 0 && *b == 0)
            return c;
    }
    return UINT32_MAX;
}

/* Little-endian load of size bytes at off; the caller checked off + size <= len. */
static uint64_t load(const uint8_t *m, uint32_t off, uint32_t size, int is_signed)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < size; i++)
        v |= (uint64_t)m[off + i] << (8 * i);
    if (is_signed && size < 8 && (v >> (8 * size - 1)) & 1)
        v |= ~(uint64_t)0 << (8 * size);
    return v;
}

/*
 * The length of the message itself in the monitor's copy: len without the handles' types that
 * the kernel puts after a message between processes (one byte per handle, padded to 8: present
 * when len is exactly that much more than the header's sizes add up to; KSM_OP_HANDLE reads
 * them). Everything else is read within this length, so no descriptor reaches the types and the
 * monitor decides on the bytes the receiver gets.
 */
static size_t body_len(const uint8_t *m, size_t len)
{
    if (len < KSM_HEADER_SIZE)
        return len;
    uint64_t handles = load(m, 16, 2, 0);
    uint64_t end =
        KSM_HEADER_SIZE + ((load(m, 8, 4, 0) + 7) & ~(uint64_t)7) + 8 * handles + load(m, 12, 4, 0);
    return handles != 0 && len == end + ((handles + 7) & ~(uint64_t)7) ? (size_t)end : len;
}

/* The byte offset a popped offset (an element's, or a descriptor's from KSM_OP_SEQ_STR) plus a
 * static one names: an offset past the message stays past it (no wrap-around), and the reader
 * checks its bytes against len. */
static uint32_t past(uint64_t popped, uint32_t arg, size_t len)
{
    uint64_t at = (uint64_t)arg + popped;
    return at > len || at > UINT32_MAX ? UINT32_MAX : (uint32_t)at;
}

/*
 * The string whose descriptor {UInt32 offset; UInt32 count} is at byte off of the message: *s and
 * *n, its bytes up to the first NUL, which is what the server (a C reader) sees, so that
 * "IA32_LSTAR\0x" cannot pass a rule about "IA32_LSTAR" off as another name. The arena starts
 * after the header, the fixed part rounded up to 8 and the handle table
 * (docs/message-format.md); count includes the terminating NUL, 0 is the empty string.
 * Returns 0, or -1 when the descriptor or the string lies outside the message.
 */
static int str_at(const uint8_t *m, size_t len, uint32_t off, const uint8_t **s, uint64_t *n)
{
    if ((uint64_t)off + 8 > len || len < KSM_HEADER_SIZE)
        return -1;
    uint64_t fixed = load(m, 8, 4, 0), handles = load(m, 16, 2, 0);
    uint64_t arena = KSM_HEADER_SIZE + ((fixed + 7) & ~(uint64_t)7) + 8 * handles;
    uint64_t soff = load(m, off, 4, 0), count = load(m, off + 4, 4, 0);
    *s = m;
    *n = 0;
    if (count == 0)
        return 0;
    if (arena + soff + count > len)
        return -1;
    *s = m + arena + soff;
    while (*n < count && (*s)[*n] != 0)
        (*n)++;
    return 0;
}

/*
 * The sequence whose descriptor is at byte off of the message, of elements esize bytes: *base
 * (the message offset of its first element) and *count. Returns 0, or -1 when the descriptor or
 * the elements lie outside the message.
 */
static int seq_at(const uint8_t *m, size_t len, uint32_t off, uint32_t esize, uint64_t *base,
                  uint64_t *count)
{
    if ((uint64_t)off + 8 > len || len < KSM_HEADER_SIZE)
        return -1;
    uint64_t fixed = load(m, 8, 4, 0), handles = load(m, 16, 2, 0);
    uint64_t arena = KSM_HEADER_SIZE + ((fixed + 7) & ~(uint64_t)7) + 8 * handles;
    *base = arena + load(m, off, 4, 0);
    *count = load(m, off + 4, 4, 0);
    return *count == 0 || *base + *count * esize <= len ? 0 : -1;
}

/* Three-way comparison of two byte strings, unsigned bytes, the shorter first on a tie. */
static int str_order(const uint8_t *a, uint64_t na, const uint8_t *b, uint64_t nb)
{
    for (uint64_t i = 0; i < na && i < nb; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return na < nb ? -1 : na > nb ? 1 : 0;
}

static uint64_t cstr_len(const char *s)
{
    uint64_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* KSM_OP_STR_EQ: 1 or 0 as the field's text equals lit; -1 when it lies outside the message. */
static int str_eq(const uint8_t *m, size_t len, uint32_t off, const char *lit)
{
    const uint8_t *s;
    uint64_t n;
    if (str_at(m, len, off, &s, &n) < 0)
        return -1;
    return str_order(s, n, (const uint8_t *)lit, cstr_len(lit)) == 0;
}

/* One change of the state during a decision, to undo if the event is denied. */
enum undo_kind {
    UNDO_FLOW,
    UNDO_SET_OF,
    UNDO_SET_WORD,
    UNDO_MAP_OF,
    UNDO_MAP_WORD,
    UNDO_MIC_SUBJ,
    UNDO_RES
};
struct undo {
    uint32_t kind; /* enum undo_kind */
    uint32_t at;
    uint64_t old;
};
#define UNDO_MAX KSM_STATE_CHANGES_MAX

/* A resource whose state a granted event may have removed (a fini): its entry goes from its
 * resource table once the event is granted (ksm_decide_state), not at once, so that the undo
 * log stays one write per change. */
struct res_gone {
    uint32_t base, capacity, sid;
};

/* The state one decision works on: the store, the event's processes, its undo log. */
struct sctx {
    const struct ksm_table *t;
    struct ksm_state *st;
    uint32_t sid[2]; /* enum ksm_sid_ref */
    struct undo undo[UNDO_MAX];
    uint32_t nundo;
    struct res_gone gone[UNDO_MAX]; /* each follows a change: at most UNDO_MAX */
    uint32_t ngone;
    /* The choices computed so far in this decision and the case each took. */
    uint32_t chosen_id[KSM_CHOICES_MAX];
    uint64_t chosen_arm[KSM_CHOICES_MAX];
    uint32_t nchosen;
    /* The audit of model objects' methods: NULL when the caller wants none or the table has
     * none; the profile and location of the call being decided; a Flow rule's state before. */
    struct ksm_audit_log *log;
    uint32_t profile, loc;
    uint64_t flow_from;
};

/*
 * Logs one method of a model object (model: 0 Flow, 1 HashSet, 2 StaticMap, 3 Mic, 4 Regex) if
 * the profile of the call being decided asks for it: kss for its result (an expression that ran
 * as granted), emit for a Regex expression, no record while a Flow machine is in an omitted state
 * (flow_state: 1 + the state before the call, 0 none).
 */
static void audit_method(struct sctx *x, uint32_t model, uint32_t object, uint32_t method,
                         int granted, uint64_t a, uint64_t b, uint64_t flow_state)
{
    const struct ksm_table *t = x->t;
    uint32_t regex_object = object;
    if (model == 4) {
        if (!t->regex_object || object >= t->nregexes)
            return;
        regex_object = t->regex_object[object];
    }
    uint32_t o = ksm_audit_object_id(t, model, regex_object);
    if (x->profile >= t->nprofiles || t->audit_level >= t->nlevels || o >= t->naudit_objects)
        return;
    const struct ksm_obj_audit *oa =
        &t->obj_audit[((uint64_t)x->profile * t->nlevels + t->audit_level) * t->naudit_objects + o];
    uint32_t want =
        model == 4 ? (method == KSM_AX_REGEX_SELECT ? KSM_AUDIT_EMIT_SELECT : KSM_AUDIT_EMIT_MATCH)
        : granted  ? KSM_AUDIT_GRANTED
                   : KSM_AUDIT_DENIED;
    if (!(oa->mask & want))
        return;
    if (model == 0 && flow_state != 0 && flow_state <= 32 && ((oa->omit >> (flow_state - 1)) & 1))
        return;
    if (x->log->n >= KSM_AUDIT_RECS_MAX) {
        x->log->dropped++;
        return;
    }
    x->log->rec[x->log->n++] = (struct ksm_audit_rec){
        (uint8_t)method, (uint8_t)(granted != 0), 0, object, x->loc, 0, a, b};
}

static void put(struct sctx *x, uint32_t kind, uint32_t at, uint64_t v)
{
    if (kind == UNDO_FLOW)
        x->st->flow[at] = (uint8_t)v;
    else if (kind == UNDO_SET_OF)
        x->st->set_of[at] = (uint32_t)v;
    else if (kind == UNDO_SET_WORD)
        x->st->set_words[at] = v;
    else if (kind == UNDO_MAP_OF)
        x->st->map_of[at] = (uint32_t)v;
    else if (kind == UNDO_MIC_SUBJ)
        x->st->mic_subj[at] = v;
    else if (kind == UNDO_RES)
        x->st->res[at] = v;
    else
        x->st->map_words[at] = v;
}

static inline uint64_t get(const struct sctx *x, uint32_t kind, uint32_t at)
{
    return kind == UNDO_FLOW       ? x->st->flow[at]
           : kind == UNDO_SET_OF   ? x->st->set_of[at]
           : kind == UNDO_MAP_OF   ? x->st->map_of[at]
           : kind == UNDO_MAP_WORD ? x->st->map_words[at]
           : kind == UNDO_MIC_SUBJ ? x->st->mic_subj[at]
           : kind == UNDO_RES      ? x->st->res[at]
                                   : x->st->set_words[at];
}

/* Sets one state value, logging the old one; false if the log is full (a malformed table). */
static int change(struct sctx *x, uint32_t kind, uint32_t at, uint64_t v)
{
    if (x->nundo >= UNDO_MAX)
        return 0;
    uint64_t old = get(x, kind, at);
    x->undo[x->nundo++] = (struct undo){kind, at, old};
    put(x, kind, at, v);
    return 1;
}

/* A denial after state changes: restores the state, newest change first. */
static void roll_back(struct sctx *x)
{
    while (x->nundo > 0) {
        const struct undo *u = &x->undo[--x->nundo];
        put(x, u->kind, u->at, u->old);
    }
}

static uint32_t res_home(uint32_t sid, uint32_t capacity)
{
    return (uint32_t)(sid * 2654435761u) % capacity;
}

/* Is a resource table of `capacity` entries at `base` inside the table's res words? */
static int res_fits(const struct ksm_table *t, uint32_t base, uint32_t capacity)
{
    return capacity != 0 && capacity <= KSM_RESOURCES_MAX && base <= t->nres_words &&
           2u * (uint64_t)capacity <= t->nres_words - base;
}

/*
 * The entry of the resource `sid` in the resource table at base (ksm_table.h): *at, the first
 * word of its entry (*found 1), or of the free entry where it would go (*found 0), or
 * UINT32_MAX when it has none and the table is full. A value that is not a SID (past 32 bits)
 * is out of range, and no store is no state: KSM_R_NO_STATE. The caller checked res_fits().
 */
static uint32_t res_lookup(const struct ksm_state *st, uint32_t base, uint32_t capacity,
                           uint64_t sid, uint32_t *at, int *found)
{
    *found = 0;
    *at = UINT32_MAX;
    if (!st || !st->res || sid > 0xffffffffu)
        return KSM_R_NO_STATE;
    uint32_t h = res_home((uint32_t)sid, capacity);
    for (uint32_t i = 0; i < capacity; i++) {
        uint32_t w = base + 2u * ((h + i) % capacity);
        if (st->res[w] == sid + 1) {
            *at = w;
            *found = 1;
            return KSM_R_RULE;
        }
        if (st->res[w] == 0) {
            *at = w;
            return KSM_R_RULE;
        }
    }
    return KSM_R_RULE;
}

/* Removes the entry at word `at` of the resource table at base. Backward shift: later entries
 * of the run move into the hole unless their home lies cyclically in (hole, j], so that every
 * lookup still finds its SID (no tombstones: a table never fills with dead entries). */
static void res_remove(uint64_t *w, uint32_t base, uint32_t cap, uint32_t at)
{
    uint32_t hole = (at - base) / 2u;
    for (uint32_t j = (hole + 1) % cap, n = 1; n < cap && w[base + 2u * j] != 0;
         j = (j + 1) % cap, n++) {
        uint32_t home = res_home((uint32_t)(w[base + 2u * j] - 1u), cap);
        int stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            w[base + 2u * hole] = w[base + 2u * j];
            w[base + 2u * hole + 1] = w[base + 2u * j + 1];
            hole = j;
        }
    }
    w[base + 2u * hole] = 0;
    w[base + 2u * hole + 1] = 0;
}

/*
 * Where the state of a Flow, HashSet or StaticMap object lives for one call: a per-process word
 * (flow, set_of or map_of at sid * nobjects + object) or the value word of a resource's entry
 * in the object's resource table. value is 0 when there is none (no machine, no table).
 */
struct holder {
    uint32_t kind;   /* enum undo_kind: UNDO_FLOW, UNDO_SET_OF, UNDO_MAP_OF or UNDO_RES */
    uint32_t at;     /* the value's index (UINT32_MAX: a resource table full without it) */
    uint64_t value;  /* 0: none */
    uint32_t key_at; /* a resource without an entry: where its key goes; else UINT32_MAX */
    uint32_t base, capacity, sid; /* UNDO_RES: its table and SID */
};

/*
 * The holder of object `object` (of nobjects, per-process words of kind `kind`) for the process
 * sid_ref names, or for the resource rsid when sid_ref is KSM_SID_RESOURCE (the object then has
 * a resource table of `resources` entries at res_base). The caller checked that the per-process
 * words (kind) exist when sid_ref names a process; they exist for every object, so a process
 * rule on an object kept per resource (a malformed table) reads only words that are never used.
 * Inlined: the per-process path costs what it did before resource tables (one multiplication,
 * one load).
 */
static inline __attribute__((always_inline)) uint32_t
holder_find(struct sctx *x, uint32_t kind, uint32_t nobjects, uint32_t object, uint32_t sid_ref,
            uint64_t rsid, uint32_t resources, uint32_t res_base, struct holder *h)
{
    if (sid_ref == KSM_SID_RESOURCE) {
        uint32_t at;
        int found;
        if (!res_fits(x->t, res_base, resources))
            return KSM_R_BAD_TABLE;
        uint32_t r = res_lookup(x->st, res_base, resources, rsid, &at, &found);
        if (r != KSM_R_RULE)
            return r;
        *h = (struct holder){UNDO_RES,
                             at == UINT32_MAX ? UINT32_MAX : at + 1,
                             found ? x->st->res[at + 1] : 0,
                             found ? UINT32_MAX : at,
                             res_base,
                             resources,
                             (uint32_t)rsid};
        return KSM_R_RULE;
    }
    if (sid_ref > KSM_SID_DST)
        return KSM_R_BAD_TABLE;
    uint32_t sid = x->sid[sid_ref];
    if (!x->st || sid >= x->st->nsids)
        return KSM_R_NO_STATE;
    h->kind = kind;
    h->at = sid * nobjects + object;
    h->value = get(x, kind, h->at);
    h->key_at = UINT32_MAX;
    return KSM_R_RULE;
}

/* Sets the holder's value (h->at is not UINT32_MAX), first the resource's key when it has no
 * entry yet; a resource whose value becomes 0 loses its entry if the event is granted. False if
 * the undo log is full. */
static int holder_set(struct sctx *x, struct holder *h, uint64_t v)
{
    if (h->kind == UNDO_RES && h->key_at != UINT32_MAX) {
        if (!change(x, UNDO_RES, h->key_at, (uint64_t)h->sid + 1))
            return 0;
        h->key_at = UINT32_MAX;
    }
    if (h->kind == UNDO_RES && v == 0) {
        if (x->ngone >= UNDO_MAX)
            return 0;
        x->gone[x->ngone++] = (struct res_gone){h->base, h->capacity, h->sid};
    }
    h->value = v;
    return change(x, h->kind, h->at, v);
}

/* A granted event: the resources it left without state lose their entries. */
static void res_commit(struct sctx *x)
{
    for (uint32_t i = 0; i < x->ngone; i++) {
        const struct res_gone *g = &x->gone[i];
        uint32_t at;
        int found;
        if (res_lookup(x->st, g->base, g->capacity, g->sid, &at, &found) == KSM_R_RULE && found &&
            x->st->res[at + 1] == 0)
            res_remove(x->st->res, g->base, g->capacity, at);
    }
}

/*
 * The HashSet object `object` for the process sid_ref (or the resource rsid): *hs, *h (where
 * its table's number lives) and *tab (the first word of its table, UINT32_MAX when it holds
 * none). KSM_R_RULE, or why not.
 */
static uint32_t set_find(struct sctx *x, uint32_t object, uint32_t sid_ref, uint64_t rsid,
                         const struct ksm_hashset **hs, struct holder *hd, uint32_t *tab)
{
    const struct ksm_table *t = x->t;
    if (object >= t->nsets)
        return KSM_R_BAD_TABLE;
    const struct ksm_hashset *h = &t->sets[object];
    uint64_t words = (uint64_t)h->pool_size * (1u + (uint64_t)h->set_size);
    if (h->set_size == 0 || h->set_size > KSM_SET_SIZE_MAX || h->pool_size == 0 ||
        h->pool_size > KSM_SET_POOL_MAX || h->base > t->nset_words ||
        words > t->nset_words - h->base)
        return KSM_R_BAD_TABLE;
    if (!x->st || !x->st->set_words || (sid_ref != KSM_SID_RESOURCE && !x->st->set_of))
        return KSM_R_NO_STATE;
    uint32_t r =
        holder_find(x, UNDO_SET_OF, t->nsets, object, sid_ref, rsid, h->resources, h->res_base, hd);
    if (r != KSM_R_RULE)
        return r;
    *hs = h;
    uint64_t k = hd->value;
    if (k > h->pool_size)
        return KSM_R_BAD_TABLE;
    *tab = k == 0 ? UINT32_MAX : h->base + ((uint32_t)k - 1) * (1u + h->set_size);
    if (k != 0 && (x->st->set_words[*tab] == 0 || x->st->set_words[*tab] > 1u + h->set_size))
        return KSM_R_BAD_TABLE;
    return KSM_R_RULE;
}

/*
 * The StaticMap object `object` for the process sid_ref (or the resource rsid): *m, *hd (where
 * its table's number lives) and *tab (the first word of its table, UINT32_MAX when it holds
 * none). KSM_R_RULE, or why not.
 */
static uint32_t map_find(struct sctx *x, uint32_t object, uint32_t sid_ref, uint64_t rsid,
                         const struct ksm_staticmap **m, struct holder *hd, uint32_t *tab)
{
    const struct ksm_table *t = x->t;
    if (object >= t->nmaps)
        return KSM_R_BAD_TABLE;
    const struct ksm_staticmap *h = &t->maps[object];
    uint64_t words = (uint64_t)h->pool_size * (1u + 2u * (uint64_t)h->nkeys);
    if (h->nkeys == 0 || h->nkeys > KSM_MAP_KEYS_MAX || h->pool_size == 0 ||
        h->pool_size > KSM_SET_POOL_MAX || h->base > t->nmap_words ||
        words > t->nmap_words - h->base)
        return KSM_R_BAD_TABLE;
    if (!x->st || !x->st->map_words || (sid_ref != KSM_SID_RESOURCE && !x->st->map_of))
        return KSM_R_NO_STATE;
    uint32_t r =
        holder_find(x, UNDO_MAP_OF, t->nmaps, object, sid_ref, rsid, h->resources, h->res_base, hd);
    if (r != KSM_R_RULE)
        return r;
    *m = h;
    uint64_t k = hd->value;
    if (k > h->pool_size)
        return KSM_R_BAD_TABLE;
    *tab = k == 0 ? UINT32_MAX : h->base + ((uint32_t)k - 1) * (1u + 2u * h->nkeys);
    if (k != 0 && x->st->map_words[*tab] != 1)
        return KSM_R_BAD_TABLE;
    return KSM_R_RULE;
}

/* The Flow object `object` for the process sid_ref (or the resource rsid): *hd, whose value is
 * 0 (no machine) or 1 + the machine's current state. */
static inline __attribute__((always_inline)) uint32_t
flow_find(struct sctx *x, uint32_t object, uint32_t sid_ref, uint64_t rsid, struct holder *hd)
{
    const struct ksm_table *t = x->t; /* the caller checked object < nflows */
    if (!x->st || (sid_ref != KSM_SID_RESOURCE && !x->st->flow))
        return KSM_R_NO_STATE;
    const struct ksm_flow *f = &t->flows[object];
    return holder_find(x, UNDO_FLOW, t->nflows, object, sid_ref, rsid, f->resources, f->res_base,
                       hd);
}

/* Mic: a <= b in the order of integrity levels (ksm_table.h); both assigned (non-zero). */
static int mic_le(uint64_t a, uint64_t b)
{
    return (a >> 32) <= (b >> 32) && ((uint32_t)a & ~(uint32_t)b) == 0;
}

/* a < b: a <= b and a != b (b "exceeds" a). */
static int mic_lt(uint64_t a, uint64_t b)
{
    return a != b && mic_le(a, b);
}

/* The greatest level below both a and b (the lower degree, the common categories). */
static uint64_t mic_meet(uint64_t a, uint64_t b)
{
    uint64_t d = (a >> 32) < (b >> 32) ? a >> 32 : b >> 32;
    return d << 32 | ((uint32_t)a & (uint32_t)b);
}

static uint32_t mic_all_categories(const struct ksm_mic *m)
{
    return m->ncategories >= 32u ? 0xffffffffu : (1u << m->ncategories) - 1u;
}

/* The kernel's level and levelR: the highest degree with every category. */
static uint64_t mic_top(const struct ksm_mic *m)
{
    return (uint64_t)m->ndegrees << 32 | mic_all_categories(m);
}

/* Mic object `object`, checked: *m, or why not. */
static uint32_t mic_object(const struct ksm_table *t, uint32_t object, const struct ksm_mic **m)
{
    if (object >= t->nmics || !t->mics)
        return KSM_R_BAD_TABLE;
    const struct ksm_mic *o = &t->mics[object];
    if (o->ndegrees == 0 || o->ndegrees > KSM_MIC_DEGREES_MAX ||
        o->ncategories > KSM_MIC_CATEGORIES_MAX || !res_fits(t, o->base, o->capacity) ||
        o->nlevels > KSM_MIC_LEVELS_MAX)
        return KSM_R_BAD_TABLE;
    *m = o;
    return KSM_R_RULE;
}

/* A level the rules name: idx1 is 1 + its index (0: none, *out 0), checked to be a level of m. */
static uint32_t mic_level_arg(const struct ksm_mic *m, uint32_t idx1, uint64_t *out)
{
    *out = 0;
    if (idx1 == 0)
        return KSM_R_RULE;
    if (idx1 > m->nlevels || !m->levels)
        return KSM_R_BAD_TABLE;
    uint64_t l = m->levels[idx1 - 1];
    if ((l >> 32) == 0 || (l >> 32) > m->ndegrees || ((uint32_t)l & ~mic_all_categories(m)))
        return KSM_R_BAD_TABLE;
    *out = l;
    return KSM_R_RULE;
}

/* The subject sid_ref names: *level and *level_r (0: none assigned) and *at, its first word in
 * mic_subj (UINT32_MAX for the kernel, whose levels are fixed). */
static uint32_t mic_subject(struct sctx *x, const struct ksm_mic *m, uint32_t object,
                            uint32_t sid_ref, uint64_t *level, uint64_t *level_r, uint32_t *at)
{
    if (sid_ref > KSM_SID_DST)
        return KSM_R_BAD_TABLE;
    uint32_t sid = x->sid[sid_ref];
    if (sid == KSM_SID_KERNEL) {
        *level = *level_r = mic_top(m);
        *at = UINT32_MAX;
        return KSM_R_RULE;
    }
    if (!x->st || !x->st->mic_subj || sid >= x->st->nsids)
        return KSM_R_NO_STATE;
    *at = (sid * x->t->nmics + object) * 2u;
    *level = x->st->mic_subj[*at];
    *level_r = x->st->mic_subj[*at + 1];
    return KSM_R_RULE;
}

/* Index of entry e in the table at tab (its entries follow the count word), or -1. */
static int64_t set_index(const struct sctx *x, uint32_t tab, uint64_t e)
{
    uint64_t n = x->st->set_words[tab] - 1;
    for (uint64_t i = 0; i < n; i++)
        if (x->st->set_words[tab + 1 + i] == e)
            return (int64_t)i;
    return -1;
}

/* Whether v (signed when from_signed, else unsigned) lies in the integer type of `bits` bits
 * (8 .. 64), signed when to_signed: KSM_OP_CAST. A negative value fits only a signed type, down
 * to its minimum; any other is compared with the type's maximum. */
static int cast_fits(uint64_t v, int from_signed, uint32_t bits, int to_signed)
{
    if (from_signed && (int64_t)v < 0)
        return to_signed && (bits == 64 || (int64_t)v >= -(int64_t)(1ull << (bits - 1)));
    uint64_t max = to_signed ? ~0ull >> (65 - bits) : ~0ull >> (64 - bits);
    return v <= max;
}

/*
 * Evaluates one expression. Returns KSM_R_RULE with *out set, or the reason it failed
 * (*field names the field for KSM_R_FIELD_BOUNDS).
 */
static uint32_t eval(const struct ksm_table *t, uint32_t code_start, uint32_t code_len,
                     const uint8_t *msg, size_t len, uint64_t *out, uint32_t *field, struct sctx *x)
{
    uint64_t st[KSM_STACK_MAX];
    uint32_t sp = 0;
    if (code_start > t->ncode || code_len > t->ncode - code_start || code_len == 0)
        return KSM_R_BAD_TABLE;
    const struct ksm_insn *code = t->code + code_start;
    size_t full = len; /* with the handles' types, if any */
    len = body_len(msg, len);
    for (uint32_t pc = 0; pc < code_len; pc++) {
        const struct ksm_insn *in = &code[pc];
        if (in->op == KSM_OP_CONST || in->op == KSM_OP_LOAD) {
            if (sp >= KSM_STACK_MAX)
                return KSM_R_BAD_TABLE;
            if (in->op == KSM_OP_CONST) {
                st[sp++] = (uint64_t)in->imm;
                continue;
            }
            uint64_t at = in->arg;
            if (in->flags & KSM_INSN_BASE) { /* a field of a sequence's or array's element */
                if (sp < 1)
                    return KSM_R_BAD_TABLE;
                sp--; /* an offset past the message stays past it (no wrap-around) */
                at += st[sp] > len ? len + 1 : st[sp];
            }
            if (in->size == 0 || in->size > 8 || at + in->size > len) {
                *field = (uint32_t)in->imm;
                return KSM_R_FIELD_BOUNDS;
            }
            st[sp++] = load(msg, (uint32_t)at, in->size, in->is_signed);
            continue;
        }
        if (in->op == KSM_OP_STR_EQ) {
            uint32_t lit = (uint32_t)((uint64_t)in->imm & 0xffffffffu), at = in->arg;
            if (in->flags & KSM_INSN_STR_POPPED) { /* an element's string, arg bytes past */
                if (sp < 1 || st[sp - 1] > UINT32_MAX)
                    return KSM_R_BAD_TABLE;
                at = past(st[--sp], in->arg, len);
            }
            if (sp >= KSM_STACK_MAX || lit >= t->nstrings || t->strings == 0)
                return KSM_R_BAD_TABLE;
            int r = str_eq(msg, len, at, t->strings[lit]);
            if (r < 0) {
                *field = (uint32_t)((uint64_t)in->imm >> 32);
                return KSM_R_FIELD_BOUNDS;
            }
            st[sp++] = (uint64_t)r;
            continue;
        }
        if (in->op == KSM_OP_SET_CONTAINS) {
            const struct ksm_hashset *hs;
            struct holder hd;
            uint32_t tab, ref = (uint32_t)in->imm;
            if (sp < (ref == KSM_SID_RESOURCE ? 2u : 1u))
                return KSM_R_BAD_TABLE;
            uint64_t entry = st[--sp], rsid = ref == KSM_SID_RESOURCE ? st[--sp] : 0;
            uint32_t r = set_find(x, in->arg, ref, rsid, &hs, &hd, &tab);
            if (r != KSM_R_RULE)
                return r;
            if (tab == UINT32_MAX) {
                if (x->log)
                    audit_method(x, 1, in->arg, KSM_AX_SET_CONTAINS, 0, 0, entry, 0);
                return KSM_R_NO_STATE; /* KasperskyOS: the expression "runs incorrectly" */
            }
            st[sp++] = set_index(x, tab, entry) >= 0;
            if (x->log)
                audit_method(x, 1, in->arg, KSM_AX_SET_CONTAINS, 1, st[sp - 1], entry, 0);
            continue;
        }
        if (in->op == KSM_OP_MAP_GET) {
            const struct ksm_staticmap *m;
            struct holder hd;
            uint32_t tab, key = (uint32_t)((uint64_t)in->imm >> 3), ref = (uint32_t)in->imm & 3u;
            uint64_t rsid = 0;
            if (ref == KSM_SID_RESOURCE && sp < 1)
                return KSM_R_BAD_TABLE;
            if (ref == KSM_SID_RESOURCE)
                rsid = st[--sp];
            if (sp >= KSM_STACK_MAX)
                return KSM_R_BAD_TABLE;
            uint32_t r = map_find(x, in->arg, ref, rsid, &m, &hd, &tab);
            if (r != KSM_R_RULE)
                return r;
            if (key >= m->nkeys)
                return KSM_R_BAD_TABLE;
            uint32_t ax = (in->imm & 4) ? KSM_AX_MAP_GET_UNCOMMITTED : KSM_AX_MAP_GET;
            if (tab == UINT32_MAX) {
                if (x->log)
                    audit_method(x, 2, in->arg, ax, 0, 0, key, 0);
                return KSM_R_NO_STATE;
            }
            st[sp++] = x->st->map_words[tab + 1 + key + ((in->imm & 4) ? m->nkeys : 0)];
            if (x->log)
                audit_method(x, 2, in->arg, ax, 1, st[sp - 1], key, 0);
            continue;
        }
        if (in->op == KSM_OP_REGEX_MATCH || in->op == KSM_OP_STR_LEN || in->op == KSM_OP_STR_CMP) {
            const uint8_t *s;
            uint64_t n, imm = (uint64_t)in->imm, other = 0;
            uint32_t at = in->arg;
            /* elements of sequences of strings: their descriptors' offsets, the other's on top */
            if (in->flags & KSM_INSN_OTHER_POPPED) {
                if (in->op != KSM_OP_STR_CMP || sp < 1 || st[sp - 1] > UINT32_MAX)
                    return KSM_R_BAD_TABLE;
                other = st[--sp];
            }
            if (in->flags & KSM_INSN_STR_POPPED) {
                if (sp < 1 || st[sp - 1] > UINT32_MAX)
                    return KSM_R_BAD_TABLE;
                at = past(st[--sp], in->arg, len);
            }
            if (sp >= KSM_STACK_MAX)
                return KSM_R_BAD_TABLE;
            uint32_t fa = in->op == KSM_OP_STR_CMP ? (uint32_t)(imm >> 48) : (uint32_t)(imm >> 32);
            if (str_at(msg, len, at, &s, &n) < 0) {
                *field = in->op == KSM_OP_STR_LEN ? (uint32_t)imm : fa;
                return KSM_R_FIELD_BOUNDS;
            }
            if (in->op == KSM_OP_STR_LEN) {
                st[sp++] = n;
                continue;
            }
            if (in->op == KSM_OP_REGEX_MATCH) {
                uint32_t k = (uint32_t)(imm & 0xffffffffu);
                if (k >= t->nregexes || !t->regexes)
                    return KSM_R_BAD_TABLE;
                int r = ksm_regex_match(&t->regexes[k], s, (size_t)n);
                if (r < 0)
                    return KSM_R_BAD_TABLE;
                st[sp++] = (uint64_t)r;
                if (x->log)
                    audit_method(x, 4, k, in->size == 1 ? KSM_AX_REGEX_SELECT : KSM_AX_REGEX_MATCH,
                                 1, (uint64_t)r, 0, 0);
                continue;
            }
            const uint8_t *o;
            uint64_t on;
            uint32_t fb = (uint32_t)(imm >> 32) & 0xffffu, lo = (uint32_t)imm;
            if (in->flags & KSM_INSN_OTHER_POPPED)
                lo = past(other, lo, len);
            if (fb == 0xffffu && !(in->flags & KSM_INSN_OTHER_POPPED)) {
                if (lo >= t->nstrings || !t->strings)
                    return KSM_R_BAD_TABLE;
                o = (const uint8_t *)t->strings[lo];
                on = cstr_len(t->strings[lo]);
            } else if (str_at(msg, len, lo, &o, &on) < 0) {
                *field = fb;
                return KSM_R_FIELD_BOUNDS;
            }
            st[sp++] = (uint64_t)(int64_t)str_order(s, n, o, on);
            continue;
        }
        if (in->op == KSM_OP_SEQ_FIELD) {
            /* a field of an element of a sequence of structs */
            uint64_t base, count, imm = (uint64_t)in->imm, i;
            uint32_t stride = (uint32_t)(imm >> 48), off = (uint32_t)(imm >> 32) & 0xffffu;
            if (sp < 1 || stride == 0 || off + in->size > stride ||
                (in->size != 1 && in->size != 2 && in->size != 4 && in->size != 8))
                return KSM_R_BAD_TABLE;
            *field = (uint32_t)(imm & 0xffffffffu);
            i = st[sp - 1];
            if (seq_at(msg, len, in->arg, stride, &base, &count) < 0 || i >= count ||
                base + i * stride + off + in->size > len)
                return KSM_R_FIELD_BOUNDS;
            st[sp - 1] = load(msg, (uint32_t)(base + i * stride + off), in->size, in->is_signed);
            continue;
        }
        if (in->op == KSM_OP_ARRAY_FIELD || in->op == KSM_OP_SEQ_FIELD_MEMBER ||
            in->op == KSM_OP_ARRAY_FIELD_MEMBER) {
            /* a field of an array of structs' element; a field among the elements' */
            uint64_t base = in->arg, count, imm = (uint64_t)in->imm;
            uint32_t stride = (uint32_t)(imm >> 48), off = 0, at = in->arg;
            if (sp < 1 || stride == 0 ||
                (in->size != 1 && in->size != 2 && in->size != 4 && in->size != 8))
                return KSM_R_BAD_TABLE;
            if (in->flags & KSM_INSN_BASE) { /* the members in an element: its offset on top */
                if (in->op == KSM_OP_ARRAY_FIELD || sp < 2)
                    return KSM_R_BAD_TABLE;
                base = at = past(st[--sp], in->arg, len);
            }
            *field = (uint32_t)(imm & 0xffffffffu);
            if (in->op == KSM_OP_SEQ_FIELD_MEMBER) {
                off = (uint32_t)(imm >> 32) & 0xffffu;
                if (off + in->size > stride)
                    return KSM_R_BAD_TABLE;
                if (seq_at(msg, len, at, stride, &base, &count) < 0)
                    return KSM_R_FIELD_BOUNDS;
                base += off;
            } else {
                count = ((imm >> 32) & 0xffffu) + 1u;
            }
            if (in->op == KSM_OP_ARRAY_FIELD) {
                uint64_t i = st[sp - 1];
                if (i >= count || base + i * stride + in->size > len)
                    return KSM_R_FIELD_BOUNDS; /* past the end: the element does not exist */
                st[sp - 1] = load(msg, (uint32_t)(base + i * stride), in->size, in->is_signed);
                continue;
            }
            if (count != 0 && base + (count - 1) * stride + in->size > len)
                return KSM_R_FIELD_BOUNDS;
            /* a field through unions' arms: the KSM_INSN_EACH guards right before this one */
            uint32_t g0 = pc;
            while (g0 > 0 && (code[g0 - 1].flags & KSM_INSN_EACH))
                g0--;
            uint64_t found = 0;
            for (uint64_t k = 0; k < count && !found; k++) {
                uint64_t at = base + k * stride;
                int held = 1;
                for (uint32_t g = g0; g < pc && held; g++) {
                    if (code[g].op != KSM_OP_UNION_ARM || code[g].arg > at)
                        return KSM_R_BAD_TABLE;
                    if (at - code[g].arg + 4 > len)
                        return KSM_R_FIELD_BOUNDS;
                    held = load(msg, (uint32_t)(at - code[g].arg), 4, 0) ==
                           (uint64_t)code[g].imm >> 32;
                }
                found = held && load(msg, (uint32_t)at, in->size, in->is_signed) == st[sp - 1];
            }
            st[sp - 1] = found;
            continue;
        }
        if (in->op == KSM_OP_SEQ_STR) {
            uint64_t base, count, i;
            if (sp < 1)
                return KSM_R_BAD_TABLE;
            *field = (uint32_t)((uint64_t)in->imm & 0xffffffffu);
            i = st[sp - 1];
            if (seq_at(msg, len, in->arg, 8, &base, &count) < 0 || i >= count ||
                base + (i + 1) * 8 > len)
                return KSM_R_FIELD_BOUNDS;
            st[sp - 1] = base + i * 8; /* < len: the string instruction reads it */
            continue;
        }
        if (in->op == KSM_OP_SEQ_COUNT || in->op == KSM_OP_SEQ_ELEM ||
            in->op == KSM_OP_ARRAY_ELEM || in->op == KSM_OP_SEQ_MEMBER ||
            in->op == KSM_OP_ARRAY_MEMBER) {
            uint64_t base = in->arg, count = (uint64_t)in->imm >> 32;
            uint32_t esize = in->size;
            if (in->op == KSM_OP_SEQ_COUNT && esize == 0) /* a sequence of structs */
                esize = (uint32_t)(((uint64_t)in->imm >> 32) & 0xffffu);
            else if (esize != 1 && esize != 2 && esize != 4 && esize != 8)
                return KSM_R_BAD_TABLE;
            if (esize == 0)
                return KSM_R_BAD_TABLE;
            uint32_t at = in->arg;
            if (in->flags & KSM_INSN_BASE) { /* in an element: SEQ_COUNT, the members */
                if (in->op == KSM_OP_SEQ_ELEM || in->op == KSM_OP_ARRAY_ELEM || sp < 1)
                    return KSM_R_BAD_TABLE;
                at = past(st[--sp], in->arg, len);
                base = at; /* an array's first element */
            }
            if (in->op == KSM_OP_SEQ_COUNT ? sp >= KSM_STACK_MAX : sp < 1)
                return KSM_R_BAD_TABLE;
            *field = (uint32_t)((uint64_t)in->imm & 0xffffffffu);
            if (in->op != KSM_OP_ARRAY_ELEM && in->op != KSM_OP_ARRAY_MEMBER &&
                seq_at(msg, len, at, esize, &base, &count) < 0)
                return KSM_R_FIELD_BOUNDS;
            if (in->op == KSM_OP_SEQ_COUNT) {
                st[sp++] = count;
                continue;
            }
            if (in->op == KSM_OP_SEQ_MEMBER || in->op == KSM_OP_ARRAY_MEMBER) {
                if (count != 0 && base + count * esize > len)
                    return KSM_R_FIELD_BOUNDS; /* an array past the end of the message */
                uint64_t found = 0;
                for (uint64_t k = 0; k < count && !found; k++)
                    found =
                        load(msg, (uint32_t)(base + k * esize), esize, in->is_signed) == st[sp - 1];
                st[sp - 1] = found;
                continue;
            }
            uint64_t i = st[sp - 1];
            if (i >= count || base + (i + 1) * esize > len)
                return KSM_R_FIELD_BOUNDS; /* past the end: the element does not exist */
            st[sp - 1] = load(msg, (uint32_t)(base + i * esize), esize, in->is_signed);
            continue;
        }
        if (in->op == KSM_OP_HANDLE) {
            if (sp >= KSM_STACK_MAX)
                return KSM_R_BAD_TABLE;
            *field = (uint32_t)((uint64_t)in->imm & 0xffffffffu);
            if ((uint64_t)in->arg + 4 > len || len < KSM_HEADER_SIZE)
                return KSM_R_FIELD_BOUNDS;
            uint64_t index = load(msg, in->arg, 4, 0), count = load(msg, 16, 2, 0);
            uint64_t part = ((uint64_t)in->imm >> 32) & 3u;
            uint64_t table = KSM_HEADER_SIZE + ((load(msg, 8, 4, 0) + 7) & ~(uint64_t)7);
            if (part > 2)
                return KSM_R_BAD_TABLE;
            if (part == 2) { /* the types after the message, if the kernel put them there */
                uint64_t end = table + 8 * count + load(msg, 12, 4, 0);
                if (index >= count || full != end + ((count + 7) & ~(uint64_t)7))
                    return KSM_R_FIELD_BOUNDS;
                st[sp++] = msg[end + index];
                continue;
            }
            uint64_t at = table + 8 * index + (part ? 4 : 0);
            if (index >= count || at + 4 > len)
                return KSM_R_FIELD_BOUNDS;
            st[sp++] = load(msg, (uint32_t)at, 4, 0);
            continue;
        }
        if (in->op == KSM_OP_FLOW_QUERY) {
            struct holder hd;
            uint32_t ref = (uint32_t)in->imm;
            uint64_t rsid = 0;
            if (ref == KSM_SID_RESOURCE && sp < 1)
                return KSM_R_BAD_TABLE;
            if (ref == KSM_SID_RESOURCE)
                rsid = st[--sp];
            if (sp >= KSM_STACK_MAX || in->arg >= t->nflows || (uint64_t)in->imm > KSM_SID_RESOURCE)
                return KSM_R_BAD_TABLE;
            uint32_t r = flow_find(x, in->arg, ref, rsid, &hd);
            if (r != KSM_R_RULE)
                return r;
            uint64_t cur = hd.value;
            if (cur > t->flows[in->arg].nstates)
                return KSM_R_BAD_TABLE;
            if (x->log)
                audit_method(x, 0, in->arg, KSM_AX_FLOW_QUERY, cur != 0, cur - (cur != 0), 0, cur);
            if (cur == 0)
                return KSM_R_NO_STATE; /* no machine: the expression cannot be evaluated */
            st[sp++] = (uint64_t)(cur - 1u);
            continue;
        }
        if (in->op == KSM_OP_MIC_LEVEL) {
            const struct ksm_mic *m;
            uint64_t level = 0, level_r;
            uint32_t r = mic_object(t, in->arg, &m), at;
            if (r != KSM_R_RULE)
                return r;
            if (in->imm == 2) {
                int found;
                if (sp < 1)
                    return KSM_R_BAD_TABLE;
                r = res_lookup(x->st, m->base, m->capacity, st[--sp], &at, &found);
                if (r != KSM_R_RULE)
                    return r;
                if (found)
                    level = x->st->res[at + 1];
            } else {
                r = mic_subject(x, m, in->arg, (uint32_t)in->imm, &level, &level_r, &at);
                if (r != KSM_R_RULE)
                    return r;
            }
            if (sp >= KSM_STACK_MAX)
                return KSM_R_BAD_TABLE;
            if (level == 0 || (level >> 32) > m->ndegrees) {
                if (x->log)
                    audit_method(x, 3, in->arg, KSM_AX_MIC_QUERY_LEVEL, 0, 0, 0, 0);
                return KSM_R_NO_STATE; /* no level assigned: the expression cannot be evaluated */
            }
            st[sp++] = (level >> 32) - 1u;
            if (x->log)
                audit_method(x, 3, in->arg, KSM_AX_MIC_QUERY_LEVEL, 1, st[sp - 1], 0, 0);
            continue;
        }
        if (in->op == KSM_OP_JFALSE_POP || in->op == KSM_OP_JUMP) {
            if (in->arg <= pc || in->arg > code_len || (in->op == KSM_OP_JFALSE_POP && sp < 1))
                return KSM_R_BAD_TABLE;
            if (in->op == KSM_OP_JUMP || st[--sp] == 0)
                pc = in->arg - 1; /* the loop increments pc */
            continue;
        }
        if (in->op == KSM_OP_ENTRY_RANGE) {
            /* v - lo in 0 .. 2^arg - 1, computed without wrapping: a signed v below lo, or an
             * unsigned v below a non-negative lo or too far above a negative one, is out */
            if (sp < 1 || in->arg < 1 || in->arg > 64)
                return KSM_R_BAD_TABLE;
            uint64_t v = st[sp - 1], lo = (uint64_t)in->imm, d;
            int out = in->is_signed ? (int64_t)v < in->imm
                      : in->imm < 0 ? __builtin_add_overflow(v, -lo, &d)
                                    : v < lo;
            d = v - lo;
            if (out || (in->arg < 64 && d >> in->arg))
                return KSM_R_ENTRY_RANGE;
            continue;
        }
        if (in->op == KSM_OP_ABS) {
            if (sp < 1)
                return KSM_R_BAD_TABLE;
            int64_t v = (int64_t)st[sp - 1];
            if (v == INT64_MIN)
                return KSM_R_OVERFLOW;
            st[sp - 1] = (uint64_t)(v < 0 ? -v : v);
            continue;
        }
        if (in->op == KSM_OP_BIT_NOT) {
            if (sp < 1)
                return KSM_R_BAD_TABLE;
            st[sp - 1] = ~st[sp - 1];
            continue;
        }
        if (in->op == KSM_OP_CAST) {
            if (sp < 1 || (in->arg != 8 && in->arg != 16 && in->arg != 32 && in->arg != 64))
                return KSM_R_BAD_TABLE;
            if (!cast_fits(st[sp - 1], in->imm == 1, in->arg, in->is_signed))
                return KSM_R_OVERFLOW;
            continue;
        }
        if (in->op == KSM_OP_NEG || in->op == KSM_OP_NOT) {
            if (sp < 1)
                return KSM_R_BAD_TABLE;
            if (in->op == KSM_OP_NOT) {
                st[sp - 1] = !st[sp - 1];
            } else {
                int64_t r;
                if (__builtin_sub_overflow((int64_t)0, (int64_t)st[sp - 1], &r))
                    return KSM_R_OVERFLOW;
                st[sp - 1] = (uint64_t)r;
            }
            continue;
        }
        if (in->op == KSM_OP_JFALSE_KEEP || in->op == KSM_OP_JTRUE_KEEP) {
            if (sp < 1 || in->arg <= pc || in->arg > code_len)
                return KSM_R_BAD_TABLE;
            if ((st[sp - 1] != 0) == (in->op == KSM_OP_JTRUE_KEEP))
                pc = in->arg - 1; /* keep the deciding value; loop increments pc */
            else
                sp--;
            continue;
        }
        if (in->op == KSM_OP_SEQ_STR_MEMBER) {
            const uint8_t *v, *e;
            uint64_t vn, en, base, count, imm = (uint64_t)in->imm, at = (uint32_t)imm, found = 0;
            uint32_t fv = (uint32_t)(imm >> 32) & 0xffffu, q = in->arg;
            if (in->flags & KSM_INSN_BASE) { /* a sequence in an element: its offset on top */
                if (sp < 1)
                    return KSM_R_BAD_TABLE;
                q = past(st[--sp], in->arg, len);
            }
            if (in->flags & KSM_INSN_OTHER_POPPED) { /* the value, an element of strings */
                if (sp < 1 || st[sp - 1] > UINT32_MAX)
                    return KSM_R_BAD_TABLE;
                at = past(st[--sp], (uint32_t)at, len);
            }
            if (sp >= KSM_STACK_MAX)
                return KSM_R_BAD_TABLE;
            if (fv == 0xffffu && !(in->flags & KSM_INSN_OTHER_POPPED)) {
                if (at >= t->nstrings || !t->strings)
                    return KSM_R_BAD_TABLE;
                v = (const uint8_t *)t->strings[at];
                vn = cstr_len(t->strings[at]);
            } else if (str_at(msg, len, (uint32_t)at, &v, &vn) < 0) {
                *field = fv;
                return KSM_R_FIELD_BOUNDS;
            }
            *field = (uint32_t)(imm >> 48);
            if (in->size != 0) { /* an array of size strings: the descriptors in place */
                base = q;
                count = in->size;
            } else if (seq_at(msg, len, q, 8, &base, &count) < 0) {
                return KSM_R_FIELD_BOUNDS;
            }
            for (uint64_t k = 0; k < count && !found; k++) {
                if (str_at(msg, len, (uint32_t)(base + 8 * k), &e, &en) < 0)
                    return KSM_R_FIELD_BOUNDS;
                found = str_order(v, vn, e, en) == 0;
            }
            st[sp++] = found;
            continue;
        }
        if (in->op == KSM_OP_UNION_TAG || in->op == KSM_OP_UNION_ARM) {
            /* a union's tag: one of its arms (UNION_TAG pushes it), or the one arm a field
             * read next lies in (UNION_ARM); anything else denies, before any arm is read */
            uint64_t want = (uint64_t)in->imm >> 32, tag, at = in->arg;
            if (in->flags & KSM_INSN_EACH) { /* a guard of the member instruction after it */
                if (in->op != KSM_OP_UNION_ARM)
                    return KSM_R_BAD_TABLE;
                continue;
            }
            if (in->flags & KSM_INSN_BASE) { /* a union in a sequence's or array's element */
                if (sp < 1)
                    return KSM_R_BAD_TABLE;
                at += st[sp - 1] > len ? len + 1 : st[sp - 1];
                if (in->op == KSM_OP_UNION_TAG)
                    sp--; /* the tag replaces the element's offset */
            }
            if (in->op == KSM_OP_UNION_TAG && sp >= KSM_STACK_MAX)
                return KSM_R_BAD_TABLE;
            *field = (uint32_t)((uint64_t)in->imm & 0xffffffffu);
            if (at + 4 > len)
                return KSM_R_FIELD_BOUNDS;
            tag = load(msg, (uint32_t)at, 4, 0);
            if (in->op == KSM_OP_UNION_TAG ? tag >= want : tag != want)
                return KSM_R_UNION_ARM;
            if (in->op == KSM_OP_UNION_TAG)
                st[sp++] = tag;
            continue;
        }
        if (in->op == KSM_OP_ELEM_ADDR) {
            /* the offset of element i of a sequence (size 0) or array (size 1) */
            uint64_t base = in->arg, count, imm = (uint64_t)in->imm, i;
            uint32_t stride = (uint32_t)(imm >> 48), at = in->arg;
            if (sp < 1 || stride == 0 || in->size > 1)
                return KSM_R_BAD_TABLE;
            *field = (uint32_t)(imm & 0xffffffffu);
            i = st[--sp];
            if (in->flags & KSM_INSN_BASE) { /* in an element: at arg past its offset */
                if (sp < 1)
                    return KSM_R_BAD_TABLE;
                base = at = past(st[--sp], in->arg, len);
            }
            if (in->size == 0) {
                if (seq_at(msg, len, at, stride, &base, &count) < 0)
                    return KSM_R_FIELD_BOUNDS;
            } else {
                count = ((imm >> 32) & 0xffffu) + 1u;
            }
            if (i >= count)
                return KSM_R_FIELD_BOUNDS; /* past the end: the element does not exist */
            st[sp++] = base + i * stride;  /* no wrap-around: each reader checks its bytes */
            continue;
        }
        if (sp < 2 || in->op >= KSM_OP_COUNT)
            return KSM_R_BAD_TABLE;
        uint64_t b = st[--sp], a = st[sp - 1], r = 0;
        int64_t sa = (int64_t)a, sb = (int64_t)b, sr;
        switch (in->op) {
        case KSM_OP_ADD_S:
            if (__builtin_add_overflow(sa, sb, &sr))
                return KSM_R_OVERFLOW;
            r = (uint64_t)sr;
            break;
        case KSM_OP_ADD_U:
            if (__builtin_add_overflow(a, b, &r))
                return KSM_R_OVERFLOW;
            break;
        case KSM_OP_SUB_S:
            if (__builtin_sub_overflow(sa, sb, &sr))
                return KSM_R_OVERFLOW;
            r = (uint64_t)sr;
            break;
        case KSM_OP_SUB_U:
            if (__builtin_sub_overflow(a, b, &r))
                return KSM_R_OVERFLOW;
            break;
        case KSM_OP_MUL_S:
            if (__builtin_mul_overflow(sa, sb, &sr))
                return KSM_R_OVERFLOW;
            r = (uint64_t)sr;
            break;
        case KSM_OP_MUL_U:
            if (__builtin_mul_overflow(a, b, &r))
                return KSM_R_OVERFLOW;
            break;
        case KSM_OP_DIV_S:
            if (sb == 0)
                return KSM_R_DIV_ZERO;
            if (sb == -1 && sa == INT64_MIN)
                return KSM_R_OVERFLOW;
            r = (uint64_t)(sa / sb);
            break;
        case KSM_OP_DIV_U:
            if (b == 0)
                return KSM_R_DIV_ZERO;
            r = a / b;
            break;
        case KSM_OP_REM_S:
            if (sb == 0)
                return KSM_R_DIV_ZERO;
            r = sb == -1 ? 0 : (uint64_t)(sa % sb); /* INT64_MIN % -1 traps in C; it is 0 */
            break;
        case KSM_OP_REM_U:
            if (b == 0)
                return KSM_R_DIV_ZERO;
            r = a % b;
            break;
        case KSM_OP_AND:
            r = a & b;
            break;
        case KSM_OP_OR:
            r = a | b;
            break;
        case KSM_OP_EQ:
            r = a == b;
            break;
        case KSM_OP_NE:
            r = a != b;
            break;
        case KSM_OP_LT_S:
            r = sa < sb;
            break;
        case KSM_OP_LT_U:
            r = a < b;
            break;
        case KSM_OP_LE_S:
            r = sa <= sb;
            break;
        case KSM_OP_LE_U:
            r = a <= b;
            break;
        case KSM_OP_GT_S:
            r = sa > sb;
            break;
        case KSM_OP_GT_U:
            r = a > b;
            break;
        case KSM_OP_GE_S:
            r = sa >= sb;
            break;
        case KSM_OP_GE_U:
            r = a >= b;
            break;
        default:
            return KSM_R_BAD_TABLE;
        }
        st[sp - 1] = r;
    }
    if (sp != 1)
        return KSM_R_BAD_TABLE;
    *out = st[0];
    return KSM_R_RULE;
}

/*
 * Does call c apply, as far as the choices around it go? Sets *applies, or returns why it cannot
 * tell. Each choice of the chain (from the outermost) is computed at most once per decision;
 * an inner one only when the outer ones take the case the call lies in.
 */
static uint32_t in_chosen_case(struct sctx *x, const struct ksm_call *c, const uint8_t *msg,
                               size_t len, uint32_t *field, int *applies)
{
    const struct ksm_table *t = x->t;
    uint32_t chain[KSM_CHOICES_MAX], arms[KSM_CHOICES_MAX], depth = 0;
    *applies = 1;
    for (uint32_t id = c->choice, arm = c->arm; id != 0;) {
        if (id >= t->nchoices || !t->choices || depth >= KSM_CHOICES_MAX)
            return KSM_R_BAD_TABLE;
        chain[depth] = id;
        arms[depth++] = arm;
        const struct ksm_choice *ch = &t->choices[id];
        if (ch->parent >= id)
            return KSM_R_BAD_TABLE; /* parents have smaller indexes: the chain ends */
        arm = ch->parent_arm;
        id = ch->parent;
    }
    while (depth > 0) {
        uint32_t id = chain[--depth], k = 0;
        while (k < x->nchosen && x->chosen_id[k] != id)
            k++;
        if (k == x->nchosen) {
            if (x->nchosen >= KSM_CHOICES_MAX)
                return KSM_R_BAD_TABLE;
            uint64_t v = 0;
            uint32_t r =
                eval(t, t->choices[id].code_start, t->choices[id].code_len, msg, len, &v, field, x);
            if (r != KSM_R_RULE)
                return r;
            x->chosen_id[k] = id;
            x->chosen_arm[k] = v;
            x->nchosen++;
        }
        if (x->chosen_arm[k] != arms[depth]) {
            *applies = 0;
            return KSM_R_RULE;
        }
    }
    return KSM_R_RULE;
}

/* A Flow rule (on the resource rsid when c->sid is KSM_SID_RESOURCE): sets *granted, or
 * returns why it cannot decide. */
static uint32_t flow_call(struct sctx *x, const struct ksm_call *c, uint64_t rsid, int *granted)
{
    const struct ksm_table *t = x->t;
    if (c->object >= t->nflows)
        return KSM_R_BAD_TABLE;
    const struct ksm_flow *f = &t->flows[c->object];
    struct holder hd;
    uint32_t r = flow_find(x, c->object, c->sid, rsid, &hd);
    if (r != KSM_R_RULE)
        return r;
    uint64_t cur = hd.value, next = cur;
    if (cur > f->nstates || f->nstates > KSM_FLOW_STATES_MAX || f->initial >= f->nstates)
        return KSM_R_BAD_TABLE;
    x->flow_from = cur;
    switch (c->kind) {
    case KSM_CALL_FLOW_INIT:
        *granted = cur == 0 && hd.at != UINT32_MAX; /* a full resource table: denied */
        next = f->initial + 1u;
        break;
    case KSM_CALL_FLOW_FINI:
        *granted = cur != 0;
        next = 0;
        break;
    case KSM_CALL_FLOW_ENTER:
        if (c->arg >= f->nstates)
            return KSM_R_BAD_TABLE;
        *granted = cur != 0 && ((f->transitions[cur - 1] >> c->arg) & 1u);
        next = c->arg + 1u;
        break;
    default: /* KSM_CALL_FLOW_ALLOW */
        *granted = cur != 0 && ((c->arg >> (cur - 1)) & 1u);
        break;
    }
    if (*granted && next != cur && !holder_set(x, &hd, next))
        return KSM_R_BAD_TABLE;
    return KSM_R_RULE;
}

/* A HashSet rule (the entry, for add and remove, and the resource's SID are already
 * evaluated): sets *granted, or returns why it cannot decide. */
static uint32_t set_call(struct sctx *x, const struct ksm_call *c, uint64_t rsid, uint64_t entry,
                         int *granted)
{
    const struct ksm_hashset *h;
    struct holder hd;
    uint32_t tab;
    uint32_t r = set_find(x, c->object, c->sid, rsid, &h, &hd, &tab);
    if (r != KSM_R_RULE)
        return r;
    uint64_t *w = x->st->set_words;
    *granted = 0;
    if (c->kind == KSM_CALL_SET_INIT) {
        if (tab != UINT32_MAX || hd.at == UINT32_MAX)
            return KSM_R_RULE; /* it holds a table already, or its resource table is full */
        for (uint32_t k = 0; k < h->pool_size; k++) {
            uint32_t at = h->base + k * (1u + h->set_size);
            if (w[at] == 0) {
                *granted = 1;
                return holder_set(x, &hd, k + 1u) && change(x, UNDO_SET_WORD, at, 1)
                           ? KSM_R_RULE
                           : KSM_R_BAD_TABLE;
            }
        }
        return KSM_R_RULE; /* every table of the pool is taken */
    }
    if (tab == UINT32_MAX)
        return KSM_R_RULE; /* no table: denied */
    if (c->kind == KSM_CALL_SET_FINI) {
        *granted = 1;
        return holder_set(x, &hd, 0) && change(x, UNDO_SET_WORD, tab, 0) ? KSM_R_RULE
                                                                         : KSM_R_BAD_TABLE;
    }
    int64_t i = set_index(x, tab, entry);
    uint64_t n = w[tab] - 1;
    if (c->kind == KSM_CALL_SET_ADD) {
        if (i >= 0) {
            *granted = 1; /* already there */
            return KSM_R_RULE;
        }
        if (n >= h->set_size)
            return KSM_R_RULE; /* full */
        *granted = 1;
        return change(x, UNDO_SET_WORD, tab + 1 + (uint32_t)n, entry) &&
                       change(x, UNDO_SET_WORD, tab, n + 2)
                   ? KSM_R_RULE
                   : KSM_R_BAD_TABLE;
    }
    /* KSM_CALL_SET_REMOVE: the last entry takes the removed one's place. */
    if (i < 0)
        return KSM_R_RULE;
    *granted = 1;
    return change(x, UNDO_SET_WORD, tab + 1 + (uint32_t)i, w[tab + n]) &&
                   change(x, UNDO_SET_WORD, tab, n)
               ? KSM_R_RULE
               : KSM_R_BAD_TABLE;
}

/* A StaticMap rule (the value, for set, and the resource's SID are already evaluated): sets
 * *granted, or returns why it cannot decide. */
static uint32_t map_call(struct sctx *x, const struct ksm_call *c, uint64_t rsid, uint64_t value,
                         int *granted)
{
    const struct ksm_staticmap *m;
    struct holder hd;
    uint32_t tab;
    uint32_t r = map_find(x, c->object, c->sid, rsid, &m, &hd, &tab);
    if (r != KSM_R_RULE)
        return r;
    uint32_t n = m->nkeys;
    *granted = 0;
    if (c->kind == KSM_CALL_MAP_INIT) {
        if (tab != UINT32_MAX || hd.at == UINT32_MAX)
            return KSM_R_RULE; /* it holds a table already, or its resource table is full */
        for (uint32_t k = 0; k < m->pool_size; k++) {
            uint32_t at = m->base + k * (1u + 2u * n);
            if (x->st->map_words[at] != 0)
                continue;
            *granted = 1;
            int ok = holder_set(x, &hd, k + 1u) && change(x, UNDO_MAP_WORD, at, 1);
            for (uint32_t i = 0; i < 2 * n && ok; i++)
                ok = change(x, UNDO_MAP_WORD, at + 1 + i, m->defaults[i % n]);
            return ok ? KSM_R_RULE : KSM_R_BAD_TABLE;
        }
        return KSM_R_RULE; /* every table of the pool is taken */
    }
    if (tab == UINT32_MAX)
        return KSM_R_RULE; /* no table: denied */
    *granted = 1;
    int ok = 1;
    if (c->kind == KSM_CALL_MAP_FINI) {
        ok = holder_set(x, &hd, 0) && change(x, UNDO_MAP_WORD, tab, 0);
    } else if (c->kind == KSM_CALL_MAP_SET) {
        if (c->arg >= n)
            return KSM_R_BAD_TABLE;
        ok = change(x, UNDO_MAP_WORD, tab + 1 + n + c->arg, value);
    } else {
        /* commit: working -> base; rollback: base -> working */
        uint32_t from = c->kind == KSM_CALL_MAP_COMMIT ? tab + 1 + n : tab + 1;
        uint32_t to = c->kind == KSM_CALL_MAP_COMMIT ? tab + 1 : tab + 1 + n;
        for (uint32_t i = 0; i < n && ok; i++)
            if (x->st->map_words[to + i] != x->st->map_words[from + i])
                ok = change(x, UNDO_MAP_WORD, to + i, x->st->map_words[from + i]);
    }
    return ok ? KSM_R_RULE : KSM_R_BAD_TABLE;
}

/*
 * A Mic rule (the target's and container's SIDs, for create, upgrade, downgrade, read and write,
 * are already evaluated; has_container 0 for `container : ()`): sets *granted, or returns why it
 * cannot decide. A subject or resource without a level, a full resource table or a resource
 * created twice make the rule deny; a process without state (its SID past the store) denies with
 * KSM_R_NO_STATE.
 */
static uint32_t mic_call(struct sctx *x, const struct ksm_call *c, uint64_t target,
                         uint64_t container, int has_container, int *granted)
{
    const struct ksm_mic *m;
    uint32_t r = mic_object(x->t, c->object, &m), sa, sb;
    uint64_t level, level_r, a = 0, a_r = 0, b = 0, b_r = 0;
    *granted = 0;
    if (r != KSM_R_RULE)
        return r;
    if ((r = mic_level_arg(m, c->arg & 0xffffu, &level)) != KSM_R_RULE ||
        (r = mic_level_arg(m, c->arg >> 16, &level_r)) != KSM_R_RULE ||
        (r = mic_subject(x, m, c->object, c->sid & 0xfu, &a, &a_r, &sa)) != KSM_R_RULE)
        return r;
    if (c->kind == KSM_CALL_MIC_EXECUTE) {
        if (level == 0)
            return KSM_R_BAD_TABLE; /* pslc requires a level */
        if (level_r == 0)
            level_r = level;
        if (sa == UINT32_MAX)
            return KSM_R_RULE; /* the kernel's levels are fixed */
        *granted = mic_le(level_r, level);
        if (*granted &&
            !(change(x, UNDO_MIC_SUBJ, sa, level) && change(x, UNDO_MIC_SUBJ, sa + 1, level_r)))
            return KSM_R_BAD_TABLE;
        return KSM_R_RULE;
    }
    if (a == 0)
        return KSM_R_RULE; /* the source has no level */
    if (c->kind == KSM_CALL_MIC_CALL || c->kind == KSM_CALL_MIC_INVOKE) {
        if ((r = mic_subject(x, m, c->object, c->sid >> 4, &b, &b_r, &sb)) != KSM_R_RULE)
            return r;
        if (b != 0)
            *granted = c->kind == KSM_CALL_MIC_CALL ? mic_le(a, b) || mic_le(a_r, b) : mic_le(b, a);
        return KSM_R_RULE;
    }
    uint32_t at;
    int found;
    if ((r = res_lookup(x->st, m->base, m->capacity, target, &at, &found)) != KSM_R_RULE)
        return r;
    uint64_t t_level = found ? x->st->res[at + 1] : 0;
    if (c->kind == KSM_CALL_MIC_READ || c->kind == KSM_CALL_MIC_WRITE) {
        if (t_level != 0)
            *granted = c->kind == KSM_CALL_MIC_READ ? mic_le(a, t_level) || mic_le(a_r, t_level)
                                                    : mic_le(t_level, a);
        return KSM_R_RULE;
    }
    /* create, upgrade, downgrade: the driver and the container bound the new level */
    if ((r = mic_subject(x, m, c->object, c->sid >> 4, &b, &b_r, &sb)) != KSM_R_RULE)
        return r;
    if (b == 0)
        return KSM_R_RULE; /* the driver has no level */
    uint64_t bound = mic_meet(a, b);
    if (has_container) {
        uint32_t cat;
        int cfound;
        if ((r = res_lookup(x->st, m->base, m->capacity, container, &cat, &cfound)) != KSM_R_RULE)
            return r;
        if (!cfound)
            return KSM_R_RULE; /* the container has no level */
        bound = mic_meet(bound, x->st->res[cat + 1]);
    }
    /* level <= source, driver and container iff level <= their meet (levels form a lattice) */
    if (c->kind == KSM_CALL_MIC_CREATE) {
        if (level == 0)
            level = bound; /* `level : ()`: the highest the source, driver and container allow */
        if (found || at == UINT32_MAX)
            return KSM_R_RULE; /* created before (its level changes by upgrade and downgrade
                                * only), or the table is full */
        *granted = mic_le(level, bound);
        if (*granted &&
            !(change(x, UNDO_RES, at, target + 1) && change(x, UNDO_RES, at + 1, level)))
            return KSM_R_BAD_TABLE;
        return KSM_R_RULE;
    }
    if (!found || level == 0)
        return KSM_R_RULE; /* no level to raise or lower */
    *granted =
        (c->kind == KSM_CALL_MIC_UPGRADE ? mic_lt(t_level, level) : mic_lt(level, t_level)) &&
        mic_le(level, bound) && mic_le(t_level, a);
    if (*granted && !change(x, UNDO_RES, at + 1, level))
        return KSM_R_BAD_TABLE;
    return KSM_R_RULE;
}

/* The resource's SID of a Flow, HashSet or StaticMap call on a resource (its code2). */
static uint32_t resource_sid(struct sctx *x, const struct ksm_call *c, const uint8_t *msg,
                             size_t len, uint64_t *rsid, uint32_t *field)
{
    if (c->code2_len == 0)
        return KSM_R_BAD_TABLE;
    return eval(x->t, c->code2_start, c->code2_len, msg, len, rsid, field, x);
}

/*
 * Finds the cell of an event: *cell_out and *slot_out, or returns the reason it cannot
 * (KSM_R_RULE on success).
 */
static uint32_t find_cell(const struct ksm_table *t, uint32_t event, uint32_t src_class,
                          uint32_t dst_class, uint32_t endpoint_id, uint32_t method_id,
                          const struct ksm_cell **cell_out, uint32_t *slot_out)
{
    if (!t || t->magic != KSM_TABLE_MAGIC)
        return KSM_R_BAD_TABLE;
    if (event >= KSM_EV_COUNT)
        return KSM_R_BAD_EVENT;
    if (src_class >= t->nclasses || dst_class >= t->nclasses)
        return KSM_R_BAD_CLASS;

    /* The server is the class whose endpoint the event concerns; the peer is the other side. */
    uint32_t server = dst_class, peer = src_class;
    if (event == KSM_EV_RESPONSE || event == KSM_EV_ERROR || event == KSM_EV_SECURITY) {
        server = src_class;
        peer = event == KSM_EV_SECURITY ? src_class : dst_class;
    }
    const struct ksm_class *cls = &t->classes[server];
    uint32_t slot;
    if (event == KSM_EV_EXECUTE) {
        slot = cls->slot_exec;
    } else {
        uint32_t ep;
        if (event == KSM_EV_SECURITY) {
            if (cls->sec_ep == UINT32_MAX)
                return KSM_R_BAD_ENDPOINT;
            ep = cls->sec_ep;
        } else {
            if (endpoint_id >= cls->nendpoints)
                return KSM_R_BAD_ENDPOINT;
            ep = cls->ep_first + endpoint_id;
        }
        if (ep >= t->nendpoints)
            return KSM_R_BAD_TABLE;
        if (method_id >= t->endpoints[ep].nmethods)
            return KSM_R_BAD_METHOD;
        slot = t->endpoints[ep].slot_base + method_id;
    }
    if (slot >= t->nslots)
        return KSM_R_BAD_TABLE;

    uint32_t cell_no = t->index[((uint64_t)event * t->nclasses + peer) * t->nslots + slot];
    if (cell_no >= t->ncells)
        return KSM_R_BAD_TABLE;
    const struct ksm_cell *cell = &t->cells[cell_no];
    if (cell->count != 0 &&
        (cell->first > t->ncell_calls || cell->count > t->ncell_calls - cell->first))
        return KSM_R_BAD_TABLE;
    *cell_out = cell;
    *slot_out = slot;
    return KSM_R_RULE;
}

static int slot_has_error(const struct ksm_table *t, uint32_t slot)
{
    return t->slot_has_error != 0 && slot < t->nslots && t->slot_has_error[slot];
}

/* Does the call's audit profile log grants at the table's runtime level? */
static int audits_grants(const struct ksm_table *t, const struct ksm_call *c)
{
    return c->audit_profile < t->nprofiles && t->audit_level < t->nlevels &&
           (t->audit[c->audit_profile * t->nlevels + t->audit_level] & KSM_AUDIT_GRANTED);
}

int ksm_grants_unconditionally(const struct ksm_table *t, uint32_t event, uint32_t peer,
                               uint32_t slot)
{
    if (!t || t->magic != KSM_TABLE_MAGIC || event >= KSM_EV_COUNT || peer >= t->nclasses ||
        slot >= t->nslots)
        return 0;
    if (event == KSM_EV_ERROR && !slot_has_error(t, slot))
        return 0; /* only a bare error answer may pass: the kernel must ask (ksm_decide) */
    uint32_t cell_no = t->index[((uint64_t)event * t->nclasses + peer) * t->nslots + slot];
    if (cell_no >= t->ncells)
        return 0;
    const struct ksm_cell *cell = &t->cells[cell_no];
    if (cell->count == 0 || cell->first > t->ncell_calls ||
        cell->count > t->ncell_calls - cell->first)
        return 0;
    for (uint32_t i = 0; i < cell->count; i++) {
        uint32_t call_no = t->cell_calls[cell->first + i];
        if (call_no >= t->ncalls || t->calls[call_no].kind != KSM_CALL_GRANT ||
            t->calls[call_no].choice != 0 || audits_grants(t, &t->calls[call_no]))
            return 0;
    }
    return 1;
}

/* Gives table k (1 + its index; 0: none) of a pool of pool_size tables of `stride` words at
 * base back to the pool (its first word 0), if the pool lies inside the nwords words. */
static void pool_free(uint64_t *w, uint32_t nwords, uint32_t base, uint32_t pool_size,
                      uint64_t stride, uint64_t k)
{
    if (k != 0 && k <= pool_size && base < nwords && pool_size * stride <= nwords - base)
        w[base + (k - 1) * stride] = 0;
}

void ksm_state_drop(const struct ksm_table *t, struct ksm_state *st, uint32_t sid)
{
    if (!t || t->magic != KSM_TABLE_MAGIC || !st || sid >= st->nsids)
        return;
    for (uint32_t o = 0; o < t->nflows && st->flow; o++)
        st->flow[sid * t->nflows + o] = 0;
    for (uint32_t o = 0; o < t->nsets && st->set_of && st->set_words; o++) {
        const struct ksm_hashset *h = &t->sets[o];
        uint32_t k = st->set_of[sid * t->nsets + o];
        st->set_of[sid * t->nsets + o] = 0;
        pool_free(st->set_words, t->nset_words, h->base, h->pool_size, 1u + h->set_size, k);
    }
    for (uint32_t o = 0; o < t->nmaps && st->map_of && st->map_words; o++) {
        const struct ksm_staticmap *m = &t->maps[o];
        uint32_t k = st->map_of[sid * t->nmaps + o];
        st->map_of[sid * t->nmaps + o] = 0;
        pool_free(st->map_words, t->nmap_words, m->base, m->pool_size, 1u + 2u * m->nkeys, k);
    }
    for (uint32_t o = 0; o < t->nmics && st->mic_subj; o++) {
        st->mic_subj[(sid * t->nmics + o) * 2u] = 0;
        st->mic_subj[(sid * t->nmics + o) * 2u + 1] = 0;
    }
}

/* Removes the resource sid from the resource table at base, if it has an entry: *value its
 * value (0: none). */
static void res_drop(const struct ksm_table *t, struct ksm_state *st, uint32_t base,
                     uint32_t capacity, uint32_t sid, uint64_t *value)
{
    uint32_t at;
    int found;
    *value = 0;
    if (!res_fits(t, base, capacity) ||
        res_lookup(st, base, capacity, sid, &at, &found) != KSM_R_RULE || !found)
        return;
    *value = st->res[at + 1];
    res_remove(st->res, base, capacity, at);
}

void ksm_state_drop_resource(const struct ksm_table *t, struct ksm_state *st, uint32_t sid)
{
    if (!t || t->magic != KSM_TABLE_MAGIC || !st || !st->res)
        return;
    uint64_t k;
    for (uint32_t o = 0; o < t->nmics && t->mics; o++)
        res_drop(t, st, t->mics[o].base, t->mics[o].capacity, sid, &k);
    for (uint32_t o = 0; o < t->nflows; o++)
        if (t->flows[o].resources != 0)
            res_drop(t, st, t->flows[o].res_base, t->flows[o].resources, sid, &k);
    for (uint32_t o = 0; o < t->nsets && st->set_words; o++) {
        const struct ksm_hashset *h = &t->sets[o];
        if (h->resources != 0) {
            res_drop(t, st, h->res_base, h->resources, sid, &k);
            pool_free(st->set_words, t->nset_words, h->base, h->pool_size, 1u + h->set_size, k);
        }
    }
    for (uint32_t o = 0; o < t->nmaps && st->map_words; o++) {
        const struct ksm_staticmap *m = &t->maps[o];
        if (m->resources != 0) {
            res_drop(t, st, m->res_base, m->resources, sid, &k);
            pool_free(st->map_words, t->nmap_words, m->base, m->pool_size, 1u + 2u * m->nkeys, k);
        }
    }
}

struct ksm_verdict ksm_decide(const struct ksm_table *t, uint32_t event, uint32_t src_class,
                              uint32_t dst_class, uint32_t endpoint_id, uint32_t method_id,
                              const void *msg, size_t len)
{
    return ksm_decide_state(t, 0, event, src_class, dst_class, KSM_SID_NONE, KSM_SID_NONE,
                            endpoint_id, method_id, msg, len);
}

static struct ksm_verdict decide_calls(const struct ksm_table *t, struct ksm_state *st,
                                       struct ksm_audit_log *log, uint32_t src_sid,
                                       uint32_t dst_sid, const void *msg, size_t len,
                                       const struct ksm_cell *cell, uint32_t slot);

struct ksm_verdict ksm_decide_state(const struct ksm_table *t, struct ksm_state *st, uint32_t event,
                                    uint32_t src_class, uint32_t dst_class, uint32_t src_sid,
                                    uint32_t dst_sid, uint32_t endpoint_id, uint32_t method_id,
                                    const void *msg, size_t len)
{
    return ksm_decide_audit(t, st, 0, event, src_class, dst_class, src_sid, dst_sid, endpoint_id,
                            method_id, msg, len);
}

/* Inlined into its callers when they are compiled with it (the KSM is link-time optimised):
 * what the KSM's loop asks once a question, where the call passed twelve arguments, half of
 * them on the stack, and returned the verdict in two registers to unpack. The general case
 * stays out of line (decide_calls). */
__attribute__((always_inline)) inline struct ksm_verdict
ksm_decide_audit(const struct ksm_table *t, struct ksm_state *st, struct ksm_audit_log *log,
                 uint32_t event, uint32_t src_class, uint32_t dst_class, uint32_t src_sid,
                 uint32_t dst_sid, uint32_t endpoint_id, uint32_t method_id, const void *msg,
                 size_t len)
{
    if (!msg)
        len = 0;
    if (log) {
        log->n = 0;
        log->dropped = 0;
    }
    const struct ksm_cell *cell;
    uint32_t slot;
    uint32_t r = find_cell(t, event, src_class, dst_class, endpoint_id, method_id, &cell, &slot);
    if (r != KSM_R_RULE)
        return deny(r, 0);
    /* An error answer carries the method's error parameters; a method without any may only get
     * a bare one (the header alone: "refused", no data, no handles). Anything more would be a
     * response passed off as an error, decided under the error rules instead of its own. */
    if (event == KSM_EV_ERROR && !slot_has_error(t, slot) && len > KSM_HEADER_SIZE) {
        struct ksm_verdict d = deny(KSM_R_NO_ERROR_PARAMS, 0);
        d.slot = slot;
        return d;
    }
    if (cell->count == 0) {
        struct ksm_verdict d = deny(KSM_R_DEFAULT_DENY, 0);
        d.slot = slot;
        return d;
    }
    if (t->max_state_writes > KSM_STATE_CHANGES_MAX)
        return deny(KSM_R_BAD_TABLE, 0);
    /* The commonest cell, one unconditional grant: nothing to evaluate and no state, so none of
     * the machinery below. The verdict is the one the loop would give. */
    if (cell->count == 1) {
        uint32_t call_no = t->cell_calls[cell->first];
        if (call_no < t->ncalls && t->calls[call_no].kind == KSM_CALL_GRANT &&
            t->calls[call_no].choice == 0) {
            const struct ksm_call *c = &t->calls[call_no];
            struct ksm_verdict v = {KSM_GRANTED, audits_grants(t, c) ? 1 : 0, KSM_R_RULE, c->loc, 0,
                                    slot};
            return v;
        }
    }
    /* Records only when the table audits some model object: otherwise nothing looks. */
    return decide_calls(t, st, t->obj_audit ? log : 0, src_sid, dst_sid, msg, len, cell, slot);
}

/* The calls of a cell in order, with the state they read and change (ksm_decide_state's
 * general case). Out of line: its context and undo log are a large frame that the unconditional
 * grant above does not set up. */
static __attribute__((noinline)) struct ksm_verdict
decide_calls(const struct ksm_table *t, struct ksm_state *st, struct ksm_audit_log *log,
             uint32_t src_sid, uint32_t dst_sid, const void *msg, size_t len,
             const struct ksm_cell *cell, uint32_t slot)
{
    struct sctx x;
    x.t = t;
    x.st = st;
    x.log = log;
    x.flow_from = 0;
    x.sid[KSM_SID_SRC] = src_sid;
    x.sid[KSM_SID_DST] = dst_sid;
    x.nundo = 0;
    x.ngone = 0;
    x.nchosen = 0;
    uint8_t audit = 0;
    uint32_t first_applied = UINT32_MAX;
    for (uint32_t i = 0; i < cell->count; i++) {
        uint32_t call_no = t->cell_calls[cell->first + i];
        if (call_no >= t->ncalls) {
            roll_back(&x);
            return deny(KSM_R_BAD_TABLE, 0);
        }
        const struct ksm_call *c = &t->calls[call_no];
        int granted = 0, applies = 1;
        uint32_t r = KSM_R_RULE, field = 0;
        uint64_t detail_a = 0, detail_b = 0; /* the audit record's (ksm_audit_rec) */
        x.profile = c->audit_profile;
        x.loc = c->loc;
        if (c->choice != 0)
            r = in_chosen_case(&x, c, msg, len, &field, &applies);
        if (r == KSM_R_RULE && !applies)
            continue; /* a case of a choice the event does not take */
        if (first_applied == UINT32_MAX)
            first_applied = call_no;
        if (r != KSM_R_RULE) {
            /* the choice around the call could not be computed: the event is denied */
        } else if (c->kind == KSM_CALL_GRANT) {
            granted = 1;
        } else if (c->kind == KSM_CALL_DENY) {
            granted = 0;
        } else if (c->kind == KSM_CALL_ASSERT || c->kind == KSM_CALL_DENY_IF) {
            uint64_t v = 0;
            r = eval(t, c->code_start, c->code_len, msg, len, &v, &field, &x);
            granted = (c->kind == KSM_CALL_ASSERT) ? v != 0 : v == 0;
        } else if (c->kind >= KSM_CALL_FLOW_INIT && c->kind <= KSM_CALL_FLOW_ALLOW) {
            uint64_t rsid = 0;
            x.flow_from = 0;
            if (c->sid == KSM_SID_RESOURCE)
                r = resource_sid(&x, c, msg, len, &rsid, &field);
            if (r == KSM_R_RULE)
                r = flow_call(&x, c, rsid, &granted);
            detail_a = x.flow_from;
            detail_b = c->kind == KSM_CALL_FLOW_ENTER ? c->arg + 1u
                       : c->kind == KSM_CALL_FLOW_INIT
                           ? (c->object < t->nflows ? t->flows[c->object].initial + 1u : 0)
                       : c->kind == KSM_CALL_FLOW_ALLOW ? c->arg
                                                        : 0;
        } else if (c->kind >= KSM_CALL_SET_INIT && c->kind <= KSM_CALL_SET_REMOVE) {
            uint64_t rsid = 0, entry = 0;
            if (c->sid == KSM_SID_RESOURCE)
                r = resource_sid(&x, c, msg, len, &rsid, &field);
            if (r == KSM_R_RULE && (c->kind == KSM_CALL_SET_ADD || c->kind == KSM_CALL_SET_REMOVE))
                r = eval(t, c->code_start, c->code_len, msg, len, &entry, &field, &x);
            if (r == KSM_R_RULE)
                r = set_call(&x, c, rsid, entry, &granted);
            detail_a = entry;
        } else if (c->kind >= KSM_CALL_MAP_INIT && c->kind <= KSM_CALL_MAP_ROLLBACK) {
            uint64_t rsid = 0, value = 0;
            if (c->sid == KSM_SID_RESOURCE)
                r = resource_sid(&x, c, msg, len, &rsid, &field);
            if (r == KSM_R_RULE && c->kind == KSM_CALL_MAP_SET)
                r = eval(t, c->code_start, c->code_len, msg, len, &value, &field, &x);
            if (r == KSM_R_RULE)
                r = map_call(&x, c, rsid, value, &granted);
            detail_a = c->arg;
            detail_b = value;
        } else if (c->kind >= KSM_CALL_MIC_EXECUTE && c->kind <= KSM_CALL_MIC_WRITE) {
            uint64_t target = 0, container = 0;
            if (c->code_len != 0)
                r = eval(t, c->code_start, c->code_len, msg, len, &target, &field, &x);
            if (r == KSM_R_RULE && c->code2_len != 0)
                r = eval(t, c->code2_start, c->code2_len, msg, len, &container, &field, &x);
            if (r == KSM_R_RULE)
                r = mic_call(&x, c, target, container, c->code2_len != 0, &granted);
            detail_a = target;
        } else {
            r = KSM_R_BAD_TABLE;
        }
        if (x.log && r == KSM_R_RULE && c->kind >= KSM_CALL_FLOW_INIT)
            audit_method(&x,
                         c->kind <= KSM_CALL_FLOW_ALLOW     ? 0
                         : c->kind <= KSM_CALL_SET_REMOVE   ? 1
                         : c->kind <= KSM_CALL_MAP_ROLLBACK ? 2
                                                            : 3,
                         c->object, c->kind, granted, detail_a, detail_b,
                         c->kind <= KSM_CALL_FLOW_ALLOW ? detail_a : 0);
        if (r != KSM_R_RULE || !granted) {
            struct ksm_verdict d = deny(r, c->loc);
            d.field = field;
            d.slot = slot;
            roll_back(&x);
            return d;
        }
        if (audits_grants(t, c))
            audit = 1;
    }
    if (first_applied == UINT32_MAX) {
        struct ksm_verdict d = deny(KSM_R_DEFAULT_DENY, 0); /* no case of any choice applies */
        d.slot = slot;
        return d;
    }
    if (x.ngone != 0)
        res_commit(&x);
    struct ksm_verdict v = {KSM_GRANTED, audit, KSM_R_RULE, t->calls[first_applied].loc, 0, slot};
    return v;
}
