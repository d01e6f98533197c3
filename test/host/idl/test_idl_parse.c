/* Every construct of IDL, EDL and CDL parses (and resolves) to the right model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "idlc.h"
#include "model.h"
#include "resolve.h"

static struct model *load_demo(void)
{
    char *argv[] = {"idlc",
                    "-I",
                    IDL_SAMPLES,
                    "--no-c",
                    IDL_SAMPLES "/demo/Echo.idl",
                    IDL_SAMPLES "/demo/Types.idl",
                    IDL_SAMPLES "/demo/Echo.cdl",
                    IDL_SAMPLES "/demo/Server.edl",
                    IDL_SAMPLES "/demo/Client.edl",
                    NULL};
    struct model *m = NULL;
    int rc = idlc_main(9, argv, stderr, &m);
    assert_int_equal(rc, 0);
    assert_non_null(m);
    return m;
}

static struct decl *decl_of(struct model *m, const char *pkg, const char *name)
{
    struct package *p = model_find_package(m, pkg);
    assert_non_null(p);
    struct decl *d = package_find_decl(p, name);
    assert_non_null(d);
    return d;
}

static struct method *method_of(struct model *m, const char *name)
{
    struct package *p = model_find_package(m, "demo.Echo");
    for (int i = 0; i < p->nmethods; i++)
        if (strcmp(p->methods[i].name, name) == 0)
            return &p->methods[i];
    fail_msg("no method %s", name);
    return NULL;
}

static void test_package_import_const(void **state)
{
    (void)state;
    struct model *m = load_demo();
    struct package *e = model_find_package(m, "demo.Echo");
    assert_non_null(e);
    assert_int_equal(e->nimports, 1);
    assert_string_equal(e->imports[0].name, "demo.Types");
    assert_ptr_equal(e->imports[0].pkg, model_find_package(m, "demo.Types"));
    assert_int_equal(decl_of(m, "demo.Types", "NameMax")->value, 32);
    assert_int_equal(decl_of(m, "demo.Types", "ItemsMax")->value, 12);
    assert_int_equal(decl_of(m, "demo.Types", "Negative")->value, -8);
    assert_int_equal(decl_of(m, "demo.Types", "Big")->value, 32 * 12 * 1000);
    /* A trailing comment documents nothing; the comment on its own line documents Big. */
    assert_null(decl_of(m, "demo.Types", "Negative")->doc);
    assert_null(decl_of(m, "demo.Types", "ItemsMax")->doc);
    assert_string_equal(decl_of(m, "demo.Types", "Big")->doc, "Documents Big (the trailing comment "
                                                              "above does not).");
    assert_int_equal(decl_of(m, "demo.Echo", "BlobMax")->value, 64);
    idlc_free_model();
}

static void test_typedef_struct_union_layout(void **state)
{
    (void)state;
    struct model *m = load_demo();
    struct decl *ret = decl_of(m, "demo.Types", "Retcode");
    assert_int_equal(ret->kind, D_TYPEDEF);
    assert_int_equal(ret->size, 4);
    struct decl *mac = decl_of(m, "demo.Types", "Mac");
    assert_int_equal(mac->size, 6);
    assert_int_equal(mac->align, 1);
    struct decl *pt = decl_of(m, "demo.Types", "Point");
    assert_int_equal(pt->kind, D_STRUCT);
    assert_string_equal(pt->doc, "A point on a plane.");
    assert_int_equal(pt->size, 8);
    assert_int_equal(pt->fields[1].offset, 4);
    struct decl *sh = decl_of(m, "demo.Types", "Shape");
    assert_int_equal(sh->nfields, 5);
    assert_int_equal(sh->fields[0].offset, 0);  /* kind */
    assert_int_equal(sh->fields[1].offset, 4);  /* origin */
    assert_int_equal(sh->fields[2].offset, 12); /* corners: 3 x 8 */
    assert_int_equal(sh->fields[3].offset, 36); /* mac */
    assert_int_equal(sh->fields[4].offset, 48); /* area, 8-aligned */
    assert_int_equal(sh->size, 56);
    assert_int_equal(sh->align, 8);
    assert_int_equal(sh->fields[2].type->kind, TY_ARRAY);
    assert_int_equal(sh->fields[2].type->bound, 3);
    struct decl *v = decl_of(m, "demo.Types", "Value");
    assert_int_equal(v->kind, D_UNION);
    assert_int_equal(v->nfields, 3);
    assert_int_equal(v->payload_offset, 8);
    assert_int_equal(v->size, 16);
    idlc_free_model();
}

static void test_interface_methods(void **state)
{
    (void)state;
    struct model *m = load_demo();
    struct package *e = model_find_package(m, "demo.Echo");
    assert_true(e->has_interface);
    assert_int_equal(e->nmethods, 10);
    struct method *add = method_of(m, "Add");
    assert_string_equal(add->doc, "Adds two numbers.");
    assert_int_equal(add->nparams, 3);
    assert_int_equal(add->params[2].dir, DIR_OUT);
    assert_int_equal(add->fixed_size[0], 8);
    assert_int_equal(add->fixed_size[1], 8);
    assert_string_equal(method_of(m, "Shout")->doc, "Echoes a string back, upper-cased by the "
                                                    "server.");
    assert_null(method_of(m, "Blob")->doc);
    /* Typedef'd string, bytes, sequence<string>, Handle: wire kinds. */
    assert_int_equal(method_of(m, "Shout")->params[0].wk, WK_STRING);
    assert_int_equal(method_of(m, "Blob")->params[0].wk, WK_SEQ);
    assert_int_equal(method_of(m, "Names")->params[0].wk, WK_SEQSTR);
    struct method *pass = method_of(m, "Pass");
    assert_int_equal(pass->params[0].wk, WK_HANDLE);
    assert_int_equal(pass->handles[0], 1);
    assert_int_equal(pass->handles[1], 1);
    /* Interleaved in/out/error stay in source order; each part is laid out on its own. */
    struct method *mx = method_of(m, "Mixed");
    assert_int_equal(mx->nparams, 4);
    assert_string_equal(mx->params[0].name, "first");
    assert_int_equal(mx->params[0].dir, DIR_OUT);
    assert_int_equal(mx->params[1].dir, DIR_IN);
    assert_int_equal(mx->params[2].dir, DIR_OUT);
    assert_int_equal(mx->params[3].dir, DIR_ERROR);
    assert_int_equal(mx->params[0].offset, 0);
    assert_int_equal(mx->params[2].offset, 8);
    assert_int_equal(mx->params[1].offset, 0);
    assert_int_equal(mx->fixed_size[0], 1);
    assert_int_equal(mx->fixed_size[1], 16);
    assert_int_equal(mx->fixed_size[2], 4);
    struct method *mv = method_of(m, "Move");
    assert_int_equal(mv->params[0].size, 56);
    assert_int_equal(mv->params[1].offset, 56); /* Value, align 8 */
    assert_int_equal(mv->params[2].offset, 72); /* Mac */
    struct method *nothing = method_of(m, "Nothing");
    assert_int_equal(nothing->nparams, 0);
    assert_int_equal(nothing->fixed_size[0], 0);
    idlc_free_model();
}

static void test_edl_cdl(void **state)
{
    (void)state;
    struct model *m = load_demo();
    struct unit *srv = model_find_unit(m, "demo.Server");
    assert_non_null(srv);
    assert_true(srv->is_class);
    assert_int_equal(srv->neps, 1);
    assert_string_equal(srv->eps[0].name, "direct");
    assert_int_equal(srv->ninsts, 2);
    assert_string_equal(srv->insts[0].comp, "demo.Outer");
    struct unit *outer = model_find_unit(m, "demo.Outer");
    assert_false(outer->is_class);
    assert_string_equal(outer->security, "demo.Echo");
    assert_int_equal(outer->neps, 2);
    assert_ptr_equal(srv->insts[0].unit, outer);
    struct flat_endpoint *eps;
    int n = unit_endpoints(srv, &eps);
    static const char *const want[] = {"direct", "a.main", "a.spare", "a.inner.echo", "b.echo"};
    assert_int_equal(n, 5);
    for (int i = 0; i < n; i++) {
        assert_string_equal(eps[i].path, want[i]);
        assert_ptr_equal(eps[i].pkg, model_find_package(m, "demo.Echo"));
    }
    struct unit *cl = model_find_unit(m, "demo.Client");
    assert_true(cl->is_class);
    assert_int_equal(cl->neps + cl->ninsts, 0);
    idlc_free_model();
}

/* CDL and EDL as KasperskyOS CE's public examples write them (samples/kce): `entity`, the CE
 * 1.0 `interfaces { }` list, a component and a package of the same name, unqualified names,
 * `security`. */
static void test_public_example_cdl(void **state)
{
    (void)state;
    char *argv[] = {"idlc",
                    "-I",
                    IDL_SAMPLES "/kce",
                    "--no-c",
                    IDL_SAMPLES "/kce/echo/Server.edl",
                    IDL_SAMPLES "/kce/FsVerifier.cdl",
                    NULL};
    struct model *m = NULL;
    assert_int_equal(idlc_main(6, argv, stderr, &m), 0);
    struct unit *ping = model_find_unit(m, "echo.Ping");
    assert_non_null(ping);
    assert_int_equal(ping->neps, 1);
    assert_string_equal(ping->eps[0].name, "ping");
    assert_ptr_equal(ping->eps[0].pkg, model_find_package(m, "echo.Ping"));
    struct flat_endpoint *eps;
    assert_int_equal(unit_endpoints(model_find_unit(m, "echo.Server"), &eps), 1);
    assert_string_equal(eps[0].path, "Server.ping");
    struct unit *fs = model_find_unit(m, "FsVerifier");
    assert_non_null(fs);
    assert_string_equal(fs->security, "Approve");
    assert_non_null(model_find_package(m, "Approve"));
    assert_int_equal(unit_endpoints(fs, &eps), 1);
    assert_string_equal(eps[0].path, "verifyComp.check");
    idlc_free_model();
}

/* `Boolean` and `Char` unqualified after `import kl.core.Types`, as the public examples use them:
 * one byte each. */
static void test_public_example_boolean(void **state)
{
    (void)state;
    char *argv[] = {
        "idlc", "-I", IDL_SAMPLES "/kce", "-I", IDL_KL_DIR, "--no-c", IDL_SAMPLES "/kce/Toggle.idl",
        NULL};
    struct model *m = NULL;
    assert_int_equal(idlc_main(7, argv, stderr, &m), 0);
    struct package *p = model_find_package(m, "Toggle");
    assert_non_null(p);
    assert_int_equal(p->nmethods, 2);
    struct method *set = &p->methods[0];
    assert_int_equal(set->nparams, 3);
    /* Request: one byte; response: one byte, then the UInt32 at its alignment. */
    assert_int_equal(set->fixed_size[0], 1);
    assert_int_equal(set->fixed_size[1], 8);
    /* Put(in Mark m): Char is one byte, so the struct is two (four if Char were wider). */
    assert_int_equal(p->methods[1].fixed_size[0], 2);
    idlc_free_model();
}

/* The SDK's audit programs as public solutions use them (samples/kce/klog): their own class
 * with a kl.Klog or kl.KlogStorage component, found in Bastion's idl/kl/ like kl.core. */
static void test_sdk_klog_components(void **state)
{
    (void)state;
    char *argv[] = {"idlc",
                    "-I",
                    IDL_SAMPLES "/kce",
                    "-I",
                    IDL_KL_DIR,
                    "--no-c",
                    IDL_SAMPLES "/kce/klog/KlogEntity.edl",
                    IDL_SAMPLES "/kce/klog/KlogStorageEntity.edl",
                    NULL};
    struct model *m = NULL;
    assert_int_equal(idlc_main(8, argv, stderr, &m), 0);
    struct flat_endpoint *eps;
    assert_int_equal(unit_endpoints(model_find_unit(m, "app.KlogEntity"), &eps), 1);
    assert_string_equal(eps[0].path, "klog.audit");
    assert_ptr_equal(eps[0].pkg, model_find_package(m, "kl.Klog"));
    assert_int_equal(unit_endpoints(model_find_unit(m, "app.KlogStorageEntity"), &eps), 1);
    assert_string_equal(eps[0].path, "klogStorage.storage");
    struct package *st = model_find_package(m, "kl.KlogStorage");
    assert_ptr_equal(eps[0].pkg, st);
    /* write, read, readRange in the SDK's order (their method ids). */
    assert_int_equal(st->nmethods, 3);
    assert_string_equal(st->methods[0].name, "write");
    assert_string_equal(st->methods[1].name, "read");
    assert_string_equal(st->methods[2].name, "readRange");
    /* write's one parameter: a sequence descriptor of Entry, 4,120 bytes each. */
    assert_int_equal(st->methods[0].fixed_size[0], 8);
    idlc_free_model();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_package_import_const),
        cmocka_unit_test(test_typedef_struct_union_layout),
        cmocka_unit_test(test_interface_methods),
        cmocka_unit_test(test_edl_cdl),
        cmocka_unit_test(test_public_example_cdl),
        cmocka_unit_test(test_public_example_boolean),
        cmocka_unit_test(test_sdk_klog_components),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
