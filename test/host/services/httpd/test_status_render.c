/*
 * The status page and its JSON (services/httpd/status_render.c) from the fake source's data:
 * every process, class and audit line is there, names a process picked are escaped (no markup
 * gets through, the JSON stays one valid document), the page reloads itself, the network
 * stack's counters are in their places, and a buffer too small gives 0 rather than a cut page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "status_render.h"
#include "status_source.h"

static struct status_snapshot snap;
static char out[64 * 1024];

static int setup(void **state)
{
    (void)state;
    assert_int_equal(status_source_open(), rcOk);
    assert_int_equal(status_source_snapshot(&snap), rcOk);
    return 0;
}

static void test_html(void **state)
{
    (void)state;
    size_t n = status_render_html(&snap, out, sizeof out - 1);
    assert_true(n > 0);
    out[n] = '\0';
    assert_non_null(strstr(out, "<meta http-equiv=\"refresh\" content=\"2\">"));
    assert_non_null(strstr(out, "<table id=\"processes\">"));
    assert_non_null(strstr(out, "<td>EchoServer</td><td>demo.EchoServer</td><td>running</td>"));
    assert_non_null(strstr(out, "<td>httpd.StatusServer</td>"));
    /* The untrusted class's counts sit in its process's row and in the class table. */
    assert_non_null(strstr(out, "<td>demo.Untrusted</td><td>dead</td><td class=\"n\">1</td><td "
                                "class=\"n\">2</td><td class=\"n\">9</td><td class=\"n\">5</td>"));
    assert_non_null(strstr(out, "denials <b id=\"denials\">5</b>"));
    /* Markup in a process name or an audit line is text. */
    assert_null(strstr(out, "<script>"));
    assert_non_null(strstr(out, "Mallory&lt;script&gt;"));
    assert_non_null(strstr(out, "&quot;quoted&quot; &amp; &lt;angle&gt;"));
    assert_non_null(strstr(out, "IO.RegisterPort"));
    assert_non_null(strstr(out, "</html>\n"));
}

static void test_json(void **state)
{
    (void)state;
    size_t n = status_render_json(&snap, out, sizeof out - 1);
    assert_true(n > 0);
    out[n] = '\0';
    assert_non_null(strstr(out, "{\"pid\":5,\"parent\":2,\"name\":\"Mallory<script>\","
                                "\"class\":\"demo.Untrusted\",\"state\":\"dead\",\"threads\":1}"));
    assert_non_null(strstr(out, "{\"class\":\"demo.Untrusted\",\"decisions\":9,\"denials\":5}"));
    assert_non_null(strstr(out, "\"seq=2 time_ns=6 \\\"quoted\\\" & <angle>\""));
    assert_non_null(strstr(out, "\"free_bytes\":314572800,"));
    assert_non_null(strstr(out, "\"denials\":5,"));
    assert_true(out[0] == '{' && out[n - 2] == '}' && out[n - 1] == '\n');
}

static void test_escapes(void **state)
{
    (void)state;
    snprintf(snap.tasks.rec[0].name, sizeof snap.tasks.rec[0].name, "a\"b\\c\x01'");
    size_t n = status_render_json(&snap, out, sizeof out - 1);
    out[n] = '\0';
    assert_non_null(strstr(out, "\"name\":\"a\\\"b\\\\c\\u0001'\""));
    n = status_render_html(&snap, out, sizeof out - 1);
    out[n] = '\0';
    assert_non_null(strstr(out, "<td>a&quot;b\\c\x01&#39;</td>"));
}

static void test_too_small(void **state)
{
    (void)state;
    size_t html = status_render_html(&snap, out, sizeof out);
    size_t json = status_render_json(&snap, out, sizeof out);
    assert_int_equal(status_render_html(&snap, out, html - 1), 0);
    assert_int_equal(status_render_json(&snap, out, json - 1), 0);
    assert_int_equal(status_render_html(&snap, out, html), html);
    assert_int_equal(status_render_json(&snap, out, json), json);
}

/* The network stack's counters: every layer's row with its counters in order (each value
 * differs, so a counter in the wrong column or layer fails), the stack's counts, and "null" /
 * "Not read" when they were not read. */
static void test_net(void **state)
{
    (void)state;
    size_t n = status_render_html(&snap, out, sizeof out - 1);
    out[n] = '\0';
    assert_non_null(strstr(out, "<table id=\"net-layers\"><tr><th>layer</th><th>xmit</th><th>"
                                "recv</th><th>fw</th><th>drop</th>"));
    assert_non_null(strstr(out, "<tr><td>link</td><td class=\"n\">100</td><td class=\"n\">101"
                                "</td>"));
    assert_non_null(strstr(out, "<tr><td>tcp</td><td class=\"n\">700</td><td class=\"n\">701"
                                "</td><td class=\"n\">702</td><td class=\"n\">703</td>"));
    assert_non_null(strstr(out, "<td class=\"n\">711</td></tr>\n</table>"));
    assert_non_null(strstr(out, "Sockets open <b id=\"net-sockets\">3</b> of 48, client "
                                "channels 1, calls waiting 2, NIC link up."));
    n = status_render_json(&snap, out, sizeof out - 1);
    out[n] = '\0';
    assert_non_null(strstr(out, "\"net\":{\"sockets\":3,\"sockets_max\":48,\"clients\":1,"
                                "\"waiting_calls\":2,\"nic_link_up\":true,\"link\":{\"xmit\":100,"
                                "\"recv\":101,"));
    assert_non_null(strstr(out, "\"icmp\":{\"xmit\":500,\"recv\":501,\"fw\":502,\"drop\":503,"
                                "\"chkerr\":504,\"lenerr\":505,\"memerr\":506,\"rterr\":507,"
                                "\"proterr\":508,\"opterr\":509,\"err\":510,\"cachehit\":511}"));
    assert_non_null(strstr(out, "\"tcp\":{\"xmit\":700,"));
    assert_non_null(strstr(out, "\"cachehit\":711}},\"audit_dropped\":"));

    snap.net.read = false;
    n = status_render_json(&snap, out, sizeof out - 1);
    out[n] = '\0';
    assert_non_null(strstr(out, "\"net\":null,\"audit_dropped\":"));
    assert_null(strstr(out, "\"tcp\""));
    n = status_render_html(&snap, out, sizeof out - 1);
    out[n] = '\0';
    assert_non_null(strstr(out, "<p id=\"net\">Not read.</p>"));
    assert_null(strstr(out, "net-layers"));
}

static void test_problem(void **state)
{
    (void)state;
    snprintf(snap.problem, sizeof snap.problem, "processes (rcSecurityDisallow)");
    snap.tasks.count = 0;
    size_t n = status_render_html(&snap, out, sizeof out - 1);
    out[n] = '\0';
    assert_non_null(strstr(out, "<p class=\"problem\">Not read: processes (rcSecurityDisallow)"));
    assert_non_null(strstr(out, "<h2>Processes (0)</h2>"));
    n = status_render_json(&snap, out, sizeof out - 1);
    out[n] = '\0';
    assert_non_null(strstr(out, "\"problem\":\"processes (rcSecurityDisallow)\""));
    assert_non_null(strstr(out, "\"processes\":[]"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_html, setup),    cmocka_unit_test_setup(test_json, setup),
        cmocka_unit_test_setup(test_escapes, setup), cmocka_unit_test_setup(test_too_small, setup),
        cmocka_unit_test_setup(test_problem, setup), cmocka_unit_test_setup(test_net, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
