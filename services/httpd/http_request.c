/*
 * The strict HTTP/1.1 request parser (http_request.h). It looks only at buf[0..len), never
 * past the first empty line, and copies what it keeps (method, path, query) into the request
 * with their lengths checked first.
 */
#include "http_request.h"

#include <stdio.h>
#include <string.h>

/* tchar of RFC 9110 5.6.2: the bytes of a token. */
static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Visible ASCII: what a request target may hold (no space, no control, no byte above 0x7e). */
static bool is_vchar(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool same_name(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

/*
 * The end of the head: the offset just past "\r\n\r\n", or 0 when there is none in buf yet.
 * *bare is set when a CR or LF appears outside a CRLF pair before that point (a CR as the last
 * byte read may still get its LF: not counted).
 */
static size_t head_end(const char *buf, size_t len, bool *bare)
{
    *bare = false;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n') {
            if (i == 0 || buf[i - 1] != '\r') {
                *bare = true;
                return 0;
            }
            if (i >= 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r')
                return i + 1;
        } else if (buf[i] == '\r' && i + 1 < len && buf[i + 1] != '\n') {
            *bare = true;
            return 0;
        }
    }
    return 0;
}

static enum http_error parse_request_line(const char *line, size_t len, struct http_request *req)
{
    const char *sp1 = memchr(line, ' ', len);
    if (sp1 == NULL)
        return HTTP_BAD_REQUEST_LINE;
    size_t mlen = (size_t)(sp1 - line);
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', len - mlen - 1);
    if (sp2 == NULL)
        return HTTP_BAD_REQUEST_LINE;
    size_t tlen = (size_t)(sp2 - target);
    const char *version = sp2 + 1;
    size_t vlen = len - mlen - tlen - 2;
    if (mlen == 0 || tlen == 0 || memchr(version, ' ', vlen) != NULL)
        return HTTP_BAD_REQUEST_LINE;
    if (mlen > HTTP_METHOD_MAX)
        return HTTP_BAD_METHOD;
    for (size_t i = 0; i < mlen; i++)
        if (!is_tchar((unsigned char)line[i]))
            return HTTP_BAD_METHOD;
    memcpy(req->method_text, line, mlen);
    req->method_text[mlen] = '\0';
    req->method = strcmp(req->method_text, "GET") == 0    ? HTTP_GET
                  : strcmp(req->method_text, "HEAD") == 0 ? HTTP_HEAD
                                                          : HTTP_OTHER_METHOD;
    if (tlen > HTTP_TARGET_MAX)
        return HTTP_TARGET_TOO_LONG;
    if (target[0] != '/')
        return HTTP_BAD_TARGET; /* absolute-form, authority-form, asterisk-form: not served */
    for (size_t i = 0; i < tlen; i++)
        if (!is_vchar((unsigned char)target[i]) || target[i] == '#')
            return HTTP_BAD_TARGET;
    const char *q = memchr(target, '?', tlen);
    size_t plen = q ? (size_t)(q - target) : tlen;
    memcpy(req->path, target, plen);
    req->path[plen] = '\0';
    size_t qlen = q ? tlen - plen - 1 : 0;
    memcpy(req->query, q ? q + 1 : "", qlen);
    req->query[qlen] = '\0';
    if (vlen == 8 && memcmp(version, "HTTP/1.1", 8) == 0)
        req->minor_version = 1;
    else if (vlen == 8 && memcmp(version, "HTTP/1.0", 8) == 0)
        req->minor_version = 0;
    else
        return HTTP_BAD_VERSION;
    return HTTP_OK;
}

static enum http_error parse_field(const char *line, size_t len, struct http_request *req)
{
    if (line[0] == ' ' || line[0] == '\t')
        return HTTP_FOLDED_FIELD;
    const char *colon = memchr(line, ':', len);
    if (colon == NULL)
        return HTTP_BAD_FIELD_NAME;
    size_t nlen = (size_t)(colon - line);
    if (nlen == 0)
        return HTTP_BAD_FIELD_NAME;
    if (line[nlen - 1] == ' ' || line[nlen - 1] == '\t')
        return HTTP_SPACE_BEFORE_COLON;
    for (size_t i = 0; i < nlen; i++)
        if (!is_tchar((unsigned char)line[i]))
            return HTTP_BAD_FIELD_NAME;
    const char *v = colon + 1, *end = line + len;
    for (const char *p = v; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return HTTP_BAD_FIELD_VALUE;
    }
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (req->field_count == HTTP_FIELDS_MAX)
        return HTTP_TOO_MANY_FIELDS;
    req->fields[req->field_count++] = (struct http_field){
        .name = line, .name_len = nlen, .value = v, .value_len = (size_t)(end - v)};
    return HTTP_OK;
}

/* Content-Length: 1*DIGIT; every such field the same value. */
static enum http_error check_body(const struct http_request *req)
{
    bool have_length = false;
    unsigned long long length = 0;
    for (size_t i = 0; i < req->field_count; i++) {
        const struct http_field *f = &req->fields[i];
        if (same_name(f->name, f->name_len, "transfer-encoding"))
            return HTTP_BODY_REFUSED;
        if (!same_name(f->name, f->name_len, "content-length"))
            continue;
        if (f->value_len == 0 || f->value_len > 18)
            return HTTP_BAD_CONTENT_LENGTH;
        unsigned long long v = 0;
        for (size_t k = 0; k < f->value_len; k++) {
            if (f->value[k] < '0' || f->value[k] > '9')
                return HTTP_BAD_CONTENT_LENGTH;
            v = v * 10 + (unsigned)(f->value[k] - '0');
        }
        if (have_length && v != length)
            return HTTP_BAD_CONTENT_LENGTH;
        have_length = true;
        length = v;
    }
    return length > 0 ? HTTP_BODY_REFUSED : HTTP_OK;
}

enum http_error http_parse_request(const char *buf, size_t len, struct http_request *req)
{
    memset(req, 0, sizeof *req);
    bool bare = false;
    size_t scan = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;
    size_t end = head_end(buf, scan, &bare);
    if (bare)
        return HTTP_BARE_LINE_END;
    if (end == 0) {
        /* Refuse an over-long request line before its end comes: the 414 is the better answer. */
        const char *sp1 = memchr(buf, ' ', scan);
        if (sp1 != NULL && memchr(buf, '\r', scan) == NULL) {
            size_t after = scan - (size_t)(sp1 + 1 - buf);
            const char *sp2 = memchr(sp1 + 1, ' ', after);
            if ((sp2 ? (size_t)(sp2 - sp1 - 1) : after) > HTTP_TARGET_MAX)
                return HTTP_TARGET_TOO_LONG;
        }
        return len >= HTTP_HEAD_MAX ? HTTP_HEAD_TOO_LARGE : HTTP_INCOMPLETE;
    }
    req->head_len = end;
    const char *line = buf;
    const char *stop = buf + end - 2; /* the empty line's CRLF */
    const char *eol = memchr(line, '\r', (size_t)(stop - line));
    enum http_error e = parse_request_line(line, (size_t)(eol - line), req);
    if (e != HTTP_OK)
        return e;
    for (line = eol + 2; line < stop; line = eol + 2) {
        eol = memchr(line, '\r', (size_t)(stop - line));
        if ((e = parse_field(line, (size_t)(eol - line), req)) != HTTP_OK)
            return e;
    }
    size_t hosts = 0;
    for (size_t i = 0; i < req->field_count; i++)
        if (same_name(req->fields[i].name, req->fields[i].name_len, "host"))
            hosts++;
    if (hosts > 1)
        return HTTP_SEVERAL_HOSTS;
    if (hosts == 0 && req->minor_version == 1)
        return HTTP_NO_HOST;
    return check_body(req);
}

int http_error_status(enum http_error e)
{
    switch (e) {
    case HTTP_OK:
        return 200;
    case HTTP_INCOMPLETE:
        return 0;
    case HTTP_TARGET_TOO_LONG:
        return 414;
    case HTTP_BAD_VERSION:
        return 505;
    case HTTP_BODY_REFUSED:
        return 413;
    case HTTP_HEAD_TOO_LARGE:
    case HTTP_TOO_MANY_FIELDS:
        return 431;
    default:
        return 400;
    }
}

const char *http_error_name(enum http_error e)
{
    static const char *const names[HTTP_ERROR_COUNT] = {
        [HTTP_OK] = "HTTP_OK",
        [HTTP_INCOMPLETE] = "HTTP_INCOMPLETE",
        [HTTP_BARE_LINE_END] = "HTTP_BARE_LINE_END",
        [HTTP_BAD_REQUEST_LINE] = "HTTP_BAD_REQUEST_LINE",
        [HTTP_BAD_METHOD] = "HTTP_BAD_METHOD",
        [HTTP_BAD_TARGET] = "HTTP_BAD_TARGET",
        [HTTP_TARGET_TOO_LONG] = "HTTP_TARGET_TOO_LONG",
        [HTTP_BAD_VERSION] = "HTTP_BAD_VERSION",
        [HTTP_BAD_FIELD_NAME] = "HTTP_BAD_FIELD_NAME",
        [HTTP_SPACE_BEFORE_COLON] = "HTTP_SPACE_BEFORE_COLON",
        [HTTP_FOLDED_FIELD] = "HTTP_FOLDED_FIELD",
        [HTTP_BAD_FIELD_VALUE] = "HTTP_BAD_FIELD_VALUE",
        [HTTP_NO_HOST] = "HTTP_NO_HOST",
        [HTTP_SEVERAL_HOSTS] = "HTTP_SEVERAL_HOSTS",
        [HTTP_BAD_CONTENT_LENGTH] = "HTTP_BAD_CONTENT_LENGTH",
        [HTTP_BODY_REFUSED] = "HTTP_BODY_REFUSED",
        [HTTP_HEAD_TOO_LARGE] = "HTTP_HEAD_TOO_LARGE",
        [HTTP_TOO_MANY_FIELDS] = "HTTP_TOO_MANY_FIELDS",
    };
    return (unsigned)e < HTTP_ERROR_COUNT ? names[e] : "HTTP_UNKNOWN_ERROR";
}

const char *http_status_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

const char *http_field_value(const struct http_request *req, const char *name, size_t *len)
{
    for (size_t i = 0; i < req->field_count; i++)
        if (same_name(req->fields[i].name, req->fields[i].name_len, name)) {
            *len = req->fields[i].value_len;
            return req->fields[i].value;
        }
    *len = 0;
    return NULL;
}

size_t http_format_head(char *out, size_t cap, int status, const char *content_type,
                        size_t content_length)
{
    char type[96] = "";
    if (content_type != NULL)
        snprintf(type, sizeof type, "Content-Type: %s\r\n", content_type);
    int n = snprintf(out, cap,
                     "HTTP/1.1 %d %s\r\n%sContent-Length: %lu\r\nCache-Control: no-store\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n"
                     "%sConnection: close\r\n\r\n",
                     status, http_status_reason(status), type, (unsigned long)content_length,
                     status == 405 ? "Allow: GET, HEAD\r\n" : "");
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

size_t http_format_error(char *out, size_t cap, int status, const char *detail)
{
    char body[160];
    int b = snprintf(body, sizeof body, "%d %s: %s\n", status, http_status_reason(status), detail);
    if (b <= 0 || (size_t)b >= sizeof body)
        return 0;
    size_t h = http_format_head(out, cap, status, "text/plain; charset=utf-8", (size_t)b);
    if (h == 0 || h + (size_t)b > cap)
        return 0;
    memcpy(out + h, body, (size_t)b);
    return h + (size_t)b;
}
