/* Tree-walking reference semantics of a policy (see interp.h). */
#include "interp.h"

#include <string.h>

#include "regex.h"
#include "scope.h"

struct ictx {
    const struct policy *p;
    uint32_t event, src, dst, method;
    int server, ep;
    const uint8_t *msg;
    size_t len;      /* the message itself: without the handles' types after it (full_len) */
    size_t full_len; /* with them, if the kernel put them there */
    const char *field;
    uint32_t reason, deny_loc, first_loc;
    int napplied;
    bool audit, denied;
    struct psl_istate *st;
    uint32_t sid[2]; /* src, dst */
};

/*
 * The state number of object o (-1: none) for the process sid_ref names (per[o * nsids + sid])
 * or, for sid_ref KSM_SID_RESOURCE, the resource rsid (res[o]): NULL with *reason
 * KSM_R_NO_STATE when there is no state to be had (no store, a SID past it, a value that is no
 * SID); for a resource without an entry, a new one (-1) when `make` (an init) and the object's
 * `resources` entries are not all taken, else NULL with KSM_R_RULE.
 */
static int *iholder(struct ictx *x, int *per, struct psl_ireslist *res, int o, int sid_ref,
                    int64_t rsid, uint32_t resources, bool make, uint32_t *reason)
{
    *reason = KSM_R_NO_STATE;
    if (!x->st)
        return NULL;
    if (sid_ref == KSM_SID_RESOURCE) {
        if ((uint64_t)rsid > 0xffffffffu)
            return NULL;
        *reason = KSM_R_RULE;
        struct psl_ireslist *l = &res[o];
        for (int i = 0; i < l->n; i++)
            if (l->v[i].sid == (uint64_t)rsid)
                return &l->v[i].value;
        if (!make || (uint32_t)l->n >= resources)
            return NULL;
        l->v[l->n] = (struct psl_ires){(uint64_t)rsid, -1};
        return &l->v[l->n++].value;
    }
    uint32_t sid = x->sid[sid_ref == KSM_SID_DST];
    if (sid >= x->st->nsids)
        return NULL;
    *reason = KSM_R_RULE;
    return &per[(size_t)o * x->st->nsids + sid];
}

/* The table of HashSet object o that the process sid_ref (or the resource rsid) holds: NULL
 * with *reason KSM_R_NO_STATE (no store, SID past it) or KSM_R_RULE (no table); *held where its
 * number is (NULL: a resource without an entry, see iholder). */
static struct psl_itable *itable(struct ictx *x, int o, int sid_ref, int64_t rsid, bool make,
                                 int **held, uint32_t *reason)
{
    *held = iholder(x, x->st ? x->st->table : NULL, x->st ? x->st->set_res : NULL, o, sid_ref, rsid,
                    x->p->sets[o].key.resources, make, reason);
    int k = *held ? **held : -1;
    return k < 0 ? NULL : &x->st->pool[o][k];
}

static int ifind(const struct psl_itable *tb, int64_t e)
{
    for (int i = 0; i < tb->count; i++)
        if (tb->entries[i] == e)
            return i;
    return -1;
}

static uint32_t eval(struct ictx *x, const struct expr *e, int64_t *v);

/* The StaticMap table of object o that the process sid_ref (or the resource rsid) holds, as
 * itable(). */
static struct psl_imap *imap(struct ictx *x, int o, int sid_ref, int64_t rsid, bool make,
                             int **held, uint32_t *reason)
{
    *held = iholder(x, x->st ? x->st->map_table : NULL, x->st ? x->st->map_res : NULL, o, sid_ref,
                    rsid, x->p->maps[o].key.resources, make, reason);
    int k = *held ? **held : -1;
    return k < 0 ? NULL : &x->st->maps[o][k];
}

/* The operands of a Flow, HashSet or StaticMap rule, in ksm_decide()'s order: the resource's
 * SID (sid_e), then the entry or value (e). False with x->reason set when one fails. */
static bool ioperands(struct ictx *x, const struct item *it, int64_t *rsid, int64_t *value)
{
    *rsid = *value = 0;
    x->reason = KSM_R_RULE;
    if (it->sid_e && (x->reason = eval(x, it->sid_e, rsid)) != KSM_R_RULE)
        return false;
    if (it->e && (x->reason = eval(x, it->e, value)) != KSM_R_RULE)
        return false;
    return true;
}

/* A StaticMap rule on the interpreter's state, as iset() below. */
static bool imap_rule(struct ictx *x, const struct item *it)
{
    const struct policy_map *m = &x->p->maps[it->object_id];
    int64_t value, rsid;
    if (!ioperands(x, it, &rsid, &value))
        return false;
    int *held;
    struct psl_imap *tb =
        imap(x, it->object_id, it->sid, rsid, it->call == KSM_CALL_MAP_INIT, &held, &x->reason);
    if (x->reason != KSM_R_RULE)
        return false;
    size_t n = (size_t)m->nkeys;
    switch (it->call) {
    case KSM_CALL_MAP_INIT:
        if (tb || !held)
            return false; /* a table already, or a full resource table */
        for (uint32_t k = 0; k < m->pool_size; k++) {
            struct psl_imap *f = &x->st->maps[it->object_id][k];
            if (!f->used) {
                f->used = true;
                memcpy(f->base, m->defaults, sizeof(uint64_t) * n);
                memcpy(f->work, m->defaults, sizeof(uint64_t) * n);
                *held = (int)k;
                return true;
            }
        }
        return false;
    case KSM_CALL_MAP_FINI:
        if (!tb)
            return false;
        tb->used = false;
        *held = -1;
        return true;
    case KSM_CALL_MAP_SET:
        if (!tb)
            return false;
        tb->work[it->arg] = (uint64_t)value;
        return true;
    case KSM_CALL_MAP_COMMIT:
        if (tb)
            memcpy(tb->base, tb->work, sizeof(uint64_t) * n);
        return tb != NULL;
    default: /* KSM_CALL_MAP_ROLLBACK */
        if (tb)
            memcpy(tb->work, tb->base, sizeof(uint64_t) * n);
        return tb != NULL;
    }
}

/* A HashSet rule on the interpreter's state: true if granted; false with x->reason set to why
 * it could not decide, else KSM_R_RULE. */
static bool iset(struct ictx *x, const struct item *it)
{
    const struct policy_set *s = &x->p->sets[it->object_id];
    int64_t entry, rsid;
    if (!ioperands(x, it, &rsid, &entry))
        return false;
    int *held;
    struct psl_itable *tb =
        itable(x, it->object_id, it->sid, rsid, it->call == KSM_CALL_SET_INIT, &held, &x->reason);
    if (x->reason != KSM_R_RULE)
        return false;
    if (it->call == KSM_CALL_SET_INIT) {
        if (tb || !held)
            return false; /* a table already, or a full resource table */
        for (uint32_t k = 0; k < s->pool_size; k++)
            if (x->st->pool[it->object_id][k].count < 0) {
                x->st->pool[it->object_id][k].count = 0;
                *held = (int)k;
                return true;
            }
        return false;
    }
    if (!tb)
        return false;
    if (it->call == KSM_CALL_SET_FINI) {
        tb->count = -1;
        *held = -1;
        return true;
    }
    int i = ifind(tb, entry);
    if (it->call == KSM_CALL_SET_ADD) {
        if (i >= 0)
            return true;
        if ((uint32_t)tb->count >= s->set_size)
            return false;
        tb->entries[tb->count++] = entry;
        return true;
    }
    if (i < 0)
        return false;
    memmove(&tb->entries[i], &tb->entries[i + 1], sizeof(int64_t) * (size_t)(tb->count - i - 1));
    tb->count--;
    return true;
}

/* Mic, on the interpreter's own store: is level a at or below level b? Degree by degree, then
 * category by category. */
static bool imic_below(uint64_t a, uint64_t b)
{
    if ((a >> 32) > (b >> 32))
        return false;
    for (int k = 0; k < 32; k++)
        if (((a >> k) & 1) && !((b >> k) & 1))
            return false;
    return true;
}

/* The subject sid_ref names in Mic object o: *level and *level_r (0 none); false with
 * KSM_R_NO_STATE in *reason when it has no state; *kernel for the kernel. */
static bool imic_subject(struct ictx *x, int o, int sid_ref, uint64_t *level, uint64_t *level_r,
                         bool *kernel, uint32_t *reason)
{
    const struct policy_mic *m = &x->p->mics[o];
    uint32_t sid = x->sid[sid_ref == KSM_SID_DST];
    *kernel = sid == KSM_SID_KERNEL;
    if (*kernel) {
        uint64_t cats = m->ncategories == 32 ? 0xffffffffu : (1ull << m->ncategories) - 1;
        *level = *level_r = (uint64_t)m->ndegrees << 32 | cats;
        return true;
    }
    if (!x->st || sid >= x->st->nsids) {
        *reason = KSM_R_NO_STATE;
        return false;
    }
    *level = x->st->mic_level[(size_t)o * x->st->nsids + sid];
    *level_r = x->st->mic_level_r[(size_t)o * x->st->nsids + sid];
    return true;
}

/* The resource `sid` of Mic object o: its index in the store, or -1; false with
 * KSM_R_NO_STATE in *reason for a value that is no SID. */
static bool imic_find(struct ictx *x, int o, int64_t sid, int *at, uint32_t *reason)
{
    *at = -1;
    if (!x->st || (uint64_t)sid > 0xffffffffu) {
        *reason = KSM_R_NO_STATE;
        return false;
    }
    for (int i = 0; i < x->st->mic_nres[o]; i++)
        if (x->st->mic_res[o][i].sid == (uint64_t)sid)
            *at = i;
    return true;
}

static uint64_t imic_level(const struct policy_mic *m, uint32_t idx1)
{
    return idx1 ? m->levels[idx1 - 1] : 0;
}

/* A Mic rule on the interpreter's state: true if granted; false with x->reason set to why it
 * could not decide, else KSM_R_RULE. The order of the checks is ksm_decide()'s, so that both
 * name the same reason. */
static bool imic(struct ictx *x, const struct item *it)
{
    int o = it->object_id;
    const struct policy_mic *m = &x->p->mics[o];
    int64_t target = 0, container = 0;
    x->reason = KSM_R_RULE;
    if (it->e && (x->reason = eval(x, it->e, &target)) != KSM_R_RULE)
        return false;
    if (it->e2 && (x->reason = eval(x, it->e2, &container)) != KSM_R_RULE)
        return false;
    x->reason = KSM_R_RULE;
    uint64_t level = imic_level(m, it->arg & 0xffff), level_r = imic_level(m, it->arg >> 16);
    uint64_t a, a_r, b, b_r;
    bool kernel, bkernel;
    if (!imic_subject(x, o, it->sid & 0xf, &a, &a_r, &kernel, &x->reason))
        return false;
    if (it->call == KSM_CALL_MIC_EXECUTE) {
        if (!level_r)
            level_r = level;
        if (kernel || !imic_below(level_r, level))
            return false;
        size_t at = (size_t)o * x->st->nsids + x->sid[(it->sid & 0xf) == KSM_SID_DST];
        x->st->mic_level[at] = level;
        x->st->mic_level_r[at] = level_r;
        return true;
    }
    if (!a)
        return false;
    if (it->call == KSM_CALL_MIC_CALL || it->call == KSM_CALL_MIC_INVOKE) {
        if (!imic_subject(x, o, it->sid >> 4, &b, &b_r, &bkernel, &x->reason) || !b)
            return false;
        return it->call == KSM_CALL_MIC_CALL ? imic_below(a, b) || imic_below(a_r, b)
                                             : imic_below(b, a);
    }
    int t;
    if (!imic_find(x, o, target, &t, &x->reason))
        return false;
    uint64_t tl = t >= 0 ? x->st->mic_res[o][t].level : 0;
    if (it->call == KSM_CALL_MIC_READ)
        return tl && (imic_below(a, tl) || imic_below(a_r, tl));
    if (it->call == KSM_CALL_MIC_WRITE)
        return tl && imic_below(tl, a);
    if (!imic_subject(x, o, it->sid >> 4, &b, &b_r, &bkernel, &x->reason) || !b)
        return false;
    /* every bound: source, driver and (if any) container; the new level must lie below each */
    uint64_t bounds[3] = {a, b, 0};
    int nb = 2;
    if (it->e2) {
        int c;
        if (!imic_find(x, o, container, &c, &x->reason) || c < 0)
            return false;
        bounds[nb++] = x->st->mic_res[o][c].level;
    }
    if (it->call == KSM_CALL_MIC_CREATE && !level) {
        /* the highest level below every bound */
        uint64_t d = UINT64_MAX, cats = 0xffffffffu;
        for (int i = 0; i < nb; i++) {
            if ((bounds[i] >> 32) < d)
                d = bounds[i] >> 32;
            cats &= bounds[i] & 0xffffffffu;
        }
        level = d << 32 | cats;
    }
    for (int i = 0; i < nb; i++)
        if (!imic_below(level, bounds[i]))
            return false;
    if (it->call == KSM_CALL_MIC_CREATE) {
        if (t >= 0 || x->st->mic_nres[o] >= (int)m->resources)
            return false;
        x->st->mic_res[o][x->st->mic_nres[o]++] = (struct psl_imic_res){(uint64_t)target, level};
        return true;
    }
    if (!tl || !imic_below(tl, a))
        return false;
    bool moves = it->call == KSM_CALL_MIC_UPGRADE ? imic_below(tl, level) : imic_below(level, tl);
    if (!moves || tl == level)
        return false;
    x->st->mic_res[o][t].level = level;
    return true;
}

/* A Flow rule on the interpreter's state: true if granted; false with x->reason set to
 * KSM_R_NO_STATE when it cannot be decided, else KSM_R_RULE. */
static bool flow(struct ictx *x, const struct item *it)
{
    const struct policy_flow *f = &x->p->flows[it->object_id];
    int64_t rsid, unused;
    if (!ioperands(x, it, &rsid, &unused))
        return false;
    int none = -1;
    int *cur = iholder(x, x->st ? x->st->cur : NULL, x->st ? x->st->flow_res : NULL, it->object_id,
                       it->sid, rsid, f->key.resources, it->call == KSM_CALL_FLOW_INIT, &x->reason);
    if (x->reason != KSM_R_RULE)
        return false;
    if (!cur && it->call == KSM_CALL_FLOW_INIT)
        return false; /* a full resource table */
    if (!cur)
        cur = &none; /* a resource without a machine */
    switch (it->call) {
    case KSM_CALL_FLOW_INIT:
        if (*cur >= 0)
            return false;
        *cur = f->initial;
        return true;
    case KSM_CALL_FLOW_FINI:
        if (*cur < 0)
            return false;
        *cur = -1;
        return true;
    case KSM_CALL_FLOW_ENTER:
        if (*cur < 0 || !(f->transitions[*cur] & (1u << it->arg)))
            return false;
        *cur = (int)it->arg;
        return true;
    default:
        return *cur >= 0 && (it->arg & (1u << *cur));
    }
}

static bool matches(struct ictx *x, const struct scope *s)
{
    if (s->unreachable || (uint32_t)s->event != x->event)
        return false;
    if (s->src >= 0 && (uint32_t)s->src != x->src)
        return false;
    if (x->event != KSM_EV_SECURITY && s->dst >= 0 && (uint32_t)s->dst != x->dst)
        return false;
    if (x->event == KSM_EV_EXECUTE)
        return true;
    const struct td_iface *it = scope_iface(x->p, x->server, x->ep);
    if (!scope_endpoint_selected(x->p, s, x->server, x->ep))
        return false;
    if (s->method && strcmp(s->method, it->methods[x->method].name))
        return false;
    return true;
}

static uint64_t le(const uint8_t *m, size_t off, int n)
{
    uint64_t u = 0;
    for (int i = 0; i < n; i++)
        u |= (uint64_t)m[off + (size_t)i] << (8 * i);
    return u;
}

/* Where a string's descriptor is: a string field's fixed offset, or an element's of a sequence
 * of strings (str_ref), and the field a failure names. */
struct strref {
    uint64_t off;
    const char *name;
};

/* The message itself in the monitor's copy: len without the handles' types the kernel puts
 * after it (one byte per handle, padded to 8), as ksm_decide.c's body_len. */
static size_t message_len(const uint8_t *m, size_t len)
{
    if (!m || len < KSM_HEADER_SIZE)
        return len;
    uint64_t handles = le(m, 16, 2);
    uint64_t end = KSM_HEADER_SIZE + (le(m, 8, 4) + 7) / 8 * 8 + 8 * handles + le(m, 12, 4);
    return handles != 0 && len == end + (handles + 7) / 8 * 8 ? (size_t)end : len;
}

/* A string field against a literal: the field's text is its bytes in the arena up to the first
 * NUL within its count (docs/message-format.md). Returns KSM_R_RULE and *v, or the reason. */
static uint32_t string_equal(struct ictx *x, const struct strref *f, const char *lit, int64_t *v)
{
    if ((uint64_t)f->off + 8 > x->len || x->len < KSM_HEADER_SIZE) {
        x->field = f->name;
        return KSM_R_FIELD_BOUNDS;
    }
    uint64_t arena = KSM_HEADER_SIZE + ((le(x->msg, 8, 4) + 7) / 8) * 8 + 8 * le(x->msg, 16, 2);
    uint64_t off = le(x->msg, f->off, 4), count = le(x->msg, f->off + 4, 4);
    size_t n = 0;
    if (count != 0) {
        if (arena + off + count > x->len) {
            x->field = f->name;
            return KSM_R_FIELD_BOUNDS;
        }
        const char *s = (const char *)x->msg + arena + off;
        while (n < count && s[n] != 0)
            n++;
        *v = strlen(lit) == n && memcmp(s, lit, n) == 0;
    } else {
        *v = lit[0] == 0;
    }
    return KSM_R_RULE;
}

/* The text of a string field: *s and *n (bytes up to the first NUL), or the failure reason. */
static uint32_t string_of(struct ictx *x, const struct strref *f, const uint8_t **s, size_t *n)
{
    if ((uint64_t)f->off + 8 > x->len || x->len < KSM_HEADER_SIZE) {
        x->field = f->name;
        return KSM_R_FIELD_BOUNDS;
    }
    uint64_t arena = KSM_HEADER_SIZE + ((le(x->msg, 8, 4) + 7) / 8) * 8 + 8 * le(x->msg, 16, 2);
    uint64_t off = le(x->msg, f->off, 4), count = le(x->msg, f->off + 4, 4);
    *s = x->msg;
    *n = 0;
    if (count == 0)
        return KSM_R_RULE;
    if (arena + off + count > x->len) {
        x->field = f->name;
        return KSM_R_FIELD_BOUNDS;
    }
    *s = x->msg + arena + off;
    while (*n < count && (*s)[*n] != 0)
        (*n)++;
    return KSM_R_RULE;
}

/* A field inside union arms: each union holds its arm (outermost first), else the field is not
 * in the message (KSM_OP_UNION_ARM, which the compiled table runs right before the field is
 * read). Returns KSM_R_RULE, or the failure reason naming the field. */
static uint32_t arms_held(struct ictx *x, const struct expr *f)
{
    for (int g = 0; f->kind == E_FIELD && g < f->nguards; g++) {
        if ((uint64_t)f->guards[g].tag_off + 4 > x->len) {
            x->field = f->field_name;
            return KSM_R_FIELD_BOUNDS;
        }
        if (le(x->msg, f->guards[g].tag_off, 4) != f->guards[g].arm) {
            x->field = f->field_name;
            return KSM_R_UNION_ARM;
        }
    }
    return KSM_R_RULE;
}

/* The message offset of element i of e->a in a.[i].<path> (its index evaluated first), with
 * each union on the path holding its arm there (KSM_OP_ELEM_ADDR, then KSM_OP_UNION_ARM with
 * KSM_INSN_BASE): *base, or the failure reason. */
static uint32_t elements_of(struct ictx *x, const struct expr *f, uint64_t *first, uint64_t *n);
static uint32_t inner_of(struct ictx *x, const struct expr *f, uint64_t base, uint64_t *first,
                         uint64_t *n);
static uint32_t elem_base(struct ictx *x, const struct expr *e, uint64_t *base)
{
    int64_t i;
    uint64_t first, n;
    uint32_t r;
    if (e->a->kind == E_INDEX) { /* in the compiled order: the outer element's offset, then i */
        uint64_t outer;
        if ((r = elem_base(x, e->a, &outer)) != KSM_R_RULE ||
            (r = eval(x, e->b, &i)) != KSM_R_RULE ||
            (r = inner_of(x, e->a, outer, &first, &n)) != KSM_R_RULE)
            return r;
    } else if ((r = eval(x, e->b, &i)) != KSM_R_RULE ||
               (r = elements_of(x, e->a, &first, &n)) != KSM_R_RULE) {
        return r;
    }
    if ((uint64_t)i >= n) {
        x->field = e->a->field_name;
        return KSM_R_FIELD_BOUNDS;
    }
    *base = first + (uint64_t)i * e->a->size;
    for (int g = 0; g < e->nguards; g++) {
        x->field = e->field_name;
        if (*base + e->guards[g].tag_off + 4 > x->len)
            return KSM_R_FIELD_BOUNDS;
        if (le(x->msg, (size_t)(*base + e->guards[g].tag_off), 4) != e->guards[g].arm)
            return KSM_R_UNION_ARM;
    }
    return KSM_R_RULE;
}

/* The sequence whose descriptor is at byte at: its first element and count (as KSM_OP_SEQ_COUNT
 * checks them: the descriptor and every element inside the message), or the failure reason
 * naming f. */
static uint32_t seq_of(struct ictx *x, const struct expr *f, uint64_t at, uint64_t *first,
                       uint64_t *n)
{
    if (at + 8 > x->len || x->len < KSM_HEADER_SIZE) {
        x->field = f->field_name;
        return KSM_R_FIELD_BOUNDS;
    }
    uint64_t arena = KSM_HEADER_SIZE + ((le(x->msg, 8, 4) + 7) / 8) * 8 + 8 * le(x->msg, 16, 2);
    *first = arena + le(x->msg, (size_t)at, 4);
    *n = le(x->msg, (size_t)at + 4, 4);
    if (*n != 0 && *first + *n * f->size > x->len) {
        x->field = f->field_name;
        return KSM_R_FIELD_BOUNDS;
    }
    return KSM_R_RULE;
}

/* A sequence or array in element i (f, an E_INDEX), that element at base: its first element and
 * count (a sequence's checked as seq_of does; an array's are read where the reader checks). */
static uint32_t inner_of(struct ictx *x, const struct expr *f, uint64_t base, uint64_t *first,
                         uint64_t *n)
{
    if (!f->is_array)
        return seq_of(x, f, base + f->offset, first, n);
    *first = base + f->offset;
    *n = f->count;
    return KSM_R_RULE;
}

/* A sequence or array field f, or a sequence in an element (f an E_INDEX): the message offset of
 * its first element and its element count, or the failure reason (an arm it lies in not held,
 * the descriptor or an element outside the message). */
static uint32_t elements_of(struct ictx *x, const struct expr *f, uint64_t *first, uint64_t *n)
{
    if (f->kind == E_INDEX) {
        uint64_t base;
        uint32_t rc = elem_base(x, f, &base);
        return rc != KSM_R_RULE ? rc : inner_of(x, f, base, first, n);
    }
    uint32_t r = arms_held(x, f);
    if (r != KSM_R_RULE)
        return r;
    if (f->is_array) {
        *first = f->offset;
        *n = f->count;
        return KSM_R_RULE;
    }
    return seq_of(x, f, f->offset, first, n);
}


/* The descriptor of string operand f: a field's, or that of element i of a sequence of strings
 * (its index evaluated first, as KSM_OP_SEQ_STR pops it). */
static uint32_t str_ref(struct ictx *x, const struct expr *f, struct strref *r)
{
    r->off = f->offset;
    r->name = f->field_name;
    if (f->kind != E_INDEX)
        return arms_held(x, f);
    if (f->a->elem_struct) { /* a string in an element: its descriptor offset bytes in */
        uint64_t base;
        uint32_t rc = elem_base(x, f, &base);
        r->off = base + f->offset;
        return rc;
    }
    int64_t i;
    uint64_t first, n, base;
    uint32_t rc;
    if (f->a->kind == E_INDEX) { /* string j of a sequence in element i: i, j, then the strings */
        if ((rc = elem_base(x, f->a, &base)) != KSM_R_RULE ||
            (rc = eval(x, f->b, &i)) != KSM_R_RULE ||
            (rc = inner_of(x, f->a, base, &first, &n)) != KSM_R_RULE)
            return rc;
    } else if ((rc = eval(x, f->b, &i)) != KSM_R_RULE ||
               (rc = elements_of(x, f->a, &first, &n)) != KSM_R_RULE) {
        return rc;
    }
    /* a sequence's descriptors are checked here (KSM_OP_SEQ_STR, ELEM_ADDR of a sequence); an
     * array's in place only when the string is read (ELEM_ADDR of an array, or a fixed offset) */
    if ((uint64_t)i >= n || (!f->a->is_array && first + ((uint64_t)i + 1) * 8 > x->len)) {
        x->field = f->a->field_name;
        return KSM_R_FIELD_BOUNDS;
    }
    r->off = first + (uint64_t)i * 8;
    return KSM_R_RULE;
}

/* A string comparison other than field == literal: -1, 0 or 1 into *v (memcmp order). */
static uint32_t string_order(struct ictx *x, const struct expr *e, int64_t *v)
{
    const struct expr *a = e->a, *b = e->b;
    const uint8_t *sa, *sb;
    size_t na, nb;
    uint32_t r;
    /* Evaluated in the compiled order: the field first (the left one when both are). */
    const struct expr *f = a->kind == E_STR ? b : a, *o = a->kind == E_STR ? a : b;
    struct strref fr, or ;
    /* both descriptors first (elements' indexes), then both texts: the compiled order */
    if ((r = str_ref(x, f, &fr)) != KSM_R_RULE)
        return r;
    if (o->kind != E_STR && (r = str_ref(x, o, & or)) != KSM_R_RULE)
        return r;
    if ((r = string_of(x, &fr, &sa, &na)) != KSM_R_RULE)
        return r;
    if (o->kind == E_STR) {
        sb = (const uint8_t *)o->str;
        nb = strlen(o->str);
    } else if ((r = string_of(x, & or, &sb, &nb)) != KSM_R_RULE) {
        return r;
    }
    size_t m = na < nb ? na : nb;
    int c = memcmp(sa, sb, m);
    int order = c < 0 ? -1 : c > 0 ? 1 : na < nb ? -1 : na > nb ? 1 : 0;
    if (f != a)
        order = -order; /* the literal was on the left */
    switch (e->op) {
    case T_EQ:
        *v = order == 0;
        break;
    case T_NE:
        *v = order != 0;
        break;
    case T_LT:
        *v = order < 0;
        break;
    case T_LE:
        *v = order <= 0;
        break;
    case T_GT:
        *v = order > 0;
        break;
    default:
        *v = order >= 0;
        break;
    }
    return KSM_R_RULE;
}

/* Element i of a sequence or array (its elements from first, n of them) through a union in it:
 * each union's arm checked, then its tag or the arm's field read, at their offsets in the
 * element (KSM_OP_ELEM_ADDR, then KSM_INSN_BASE reads). */
static uint32_t element_union(struct ictx *x, const struct expr *e, int64_t *v)
{
    uint64_t base;
    uint32_t r = elem_base(x, e, &base);
    if (r != KSM_R_RULE)
        return r;
    /* the tag, an integer element, or a field of a struct element (e's offset, size, sign) */
    const struct expr *w = e->arms || e->a->elem_struct ? e : e->a;
    x->field = e->field_name;
    if (base + e->offset + w->size > x->len)
        return KSM_R_FIELD_BOUNDS;
    uint64_t u = le(x->msg, (size_t)(base + e->offset), (int)w->size);
    if (e->arms) {
        if (u >= e->arms)
            return KSM_R_UNION_ARM;
    } else if (w->sign == 1 && w->size < 8 && (u >> (8 * w->size - 1)) & 1) {
        u |= ~(uint64_t)0 << (8 * w->size);
    }
    *v = (int64_t)u;
    return KSM_R_RULE;
}

/* Returns KSM_R_RULE and *v, or the failure reason. */
/* Whether value a (signed: an int64_t, else a uint64_t) lies in component k's type of hs, as
 * KSM_OP_ENTRY_RANGE decides it, here written from the type's bounds. */
static bool in_component(const struct policy_set *hs, int k, int64_t a, bool is_signed)
{
    unsigned bits = hs->comp_bits[k];
    if (hs->comp_signed[k]) {
        int64_t max = bits == 64 ? INT64_MAX : (int64_t)((1ull << (bits - 1)) - 1);
        return is_signed ? a >= -max - 1 && a <= max : (uint64_t)a <= (uint64_t)max;
    }
    uint64_t max = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
    return (!is_signed || a >= 0) && (uint64_t)a <= max;
}

static uint32_t eval(struct ictx *x, const struct expr *e, int64_t *v)
{
    int64_t a, b;
    uint32_t r;
    switch (e->kind) {
    case E_INT:
    case E_BOOL:
        *v = (int64_t)e->value;
        return KSM_R_RULE;
    case E_STR:
        *v = 0;
        return KSM_R_RULE;
    case E_FIELD: {
        if (e->handle_part) {
            /* the handle table after the fixed part: {SID, rights} per handle */
            if ((uint64_t)e->offset + 4 > x->len || x->len < KSM_HEADER_SIZE) {
                x->field = e->field_name;
                return KSM_R_FIELD_BOUNDS;
            }
            uint64_t index = le(x->msg, e->offset, 4), count = le(x->msg, 16, 2);
            uint64_t table = KSM_HEADER_SIZE + ((le(x->msg, 8, 4) + 7) / 8) * 8;
            if (e->handle_part == 3) {
                /* the types after the message, one byte each, padded to 8: only when the
                 * kernel put them there (the length says) */
                uint64_t end = table + 8 * count + le(x->msg, 12, 4);
                if (index >= count || x->full_len != end + (count + 7) / 8 * 8) {
                    x->field = e->field_name;
                    return KSM_R_FIELD_BOUNDS;
                }
                *v = x->msg[end + index];
                return KSM_R_RULE;
            }
            uint64_t at = table + 8 * index + (e->handle_part == 2 ? 4 : 0);
            if (index >= count || at + 4 > x->len) {
                x->field = e->field_name;
                return KSM_R_FIELD_BOUNDS;
            }
            *v = (int64_t)le(x->msg, (size_t)at, 4);
            return KSM_R_RULE;
        }
        /* through union arms: each union holds its arm, else the field is not in the message */
        if ((r = arms_held(x, e)) != KSM_R_RULE)
            return r;
        if ((uint64_t)e->offset + e->size > x->len) {
            x->field = e->field_name;
            return KSM_R_FIELD_BOUNDS;
        }
        if (e->arms) { /* a union's tag: one of its arms, or the message is not one to decide */
            uint64_t tag = le(x->msg, e->offset, 4);
            if (tag >= e->arms) {
                x->field = e->field_name;
                return KSM_R_UNION_ARM;
            }
            *v = (int64_t)tag;
            return KSM_R_RULE;
        }
        uint64_t u = 0;
        for (uint32_t i = 0; i < e->size; i++)
            u |= (uint64_t)x->msg[e->offset + i] << (8 * i);
        if (e->sign == 1 && e->size < 8 && (u >> (8 * e->size - 1)) & 1)
            u |= ~(uint64_t)0 << (8 * e->size);
        *v = (int64_t)u;
        return KSM_R_RULE;
    }
    case E_UNARY:
        if ((r = eval(x, e->a, &a)) != KSM_R_RULE)
            return r;
        if (e->op == T_BANG) {
            *v = !a;
            return KSM_R_RULE;
        }
        if (e->op == T_TILDE) { /* -a - 1 in two's complement: the same bits either sign */
            *v = (int64_t)(UINT64_MAX - (uint64_t)a);
            return KSM_R_RULE;
        }
        if (a == INT64_MIN)
            return KSM_R_OVERFLOW;
        *v = -a;
        return KSM_R_RULE;
    case E_CONTAINS: {
        int64_t rsid = 0;
        int *held;
        if (e->sid_e && (r = eval(x, e->sid_e, &rsid)) != KSM_R_RULE)
            return r;
        if ((r = eval(x, e->a, &a)) != KSM_R_RULE)
            return r;
        struct psl_itable *tb = itable(x, e->object_id, e->sid, rsid, false, &held, &r);
        if (!tb)
            return KSM_R_NO_STATE;
        *v = ifind(tb, a) >= 0;
        return KSM_R_RULE;
    }
    case E_MAP_GET: {
        int64_t rsid = 0;
        int *held;
        if (e->sid_e && (r = eval(x, e->sid_e, &rsid)) != KSM_R_RULE)
            return r;
        struct psl_imap *tb = imap(x, e->object_id, e->sid, rsid, false, &held, &r);
        if (!tb)
            return KSM_R_NO_STATE;
        *v = (int64_t)(e->op ? tb->work : tb->base)[e->value];
        return KSM_R_RULE;
    }
    case E_QUERY: {
        if (e->op == 1) { /* Mic query_level: the degree of a subject's or resource's level */
            uint64_t level = 0, level_r;
            bool kernel;
            if (e->a) {
                int at;
                if ((r = eval(x, e->a, &a)) != KSM_R_RULE)
                    return r;
                if (!imic_find(x, e->object_id, a, &at, &r))
                    return r;
                if (at >= 0)
                    level = x->st->mic_res[e->object_id][at].level;
            } else if (!imic_subject(x, e->object_id, e->sid, &level, &level_r, &kernel, &r)) {
                return r;
            }
            if (!level)
                return KSM_R_NO_STATE;
            *v = (int64_t)(level >> 32) - 1;
            return KSM_R_RULE;
        }
        int64_t rsid = 0;
        if (e->sid_e && (r = eval(x, e->sid_e, &rsid)) != KSM_R_RULE)
            return r;
        const int *cur = iholder(x, x->st ? x->st->cur : NULL, x->st ? x->st->flow_res : NULL,
                                 e->object_id, e->sid, rsid, 0, false, &r);
        if (!cur || *cur < 0)
            return KSM_R_NO_STATE;
        *v = *cur;
        return KSM_R_RULE;
    }
    case E_REGEX: {
        const uint8_t *s;
        size_t n;
        struct strref sr;
        if ((r = str_ref(x, e->a, &sr)) != KSM_R_RULE ||
            (r = string_of(x, &sr, &s, &n)) != KSM_R_RULE)
            return r;
        static struct psl_rx_program prog;
        char err[256];
        size_t at;
        if (psl_regex_compile(e->str, &prog, err, sizeof err, &at) < 0)
            return KSM_R_BAD_TABLE;
        struct ksm_regex rx = {e->str, prog.ninsns, prog.nclasses, prog.insns,
                               (const uint8_t(*)[32])prog.classes};
        *v = ksm_regex_match(&rx, s, n);
        return *v < 0 ? KSM_R_BAD_TABLE : KSM_R_RULE;
    }
    case E_INDEX: {
        uint64_t first, n;
        if (e->nguards > 0 || e->arms || e->a->kind == E_INDEX)
            return element_union(x, e, v);
        if ((r = eval(x, e->b, &a)) != KSM_R_RULE ||
            (r = elements_of(x, e->a, &first, &n)) != KSM_R_RULE)
            return r;
        /* an integer element, or a field (e's offset, size, sign) of a struct element */
        const struct expr *w = e->a->elem_struct ? e : e->a;
        uint64_t at = first + (uint64_t)a * e->a->size + (e->a->elem_struct ? e->offset : 0);
        if ((uint64_t)a >= n || at + w->size > x->len) {
            x->field = e->a->field_name;
            return KSM_R_FIELD_BOUNDS;
        }
        uint64_t u = le(x->msg, (size_t)at, (int)w->size);
        if (w->sign == 1 && w->size < 8 && (u >> (8 * w->size - 1)) & 1)
            u |= ~(uint64_t)0 << (8 * w->size);
        *v = (int64_t)u;
        return KSM_R_RULE;
    }
    case E_TUPLE: { /* a tuple or dictionary HashSet entry, packed as compile.c packs it */
        const struct policy_set *hs = &x->p->sets[e->object_id];
        uint64_t packed = 0;
        for (int k = e->nargs - 1; k >= 0; k--) {
            if ((r = eval(x, e->args[k], &a)) != KSM_R_RULE)
                return r;
            if (e->args[k]->range_check && !in_component(hs, k, a, e->args[k]->sign != 0))
                return KSM_R_ENTRY_RANGE;
            uint64_t c = (uint64_t)a;
            if (e->nargs > 1 && hs->comp_signed[k])
                c += 1ull << (hs->comp_bits[k] - 1);
            packed = k == e->nargs - 1 ? c : (packed << hs->comp_bits[k]) + c;
        }
        *v = (int64_t)packed;
        return KSM_R_RULE;
    }
    case E_CASE: /* the first case whose condition holds, else the number of conditions */
        for (int i = 0; i < e->nargs; i++) {
            if ((r = eval(x, e->args[i], &a)) != KSM_R_RULE)
                return r;
            if (a) {
                *v = i;
                return KSM_R_RULE;
            }
        }
        *v = e->nargs;
        return KSM_R_RULE;
    case E_CALL:
        if (e->fn == FN_MEMBER && e->b->elem_str) {
            /* the value's text, then the strings in order up to the first equal one */
            const uint8_t *vs, *es;
            size_t vn, en;
            uint64_t first, n;
            struct strref vr;
            uint64_t base = 0;
            if (e->a->kind != E_STR && (r = str_ref(x, e->a, &vr)) != KSM_R_RULE)
                return r;
            /* the sequence's arms, or (in an element) the element, before the value's text */
            if ((r = e->b->kind == E_INDEX ? elem_base(x, e->b, &base) : arms_held(x, e->b)) !=
                KSM_R_RULE)
                return r;
            if (e->a->kind == E_STR) {
                vs = (const uint8_t *)e->a->str;
                vn = strlen(e->a->str);
            } else if ((r = string_of(x, &vr, &vs, &vn)) != KSM_R_RULE) {
                return r;
            }
            if ((r = e->b->kind == E_INDEX ? inner_of(x, e->b, base, &first, &n)
                                           : elements_of(x, e->b, &first, &n)) != KSM_R_RULE)
                return r;
            *v = 0;
            for (uint64_t k = 0; k < n && !*v; k++) {
                struct strref er = {first + 8 * k, e->b->field_name};
                if ((r = string_of(x, &er, &es, &en)) != KSM_R_RULE)
                    return r;
                *v = vn == en && memcmp(vs, es, vn) == 0;
            }
            return KSM_R_RULE;
        }
        if (e->fn == FN_MEMBER) {
            uint64_t first, n;
            if ((r = eval(x, e->a, &a)) != KSM_R_RULE)
                return r;
            if ((r = elements_of(x, e->b, &first, &n)) != KSM_R_RULE)
                return r;
            /* the elements, or (e->c) a field of each: its offset in the element, width, sign */
            const struct expr *w = e->c ? e->c : e->b;
            uint64_t skip = e->c ? e->c->offset : 0;
            if (n != 0 && first + (n - 1) * e->b->size + skip + w->size > x->len) {
                x->field = e->b->field_name;
                return KSM_R_FIELD_BOUNDS;
            }
            *v = 0;
            for (uint64_t k = 0; k < n && !*v; k++) {
                /* through unions' arms: an element whose union holds another arm (or a tag
                 * naming none) does not match */
                bool held = true;
                for (int g = 0; e->c && g < e->c->nguards && held; g++) {
                    uint64_t at = first + k * e->b->size + e->c->guards[g].tag_off;
                    if (at + 4 > x->len) {
                        x->field = e->b->field_name;
                        return KSM_R_FIELD_BOUNDS;
                    }
                    held = le(x->msg, (size_t)at, 4) == e->c->guards[g].arm;
                }
                uint64_t u = le(x->msg, (size_t)(first + k * e->b->size + skip), (int)w->size);
                if (w->sign == 1 && w->size < 8 && (u >> (8 * w->size - 1)) & 1)
                    u |= ~(uint64_t)0 << (8 * w->size);
                if (held && u == (uint64_t)a)
                    *v = 1;
            }
            return KSM_R_RULE;
        }
        if (e->fn == FN_LENGTH && e->a->type == TY_SEQ) {
            uint64_t first, n;
            if ((r = elements_of(x, e->a, &first, &n)) != KSM_R_RULE)
                return r;
            *v = (int64_t)n;
            return KSM_R_RULE;
        }
        if (e->fn == FN_LENGTH) {
            const uint8_t *s;
            size_t n;
            struct strref sr;
            if ((r = str_ref(x, e->a, &sr)) != KSM_R_RULE ||
                (r = string_of(x, &sr, &s, &n)) != KSM_R_RULE)
                return r;
            *v = (int64_t)n;
            return KSM_R_RULE;
        }
        if ((r = eval(x, e->a, &a)) != KSM_R_RULE)
            return r;
        if (e->fn == FN_ABS) {
            if (a == INT64_MIN)
                return KSM_R_OVERFLOW;
            *v = a < 0 ? -a : a;
            return KSM_R_RULE;
        }
        if (e->fn == FN_CAST) { /* the value as a 65-bit integer, against the type's range */
            __int128 w = e->a->sign != 0 ? (__int128)a : (__int128)(uint64_t)a;
            unsigned bits = (unsigned)e->value;
            __int128 lo = e->sign ? -((__int128)1 << (bits - 1)) : 0;
            __int128 hi = ((__int128)1 << (e->sign ? bits - 1 : bits)) - 1;
            if (w < lo || w > hi)
                return KSM_R_OVERFLOW;
            *v = a;
            return KSM_R_RULE;
        }
        return eval(x, a ? e->b : e->c, v); /* cond */
    case E_BINARY:
        break;
    }
    if (e->op == T_IMPLIES) {
        if ((r = eval(x, e->a, &a)) != KSM_R_RULE)
            return r;
        if (!a) {
            *v = 1;
            return KSM_R_RULE;
        }
        if ((r = eval(x, e->b, &b)) != KSM_R_RULE)
            return r;
        *v = b != 0;
        return KSM_R_RULE;
    }
    if (e->a->type == TY_STR &&
        !((e->op == T_EQ || e->op == T_NE) && (e->a->kind == E_STR || e->b->kind == E_STR)))
        return string_order(x, e, v);
    if ((e->op == T_EQ || e->op == T_NE) && e->a->type == TY_STR) {
        const struct expr *f = e->a->kind != E_STR ? e->a : e->b;
        const struct expr *lit = e->a->kind != E_STR ? e->b : e->a;
        struct strref fr;
        if ((r = str_ref(x, f, &fr)) != KSM_R_RULE ||
            (r = string_equal(x, &fr, lit->str, v)) != KSM_R_RULE)
            return r;
        if (e->op == T_NE)
            *v = !*v;
        return KSM_R_RULE;
    }
    if ((r = eval(x, e->a, &a)) != KSM_R_RULE)
        return r;
    if (e->op == T_ANDAND && !a) {
        *v = 0;
        return KSM_R_RULE;
    }
    if (e->op == T_OROR && a) {
        *v = 1;
        return KSM_R_RULE;
    }
    if ((r = eval(x, e->b, &b)) != KSM_R_RULE)
        return r;
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    bool u = e->sign == 0;
    switch (e->op) {
    case T_ANDAND:
    case T_OROR:
        *v = b != 0;
        return KSM_R_RULE;
    case T_PLUS:
        if (u) {
            if (ua + ub < ua)
                return KSM_R_OVERFLOW;
            *v = (int64_t)(ua + ub);
        } else {
            if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
                return KSM_R_OVERFLOW;
            *v = a + b;
        }
        return KSM_R_RULE;
    case T_MINUS:
        if (u) {
            if (ub > ua)
                return KSM_R_OVERFLOW;
            *v = (int64_t)(ua - ub);
        } else {
            if ((b < 0 && a > INT64_MAX + b) || (b > 0 && a < INT64_MIN + b))
                return KSM_R_OVERFLOW;
            *v = a - b;
        }
        return KSM_R_RULE;
    case T_STAR:
        if (u) {
            if (ua && ub > UINT64_MAX / ua)
                return KSM_R_OVERFLOW;
            *v = (int64_t)(ua * ub);
        } else {
            __int128 m = (__int128)a * b;
            if (m > INT64_MAX || m < INT64_MIN)
                return KSM_R_OVERFLOW;
            *v = (int64_t)m;
        }
        return KSM_R_RULE;
    case T_SLASH:
        if (b == 0)
            return KSM_R_DIV_ZERO;
        if (u) {
            *v = (int64_t)(ua / ub);
        } else {
            if (a == INT64_MIN && b == -1)
                return KSM_R_OVERFLOW;
            *v = a / b;
        }
        return KSM_R_RULE;
    case T_PERCENT:
        if (b == 0)
            return KSM_R_DIV_ZERO;
        if (u)
            *v = (int64_t)(ua % ub);
        else
            *v = b == -1 ? 0 : a % b; /* INT64_MIN % -1 is 0: no overflow, though C traps */
        return KSM_R_RULE;
    case T_AMP:
        *v = (int64_t)(ua & ub);
        return KSM_R_RULE;
    case T_PIPE:
        *v = (int64_t)(ua | ub);
        return KSM_R_RULE;
    case T_EQ:
        *v = a == b;
        return KSM_R_RULE;
    case T_NE:
        *v = a != b;
        return KSM_R_RULE;
    case T_LT:
        *v = u ? ua < ub : a < b;
        return KSM_R_RULE;
    case T_LE:
        *v = u ? ua <= ub : a <= b;
        return KSM_R_RULE;
    case T_GT:
        *v = u ? ua > ub : a > b;
        return KSM_R_RULE;
    default:
        *v = u ? ua >= ub : a >= b;
        return KSM_R_RULE;
    }
}

/* The location of the first rule under b that applies to the event's selection (in any case
 * of a choice), or 0 when none does. */
static uint32_t first_rule(struct ictx *x, const struct block *b)
{
    if (!matches(x, &b->scope))
        return 0;
    for (int i = 0; i < b->nitems; i++) {
        const struct item *it = &b->items[i];
        uint32_t loc = 0;
        if (it->kind == I_CALL)
            return (uint32_t)it->loc;
        if (it->kind == I_MATCH)
            loc = first_rule(x, it->match);
        for (int k = 0; it->kind == I_CHOICE && k < it->choice->ncases && !loc; k++)
            loc = first_rule(x, &it->choice->cases[k]);
        if (loc)
            return loc;
    }
    return 0;
}

static void walk(struct ictx *x, const struct block *b)
{
    if (x->denied || !matches(x, &b->scope))
        return;
    for (int i = 0; i < b->nitems && !x->denied; i++) {
        const struct item *it = &b->items[i];
        if (it->kind == I_MATCH) {
            walk(x, it->match);
            continue;
        }
        if (it->kind == I_CHOICE) {
            /* The choice is computed once, here, if any of its rules applies to the event (a
             * choice of none is never computed); a failure names its first such rule. */
            const struct choice *ch = it->choice;
            uint32_t first = 0;
            for (int k = 0; k < ch->ncases && !first; k++)
                first = first_rule(x, &ch->cases[k]);
            if (!first)
                continue;
            int64_t arm;
            uint32_t r = eval(x, ch->e, &arm);
            if (r != KSM_R_RULE) {
                x->reason = r;
                x->denied = true;
                x->deny_loc = first;
                return;
            }
            if (arm >= 0 && arm < ch->ncases)
                walk(x, &ch->cases[arm]);
            continue;
        }
        if (it->kind != I_CALL)
            continue;
        if (x->napplied++ == 0)
            x->first_loc = (uint32_t)it->loc;
        bool granted = it->call == KSM_CALL_GRANT;
        if (it->object) {
            granted = it->call >= KSM_CALL_MIC_EXECUTE ? imic(x, it)
                      : it->call >= KSM_CALL_MAP_INIT  ? imap_rule(x, it)
                      : it->call >= KSM_CALL_SET_INIT  ? iset(x, it)
                                                       : flow(x, it);
            if (!granted && x->reason != KSM_R_RULE) {
                x->denied = true;
                x->deny_loc = (uint32_t)it->loc;
                return;
            }
        } else if (it->call == KSM_CALL_ASSERT || it->call == KSM_CALL_DENY_IF) {
            int64_t v;
            uint32_t r = eval(x, it->e, &v);
            if (r != KSM_R_RULE) {
                x->reason = r;
                x->denied = true;
                x->deny_loc = (uint32_t)it->loc;
                return;
            }
            granted = it->call == KSM_CALL_ASSERT ? v != 0 : v == 0;
        }
        if (!granted) {
            x->denied = true;
            x->reason = KSM_R_RULE;
            x->deny_loc = (uint32_t)it->loc;
            return;
        }
        const struct audit_profile *ap = &x->p->profiles[it->audit_profile];
        for (int k = 0; k < ap->nlevels; k++)
            if (ap->levels[k].level == x->p->default_level &&
                (ap->levels[k].mask & KSM_AUDIT_GRANTED))
                x->audit = true;
    }
}

static struct ksm_verdict deny(uint32_t reason, uint32_t loc)
{
    return (struct ksm_verdict){KSM_DENIED, 1, (uint16_t)reason, loc, 0, UINT32_MAX};
}

struct psl_istate psl_istate_new(const struct policy *p, uint32_t nsids)
{
    struct psl_istate st = {psl_alloc(sizeof(int) * ((size_t)p->nflows * nsids + 1)),
                            nsids,
                            psl_alloc(sizeof(int) * ((size_t)p->nsets * nsids + 1)),
                            psl_alloc(sizeof(struct psl_itable *) * ((size_t)p->nsets + 1)),
                            NULL,
                            NULL,
                            NULL,
                            NULL,
                            NULL,
                            NULL,
                            NULL,
                            NULL,
                            NULL};
    for (size_t i = 0; i < (size_t)p->nflows * nsids; i++)
        st.cur[i] = -1;
    for (size_t i = 0; i < (size_t)p->nsets * nsids; i++)
        st.table[i] = -1;
    st.map_table = psl_alloc(sizeof(int) * ((size_t)p->nmaps * nsids + 1));
    st.maps = psl_alloc(sizeof(struct psl_imap *) * ((size_t)p->nmaps + 1));
    for (size_t i = 0; i < (size_t)p->nmaps * nsids; i++)
        st.map_table[i] = -1;
    for (int o = 0; o < p->nmaps; o++) {
        size_t n = (size_t)p->maps[o].nkeys;
        st.maps[o] = psl_alloc(sizeof(struct psl_imap) * p->maps[o].pool_size);
        for (uint32_t k = 0; k < p->maps[o].pool_size; k++)
            st.maps[o][k] = (struct psl_imap){false, psl_alloc(sizeof(uint64_t) * n),
                                              psl_alloc(sizeof(uint64_t) * n)};
    }
    st.mic_level = psl_alloc(sizeof(uint64_t) * ((size_t)p->nmics * nsids + 1));
    st.mic_level_r = psl_alloc(sizeof(uint64_t) * ((size_t)p->nmics * nsids + 1));
    st.mic_res = psl_alloc(sizeof(struct psl_imic_res *) * ((size_t)p->nmics + 1));
    st.mic_nres = psl_alloc(sizeof(int) * ((size_t)p->nmics + 1));
    for (int o = 0; o < p->nmics; o++)
        st.mic_res[o] = psl_alloc(sizeof(struct psl_imic_res) * p->mics[o].resources);
    st.flow_res = psl_alloc(sizeof(struct psl_ireslist) * ((size_t)p->nflows + 1));
    st.set_res = psl_alloc(sizeof(struct psl_ireslist) * ((size_t)p->nsets + 1));
    st.map_res = psl_alloc(sizeof(struct psl_ireslist) * ((size_t)p->nmaps + 1));
    for (int o = 0; o < p->nflows; o++)
        st.flow_res[o].v = psl_alloc(sizeof(struct psl_ires) * p->flows[o].key.resources);
    for (int o = 0; o < p->nsets; o++)
        st.set_res[o].v = psl_alloc(sizeof(struct psl_ires) * p->sets[o].key.resources);
    for (int o = 0; o < p->nmaps; o++)
        st.map_res[o].v = psl_alloc(sizeof(struct psl_ires) * p->maps[o].key.resources);
    for (int o = 0; o < p->nsets; o++) {
        st.pool[o] = psl_alloc(sizeof(struct psl_itable) * p->sets[o].pool_size);
        for (uint32_t k = 0; k < p->sets[o].pool_size; k++)
            st.pool[o][k] =
                (struct psl_itable){-1, psl_alloc(sizeof(int64_t) * (p->sets[o].set_size + 1u))};
    }
    return st;
}

/* A copy of the StaticMap state, to put back after a denied event. */
struct imap_copy {
    int *table;
    bool *used;
    uint64_t *values; /* base then working values of every table, object after object */
};

static struct imap_copy imap_save(const struct policy *p, const struct psl_istate *st)
{
    size_t ntab = 0, nval = 0;
    for (int o = 0; o < p->nmaps; o++) {
        ntab += p->maps[o].pool_size;
        nval += 2 * (size_t)p->maps[o].pool_size * (size_t)p->maps[o].nkeys;
    }
    struct imap_copy c = {psl_alloc(sizeof(int) * ((size_t)p->nmaps * st->nsids + 1)),
                          psl_alloc(sizeof(bool) * (ntab + 1)),
                          psl_alloc(sizeof(uint64_t) * (nval + 1))};
    memcpy(c.table, st->map_table, sizeof(int) * (size_t)p->nmaps * st->nsids);
    size_t t = 0, v = 0;
    for (int o = 0; o < p->nmaps; o++) {
        size_t n = (size_t)p->maps[o].nkeys;
        for (uint32_t k = 0; k < p->maps[o].pool_size; k++, t++, v += 2 * n) {
            c.used[t] = st->maps[o][k].used;
            memcpy(c.values + v, st->maps[o][k].base, sizeof(uint64_t) * n);
            memcpy(c.values + v + n, st->maps[o][k].work, sizeof(uint64_t) * n);
        }
    }
    return c;
}

static void imap_restore(const struct policy *p, struct psl_istate *st, struct imap_copy *c,
                         bool restore)
{
    if (restore) {
        memcpy(st->map_table, c->table, sizeof(int) * (size_t)p->nmaps * st->nsids);
        size_t t = 0, v = 0;
        for (int o = 0; o < p->nmaps; o++) {
            size_t n = (size_t)p->maps[o].nkeys;
            for (uint32_t k = 0; k < p->maps[o].pool_size; k++, t++, v += 2 * n) {
                st->maps[o][k].used = c->used[t];
                memcpy(st->maps[o][k].base, c->values + v, sizeof(uint64_t) * n);
                memcpy(st->maps[o][k].work, c->values + v + n, sizeof(uint64_t) * n);
            }
        }
    }
    psl_free(c->table);
    psl_free(c->used);
    psl_free(c->values);
}

/* A copy of the HashSet state (tables and pools), to put back after a denied event. */
struct iset_copy {
    int *table;
    struct psl_itable *tabs; /* every pool's tables, object after object */
    int64_t *entries;
};

static struct iset_copy iset_save(const struct policy *p, const struct psl_istate *st)
{
    size_t ntab = 0, nent = 0;
    for (int o = 0; o < p->nsets; o++) {
        ntab += p->sets[o].pool_size;
        nent += (size_t)p->sets[o].pool_size * p->sets[o].set_size;
    }
    struct iset_copy c = {psl_alloc(sizeof(int) * ((size_t)p->nsets * st->nsids + 1)),
                          psl_alloc(sizeof(struct psl_itable) * (ntab + 1)),
                          psl_alloc(sizeof(int64_t) * (nent + 1))};
    memcpy(c.table, st->table, sizeof(int) * (size_t)p->nsets * st->nsids);
    size_t t = 0, e = 0;
    for (int o = 0; o < p->nsets; o++)
        for (uint32_t k = 0; k < p->sets[o].pool_size; k++, t++, e += p->sets[o].set_size) {
            c.tabs[t] = st->pool[o][k];
            memcpy(c.entries + e, st->pool[o][k].entries, sizeof(int64_t) * p->sets[o].set_size);
        }
    return c;
}

static void iset_restore(const struct policy *p, struct psl_istate *st, struct iset_copy *c,
                         bool restore)
{
    if (restore) {
        memcpy(st->table, c->table, sizeof(int) * (size_t)p->nsets * st->nsids);
        size_t t = 0, e = 0;
        for (int o = 0; o < p->nsets; o++)
            for (uint32_t k = 0; k < p->sets[o].pool_size; k++, t++, e += p->sets[o].set_size) {
                st->pool[o][k].count = c->tabs[t].count;
                memcpy(st->pool[o][k].entries, c->entries + e,
                       sizeof(int64_t) * p->sets[o].set_size);
            }
    }
    psl_free(c->table);
    psl_free(c->tabs);
    psl_free(c->entries);
}

/* A copy of the Mic state, to put back after a denied event. */
struct imic_copy {
    uint64_t *level, *level_r;
    struct psl_imic_res *res; /* every object's resources, object after object */
    int *nres;
};

static struct imic_copy imic_save(const struct policy *p, const struct psl_istate *st)
{
    size_t n = (size_t)p->nmics * st->nsids, nres = 0;
    for (int o = 0; o < p->nmics; o++)
        nres += p->mics[o].resources;
    struct imic_copy c = {psl_alloc(sizeof(uint64_t) * (n + 1)),
                          psl_alloc(sizeof(uint64_t) * (n + 1)),
                          psl_alloc(sizeof(struct psl_imic_res) * (nres + 1)),
                          psl_alloc(sizeof(int) * ((size_t)p->nmics + 1))};
    memcpy(c.level, st->mic_level, sizeof(uint64_t) * n);
    memcpy(c.level_r, st->mic_level_r, sizeof(uint64_t) * n);
    memcpy(c.nres, st->mic_nres, sizeof(int) * (size_t)p->nmics);
    for (int o = 0, k = 0; o < p->nmics; k += (int)p->mics[o].resources, o++)
        memcpy(c.res + k, st->mic_res[o], sizeof(struct psl_imic_res) * p->mics[o].resources);
    return c;
}

static void imic_restore(const struct policy *p, struct psl_istate *st, struct imic_copy *c,
                         bool restore)
{
    if (restore) {
        size_t n = (size_t)p->nmics * st->nsids;
        memcpy(st->mic_level, c->level, sizeof(uint64_t) * n);
        memcpy(st->mic_level_r, c->level_r, sizeof(uint64_t) * n);
        memcpy(st->mic_nres, c->nres, sizeof(int) * (size_t)p->nmics);
        for (int o = 0, k = 0; o < p->nmics; k += (int)p->mics[o].resources, o++)
            memcpy(st->mic_res[o], c->res + k, sizeof(struct psl_imic_res) * p->mics[o].resources);
    }
    psl_free(c->level);
    psl_free(c->level_r);
    psl_free(c->res);
    psl_free(c->nres);
}

/* A copy of the resources of the objects kept per resource (Flow, HashSet, StaticMap), to put
 * back after a denied event. */
struct ires_copy {
    struct psl_ireslist *lists[3];
};

static const struct psl_ireslist *ires_lists(const struct psl_istate *st, int model, int *n,
                                             const struct policy *p)
{
    *n = model == 0 ? p->nflows : model == 1 ? p->nsets : p->nmaps;
    return model == 0 ? st->flow_res : model == 1 ? st->set_res : st->map_res;
}

static uint32_t ires_capacity(const struct policy *p, int model, int o)
{
    return model == 0   ? p->flows[o].key.resources
           : model == 1 ? p->sets[o].key.resources
                        : p->maps[o].key.resources;
}

static struct ires_copy ires_save(const struct policy *p, const struct psl_istate *st)
{
    struct ires_copy c;
    for (int m = 0; m < 3; m++) {
        int n;
        const struct psl_ireslist *l = ires_lists(st, m, &n, p);
        c.lists[m] = psl_alloc(sizeof(struct psl_ireslist) * ((size_t)n + 1));
        for (int o = 0; o < n; o++) {
            size_t cap = ires_capacity(p, m, o);
            c.lists[m][o] =
                (struct psl_ireslist){psl_alloc(sizeof(struct psl_ires) * (cap + 1)), l[o].n};
            memcpy(c.lists[m][o].v, l[o].v, sizeof(struct psl_ires) * (size_t)l[o].n);
        }
    }
    return c;
}

/* After the event: a denied one gets its copy back; a granted one loses the entries of the
 * resources it left without state (as ksm_decide() removes them). */
static void ires_restore(const struct policy *p, struct psl_istate *st, struct ires_copy *c,
                         bool restore)
{
    for (int m = 0; m < 3; m++) {
        int n;
        struct psl_ireslist *l = (struct psl_ireslist *)ires_lists(st, m, &n, p);
        for (int o = 0; o < n; o++) {
            if (restore) {
                memcpy(l[o].v, c->lists[m][o].v,
                       sizeof(struct psl_ires) * (size_t)c->lists[m][o].n);
                l[o].n = c->lists[m][o].n;
            } else {
                int k = 0;
                for (int i = 0; i < l[o].n; i++)
                    if (l[o].v[i].value >= 0)
                        l[o].v[k++] = l[o].v[i];
                l[o].n = k;
            }
            psl_free(c->lists[m][o].v);
        }
        psl_free(c->lists[m]);
    }
}

/* Removes the entry of resource sid from l (its value in *value, -1: none). */
static void ires_remove(struct psl_ireslist *l, uint64_t sid, int *value)
{
    *value = -1;
    for (int i = 0; i < l->n; i++)
        if (l->v[i].sid == sid) {
            *value = l->v[i].value;
            memmove(&l->v[i], &l->v[i + 1], sizeof l->v[i] * (size_t)(l->n - i - 1));
            l->n--;
            return;
        }
}

void psl_istate_drop_resource(const struct policy *p, struct psl_istate *st, uint64_t sid)
{
    int k;
    for (int o = 0; o < p->nmics; o++)
        for (int i = 0; i < st->mic_nres[o]; i++)
            if (st->mic_res[o][i].sid == sid) {
                memmove(&st->mic_res[o][i], &st->mic_res[o][i + 1],
                        sizeof st->mic_res[o][i] * (size_t)(st->mic_nres[o] - i - 1));
                st->mic_nres[o]--;
                break;
            }
    for (int o = 0; o < p->nflows; o++)
        ires_remove(&st->flow_res[o], sid, &k);
    for (int o = 0; o < p->nsets; o++) {
        ires_remove(&st->set_res[o], sid, &k);
        if (k >= 0)
            st->pool[o][k].count = -1;
    }
    for (int o = 0; o < p->nmaps; o++) {
        ires_remove(&st->map_res[o], sid, &k);
        if (k >= 0)
            st->maps[o][k].used = false;
    }
}

static struct ksm_verdict decide(struct ictx *x, uint32_t ep, const char **field_name);

struct ksm_verdict psl_interpret(const struct policy *p, uint32_t event, uint32_t src, uint32_t dst,
                                 uint32_t ep, uint32_t method, const void *msg, size_t len,
                                 const char **field_name)
{
    return psl_interpret_state(p, NULL, event, src, dst, KSM_SID_NONE, KSM_SID_NONE, ep, method,
                               msg, len, field_name);
}

struct ksm_verdict psl_interpret_state(const struct policy *p, struct psl_istate *st,
                                       uint32_t event, uint32_t src, uint32_t dst, uint32_t src_sid,
                                       uint32_t dst_sid, uint32_t ep, uint32_t method,
                                       const void *msg, size_t len, const char **field_name)
{
    struct ictx x = {
        p,    event, src, dst, method, 0,     0,     msg, msg ? len : 0,     msg ? len : 0,
        NULL, 0,     0,   0,   0,      false, false, st,  {src_sid, dst_sid}};
    x.len = message_len(x.msg, x.full_len);
    size_t n = st ? (size_t)p->nflows * st->nsids : 0;
    int *saved = n ? psl_alloc(sizeof(int) * n) : NULL;
    if (n)
        memcpy(saved, st->cur, sizeof(int) * n);
    struct iset_copy sets = {0};
    if (st && p->nsets)
        sets = iset_save(p, st);
    struct imap_copy maps = {0};
    if (st && p->nmaps)
        maps = imap_save(p, st);
    struct imic_copy mics = {0};
    if (st && p->nmics)
        mics = imic_save(p, st);
    struct ires_copy res = {{0}};
    if (st)
        res = ires_save(p, st);
    struct ksm_verdict v = decide(&x, ep, field_name);
    if (st)
        ires_restore(p, st, &res, v.verdict != KSM_GRANTED);
    if (st && p->nmics)
        imic_restore(p, st, &mics, v.verdict != KSM_GRANTED);
    if (n && v.verdict != KSM_GRANTED)
        memcpy(st->cur, saved, sizeof(int) * n);
    if (saved)
        psl_free(saved);
    if (st && p->nsets)
        iset_restore(p, st, &sets, v.verdict != KSM_GRANTED);
    if (st && p->nmaps)
        imap_restore(p, st, &maps, v.verdict != KSM_GRANTED);
    return v;
}

static struct ksm_verdict decide(struct ictx *x_, uint32_t ep, const char **field_name)
{
    struct ictx x = *x_;
    const struct policy *p = x.p;
    uint32_t event = x.event, src = x.src, dst = x.dst, method = x.method;
    *field_name = NULL;
    if (event >= KSM_EV_COUNT)
        return deny(KSM_R_BAD_EVENT, 0);
    if (src >= (uint32_t)p->nclasses || dst >= (uint32_t)p->nclasses)
        return deny(KSM_R_BAD_CLASS, 0);
    x.server = (int)((event == KSM_EV_EXECUTE || event == KSM_EV_REQUEST) ? dst : src);
    const struct td_class *tc = p->classes[x.server].td;
    if (event != KSM_EV_EXECUTE) {
        if (event == KSM_EV_SECURITY) {
            if (!tc->security)
                return deny(KSM_R_BAD_ENDPOINT, 0);
            x.ep = SCOPE_EP_SECURITY;
        } else {
            if (ep >= (uint32_t)tc->nendpoints)
                return deny(KSM_R_BAD_ENDPOINT, 0);
            x.ep = (int)ep;
        }
        const struct td_iface *iface = scope_iface(p, x.server, x.ep);
        if (method >= (uint32_t)iface->nmethods)
            return deny(KSM_R_BAD_METHOD, 0);
        /* The same rule as ksm_decide(): only a bare error answers a method without error
         * parameters. */
        if (event == KSM_EV_ERROR && !td_method_has_error(&iface->methods[method]) &&
            x.full_len > KSM_HEADER_SIZE)
            return deny(KSM_R_NO_ERROR_PARAMS, 0);
    }
    for (int i = 0; i < p->nbindings && !x.denied; i++)
        walk(&x, &p->bindings[i].body);
    if (x.denied) {
        *field_name = x.field;
        return deny(x.reason, x.deny_loc);
    }
    if (x.napplied == 0)
        return deny(KSM_R_DEFAULT_DENY, 0);
    return (struct ksm_verdict){KSM_GRANTED, x.audit, KSM_R_RULE, x.first_loc, 0, UINT32_MAX};
}
