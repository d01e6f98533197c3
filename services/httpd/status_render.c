/*
 * The status page and its JSON (status_render.h). A bounded writer appends to the caller's
 * buffer and remembers when something did not fit; the render then answers 0, never a cut page.
 */
#include "status_render.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct out {
    char *buf;
    size_t cap, len;
    bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->full || n > o->cap - o->len) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3))) putf(struct out *o, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        o->full = true; /* never with this file's formats; refuse rather than cut */
    else
        put(o, tmp, (size_t)n);
}

/* Text into HTML (element content and quoted attribute values alike). */
static void put_html(struct out *o, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            puts_(o, "&amp;");
            break;
        case '<':
            puts_(o, "&lt;");
            break;
        case '>':
            puts_(o, "&gt;");
            break;
        case '"':
            puts_(o, "&quot;");
            break;
        case '\'':
            puts_(o, "&#39;");
            break;
        default:
            put(o, s, 1);
        }
    }
}

/* Text into a JSON string, with its quotes. Bytes above 0x7f pass as they are: the kernel's
 * names are ASCII, and a page served as UTF-8 shows anything else as the browser decodes it. */
static void put_json(struct out *o, const char *s)
{
    puts_(o, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put(o, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            putf(o, "\\u%04x", c);
        } else {
            put(o, s, 1);
        }
    }
    puts_(o, "\"");
}

static unsigned long long seconds(uint64_t ns)
{
    return (unsigned long long)(ns / 1000000000ull);
}

static const struct bastion_security_record *class_counts(const struct status_snapshot *s,
                                                          const char *class_name)
{
    for (uint32_t i = 0; i < s->security.count; i++)
        if (strcmp(s->security.rec[i].class_name, class_name) == 0)
            return &s->security.rec[i];
    return NULL;
}

/* lwIP's names of the layers and counters (status_source.h's order): the JSON's keys and the
 * page's headings. */
static const char *const net_layer_name[STATUS_NET_LAYERS] = {
    "link", "etharp", "ip", "ipfrag", "icmp", "udp", "tcp",
};
static const char *const net_counter_name[STATUS_NET_COUNTERS] = {
    "xmit",   "recv",  "fw",      "drop",   "chkerr", "lenerr",
    "memerr", "rterr", "proterr", "opterr", "err",    "cachehit",
};

static void net_html(struct out *o, const struct status_net *n)
{
    puts_(o, "<h2>Network stack</h2>\n");
    if (!n->read) {
        puts_(o, "<p id=\"net\">Not read.</p>\n");
        return;
    }
    putf(o,
         "<p id=\"net\">Sockets open <b id=\"net-sockets\">%u</b> of %u, client channels %u, "
         "calls waiting %u, NIC link %s.</p>\n",
         (unsigned)n->sockets, (unsigned)n->sockets_max, (unsigned)n->clients,
         (unsigned)n->waiting_calls, n->nic_link_up ? "up" : "down");
    puts_(o, "<table id=\"net-layers\"><tr><th>layer</th>");
    for (int c = 0; c < STATUS_NET_COUNTERS; c++)
        putf(o, "<th>%s</th>", net_counter_name[c]);
    puts_(o, "</tr>\n");
    for (int l = 0; l < STATUS_NET_LAYERS; l++) {
        putf(o, "<tr><td>%s</td>", net_layer_name[l]);
        for (int c = 0; c < STATUS_NET_COUNTERS; c++)
            putf(o, "<td class=\"n\">%llu</td>", (unsigned long long)n->layer[l][c]);
        puts_(o, "</tr>\n");
    }
    puts_(o, "</table>\n");
}

/* "net": null when not read, else the stack's counts and one object per layer. */
static void net_json(struct out *o, const struct status_net *n)
{
    if (!n->read) {
        puts_(o, "\"net\":null");
        return;
    }
    putf(o,
         "\"net\":{\"sockets\":%u,\"sockets_max\":%u,\"clients\":%u,\"waiting_calls\":%u,"
         "\"nic_link_up\":%s",
         (unsigned)n->sockets, (unsigned)n->sockets_max, (unsigned)n->clients,
         (unsigned)n->waiting_calls, n->nic_link_up ? "true" : "false");
    for (int l = 0; l < STATUS_NET_LAYERS; l++) {
        putf(o, ",\"%s\":{", net_layer_name[l]);
        for (int c = 0; c < STATUS_NET_COUNTERS; c++)
            putf(o, "%s\"%s\":%llu", c ? "," : "", net_counter_name[c],
                 (unsigned long long)n->layer[l][c]);
        puts_(o, "}");
    }
    puts_(o, "}");
}

static const char page_style[] = "body{font-family:sans-serif;margin:1.5em;color:#222}"
                                 "table{border-collapse:collapse;margin-bottom:1.5em}"
                                 "th,td{border:1px solid #bbb;padding:.2em .6em;text-align:left}"
                                 "th{background:#eee}td.n{text-align:right}"
                                 ".problem{color:#a00}pre{background:#f6f6f6;padding:.5em;white-"
                                 "space:pre-wrap}";

size_t status_render_html(const struct status_snapshot *s, char *buf, size_t cap)
{
    struct out o = {buf, cap, 0, false};
    putf(&o,
         "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta http-equiv=\"refresh\" content=\"%d\"><title>Bastion status</title><style>",
         STATUS_REFRESH_S);
    puts_(&o, page_style);
    puts_(&o, "</style></head><body>\n<h1>Bastion status</h1>\n");
    putf(&o,
         "<p id=\"summary\">Up <b id=\"uptime\">%llu s</b>, free memory <b id=\"free\">%llu "
         "KiB</b>, monitor decisions <b id=\"decisions\">%llu</b>, denials <b "
         "id=\"denials\">%llu</b>. This page reloads every %d s; the same data as <a "
         "href=\"/status.json\">JSON</a>.</p>\n",
         seconds(s->uptime_ns), (unsigned long long)(s->free_bytes / 1024),
         (unsigned long long)s->decisions, (unsigned long long)s->denials, STATUS_REFRESH_S);
    if (s->problem[0]) {
        puts_(&o, "<p class=\"problem\">Not read: ");
        put_html(&o, s->problem);
        puts_(&o, "</p>\n");
    }
    putf(&o,
         "<h2>Processes (%u)</h2>\n<table id=\"processes\"><tr><th>pid</th><th>name</th>"
         "<th>class</th><th>state</th><th>threads</th><th>parent</th><th>decisions</th>"
         "<th>denials</th></tr>\n",
         (unsigned)s->tasks.count);
    for (uint32_t i = 0; i < s->tasks.count; i++) {
        const struct bastion_task_record *t = &s->tasks.rec[i];
        const struct bastion_security_record *c = class_counts(s, t->class_name);
        putf(&o, "<tr><td class=\"n\">%u</td><td>", (unsigned)t->pid);
        put_html(&o, t->name);
        puts_(&o, "</td><td>");
        put_html(&o, t->class_name);
        putf(&o,
             "</td><td>%s</td><td class=\"n\">%u</td><td class=\"n\">%u</td><td "
             "class=\"n\">%llu</td><td class=\"n\">%llu</td></tr>\n",
             task_state_name(t->state), (unsigned)t->threads, (unsigned)t->parent,
             c ? (unsigned long long)c->decisions : 0ull,
             c ? (unsigned long long)c->denials : 0ull);
    }
    puts_(&o, "</table>\n");
    if (s->tasks.total > s->tasks.count)
        putf(&o, "<p>%u more processes than the table holds.</p>\n",
             (unsigned)(s->tasks.total - s->tasks.count));
    puts_(&o, "<h2>Monitor decisions per class</h2>\n<table id=\"classes\"><tr><th>class</th>"
              "<th>decisions</th><th>denials</th></tr>\n");
    for (uint32_t i = 0; i < s->security.count; i++) {
        const struct bastion_security_record *c = &s->security.rec[i];
        puts_(&o, "<tr><td>");
        put_html(&o, c->class_name);
        putf(&o, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td></tr>\n",
             (unsigned long long)c->decisions, (unsigned long long)c->denials);
    }
    puts_(&o, "</table>\n");
    net_html(&o, &s->net);
    putf(&o, "<h2>Recent audit records (%u", (unsigned)s->audit_count);
    if (s->audit_dropped)
        putf(&o, "; %llu lost to the ring", (unsigned long long)s->audit_dropped);
    puts_(&o, ")</h2>\n<pre id=\"audit\">");
    for (uint32_t i = 0; i < s->audit_count; i++) {
        put_html(&o, s->audit[i]);
        puts_(&o, "\n");
    }
    puts_(&o, "</pre>\n</body></html>\n");
    return o.full ? 0 : o.len;
}

size_t status_render_json(const struct status_snapshot *s, char *buf, size_t cap)
{
    struct out o = {buf, cap, 0, false};
    putf(&o,
         "{\"uptime_ns\":%llu,\"free_bytes\":%llu,\"decisions\":%llu,\"denials\":%llu,"
         "\"problem\":",
         (unsigned long long)s->uptime_ns, (unsigned long long)s->free_bytes,
         (unsigned long long)s->decisions, (unsigned long long)s->denials);
    put_json(&o, s->problem);
    putf(&o, ",\"processes_total\":%u,\"processes\":[", (unsigned)s->tasks.total);
    for (uint32_t i = 0; i < s->tasks.count; i++) {
        const struct bastion_task_record *t = &s->tasks.rec[i];
        putf(&o, "%s{\"pid\":%u,\"parent\":%u,\"name\":", i ? "," : "", (unsigned)t->pid,
             (unsigned)t->parent);
        put_json(&o, t->name);
        puts_(&o, ",\"class\":");
        put_json(&o, t->class_name);
        putf(&o, ",\"state\":\"%s\",\"threads\":%u}", task_state_name(t->state),
             (unsigned)t->threads);
    }
    putf(&o, "],\"class_decisions\":%llu,\"class_denials\":%llu,\"classes\":[",
         (unsigned long long)s->security.decisions, (unsigned long long)s->security.denials);
    for (uint32_t i = 0; i < s->security.count; i++) {
        const struct bastion_security_record *c = &s->security.rec[i];
        puts_(&o, i ? ",{\"class\":" : "{\"class\":");
        put_json(&o, c->class_name);
        putf(&o, ",\"decisions\":%llu,\"denials\":%llu}", (unsigned long long)c->decisions,
             (unsigned long long)c->denials);
    }
    puts_(&o, "],");
    net_json(&o, &s->net);
    putf(&o, ",\"audit_dropped\":%llu,\"audit\":[", (unsigned long long)s->audit_dropped);
    for (uint32_t i = 0; i < s->audit_count; i++) {
        if (i)
            puts_(&o, ",");
        put_json(&o, s->audit[i]);
    }
    puts_(&o, "]}\n");
    return o.full ? 0 : o.len;
}
