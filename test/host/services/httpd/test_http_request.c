/*
 * The status server's request parser (services/httpd/http_request.c): well-formed GET and HEAD
 * requests are taken with their path, query and fields; each way a request can be wrong gives
 * its own named error and status (400, 413, 414, 431, 505); an unfinished head asks for more.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http_request.h"

static struct http_request req;

static enum http_error parse(const char *s)
{
    return http_parse_request(s, strlen(s), &req);
}

static void test_get(void **state)
{
    (void)state;
    assert_int_equal(parse("GET /status.json?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*  \r\n\r\n"),
                     HTTP_OK);
    assert_int_equal(req.method, HTTP_GET);
    assert_string_equal(req.path, "/status.json");
    assert_string_equal(req.query, "x=1");
    assert_int_equal(req.minor_version, 1);
    assert_int_equal(req.field_count, 2);
    size_t n;
    const char *v = http_field_value(&req, "ACCEPT", &n);
    assert_non_null(v);
    assert_int_equal(n, 3); /* trailing whitespace is not the value's */
    assert_memory_equal(v, "*/*", 3);
    assert_null(http_field_value(&req, "cookie", &n));
}

static void test_head_and_others(void **state)
{
    (void)state;
    assert_int_equal(parse("HEAD / HTTP/1.0\r\n\r\n"), HTTP_OK); /* 1.0 needs no Host */
    assert_int_equal(req.method, HTTP_HEAD);
    assert_int_equal(req.minor_version, 0);
    assert_int_equal(parse("DELETE / HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_OK);
    assert_int_equal(req.method, HTTP_OTHER_METHOD); /* the server answers 405 */
    assert_string_equal(req.method_text, "DELETE");
    /* Content-Length: 0 is no body. Anything after the head is not read. */
    const char *two = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nGET /x HTTP/1.1\r\n";
    assert_int_equal(parse(two), HTTP_OK);
    assert_int_equal(req.head_len, strstr(two, "GET /x") - two);
}

static void test_incomplete(void **state)
{
    (void)state;
    const char *full = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    for (size_t n = 0; n < strlen(full); n++)
        assert_int_equal(http_parse_request(full, n, &req), HTTP_INCOMPLETE);
    assert_int_equal(http_parse_request(full, strlen(full), &req), HTTP_OK);
}

struct bad {
    const char *text;
    enum http_error error;
    int status;
};

static void test_bad(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {"GET / HTTP/1.1\nHost: a\n\n", HTTP_BARE_LINE_END, 400},
        {"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", HTTP_BARE_LINE_END, 400},
        {"GET /HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_BAD_REQUEST_LINE, 400},
        {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_BAD_REQUEST_LINE, 400},
        {"GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", HTTP_BAD_REQUEST_LINE, 400},
        {"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_BAD_METHOD, 400},
        {"ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_BAD_METHOD, 400},
        {"GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_BAD_TARGET, 400},
        {"GET * HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_BAD_TARGET, 400},
        {"GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_BAD_TARGET, 400},
        {"GET /a#f HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_BAD_TARGET, 400},
        {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", HTTP_BAD_VERSION, 505},
        {"GET / http/1.1\r\nHost: a\r\n\r\n", HTTP_BAD_VERSION, 505},
        {"GET / HTTP/1.1\r\n: a\r\n\r\n", HTTP_BAD_FIELD_NAME, 400},
        {"GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", HTTP_BAD_FIELD_NAME, 400},
        {"GET / HTTP/1.1\r\nHost a\r\n\r\n", HTTP_BAD_FIELD_NAME, 400},
        {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", HTTP_SPACE_BEFORE_COLON, 400},
        {"GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", HTTP_FOLDED_FIELD, 400},
        {"GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", HTTP_BAD_FIELD_VALUE, 400},
        {"GET / HTTP/1.1\r\nAccept: a\r\n\r\n", HTTP_NO_HOST, 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", HTTP_SEVERAL_HOSTS, 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", HTTP_BAD_CONTENT_LENGTH, 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
         HTTP_BAD_CONTENT_LENGTH, 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", HTTP_BAD_CONTENT_LENGTH, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", HTTP_BODY_REFUSED, 413},
        {"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_BODY_REFUSED, 413},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum http_error e = parse(cases[i].text);
        if (e != cases[i].error)
            fail_msg("case %zu: %s, expected %s", i, http_error_name(e),
                     http_error_name(cases[i].error));
        assert_int_equal(http_error_status(e), cases[i].status);
    }
}

static void test_limits(void **state)
{
    (void)state;
    static char big[HTTP_HEAD_MAX + 4096];
    /* A target one byte too long: 414, even before the line ends. */
    size_t n = (size_t)snprintf(big, sizeof big, "GET /");
    memset(big + n, 'a', HTTP_TARGET_MAX);
    n += HTTP_TARGET_MAX;
    assert_int_equal(http_parse_request(big, n, &req), HTTP_TARGET_TOO_LONG);
    n += (size_t)snprintf(big + n, sizeof big - n, " HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(http_parse_request(big, n, &req), HTTP_TARGET_TOO_LONG);
    assert_int_equal(http_error_status(HTTP_TARGET_TOO_LONG), 414);
    /* Exactly the longest target is served. */
    n = (size_t)snprintf(big, sizeof big, "GET /");
    memset(big + n, 'a', HTTP_TARGET_MAX - 1);
    n += HTTP_TARGET_MAX - 1;
    n += (size_t)snprintf(big + n, sizeof big - n, " HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(http_parse_request(big, n, &req), HTTP_OK);
    assert_int_equal(strlen(req.path), HTTP_TARGET_MAX);
    /* A head without its end within HTTP_HEAD_MAX: 431. */
    n = (size_t)snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
    memset(big + n, 'v', sizeof big - n);
    assert_int_equal(http_parse_request(big, HTTP_HEAD_MAX, &req), HTTP_HEAD_TOO_LARGE);
    assert_int_equal(http_parse_request(big, HTTP_HEAD_MAX - 1, &req), HTTP_INCOMPLETE);
    assert_int_equal(http_error_status(HTTP_HEAD_TOO_LARGE), 431);
    /* One field too many: 431; exactly HTTP_FIELDS_MAX: served. */
    for (int extra = 0; extra <= 1; extra++) {
        n = (size_t)snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 1; i < HTTP_FIELDS_MAX + extra; i++)
            n += (size_t)snprintf(big + n, sizeof big - n, "X%d: %d\r\n", i, i);
        n += (size_t)snprintf(big + n, sizeof big - n, "\r\n");
        assert_int_equal(http_parse_request(big, n, &req), extra ? HTTP_TOO_MANY_FIELDS : HTTP_OK);
    }
    assert_int_equal(http_error_status(HTTP_TOO_MANY_FIELDS), 431);
}

static void test_answers(void **state)
{
    (void)state;
    char out[512];
    size_t n = http_format_error(out, sizeof out, 405, "only GET and HEAD are served");
    assert_true(n > 0);
    out[n] = '\0';
    assert_non_null(strstr(out, "HTTP/1.1 405 Method Not Allowed\r\n"));
    assert_non_null(strstr(out, "Allow: GET, HEAD\r\n"));
    assert_non_null(strstr(out, "Connection: close\r\n"));
    const char *body = strstr(out, "\r\n\r\n") + 4;
    char want[64];
    snprintf(want, sizeof want, "Content-Length: %zu\r\n", strlen(body));
    assert_non_null(strstr(out, want));
    assert_int_equal(http_format_error(out, 40, 404, "x"), 0); /* too small: nothing */
    assert_string_equal(http_status_reason(413), "Content Too Large");
    assert_string_equal(http_error_name(HTTP_NO_HOST), "HTTP_NO_HOST");
    assert_string_equal(http_error_name((enum http_error)999), "HTTP_UNKNOWN_ERROR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get),        cmocka_unit_test(test_head_and_others),
        cmocka_unit_test(test_incomplete), cmocka_unit_test(test_bad),
        cmocka_unit_test(test_limits),     cmocka_unit_test(test_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
