/*
 * A small JSON reader (RFC 8259) for host tools that read idlc's type description.
 *
 * The whole document becomes a tree of `struct json` nodes owned by the root; json_free(root)
 * releases everything. Integers keep their value (out of int64_t range is an error); other
 * numbers are accepted with is_integer = 0 and no value (the type description has none). Strings are NUL-terminated UTF-8 (\uXXXX escapes, including
 * surrogate pairs, are decoded); a string containing NUL is rejected.
 */
#ifndef IDL_COMPLETENESS_JSON_H
#define IDL_COMPLETENESS_JSON_H

#include <stddef.h>
#include <stdint.h>

enum json_kind { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
    enum json_kind kind;
    char *key;             /* member name when the parent is an object, else NULL */
    int boolean;           /* JSON_BOOL */
    int64_t integer;       /* JSON_NUMBER that is an integer */
    int is_integer;
    char *string;          /* JSON_STRING */
    struct json **items;   /* JSON_ARRAY elements or JSON_OBJECT members, in document order */
    size_t count;
};

/* Parses text[0..len). On failure returns NULL and writes "line:column: message" into err. */
struct json *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(struct json *node);

/* Member `key` of an object, or NULL (also when node is NULL or not an object). */
const struct json *json_get(const struct json *node, const char *key);
/* The string of member `key`, or NULL when absent or not a string. */
const char *json_get_string(const struct json *node, const char *key);
/* Element count of an array (0 for NULL or a non-array). */
size_t json_len(const struct json *node);
/* Element i of an array, or NULL. */
const struct json *json_at(const struct json *node, size_t i);

/* The first element of array `arr` whose string member `key` equals `value`, or NULL. */
const struct json *json_find(const struct json *arr, const char *key, const char *value);

/* Removes element i of an array or object in place and frees it (tests doctor documents). */
void json_remove(struct json *node, size_t i);

#endif
