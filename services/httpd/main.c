/*
 * The status server: Bastion's status page over HTTP (docs/status-page.md). Serves
 *   GET /             the page (HTML, reloading itself)
 *   GET /status.json  the same data as JSON
 * and HEAD of both; any other path is 404, any other method on these 405.
 *
 * Usage: httpd [--port N] [--address a.b.c.d]   (defaults: port 80, every address)
 *
 * The same file runs on Bastion (with status_source_bastion.c and the socket library) and on
 * the host (status_source_fake.c, the host's sockets), where the tests fetch its pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_server.h"
#include "status_render.h"
#include "status_source.h"

static struct status_snapshot snapshot;
static char body[HTTP_RESPONSE_MAX];

static size_t answer(const struct http_request *req, char *out, size_t cap, void *ctx)
{
    (void)ctx;
    bool page = strcmp(req->path, "/") == 0 || strcmp(req->path, "/index.html") == 0;
    bool json = strcmp(req->path, "/status.json") == 0;
    if (!page && !json)
        return http_format_error(out, cap, 404, "no such page: try / or /status.json");
    if (req->method == HTTP_OTHER_METHOD)
        return http_format_error(out, cap, 405, "only GET and HEAD are served");
    if (status_source_snapshot(&snapshot) != rcOk)
        return http_format_error(out, cap, 500, "the system's status could not be read");
    size_t n = page ? status_render_html(&snapshot, body, sizeof body)
                    : status_render_json(&snapshot, body, sizeof body);
    if (n == 0)
        return 0;
    size_t h =
        http_format_head(out, cap, 200, page ? "text/html; charset=utf-8" : "application/json", n);
    if (h == 0)
        return 0;
    if (req->method == HTTP_HEAD)
        return h;
    if (n > cap - h)
        return 0;
    memcpy(out + h, body, n);
    return h + n;
}

static void listening(uint16_t port, void *ctx)
{
    (void)ctx;
    printf("httpd: serving the status page on port %u\n", (unsigned)port);
}

/* "a.b.c.d" into a host-order address; false when it is not one. */
static bool parse_address(const char *s, uint32_t *out)
{
    uint32_t a = 0;
    for (int part = 0; part < 4; part++) {
        char *end;
        unsigned long v = strtoul(s, &end, 10);
        if (end == s || v > 255 || (part < 3 ? *end != '.' : *end != '\0'))
            return false;
        a = a << 8 | (uint32_t)v;
        s = end + 1;
    }
    *out = a;
    return true;
}

int main(int argc, char **argv)
{
    struct http_server_config cfg = {
        .port = 80,
        .now_ms = status_source_now_ms,
        .answer = answer,
        .listening = listening,
    };
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        unsigned long v = 0;
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc &&
            (v = strtoul(argv[i + 1], &end, 10)) > 0 && v <= 65535 && *end == '\0') {
            cfg.port = (uint16_t)v;
            i++;
        } else if (strcmp(argv[i], "--address") == 0 && i + 1 < argc &&
                   parse_address(argv[i + 1], &cfg.address)) {
            i++;
        } else {
            printf("httpd: usage: httpd [--port N] [--address a.b.c.d]\n");
            return 2;
        }
    }
    Retcode r = status_source_open();
    if (r != rcOk)
        printf("httpd: the audit log cannot be read: %s (the page goes without it)\n",
               retcode_name(r));
    const char *step = "";
    http_server_run(&cfg, &step);
    printf("httpd: %s failed; the status page is not served\n", step);
    return 1;
}
