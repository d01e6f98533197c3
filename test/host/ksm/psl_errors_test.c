/*
 * Every compiler diagnostic at its file:line:column: unknown class, endpoint, method and field,
 * type mismatches, everything outside the subset ("... is not supported"), lexical and syntax
 * errors, include and audit-profile errors, PAL test errors; warnings for unreachable and
 * conflicting rules. Each case is a policy whose line 6 is the line under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pal.h"
#include "psl_testlib.h"

static const char *prelude = "execute: kl.core.Execute\nuse nk.base._\nuse EDL kl.core.Core\nuse "
                             "EDL psltest.Client\n"
                             "use EDL psltest.Server\n";

static const struct {
    const char *line6;
    const char *first_diag; /* the first line pslc prints */
} errors[] = {
#include "psl_errors_cases.inc"
};

static void each_error_at_its_position(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        struct policy *p;
        char *diag;
        struct ksm_table *t =
            psl_test_compile(psl_fmt("%s%s\n", prelude, errors[i].line6), &p, &diag);
        if (t || strncmp(diag, errors[i].first_diag, strlen(errors[i].first_diag)))
            fail_msg("case '%s'\n  want: %s\n  got:  %s", errors[i].line6, errors[i].first_diag,
                     diag);
    }
}

static void expect_diag(const char *text, const char *want, bool compiles)
{
    struct policy *p;
    char *diag;
    struct ksm_table *t = psl_test_compile(text, &p, &diag);
    if ((t != NULL) != compiles || !strstr(diag, want))
        fail_msg("want '%s' (compiles: %d), got: %s", want, compiles, diag);
}

static void whole_file_errors(void **state)
{
    (void)state;
    /* Without the declaration the one execute interface is meant: it compiles. */
    expect_diag("use nk.base._\nexecute { grant () }\n", "", true);
    expect_diag("execute: kl.core.Execute\nexecute { grant () }\n",
                "test.psl:2:11: error: 'grant' is a rule of the Base model: add 'use nk.base._'",
                false);
    expect_diag("execute: kl.core.Execute\nexecute: kl.core.Execute\n",
                "test.psl:2:1: error: 'execute: kl.core.Execute' is declared twice", false);
    expect_diag("execute: my.Execute\n",
                "test.psl:1:10: error: execute interface 'my.Execute' is not supported", false);
    expect_diag("execute: kl.core.Execute\n/* open\n", "test.psl:2:1: error: unterminated comment",
                false);
    expect_diag("execute: kl.core.Execute\nassert \"x\n",
                "test.psl:2:8: error: unterminated string", false);
    expect_diag("execute: kl.core.Execute\nx = 0xg\n",
                "test.psl:2:7: error: invalid digit 'g' in integer", false);
    expect_diag("execute: kl.core.Execute\naudit default = nope 0\n",
                "test.psl:2:17: error: unknown audit profile 'nope'", false);
    expect_diag("execute: kl.core.Execute\naudit profile a = { 0 : { base : { kss : [] } } }\n"
                "audit profile a = { 0 : { base : { kss : [] } } }\n",
                "test.psl:3:15: error: audit profile 'a' is defined twice", false);
    expect_diag("execute: kl.core.Execute\naudit profile a = { 0 : { base : { emit : [] } } }\n",
                "test.psl:2:36: error: audit configuration 'emit' is not one of the Base model "
                "(only kss)",
                false);
    /* a Regex object's configuration: kss and emit; Flow's omit is not one of its */
    expect_diag("execute: kl.core.Execute\nuse nk.regex._\naudit profile a = { 0 : { re : { kss "
                ": [], emit : [\"match\"], omit : [] } } }\n",
                "test.psl:3:62: error: 'omit' is an audit configuration of Flow objects; 're' is "
                "a Regex object",
                false);
    expect_diag("execute: kl.core.Execute\nuse nk.regex._\naudit profile a = { 0 : { re : { kss "
                ": [], emit : [\"match\", \"select\"] } } }\naudit default = a 0\n",
                "", true);
    expect_diag("execute: kl.core.Execute\npolicy object x : Flow {}\n",
                "test.psl:2:19: error: a Flow object needs 'use nk.flow._' first", false);
    expect_diag("execute: kl.core.Execute\nuse nk.mic._\n", "", true);
    expect_diag("execute: kl.core.Execute\nuse nk.nothing._\n",
                "test.psl:2:5: error: cannot find 'nk/nothing.psl' for 'use nk.nothing._'", false);
    expect_diag("execute: kl.core.Execute\nsecurity model Nothing\n",
                "test.psl:2:16: error: unknown security model 'Nothing'", false);
    /* the SDK's files are read once however often they are used */
    expect_diag("execute: kl.core.Execute\nuse nk.base._\nuse nk.basic._\nuse nk.base._\n", "",
                true);
    /* several errors in one run: the parser resynchronises at the next declaration */
    struct policy *p;
    char *diag;
    assert_null(psl_test_compile("execute: kl.core.Execute\nfoo\nbar\n", &p, &diag));
    assert_non_null(strstr(diag, "test.psl:2:1: error"));
    assert_non_null(strstr(diag, "test.psl:3:1: error"));
}

/* The Flow model: object declarations and rules. */
static void flow_errors(void **state)
{
    (void)state;
    const char *pre = "execute: kl.core.Execute\nuse nk.flow._\nuse EDL kl.core.Core\n";
    const char *obj = "policy object f : Flow { type S = \"a\" | \"b\" config = { states : "
                      "[\"a\", \"b\"], initial : \"a\", transitions : { \"a\" : [\"b\"] } } }\n";
    expect_diag(psl_fmt("%spolicy object f : Regex { }\n", pre),
                "test.psl:4:19: error: a Regex object needs 'use nk.regex._' first", false);
    expect_diag(psl_fmt("%spolicy object f : Mic { }\n", pre),
                "test.psl:4:19: error: a Mic object needs 'use nk.mic._' first", false);
    expect_diag(psl_fmt("%spolicy object f : Nope { }\n", pre),
                "test.psl:4:19: error: security model 'Nope' is not supported (Flow, HashSet, "
                "StaticMap, Mic, Pred, Bool, Math, Struct, Regex; Base rules need no object)",
                false);
    expect_diag(
        psl_fmt("%suse nk.base._ %srequest { assert (f.query {sid: src_sid} == 1) }\n", pre, obj),
        "test.psl:5:45: error: type mismatch: f.query can only be compared with a state "
        "name, a string literal",
        false);
    expect_diag(psl_fmt("%suse nk.base._ %srequest { assert (f.query {sid: src_sid} != \"c\") }\n",
                        pre, obj),
                "test.psl:5:45: error: unknown state \"c\" of Flow object 'f'", false);
    expect_diag(
        psl_fmt("%suse nk.base._ %srequest { assert (f.query {sid: src_sid}) }\n", pre, obj),
        "test.psl:5:19: error: type mismatch: f.query is a state name", false);
    expect_diag(
        psl_fmt("%suse nk.base._ %srequest { assert (f.query {entry: 1} == \"a\") }\n", pre, obj),
        "test.psl:5:28: error: 'entry' is not an argument of f.query", false);
    expect_diag(psl_fmt("%s%s%s", pre, obj, obj),
                "test.psl:5:15: error: policy object 'f' is declared twice", false);
    expect_diag(psl_fmt("%spolicy object f : Flow { config = { states : [\"a\"] } }\n", pre),
                "test.psl:4:15: error: a Flow object needs config = { states : [...], initial : "
                "\"...\", transitions : {...} }",
                false);
    expect_diag(psl_fmt("%spolicy object f : Flow { config = { states : [\"a\"], initial : "
                        "\"z\" } }\n",
                        pre),
                "test.psl:4:63: error: unknown initial state \"z\"", false);
    expect_diag(psl_fmt("%spolicy object f : Flow { config = { states : [\"a\", \"a\"], initial "
                        ": \"a\" } }\n",
                        pre),
                "test.psl:4:26: error: state \"a\" is listed twice", false);
    expect_diag(psl_fmt("%spolicy object f : Flow { type S = \"a\" config = { states : [\"a\", "
                        "\"b\"], initial : \"a\" } }\n",
                        pre),
                "test.psl:4:39: error: state \"b\" is not of the object's type", false);
    expect_diag(psl_fmt("%spolicy object f : Flow { config = { states : [\"a\"], initial : \"a\", "
                        "transitions : { \"a\" : [\"q\"] } } }\n",
                        pre),
                "test.psl:4:91: error: unknown state \"q\"", false);
    expect_diag(psl_fmt("%s%sexecute { f.enter {sid: dst_sid, state: \"c\"} }\n", pre, obj),
                "test.psl:5:41: error: unknown state \"c\" of Flow object 'f'", false);
    expect_diag(psl_fmt("%s%sexecute { f.enter {sid: dst_sid} }\n", pre, obj),
                "test.psl:5:13: error: f.enter needs 'state : \"<state>\"'", false);
    expect_diag(psl_fmt("%s%sexecute { f.allow {sid: src_sid, states: []} }\n", pre, obj),
                "test.psl:5:13: error: f.allow needs 'states : [\"<state>\", ...]'", false);
    expect_diag(psl_fmt("%s%sexecute { f.init {sid: message.handle} }\n", pre, obj),
                "test.psl:5:24: error: execute events carry no message: 'message' cannot be used "
                "here",
                false);
    expect_diag(psl_fmt("%s%sexecute { f.init {} }\n", pre, obj),
                "test.psl:5:13: error: f.init needs 'sid : src_sid', 'sid : dst_sid' or 'sid : "
                "<a resource's SID>'",
                false);
    expect_diag(psl_fmt("%s%sexecute { f.query {sid: src_sid} }\n", pre, obj),
                "test.psl:5:13: error: rule 'f.query' is not supported (Flow objects: init, fini, "
                "enter, allow)",
                false);
    expect_diag(psl_fmt("%s%sexecute { f.init {sid: src_sid, state: \"a\"} }\n", pre, obj),
                "test.psl:5:33: error: 'state' is not an argument of f.init", false);
    /* more state changes on one event than one decision's undo log holds */
    char *many = psl_fmt("%s%sexecute {", pre, obj);
    for (int i = 0; i < 129; i++)
        many = psl_fmt("%s f.enter {sid: src_sid, state: \"b\"}", many);
    expect_diag(psl_fmt("%s }\n", many),
                "test.psl:5:11: error: the stateful rules of one execute event make more than 128 "
                "state changes",
                false);
    struct policy *p;
    char *diag;
    assert_non_null(
        psl_test_compile(psl_fmt("%s%sexecute { f.init {sid: dst_sid} }\n", pre, obj), &p, &diag));
}

/* The HashSet model: object declarations, rules and contains. */
static void hashset_errors(void **state)
{
    (void)state;
    const char *pre = "execute: kl.core.Execute\nuse nk.base._\nuse nk.hashmap._\nuse EDL "
                      "kl.core.Core\nuse EDL psltest.Client\nuse EDL psltest.Server\n";
    const char *obj = "policy object h : HashSet { type Entry = UInt32 config = { set_size : 2, "
                      "pool_size : 3 } }\n";
    expect_diag("execute: kl.core.Execute\npolicy object h : HashSet {}\n",
                "test.psl:2:19: error: a HashSet object needs 'use nk.hashmap._' first", false);
    expect_diag(psl_fmt("%spolicy object h : HashSet { type Entry = Text config = { set_size : "
                        "1, pool_size : 1 } }\n",
                        pre),
                "test.psl:7:42: error: HashSet entries of type 'Text' are not supported (integer "
                "types, Bool, tuples and dictionaries of them)",
                false);
    /* tuple and dictionary entries: components of integer types and Bool, in 64 bits; a literal
     * component in its range */
    expect_diag(psl_fmt("%spolicy object h : HashSet { type Entry = [UInt32, Text] config = { "
                        "set_size : 1, pool_size : 1 } }\n",
                        pre),
                "test.psl:7:51: error: HashSet entry components of type 'Text' are not supported "
                "(integer types, Bool)",
                false);
    expect_diag(psl_fmt("%spolicy object h : HashSet { type Entry = [UInt32, UInt32, Bool] config "
                        "= { set_size : 1, pool_size : 1 } }\n",
                        pre),
                "test.psl:7:42: error: HashSet entries of 65 bits are not supported: the "
                "components of a tuple or dictionary entry are packed into 64 bits",
                false);
    expect_diag(psl_fmt("%spolicy object h : HashSet { type Entry = { a : UInt8, a : Bool } config "
                        "= { set_size : 1, pool_size : 1 } }\n",
                        pre),
                "test.psl:7:55: error: field 'a' given twice in the entry type", false);
    const char *tobj = "policy object t : HashSet { type Entry = [UInt16, SInt8, Bool] config = { "
                       "set_size : 2, pool_size : 3 } }\n";
    const char *dobj = "policy object d : HashSet { type Entry = { x : UInt32, y : SInt32 } config "
                       "= { set_size : 2, pool_size : 3 } }\n";
    const char *put = "request dst=psltest.Server endpoint=calc method=Put";
    /* a constant expression is checked as a literal is (a computed component, a wider field,
     * a signed field for an unsigned type compile: the decision checks their values) */
    expect_diag(
        psl_fmt("%s%s%s { t.add {sid: dst_sid, entry: [65535 + 1, -1, true]} }\n", pre, tobj, put),
        "test.psl:8:90: error: 65536 is outside UInt16 (component 0 of a HashSet entry of "
        "'t')",
        false);
    expect_diag(
        psl_fmt("%s%s%s { t.add {sid: dst_sid, entry: [1, 0 - 2 * 65, true]} }\n", pre, tobj, put),
        "test.psl:8:89: error: -130 is outside SInt8 (component 1 of a HashSet entry of "
        "'t')",
        false);
    const char *computed[] = {"[message.u32, message.u8, true]", "[message.u8 + 1, -1, true]",
                              "[message.s8 * 2, message.s64 / 2, message.u8 > 0]",
                              "[1 + 2, 0 - 128, false]"};
    for (size_t i = 0; i < sizeof computed / sizeof computed[0]; i++) {
        struct policy *cp;
        char *cdiag;
        if (!psl_test_compile(psl_fmt("%s%s%s { t.add {sid: dst_sid, entry: %s} }\n", pre, tobj,
                                      put, computed[i]),
                              &cp, &cdiag))
            fail_msg("%s: %s", computed[i], cdiag);
    }
    expect_diag(
        psl_fmt("%s%s%s { t.add {sid: dst_sid, entry: [1, -129, true]} }\n", pre, tobj, put),
        "test.psl:8:87: error: -129 is outside SInt8 (component 1 of a HashSet entry of "
        "'t')",
        false);
    expect_diag(psl_fmt("%s%s%s { t.add {sid: dst_sid, entry: [1, 2, 3]} }\n", pre, tobj, put),
                "test.psl:8:90: error: type mismatch: component 2 of a HashSet entry of 't' is a "
                "boolean, found an integer",
                false);
    expect_diag(psl_fmt("%s%s%s { t.add {sid: dst_sid, entry: [1, 2]} }\n", pre, tobj, put),
                "test.psl:8:83: error: type mismatch: the entries of 't' are tuples of 3, found 2 "
                "values",
                false);
    expect_diag(psl_fmt("%s%s%s { t.add {sid: dst_sid, entry: message.u8} }\n", pre, tobj, put),
                "test.psl:8:83: error: type mismatch: a HashSet entry of 't' is a tuple: write it "
                "as one ([<value>, ...])",
                false);
    expect_diag(psl_fmt("%s%s%s { d.add {sid: dst_sid, entry: [1, 2]} }\n", pre, dobj, put),
                "test.psl:8:83: error: type mismatch: the entries of 'd' are dictionaries ({ "
                "<field> : <value>, ... }), found a tuple",
                false);
    expect_diag(psl_fmt("%s%s%s { d.add {sid: dst_sid, entry: { x : 1 }} }\n", pre, dobj, put),
                "test.psl:8:83: error: field 'y' of the entries of 'd' is missing", false);
    expect_diag(psl_fmt("%s%s%s { d.add {sid: dst_sid, entry: { x : 1, y : 2, z : 3 }} }\n", pre,
                        dobj, put),
                "test.psl:8:103: error: unknown field 'z' of the entries of 'd'", false);
    expect_diag(
        psl_fmt("%s%s%s { assert (h.contains {sid: dst_sid, entry: [1, 2]}) }\n", pre, obj, put),
        "test.psl:8:96: error: type mismatch: the entries of 'h' are integers, found a "
        "tuple",
        false);
    /* Bool entries: booleans, never integers, and the other way round */
    const char *bobj = "policy object b : HashSet { type Entry = Bool config = { set_size : 2, "
                       "pool_size : 3 } }\n";
    expect_diag(psl_fmt("%s%sexecute { b.init {sid: dst_sid} b.add {sid: dst_sid, entry: 1} }\n",
                        pre, bobj),
                "test.psl:8:61: error: type mismatch: a HashSet entry of 'b' must be a boolean "
                "(type Entry = Bool), found an integer",
                false);
    expect_diag(
        psl_fmt("%s%sexecute { assert (b.contains {sid: dst_sid, entry: 2 + 1}) }\n", pre, bobj),
        "test.psl:8:54: error: type mismatch: a HashSet entry of 'b' must be a boolean "
        "(type Entry = Bool), found an integer",
        false);
    expect_diag(psl_fmt("%spolicy object h : HashSet { type Entry = UInt8 config = { set_size : "
                        "0, pool_size : 1 } }\n",
                        pre),
                "test.psl:7:70: error: set_size must be 1 .. 4096", false);
    expect_diag(psl_fmt("%spolicy object h : HashSet { type Entry = UInt8 config = { size : 1 } "
                        "}\n",
                        pre),
                "test.psl:7:59: error: HashSet config 'size' is not supported (set_size, "
                "pool_size, resources)",
                false);
    expect_diag(psl_fmt("%spolicy object h : HashSet { type Entry = UInt8 }\n", pre),
                "test.psl:7:15: error: a HashSet object needs type Entry = <integer type> and "
                "config = { set_size : N, pool_size : M }",
                false);
    expect_diag(psl_fmt("%s%sexecute { h.add {sid: dst_sid} }\n", pre, obj),
                "test.psl:8:13: error: h.add needs 'entry : <integer>'", false);
    expect_diag(psl_fmt("%s%sexecute { h.init {sid: dst_sid, entry: 1} }\n", pre, obj),
                "test.psl:8:33: error: 'entry' is not an argument of h.init", false);
    expect_diag(psl_fmt("%s%sexecute { h.contains {sid: dst_sid, entry: 1} }\n", pre, obj),
                "test.psl:8:13: error: rule 'h.contains' is not supported (HashSet objects: init, "
                "fini, add, remove; contains is an expression)",
                false);
    expect_diag(
        psl_fmt("%s%sexecute { assert (h.contains {sid: dst_sid, entry: true}) }\n", pre, obj),
        "test.psl:8:52: error: type mismatch: a HashSet entry of 'h' must be an integer, found a "
        "boolean",
        false);
    expect_diag(psl_fmt("%s%sexecute { assert (h.contains {sid: dst_sid}) }\n", pre, obj),
                "test.psl:8:21: error: h.contains needs 'sid : src_sid', 'sid : dst_sid' or 'sid : "
                "<a resource's SID>' and 'entry : <integer>'",
                false);
    expect_diag(psl_fmt("%s%sexecute { assert (h.add {sid: dst_sid, entry: 1}) }\n", pre, obj),
                "test.psl:8:21: error: 'h.add' is not supported in expressions (HashSet: contains)",
                false);
    expect_diag(psl_fmt("%s%srequest dst=psltest.Server endpoint=calc method=Ping { h.add {sid: "
                        "dst_sid, entry: message.nope} }\n",
                        pre, obj),
                "test.psl:8:84: error: unknown field", false);
    struct policy *p;
    char *diag;
    assert_non_null(psl_test_compile(psl_fmt("%s%srequest dst=psltest.Server endpoint=calc "
                                             "method=Ping { h.add {sid: dst_sid, "
                                             "entry: message.value} assert (h.contains {sid: "
                                             "dst_sid, entry: message.value + 1}) "
                                             "}\n",
                                             pre, obj),
                                     &p, &diag));
}

/* The StaticMap model: object declarations, rules, get and get_uncommitted. */
static void staticmap_errors(void **state)
{
    (void)state;
    const char *pre = "execute: kl.core.Execute\nuse nk.base._\nuse nk.staticmap._\nuse EDL "
                      "kl.core.Core\nuse EDL psltest.Client\nuse EDL psltest.Server\n";
    const char *obj = "policy object m : StaticMap { type Value = UInt16 config = { keys : { "
                      "\"k1\" : 0, \"k2\" : 1 }, pool_size : 2 } }\n";
    expect_diag("execute: kl.core.Execute\npolicy object m : StaticMap {}\n",
                "test.psl:2:19: error: a StaticMap object needs 'use nk.staticmap._' first", false);
    expect_diag(psl_fmt("%spolicy object m : StaticMap { type Value = UInt8 config = { keys : { "
                        "\"a\" : 0, \"a\" : 1 }, pool_size : 1 } }\n",
                        pre),
                "error: key \"a\" is listed twice", false);
    expect_diag(psl_fmt("%spolicy object m : StaticMap { type Value = UInt8 config = { keys : { "
                        "\"a\" : 0 } } }\n",
                        pre),
                "test.psl:7:15: error: a StaticMap object needs type Value = <integer type> and "
                "config",
                false);
    expect_diag(psl_fmt("%s%sexecute { m.set {sid: dst_sid, key: \"k3\", value: 1} }\n", pre, obj),
                "error: unknown key \"k3\" of StaticMap object 'm'", false);
    expect_diag(psl_fmt("%s%sexecute { m.set {sid: dst_sid, key: \"k1\"} }\n", pre, obj),
                "test.psl:8:13: error: m.set needs 'key : \"<key>\"' and 'value : <integer>'",
                false);
    expect_diag(psl_fmt("%s%sexecute { m.get {sid: dst_sid, key: \"k1\"} }\n", pre, obj),
                "test.psl:8:13: error: rule 'm.get' is not supported (StaticMap objects: init, "
                "fini, set, commit, rollback; get and get_uncommitted are expressions)",
                false);
    expect_diag(
        psl_fmt("%s%sexecute { assert (m.get {sid: dst_sid, key: \"zz\"} == 1) }\n", pre, obj),
        "error: unknown key \"zz\" of StaticMap object 'm'", false);
    expect_diag(psl_fmt("%s%sexecute { assert (m.commit {sid: dst_sid} == 1) }\n", pre, obj),
                "test.psl:8:21: error: 'm.commit' is not supported in expressions (StaticMap: get, "
                "get_uncommitted)",
                false);
    struct policy *p;
    char *diag;
    assert_non_null(psl_test_compile(psl_fmt("%s%sexecute { m.init {sid: dst_sid} m.set {sid: "
                                             "dst_sid, key: \"k2\", value: 3} "
                                             "m.commit {sid: dst_sid} m.rollback {sid: dst_sid} "
                                             "assert (m.get {sid: dst_sid, "
                                             "key: \"k1\"} + m.get_uncommited {sid: dst_sid, key: "
                                             "\"k2\"} < 10) }\n",
                                             pre, obj),
                                     &p, &diag));
}

/* StaticMap keys of type List<UInt8>: list literals of bytes, one key type per object, keys
 * resolved at compile time (a key from a message is refused), type mismatches in set and get. */
static void staticmap_list_key_errors(void **state)
{
    (void)state;
    const char *pre = "execute: kl.core.Execute\nuse nk.base._\nuse nk.staticmap._\nuse EDL "
                      "kl.core.Core\nuse EDL psltest.Client\nuse EDL psltest.Server\n";
    const char *obj = "policy object m : StaticMap { type Value = UInt16 config = { keys : { "
                      "[1, 2] : 0, [1] : 1, [] : 2 }, pool_size : 1 } }\n";
    const char *text_obj = "policy object t : StaticMap { type Value = UInt16 config = { keys : { "
                           "\"k1\" : 0 }, pool_size : 1 } }\n";
#define KEYS(k)                                                                                    \
    "policy object m : StaticMap { type Value = UInt8 config = { keys : { " k " }, pool_size : 1 " \
    "} }\n"
    static const struct {
        const char *line7, *diag;
    } objects[] = {
        {KEYS("[\"a\"] : 0"), "test.psl:7:71: error: a List<UInt8> key holds bytes (integers 0 .. "
                              "255), found "},
        {KEYS("[1, 256] : 0"), "test.psl:7:74: error: 256 is not a byte: a List<UInt8> key's "
                               "elements are 0 .. 255"},
        {KEYS("[-1] : 0"), "test.psl:7:71: error: a List<UInt8> key holds bytes (integers 0 .. "
                           "255), found "},
        {KEYS("[1 2] : 0"), "test.psl:7:73: error: expected ']' or ',' in a List<UInt8> key"},
        {KEYS("[1, 2] : 0, [1, 2] : 1"), "test.psl:7:82: error: key [1, 2] is listed twice"},
        {KEYS("[] : 0, [] : 1"), "error: key [] is listed twice"},
        {KEYS("\"a\" : 0, [1] : 1"), "test.psl:7:79: error: the keys of a StaticMap object have "
                                     "one type: [1] is a "
                                     "List<UInt8>, the first key text"},
        {KEYS("[1] : 0, \"a\" : 1"), "error: the keys of a StaticMap object have one type: \"a\" "
                                     "is text, the first key a "
                                     "List<UInt8>"},
    };
#undef KEYS
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++)
        expect_diag(psl_fmt("%s%s", pre, objects[i].line7), objects[i].diag, false);
    expect_diag(psl_fmt("%s%sexecute { m.set {sid: dst_sid, key: [1], key: [1, 2], value: 1} }\n",
                        pre, obj),
                "test.psl:8:42: error: 'key' is given twice in m.set", false);
    expect_diag(psl_fmt("%s%sexecute { assert (m.get {sid: dst_sid, key: [1], key: []} == 1) }\n",
                        pre, obj),
                "test.psl:8:50: error: 'key' is given twice in m.get", false);
    expect_diag(psl_fmt("%s%sexecute { m.set {sid: dst_sid, key: [1, 3], value: 1} }\n", pre, obj),
                "test.psl:8:37: error: unknown key [1, 3] of StaticMap object 'm'", false);
    expect_diag(psl_fmt("%s%sexecute { m.set {sid: dst_sid, key: \"k1\", value: 1} }\n", pre, obj),
                "test.psl:8:37: error: type mismatch: the keys of StaticMap object 'm' are "
                "List<UInt8>, found \"k1\"",
                false);
    expect_diag(psl_fmt("%s%sexecute { assert (t.get {sid: dst_sid, key: [107, 49]} == 1) }\n", pre,
                        text_obj),
                "test.psl:8:45: error: type mismatch: the keys of StaticMap object 't' are text, "
                "found "
                "[107, 49]",
                false);
    expect_diag(
        psl_fmt("%s%sexecute { assert (m.get {sid: dst_sid, key: [1, 2, 3]} == 1) }\n", pre, obj),
        "test.psl:8:45: error: unknown key [1, 2, 3] of StaticMap object 'm'", false);
    expect_diag(psl_fmt("%s%srequest dst=psltest.Server endpoint=calc method=Ping { m.set {sid: "
                        "dst_sid, key: [message.value], value: 1} }\n",
                        pre, obj),
                "error: a List<UInt8> key holds bytes (integers 0 .. 255), found ", false);
    expect_diag(psl_fmt("%s%srequest dst=psltest.Server endpoint=calc method=Ping { m.set {sid: "
                        "dst_sid, key: message.value, value: 1} }\n",
                        pre, obj),
                "error: expected a key, \"<text>\" or a List<UInt8> [<byte>, ...] (keys are "
                "literals, resolved at compile time), found ",
                false);
    struct policy *p;
    char *diag;
    assert_non_null(psl_test_compile(psl_fmt("%s%sexecute { m.init {sid: dst_sid} m.set {sid: "
                                             "dst_sid, key: [], value: 3} "
                                             "m.set {sid: dst_sid, key: [1, 2,], value: 4} assert "
                                             "(m.get {sid: dst_sid, key: "
                                             "[1]} + m.get_uncommitted {sid: dst_sid, key: [1, 2]} "
                                             "< 10) }\n",
                                             pre, obj),
                                     &p, &diag));
}

/* The Mic model: object declarations (degrees, categories, the resource table), levels, rules
 * and query_level. Line 8 is the line under test (after the object on line 7). */
static void mic_errors(void **state)
{
    (void)state;
    const char *pre = "execute: kl.core.Execute\nuse nk.base._\nuse nk.mic._\nuse EDL "
                      "kl.core.Core\nuse EDL psltest.Client\nuse EDL psltest.Server\n";
    const char *obj = "policy object k : Mic { config = { degrees : [\"lo\", \"hi\"], categories "
                      ": [\"x\", \"y\"] } }\n";
    const char *req = "request dst=psltest.Server endpoint=calc method=Ping";
    static const struct {
        const char *line8, *diag;
    } cases[] = {
        {"execute { k.execute {target : dst_sid, image : (), level : \"zz\"} }", "test.psl:8:60: "
                                                                                 "error: unknown "
                                                                                 "degree \"zz\" of "
                                                                                 "Mic object 'k'"},
        {"execute { k.execute {target : dst_sid, image : (), level : {degree : \"lo\", categories "
         ": [\"x\", \"w\"]}} }",
         "test.psl:8:95: error: unknown category \"w\" of Mic object 'k'"},
        {"execute { k.execute {target : dst_sid, image : (), level : {degree : \"lo\", cats : []}} "
         "}",
         "test.psl:8:76: error: 'cats' is not a part of a level (degree, categories)"},
        {"execute { k.execute {target : dst_sid, image : (), level : {degree : \"lo\", categories "
         ": [\"x\", 1]}} }",
         "test.psl:8:95: error: expected ']' or a category name, found integer '1'"},
        {"execute { k.execute {target : dst_sid, image : (), level : {categories : []}} }",
         "test.psl:8:60: error: a level { ... } needs 'degree : \"<degree>\"' (or 'degree : ()')"},
        {"execute { k.execute {target : dst_sid, image : dst_sid, level : \"lo\"} }",
         "test.psl:8:48: error: k.execute: 'image : <Sid>' is not supported (executable files "
         "have no level in Bastion): write 'image : ()' and a level"},
        {"execute { k.execute {target : dst_sid, image : ()} }", "test.psl:8:13: error: k.execute "
                                                                 "needs 'target : src_sid | "
                                                                 "dst_sid' and a 'level' "
                                                                 "(image : () needs one)"},
        {"execute { k.execute {target : message.value, level : \"lo\"} }", "test.psl:8:31: error: "
                                                                           "sid 'message' is not "
                                                                           "supported (src_sid or "
                                                                           "dst_sid)"},
        {"execute { k.fini {target : dst_sid} }", "test.psl:8:13: error: rule 'k.fini' is not "
                                                  "supported (Mic objects: execute, create, "
                                                  "upgrade, downgrade, call, invoke, read, write; "
                                                  "query_level is an expression)"},
        {"request { k.create {source : src_sid, target : 1, driver : dst_sid, level : ()} }",
         "test.psl:8:13: error: k.create needs 'source', 'target', 'container', 'driver' and "
         "'level'"},
        {"request { k.upgrade {source : src_sid, target : 1, container : (), driver : dst_sid, "
         "level : ()} }",
         "test.psl:8:13: error: k.upgrade needs a 'level' other than ()"},
        {"request { k.read {source : src_sid} }", "test.psl:8:13: error: k.read needs 'source' and "
                                                  "'target'"},
        {"request { k.read {source : src_sid, target : 1, level : \"lo\"} }", "test.psl:8:49: "
                                                                              "error: 'level' is "
                                                                              "not an argument of "
                                                                              "k.read"},
        {"request dst=psltest.Server endpoint=calc method=Name { k.read {source : src_sid, target "
         ": message.name} }",
         "test.psl:8:91: error: type mismatch: a Mic target must be a SID (an integer), found a "
         "string"},
        {"request { assert (k.query_level {source : src_sid} == 1) }", "test.psl:8:55: error: type "
                                                                       "mismatch: k.query_level "
                                                                       "can only be compared with "
                                                                       "a degree "
                                                                       "name, a string literal"},
        {"request { assert (k.query_level {source : src_sid} == \"mid\") }", "test.psl:8:55: "
                                                                             "error: unknown "
                                                                             "degree \"mid\" of "
                                                                             "Mic object 'k'"},
        {"request { assert (k.query_level {source : src_sid} < \"hi\") }", "test.psl:8:19: error: "
                                                                           "type mismatch: "
                                                                           "k.query_level is a "
                                                                           "level: compare its "
                                                                           "degree with "
                                                                           "one (k.query_level "
                                                                           "{...} == "
                                                                           "\"<degree>\")"},
        {"request { assert (k.level {source : src_sid} == \"hi\") }", "test.psl:8:21: error: "
                                                                      "'k.level' is not supported "
                                                                      "in expressions (Mic: "
                                                                      "query_level)"},
        {"request { assert (k.query_level {sid : src_sid} == \"hi\") }", "test.psl:8:34: error: "
                                                                         "'sid' is not an argument "
                                                                         "of k.query_level "
                                                                         "(source)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_diag(psl_fmt("%s%s%s\n", pre, obj, cases[i].line8), cases[i].diag, false);
    /* the objects themselves */
    expect_diag("execute: kl.core.Execute\npolicy object k : Mic { config = [\"a\"] }\n",
                "test.psl:2:19: error: a Mic object needs 'use nk.mic._' first", false);
    expect_diag(psl_fmt("%spolicy object k : Mic { config = [\"a\", \"b\", \"a\"] }\n", pre),
                "test.psl:7:45: error: \"a\" is listed twice", false);
    expect_diag(psl_fmt("%spolicy object k : Mic { config = { categories : [\"x\"] } }\n", pre),
                "test.psl:7:15: error: a Mic object needs its degrees", false);
    expect_diag(psl_fmt("%spolicy object k : Mic { config = { degrees : [\"a\"], resources : 0 } "
                        "}\n",
                        pre),
                "test.psl:7:65: error: resources must be 1 .. 65536", false);
    expect_diag(
        psl_fmt("%spolicy object k : Mic { config = { degrees : [\"a\"], levels : 1 } }\n", pre),
        "test.psl:7:53: error: Mic config 'levels' is not supported (degrees, categories, "
        "resources)",
        false);
    expect_diag(psl_fmt("%spolicy object k : Mic { type L = UInt8 }\n", pre),
                "test.psl:7:25: error: expected 'config' in a Mic object, found 'type'", false);
    /* at most 32 categories: a level's set is one 32-bit mask */
    struct sb {
        char s[2048];
        size_t n;
    } many = {{0}, 0};
    many.n = (size_t)snprintf(many.s, sizeof many.s,
                              "%spolicy object k : Mic { config = { degrees : [\"a\"], categories "
                              ": [",
                              pre);
    for (int i = 0; i < 33; i++)
        many.n += (size_t)snprintf(many.s + many.n, sizeof many.s - many.n, "\"c%d\", ", i);
    snprintf(many.s + many.n, sizeof many.s - many.n, "] } }\n");
    expect_diag(many.s, "error: a Mic object has at most 32 categories", false);
    expect_diag(psl_fmt("%s%spolicy object k : Mic { config = [\"a\"] }\n", pre, obj),
                "test.psl:8:15: error: policy object 'k' is declared twice", false);
    /* everything Mic has, in one policy that compiles */
    struct policy *p;
    char *diag;
    struct ksm_table *t = psl_test_compile(
        psl_fmt("%s%sexecute { k.execute {target : dst_sid, image : (), level : {degree : \"hi\", "
                "categories : [\"x\"]}, levelR : ()} }\n"
                "%s { k.create {source : src_sid, target : message.value, container : (), driver "
                ": dst_sid, level : ()} k.upgrade {source : src_sid, target : message.value, "
                "container : message.value, driver : dst_sid, level : \"hi\"} k.downgrade {source "
                ": src_sid, target : 7, container : (), driver : dst_sid, level : {degree : (), "
                "categories : ()}} k.call {source : src_sid, target : dst_sid} k.invoke {source : "
                "dst_sid, target : src_sid} k.read {source : src_sid, target : message.value} "
                "k.write {source : src_sid, target : message.value + 1} assert (k.query_level "
                "{source : message.value} != \"lo\") choice (k.query_level {source : dst_sid}) { "
                "\"hi\" : grant () _ : deny () } }\n",
                pre, obj, req),
        &p, &diag);
    if (!t)
        fail_msg("%s", diag);
    assert_int_equal(t->nmics, 1);
    assert_int_equal(t->mics[0].capacity, KSM_RESOURCES_DEFAULT);
    assert_int_equal(t->mics[0].ndegrees, 2);
    assert_int_equal(t->mics[0].ncategories, 2);
}

static void warnings(void **state)
{
    (void)state;
    const char *pre = "execute: kl.core.Execute\nuse nk.base._\nuse EDL kl.core.Core\nuse EDL "
                      "psltest.Client\n"
                      "use EDL psltest.Server\n";
    expect_diag(
        psl_fmt("%srequest src=psltest.Client { match src=psltest.Server { grant () } }\n", pre),
        "test.psl:6:40: warning: unreachable: src=psltest.Server inside a section that selects "
        "src=psltest.Client",
        true);
    expect_diag(psl_fmt("%srequest dst=psltest.Client { grant () }\n", pre),
                "test.psl:6:1: warning: unreachable: no endpoint method of the selected classes "
                "matches this selection",
                true);
    expect_diag(psl_fmt("%srequest { grant () }\nrequest dst=psltest.Server endpoint=calc { deny "
                        "() }\n",
                        pre),
                "test.psl:6:11: warning: conflicting rules: this grant () and the deny () at "
                "test.psl:7:44 select the "
                "same request event; deny wins",
                true);
    expect_diag(psl_fmt("%srequest dst=kl.core.Core endpoint=vmm.VMM { match endpoint=io.IO { "
                        "grant () } }\n",
                        pre),
                "test.psl:6:60: warning: unreachable: endpoint=io.IO inside a section that selects "
                "endpoint=vmm.VMM",
                true);
}

/* The auxiliary models, Regex and strings: each misuse refused at its place. */
static void model_errors(void **state)
{
    (void)state;
    const char *pre = "execute: kl.core.Execute\nuse nk.base._\nuse nk.regex._\nuse EDL "
                      "kl.core.Core\nuse EDL psltest.Server\n";
    static const struct {
        const char *line6, *want;
    } cases[] = {
        {"request dst=psltest.Server endpoint=calc method=Name { assert (re.match {text : "
         "message.name, pattern : \"a(b\"}) }",
         "test.psl:6:107: error: bad pattern: unbalanced '('"},
        {"request dst=psltest.Server endpoint=calc method=Name { assert (re.match {text : "
         "message.name, pattern : \"(a|b)\\1\"}) }",
         "test.psl:6:111: error: bad pattern: escape is not supported (back-references"},
        {"request dst=psltest.Server endpoint=calc method=Name { assert (re.match {text : "
         "message.name, pattern : \"a**\"}) }",
         "test.psl:6:108: error: bad pattern: one quantifier per atom"},
        {"request dst=psltest.Server endpoint=calc method=Name { assert (re.match {text : "
         "message.name, pattern : \"((a{255}){255}){255}\"}) }",
         "error: bad pattern: pattern needs more than 256 states"},
        {"request dst=psltest.Server endpoint=calc method=Name { assert (re.match {text : "
         "message.name, pattern : \"[[:alpha:]]\"}) }",
         "test.psl:6:107: error: bad pattern: POSIX bracket expressions"},
        {"request dst=psltest.Server endpoint=calc method=Name { assert (re.match {text : "
         "\"abc\", pattern : \"a\"}) }",
         "test.psl:6:81: error: type mismatch: the text of match must be a string field, found "
         "a literal"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (re.match {text : "
         "message.u8, pattern : \"a\"}) }",
         "test.psl:6:80: error: type mismatch: the text of match must be a string field, found "
         "an integer"},
        {"request dst=psltest.Server endpoint=calc method=Name { assert (re.select {text : "
         "message.name}) }",
         "test.psl:6:67: error: 'select' chooses a case of a choice: write choice (re.select "
         "{text : ...}) { \"<pattern>\" : ... }"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (abs (message.u8) < 3) }",
         "test.psl:6:63: error: type mismatch: abs needs a signed integer, found an unsigned one"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (bool.cond {if : "
         "message.u8, then : 1, else : 2} == 1) }",
         "test.psl:6:79: error: type mismatch: cond's 'if' must be a boolean, found an integer"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (cond {if : true, then : "
         "1, else : false}) }",
         "test.psl:6:63: error: type mismatch: cond's 'then' and 'else' must be both integers or "
         "both booleans, found an integer and a boolean"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (sum ([1, true]) == 1) }",
         "test.psl:6:63: error: type mismatch: arithmetic and ordering need integers, found an "
         "integer and a boolean"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (math.all ([true])) }",
         "test.psl:6:68: error: 'all' is not a function of the Math model"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (struct.x == 1) }",
         "test.psl:6:70: error: 'x' is not a function of the Struct model (Struct: write "
         "message.<param>.<field>"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (message.u8 ==> true) }",
         "test.psl:6:74: error: type mismatch: '==>' needs booleans, found an integer and a "
         "boolean"},
        {"request dst=psltest.Server endpoint=calc method=Name { assert (empty (\"x\")) }",
         "test.psl:6:64: error: type mismatch: length, size and empty need a string, sequence or "
         "array field, found a literal"},
        {"request dst=psltest.Server endpoint=calc method=Name { assert (message.name + 1 == 1) "
         "}",
         "test.psl:6:77: error: type mismatch: arithmetic and ordering need integers, found a "
         "string and an integer"},
        /* Math's bit operations and casts (CE 1.3) */
        {"request dst=psltest.Server endpoint=calc method=Put { assert (~true) }", "test.psl:6:63: "
                                                                                   "error: type "
                                                                                   "mismatch: '~' "
                                                                                   "needs an "
                                                                                   "integer, found "
                                                                                   "a boolean (for "
                                                                                   "booleans: "
                                                                                   "'!')"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (true & false) }",
         "test.psl:6:68: error: type mismatch: arithmetic and ordering need integers, found a "
         "boolean and a boolean (for booleans: '&&')"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (true | message.u8 == 1) }",
         "test.psl:6:68: error: type mismatch: arithmetic and ordering need integers, found a "
         "boolean and an integer (for booleans: '||')"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (message.u8 & message.s8 "
         "== 0) }",
         "test.psl:6:74: error: type mismatch: mixing signed and unsigned operands"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (message.u8 % message.s8 "
         "== 0) }",
         "test.psl:6:74: error: type mismatch: mixing signed and unsigned operands"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (uint8 (300) == 1) }",
         "test.psl:6:63: error: 300 is outside UInt8 (uint8 of a constant)"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (math.sint8 (-129) == 1) }",
         "test.psl:6:68: error: -129 is outside SInt8 (sint8 of a constant)"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (uint64 (-1) == 1) }",
         "test.psl:6:63: error: -1 is outside UInt64 (uint64 of a constant)"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (sint16 (40000 - 1) == 1) "
         "}",
         "test.psl:6:63: error: 39999 is outside SInt16 (sint16 of a constant)"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (sint64 "
         "(18446744073709551615) == 1) }",
         "test.psl:6:63: error: 18446744073709551615 is outside SInt64 (sint64 of a constant)"},
        {"request dst=psltest.Server endpoint=calc method=Put { assert (uint8 (true) == 1) }",
         "test.psl:6:63: error: type mismatch: uint8 needs an integer, found a boolean"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_diag(psl_fmt("%s%s\n", pre, cases[i].line6), cases[i].want, false);
    /* without the models' files, their functions are unknown */
    expect_diag("execute: kl.core.Execute\nsecurity model Base\nuse EDL psltest.Server\nrequest "
                "dst=psltest.Server endpoint=calc method=Put { assert (abs (message.s8) < 3) }\n",
                "test.psl:4:63: error: 'abs' is a function of the Math model: add 'use nk.base._'",
                false);
    expect_diag("execute: kl.core.Execute\nuse nk.base._\nuse EDL psltest.Server\nrequest "
                "dst=psltest.Server endpoint=calc method=Name { assert (re.match {text : "
                "message.name, pattern : \"a\"}) }\n",
                "test.psl:4:64: error: 're' is not supported in expressions", false);
    /* constants that fit their casts compile: the largest of each 64-bit type */
    expect_diag(psl_fmt("%srequest { assert (uint64 (18446744073709551615) == 1 && sint64 "
                        "(9223372036854775807) == 1 && sint8 (-128) == -128) }\n",
                        pre),
                "", true);
    /* implication chains nest to the right, within the nesting limit */
    char *deep = psl_fmt("%srequest { assert (true", pre);
    for (int i = 0; i < 100; i++)
        deep = psl_fmt("%s ==> true", deep);
    expect_diag(psl_fmt("%s) }\n", deep), "error: nesting deeper than 64 levels is not supported",
                false);
}

static void pal_errors_and_failures(void **state)
{
    (void)state;
    static const struct {
        const char *steps, *want;
    } cases[] = {
        {"grant \"a\" request src=nobody dst=kl.core.Core endpoint=vmm.VMM method=Free {}",
         "test.psl:7:27: error: unknown process or class 'nobody' in a test"},
        {"grant \"a\" request src=psltest.Client dst=kl.core.Core endpoint=vmm.VMM method=Free { "
         "zz : 1 }",
         "test.psl:7:90: error: unknown field 'zz' of method kl.core.VMM.Free"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Put { u8 "
         ": 256 }",
         "test.psl:7:88: error: value out of range for 'u8' (UInt8)"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Put { s8 "
         ": -129 }",
         "test.psl:7:88: error: value out of range for 's8' (SInt8)"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=nope method=Put { }",
         "test.psl:7:70: error: unknown endpoint 'nope' of class 'psltest.Server'"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Nope { }",
         "test.psl:7:82: error: unknown method 'Nope' of interface psltest.Calc"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Nest { o "
         ": 1 }",
         "test.psl:7:89: error: 'o' is a struct: give its fields in { }"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server method=Put { }", "test.psl:7:5:"
                                                                                     " error: a "
                                                                                     "request test "
                                                                                     "case needs "
                                                                                     "endpoint="},
        {"grant \"a\" request dst=psltest.Server endpoint=calc method=Put {}", "test.psl:7:5: "
                                                                               "error: a request "
                                                                               "test case needs "
                                                                               "src="},
        {"grant \"a\" request src=psltest.Client endpoint=calc method=Put {}", "test.psl:7:5: "
                                                                               "error: a request "
                                                                               "test case needs "
                                                                               "dst="},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc {}", "test.psl:7:"
                                                                                       "5: error: "
                                                                                       "a request "
                                                                                       "test case "
                                                                                       "needs "
                                                                                       "method="},
        {"grant \"a\" security src=psltest.Client method=Check {}", "test.psl:7:5: error: class "
                                                                    "'psltest.Client' has no "
                                                                    "security interface"},
        {"grant \"a\" execute dst=psltest.Client { x : 1 }", "test.psl:7:44: error: execute events "
                                                             "carry no message"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Blob { "
         "data : 1 }",
         "test.psl:7:89: error: 'data' (sequence) cannot be given a value in a test"},
        /* a union: one arm by name, or a bare tag */
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Pick { "
         "reply : { nope : 1 } }",
         "test.psl:7:99: error: unknown arm 'nope' of union psltest.Calc.Reply"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Pick { "
         "reply : { code : 1, pt : { } } }",
         "test.psl:7:89: error: 'reply' is a union (psltest.Calc.Reply): give one arm, { <arm> : "
         "<value> }"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Pick { "
         "reply : { code : 65536 } }",
         "test.psl:7:99: error: value out of range for 'code' (UInt16)"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Pick { "
         "reply : -1 }",
         "test.psl:7:89: error: value out of range for the tag of 'reply' (UInt32)"},
        {"deny \"b\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Ping { "
         "value : 1 }",
         "test.psl:7:5: FAIL t / s / b: expected deny, got grant"},
        /* the short form: a request case, expecting grant unless told; `any` fails on an
         * error in the case itself */
        {"psltest.Client ~> psltest.Server : calc.Put { }", "test.psl:7:5: FAIL t / s / request: "
                                                            "expected grant, got deny "
                                                            "(default-deny; no rule "
                                                            "applies)"},
        {"deny \"d\" psltest.Client ~> psltest.Server : calc.Ping { value : 1 }", "test.psl:7:5: "
                                                                                  "FAIL t / s / d: "
                                                                                  "expected deny, "
                                                                                  "got grant"},
        {"any \"e\" psltest.Client ~> psltest.Server : calc.Ping { nope : 1 }", "test.psl:7:60: "
                                                                                "error: unknown "
                                                                                "field 'nope' of "
                                                                                "method "
                                                                                "psltest.Calc."
                                                                                "Ping"},
        {"any \"f\" psltest.Client ~> psltest.Server : calc.Nope { }", "test.psl:7:53: error: "
                                                                       "unknown method 'Nope' of "
                                                                       "interface psltest.Calc"},
        {"psltest.Client ~> psltest.Server : nope.Ping { }", "test.psl:7:40: error: unknown "
                                                             "endpoint 'nope' of class "
                                                             "'psltest.Server'"},
        /* lists: a sequence's or an array's integers, within its bound and its element type */
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Seq { "
         "vals : [1, 2, 3, 4, 5, 6, 7, 8, 9] }",
         "test.psl:7:88: error: 'vals' (sequence<UInt16, 8>) has at most 8 elements"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Seq { "
         "arr : [1, -2147483649] }",
         "test.psl:7:98: error: value out of range for an element of 'arr' (array<SInt32, 4>)"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Seq { "
         "i : [1] }",
         "test.psl:7:88: error: 'i' (UInt8) cannot be given a list: only sequences and arrays of "
         "integers"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Seq { "
         "vals : [\"x\"] }",
         "test.psl:7:96: error: an element of 'vals' (sequence<UInt16, 8>) is an integer"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Points { "
         "pts : [1] }",
         "test.psl:7:98: error: an element of 'pts' (sequence<psltest.Calc.Point, 4>) is a struct: "
         "give its fields in { }"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Points { "
         "pts : [{ z : 1 }] }",
         "test.psl:7:100: error: unknown field 'z' in struct psltest.Calc.Point"},
        /* a handle's value: its SID and rights, unsigned 32-bit */
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Blob { "
         "h : 5 }",
         "test.psl:7:89: error: 'h' is a handle: give it as { handle : <SID>, rights : <mask>, "
         "type : <object type> }"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Blob { "
         "h : { sid : 1 } }",
         "test.psl:7:95: error: a handle has 'handle' (its SID), 'rights' and 'type', not 'sid'"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Blob { "
         "h : { type : 256 } }",
         "test.psl:7:95: error: value out of range for 'type' (UInt8)"},
        /* a sequence of strings: a list of strings */
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Shapes { "
         "names : [1] }",
         "test.psl:7:100: error: an element of 'names' (sequence<string<8>, 4>) is a string"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Shapes { "
         "names : [\"a\", \"b\", \"c\", \"d\", \"e\"] }",
         "test.psl:7:91: error: 'names' (sequence<string<8>, 4>) has at most 4 elements"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Shapes { "
         "corners : [{ z : 1 }] }",
         "test.psl:7:104: error: unknown field 'z' in struct psltest.Calc.Point"},
        {"grant \"a\" request src=psltest.Client dst=psltest.Server endpoint=calc method=Blob { "
         "h : { rights : -1 } }",
         "test.psl:7:95: error: value out of range for 'rights' (UInt32)"},
        {"x <- execute dst=psltest.Client\n    grant \"c\" request src=x dst=psltest.Server "
         "endpoint=calc method=Put {}",
         "test.psl:8:5: FAIL t / s / c: expected grant, got deny (default-deny; no rule applies)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct policy *p;
        char *diag, *out;
        size_t n;
        const char *text = psl_fmt("execute: kl.core.Execute\nuse nk.base._\nuse EDL kl.core.Core\n"
                                   "use EDL psltest.Client\nuse EDL psltest.Server\nassert \"t\" { "
                                   "sequence \"s\" {\n"
                                   "    %s\n}}\nrequest src=psltest.Client endpoint=calc "
                                   "method=Ping { grant () }\n"
                                   "execute src=kl.core.Core dst=psltest.Client { grant () }\n",
                                   cases[i].steps);
        struct ksm_table *t = psl_test_compile(text, &p, &diag);
        assert_non_null(t);
        FILE *f = open_memstream(&out, &n);
        psl_diag_reset(f);
        int passed;
        int failed = psl_pal_run(p, t, f, &passed);
        fclose(f);
        psl_diag_reset(stderr);
        if (failed < 1 || !strstr(out, cases[i].want))
            fail_msg("case %zu: want '%s', got:\n%s", i, cases[i].want, out);
    }
}

static void limits(void **state)
{
    (void)state;
    const char *pre = "execute: kl.core.Execute\nuse nk.base._\nuse EDL kl.core.Core\n";
    char *deep = psl_strdup("true");
    for (int i = 0; i < 100; i++)
        deep = psl_fmt("(%s)", deep);
    expect_diag(psl_fmt("%srequest { assert (%s) }\n", pre, deep),
                "test.psl:4:83: error: nesting deeper than 64 levels is not supported", false);
    /* 100k parentheses and 100k unary operators: the same error, no deep recursion. */
    size_t big = 100000;
    char *parens = psl_alloc(2 * big + 8), *minus = psl_alloc(big + 8);
    memset(parens, '(', big);
    strcpy(parens + big, "true");
    memset(parens + big + 4, ')', big);
    memset(minus, '-', big);
    strcpy(minus + big, "1 > 0");
    expect_diag(psl_fmt("%srequest { assert (%s) }\n", pre, parens),
                "test.psl:4:83: error: nesting deeper than 64 levels is not supported", false);
    expect_diag(psl_fmt("%srequest { assert (%s) }\n", pre, minus),
                "test.psl:4:83: error: nesting deeper than 64 levels is not supported", false);
    psl_free(parens);
    psl_free(minus);
    char *chain = psl_strdup("1");
    for (int i = 0; i < 300; i++)
        chain = psl_fmt("%s + 1", chain);
    expect_diag(psl_fmt("%srequest { assert (%s > 0) }\n", pre, chain),
                "error: expression with more than 256 nested operations is not supported", false);
    char *matches = psl_strdup("grant ()");
    for (int i = 0; i < 70; i++)
        matches = psl_fmt("match { %s }", matches);
    expect_diag(psl_fmt("%srequest { %s }\n", pre, matches), "error: nesting deeper than 64 levels",
                false);
    /* within the limits, a deep but legal expression compiles (postfix stack stays small) */
    chain = psl_strdup("1");
    for (int i = 0; i < 200; i++)
        chain = psl_fmt("%s + 1", chain);
    expect_diag(psl_fmt("%srequest { assert (%s == 201) }\n", pre, chain), "", true);
}

/* Compiles the file at path; returns the table (NULL on errors) and what pslc printed. */
static struct ksm_table *compile_file(const char *path, char **diag)
{
    size_t n;
    FILE *f = open_memstream(diag, &n);
    psl_diag_reset(f);
    struct policy *p;
    struct ksm_table *t = pslc_compile_file(psl_test_td(), NULL, 0, path, &p);
    fclose(f);
    psl_diag_reset(stderr);
    return t;
}

static void write_file(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    fclose(f);
}

/* A NUL byte ends the lexer's C string: it must be an error at its position, not the silent
 * end of the file (the rest, here a rule that would fail the compile, was ignored). */
static void bytes_in_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/psl_bytes.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = psl_fmt("%s/p.psl", dir), *diag;
    static const char nul[] = "execute: kl.core.Execute\nuse nk.base._\n  \0\nexecute { nonsense "
                              "}\n";
    write_file(path, nul, sizeof nul - 1);
    if (compile_file(path, &diag) ||
        !strstr(diag, psl_fmt("%s:3:3: error: invalid byte: NUL (0x00) inside the file", path)))
        fail_msg("NUL byte: got:\n%s", diag);
    /* In an included file too. */
    static const char top[] = "execute: kl.core.Execute\nuse nk.base._\nuse inc._\nexecute { grant "
                              "() }\n";
    write_file(path, top, sizeof top - 1);
    char *inc = psl_fmt("%s/inc.psl", dir);
    static const char inc_nul[] = "// included\n\0execute { nonsense }\n";
    write_file(inc, inc_nul, sizeof inc_nul - 1);
    if (compile_file(path, &diag) ||
        !strstr(diag, psl_fmt("%s:2:1: error: invalid byte: NUL (0x00) inside the file", inc)))
        fail_msg("NUL byte in an included file: got:\n%s", diag);
    /* Any other control byte outside strings and comments. */
    static const char ctl[] = "execute: kl.core.Execute\nuse nk.base._\nexecute { \x01grant () }\n";
    write_file(path, ctl, sizeof ctl - 1);
    if (compile_file(path, &diag) ||
        !strstr(diag, psl_fmt("%s:3:11: error: invalid byte: 0x01", path)))
        fail_msg("control byte: got:\n%s", diag);
    /* 'use' of files inside one another: 70 files deep is past the nesting limit. */
    for (int i = 0; i < 70; i++) {
        char *text = psl_fmt("use f%d._\n", i + 1);
        write_file(psl_fmt("%s/f%d.psl", dir, i), text, strlen(text));
    }
    write_file(psl_fmt("%s/f70.psl", dir), "", 0);
    static const char chain[] = "execute: kl.core.Execute\nuse nk.base._\nuse f0._\nexecute { "
                                "grant () }\n";
    write_file(path, chain, sizeof chain - 1);
    if (compile_file(path, &diag) || !strstr(diag, "error: nesting deeper than 64 levels is not "
                                                   "supported ('use' of files"))
        fail_msg("deep 'use': got:\n%s", diag);
    assert_int_equal(system(psl_fmt("rm -rf '%s'", dir)), 0);
}

/* Random edits of a valid policy: pslc reports errors or compiles, and never crashes (ASan). */
static void mutated_policies(void **state)
{
    (void)state;
    FILE *f = fopen(PSL_POLICY_DIR "/basic.psl", "r");
    assert_non_null(f);
    static char orig[16384];
    size_t n = fread(orig, 1, sizeof orig - 1, f);
    fclose(f);
    orig[n] = 0;
    static const char alphabet[] = "{}()[],:=<->!&|+*/\"x0a_. \n";
    uint64_t r = 12345;
    int errors = 0, ok = 0;
    for (int i = 0; i < 1500; i++) {
        char *text = psl_strdup(orig);
        size_t len = n;
        for (int k = 0; k < 1 + i % 4; k++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            size_t at = (size_t)(r % len);
            char c = alphabet[(r >> 20) % (sizeof alphabet - 1)];
            if ((r >> 40) % 3 == 0)
                memmove(text + at, text + at + 1, len - at); /* delete */
            else
                text[at] = c; /* replace */
            len = strlen(text);
        }
        struct policy *p;
        char *diag;
        struct ksm_table *t = psl_test_compile(text, &p, &diag);
        if (t) {
            ok++;
            /* what compiles also runs its PAL tests without crashing */
            FILE *out = fopen("/dev/null", "w");
            int passed;
            psl_pal_run(p, t, out, &passed);
            fclose(out);
        } else {
            errors++;
            assert_non_null(strstr(diag, "error: "));
        }
        psl_free(text);
    }
    assert_true(errors > 100);
}

/* choice: what may choose a case, its cases, and what they are checked against. */
static void choice_errors(void **state)
{
    (void)state;
    const char *pre = "execute: kl.core.Execute\nuse nk.base._\nuse nk.regex._\nuse nk.flow._\n"
                      "use EDL kl.core.Core\nuse EDL psltest.Server\npolicy object f : Flow { "
                      "config = { states : [\"a\", \"b\"], initial : \"a\", transitions : {} } }\n";
    static const char *const name = "request dst=psltest.Server endpoint=calc method=Name { ";
    static const struct {
        const char *line8, *want;
    } cases[] = {
        {"choice (message.name) { _ : grant () } }", "test.psl:8:64: error: choice needs <Regex "
                                                     "object>.select {text : ...}, <Flow "
                                                     "object>.query {sid : ...} or <Mic "
                                                     "object>.query_level {source : ...}, found "
                                                     "'message'"},
        {"choice (re.match {text : message.name}) { _ : grant () } }", "test.psl:8:67: error: "
                                                                       "'re.match' cannot choose a "
                                                                       "case (Regex: select)"},
        {"choice (re.select {pattern : \"a\"}) { _ : grant () } }", "test.psl:8:75: error: "
                                                                    "'pattern' is not an argument "
                                                                    "of select (text)"},
        {"choice (re.select {}) { _ : grant () } }", "test.psl:8:67: error: select needs 'text : "
                                                     "<string field>'"},
        {"choice (re.select {text : message.name}) { _ : grant () \"a\" : deny () } }", "test.psl:"
                                                                                        "8:112: "
                                                                                        "error: "
                                                                                        "'_' must "
                                                                                        "be the "
                                                                                        "last case "
                                                                                        "of a "
                                                                                        "choice"},
        {"choice (re.select {text : message.name}) { \"a\" : grant () \"a\" : deny () } }",
         "test.psl:8:114: error: case \"a\" is listed twice"},
        {"choice (re.select {text : message.name}) { 5 : grant () } }", "test.psl:8:99: error: "
                                                                        "expected a case of choice "
                                                                        "(a string, or _), found "
                                                                        "integer '5'"},
        {"choice (re.select {text : message.name}) { \"a\" grant () } }", "test.psl:8:103: error: "
                                                                          "expected ':' after the "
                                                                          "case, found 'grant'"},
        {"choice (re.select {text : message.name}) { \"(a\" : grant () } }", "test.psl:8:100: "
                                                                             "error: bad pattern: "
                                                                             "unbalanced '('"},
        {"choice (re.select {text : \"abc\"}) { \"a\" : grant () } }", "test.psl:8:82: error: type "
                                                                       "mismatch: the text of "
                                                                       "match must be a string "
                                                                       "field, found a "
                                                                       "literal"},
        {"choice (f.query {sid : dst_sid}) { \"c\" : grant () } }", "test.psl:8:91: error: unknown "
                                                                    "state \"c\" of Flow object "
                                                                    "'f'"},
        {"choice (f.query {sid : dst_sid}) { \"a\" : choice (re.select {text : message.other}) "
         "{ \"x\" : grant () _ : permit () } } }",
         "test.psl:8:160: error: 'permit' is not supported in an event binding (grant, deny, "
         "assert, match, audit)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_diag(psl_fmt("%s%s%s\n", pre, name, cases[i].line8), cases[i].want, false);
    /* 65 cases */
    char *many = psl_fmt("%s%schoice (re.select {text : message.name}) {", pre, name);
    for (int i = 0; i < 65; i++)
        many = psl_fmt("%s \"a%d\" : grant ()", many, i);
    expect_diag(psl_fmt("%s } }\n", many), "error: a choice has at most 64 cases", false);
    /* 33 choices around the rules of one event: more than one decision computes */
    char *wide = psl_fmt("%s%s", pre, name);
    for (int i = 0; i < 33; i++)
        wide =
            psl_fmt("%s choice (re.select {text : message.name}) { \"%d\" : grant () }", wide, i);
    expect_diag(psl_fmt("%s }\n", wide),
                "error: the rules of one request event lie in more than 32 choices", false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_error_at_its_position),
        cmocka_unit_test(whole_file_errors),
        cmocka_unit_test(flow_errors),
        cmocka_unit_test(model_errors),
        cmocka_unit_test(choice_errors),
        cmocka_unit_test(hashset_errors),
        cmocka_unit_test(staticmap_errors),
        cmocka_unit_test(staticmap_list_key_errors),
        cmocka_unit_test(mic_errors),
        cmocka_unit_test(warnings),
        cmocka_unit_test(pal_errors_and_failures),
        cmocka_unit_test(limits),
        cmocka_unit_test(bytes_in_files),
        cmocka_unit_test(mutated_policies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
