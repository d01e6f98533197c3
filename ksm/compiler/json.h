/* A small JSON reader for the interface compiler's type description (objects, arrays, strings,
 * integers, true/false/null). Numbers are integers: the typedesc has no fractions. */
#ifndef PSL_JSON_H
#define PSL_JSON_H

#include <stdbool.h>
#include <stdint.h>

enum json_kind { J_NULL, J_BOOL, J_INT, J_STRING, J_ARRAY, J_OBJECT };

struct json {
    enum json_kind kind;
    bool b;
    int64_t i;
    char *s;
    int n;              /* array / object entries */
    struct json **items;
    char **keys;        /* object keys */
};

/* Parses text; on error returns NULL and sets *err to a message with the byte offset. */
struct json *json_parse(const char *text, char **err);
const struct json *json_get(const struct json *obj, const char *key); /* NULL if absent */
const char *json_str(const struct json *obj, const char *key);        /* NULL if absent */
int64_t json_int(const struct json *obj, const char *key, int64_t dflt);
bool json_bool(const struct json *obj, const char *key);

#endif
