/* Kernel command-line parameters. See params.h for the grammar. */
#include "boot/params.h"

static struct kparams g_params;

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int str_eq(const char *a, const char *b)
{
    while (*a != 0 && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

Retcode kparams_parse(struct kparams *p, const char *cmdline)
{
    if (p == NULL)
        return rcInvalidArgument;
    p->count = 0;
    p->text[0] = 0;
    if (cmdline == NULL)
        return rcOk;

    size_t w = 0; /* write position in p->text; invariant: w < KPARAMS_TEXT_MAX on each put */
    const char *s = cmdline;
    for (;;) {
        while (is_space(*s))
            s++;
        if (*s == 0)
            return rcOk;
        if (p->count == KPARAMS_MAX)
            return rcBufferTooSmall;
        if (*s == '=')
            return rcBadFormat;

        size_t key_at = w;
        size_t value_at = 0;
        int have_value = 0;
        while (*s != 0 && !is_space(*s) && !(*s == '=' && !have_value)) {
            if (w + 1 >= KPARAMS_TEXT_MAX)
                return rcBufferTooSmall;
            p->text[w++] = *s++;
        }
        if (w + 1 >= KPARAMS_TEXT_MAX)
            return rcBufferTooSmall;
        p->text[w++] = 0;
        if (*s == '=') {
            s++;
            have_value = 1;
            value_at = w;
            int quoted = (*s == '"');
            if (quoted)
                s++;
            while (*s != 0 && (quoted ? *s != '"' : !is_space(*s))) {
                if (w + 1 >= KPARAMS_TEXT_MAX)
                    return rcBufferTooSmall;
                p->text[w++] = *s++;
            }
            if (quoted) {
                if (*s != '"')
                    return rcBadFormat;
                s++;
            }
            if (w + 1 >= KPARAMS_TEXT_MAX)
                return rcBufferTooSmall;
            p->text[w++] = 0;
        }
        p->key[p->count] = &p->text[key_at];
        /* A flag's value is the empty string at the end of its own key. */
        p->value[p->count] = have_value ? &p->text[value_at] : &p->text[w - 1];
        p->count++;
    }
}

const char *kparams_lookup(const struct kparams *p, const char *key)
{
    if (p == NULL || key == NULL)
        return NULL;
    for (size_t i = p->count; i-- > 0;) /* last occurrence wins */
        if (str_eq(p->key[i], key))
            return p->value[i];
    return NULL;
}

Retcode kparam_init(const char *cmdline)
{
    Retcode rc = kparams_parse(&g_params, cmdline);
    if (rc != rcOk)
        g_params.count = 0; /* never expose a half-parsed set */
    return rc;
}

const char *kparam_get(const char *key)
{
    return kparams_lookup(&g_params, key);
}

size_t kparam_count(void)
{
    return g_params.count;
}

Retcode kparam_at(size_t i, const char **key, const char **value)
{
    if (i >= g_params.count)
        return rcOutOfRange;
    if (key != NULL)
        *key = g_params.key[i];
    if (value != NULL)
        *value = g_params.value[i];
    return rcOk;
}
