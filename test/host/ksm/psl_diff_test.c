/*
 * Differential test: the compiled table (ksm_decide) against a direct interpretation of the
 * parsed policy (psl_interpret) on many random requests, for ksm/policy/test/basic.psl and for
 * hundreds of randomly generated policies (random events, selectors, nested match sections,
 * conditions over every field type, audit profiles). Verdict, reason, deciding rule, audit flag
 * and the named field of a bounds failure must agree on every request. With process state
 * (ksm/policy/test/flow.psl, hashset.psl, staticmap.psl, mic.psl and random policies with Flow,
 * HashSet, StaticMap and Mic objects, the kernel among the SIDs); the auxiliary models' functions, string comparisons, Regex matches and
 * Flow queries appear in the random conditions, choices (Regex select, Flow query) in the random
 * bodies, elements and sizes of a sequence and an array (Seq requests crafted for them), a
 * handle's SID and rights (Blob requests), and models.psl, regex.psl, choice.psl,
 * sequence.psl, handle.psl and union.psl are compared too (on requests crafted for their
 * methods); random policies whose rules all decide one method's requests hold the constructs
 * added later (a handle's type, fields of struct elements, member through a field and of a
 * sequence of strings, strings of a sequence, unions' arms and their fields, strings and
 * sequences in arms, unions as elements, an array of strings and sequences of sequences:
 * Nested; an array of strings in an element, sequences of sequences of strings and of structs:
 * Deeper; sequences of sequences of sequences, of nested structs and of unions: Deepest;
 * arrays of integers, strings and structs as a sequence's elements, an array of arrays: Arrays;
 * and nested.psl), compared on requests crafted for that method;
 * random sequences of events
 * on random SIDs, where verdicts and the whole state after every event must agree, and a denied
 * event must leave the state as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "interp.h"
#include "psl_testlib.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static int pick(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

struct sb {
    char *s;
    size_t n, cap;
};
static void add(struct sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[512];
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (b->n + (size_t)k + 1 > b->cap) {
        b->cap = (b->n + (size_t)k + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, tmp, (size_t)k + 1);
    b->n += (size_t)k;
}

static const char *const classes[] = {"kl.core.Core", "psltest.Client", "psltest.Server",
                                      "psltest.Other", "psltest.Einit"};

/* Usable integer fields of a method's part: "name" and signedness. */
struct fieldset {
    const char *u[12], *s[12];
    int nu, ns;
    const char *str[6]; /* string fields, and elements of sequences of strings */
    int nstr;
    bool seq; /* Seq's sequence vals (UInt16) and array arr (SInt32, 4) */
    /* a sequence or array of Points (x UInt16, y SInt32) and its bound: fields of its elements,
     * member through a field (Points: pts; Shapes: corners) */
    const char *structs;
    int structs_bound;
    const char *strseq; /* a sequence of strings: member of it (Shapes, Tags: names) */
    bool unions;        /* Pick: which arm its unions hold */
    bool mixed;         /* Mixed: variable-size arms, unions as elements (their arms and sizes) */
    bool rows;          /* Rows: strings and sequences in array elements (their unions, sizes) */
    bool groups;        /* Groups: sequences of strings and of structs, and arrays, in elements */
    bool nested;        /* Nested: an array of strings, sequences of sequences, bytes, arrays */
    bool deeper;        /* Deeper: strings of an array in an element, sequences of sequences of
                         * strings and of structs */
    bool deepest;       /* Deepest: three levels of sequences, sequences of sequences of nested
                         * structs and of unions */
    bool arrays;        /* Arrays: arrays of integers, strings and structs as a sequence's
                         * elements, an array of arrays */
};

/* What the random policies hold of the constructs added after the generator was written:
 * counted as generated, so that a test can require each to appear. */
enum {
    GC_STRUCT_FIELD, /* message.pts.[i].x, message.corners.[i].y */
    GC_FIELD_MEMBER, /* member {value, of, field} */
    GC_STR_ELEMENT,  /* message.names.[i] as a string */
    GC_STR_MEMBER,   /* member of a sequence of strings */
    GC_HANDLE_TYPE,  /* message.h.type */
    GC_UNION_ARM,    /* message.u == "arm" */
    GC_UNION_FIELD,  /* message.u.arm... */
    GC_ARM_VARSIZE,  /* a string, sequence or array in a union's arm: message.bag.name ... */
    GC_UNION_ELEM,   /* a union as an element: message.nums.[i] == "n", message.deeps.[i].big */
    GC_ELEM_VARSIZE, /* a string or sequence in an array's element: message.rows.[i].name ... */
    GC_UNION_MEMBER, /* member {value, of, field} with the field in the elements' unions' arms */
    GC_ELEM_MEMBER,  /* member of a sequence or array in an element: message.rows.[i].items ... */
    GC_ELEM_NESTED,  /* a sequence of strings or structs, or an array, in an element (Groups) */
    GC_NESTED_ELEM,  /* elements of an array of strings, of sequences of sequences (Nested) */
    GC_DEEPER_ELEM,  /* an array of strings in an element, sequences of sequences of strings and
                      * of structs (Deeper) */
    GC_DEEPEST_ELEM, /* three levels of sequences, a nested struct's string, sequence and union
                      * and a union, in a sequence's sequences (Deepest) */
    GC_ARRAY_ELEM,   /* arrays in place as a sequence's elements, an array of arrays (Arrays) */
    GC_REMAINDER,    /* a % b */
    GC_BITS,         /* a & b, a | b, ~a */
    GC_CAST,         /* uint8 (a) .. sint64 (a) */
    GC_COUNT
};
static int generated[GC_COUNT];
static void count_field(const char *name)
{
    generated[GC_HANDLE_TYPE] += !strcmp(name, "h.type");
    generated[GC_UNION_FIELD] +=
        !strncmp(name, "reply.", 6) || !strncmp(name, "w.reply.", 8) || !strncmp(name, "d.", 2);
    generated[GC_STR_ELEMENT] += strstr(name, ".[") != NULL;
    generated[GC_ARM_VARSIZE] += !strncmp(name, "bag.", 4) && strcmp(name, "bag.n");
    generated[GC_UNION_ELEM] += !strncmp(name, "nums.", 5) || !strncmp(name, "deeps.", 6);
    generated[GC_ELEM_NESTED] += !strncmp(name, "groups.", 7);
    generated[GC_DEEPER_ELEM] +=
        !strncmp(name, "labs.", 5) || !strncmp(name, "qs.", 3) || !strncmp(name, "qp.", 3);
    generated[GC_DEEPEST_ELEM] +=
        !strncmp(name, "r.", 2) || !strncmp(name, "qi.", 3) || !strncmp(name, "qu.", 3);
    generated[GC_ARRAY_ELEM] += !strncmp(name, "m.", 2) || !strncmp(name, "ms.", 3) ||
                                !strncmp(name, "mp.", 3) || !strncmp(name, "aa.", 3);
    generated[GC_NESTED_ELEM] += !strncmp(name, "a.", 2) || !strncmp(name, "q.", 2) ||
                                 !strncmp(name, "bq.", 3) || !strncmp(name, "b.", 2);
    generated[GC_ELEM_VARSIZE] +=
        (!strncmp(name, "rows.", 5) || !strncmp(name, "tags.", 5)) &&
        (strstr(name, ".name") || strstr(name, ".items") || strstr(name, ".s"));
}

static void fields_of(const char *ep, const char *m, int event, struct fieldset *f)
{
    memset(f, 0, sizeof *f);
#define U(x) f->u[f->nu++] = x
#define S(x) f->s[f->ns++] = x
    int req = event == 1 || event == 4, res = event == 2, err = event == 3;
    if (!strcmp(ep, "calc") || !strcmp(ep, "sub.Calc2")) {
        if (!strcmp(m, "Put")) {
            if (req) {
                U("u8");
                U("u16");
                U("u32");
                U("u64");
                S("s8");
                S("s16");
                S("s32");
                S("s64");
            }
            if (res)
                U("rc");
            if (err)
                S("code");
        } else if (!strcmp(m, "Ping")) {
            if (req)
                U("value");
            if (res)
                U("value2");
        } else if (!strcmp(m, "Blob")) {
            if (req) {
                U("h.handle");
                U("h.rights");
                U("h.type");
            }
            if (res)
                U("rc");
        } else if (!strcmp(m, "Seq")) {
            if (req) {
                U("i");
                f->seq = true;
            }
            if (res)
                U("rc");
        } else if (!strcmp(m, "Points") || !strcmp(m, "Shapes")) {
            if (req) {
                U("i");
                bool points = !strcmp(m, "Points");
                f->structs = points ? "pts" : "corners";
                f->structs_bound = points ? 4 : 3;
                if (!points) {
                    f->strseq = "names";
                    f->str[f->nstr++] = "names.[0]";
                    f->str[f->nstr++] = "names.[message.i]";
                }
            }
            if (res)
                U("rc");
        } else if (!strcmp(m, "Pick")) {
            if (req) { /* the arms of the unions, through a struct and through a union's arm */
                U("reply.code");
                U("reply.pt.x");
                U("w.kind");
                U("w.reply.code");
                U("d.inner.code");
                U("d.big");
                S("reply.pt.y");
                S("w.reply.pt.y");
                S("d.inner.pt.y");
                f->unions = true;
            }
            if (res)
                U("rc");
        } else if (!strcmp(m, "Mixed")) {
            if (req) { /* Bag's variable-size arms; unions as elements, at any index */
                U("i");
                U("bag.n");
                U("bag.items.[message.i]");
                U("bag.items.[1]");
                S("bag.arr.[message.i]");
                S("bag.arr.[2]");
                U("nums.[message.i].n");
                U("nums.[0].n");
                S("nums.[1].s");
                U("deeps.[message.i].big");
                U("deeps.[1].inner.code");
                S("deeps.[message.i].inner.pt.y");
                f->str[f->nstr++] = "bag.name";
                f->str[f->nstr++] = "bag.names.[message.i]";
                f->str[f->nstr++] = "bag.names.[0]";
                f->strseq = "bag.names";
                f->mixed = true;
            }
            if (res)
                U("rc");
        } else if (!strcmp(m, "Rows")) {
            if (req) { /* Row's string, sequence and union; Tagged's string arm; any index */
                U("i");
                U("j");
                U("rows.[message.i].id");
                U("rows.[message.i].items.[message.j]");
                U("rows.[0].items.[1]");
                U("rows.[message.j].t.n");
                U("tags.[message.i].n");
                f->str[f->nstr++] = "rows.[message.i].name";
                f->str[f->nstr++] = "rows.[0].name";
                f->str[f->nstr++] = "rows.[message.j].t.s";
                f->str[f->nstr++] = "tags.[message.i].s";
                f->rows = true;
            }
            if (res)
                U("rc");
        } else if (!strcmp(m, "Nested")) {
            if (req) { /* a's strings, q's, bq's and b's sequences' integers, at any index */
                U("i");
                U("j");
                U("q.[message.i].[message.j]");
                U("q.[0].[1]");
                U("bq.[1].[message.j]");
                U("b.[message.i].[message.j]");
                U("b.[1].[0]");
                f->str[f->nstr++] = "a.[message.i]";
                f->str[f->nstr++] = "a.[2]";
                f->str[f->nstr++] = "tag";
                f->nested = true;
            }
            if (res)
                U("rc");
        } else if (!strcmp(m, "Deepest")) {
            if (req) { /* r's integers, qi's items' fields, qu's unions, at any index */
                U("i");
                U("j");
                U("k");
                U("r.[message.i].[message.j].[message.k]");
                U("r.[1].[0].[message.k]");
                U("qi.[message.i].[message.j].id");
                U("qi.[message.i].[message.j].items.[message.k]");
                U("qi.[message.i].[message.j].u.code");
                U("qu.[message.i].[message.j].n");
                S("qi.[message.i].[message.j].u.pt.y");
                S("qu.[message.i].[message.j].s");
                f->str[f->nstr++] = "qi.[message.i].[message.j].name";
                f->str[f->nstr++] = "qi.[0].[message.j].u.text";
                f->deepest = true;
            }
            if (res)
                U("rc");
        } else if (!strcmp(m, "Arrays")) {
            if (req) { /* m's integers, ms's strings, mp's points, aa's integers, at any index */
                U("i");
                U("j");
                U("m.[message.i].[message.j]");
                U("m.[1].[2]");
                U("mp.[message.i].[message.j].x");
                S("mp.[message.i].[message.j].y");
                S("aa.[message.i].[message.j]");
                S("aa.[2].[1]");
                f->str[f->nstr++] = "ms.[message.i].[message.j]";
                f->str[f->nstr++] = "ms.[2].[0]";
                f->str[f->nstr++] = "tag";
                f->arrays = true;
            }
            if (res)
                U("rc");
        } else if (!strcmp(m, "Deeper")) {
            if (req) { /* labs' names, qs's strings and qp's points, at any index */
                U("i");
                U("j");
                U("qp.[message.i].[message.j].x");
                U("qp.[1].[0].x");
                S("qp.[message.i].[message.j].y");
                f->str[f->nstr++] = "labs.[message.i].names.[message.j]";
                f->str[f->nstr++] = "labs.[1].names.[0]";
                f->str[f->nstr++] = "qs.[message.i].[message.j]";
                f->str[f->nstr++] = "qs.[0].[1]";
                f->str[f->nstr++] = "tag";
                f->deeper = true;
            }
            if (res)
                U("rc");
        } else if (!strcmp(m, "Groups")) {
            if (req) { /* Group's names, a, pts and corners, at any index */
                U("i");
                U("j");
                U("groups.[message.i].a.[message.j]");
                U("groups.[0].a.[2]");
                U("groups.[message.i].pts.[message.j].x");
                U("groups.[1].corners.[message.j].x");
                S("groups.[message.i].pts.[message.j].y");
                S("groups.[0].corners.[1].y");
                f->str[f->nstr++] = "groups.[message.i].names.[message.j]";
                f->str[f->nstr++] = "groups.[0].names.[1]";
                f->str[f->nstr++] = "tag";
                f->groups = true;
            }
            if (res)
                U("rc");
        } else if (!strcmp(m, "Tags")) {
            if (req) {
                f->str[f->nstr++] = "tag";
                f->str[f->nstr++] = "names.[1]";
                f->str[f->nstr++] = "banned.[0]";
                f->strseq = pick(3) ? "names" : "banned";
            }
            if (res)
                U("rc");
        } else if (!strcmp(m, "Name")) {
            if (req) {
                f->str[f->nstr++] = "name";
                f->str[f->nstr++] = "other";
            }
            if (res)
                U("rc");
        } else if (!strcmp(m, "Nest")) {
            const char *o = req ? "o" : "r";
            if (req || res) {
                static char b[4][32][2];
                int i = req ? 0 : 1;
                snprintf(b[0][i], 32, "%s.x", o);
                snprintf(b[1][i], 32, "%s.inner.a", o);
                snprintf(b[2][i], 32, "%s.inner.b", o);
                snprintf(b[3][i], 32, "%s.y", o);
                U(b[0][i]);
                U(b[1][i]);
                S(b[2][i]);
                S(b[3][i]);
            }
        }
    } else if (!strcmp(ep, "vmm.VMM")) {
        if (req) {
            U("size");
            U("flags");
        }
        if (res)
            S("rc");
    } else if (!strcmp(ep, "security")) {
        if (!strcmp(m, "Check"))
            U("what");
        else
            S("level");
    }
#undef U
#undef S
}

static void gen_int(struct sb *b, const struct fieldset *f, int sign, int depth);

static void literal(struct sb *b, int sign)
{
    static const char *const uns[] = {
        "0", "1", "2", "7", "255", "65535", "4294967296", "18446744073709551615", "100"};
    static const char *const sig[] = {
        "0", "1", "-1", "3", "-128", "9223372036854775807", "-9223372036854775807", "50"};
    if (sign == 0)
        add(b, "%s", uns[pick(9)]);
    else
        add(b, "%s", sig[pick(8)]);
}

static void gen_bool(struct sb *b, const struct fieldset *f, int depth);

/* A Math cast to a type of the given sign, of an operand of either sign (converting between
 * them is what casts are for), narrowing or not, so that values outside the type deny the event
 * (arithmetic-overflow) on both sides. A constant outside the type is an error at compile time,
 * not a decision: an operand without a field gets one, times 0, which keeps its value (the
 * literals' boundaries, -128 and 255, meet the types' here). */
static void gen_cast(struct sb *b, const struct fieldset *f, int sign, int depth)
{
    static const char *const names[2][4] = {{"uint8", "uint16", "uint32", "uint64"},
                                            {"sint8", "sint16", "sint32", "sint64"}};
    /* each type's boundaries, in and out: 'u' an unsigned literal, 's' a signed operand */
    static const char *const bounds[2][4][4] = {
        {{"0", "s-1", "255", "256"},
         {"0", "s-1", "65535", "65536"},
         {"0", "s-1", "4294967295", "4294967296"},
         {"0", "s-1", "9223372036854775807", "u18446744073709551615"}},
        {{"s-128", "s-129", "127", "128"},
         {"s-32768", "s-32769", "32767", "32768"},
         {"s-2147483648", "s-2147483649", "2147483647", "2147483648"},
         {"s(-9223372036854775807 - 1)", "s-9223372036854775807", "9223372036854775807",
          "u9223372036854775808"}}};
    int from = pick(2), type = pick(4);
    generated[GC_CAST]++;
    add(b, "%s%s (", pick(2) ? "math." : "", names[sign][type]);
    size_t at = b->n;
    if (pick(2)) {
        const char *v = bounds[sign][type][pick(4)];
        if (*v == 's' || *v == 'u')
            from = *v++ == 's';
        add(b, "%s", v);
    } else {
        gen_int(b, f, from, depth + 1);
    }
    if (!strstr(b->s + at, "message.")) {
        char *operand = strdup(b->s + at);
        int n = from ? f->ns : f->nu;
        b->n = at;
        b->s[at] = 0;
        if (n) {
            const char *name = from ? f->s[pick(n)] : f->u[pick(n)];
            count_field(name);
            add(b, "(%s + message.%s * 0)", operand, name);
        } else {
            add(b, "1");
        }
        free(operand);
    }
    add(b, ")");
}

/* Functions of the Math, Bool and Pred models that give integers. */
static void gen_int_function(struct sb *b, const struct fieldset *f, int sign, int depth)
{
    int r = pick(5);
    if (r == 4) {
        gen_cast(b, f, sign, depth);
    } else if (r == 0 && sign == 0 && f->nstr) {
        add(b, "length (message.%s)", f->str[pick(f->nstr)]);
    } else if (r == 1 && sign == 1) {
        add(b, "%sabs (", pick(2) ? "math." : "");
        gen_int(b, f, sign, depth + 1);
        add(b, ")");
    } else if (r == 2) {
        add(b, "bool.cond {if : ");
        gen_bool(b, f, depth + 1);
        add(b, ", then : ");
        gen_int(b, f, sign, depth + 1);
        add(b, ", else : ");
        gen_int(b, f, sign, depth + 1);
        add(b, "}");
    } else {
        add(b, "%s ([", pick(2) ? "sum" : "math.product");
        for (int k = pick(3); k > 0; k--) {
            gen_int(b, f, sign, depth + 1);
            add(b, ", ");
        }
        add(b, "])");
    }
}

static void gen_int(struct sb *b, const struct fieldset *f, int sign, int depth)
{
    int have = sign == 0 ? f->nu : f->ns;
    int r = pick(depth > 2 ? 2 : 5);
    if (f->seq && depth <= 2 && pick(3) == 0) {
        /* Seq: an element by a literal or computed index (past the end now and then), or a size */
        if (sign == 0 && pick(3) == 0) {
            add(b, "%s (message.%s)", pick(2) ? "size" : "length", pick(2) ? "vals" : "arr");
            return;
        }
        add(b, "message.%s.[", sign == 0 ? "vals" : "arr");
        if (pick(2)) {
            add(b, "%d", pick(sign == 0 ? 8 : 4));
        } else { /* computed: "+ 0" keeps a literal out of range from being a constant index */
            add(b, "(");
            gen_int(b, f, 0, depth + 1);
            add(b, " + 0)");
        }
        add(b, "]");
        return;
    }
    if (f->mixed && sign == 0 && depth <= 2 && pick(5) == 0) {
        /* Mixed: the size of a sequence or array in Bag's arms, or of the sequence of unions */
        static const char *const seqs[] = {"bag.items", "bag.names", "bag.arr", "nums"};
        const char *q = seqs[pick(4)];
        generated[q[0] == 'b' ? GC_ARM_VARSIZE : GC_UNION_ELEM]++;
        add(b, "%s (message.%s)", pick(2) ? "size" : "length", q);
        return;
    }
    if (f->rows && sign == 0 && depth <= 2 && pick(5) == 0) {
        /* Rows: the size of a sequence in an array's element */
        generated[GC_ELEM_VARSIZE]++;
        add(b, "%s (message.rows.[%s].items)", pick(2) ? "size" : "length",
            pick(2) ? "message.i" : "2");
        return;
    }
    if (f->nested && sign == 0 && depth <= 2 && pick(5) == 0) {
        /* Nested: the size of the array of strings, of q, of one of q's, bq's or b's sequences */
        static const char *const seqs[] = {"a",    "q", "q.[message.i]", "bq.[0]", "b.[message.i]",
                                           "b.[1]"};
        generated[GC_NESTED_ELEM]++;
        add(b, "%s (message.%s)", pick(2) ? "size" : "length", seqs[pick(6)]);
        return;
    }
    if (f->groups && sign == 0 && depth <= 2 && pick(5) == 0) {
        /* Groups: the size of a sequence or array in an element */
        static const char *const seqs[] = {"names", "a", "pts", "corners"};
        generated[GC_ELEM_NESTED]++;
        add(b, "%s (message.groups.[%s].%s)", pick(2) ? "size" : "length",
            pick(2) ? "message.i" : "1", seqs[pick(4)]);
        return;
    }
    if (f->structs && depth <= 2 && pick(4) == 0) {
        /* a field of an element: x unsigned, y signed; a literal index (past the elements now
         * and then) or a computed one */
        generated[GC_STRUCT_FIELD]++;
        add(b, "message.%s.[", f->structs);
        if (pick(2))
            add(b, "%d", pick(f->structs_bound));
        else {
            add(b, "(");
            gen_int(b, f, 0, depth + 1);
            add(b, " + 0)");
        }
        add(b, "].%s", sign == 0 ? "x" : "y");
        return;
    }
    if (r == 3 && pick(2)) {
        gen_int_function(b, f, sign, depth);
    } else if (r == 0 && have) {
        const char *name = sign == 0 ? f->u[pick(f->nu)] : f->s[pick(f->ns)];
        count_field(name);
        add(b, "message.%s", name);
    } else if (r <= 1) {
        literal(b, sign);
    } else if (r == 4 && pick(3) == 0) {
        generated[GC_BITS]++;
        add(b, "~(");
        gen_int(b, f, sign, depth + 1);
        add(b, ")");
    } else if (r == 4 && sign == 1) {
        add(b, "-(");
        gen_int(b, f, sign, depth + 1);
        add(b, ")");
    } else {
        /* parenthesized: both sides decide on the same tree, so precedence is not theirs to
         * disagree on (the PAL tests check it); a literal 0 makes % and / divide by zero */
        static const char *const ops[] = {"+", "-", "*", "/", "%", "&", "|"};
        int k = pick(7);
        generated[GC_REMAINDER] += k == 4;
        generated[GC_BITS] += k >= 5;
        add(b, "(");
        gen_int(b, f, sign, depth + 1);
        add(b, " %s ", ops[k]);
        gen_int(b, f, sign, depth + 1);
        add(b, ")");
    }
}

static bool gen_flows; /* generate stateful objects and rules (below) */
static const char *const mic_degrees[];
static void gen_mic_operand(struct sb *b, const struct fieldset *f, bool subject);
static const char *flow_states_ref(int k);
static void gen_entry(struct sb *b, const struct fieldset *f);

/* Which of f0, f1, h0, h1, m0 the generated policy keeps per resource (their rules take a
 * resource's SID); chosen per policy. */
enum { RK_F0, RK_F1, RK_H0, RK_H1, RK_M0, RK_COUNT };
static bool res_keyed[RK_COUNT];

/* The sid of a rule or expression of stateful object `object` (RK_*): src_sid or dst_sid, or
 * for an object kept per resource a resource's SID (a small literal or an unsigned field). */
static void gen_sid(struct sb *b, const struct fieldset *f, int object)
{
    if (res_keyed[object])
        gen_entry(b, f);
    else
        add(b, "%s", pick(2) ? "src_sid" : "dst_sid");
}

/* A string operand: a field, or a literal from a small alphabet (so that they meet). */
static void gen_str(struct sb *b, const struct fieldset *f, bool field)
{
    static const char *const lits[] = {"", "a", "ab", "b", "ba", "aab"};
    if (field) {
        const char *name = f->str[pick(f->nstr)];
        count_field(name);
        add(b, "message.%s", name);
    } else
        add(b, "\"%s\"", lits[pick(6)]);
}

/* The keys of the StaticMap object m0 of a random policy: text, or (map_list_keys, drawn per
 * policy) List<UInt8> keys, one a prefix of the other whose last byte is a NUL, so that a lookup
 * by less than the whole list would pick the wrong key. */
static const char *const map_keys[2][2] = {{"\"a\"", "\"b\""}, {"[7]", "[7, 0]"}};
static int map_list_keys;

/* Booleans of strings, Regex and Bool's list functions. */
static void gen_bool_model(struct sb *b, const struct fieldset *f, int depth)
{
    static const char *const patterns[] = {"^a*b$",       "a|ba", "^$",   "(ab)+",
                                           "^[ab]{2,3}$", "b.a",  "[^a]", "^a?b*a?$"};
    int r = pick(5);
    if (f->mixed && pick(2)) { /* Mixed: which arm Bag or an element's union holds; member */
        static const char *const unions[][6] = {{"bag", "n", "items", "name", "names", "arr"},
                                                {"nums.[message.i]", "n", "s"},
                                                {"nums.[0]", "n", "s"},
                                                {"deeps.[message.i]", "big", "inner"},
                                                {"deeps.[0].inner", "code", "pt", "text"},
                                                {"deeps.[message.i].inner", "code", "pt", "text"}};
        int u = pick(6), n = 0;
        while (n < 5 && unions[u][1 + n])
            n++;
        if (pick(4) == 0) { /* a value among the elements' fields in their unions' arms */
            static const char *const fields[][3] = {
                {"nums", "n", "0"},           {"nums", "s", "1"},
                {"deeps", "big", "0"},        {"deeps", "inner.code", "0"},
                {"deeps", "inner.pt.x", "0"}, {"deeps", "inner.pt.y", "1"}};
            int k = pick(6);
            bool sg = fields[k][2][0] == '1';
            generated[GC_UNION_MEMBER]++;
            add(b, "member {value : ");
            if (pick(2))
                add(b, "%d", sg ? pick(12) - 6 : pick(14));
            else
                gen_int(b, f, sg, depth + 1);
            add(b, ", of : message.%s, field : %s}", fields[k][0], fields[k][1]);
            return;
        }
        if (pick(4) == 0) { /* a value among Bag's items or its array's elements */
            bool arr = pick(2);
            generated[GC_ARM_VARSIZE]++;
            add(b, "member {value : ");
            if (pick(2))
                add(b, "%d", arr ? pick(8) - 4 : pick(8));
            else
                gen_int(b, f, arr, depth + 1);
            add(b, ", of : message.bag.%s}", arr ? "arr" : "items");
            return;
        }
        generated[u == 0 ? GC_UNION_ARM : GC_UNION_ELEM]++;
        add(b, "message.%s %s \"%s\"", unions[u][0], pick(2) ? "==" : "!=", unions[u][1 + pick(n)]);
        return;
    }
    if (f->rows && pick(3) == 0) { /* Rows: which arm an element's union holds; empty items */
        static const char *const unions[][2] = {{"rows.[message.i].t", "rows.[1].t"},
                                                {"tags.[message.j]", "tags.[0]"}};
        generated[GC_ELEM_VARSIZE]++;
        if (pick(4) == 0) {
            add(b, "empty (message.rows.[message.%s].items)", pick(2) ? "i" : "j");
            return;
        }
        if (pick(3) == 0) { /* a value among the items of a row */
            generated[GC_ELEM_MEMBER]++;
            add(b, "member {value : ");
            if (pick(2))
                add(b, "%d", pick(8));
            else
                gen_int(b, f, 0, depth + 1);
            add(b, ", of : message.rows.[%s].items}", pick(2) ? "message.i" : "0");
            return;
        }
        if (pick(3) == 0) { /* a value among the elements' n, through their unions */
            generated[GC_UNION_MEMBER]++;
            bool tags = pick(2);
            add(b, "member {value : %d, of : message.%s, field : %s}", pick(12),
                tags ? "tags" : "rows", tags ? "n" : "t.n");
            return;
        }
        add(b, "message.%s %s \"%s\"", unions[pick(2)][pick(2)],
            pick(2) ? "==" : "!=", pick(2) ? "n" : "s");
        return;
    }
    if (f->nested && pick(3) == 0) { /* Nested: member of a's strings, of a sequence of q, b */
        generated[GC_NESTED_ELEM]++;
        if (pick(2)) {
            add(b, "member {value : ");
            gen_str(b, f, pick(2));
            add(b, ", of : message.a}");
        } else {
            static const char *const seqs[] = {"q.[message.i]", "q.[1]", "bq.[message.j]",
                                               "b.[message.i]", "b.[0]"};
            add(b, "member {value : ");
            if (pick(2))
                add(b, "%d", pick(8));
            else
                gen_int(b, f, 0, depth + 1);
            add(b, ", of : message.%s}", seqs[pick(5)]);
        }
        return;
    }
    if (f->deepest && pick(3) == 0) { /* Deepest: member, which arm a union holds, empty */
        const char *at = pick(2) ? "message.i" : "1", *at2 = pick(2) ? "message.j" : "0";
        generated[GC_DEEPEST_ELEM]++;
        int w = pick(5);
        if (w == 0) {
            add(b, "empty (message.%s)",
                (const char *[]){"r.[message.i]", "r.[message.i].[message.j]", "qu.[1]",
                                 "qi.[message.i].[message.j].items"}[pick(4)]);
        } else if (w == 1) {
            add(b, "member {value : ");
            if (pick(2))
                add(b, "%d", pick(8));
            else
                gen_int(b, f, false, depth + 1);
            add(b, pick(2) ? ", of : message.r.[%s].[%s]}" : ", of : message.qi.[%s].[%s].items}",
                at, at2);
        } else if (w == 2) {
            add(b, "member {value : %d, of : message.qu.[%s], field : %s}", pick(4), at,
                pick(2) ? "n" : "s");
        } else if (w == 3) {
            add(b, "message.qu.[%s].[%s] %s \"%s\"", at, at2,
                pick(2) ? "==" : "!=", pick(2) ? "n" : "s");
        } else {
            add(b, "message.qi.[%s].[%s].u %s \"%s\"", at, at2,
                pick(2) ? "==" : "!=", (const char *[]){"code", "pt", "text"}[pick(3)]);
        }
        return;
    }
    if (f->arrays && pick(3) == 0) { /* Arrays: member of one array, its size, empty */
        const char *at = pick(2) ? "message.i" : "1";
        generated[GC_ARRAY_ELEM]++;
        int w = pick(5);
        if (w == 0) {
            const char *q = (const char *[]){"m", "ms", "mp", "aa"}[pick(4)];
            if (pick(2))
                add(b, "size (message.%s.[%s]) %s %d", q, at, pick(2) ? "==" : "!=", pick(4));
            else
                add(b, "empty (message.%s.[%s])", q, at);
        } else if (w == 1) {
            add(b, "member {value : ");
            if (pick(2))
                add(b, "%d", pick(2) ? pick(8) : 300);
            else
                gen_int(b, f, 0, depth + 1);
            add(b, ", of : message.m.[%s]}", at);
        } else if (w == 2) {
            add(b, "member {value : ");
            gen_str(b, f, pick(2));
            add(b, ", of : message.ms.[%s]}", at);
        } else if (w == 3) {
            bool y = pick(2);
            add(b, "member {value : ");
            if (pick(2))
                add(b, "%d", y ? pick(12) - 10 : pick(2) ? pick(8) : 66);
            else
                gen_int(b, f, y, depth + 1);
            add(b, ", of : message.mp.[%s], field : %s}", at, y ? "y" : "x");
        } else {
            add(b, "member {value : %d, of : message.aa.[%s]}", pick(4) - 1, at);
        }
        return;
    }
    if (f->deeper && pick(3) == 0) { /* Deeper: member of names, of a sequence of qs or qp */
        const char *at = pick(2) ? "message.i" : "1";
        generated[GC_DEEPER_ELEM]++;
        if (pick(4) == 0) {
            add(b, "empty (message.%s.[%s])", pick(2) ? "qs" : "qp", at);
        } else if (pick(3) == 0) {
            bool y = pick(2);
            add(b, "member {value : ");
            if (pick(2))
                add(b, "%d", y ? pick(12) - 10 : pick(8));
            else
                gen_int(b, f, y, depth + 1);
            add(b, ", of : message.qp.[%s], field : %s}", at, y ? "y" : "x");
        } else {
            add(b, "member {value : ");
            gen_str(b, f, pick(2));
            add(b, pick(2) ? ", of : message.labs.[%s].names}" : ", of : message.qs.[%s]}", at);
        }
        return;
    }
    if (f->groups && pick(3) == 0) { /* Groups: member of names, a, pts' or corners' fields in
                                      * an element; empty */
        const char *at = pick(2) ? "message.i" : "1";
        generated[GC_ELEM_MEMBER]++;
        if (pick(4) == 0) {
            static const char *const seqs[] = {"names", "a", "pts", "corners"};
            add(b, "empty (message.groups.[%s].%s)", at, seqs[pick(4)]);
        } else if (pick(3) == 0) { /* a field among the structs of pts or corners */
            bool y = pick(2);
            add(b, "member {value : ");
            if (pick(2))
                add(b, "%d", y ? pick(12) - 6 : pick(8));
            else
                gen_int(b, f, y, depth + 1);
            add(b, ", of : message.groups.[%s].%s, field : %s}", at, pick(2) ? "pts" : "corners",
                y ? "y" : "x");
        } else if (pick(2)) {
            add(b, "member {value : ");
            gen_str(b, f, pick(2));
            add(b, ", of : message.groups.[%s].names}", at);
        } else {
            add(b, "member {value : ");
            if (pick(2))
                add(b, "%d", pick(8));
            else
                gen_int(b, f, 0, depth + 1);
            add(b, ", of : message.groups.[%s].a}", at);
        }
        return;
    }
    if (f->unions && pick(2)) { /* which arm a union holds (a tag past its arms now and then) */
        static const char *const unions[][4] = {{"reply", "code", "pt", "text"},
                                                {"w.reply", "code", "pt", "text"},
                                                {"d", "big", "inner", NULL},
                                                {"d.inner", "code", "pt", "text"}};
        int u = pick(4), arm = 1 + pick(unions[u][3] ? 3 : 2);
        generated[GC_UNION_ARM]++;
        if (pick(2))
            add(b, "message.%s %s \"%s\"", unions[u][0], pick(2) ? "==" : "!=", unions[u][arm]);
        else
            add(b, "\"%s\" %s message.%s", unions[u][arm], pick(2) ? "==" : "!=", unions[u][0]);
        return;
    }
    if (f->structs && pick(3) == 0) { /* a value among the elements' x or y */
        bool y = pick(2);
        generated[GC_FIELD_MEMBER]++;
        add(b, "%smember {value : ", pick(2) ? "pred." : "");
        if (pick(2))
            add(b, "%d", y ? pick(30) - 15 : pick(6));
        else
            gen_int(b, f, y, depth + 1);
        add(b, ", of : message.%s, field : %s}", f->structs, y ? "y" : "x");
        return;
    }
    if (f->strseq && pick(3) == 0) { /* a string among a sequence's strings */
        generated[GC_STR_MEMBER]++;
        add(b, "%smember {value : ", pick(2) ? "pred." : "");
        gen_str(b, f, f->nstr && pick(2));
        add(b, ", of : message.%s}", f->strseq);
        return;
    }
    if (f->seq && pick(3) == 0) { /* Seq: a value among a sequence's or the array's elements */
        bool arr = pick(2);
        add(b, "%smember {value : ", pick(2) ? "pred." : "");
        if (pick(2))
            add(b, "%d", arr ? pick(12) - 6 : pick(60));
        else
            gen_int(b, f, arr, depth + 1);
        add(b, ", of : message.%s}", arr ? "arr" : "vals");
        return;
    }
    if (r == 0 && f->nstr) {
        static const char *const cmp[] = {"<", "<=", ">", ">=", "==", "!="};
        bool left = pick(3) != 0;
        gen_str(b, f, left);
        add(b, " %s ", cmp[pick(6)]);
        gen_str(b, f, !left || pick(2));
    } else if (r == 1 && f->nstr) {
        if (pick(2))
            add(b, "%sempty (message.%s)", pick(2) ? "pred." : "", f->str[pick(f->nstr)]);
        else
            add(b, "re.match {text : message.%s, pattern : \"%s\"}", f->str[pick(f->nstr)],
                patterns[pick(8)]);
    } else if (r == 2 && gen_flows) {
        bool neg = pick(2);
        int o = pick(2);
        add(b, "%sf%d.query {sid: ", neg ? "!(" : "", o);
        gen_sid(b, f, RK_F0 + o);
        add(b, "} %s \"%s\"%s", pick(2) ? "==" : "!=", flow_states_ref(pick(4)), neg ? ")" : "");
    } else if (r == 3) {
        add(b, "(");
        gen_bool(b, f, depth + 1);
        add(b, " ==> ");
        gen_bool(b, f, depth + 1);
        add(b, ")");
    } else {
        add(b, "%s ([", pick(2) ? "bool.all" : "any");
        for (int k = pick(3); k > 0; k--) {
            gen_bool(b, f, depth + 1);
            add(b, ", ");
        }
        add(b, "])");
    }
}

static void gen_bool(struct sb *b, const struct fieldset *f, int depth)
{
    int r = pick(depth > 2 ? 2 : 6);
    if (depth <= 2 && (pick(4) == 0 || ((f->unions || f->mixed) && pick(4) == 0))) {
        gen_bool_model(b, f, depth);
    } else if (r <= 1) {
        static const char *const cmp[] = {"<", "<=", ">", ">=", "==", "!="};
        int sign = (f->nu && f->ns) ? pick(2) : f->ns ? 1 : f->nu ? 0 : pick(2);
        gen_int(b, f, sign, depth + 1);
        add(b, " %s ", cmp[pick(6)]);
        gen_int(b, f, sign, depth + 1);
    } else if (r == 2 && gen_flows && pick(2)) {
        int o = pick(2);
        add(b, "h%d.contains {sid: ", o);
        gen_sid(b, f, RK_H0 + o);
        add(b, ", entry: ");
        gen_entry(b, f);
        add(b, "}");
    } else if (r == 2 && gen_flows && pick(3) == 0) {
        add(b, "k0.query_level {source : ");
        gen_mic_operand(b, f, false);
        add(b, "} %s \"%s\"", pick(2) ? "==" : "!=", mic_degrees[pick(3)]);
    } else if (r == 2 && gen_flows && pick(2)) {
        add(b, "m0.%s {sid: ", pick(2) ? "get" : "get_uncommitted");
        gen_sid(b, f, RK_M0);
        add(b, ", key: %s} < %d", map_keys[map_list_keys][pick(2)], pick(4));
    } else if (r == 2) {
        add(b, "%s", pick(2) ? "true" : "false");
    } else if (r == 3) {
        add(b, "!(");
        gen_bool(b, f, depth + 1);
        add(b, ")");
    } else {
        add(b, "(");
        gen_bool(b, f, depth + 1);
        add(b, r == 4 ? " && " : " || ");
        gen_bool(b, f, depth + 1);
        add(b, ")");
    }
}

struct sel {
    int event;
    const char *server, *ep, *method;
};

static void gen_body(struct sb *b, struct sel s, int depth);

/* Random selectors compatible with s; updates s. */
static void gen_selectors(struct sb *b, struct sel *s, bool top)
{
    int ev = s->event;
    if (top && pick(2))
        add(b, " src=%s",
            ev == 2 || ev == 3 ? (pick(2) ? "psltest.Server" : "kl.core.Core")
            : ev == 4          ? "psltest.Server"
                               : classes[pick(5)]);
    if (top && (ev == 2 || ev == 3))
        return; /* response/error: server set by src below in match sections */
    if (ev == 0) {
        if (top && pick(2))
            add(b, " dst=%s", classes[pick(5)]);
        return;
    }
    if (ev == 4) {
        if (!s->method && pick(2)) {
            s->method = pick(2) ? "Check" : "Other";
            s->server = "psltest.Server";
            s->ep = "security";
            add(b, " method=%s", s->method);
        }
        return;
    }
    if (!s->server && pick(3)) {
        s->server = pick(2) ? "psltest.Server" : "kl.core.Core";
        add(b, " %s=%s", ev == 1 ? "dst" : "src", s->server);
    }
    if (s->server && !s->ep && pick(2)) {
        s->ep = !strcmp(s->server, "kl.core.Core") ? "vmm.VMM" : (pick(2) ? "calc" : "sub.Calc2");
        add(b, " endpoint=%s", s->ep);
    }
    if (s->ep && !s->method && pick(2)) {
        s->method = !strcmp(s->ep, "vmm.VMM")
                        ? (pick(2) ? "Allocate" : "Commit")
                        : (const char *[]){"Put",    "Ping",    "Nest",   "Name",   "Seq",
                                           "Blob",   "Points",  "Shapes", "Pick",   "Tags",
                                           "Label",  "Mixed",   "Rows",   "Groups", "Nested",
                                           "Deeper", "Deepest", "Arrays"}[pick(18)];
        add(b, " method=%s", s->method);
    }
}

/* Random policies with Flow objects (f0, f1) and their rules: at most this many rules in all,
 * so that no cell passes KSM_STATE_CHANGES_MAX (a rule changes at most 2 + 2 * 2 values). */
static int flow_calls_left;
static const char *const flow_states[] = {"a", "b", "c", "d"};
static const char *flow_states_ref(int k)
{
    return flow_states[k];
}

/* A HashSet entry: a small literal, or an unsigned field of the selected method. */
static void gen_entry(struct sb *b, const struct fieldset *f)
{
    if (f && f->nu && pick(2))
        add(b, "message.%s", f->u[pick(f->nu)]);
    else
        add(b, "%d", pick(4));
}

static void gen_set_call(struct sb *b, const struct fieldset *f)
{
    flow_calls_left--;
    int m = pick(4);
    int o = pick(2);
    add(b, " h%d.%s {sid: ", o, (const char *[]){"init", "fini", "add", "remove"}[m]);
    gen_sid(b, f, RK_H0 + o);
    if (m >= 2) {
        add(b, ", entry: ");
        gen_entry(b, f);
    }
    add(b, "}");
}

static void gen_map_call(struct sb *b, const struct fieldset *f)
{
    flow_calls_left--;
    int m = pick(5);
    add(b, " m0.%s {sid: ", (const char *[]){"init", "fini", "set", "commit", "rollback"}[m]);
    gen_sid(b, f, RK_M0);
    if (m == 2) {
        add(b, ", key: %s, value: ", map_keys[map_list_keys][pick(2)]);
        gen_entry(b, f);
    }
    add(b, "}");
}

/* The Mic object k0 of the random policies: three degrees, three categories, a small resource
 * table (so that it fills). */
static const char *const mic_degrees[] = {"lo", "mid", "hi"};
static const char *const mic_categories[] = {"x", "y", "z"};

/* A Mic level: a degree, or { degree, categories }, now and then `degree : ()`. */
static void gen_mic_level(struct sb *b)
{
    if (pick(3) == 0) {
        add(b, "\"%s\"", mic_degrees[pick(3)]);
        return;
    }
    if (pick(6) == 0)
        add(b, "{degree : (), categories : [");
    else
        add(b, "{degree : \"%s\", categories : [", mic_degrees[pick(3)]);
    for (int k = 0; k < 3; k++)
        if (pick(2))
            add(b, "\"%s\", ", mic_categories[k]);
    add(b, "]}");
}

/* A subject (src_sid, dst_sid) when subject, else a resource's SID: a small literal or an
 * unsigned field (subject false: either). */
static void gen_mic_operand(struct sb *b, const struct fieldset *f, bool subject)
{
    if (subject || pick(2))
        add(b, "%s", pick(2) ? "src_sid" : "dst_sid");
    else
        gen_entry(b, f);
}

static void gen_mic_call(struct sb *b, const struct fieldset *f)
{
    flow_calls_left--;
    static const char *const rules[] = {"execute", "create", "upgrade", "downgrade",
                                        "call",    "invoke", "read",    "write"};
    int m = pick(8);
    add(b, " k0.%s {", rules[m]);
    if (m == 0) {
        add(b, "target : %s, image : (), level : ", pick(2) ? "src_sid" : "dst_sid");
        gen_mic_level(b);
        if (pick(2)) {
            add(b, ", levelR : ");
            if (pick(4) == 0)
                add(b, "()");
            else
                gen_mic_level(b);
        }
    } else if (m <= 3) {
        add(b, "source : %s, target : ", pick(2) ? "src_sid" : "dst_sid");
        gen_entry(b, f);
        add(b, ", container : ");
        if (pick(2))
            add(b, "()");
        else
            gen_entry(b, f);
        add(b, ", driver : %s, level : ", pick(2) ? "src_sid" : "dst_sid");
        if (m == 1 && pick(3) == 0)
            add(b, "()");
        else
            gen_mic_level(b);
    } else {
        add(b, "source : %s, target : ", pick(2) ? "src_sid" : "dst_sid");
        if (m >= 6)
            gen_entry(b, f);
        else
            add(b, "%s", pick(2) ? "src_sid" : "dst_sid");
    }
    add(b, "}");
}

static void gen_flow_call(struct sb *b, const struct fieldset *f)
{
    flow_calls_left--;
    int m = pick(4), o = pick(2);
    add(b, " f%d.%s {sid: ", o, (const char *[]){"init", "fini", "enter", "allow"}[m]);
    gen_sid(b, f, RK_F0 + o);
    if (m == 2)
        add(b, ", state: \"%s\"", flow_states[pick(4)]);
    if (m == 3) {
        add(b, ", states: [\"%s\"", flow_states[pick(4)]);
        for (int k = pick(3); k > 0; k--)
            add(b, ", \"%s\"", flow_states[pick(4)]);
        add(b, "]");
    }
    add(b, "}");
}

/* A choice: Regex select over a string field of the selected method, or (with state) a Flow
 * query; distinct cases in a random order, sometimes a `_` case, each a random body. */
static int choices_made[3]; /* Regex select, Flow query, Mic query_level: it makes all */
static bool gen_choice(struct sb *b, struct sel s, const struct fieldset *f, int depth)
{
    static const char *const patterns[] = {"^a*b$", "a|ba", "^$", "(ab)+", "^[ab]{2,3}$", "b"};
    bool flow = gen_flows && (!f->nstr || pick(2));
    if (!flow && !f->nstr)
        return false;
    choices_made[flow]++;
    bool mic = flow && pick(3) == 0;
    if (mic) {
        add(b, "\n  choice (k0.query_level {source : ");
        gen_mic_operand(b, f, false);
        add(b, "}) {");
        int cases = 1 + pick(3), first = pick(3);
        for (int i = 0; i < cases; i++) {
            add(b, " \"%s\" : {", mic_degrees[(first + i) % 3]);
            gen_body(b, s, depth + 1);
            add(b, " }");
        }
        if (pick(2))
            add(b, " _ : %s", pick(3) ? "grant ()" : "deny ()");
        add(b, " }");
        choices_made[2]++;
        return true;
    }
    if (flow) {
        int o = pick(2);
        add(b, "\n  choice (f%d.query {sid: ", o);
        gen_sid(b, f, RK_F0 + o);
        add(b, "}) {");
    } else {
        add(b, "\n  choice (re.select {text : message.%s}) {", f->str[pick(f->nstr)]);
    }
    int n = flow ? 4 : 6, order[6] = {0, 1, 2, 3, 4, 5};
    for (int i = n - 1; i > 0; i--) {
        int j = pick(i + 1), k = order[i];
        order[i] = order[j];
        order[j] = k;
    }
    int cases = 1 + pick(n - 1);
    for (int i = 0; i < cases; i++) {
        add(b, " \"%s\" : {", flow ? flow_states[order[i]] : patterns[order[i]]);
        gen_body(b, s, depth + 1);
        add(b, " }");
    }
    if (pick(2)) {
        add(b, " _ :");
        if (pick(2)) {
            add(b, " {");
            gen_body(b, s, depth + 1);
            add(b, " }");
        } else {
            add(b, " %s", pick(3) ? "grant ()" : "deny ()");
        }
    }
    add(b, " }");
    return true;
}

static void gen_body(struct sb *b, struct sel s, int depth)
{
    if (pick(4) == 0)
        add(b, " audit %s", (const char *[]){"trace", "quiet", "empty"}[pick(3)]);
    int n = 1 + pick(3);
    for (int i = 0; i < n; i++) {
        if (gen_flows && flow_calls_left > 0 && pick(3) == 0) {
            struct fieldset f = {0};
            if (s.server && s.ep && s.method && s.event != 0)
                fields_of(s.ep, s.method, s.event, &f);
            int k = pick(4);
            if (k == 0)
                gen_flow_call(b, &f);
            else if (k == 1)
                gen_set_call(b, &f);
            else if (k == 2)
                gen_map_call(b, &f);
            else
                gen_mic_call(b, &f);
            continue;
        }
        int r = pick(depth > 1 ? 4 : 6);
        struct fieldset f = {0};
        if (s.server && s.ep && s.method && s.event != 0)
            fields_of(s.ep, s.method, s.event, &f);
        if ((r == 5 || (f.nstr && depth < 3 && pick(2) == 0)) && pick(2) &&
            gen_choice(b, s, &f, depth))
            continue;
        if (r == 0 || r == 1) {
            add(b, " grant ()");
        } else if (r == 2 && pick(3) == 0) {
            add(b, " deny ()");
        } else if (r <= 3) {
            add(b, r == 2 ? " deny (" : " assert (");
            gen_bool(b, &f, 0);
            add(b, ")");
        } else {
            add(b, "\n  match");
            struct sel t = s;
            gen_selectors(b, &t, false);
            if (s.event == 2 || s.event == 3) {
                if (!t.server) { /* give response/error matches a server to reach fields */
                    t.server = "psltest.Server";
                    add(b, " src=psltest.Server");
                }
                bool core = !strcmp(t.server, "kl.core.Core");
                if (!t.ep) {
                    t.ep = core ? "vmm.VMM" : "calc";
                    add(b, " endpoint=%s", t.ep);
                }
                if (!t.method) {
                    t.method =
                        core ? "Allocate"
                             : (const char *[]){"Put",    "Ping",    "Nest",   "Name",   "Seq",
                                                "Blob",   "Points",  "Shapes", "Pick",   "Tags",
                                                "Label",  "Mixed",   "Rows",   "Groups", "Nested",
                                                "Deeper", "Deepest", "Arrays"}[pick(18)];
                    add(b, " method=%s", t.method);
                }
            }
            add(b, " {");
            gen_body(b, t, depth + 1);
            add(b, " }");
        }
    }
}

/* gen_policy(): when set, the policy's bindings are all on requests of this psltest.Calc method
 * (either endpoint), for compare() aimed at it (focus_method). */
static const char *focus_name;

static char *gen_policy(void)
{
    struct sb b = {0};
    add(&b, "execute: kl.core.Execute\nuse nk.base._\nuse nk.regex._\n");
    flow_calls_left = 16;
    if (gen_flows) {
        for (int k = 0; k < RK_COUNT; k++)
            res_keyed[k] = pick(2);
        add(&b, "use nk.flow._\nuse nk.hashmap._\nuse nk.staticmap._\nuse nk.mic._\n");
        add(&b,
            "policy object k0 : Mic { config = { degrees : [\"lo\", \"mid\", \"hi\"], "
            "categories : [\"x\", \"y\", \"z\"], resources : %d } }\n",
            1 + pick(4));
        map_list_keys = pick(2);
        add(&b,
            "policy object m0 : StaticMap { type Value = UInt64 config = { keys : { %s : %d, "
            "%s : %d }, pool_size : %d, resources : %d } }\n",
            map_keys[map_list_keys][0], pick(3), map_keys[map_list_keys][1], pick(3), 1 + pick(3),
            1 + pick(4));
        for (int h = 0; h < 2; h++)
            add(&b,
                "policy object h%d : HashSet { type Entry = UInt64 config = { set_size : %d, "
                "pool_size : %d, resources : %d } }\n",
                h, 1 + pick(3), 1 + pick(4), 1 + pick(4));
        for (int f = 0; f < 2; f++) {
            add(&b,
                "policy object f%d : Flow { config = { states : [\"a\", \"b\", \"c\", \"d\"], "
                "initial : \"%s\", transitions : {",
                f, flow_states[pick(4)]);
            for (int k = 0; k < 4; k++) {
                add(&b, " \"%s\" : [", flow_states[k]);
                for (int j = 0; j < 4; j++)
                    if (pick(2))
                        add(&b, "\"%s\", ", flow_states[j]);
                add(&b, "],");
            }
            add(&b, " }, resources : %d } }\n", 1 + pick(4));
        }
    }
    for (int i = 0; i < 5; i++)
        add(&b, "use EDL %s\n", classes[i]);
    add(&b, "audit profile trace = { 0 : { base : { kss : [\"granted\", \"denied\"] } }, 1 : { "
            "base : { kss : [] } } }\n");
    add(&b, "audit profile quiet = { 0 : { base : { kss : [\"denied\"] } }, 1 : { base : { kss : "
            "[\"granted\"] } } }\n");
    add(&b, "audit default = %s %d\n", pick(2) ? "trace" : "quiet", pick(2));
    int nb = focus_name ? 1 + pick(3) : 1 + pick(10); /* one cell: keep its choices few */
    for (int i = 0; i < nb; i++) {
        struct sel s = {pick(5), NULL, NULL, NULL};
        if (focus_name) { /* every binding on requests of that one psltest.Calc method */
            s = (struct sel){1, "psltest.Server", pick(2) ? "calc" : "sub.Calc2", focus_name};
            add(&b, "request dst=%s endpoint=%s method=%s", s.server, s.ep, s.method);
            add(&b, " {");
            gen_body(&b, s, 0);
            add(&b, " }\n");
            continue;
        }
        add(&b, "%s",
            (const char *[]){"execute", "request", "response", "error", "security"}[s.event]);
        gen_selectors(&b, &s, true);
        add(&b, " {");
        gen_body(&b, s, 0);
        add(&b, " }\n");
    }
    return b.s;
}

/* Makes the message a valid psltest.Calc.Name request most of the time: both string
 * descriptors inside the arena (the fixed part is 16 bytes, no handles), texts of 'a', 'b' and
 * NUL bytes so that equal, ordered and embedded-NUL strings meet; now and then a count that
 * runs past the message. */
static void craft_strings(uint8_t *msg, size_t size)
{
    memset(msg + 8, 0, 16);
    msg[8] = 16; /* fixed part */
    uint32_t count[2] = {(uint32_t)pick(6), (uint32_t)pick(6)}, off[2] = {0, 16};
    if (pick(20) == 0)
        count[pick(2)] = (uint32_t)size;
    for (int k = 0; k < 2; k++) {
        uint8_t *d = msg + KSM_HEADER_SIZE + 8 * k;
        memcpy(d, &off[k], 4);
        memcpy(d + 4, &count[k], 4);
        for (uint32_t i = 0; i < count[k] && 40 + off[k] + i < size && i < 16; i++)
            msg[40 + off[k] + i] = (const uint8_t[]){'a', 'b', 0, 'a'}[pick(4)];
        if (count[k] && count[k] <= 16)
            msg[40 + off[k] + count[k] - 1] = pick(8) ? 0 : 'b'; /* terminated, mostly */
    }
}

/* The header's fixed-part size (no handles) and the first parameter's sequence descriptor at 24:
 * offset (now and then odd_off, misaligned) and 0 to max_count - 1 elements (now and then a
 * count past the message). */
static void craft_seq_desc(uint8_t *msg, size_t size, uint32_t fixed, uint32_t step,
                           uint32_t odd_off, int max_count)
{
    memset(msg + 8, 0, 16);
    msg[8] = (uint8_t)fixed;
    uint32_t off = pick(10) == 0 ? odd_off : step * (uint32_t)pick(3),
             count = (uint32_t)pick(max_count);
    if (pick(20) == 0)
        count = (uint32_t)size;
    memcpy(msg + KSM_HEADER_SIZE, &off, 4);
    memcpy(msg + KSM_HEADER_SIZE + 4, &count, 4);
}

/* Makes the message a psltest.Calc.Seq request most of the time: the fixed part is 28 bytes (the
 * arena at 56), vals' descriptor at 24 with 0 to 9 small UInt16 values (now and then an odd
 * offset or a count past the message), arr at 32 with small signed values, i at 48 (0 to 5). */
static void craft_seq(uint8_t *msg, size_t size)
{
    craft_seq_desc(msg, size, 28, 2, 1, 10);
    for (int k = 0; k < 4; k++) {
        int32_t v = pick(12) - 6;
        memcpy(msg + KSM_HEADER_SIZE + 8 + 4 * k, &v, 4);
    }
    msg[KSM_HEADER_SIZE + 24] = (uint8_t)pick(6);
    for (size_t k = 56; k + 1 < size && k < 56 + 24; k += 2) {
        uint16_t v = (uint16_t)(pick(3) ? (uint64_t)pick(60) : rnd());
        memcpy(msg + k, &v, 2);
    }
}

/* Makes the message a psltest.Calc.Points request: the fixed part is 12 bytes, pts's descriptor
 * at 24 (0 to 5 points of 8 bytes, now and then a count past the message), i at 32, the points
 * from the arena at 40 (x at 0, y at 4 of each, small values that meet sequence.psl's bounds). */
static void craft_points(uint8_t *msg, size_t size)
{
    craft_seq_desc(msg, size, 12, 8, 2, 6);
    msg[KSM_HEADER_SIZE + 8] = (uint8_t)pick(5);
    for (size_t k = 40; k + 8 <= size && k < 40 + 8 * 6; k += 8) {
        uint16_t x = (uint16_t)(pick(3)   ? 3u
                                : pick(2) ? 998u + (uint32_t)pick(5)
                                          : (uint32_t)rnd());
        int32_t y = pick(24) - 14;
        memcpy(msg + k, &x, 2);
        memcpy(msg + k + 4, &y, 4);
    }
}

/* Makes the message a psltest.Calc.Shapes request: the fixed part is 36 bytes (the arena at 64),
 * corners at 24 (3 points of 8 bytes: x at 0, y at 4, values that meet sequence.psl's bounds),
 * names' descriptor at 48 (0 to 5 strings of 8-byte descriptors, now and then misaligned or past
 * the message), i at 56 (0 to 4); the names' descriptors from the arena at 64, their texts from
 * 96 (short words around sequence.psl's, mostly terminated, now and then out of bounds). */
static void craft_shapes(uint8_t *msg, size_t size)
{
    memset(msg + 8, 0, 16);
    msg[8] = 36;
    for (int k = 0; k < 3; k++) {
        uint16_t x = (uint16_t)(pick(3) ? 0 : pick(2) ? 77 : pick(5));
        int32_t y = pick(4) ? pick(24) - 14 : 77;
        memcpy(msg + KSM_HEADER_SIZE + 8 * k, &x, 2);
        memcpy(msg + KSM_HEADER_SIZE + 8 * k + 4, &y, 4);
    }
    uint32_t off = pick(10) == 0 ? 2 : 0, count = (uint32_t)pick(6);
    if (pick(20) == 0)
        count = (uint32_t)size;
    memcpy(msg + KSM_HEADER_SIZE + 24, &off, 4);
    memcpy(msg + KSM_HEADER_SIZE + 28, &count, 4);
    msg[KSM_HEADER_SIZE + 32] = (uint8_t)pick(5);
    static const char *const words[] = {"box", "tri", "boy", "bow", "boz", "triad", "boxes!", ""};
    for (uint32_t k = 0; k < 5 && 64 + 8 * k + 8 <= size; k++) {
        const char *w = words[pick(8)];
        uint32_t at = 32 + 16 * k, n = (uint32_t)strlen(w) + (pick(8) ? 1 : 0);
        if (pick(16) == 0)
            at = (uint32_t)size; /* the text past the message */
        memcpy(msg + 64 + 8 * k, &at, 4);
        memcpy(msg + 64 + 8 * k + 4, &n, 4);
        if (64 + 32 + 16 * k + 16 <= size) {
            memset(msg + 64 + 32 + 16 * k, 0, 16);
            memcpy(msg + 64 + 32 + 16 * k, w, strlen(w));
            if (n > strlen(w))
                msg[64 + 32 + 16 * k + strlen(w)] = 0;
            else if (strlen(w) < 16)
                msg[64 + 32 + 16 * k + strlen(w)] = 'x'; /* unterminated: the count ends it */
        }
    }
}

/* Makes the message a psltest.Calc.Blob request most of the time: the fixed part is 12 bytes,
 * h (at 32) an index of 0 to 2 into a handle table of 0 to 2 entries at 40 with SIDs around
 * handle.psl's range (90 to 209, or below 8) and small rights; data's descriptor at 24. Half
 * the time the arena ends where the handles' types (0 to 23, handle.psl's among them) fill the
 * message to its 256 bytes, as the kernel shows them to the monitor. */
static void craft_blob(uint8_t *msg)
{
    memset(msg + 8, 0, 16);
    msg[8] = 12;
    msg[16] = (uint8_t)pick(3);
    uint32_t h = (uint32_t)pick(3), off = 0, count = (uint32_t)pick(6);
    memcpy(msg + KSM_HEADER_SIZE + 8, &h, 4);
    memcpy(msg + KSM_HEADER_SIZE, &off, 4);
    memcpy(msg + KSM_HEADER_SIZE + 4, &count, 4);
    for (int k = 0; k < 2; k++) {
        uint32_t sid = (uint32_t)(pick(2) ? 90 + pick(120) : pick(8)), rights = (uint32_t)pick(8);
        memcpy(msg + 40 + 8 * k, &sid, 4);
        memcpy(msg + 44 + 8 * k, &rights, 4);
    }
    if (pick(2) && msg[16] != 0) { /* the types after an arena that ends 8 bytes short of 256 */
        uint32_t arena = 256u - 40u - 8u * msg[16] - 8u, reach = arena - 2u + (uint32_t)pick(5);
        memcpy(msg + 12, &arena, 4);
        if (pick(4) == 0) /* data up to, or into, the types: which are no part of the message */
            memcpy(msg + KSM_HEADER_SIZE + 4, &reach, 4);
        for (int k = 0; k < 8; k++)
            msg[248 + k] = (uint8_t)(k < msg[16] ? (pick(2) ? 7 + 4 * pick(2) : pick(24)) : 0);
    }
}

/* Makes the message a psltest.Calc.Pick request: the fixed part is 64 bytes (no handles, an
 * empty arena); reply at 24 (tag at 24, its arm at 28), w at 36 (kind at 36, its union's tag at
 * 40, the arm at 44), d at 56 (tag at 56; inner's tag at 64, inner's arm at 68). Tags are mostly
 * those of arms, now and then one past them or any 32-bit value; arms' values around
 * union.psl's bounds. */
static uint32_t union_tag(uint32_t arms)
{
    return pick(8) ? (uint32_t)pick((int)arms) : pick(2) ? arms : (uint32_t)rnd();
}
static void craft_pick(uint8_t *msg)
{
    memset(msg + 8, 0, 16);
    msg[8] = 64;
    memset(msg + KSM_HEADER_SIZE, 0, 64);
    uint32_t tags[4] = {union_tag(3), union_tag(3), union_tag(2), union_tag(3)};
    static const uint32_t at[4] = {0, 16, 32, 40};
    for (int k = 0; k < 4; k++) {
        memcpy(msg + KSM_HEADER_SIZE + at[k], &tags[k], 4);
        uint16_t x = (uint16_t)(pick(3) ? pick(12) : pick(2) ? 13 : 495 + pick(10));
        int32_t y = pick(2) ? -pick(120) : (int32_t)rnd();
        memcpy(msg + KSM_HEADER_SIZE + at[k] + 4, &x, 2);
        memcpy(msg + KSM_HEADER_SIZE + at[k] + 8, &y, 4);
    }
    msg[KSM_HEADER_SIZE + 12] = (uint8_t)pick(3); /* w.kind */
}

/* Makes the message a psltest.Calc.Tags request: the fixed part is 24 bytes (the arena at 48);
 * tag's descriptor at 24, names' at 32 (0 to 5 descriptors at arena 0, now and then past the
 * message), banned's at 40 (0 to 2 at arena 32); the texts in 16-byte slots from arena 48 (the
 * message's last byte at 255): short words around sequence.psl's, mostly terminated, now and
 * then a count past the message. */
static void craft_tags(uint8_t *msg)
{
    static const char *const words[] = {"a", "b", "root", "rooted", "", "ro", "box"};
    memset(msg + 8, 0, 16);
    msg[8] = 24;
    uint32_t desc[3][2] = {{0, 0}, {0, (uint32_t)pick(6)}, {32, (uint32_t)pick(3)}};
    if (pick(20) == 0)
        desc[1 + pick(2)][1] = 1000;
    for (int k = 0; k < 10; k++) { /* the texts: slot k at arena 48 + 16 * k */
        const char *w = words[pick(7)];
        memset(msg + 96 + 16 * k, 0, 16);
        memcpy(msg + 96 + 16 * k, w, strlen(w));
        if (pick(10) == 0)
            msg[96 + 16 * k + strlen(w)] = 'x'; /* unterminated: the count ends it */
    }
    for (int k = 0; k < 6; k++) { /* the strings' descriptors: tag's, then 5 in the arena */
        uint32_t at = 48 + 16 * (uint32_t)pick(10), n = 1 + (uint32_t)pick(7);
        if (pick(16) == 0)
            at = 300; /* the text past the message */
        if (pick(8) == 0)
            n = 0;
        if (k == 0) {
            desc[0][0] = at;
            desc[0][1] = n;
        } else {
            memcpy(msg + 48 + 8 * (k - 1), &at, 4);
            memcpy(msg + 48 + 8 * (k - 1) + 4, &n, 4);
        }
    }
    memcpy(msg + 80, msg + 48 + 8 * (uint32_t)pick(2), 8); /* banned[0]: often one of names' */
    for (int k = 0; k < 3; k++) {
        memcpy(msg + KSM_HEADER_SIZE + 8 * k, &desc[k][0], 4);
        memcpy(msg + KSM_HEADER_SIZE + 8 * k + 4, &desc[k][1], 4);
    }
}

/* Makes the message a psltest.Calc.Mixed request: the fixed part is 80 bytes (the arena at 104);
 * bag's tag at 24 (mostly one of its 5 arms) and its arm at 28: an items' or names' descriptor
 * into the arena, a name's descriptor to a text, or small bytes (n, arr); nums' descriptor at 36
 * (0 to 3 unions of 8 bytes at arena 32, now and then misaligned or past the message); deeps at
 * 48 and 72 (tag, then big or inner's tag and arm at 8), i at 96 (0 to 3). The arena: 4 string
 * descriptors at 0 (names), the nums at 32, texts in 16-byte slots from 64 (short words of
 * gen_str's alphabet, mostly terminated, now and then past the message). */
static void craft_mixed(uint8_t *msg, size_t size)
{
    static const char *const words[] = {"", "a", "ab", "b", "ba", "aab", "root"};
    memset(msg + 8, 0, size - 8);
    msg[8] = 80;
    uint32_t tag = union_tag(5), d[2] = {0, 0};
    if (tag == 1) /* items: UInt16s anywhere in the arena */
        d[0] = 2 * (uint32_t)pick(40), d[1] = (uint32_t)pick(6);
    else if (tag == 2) /* name: a text slot */
        d[0] = 64 + 16 * (uint32_t)pick(5), d[1] = (uint32_t)pick(8);
    else if (tag == 3) /* names: the descriptors at 0 */
        d[0] = pick(8) ? 0 : 2, d[1] = (uint32_t)pick(5);
    else
        d[0] = (uint32_t)(pick(2) ? pick(9) - 4 : (int)rnd()), d[1] = (uint32_t)rnd();
    if (pick(20) == 0)
        d[pick(2)] = (uint32_t)size; /* past the message */
    memcpy(msg + 24, &tag, 4);
    memcpy(msg + 28, d, 8);
    uint32_t nums[2] = {pick(10) ? 32u : 30u, (uint32_t)pick(4)};
    if (pick(20) == 0)
        nums[1] = 1000;
    memcpy(msg + 36, nums, 8);
    for (int k = 0; k < 2; k++) {
        uint8_t *e = msg + 48 + 24 * k;
        uint32_t t = union_tag(2), it = union_tag(3);
        memcpy(e, &t, 4);
        if (t == 1) {
            uint16_t x = (uint16_t)(pick(2) ? 13 : pick(20));
            int32_t y = pick(40) - 20;
            memcpy(e + 8, &it, 4);
            memcpy(e + 12, &x, 2);
            memcpy(e + 16, &y, 4);
        } else {
            uint64_t big = pick(2) ? (uint64_t)pick(20) : rnd();
            memcpy(e + 8, &big, 8);
        }
    }
    msg[96] = (uint8_t)pick(4);
    for (uint32_t k = 0; k < 4; k++) { /* names' descriptors, then their texts */
        const char *w = words[pick(7)];
        uint32_t at = 64 + 16 * (uint32_t)pick(5), n = (uint32_t)strlen(w) + (pick(6) ? 1 : 0);
        if (pick(16) == 0)
            at = 400;
        memcpy(msg + 104 + 8 * k, &at, 4);
        memcpy(msg + 108 + 8 * k, &n, 4);
        if (168 + 16 * k + 16 <= size) {
            memcpy(msg + 168 + 16 * k, w, strlen(w));
            if (pick(8) == 0)
                msg[168 + 16 * k + strlen(w)] = 'x'; /* unterminated: the count ends it */
        }
    }
    for (uint32_t k = 0; k < 3; k++) { /* nums: a tag, then n (UInt32) or s (SInt16) */
        uint32_t t = union_tag(2), v = pick(2) ? (uint32_t)pick(12) : (uint32_t)(pick(12) - 6);
        memcpy(msg + 136 + 8 * k, &t, 4);
        memcpy(msg + 140 + 8 * k, &v, 4);
    }
}

/* Makes the message a psltest.Calc.Rows request: the fixed part is 124 bytes (the arena at 152);
 * rows at 24, three Row elements 32 bytes apart (id at 0, name's descriptor at 4 to a text slot,
 * items' at 12 to UInt16s, the union t at 20: mostly n or s, s's descriptor to a text slot);
 * tags at 120, two Tagged elements 12 bytes apart (tag, then n or s's descriptor); i at 144, j at
 * 145 (0 to 3 and 0 to 4). The arena: texts in 8-byte slots at 0 .. 63 (short words of gen_str's
 * alphabet, mostly terminated), UInt16s at 64 .. 95; now and then a descriptor past the message
 * or misaligned. */
static void craft_rows(uint8_t *msg, size_t size)
{
    static const char *const words[] = {"", "a", "ab", "b", "ba", "aab", "root"};
    memset(msg + 8, 0, size - 8);
    msg[8] = 124;
    for (uint32_t k = 0; k < 8 && 152 + 8 * k + 8 <= size; k++) {
        const char *w = words[pick(7)];
        memcpy(msg + 152 + 8 * k, w, strlen(w));
        if (pick(8) == 0)
            msg[152 + 8 * k + strlen(w)] = 'x'; /* unterminated: the count ends it */
    }
    for (uint32_t k = 0; k < 16 && 216 + 2 * k + 2 <= size; k++) {
        uint16_t v = (uint16_t)(pick(2) ? pick(8) : (int)rnd());
        memcpy(msg + 216 + 2 * k, &v, 2);
    }
    for (int k = 0; k < 5; k++) { /* three rows, then two tags */
        uint8_t *e = k < 3 ? msg + 24 + 32 * k : msg + 120 + 12 * (k - 3);
        uint32_t name[2] = {8 * (uint32_t)pick(8), (uint32_t)pick(7)},
                 items[2] = {64 + 2 * (uint32_t)pick(12), (uint32_t)pick(5)}, t = union_tag(2),
                 arm[2] = {8 * (uint32_t)pick(8), (uint32_t)pick(7)};
        if (pick(20) == 0)
            name[pick(2)] = (uint32_t)size; /* past the message */
        if (pick(20) == 0)
            items[pick(2)] = pick(2) ? (uint32_t)size : 65; /* past it, or misaligned */
        if (t == 0)
            arm[0] = (uint32_t)pick(12);
        if (k < 3) {
            uint16_t id = (uint16_t)pick(8);
            memcpy(e, &id, 2);
            memcpy(e + 4, name, 8);
            memcpy(e + 12, items, 8);
            e += 20;
        }
        memcpy(e, &t, 4);
        memcpy(e + 4, arm, 8);
    }
    msg[144] = (uint8_t)pick(4);
    msg[145] = (uint8_t)pick(5);
}

/* Makes the message a psltest.Calc.Groups request: the fixed part is 100 bytes (the arena at 128);
 * groups at 24, two Group elements 44 bytes apart (names' descriptor at 4 to 0 .. 3 string
 * descriptors at arena 48 + 24 * k, the array a at 12, pts' descriptor at 20 to 0 .. 3 Points
 * from arena 96 or 104, the array corners at 28); i at 112 (0 to 2), j at 113 (0 to 3), tag's
 * descriptor at 116. The arena: texts in 8-byte slots at 0 .. 47 (short words of gen_str's
 * alphabet, mostly terminated), the names' descriptors at 48 .. 95, Points at 96 .. 127; now and
 * then a descriptor past the message or misaligned. */
static void craft_groups(uint8_t *msg, size_t size)
{
    static const char *const words[] = {"", "a", "ab", "b", "ba", "aab", "root"};
    memset(msg + 8, 0, size - 8);
    msg[8] = 100;
    for (uint32_t k = 0; k < 6; k++) {
        const char *w = words[pick(7)];
        memcpy(msg + 128 + 8 * k, w, strlen(w));
        if (pick(8) == 0)
            msg[128 + 8 * k + strlen(w)] = 'x'; /* unterminated: the count ends it */
    }
    for (uint32_t k = 0; k < 6; k++) { /* the names' string descriptors */
        uint32_t d[2] = {8 * (uint32_t)pick(6), (uint32_t)pick(5)};
        if (pick(20) == 0)
            d[pick(2)] = (uint32_t)size; /* past the message */
        memcpy(msg + 176 + 8 * k, d, 8);
    }
    for (uint32_t k = 0; k < 8 && 224 + 4 * k + 4 <= size; k++) { /* Points: x, y small */
        int32_t v = pick(2) ? pick(8) : pick(12) - 6;
        memcpy(msg + 224 + 4 * k, &v, 4);
    }
    for (uint32_t k = 0; k < 2; k++) {
        uint8_t *e = msg + 24 + 44 * k;
        uint32_t names[2] = {48 + 24 * k, (uint32_t)pick(4)},
                 pts[2] = {96 + 8 * (uint32_t)pick(2), (uint32_t)pick(4)};
        if (pick(20) == 0)
            names[pick(2)] = pick(2) ? (uint32_t)size : 3; /* past it, or misaligned */
        if (pick(20) == 0)
            pts[pick(2)] = pick(2) ? (uint32_t)size : 2;
        memcpy(e + 4, names, 8);
        memcpy(e + 20, pts, 8);
        for (uint32_t q = 0; q < 3; q++) {
            uint16_t v = (uint16_t)(pick(2) ? pick(8) : (int)rnd());
            memcpy(e + 12 + 2 * q, &v, 2);
        }
        for (uint32_t q = 0; q < 2; q++) {
            uint16_t x = (uint16_t)pick(8);
            int32_t y = pick(12) - 6;
            memcpy(e + 28 + 8 * q, &x, 2);
            memcpy(e + 32 + 8 * q, &y, 4);
        }
    }
    msg[112] = (uint8_t)pick(3);
    msg[113] = (uint8_t)pick(4);
    uint32_t tag[2] = {8 * (uint32_t)pick(6), (uint32_t)pick(4)};
    memcpy(msg + 116, tag, 8);
}

/* Makes the message a psltest.Calc.Nested request: the fixed part is 68 bytes (the arena at 96);
 * a's three string descriptors at 24 (in place), q's descriptor at 48 to 0 .. 3 descriptors at
 * arena 48, bq's at 56 to 0 .. 2 at arena 72, b's two descriptors at 64 (in place); i at 80 (0
 * to 3), j at 81 (0 to 4), tag's descriptor at 84. The arena: texts in 8-byte slots at 0 .. 47
 * (short words, mostly terminated), the runs of descriptors at 48 .. 87, integers from 88 on;
 * each inner descriptor names 0 .. 4 elements from there; now and then a descriptor past the
 * message or misaligned. */
static void craft_nested(uint8_t *msg, size_t size)
{
    static const char *const words[] = {"", "a", "ab", "b", "ba", "aab", "root"};
    memset(msg + 8, 0, 96 - 8);
    msg[8] = 68;
    for (uint32_t k = 0; k < 6; k++) {
        const char *w = words[pick(7)];
        memset(msg + 96 + 8 * k, 0, 8);
        memcpy(msg + 96 + 8 * k, w, strlen(w));
        if (pick(8) == 0)
            msg[96 + 8 * k + strlen(w)] = 'x'; /* unterminated: the count ends it */
    }
    for (uint32_t k = 0; k < 4; k++) { /* a's and tag's string descriptors */
        uint32_t d[2] = {8 * (uint32_t)pick(6), (uint32_t)pick(5)};
        if (pick(20) == 0)
            d[pick(2)] = (uint32_t)size; /* past the message */
        memcpy(msg + (k < 3 ? 24 + 8 * k : 84), d, 8);
    }
    for (uint32_t k = 0; k < 7; k++) { /* q's and bq's runs (arena 48 .. 87), b's in place */
        uint32_t wide = k >= 5,
                 d[2] = {88 + (wide ? 4 : 1) * (uint32_t)pick(10), (uint32_t)pick(5)};
        if (pick(20) == 0)
            d[pick(2)] = pick(2) ? (uint32_t)size : 3; /* past it, or misaligned */
        memcpy(k < 5 ? msg + 96 + 48 + 8 * k : msg + 64 + 8 * (k - 5), d, 8);
    }
    uint32_t q[2] = {48, (uint32_t)pick(4)}, bq[2] = {72, (uint32_t)pick(3)};
    if (pick(20) == 0)
        q[pick(2)] = pick(2) ? (uint32_t)size : 2;
    if (pick(20) == 0)
        bq[pick(2)] = pick(2) ? (uint32_t)size : 2;
    memcpy(msg + 48, q, 8);
    memcpy(msg + 56, bq, 8);
    for (size_t k = 96 + 88; k < size; k++) /* the integers: small, now and then any */
        msg[k] = (uint8_t)(pick(4) ? pick(8) : (int)rnd());
    msg[80] = (uint8_t)pick(4);
    msg[81] = (uint8_t)pick(5);
}

/* Makes the message a psltest.Calc.Deeper request: the fixed part is 68 bytes (the arena at 96);
 * labs at 24, two Labels 20 bytes apart (each names' two string descriptors in place at 4), qs's
 * descriptor at 64 to 0 .. 2 descriptors at arena 48, each of 0 .. 3 string descriptors from
 * arena 64 .. 111, qp's at 72 to 0 .. 2 at arena 112, each of 0 .. 3 Points from arena 128; i at
 * 80 (0 to 2), j at 81 (0 to 3), tag's descriptor at 84. Texts in 8-byte slots at arena 0 .. 47
 * (short words, mostly terminated); now and then a descriptor past the message or misaligned. */
static void craft_deeper(uint8_t *msg, size_t size)
{
    static const char *const words[] = {"", "a", "ab", "evil", "root", "xa", "abcdef"};
    memset(msg + 8, 0, size - 8);
    msg[8] = 68;
    for (uint32_t k = 0; k < 6; k++) {
        const char *w = words[pick(7)];
        memcpy(msg + 96 + 8 * k, w, strlen(w));
        if (pick(8) == 0)
            msg[96 + 8 * k + strlen(w)] = 'x'; /* unterminated: the count ends it */
    }
    /* string descriptors: labs' four in place, the tag's, six for qs's sequences */
    for (uint32_t k = 0; k < 11; k++) {
        uint32_t d[2] = {8 * (uint32_t)pick(6), (uint32_t)pick(8)};
        if (pick(20) == 0)
            d[pick(2)] = (uint32_t)size; /* past the message */
        uint32_t at = k < 4    ? 24 + 20 * (k / 2) + 4 + 8 * (k % 2)
                      : k == 4 ? 84
                               : 96 + 64 + 8 * (k - 5);
        memcpy(msg + at, d, 8);
    }
    for (uint32_t k = 0; k < 4; k++) { /* qs's and qp's runs of descriptors */
        uint32_t d[2] = {k < 2 ? 64 + 8 * (uint32_t)pick(4) : 128 + 8 * (uint32_t)pick(3),
                         (uint32_t)pick(4)};
        if (pick(20) == 0)
            d[pick(2)] = pick(2) ? (uint32_t)size : 2; /* past it, or misaligned */
        memcpy(msg + 96 + 48 + 8 * (k < 2 ? k : k + 6), d, 8);
    }
    uint32_t qs[2] = {48, (uint32_t)pick(3)}, qp[2] = {112, (uint32_t)pick(3)};
    if (pick(20) == 0)
        qs[pick(2)] = pick(2) ? (uint32_t)size : 2;
    if (pick(20) == 0)
        qp[pick(2)] = pick(2) ? (uint32_t)size : 2;
    memcpy(msg + 64, qs, 8);
    memcpy(msg + 72, qp, 8);
    for (uint32_t k = 0; k < 4 && 96 + 128 + 8 * k + 8 <= size; k++) { /* Points: x, y small */
        uint16_t x = (uint16_t)(pick(4) ? pick(8) : 66);
        int32_t y = pick(12) - 10;
        memcpy(msg + 96 + 128 + 8 * k, &x, 2);
        memcpy(msg + 96 + 128 + 8 * k + 4, &y, 4);
    }
    msg[80] = (uint8_t)pick(3);
    msg[81] = (uint8_t)pick(4);
}

/* Makes the message a psltest.Calc.Deepest request: the fixed part is 28 bytes (the arena at
 * 56); r's descriptor at 0 to 0 .. 2 descriptors at arena 8, each to 0 .. 3 descriptors from
 * arena 24 .. 71, each to 0 .. 4 UInt16 from arena 72 .. 87; qi's at 8 to 0 .. 2 descriptors
 * at arena 88, each to 0 .. 2 Items (32 bytes) from arena 104 .. 167, each with a name (a text
 * at arena 0), items (0 .. 4 UInt16 at arena 72 ..) and a Reply (a tag 0 .. 3, then code, a
 * point or a text's descriptor); qu's at 16 to 0 .. 2 descriptors at arena 168, each to 0 .. 3
 * Nums from arena 184 .. 199 (a tag 0 .. 2, then n or s); i at 24, j at 25, k at 26 (0 .. 2 or
 * 4). Now and then a descriptor past the message or misaligned. */
static void craft_deepest(uint8_t *msg, size_t size)
{
    memset(msg + 8, 0, size - 8);
    msg[8] = 28;
    uint8_t *f = msg + KSM_HEADER_SIZE, *a = msg + 56;
    memcpy(a, pick(2) ? "root" : "ab\0\0", 5);
    /* a descriptor {off, count} at d, now and then broken */
#define DESC(d, off, count)                             \
    do {                                                \
        uint32_t v_[2] = {(off), (count)};              \
        if (pick(20) == 0)                              \
            v_[pick(2)] = pick(2) ? (uint32_t)size : 2; \
        memcpy((d), v_, 8);                             \
    } while (0)
    DESC(f, 8, (uint32_t)pick(3));
    for (uint32_t k = 0; k < 2; k++)
        DESC(a + 8 + 8 * k, 24 + 8 * (uint32_t)pick(4), (uint32_t)pick(4));
    for (uint32_t k = 0; k < 6; k++)
        DESC(a + 24 + 8 * k, 72 + 2 * (uint32_t)pick(4), (uint32_t)pick(5));
    for (uint32_t k = 0; k < 8; k++) { /* UInt16: small, 500 or 9 now and then */
        uint16_t v = (uint16_t)(pick(4) ? pick(8) : pick(2) ? 500 : 9);
        memcpy(a + 72 + 2 * k, &v, 2);
    }
    DESC(f + 8, 88, (uint32_t)pick(3));
    for (uint32_t k = 0; k < 2; k++)
        DESC(a + 88 + 8 * k, 104 + 32 * (uint32_t)pick(2), (uint32_t)pick(3));
    for (uint32_t k = 0; k < 2; k++) { /* Items: id, name, items, u */
        uint8_t *it = a + 104 + 32 * k;
        it[0] = (uint8_t)pick(4);
        DESC(it + 4, 0, (uint32_t)pick(6));
        DESC(it + 12, 72 + 2 * (uint32_t)pick(4), (uint32_t)pick(5));
        it[20] = (uint8_t)pick(4); /* a tag: code, pt, text, or none */
        if (it[20] == 2)
            DESC(it + 24, 0, (uint32_t)pick(6));
        else
            for (uint32_t b = 24; b < 32; b++)
                it[b] = (uint8_t)(pick(3) ? pick(4) : 0xfb);
    }
    DESC(f + 16, 168, (uint32_t)pick(3));
    for (uint32_t k = 0; k < 2; k++)
        DESC(a + 168 + 8 * k, 184 + 8 * (uint32_t)pick(2), (uint32_t)pick(4));
    for (uint32_t k = 0; k < 2; k++) { /* Nums: a tag, then n or s */
        a[184 + 8 * k] = (uint8_t)pick(3);
        int16_t v = (int16_t)(pick(6) - 3);
        memcpy(a + 184 + 8 * k + 4, &v, 2);
    }
#undef DESC
    f[24] = (uint8_t)pick(3);
    f[25] = (uint8_t)pick(3);
    f[26] = (uint8_t)(pick(5) ? pick(3) : 4);
}

/* Makes the message a psltest.Calc.Arrays request: the fixed part is 40 bytes (the arena at
 * 64); m's descriptor at 0 to 0 .. 2 arrays of three UInt16 in place at arena 0 (6 bytes each),
 * ms's at 8 to 0 .. 3 arrays of two string descriptors at arena 12 (16 bytes each, the texts at
 * arena 60 and 68), mp's at 16 to 0 .. 2 arrays of two Points at arena 72 (16 bytes each), the
 * array of arrays aa at 24 (six SInt8), i at 30, j at 31 (0 .. 2, 3 now and then), the tag's
 * descriptor at 32. Now and then a descriptor past the message, or a count past the run. */
static void craft_arrays(uint8_t *msg, size_t size)
{
    memset(msg + 8, 0, size - 8);
    msg[8] = 40;
    uint8_t *f = msg + KSM_HEADER_SIZE, *a = msg + 64;
#define DESC(d, off, count)                             \
    do {                                                \
        uint32_t v_[2] = {(off), (count)};              \
        if (pick(20) == 0)                              \
            v_[pick(2)] = pick(2) ? (uint32_t)size : 2; \
        memcpy((d), v_, 8);                             \
    } while (0)
    DESC(f, 0, (uint32_t)pick(3));
    for (uint32_t k = 0; k < 6; k++) { /* UInt16: small, 300 or 7 now and then */
        uint16_t v = (uint16_t)(pick(4) ? pick(8) : pick(2) ? 300 : 7);
        memcpy(a + 2 * k, &v, 2);
    }
    DESC(f + 8, 12, (uint32_t)pick(4));
    for (uint32_t k = 0; k < 6; k++)
        DESC(a + 12 + 8 * k, pick(2) ? 60 : 68, (uint32_t)pick(6));
    memcpy(a + 60, pick(2) ? "root" : "ab\0\0", 5);
    memcpy(a + 68, pick(2) ? "xy" : "t\0", 3);
    DESC(f + 16, 72, (uint32_t)pick(3));
    for (uint32_t k = 0; k < 4; k++) { /* Points: x small or 66, y -10 .. 1 */
        uint16_t x = (uint16_t)(pick(4) ? pick(8) : 66);
        int32_t y = pick(12) - 10;
        memcpy(a + 72 + 8 * k, &x, 2);
        memcpy(a + 72 + 8 * k + 4, &y, 4);
    }
    for (uint32_t k = 0; k < 6; k++)
        f[24 + k] = (uint8_t)(pick(3) ? pick(4) : 0xff);
#undef DESC
    f[30] = (uint8_t)(pick(5) ? pick(3) : 3);
    f[31] = (uint8_t)(pick(5) ? pick(3) : 3);
    uint32_t tag[2] = {68, (uint32_t)pick(4)};
    memcpy(f + 32, tag, 8);
}

/* A method of the event's endpoint as the table has them (its interface's methods, of the
 * class's security interface for a security event), now and then one past them (a method the
 * endpoint lacks: bad-method on both sides); an endpoint past the class's: any of 0 .. 11. */
static uint32_t pick_method(const struct ksm_table *t, uint32_t ev, uint32_t server, uint32_t ep)
{
    uint32_t e = UINT32_MAX;
    if (server < t->nclasses && ev == KSM_EV_SECURITY)
        e = t->classes[server].sec_ep;
    else if (server < t->nclasses && ep < t->classes[server].nendpoints)
        e = t->classes[server].ep_first + ep;
    if (e >= t->nendpoints)
        return (uint32_t)pick(12);
    return (uint32_t)pick((int)t->endpoints[e].nmethods + (pick(50) == 0 ? 1 : 0) +
                          (t->endpoints[e].nmethods == 0));
}

/* The message for method m of psltest.Calc, crafted now and then (else random bytes). */
static void craft_calc(uint32_t m, uint8_t *msg, size_t size)
{
    if (m == 4 && pick(4))
        craft_strings(msg, size);
    if (m == 6 && pick(4))
        craft_seq(msg, size);
    if (m == 3 && pick(4))
        craft_blob(msg);
    if (m == 7 && pick(4))
        craft_points(msg, size);
    if (m == 8 && pick(4))
        craft_shapes(msg, size);
    if (m == 9 && pick(4))
        craft_pick(msg);
    if (m == 10 && pick(4))
        craft_tags(msg);
    if (m == 11 && pick(4))
        craft_mixed(msg, size);
    if (m == 12 && pick(4))
        craft_rows(msg, size);
    if (m == 13 && pick(4))
        craft_groups(msg, size);
    if (m == 14 && pick(4))
        craft_nested(msg, size);
    if (m == 15 && pick(4))
        craft_deeper(msg, size);
    if (m == 16 && pick(4))
        craft_deepest(msg, size);
    if (m == 17 && pick(4))
        craft_arrays(msg, size);
}

static int focus_method = -1;
static int bounds_denied;
/* compare(): events both sides denied as field-out-of-bounds */ /* compare(): aim at this psltest.Calc method (Blob 3, Seq 6) */
static int compare(const struct ksm_table *t, const struct policy *p, int requests)
{
    static uint8_t msg[256];
    int granted = 0;
    for (int i = 0; i < requests; i++) {
        uint32_t ev = (uint32_t)pick(6) % 5,
                 src = (uint32_t)pick((int)t->nclasses + 1) % (t->nclasses + (pick(50) == 0)),
                 dst = (uint32_t)pick((int)t->nclasses);
        uint32_t server = (ev == 0 || ev == 1) ? dst : src;
        uint32_t ep =
            server < t->nclasses ? (uint32_t)pick((int)t->classes[server].nendpoints + 1) : 0;
        if (ev == 1 && server == 0 && pick(3)) /* aim at vmm.VMM often */
            ep = 0;
        uint32_t m = pick_method(t, ev, server, ep);
        if (focus_method >= 0 && pick(8)) { /* that request, client to server, mostly */
            ev = 1;
            src = ksm_class_id(t, "psltest.Client");
            dst = ksm_class_id(t, "psltest.Server");
            ep = (uint32_t)pick(2);
            m = (uint32_t)focus_method;
        }
        for (size_t k = 0; k < sizeof msg; k++)
            msg[k] = (uint8_t)(pick(3) == 0 ? 0 : pick(4) == 0 ? 0xff : pick(3) == 0 ? 1 : rnd());
        craft_calc(m, msg, sizeof msg);
        size_t len = pick(8) == 0 ? (size_t)pick(64) : sizeof msg;
        const char *fname;
        struct ksm_verdict a = ksm_decide(t, ev, src, dst, ep, m, msg, len);
        struct ksm_verdict b = psl_interpret(p, ev, src, dst, ep, m, msg, len, &fname);
        if (a.verdict != b.verdict || a.reason != b.reason || a.rule != b.rule ||
            a.audit != b.audit ||
            ((a.reason == KSM_R_FIELD_BOUNDS || a.reason == KSM_R_UNION_ARM) &&
             strcmp(t->fields[a.field], fname))) {
            fail_msg("request %d: event %u src %u dst %u ep %u method %u len %zu: table %d/%s/rule "
                     "%u/audit %d, "
                     "interpreter %d/%s/rule %u/audit %d",
                     i, ev, src, dst, ep, m, len, a.verdict, ksm_reason_name(a.reason), a.rule,
                     a.audit, b.verdict, ksm_reason_name(b.reason), b.rule, b.audit);
        }
        granted += a.verdict == KSM_GRANTED;
        bounds_denied += a.reason == KSM_R_FIELD_BOUNDS;
    }
    return granted;
}

/* Process state of both sides: the table's (ksm_state) and the interpreter's (its own layout).
 * SIDs go past the store now and then (no-process-state on both sides). */
#define DIFF_SIDS 6u

/* The HashSet tables: the same processes hold one, with the same entries (in any order). */
static void same_sets(const struct ksm_table *t, const struct ksm_state *a,
                      const struct psl_istate *b, int request)
{
    for (uint32_t sid = 0; sid < DIFF_SIDS; sid++)
        for (uint32_t o = 0; o < t->nsets; o++) {
            uint32_t k = a->set_of[sid * t->nsets + o];
            int ki = b->table[o * DIFF_SIDS + sid];
            if ((k != 0) != (ki >= 0))
                fail_msg("after event %d: HashSet %u of sid %u: table %s, interpreter %s", request,
                         o, sid, k ? "holds one" : "none", ki >= 0 ? "holds one" : "none");
            if (k == 0)
                continue;
            const struct ksm_hashset *h = &t->sets[o];
            const uint64_t *w = &a->set_words[h->base + (k - 1) * (1 + h->set_size)];
            const struct psl_itable *tb = &b->pool[o][ki];
            if (w[0] - 1 != (uint64_t)tb->count)
                fail_msg("after event %d: HashSet %u of sid %u: %llu entries, interpreter %d",
                         request, o, sid, (unsigned long long)(w[0] - 1), tb->count);
            for (int i = 0; i < tb->count; i++) {
                bool found = false;
                for (uint64_t j = 0; j < w[0] - 1; j++)
                    found |= w[1 + j] == (uint64_t)tb->entries[i];
                if (!found)
                    fail_msg("after event %d: HashSet %u of sid %u lacks %lld", request, o, sid,
                             (long long)tb->entries[i]);
            }
        }
}

/* The StaticMap tables: the same processes hold one, with the same base and working values. */
static void same_maps(const struct ksm_table *t, const struct ksm_state *a,
                      const struct psl_istate *b, int request)
{
    for (uint32_t sid = 0; sid < DIFF_SIDS; sid++)
        for (uint32_t o = 0; o < t->nmaps; o++) {
            uint32_t k = a->map_of[sid * t->nmaps + o];
            int ki = b->map_table[o * DIFF_SIDS + sid];
            if ((k != 0) != (ki >= 0))
                fail_msg("after event %d: StaticMap %u of sid %u: table %s, interpreter %s",
                         request, o, sid, k ? "holds one" : "none", ki >= 0 ? "holds one" : "none");
            if (k == 0)
                continue;
            const struct ksm_staticmap *m = &t->maps[o];
            const uint64_t *w = &a->map_words[m->base + (k - 1) * (1 + 2 * m->nkeys)];
            for (uint32_t i = 0; i < m->nkeys; i++)
                if (w[1 + i] != b->maps[o][ki].base[i] ||
                    w[1 + m->nkeys + i] != b->maps[o][ki].work[i])
                    fail_msg("after event %d: StaticMap %u of sid %u key %u differs", request, o,
                             sid, i);
        }
}

/* The Mic levels: every subject's level and levelR; the same resources with the same levels. */
static void same_mics(const struct ksm_table *t, const struct ksm_state *a,
                      const struct psl_istate *b, int request)
{
    for (uint32_t o = 0; o < t->nmics; o++) {
        for (uint32_t sid = 0; sid < DIFF_SIDS; sid++)
            if (a->mic_subj[(sid * t->nmics + o) * 2] != b->mic_level[o * DIFF_SIDS + sid] ||
                a->mic_subj[(sid * t->nmics + o) * 2 + 1] != b->mic_level_r[o * DIFF_SIDS + sid])
                fail_msg("after event %d: Mic %u levels of sid %u: table %llx/%llx, interpreter "
                         "%llx/%llx",
                         request, o, sid, (unsigned long long)a->mic_subj[(sid * t->nmics + o) * 2],
                         (unsigned long long)a->mic_subj[(sid * t->nmics + o) * 2 + 1],
                         (unsigned long long)b->mic_level[o * DIFF_SIDS + sid],
                         (unsigned long long)b->mic_level_r[o * DIFF_SIDS + sid]);
        const struct ksm_mic *m = &t->mics[o];
        int n = 0;
        for (uint32_t e = 0; e < m->capacity; e++) {
            const uint64_t *w = &a->res[m->base + 2 * e];
            if (w[0] == 0)
                continue;
            n++;
            bool found = false;
            for (int i = 0; i < b->mic_nres[o]; i++)
                found |= b->mic_res[o][i].sid == w[0] - 1 && b->mic_res[o][i].level == w[1];
            if (!found)
                fail_msg("after event %d: Mic %u resource %llu at %llx: not in the interpreter",
                         request, o, (unsigned long long)(w[0] - 1), (unsigned long long)w[1]);
        }
        if (n != b->mic_nres[o])
            fail_msg("after event %d: Mic %u: %d resources, interpreter %d", request, o, n,
                     b->mic_nres[o]);
    }
}

/* Every table of every HashSet and StaticMap pool: taken on both sides or on neither, with the
 * same entries (in any order) or values (both take the first free table of a pool). */
static void same_pools(const struct ksm_table *t, const struct ksm_state *a,
                       const struct psl_istate *b, int request)
{
    for (uint32_t o = 0; o < t->nsets; o++) {
        const struct ksm_hashset *h = &t->sets[o];
        for (uint32_t k = 0; k < h->pool_size; k++) {
            const uint64_t *w = &a->set_words[h->base + k * (1 + h->set_size)];
            const struct psl_itable *tb = &b->pool[o][k];
            bool ok =
                (w[0] == 0) == (tb->count < 0) && (w[0] == 0 || w[0] - 1 == (uint64_t)tb->count);
            for (int i = 0; ok && i < tb->count; i++) {
                bool found = false;
                for (uint64_t j = 0; j < w[0] - 1; j++)
                    found |= w[1 + j] == (uint64_t)tb->entries[i];
                ok = found;
            }
            if (!ok)
                fail_msg("after event %d: HashSet %u table %u differs", request, o, k);
        }
    }
    for (uint32_t o = 0; o < t->nmaps; o++) {
        const struct ksm_staticmap *m = &t->maps[o];
        for (uint32_t k = 0; k < m->pool_size; k++) {
            const uint64_t *w = &a->map_words[m->base + k * (1 + 2 * m->nkeys)];
            bool ok = (w[0] != 0) == b->maps[o][k].used;
            for (uint32_t i = 0; ok && w[0] && i < m->nkeys; i++)
                ok = w[1 + i] == b->maps[o][k].base[i] &&
                     w[1 + m->nkeys + i] == b->maps[o][k].work[i];
            if (!ok)
                fail_msg("after event %d: StaticMap %u table %u differs", request, o, k);
        }
    }
}

/* One object kept per resource: the table's entries are the interpreter's resources, with the
 * same state number (the table's is 1 + it; a granted event leaves no entry without state). */
static void same_resources(const struct ksm_state *a, uint32_t base, uint32_t capacity,
                           const struct psl_ireslist *l, const char *model, uint32_t o, int request)
{
    int n = 0;
    for (uint32_t e = 0; e < capacity; e++) {
        const uint64_t *w = &a->res[base + 2 * e];
        if (w[0] == 0)
            continue;
        n++;
        bool found = false;
        for (int i = 0; i < l->n; i++)
            found |= l->v[i].sid == w[0] - 1 && (uint64_t)l->v[i].value + 1 == w[1];
        if (!found)
            fail_msg("after event %d: %s %u resource %llu (%llu): not in the interpreter", request,
                     model, o, (unsigned long long)(w[0] - 1), (unsigned long long)w[1]);
    }
    if (n != l->n)
        fail_msg("after event %d: %s %u: %d resources, interpreter %d", request, model, o, n, l->n);
}

static void same_state(const struct ksm_table *t, const struct ksm_state *a,
                       const struct psl_istate *b, int request)
{
    for (uint32_t o = 0; o < t->nflows; o++)
        if (t->flows[o].resources)
            same_resources(a, t->flows[o].res_base, t->flows[o].resources, &b->flow_res[o], "Flow",
                           o, request);
    for (uint32_t o = 0; o < t->nsets; o++)
        if (t->sets[o].resources)
            same_resources(a, t->sets[o].res_base, t->sets[o].resources, &b->set_res[o], "HashSet",
                           o, request);
    for (uint32_t o = 0; o < t->nmaps; o++)
        if (t->maps[o].resources)
            same_resources(a, t->maps[o].res_base, t->maps[o].resources, &b->map_res[o],
                           "StaticMap", o, request);
    same_pools(t, a, b, request);
    same_mics(t, a, b, request);
    same_maps(t, a, b, request);
    same_sets(t, a, b, request);
    for (uint32_t sid = 0; sid < DIFF_SIDS; sid++)
        for (uint32_t o = 0; o < t->nflows; o++)
            if (a->flow[sid * t->nflows + o] != b->cur[o * DIFF_SIDS + sid] + 1)
                fail_msg("after event %d: object %u of sid %u: table %d, interpreter %d", request,
                         o, sid, a->flow[sid * t->nflows + o] - 1, b->cur[o * DIFF_SIDS + sid]);
}

/* compare_state() aimed at mic.psl's events: starts of its classes, its clients' requests to the
 * server with small values (resource SIDs that meet again), the server's security Check; most
 * random events would miss the few that create, upgrade and downgrade. */
static bool mic_focus;
static void mic_event(const struct ksm_table *t, uint32_t *ev, uint32_t *src, uint32_t *dst,
                      uint32_t *ep, uint32_t *m, uint8_t *msg, size_t size)
{
    static const char *const started[] = {"psltest.Einit", "psltest.Server", "psltest.Client",
                                          "psltest.Other"};
    uint32_t server = ksm_class_id(t, "psltest.Server");
    int r = pick(20);
    memset(msg, 0, size);
    if (r < 3) {
        *ev = KSM_EV_EXECUTE;
        *src = ksm_class_id(t, pick(3) ? "psltest.Einit" : "kl.core.Core");
        *dst = ksm_class_id(t, started[pick(4)]);
        *ep = *m = 0;
        return;
    }
    if (r < 5) {
        *ev = KSM_EV_SECURITY;
        *src = *dst = server;
        *ep = 0;
        *m = (uint32_t)pick(2);
    } else {
        *ev = KSM_EV_REQUEST;
        *src = ksm_class_id(t, pick(3) ? "psltest.Client" : "psltest.Einit");
        *dst = server;
        *ep = (uint32_t)pick(2);
        *m = pick_method(t, *ev, server, *ep);
    }
    /* every field small: the same few resource SIDs come back */
    for (size_t k = KSM_HEADER_SIZE; k < KSM_HEADER_SIZE + 32 && k < size; k += 4)
        msg[k] = (uint8_t)pick(5);
    if (*ev == KSM_EV_REQUEST && *m == 3) { /* Blob: a handle whose SID is small */
        craft_blob(msg);
        for (int k = 0; k < 2; k++) {
            uint32_t sid = (uint32_t)pick(5);
            memcpy(msg + 40 + 8 * k, &sid, 4);
        }
    }
}

/* compare_state() aimed at resource.psl's events (and flow.psl's): the clients' requests to the
 * server, every field and handle SID small (the same few resources come back), rights mostly
 * small too; the methods past Seq's with their crafted messages. */
static bool resource_focus;
static bool focus_with_starts; /* resource_focus, with one random event in 6 (servers start) */
static void resource_event(const struct ksm_table *t, uint32_t *ev, uint32_t *src, uint32_t *dst,
                           uint32_t *ep, uint32_t *m, uint8_t *msg, size_t size)
{
    memset(msg, 0, size);
    *ev = KSM_EV_REQUEST;
    *src = ksm_class_id(t, "psltest.Client");
    *dst = ksm_class_id(t, "psltest.Server");
    *ep = (uint32_t)pick(2);
    *m = pick_method(t, *ev, *dst, *ep);
    for (size_t k = KSM_HEADER_SIZE; k < KSM_HEADER_SIZE + 32 && k < size; k += 4)
        msg[k] = (uint8_t)pick(5);
    if (*m > 6)
        craft_calc(*m, msg, size);
    if (*m == 3) { /* Blob: its handle h is entry 0 or 1 of the handle table */
        craft_blob(msg);
        for (int k = 0; k < 2; k++) {
            uint32_t sid = (uint32_t)pick(5), rights = (uint32_t)(pick(5) ? pick(4) : 7);
            memcpy(msg + 40 + 8 * k, &sid, 4);
            memcpy(msg + 44 + 8 * k, &rights, 4);
        }
    }
}

static int res_changed;  /* events that changed a resource table (any model's) */
static int late_changed; /* granted events that changed the state, of a method past index 6 */

/* Random sequences of events with process SIDs against both sides; returns the events that were
 * granted and changed the state. */
static int compare_state(const struct ksm_table *t, const struct policy *p, int requests)
{
    static uint8_t msg[256];
    uint8_t store[DIFF_SIDS * 4] = {0};
    uint32_t set_of[DIFF_SIDS * 4] = {0};
    static uint64_t words[4096];
    assert_true(t->nsets <= 4 && t->nset_words <= 4096);
    memset(words, 0, sizeof words);
    uint32_t map_of[DIFF_SIDS * 4] = {0};
    static uint64_t mwords[1024];
    assert_true(t->nmaps <= 4 && t->nmap_words <= 1024);
    memset(mwords, 0, sizeof mwords);
    static uint64_t mic_subj[DIFF_SIDS * 4 * 2], res_words[4096];
    assert_true(t->nmics <= 4 && t->nres_words <= 4096); /* every model's resource tables */
    memset(mic_subj, 0, sizeof mic_subj);
    memset(res_words, 0, sizeof res_words);
    struct ksm_state a = {store, DIFF_SIDS, set_of, words, map_of, mwords, mic_subj, res_words};
    struct psl_istate b = psl_istate_new(p, DIFF_SIDS);
    assert_true(t->nflows <= 4);
    int changed = 0;
    for (int i = 0; i < requests; i++) {
        uint32_t ev = (uint32_t)pick(5), src = (uint32_t)pick((int)t->nclasses),
                 dst = (uint32_t)pick((int)t->nclasses);
        uint32_t server = (ev == 0 || ev == 1) ? dst : src;
        uint32_t ep = (uint32_t)pick((int)t->classes[server].nendpoints + 1);
        uint32_t m = pick_method(t, ev, server, ep);
        uint32_t sids[2];
        for (int k = 0; k < 2; k++)
            sids[k] = pick(20) == 0   ? KSM_SID_NONE
                      : pick(12) == 0 ? KSM_SID_KERNEL
                                      : (uint32_t)pick(DIFF_SIDS + 1);
        for (size_t k = 0; k < sizeof msg; k++)
            msg[k] = (uint8_t)(pick(2) ? 0 : pick(3) == 0 ? 1 : rnd());
        craft_calc(m, msg, sizeof msg);
        if (mic_focus && pick(4))
            mic_event(t, &ev, &src, &dst, &ep, &m, msg, sizeof msg);
        if (resource_focus && (!focus_with_starts || pick(6)))
            /* every event: a random one would fill the tables with big SIDs */
            resource_event(t, &ev, &src, &dst, &ep, &m, msg, sizeof msg);
        if (pick(50) == 0) { /* a process ends */
            ksm_state_drop(t, &a, sids[0]);
            for (uint32_t o = 0; o < t->nflows && sids[0] < DIFF_SIDS; o++)
                b.cur[o * DIFF_SIDS + sids[0]] = -1;
            for (uint32_t o = 0; o < t->nsets && sids[0] < DIFF_SIDS; o++) {
                int *k = &b.table[o * DIFF_SIDS + sids[0]];
                if (*k >= 0)
                    b.pool[o][*k].count = -1;
                *k = -1;
            }
            for (uint32_t o = 0; o < t->nmaps && sids[0] < DIFF_SIDS; o++) {
                int *k = &b.map_table[o * DIFF_SIDS + sids[0]];
                if (*k >= 0)
                    b.maps[o][*k].used = false;
                *k = -1;
            }
            for (uint32_t o = 0; o < t->nmics && sids[0] < DIFF_SIDS; o++)
                b.mic_level[o * DIFF_SIDS + sids[0]] = b.mic_level_r[o * DIFF_SIDS + sids[0]] = 0;
            /* a resource goes (a process with its SID ended) */
            uint32_t res = (uint32_t)pick(8);
            ksm_state_drop_resource(t, &a, res);
            psl_istate_drop_resource(p, &b, res);
        }
        uint8_t before[sizeof store];
        memcpy(before, store, sizeof store);
        uint32_t before_of[sizeof set_of / sizeof set_of[0]];
        memcpy(before_of, set_of, sizeof set_of);
        static uint64_t before_words[4096];
        memcpy(before_words, words, sizeof words);
        uint32_t before_map_of[sizeof map_of / sizeof map_of[0]];
        memcpy(before_map_of, map_of, sizeof map_of);
        static uint64_t before_mwords[1024];
        memcpy(before_mwords, mwords, sizeof mwords);
        static uint64_t before_mic_subj[sizeof mic_subj / 8], before_res_words[4096];
        memcpy(before_mic_subj, mic_subj, sizeof mic_subj);
        memcpy(before_res_words, res_words, sizeof res_words);
        const char *fname;
        struct ksm_verdict x =
            ksm_decide_state(t, &a, ev, src, dst, sids[0], sids[1], ep, m, msg, sizeof msg);
        struct ksm_verdict y = psl_interpret_state(p, &b, ev, src, dst, sids[0], sids[1], ep, m,
                                                   msg, sizeof msg, &fname);
        if (x.verdict != y.verdict || x.reason != y.reason || x.rule != y.rule ||
            x.audit != y.audit)
            fail_msg("event %d: event %u src %u/%u dst %u/%u ep %u method %u: table %d/%s/rule %u, "
                     "interpreter %d/%s/rule %u",
                     i, ev, src, sids[0], dst, sids[1], ep, m, x.verdict, ksm_reason_name(x.reason),
                     x.rule, y.verdict, ksm_reason_name(y.reason), y.rule);
        if (x.verdict != KSM_GRANTED) { /* a denial changes nothing */
            assert_memory_equal(before, store, sizeof store);
            assert_memory_equal(before_of, set_of, sizeof set_of);
            assert_memory_equal(before_words, words, sizeof words);
            assert_memory_equal(before_map_of, map_of, sizeof map_of);
            assert_memory_equal(before_mwords, mwords, sizeof mwords);
            assert_memory_equal(before_mic_subj, mic_subj, sizeof mic_subj);
            assert_memory_equal(before_res_words, res_words, sizeof res_words);
        }
        bool moved = memcmp(before, store, sizeof store) != 0 ||
                     memcmp(before_of, set_of, sizeof set_of) != 0 ||
                     memcmp(before_words, words, sizeof words) != 0 ||
                     memcmp(before_map_of, map_of, sizeof map_of) != 0 ||
                     memcmp(before_mwords, mwords, sizeof mwords) != 0 ||
                     memcmp(before_mic_subj, mic_subj, sizeof mic_subj) != 0 ||
                     memcmp(before_res_words, res_words, sizeof res_words) != 0;
        changed += moved;
        same_state(t, &a, &b, i);
        late_changed += moved && m > 6 && ev != KSM_EV_EXECUTE;
        res_changed += memcmp(before_res_words, res_words, sizeof res_words) != 0;
    }
    return changed;
}

static void flow_policy(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/flow.psl", &p);
    late_changed = 0;
    assert_true(compare_state(t, p, 30000) > 100);
    /* the client's requests, every method of calc (Tags one of 18: as many of them as there
     * were when calc had 17 methods, and more) */
    resource_focus = focus_with_starts = true;
    int changed = compare_state(t, p, 18000);
    assert_true(changed > 100);
    resource_focus = focus_with_starts = false;
    assert_true(late_changed > 10); /* Tags (method 10) moves machines too: every method is sent */
    assert_true(compare(t, p, 5000) > 0); /* without state: the Flow rules deny on both sides */
}

static void hashset_policy(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/hashset.psl", &p);
    int changed = compare_state(t, p, 30000);
    assert_true(changed > 100);
}

/* hashset_tuple.psl: tuple and dictionary entries, packed alike on both sides (the tables'
 * entries are compared after every event). */
static void hashset_tuple_policy(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/hashset_tuple.psl", &p);
    int changed = compare_state(t, p, 30000);
    assert_true(changed > 100);
}

static void staticmap_policy(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/staticmap.psl", &p);
    assert_true(compare_state(t, p, 30000) > 100);
}

/* mic.psl: integrity levels of processes, the kernel and resources (SIDs from the messages). */
static void mic_policy(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/mic.psl", &p);
    assert_int_equal(t->nmics, 2);
    mic_focus = true;
    int changed = compare_state(t, p, 60000);
    mic_focus = false;
    assert_true(changed > 1000);
    assert_true(compare(t, p, 5000) > 0);
}

/* resource.psl: Flow, HashSet and StaticMap objects kept per resource, their SIDs from handles
 * and fields of the clients' requests (resource_focus: small SIDs that meet again). */
static void resource_policy(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/resource.psl", &p);
    assert_true(t->flows[0].resources == 2 && t->sets[0].resources == 4 &&
                t->maps[0].resources == KSM_RESOURCES_DEFAULT);
    resource_focus = true;
    int changed = compare_state(t, p, 60000);
    resource_focus = false;
    assert_true(changed > 1000);
    assert_true(compare(t, p, 5000) > 0);
}

/* The auxiliary models and the Regex model (stateless): crafted string requests reach their
 * grants. */
static void models_and_regex_policies(void **state)
{
    (void)state;
    static const char *const files[] = {PSL_POLICY_DIR "/models.psl", PSL_POLICY_DIR "/regex.psl"};
    for (int i = 0; i < 2; i++) {
        struct policy *p;
        psl_diag_reset(NULL);
        struct ksm_table *t = pslc_compile_file(psl_test_td(), NULL, 0, files[i], &p);
        assert_non_null(t);
        assert_true(compare(t, p, 50000) > 0);
    }
}

/* choice.psl: Regex select and Flow query choices, nested, with state changes inside cases. */
static void choice_policy(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/choice.psl", &p);
    assert_true(t->nchoices > 1);
    assert_true(compare_state(t, p, 30000) > 10);
    assert_true(compare(t, p, 20000) > 0);
}

/* compare() on method (its index in psltest.Calc) alone, for requests requests: more than
 * 1,000 granted and more than min_bounds denied as out of bounds, alike on both sides. */
static void focused_compare(const struct ksm_table *t, const struct policy *p, int method,
                            int requests, int min_bounds)
{
    focus_method = method;
    bounds_denied = 0;
    int granted = compare(t, p, requests);
    focus_method = -1;
    assert_true(granted > 1000);
    assert_true(bounds_denied > min_bounds);
}

/* sequence.psl: elements and sizes of a sequence and an array, on crafted Seq requests; fields
 * of a sequence of structs' elements on crafted Points requests; fields of an array of structs'
 * elements and strings of a sequence of strings on crafted Shapes requests; member of a
 * sequence of strings on crafted Tags requests. */
static void sequence_policy(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/sequence.psl", &p);
    focus_method = 6;
    int granted = compare(t, p, 40000);
    assert_true(granted > 1000);
    focus_method = 7; /* Points: fields of a sequence of structs */
    granted = compare(t, p, 40000);
    assert_true(granted > 1000);
    focus_method = 8; /* Shapes: an array of structs, a sequence of strings */
    granted = compare(t, p, 40000);
    assert_true(granted > 500);
    focus_method = 10; /* Tags: member of a sequence of strings */
    bounds_denied = 0;
    granted = compare(t, p, 40000);
    focus_method = -1;
    assert_true(granted > 500);
    assert_true(bounds_denied > 500);
}

/* union.psl: which arm a union holds, fields of the arm it holds (through a struct, through a
 * union's arm), arms it does not hold and tags naming no arm, on crafted Pick requests. */
static void union_policy(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/union.psl", &p);
    focused_compare(t, p, 9, 40000, 1000); /* wrong arms and bad tags met, on both sides alike */
    focused_compare(t, p, 11, 40000, 500); /* Mixed: variable-size arms, unions as elements */
    focused_compare(t, p, 12, 40000, 500); /* Rows: strings and sequences in array elements */
}

/* element.psl: member of a sequence in an element (Rows), sequences of strings and of structs,
 * and arrays, in an element (Groups), on crafted requests: indexes past the elements and
 * descriptors outside the message met on both sides alike. */
static void element_policy(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/element.psl", &p);
    focused_compare(t, p, 12, 40000, 500);
    focused_compare(t, p, 13, 40000, 500);
}

/* nested.psl: an array of strings, sequences of sequences and of bytes, an array of sequences
 * (Nested), on crafted requests: indexes past the elements and descriptors outside the message
 * met on both sides alike. */
static void nested_policy(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/nested.psl", &p);
    focused_compare(t, p, 14, 40000, 500);
    /* Deeper: an array of strings in an element, sequences of sequences of strings and structs
     * (fewer requests: the test's time stays within its limit on a loaded machine) */
    focused_compare(t, p, 15, 15000, 1000);
    /* Deepest: three levels of sequences, nested structs and unions in a sequence's sequences */
    focused_compare(t, p, 16, 15000, 1000);
    /* Arrays: arrays of integers, strings and structs in place in a sequence's elements, an
     * array of arrays */
    focused_compare(t, p, 17, 15000, 1000);
}

/* handle.psl: a handle's SID, rights and type, from the handle table and the types after the
 * message, on crafted Blob requests. */
static void handle_policy(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/handle.psl", &p);
    focus_method = 3;
    int granted = compare(t, p, 40000);
    focus_method = -1;
    assert_true(granted > 0);
}

/* Random policies whose bindings all decide requests of one method with the constructs added
 * after the generator was first written (handle types, fields of struct elements, member through
 * a field, strings of sequences of strings and member of them, unions), each compared on
 * requests crafted for that method. */
static void random_policies_later_constructs(void **state)
{
    (void)state;
    static const char *const names[] = {"Blob", "Points", "Shapes", "Pick",   "Tags",    "Mixed",
                                        "Rows", "Groups", "Nested", "Deeper", "Deepest", "Arrays"};
    static const int ids[] = {3, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
    int granted = 0;
    memset(generated, 0, sizeof generated);
    for (int i = 0; i < 600; i++) {
        int k = i % 12;
        char *text = NULL, *diag = NULL;
        struct policy *p;
        struct ksm_table *t = NULL;
        focus_name = names[k];
        for (int tries = 0; tries < 20 && !t; tries++) {
            free(text);
            text = gen_policy();
            t = psl_test_compile(text, &p, &diag);
            if (!t && !strstr(diag, "more than 32 choices"))
                break; /* one cell's rules may lie in too many choices: then another policy */
        }
        focus_name = NULL;
        if (!t) {
            fprintf(stderr, "generated policy %d does not compile:\n%s\n%s", i, text, diag);
            fail();
        }
        focus_method = ids[k];
        granted += compare(t, p, 800);
        focus_method = -1;
        free(text);
    }
    assert_true(granted > 1000);
    for (int k = 0; k < GC_COUNT; k++) /* every one of them, in many policies */
        if (generated[k] < 50)
            fail_msg("construct %d generated only %d times", k, generated[k]);
}

static void random_flow_policies(void **state)
{
    (void)state;
    int changed = 0;
    gen_flows = true;
    res_changed = 0;
    late_changed = 0;
    for (int i = 0; i < 200; i++) {
        char *text = gen_policy(), *diag;
        struct policy *p;
        struct ksm_table *t = psl_test_compile(text, &p, &diag);
        if (!t) {
            fprintf(stderr, "generated policy %d does not compile:\n%s\n%s", i, text, diag);
            fail();
        }
        changed += compare_state(t, p, 1500);
        free(text);
    }
    gen_flows = false;
    assert_true(changed > 100);    /* the generator's policies do move machines */
    assert_true(res_changed > 20); /* and resources' (Mic, and objects kept per resource) */
    assert_true(late_changed > 5); /* methods past index 6 among them (17 of 197 here) */
    assert_true(choices_made[1] > 20);
    assert_true(choices_made[2] > 5);
}

static void basic_policy(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/basic.psl", &p);
    assert_true(compare(t, p, 50000) > 0);
}

static void random_policies(void **state)
{
    (void)state;
    int compiled = 0, granted = 0, reasons_seen[KSM_R_COUNT] = {0};
    for (int i = 0; i < 400; i++) {
        char *text = gen_policy(), *diag;
        struct policy *p;
        struct ksm_table *t = psl_test_compile(text, &p, &diag);
        if (!t) {
            fprintf(stderr, "generated policy %d does not compile:\n%s\n%s", i, text, diag);
            fail();
        }
        compiled++;
        granted += compare(t, p, 1500);
        for (int k = 0; k < 200; k++) { /* reason coverage, on the table */
            uint8_t m[64];
            for (size_t j = 0; j < sizeof m; j++)
                m[j] = (uint8_t)rnd();
            reasons_seen[ksm_decide(t, 1, (uint32_t)pick(5), (uint32_t)pick(5), (uint32_t)pick(3),
                                    (uint32_t)pick(4), m, (size_t)pick(64))
                             .reason]++;
        }
        free(text);
    }
    assert_int_equal(compiled, 400);
    assert_true(choices_made[0] > 20);
    assert_true(granted > 1000); /* the generator produces policies that grant, not only denials */
    assert_true(reasons_seen[KSM_R_RULE] > 0);
    assert_true(reasons_seen[KSM_R_DEFAULT_DENY] > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(basic_policy),
        cmocka_unit_test(random_policies),
        cmocka_unit_test(random_policies_later_constructs),
        cmocka_unit_test(flow_policy),
        cmocka_unit_test(hashset_policy),
        cmocka_unit_test(hashset_tuple_policy),
        cmocka_unit_test(resource_policy),
        cmocka_unit_test(staticmap_policy),
        cmocka_unit_test(mic_policy),
        cmocka_unit_test(random_flow_policies),
        cmocka_unit_test(models_and_regex_policies),
        cmocka_unit_test(choice_policy),
        cmocka_unit_test(sequence_policy),
        cmocka_unit_test(handle_policy),
        cmocka_unit_test(union_policy),
        cmocka_unit_test(element_policy),
        cmocka_unit_test(nested_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
