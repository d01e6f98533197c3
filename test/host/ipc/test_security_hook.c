/*
 * The security hook (kern/security/hook.c) as issue 4 leaves it: every well-formed request is
 * granted and counted under its event; a malformed one (no request, unknown event) is denied,
 * so the one function every request passes through fails closed even before the KSM exists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "security/hook.h"

static void test_grants_and_counts(void **state)
{
    (void)state;
    uint64_t before_req = security_count(SEC_EVENT_REQUEST);
    uint64_t before_resp = security_count(SEC_EVENT_RESPONSE);
    static const uint8_t msg[24];
    struct sec_request r = {SEC_EVENT_REQUEST, 5, "echo.Client", KOBJ_SID_KERNEL, "kl.core.Core",
                            9, 6, msg, sizeof msg};
    assert_int_equal(security_check(&r), rcOk);
    assert_int_equal(security_check(&r), rcOk);
    r.event = SEC_EVENT_RESPONSE;
    assert_int_equal(security_check(&r), rcOk);
    assert_int_equal(security_count(SEC_EVENT_REQUEST), before_req + 2);
    assert_int_equal(security_count(SEC_EVENT_RESPONSE), before_resp + 1);
    assert_int_equal(security_count(SEC_EVENT_COUNT), 0);
}

static void test_malformed_denied(void **state)
{
    (void)state;
    uint64_t before = security_denied();
    assert_int_equal(security_check(NULL), rcSecurityDisallow);
    struct sec_request r = {0};
    r.event = (enum sec_event)SEC_EVENT_COUNT;
    assert_int_equal(security_check(&r), rcSecurityDisallow);
    r.event = (enum sec_event)-1;
    assert_int_equal(security_check(&r), rcSecurityDisallow);
    assert_int_equal(security_denied(), before + 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grants_and_counts),
        cmocka_unit_test(test_malformed_denied),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
