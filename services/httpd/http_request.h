/*
 * A strict HTTP/1.1 request parser (RFC 9112) for a server that answers GET and HEAD without a
 * body: the request line, the header fields, the limits, and the answer each way a request can
 * be wrong. Pure: no I/O, no allocation, no system call; the host tests and the fuzzer run the
 * same file the server does.
 *
 * Strict means: CRLF line ends only (a bare LF or CR is refused, not guessed at), a method that
 * is a token, an origin-form target ("/path?query") of visible ASCII, "HTTP/1.1" or "HTTP/1.0",
 * header names that are tokens with the colon right after them (whitespace there is how request
 * smuggling starts), no obsolete line folding, no control characters in values, exactly one Host
 * in HTTP/1.1, and no body: Content-Length other than 0 or any Transfer-Encoding is refused
 * (413), since nothing this server serves takes one and a body it skipped wrongly would be
 * read as the next request.
 */
#ifndef HTTPD_HTTP_REQUEST_H
#define HTTPD_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_HEAD_MAX 8192   /* the request line and every header field, with their CRLFs */
#define HTTP_METHOD_MAX 16   /* bytes of a method */
#define HTTP_TARGET_MAX 1024 /* bytes of a request target */
#define HTTP_FIELDS_MAX 48   /* header fields */

/* Every way a request is taken or refused; http_error_status() gives the answer's code. */
enum http_error {
    HTTP_OK = 0,
    HTTP_INCOMPLETE,         /* no empty line yet and under HTTP_HEAD_MAX: read more */
    HTTP_BARE_LINE_END,      /* 400: a LF without its CR, or a CR without its LF */
    HTTP_BAD_REQUEST_LINE,   /* 400: not "method SP target SP version" */
    HTTP_BAD_METHOD,         /* 400: the method is not a token (or longer than HTTP_METHOD_MAX) */
    HTTP_BAD_TARGET,         /* 400: not origin-form, or a byte that is not visible ASCII */
    HTTP_TARGET_TOO_LONG,    /* 414: longer than HTTP_TARGET_MAX */
    HTTP_BAD_VERSION,        /* 505: not HTTP/1.0 or HTTP/1.1 */
    HTTP_BAD_FIELD_NAME,     /* 400: a field name that is empty or not a token */
    HTTP_SPACE_BEFORE_COLON, /* 400: whitespace between a field name and its colon */
    HTTP_FOLDED_FIELD,       /* 400: a line starting with whitespace (obsolete folding) */
    HTTP_BAD_FIELD_VALUE,    /* 400: a control character (other than tab) in a value */
    HTTP_NO_HOST,            /* 400: HTTP/1.1 without a Host field */
    HTTP_SEVERAL_HOSTS,      /* 400: more than one Host field */
    HTTP_BAD_CONTENT_LENGTH, /* 400: not a decimal number, or two that differ */
    HTTP_BODY_REFUSED,       /* 413: Content-Length above 0 or a Transfer-Encoding */
    HTTP_HEAD_TOO_LARGE,     /* 431: no end of the head within HTTP_HEAD_MAX bytes */
    HTTP_TOO_MANY_FIELDS,    /* 431: more than HTTP_FIELDS_MAX header fields */
    HTTP_ERROR_COUNT
};

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER_METHOD };

struct http_field {
    const char *name; /* into the parsed buffer; not NUL-ended */
    size_t name_len;
    const char *value; /* without the whitespace around it */
    size_t value_len;
};

struct http_request {
    enum http_method method;
    char method_text[HTTP_METHOD_MAX + 1];
    char path[HTTP_TARGET_MAX + 1];  /* the target up to '?', NUL-ended */
    char query[HTTP_TARGET_MAX + 1]; /* after '?', without it; "" when none */
    int minor_version;               /* 0 or 1 */
    size_t head_len;                 /* bytes of the head, the empty line included */
    size_t field_count;
    struct http_field fields[HTTP_FIELDS_MAX];
};

/*
 * Parses the head at the start of buf[0..len). HTTP_OK: *req is the request, head_len its
 * bytes (anything after is not read: a pipelined request, which this server does not serve).
 * HTTP_INCOMPLETE: read more and call again with the longer buffer. Anything else: the
 * request is wrong in that way; answer with http_error_status() and close. *req is only
 * meaningful on HTTP_OK.
 */
enum http_error http_parse_request(const char *buf, size_t len, struct http_request *req);

/* The answer's status code for an error (200 for HTTP_OK, 0 for HTTP_INCOMPLETE). */
int http_error_status(enum http_error e);

/* The error's name as the enum spells it ("HTTP_NO_HOST"), for logs and tests. */
const char *http_error_name(enum http_error e);

/* The reason phrase of a status code this server sends ("Not Found"); "Error" otherwise. */
const char *http_status_reason(int status);

/* The value of the first field named `name` (case-insensitive), or NULL; its length in *len. */
const char *http_field_value(const struct http_request *req, const char *name, size_t *len);

/*
 * Writes a whole response head into out[cap]: status line, Content-Type (when not NULL),
 * Content-Length, Cache-Control: no-store, Connection: close, and the security headers every
 * answer of this server carries; returns its length, 0 when cap is too small.
 */
size_t http_format_head(char *out, size_t cap, int status, const char *content_type,
                        size_t content_length);

/* A complete answer to a refused request (head and a one-line text body naming the error);
 * returns its length, 0 when cap is too small. */
size_t http_format_error(char *out, size_t cap, int status, const char *detail);

#endif
