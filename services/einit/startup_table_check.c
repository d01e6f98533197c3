/*
 * Run-time check of a start-up table; see startup_table_check.h. Freestanding: string helpers
 * are local and bounded, because a corrupted table may hold unterminated strings.
 */
#include "startup_table_check.h"

#define NO_INDEX UINT32_MAX

/* Length of s if it ends within max bytes, else max + 1. Reads at most max + 1 bytes. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] != '\0')
        n++;
    return n;
}

/* Both strings are known to be terminated (checked by bounded_len first). */
static int same(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static Retcode fail(struct einit_check_failure *why, Retcode rc, uint32_t entry, uint32_t listener,
                    const char *reason)
{
    if (why != NULL) {
        why->entry = entry;
        why->listener = listener;
        why->reason = reason;
    }
    return rc;
}

static Retcode check_string(const char *s, size_t max)
{
    if (s == NULL)
        return rcBadFormat;
    if (bounded_len(s, max) > max)
        return rcOutOfRange;
    return rcOk;
}

static int is_identifier(const char *s)
{
    for (const char *p = s; *p; p++) {
        char ch = *p;
        int alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
        if (!alpha && (p == s || ch < '0' || ch > '9'))
            return 0;
    }
    return *s != '\0';
}

static int same_device(const struct einit_device *a, const struct einit_device *b)
{
    return a->match == b->match &&
           (a->match == EINIT_DEVICE_BY_ID ? a->vendor == b->vendor && a->device == b->device
                                           : a->bdf == b->bdf);
}

/* Devices of entry i: names, how each is matched, and no device given twice in the table. */
static Retcode check_devices(const struct einit_startup_table *t, uint32_t i,
                             struct einit_check_failure *why)
{
    const struct einit_entry *e = &t->entries[i];
    if (e->ndevices > EINIT_MAX_DEVICES)
        return fail(why, rcOutOfRange, i, NO_INDEX, "too many devices");
    if ((e->ndevices == 0) != (e->devices == NULL))
        return fail(why, rcBadFormat, i, NO_INDEX, "a count does not match its array");
    for (uint32_t k = 0; k < e->ndevices; k++) {
        const struct einit_device *d = &e->devices[k];
        Retcode rc = check_string(d->name, EINIT_MAX_DEVICE_NAME);
        if (rc != rcOk || !is_identifier(d->name))
            return fail(why, rc != rcOk ? rc : rcBadFormat, i, NO_INDEX, "bad device name");
        if (d->match != EINIT_DEVICE_BY_ID && d->match != EINIT_DEVICE_BY_BDF)
            return fail(why, rcBadFormat, i, NO_INDEX, "bad device match");
        for (uint32_t m = 0; m < k; m++)
            if (same(e->devices[m].name, d->name))
                return fail(why, rcAlreadyExists, i, NO_INDEX, "device name used twice");
        for (uint32_t j = 0; j <= i; j++)
            for (uint32_t m = 0; m < (j == i ? k : t->entries[j].ndevices); m++)
                if (same_device(&t->entries[j].devices[m], d))
                    return fail(why, rcAlreadyExists, i, NO_INDEX, "device given twice");
    }
    return rcOk;
}

static Retcode check_entry(const struct einit_startup_table *t, uint32_t i,
                           struct einit_check_failure *why)
{
    const struct einit_entry *e = &t->entries[i];
    Retcode rc;

    if ((rc = check_string(e->class_name, EINIT_MAX_NAME)) != rcOk)
        return fail(why, rc, i, NO_INDEX, "class name missing or too long");
    if ((rc = check_string(e->task_name, EINIT_MAX_NAME)) != rcOk)
        return fail(why, rc, i, NO_INDEX, "task name missing or too long");
    if ((rc = check_string(e->path, EINIT_MAX_PATH)) != rcOk)
        return fail(why, rc, i, NO_INDEX, "path missing or too long");
    for (uint32_t j = 0; j < i; j++)
        if (same(t->entries[j].task_name, e->task_name))
            return fail(why, rcAlreadyExists, i, NO_INDEX, "task name used twice");

    if (e->nargs > EINIT_MAX_ARGS || e->nenv > EINIT_MAX_ENV ||
        e->nconnections > EINIT_MAX_CONNECTIONS)
        return fail(why, rcOutOfRange, i, NO_INDEX, "too many args, env variables or connections");
    if ((e->nargs == 0) != (e->args == NULL) || (e->nenv == 0) != (e->env == NULL) ||
        (e->nconnections == 0) != (e->connections == NULL))
        return fail(why, rcBadFormat, i, NO_INDEX, "a count does not match its array");
    for (uint32_t k = 0; k < e->nargs; k++)
        if ((rc = check_string(e->args[k], EINIT_MAX_PATH)) != rcOk)
            return fail(why, rc, i, NO_INDEX, "argument missing or too long");
    for (uint32_t k = 0; k < e->nenv; k++) {
        if ((rc = check_string(e->env[k].name, EINIT_MAX_NAME)) != rcOk ||
            e->env[k].name[0] == '\0')
            return fail(why, rc != rcOk ? rc : rcBadFormat, i, NO_INDEX, "bad env variable name");
        if ((rc = check_string(e->env[k].value, EINIT_MAX_PATH)) != rcOk)
            return fail(why, rc, i, NO_INDEX, "env value missing or too long");
    }
    if (e->limits.kernel_memory == 0 || e->limits.ram == 0)
        return fail(why, rcOutOfRange, i, NO_INDEX, "a limit is zero");
    if (e->flags & ~EINIT_ENTRY_FLAGS)
        return fail(why, rcBadFormat, i, NO_INDEX, "unknown entry flag");
    for (uint32_t m = 0; m < i && (e->flags & EINIT_ENTRY_TEE_PARTITION); m++)
        if (t->entries[m].flags & EINIT_ENTRY_TEE_PARTITION)
            return fail(why, rcAlreadyExists, i, NO_INDEX, "a second TEE partition");

    for (uint32_t k = 0; k < e->nconnections; k++) {
        const struct einit_connection *c = &e->connections[k];
        if ((rc = check_string(c->id, EINIT_MAX_NAME)) != rcOk)
            return fail(why, rc, i, NO_INDEX, "connection id missing or too long");
        if (c->server >= t->nentries || c->listener >= t->nlisteners)
            return fail(why, rcOutOfRange, i, NO_INDEX, "connection points outside the table");
        const struct einit_listener *l = &t->listeners[c->listener];
        if (l->server != c->server || l->id == NULL || !same(l->id, c->id))
            return fail(why, rcBadFormat, i, c->listener, "connection and listener disagree");
        for (uint32_t m = 0; m < k; m++)
            if (same(e->connections[m].id, c->id))
                return fail(why, rcAlreadyExists, i, NO_INDEX, "connection id used twice");
    }
    return check_devices(t, i, why);
}

Retcode einit_table_check(const struct einit_startup_table *t, struct einit_check_failure *why)
{
    Retcode rc;

    if (t == NULL)
        return fail(why, rcInvalidArgument, NO_INDEX, NO_INDEX, "no table");
    if (t->magic != EINIT_TABLE_MAGIC || t->version != EINIT_TABLE_VERSION)
        return fail(why, rcBadFormat, NO_INDEX, NO_INDEX, "wrong magic or version");
    if (t->nentries == 0 || t->nentries > EINIT_MAX_ENTRIES)
        return fail(why, rcOutOfRange, NO_INDEX, NO_INDEX, "entry count out of range");
    if (t->nlisteners > EINIT_MAX_ENTRIES * EINIT_MAX_CONNECTIONS)
        return fail(why, rcOutOfRange, NO_INDEX, NO_INDEX, "listener count out of range");
    if (t->entries == NULL || (t->nlisteners == 0) != (t->listeners == NULL))
        return fail(why, rcBadFormat, NO_INDEX, NO_INDEX, "a count does not match its array");

    /* Listeners first: check_entry compares connection ids with listener ids. */
    for (uint32_t l = 0; l < t->nlisteners; l++) {
        const struct einit_listener *L = &t->listeners[l];
        if ((rc = check_string(L->id, EINIT_MAX_NAME)) != rcOk)
            return fail(why, rc, NO_INDEX, l, "listener id missing or too long");
        if (L->server >= t->nentries)
            return fail(why, rcOutOfRange, NO_INDEX, l, "listener points outside the table");
        for (uint32_t m = 0; m < l; m++)
            if (t->listeners[m].server == L->server && same(t->listeners[m].id, L->id))
                return fail(why, rcAlreadyExists, NO_INDEX, l, "two listeners for one channel");
    }
    for (uint32_t i = 0; i < t->nentries; i++)
        if ((rc = check_entry(t, i, why)) != rcOk)
            return rc;
    return rcOk;
}
