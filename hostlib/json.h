/*
 * A small JSON reader (RFC 8259) for the host tools that read idlc's type description (pslc,
 * the completeness check and the endpoint reference).
 *
 * The whole document becomes a tree of `struct json` nodes allocated from the caller's arena;
 * freeing the arena (or everything since a mark taken before json_parse) releases it. Integers
 * keep their value (out of int64_t range is an error); other numbers are accepted with
 * is_integer = 0 and no value (the type description has none). Strings are NUL-terminated UTF-8
 * (\uXXXX escapes, including surrogate pairs, are decoded); a string containing NUL is rejected.
 * Nesting deeper than 64 is an error, so a hostile document cannot exhaust the stack.
 */
#ifndef HOSTLIB_JSON_H
#define HOSTLIB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostlib/arena.h"

enum json_kind { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
    enum json_kind kind;
    char *key;       /* member name when the parent is an object, else NULL */
    int boolean;     /* JSON_BOOL */
    int64_t integer; /* JSON_NUMBER that is an integer */
    int is_integer;
    char *string;        /* JSON_STRING */
    struct json **items; /* JSON_ARRAY elements or JSON_OBJECT members, in document order */
    size_t count;
};

/* Parses text[0..len) into nodes from a. On failure returns NULL and writes "line:column:
 * message" into err; what the failed parse allocated stays in a until it is freed. */
struct json *json_parse(struct host_arena *a, const char *text, size_t len, char *err,
                        size_t errlen);

/* Member `key` of an object, or NULL (also when node is NULL or not an object). */
const struct json *json_get(const struct json *node, const char *key);
/* The string of member `key`, or NULL when absent or not a string. */
const char *json_get_string(const struct json *node, const char *key);
/* The integer of member `key`, or dflt when absent or not an integer. */
int64_t json_get_int(const struct json *node, const char *key, int64_t dflt);
/* Whether member `key` is the boolean true. */
bool json_get_bool(const struct json *node, const char *key);
/* Element count of an array (0 for NULL or a non-array). */
size_t json_len(const struct json *node);
/* Element i of an array, or NULL. */
const struct json *json_at(const struct json *node, size_t i);

/* The first element of array `arr` whose string member `key` equals `value`, or NULL. */
const struct json *json_find(const struct json *arr, const char *key, const char *value);

/* Removes element i of an array or object in place (tests doctor documents); its memory is
 * the arena's until the arena is freed. */
void json_remove(struct json *node, size_t i);

#endif
