/*
 * Pattern syntax (docs/policy-language.md, Regex): literal bytes; "." (any byte but a line
 * feed); classes "[a-z_]", "[^...]"; escapes \d \D \w \W \s \S \n \r \t \f \v \xHH and a
 * backslash before any punctuation; groups "(...)" and "(?:...)"; alternation "|"; one
 * quantifier per atom: * + ? {m} {m,} {m,n} (m, n <= 255); anchors ^ and $. Back-references,
 * lazy quantifiers, look-around, word boundaries and POSIX "[:name:]" classes are refused:
 * each needs backtracking or state the one-pass simulation does not keep.
 *
 * The pattern is parsed into a tree (nodes from a fixed pool: at most two per pattern byte),
 * then the tree is turned into NFA instructions; a counted repetition repeats its operand's
 * code. Generation stops at KSM_REGEX_INSNS_MAX instructions, so nested counts cannot make
 * compile time or the program grow without bound.
 */
#include "regex.h"

#include <stdio.h>
#include <string.h>

enum node_kind { N_EMPTY, N_CLASS, N_BOL, N_EOL, N_CAT, N_ALT, N_REP };

struct node {
    enum node_kind kind;
    int cls;      /* N_CLASS */
    int min, max; /* N_REP: max -1 for no bound */
    int first;    /* N_CAT, N_ALT, N_REP: first child; children are linked by next */
    int next;     /* next sibling, -1 */
};

#define NODES_MAX (2 * (int)PSL_REGEX_PATTERN_MAX + 4)
#define GROUP_DEPTH_MAX 64
#define COUNT_MAX 255

struct rx {
    const char *p;
    size_t i, n;
    struct node nodes[NODES_MAX];
    int nnodes;
    int depth;
    struct psl_rx_program *out;
    char *err;
    size_t errlen, *err_at;
    int failed;
};

static void fail(struct rx *r, size_t at, const char *msg)
{
    if (r->failed)
        return;
    r->failed = 1;
    snprintf(r->err, r->errlen, "%s", msg);
    *r->err_at = at;
}

static int node(struct rx *r, enum node_kind k)
{
    if (r->nnodes >= NODES_MAX) {
        fail(r, r->i, "pattern too complex");
        return -1;
    }
    struct node *nd = &r->nodes[r->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->kind = k;
    nd->first = nd->next = -1;
    return r->nnodes++;
}

/* A class is a 256-bit byte set; identical sets share one entry. */
static int class_of(struct rx *r, const uint8_t set[32])
{
    for (uint32_t c = 0; c < r->out->nclasses; c++)
        if (!memcmp(r->out->classes[c], set, 32))
            return (int)c;
    if (r->out->nclasses >= KSM_REGEX_INSNS_MAX) {
        fail(r, r->i, "pattern needs more than 256 states");
        return -1;
    }
    memcpy(r->out->classes[r->out->nclasses], set, 32);
    return (int)r->out->nclasses++;
}

static void set_add(uint8_t set[32], int b)
{
    set[b >> 3] |= (uint8_t)(1u << (b & 7));
}

static void set_range(uint8_t set[32], int lo, int hi)
{
    for (int b = lo; b <= hi; b++)
        set_add(set, b);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/*
 * An escape after the backslash at r->i - 1: adds its bytes to set. Returns the single byte it
 * stands for (for a range bound), or -1 for a class escape (\d ...), -2 after an error.
 */
static int escape(struct rx *r, uint8_t set[32])
{
    size_t at = r->i - 1;
    if (r->i >= r->n) {
        fail(r, at, "pattern ends with a backslash");
        return -2;
    }
    char c = r->p[r->i++];
    uint8_t cls[32] = {0};
    int neg = 0, single = -1;
    switch (c) {
    case 'd':
    case 'D':
        set_range(cls, '0', '9');
        neg = c == 'D';
        break;
    case 'w':
    case 'W':
        set_range(cls, '0', '9');
        set_range(cls, 'a', 'z');
        set_range(cls, 'A', 'Z');
        set_add(cls, '_');
        neg = c == 'W';
        break;
    case 's':
    case 'S':
        set_range(cls, '\t', '\r');
        set_add(cls, ' ');
        neg = c == 'S';
        break;
    case 'n':
        single = '\n';
        break;
    case 'r':
        single = '\r';
        break;
    case 't':
        single = '\t';
        break;
    case 'f':
        single = '\f';
        break;
    case 'v':
        single = '\v';
        break;
    case 'x': {
        int h = r->i < r->n ? hexval(r->p[r->i]) : -1;
        int l = r->i + 1 < r->n ? hexval(r->p[r->i + 1]) : -1;
        if (h < 0 || l < 0 || (h == 0 && l == 0)) {
            fail(r, at, "\\x needs two hexadecimal digits (not 00: the text ends at a NUL)");
            return -2;
        }
        r->i += 2;
        single = h * 16 + l;
        break;
    }
    default:
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            fail(r, at,
                 "escape is not supported (back-references and word boundaries need "
                 "backtracking; escapes: \\d \\D \\w \\W \\s \\S \\n \\r \\t \\f \\v \\xHH)");
            return -2;
        }
        single = (uint8_t)c;
        break;
    }
    if (single >= 0) {
        set_add(set, single);
        return single;
    }
    for (int b = 0; b < 256; b++)
        if (((cls[b >> 3] >> (b & 7)) & 1) != neg)
            set_add(set, b);
    return -1;
}

/* "[...]" after the '[': a class node. */
static int bracket(struct rx *r)
{
    size_t open = r->i - 1;
    uint8_t set[32] = {0};
    int neg = 0;
    if (r->i < r->n && r->p[r->i] == '^') {
        neg = 1;
        r->i++;
    }
    int first = 1;
    for (;;) {
        if (r->i >= r->n) {
            fail(r, open, "unterminated '['");
            return -1;
        }
        char c = r->p[r->i];
        if (c == ']' && !first) {
            r->i++;
            break;
        }
        first = 0;
        if (c == '[' && r->i + 1 < r->n &&
            (r->p[r->i + 1] == ':' || r->p[r->i + 1] == '=' || r->p[r->i + 1] == '.')) {
            fail(r, r->i,
                 "POSIX bracket expressions ([:name:]) are not supported: use \\d, \\w, "
                 "\\s or a range");
            return -1;
        }
        r->i++;
        int lo;
        if (c == '\\') {
            lo = escape(r, set);
            if (lo == -2)
                return -1;
            if (lo == -1)
                continue; /* \d ... inside a class */
        } else {
            lo = (uint8_t)c;
            set_add(set, lo);
        }
        if (r->i + 1 < r->n && r->p[r->i] == '-' && r->p[r->i + 1] != ']') {
            size_t at = r->i;
            r->i++;
            char h = r->p[r->i++];
            int hi = (uint8_t)h;
            if (h == '\\') {
                uint8_t tmp[32] = {0};
                hi = escape(r, tmp);
                if (hi == -2)
                    return -1;
                if (hi == -1) {
                    fail(r, at, "a range cannot end in a class escape");
                    return -1;
                }
            }
            if (hi < lo) {
                fail(r, at, "range out of order");
                return -1;
            }
            set_range(set, lo, hi);
        }
    }
    if (neg)
        for (int k = 0; k < 32; k++)
            set[k] = (uint8_t)~set[k];
    set[0] &= (uint8_t)~1u; /* NUL ends the text: no class matches it */
    int n = node(r, N_CLASS);
    if (n >= 0)
        r->nodes[n].cls = class_of(r, set);
    return n;
}

static int alt(struct rx *r);

/* A decimal count of a {m,n} quantifier. */
static int count(struct rx *r)
{
    int v = 0, digits = 0;
    while (r->i < r->n && r->p[r->i] >= '0' && r->p[r->i] <= '9') {
        v = v * 10 + (r->p[r->i++] - '0');
        digits++;
        if (v > COUNT_MAX) {
            fail(r, r->i - 1, "repetition count above 255");
            return -2;
        }
    }
    return digits ? v : -1;
}

static int atom(struct rx *r)
{
    size_t at = r->i;
    char c = r->p[r->i++];
    uint8_t set[32] = {0};
    int n;
    switch (c) {
    case '(':
        if (++r->depth > GROUP_DEPTH_MAX) {
            fail(r, at, "groups nested deeper than 64");
            return -1;
        }
        if (r->i < r->n && r->p[r->i] == '?') {
            if (r->i + 1 < r->n && r->p[r->i + 1] == ':') {
                r->i += 2;
            } else {
                fail(r, at, "(?...) groups other than (?:...) are not supported");
                return -1;
            }
        }
        n = alt(r);
        if (r->failed)
            return -1;
        if (r->i >= r->n || r->p[r->i] != ')') {
            fail(r, at, "unbalanced '('");
            return -1;
        }
        r->i++;
        r->depth--;
        return n;
    case '[':
        return bracket(r);
    case '.':
        set_range(set, 1, 255);
        set[1] &= (uint8_t) ~(1u << 2); /* '\n' */
        break;
    case '^':
        return node(r, N_BOL);
    case '$':
        return node(r, N_EOL);
    case '\\':
        if (escape(r, set) == -2)
            return -1;
        break;
    case '*':
    case '+':
    case '?':
    case '{':
        fail(r, at, "nothing to repeat");
        return -1;
    case ')':
        fail(r, at, "unbalanced ')'");
        return -1;
    default:
        set_add(set, (uint8_t)c);
        break;
    }
    n = node(r, N_CLASS);
    if (n >= 0)
        r->nodes[n].cls = class_of(r, set);
    return n;
}

/* atom [quantifier] */
static int repeat(struct rx *r)
{
    size_t at = r->i;
    int a = atom(r);
    if (a < 0 || r->failed || r->i >= r->n)
        return a;
    char q = r->p[r->i];
    int min, max;
    if (q == '*' || q == '+' || q == '?') {
        r->i++;
        min = q == '+';
        max = q == '?' ? 1 : -1;
    } else if (q == '{') {
        size_t qat = r->i++;
        min = count(r);
        if (min == -2)
            return -1;
        max = min;
        if (r->i < r->n && r->p[r->i] == ',') {
            r->i++;
            max = count(r);
            if (max == -2)
                return -1;
        }
        if (min < 0 || r->i >= r->n || r->p[r->i] != '}') {
            fail(r, qat, "a count is {m}, {m,} or {m,n}");
            return -1;
        }
        r->i++;
        if (max >= 0 && max < min) {
            fail(r, qat, "repetition {m,n} with n < m");
            return -1;
        }
    } else {
        return a;
    }
    if (r->nodes[a].kind == N_BOL || r->nodes[a].kind == N_EOL) {
        fail(r, at, "an anchor cannot be repeated");
        return -1;
    }
    if (r->i < r->n &&
        (r->p[r->i] == '*' || r->p[r->i] == '+' || r->p[r->i] == '?' || r->p[r->i] == '{')) {
        fail(r, r->i,
             "one quantifier per atom (lazy and possessive quantifiers are not supported)");
        return -1;
    }
    int n = node(r, N_REP);
    if (n < 0)
        return -1;
    r->nodes[n].min = min;
    r->nodes[n].max = max;
    r->nodes[n].first = a;
    return n;
}

/* A list node of kind k whose children are parsed by item until '|', ')' or the end. */
static int cat(struct rx *r)
{
    int n = node(r, N_CAT), last = -1;
    while (n >= 0 && !r->failed && r->i < r->n && r->p[r->i] != '|' && r->p[r->i] != ')') {
        int c = repeat(r);
        if (c < 0)
            return -1;
        if (last < 0)
            r->nodes[n].first = c;
        else
            r->nodes[last].next = c;
        last = c;
    }
    return r->failed ? -1 : n;
}

static int alt(struct rx *r)
{
    int n = node(r, N_ALT), last = -1;
    for (;;) {
        int c = cat(r);
        if (c < 0 || n < 0)
            return -1;
        if (last < 0)
            r->nodes[n].first = c;
        else
            r->nodes[last].next = c;
        last = c;
        if (r->i < r->n && r->p[r->i] == '|') {
            r->i++;
            continue;
        }
        return n;
    }
}

static int emit(struct rx *r, uint8_t op, int cls, int x, int y)
{
    if (r->failed)
        return -1;
    if (r->out->ninsns >= KSM_REGEX_INSNS_MAX) {
        fail(r, 0, "pattern needs more than 256 states");
        return -1;
    }
    struct ksm_rx_insn *in = &r->out->insns[r->out->ninsns];
    in->op = op;
    in->reserved = 0;
    in->cls = (uint16_t)cls;
    in->x = (uint16_t)x;
    in->y = (uint16_t)y;
    return (int)r->out->ninsns++;
}

static int here(struct rx *r)
{
    return (int)r->out->ninsns;
}

static void gen(struct rx *r, int n)
{
    const struct node *nd = &r->nodes[n];
    if (r->failed)
        return;
    switch (nd->kind) {
    case N_EMPTY:
        return;
    case N_CLASS:
        emit(r, KSM_RX_CLASS, nd->cls, here(r) + 1, 0);
        return;
    case N_BOL:
    case N_EOL:
        emit(r, nd->kind == N_BOL ? KSM_RX_BOL : KSM_RX_EOL, 0, here(r) + 1, 0);
        return;
    case N_CAT:
        for (int c = nd->first; c >= 0 && !r->failed; c = r->nodes[c].next)
            gen(r, c);
        return;
    case N_ALT: {
        int jumps[NODES_MAX > 512 ? 512 : NODES_MAX], njumps = 0;
        for (int c = nd->first; c >= 0 && !r->failed; c = r->nodes[c].next) {
            if (r->nodes[c].next < 0) {
                gen(r, c);
                break;
            }
            int s = emit(r, KSM_RX_SPLIT, 0, here(r) + 1, 0);
            gen(r, c);
            int j = emit(r, KSM_RX_JMP, 0, 0, 0);
            if (s < 0 || j < 0 || njumps >= 512) {
                fail(r, 0, "pattern needs more than 256 states");
                return;
            }
            jumps[njumps++] = j;
            r->out->insns[s].y = (uint16_t)here(r);
        }
        for (int k = 0; k < njumps && !r->failed; k++)
            r->out->insns[jumps[k]].x = (uint16_t)here(r);
        return;
    }
    case N_REP: {
        for (int k = 0; k < nd->min && !r->failed; k++)
            gen(r, nd->first);
        if (nd->max < 0) {
            int s = emit(r, KSM_RX_SPLIT, 0, here(r) + 1, 0);
            gen(r, nd->first);
            emit(r, KSM_RX_JMP, 0, s, 0);
            if (s >= 0 && !r->failed)
                r->out->insns[s].y = (uint16_t)here(r);
            return;
        }
        int splits[COUNT_MAX], nsplits = 0;
        for (int k = nd->min; k < nd->max && !r->failed; k++) {
            int s = emit(r, KSM_RX_SPLIT, 0, here(r) + 1, 0);
            if (s < 0)
                return;
            splits[nsplits++] = s;
            gen(r, nd->first);
        }
        for (int k = 0; k < nsplits && !r->failed; k++)
            r->out->insns[splits[k]].y = (uint16_t)here(r);
        return;
    }
    }
}

int psl_regex_compile(const char *pattern, struct psl_rx_program *out, char *err, size_t errlen,
                      size_t *err_at)
{
    static struct rx r; /* the node pool is large; pslc is single-threaded */
    memset(&r, 0, sizeof r);
    memset(out, 0, sizeof *out);
    r.p = pattern;
    r.n = strlen(pattern);
    r.out = out;
    r.err = err;
    r.errlen = errlen;
    r.err_at = err_at;
    if (r.n > PSL_REGEX_PATTERN_MAX) {
        fail(&r, PSL_REGEX_PATTERN_MAX, "pattern longer than 1024 bytes");
        return -1;
    }
    int root = alt(&r);
    if (!r.failed && r.i < r.n)
        fail(&r, r.i, "unbalanced ')'");
    if (r.failed || root < 0)
        return -1;
    gen(&r, root);
    emit(&r, KSM_RX_MATCH, 0, 0, 0);
    return r.failed ? -1 : 0;
}
