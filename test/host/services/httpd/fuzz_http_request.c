/*
 * libFuzzer target for the status server's request parser (services/httpd/http_request.c):
 * any bytes end in HTTP_OK with a request that keeps the parser's promises (the head inside the
 * input and ending in CRLF CRLF, a path starting with '/', every field inside the head), in
 * HTTP_INCOMPLETE only when the head has no end yet and is under the limit, or in a named error
 * with a 4xx/5xx status; never a crash or an overread.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_request req;
    const char *buf = (const char *)data;
    enum http_error e = http_parse_request(buf, size, &req);
    if (e == HTTP_OK) {
        if (req.head_len < 4 || req.head_len > size || req.head_len > HTTP_HEAD_MAX ||
            memcmp(buf + req.head_len - 4, "\r\n\r\n", 4) != 0 || req.path[0] != '/' ||
            strlen(req.path) > HTTP_TARGET_MAX || req.field_count > HTTP_FIELDS_MAX)
            __builtin_trap();
        for (size_t i = 0; i < req.field_count; i++) {
            const struct http_field *f = &req.fields[i];
            if (f->name < buf || f->name + f->name_len > buf + req.head_len || f->value < buf ||
                f->value + f->value_len > buf + req.head_len || f->name_len == 0)
                __builtin_trap();
        }
    } else if (e == HTTP_INCOMPLETE) {
        if (size >= HTTP_HEAD_MAX || memmem(buf, size, "\r\n\r\n", 4) != NULL)
            __builtin_trap();
    } else {
        int status = http_error_status(e);
        if (status < 400 || status > 505 || strcmp(http_error_name(e), "HTTP_UNKNOWN_ERROR") == 0)
            __builtin_trap();
    }
    return 0;
}
