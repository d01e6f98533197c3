/*
 * init.yaml node tree -> validated struct initcfg.
 *
 * The accepted format is KasperskyOS's init description (a mapping with the key `entities`, a
 * list of entity mappings with name, task, path, connections, args, env) plus Bastion's `limits`
 * (top level: defaults for every entity; per entity: its own quotas) and `devices` (the PCI
 * functions Einit hands to a driver). docs/init-yaml.md is the
 * reference; keep the two in step.
 *
 * Every rule that fails adds one diagnostic and parsing goes on, so that one run shows every
 * mistake; the model is handed out only when there is none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bastion/pci_bdf.h>

#include "initcfg.h"
#include "initcfg_classes.h"
#include "initcfg_yaml.h"
#include "startup_table.h"

struct ctx {
    struct initcfg_diags *diags;
    bool out_of_range; /* some error was a count or length limit: report rcOutOfRange */
};

#define ERR(c, pos, ...) initcfg_diag_add((c)->diags, (pos), __VA_ARGS__)

static const char *kind_name(const struct ynode *n)
{
    switch (n->kind) {
    case YNODE_SEQ:
        return "a list";
    case YNODE_MAP:
        return "a mapping";
    default:
        return ynode_is_null(n) ? "empty" : "a string";
    }
}

/* ---- mappings --------------------------------------------------------------------------- */

static const struct ynode *map_get(const struct ynode *map, const char *key)
{
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (map->items[i]->kind == YNODE_SCALAR && strcmp(map->items[i]->value, key) == 0)
            return map->items[i + 1];
    return NULL;
}

/*
 * Reports keys that are not scalars, not in `allowed` (NULL-terminated), or repeated (libyaml
 * accepts repeated keys; a description where the second `path:` silently wins would be a trap).
 * `where` names the mapping in messages ("an entity", "a connection").
 */
static void check_keys(struct ctx *c, const struct ynode *map, const char *const *allowed,
                       const char *where, const char *expected)
{
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const struct ynode *k = map->items[i];
        if (k->kind != YNODE_SCALAR) {
            ERR(c, k->pos, "a key in %s must be a plain name, not %s", where, kind_name(k));
            continue;
        }
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(k->value, *a) == 0)
                known = true;
        if (!known) {
            ERR(c, k->pos, "unknown key '%s' in %s (expected %s)", k->value, where, expected);
            continue;
        }
        for (size_t j = 0; j < i; j += 2) {
            const struct ynode *prev = map->items[j];
            if (prev->kind == YNODE_SCALAR && strcmp(prev->value, k->value) == 0) {
                ERR(c, k->pos, "duplicate key '%s' in %s (first at line %u)", k->value, where,
                    prev->pos.line);
                break;
            }
        }
    }
}

/* A non-empty string value. Returns NULL (after reporting) when it is not one. */
static const char *get_string(struct ctx *c, const struct ynode *v, const char *key)
{
    if (v->kind != YNODE_SCALAR) {
        ERR(c, v->pos, "'%s' must be a string, not %s", key, kind_name(v));
        return NULL;
    }
    if (ynode_is_null(v) || v->len == 0) {
        ERR(c, v->pos, "'%s' needs a value", key);
        return NULL;
    }
    if (strlen(v->value) != v->len) {
        ERR(c, v->pos, "'%s' contains a NUL character", key);
        return NULL;
    }
    return v->value;
}

/* ---- names ------------------------------------------------------------------------------ */

static bool is_alpha_(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_c_identifier(const char *s)
{
    if (!is_alpha_(*s))
        return false;
    for (s++; *s; s++)
        if (!is_alpha_(*s) && !is_digit(*s))
            return false;
    return true;
}

/* EDL names: identifiers joined by single dots ("echo.Server", "kl.VfsNet"). */
static bool is_class_name(const char *s)
{
    for (;;) {
        if (!is_alpha_(*s))
            return false;
        for (s++; is_alpha_(*s) || is_digit(*s); s++)
            ;
        if (*s == '\0')
            return true;
        if (*s != '.')
            return false;
        s++;
    }
}

/* Task names and channel ids: letters, digits, '_', '.', '-'. No blanks or punctuation that
 * would need quoting in a log line or a policy file. */
static bool is_simple_name(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!is_alpha_(*s) && !is_digit(*s) && *s != '.' && *s != '-')
            return false;
    return true;
}

static bool is_printable_path(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

static bool check_length(struct ctx *c, const struct ynode *v, const char *key, const char *s,
                         size_t max)
{
    if (strlen(s) > max) {
        ERR(c, v->pos, "'%s' is %zu bytes long; at most %zu are allowed", key, strlen(s), max);
        c->out_of_range = true;
        return false;
    }
    return true;
}

/* ---- limits ----------------------------------------------------------------------------- */

static const char *const limit_keys[] = {"kernel_memory", "ram", NULL};

/* Reads a `limits:` mapping; each size found is stored and flagged. Null means "none set". */
static void parse_limits(struct ctx *c, const struct ynode *v, uint64_t *kmem, bool *kmem_set,
                         uint64_t *ram, bool *ram_set)
{
    if (ynode_is_null(v))
        return;
    if (v->kind != YNODE_MAP) {
        ERR(c, v->pos, "'limits' must be a mapping with kernel_memory and/or ram, not %s",
            kind_name(v));
        return;
    }
    check_keys(c, v, limit_keys, "'limits'", "kernel_memory or ram");
    for (size_t i = 0; limit_keys[i]; i++) {
        const struct ynode *s = map_get(v, limit_keys[i]);
        if (s == NULL)
            continue;
        const char *text = get_string(c, s, limit_keys[i]);
        if (text == NULL)
            continue;
        uint64_t value;
        const char *why;
        Retcode rc = initcfg_size_parse(text, &value, &why);
        if (rc != rcOk) {
            ERR(c, s->pos, "bad size '%s' for '%s': %s", text, limit_keys[i], why);
            continue;
        }
        if (i == 0) {
            *kmem = value;
            *kmem_set = true;
        } else {
            *ram = value;
            *ram_set = true;
        }
    }
}

/* ---- one entity --------------------------------------------------------------------------- */

static const char *const entity_keys[] = {"name", "task",   "path",    "connections", "args",
                                          "env",  "limits", "devices", "tee",         NULL};
static const char *const conn_keys[] = {"target", "id", NULL};
static const char *const var_keys[] = {"var", "include", NULL};

static void parse_conn_id(struct ctx *c, const struct ynode *v, struct initcfg_conn *conn)
{
    if (v->kind == YNODE_MAP) {
        /* KasperskyOS's `id: { var: MACRO, include: header.h }`. */
        check_keys(c, v, var_keys, "a connection 'id'", "var and include");
        const struct ynode *var = map_get(v, "var");
        const struct ynode *inc = map_get(v, "include");
        if (var == NULL || inc == NULL) {
            ERR(c, v->pos,
                "a connection 'id' given as a mapping needs both 'var' (a C macro) "
                "and 'include' (the header defining it)");
            return;
        }
        const char *vs = get_string(c, var, "var");
        const char *is = get_string(c, inc, "include");
        if (vs != NULL && !is_c_identifier(vs))
            ERR(c, var->pos, "'var' must be a C macro name, not '%s'", vs);
        else if (is != NULL &&
                 (!is_printable_path(is) || strchr(is, '"') || strchr(is, '>') || strchr(is, '<')))
            ERR(c, inc->pos, "'include' must be a header path without blanks, quotes or <>");
        else if (vs != NULL && is != NULL && check_length(c, var, "var", vs, EINIT_MAX_NAME) &&
                 check_length(c, inc, "include", is, EINIT_MAX_PATH)) {
            conn->kind = INITCFG_ID_VAR;
            conn->id = initcfg_xstrdup(vs);
            conn->include = initcfg_xstrdup(is);
        }
        return;
    }
    const char *s = get_string(c, v, "id");
    if (s == NULL)
        return;
    if (!is_simple_name(s)) {
        ERR(c, v->pos, "bad connection id '%s': use letters, digits, '_', '.' and '-'", s);
        return;
    }
    if (check_length(c, v, "id", s, EINIT_MAX_NAME)) {
        conn->kind = INITCFG_ID_STRING;
        conn->id = initcfg_xstrdup(s);
    }
}

static void parse_connections(struct ctx *c, const struct ynode *v, struct initcfg_entity *e)
{
    if (ynode_is_null(v))
        return; /* "leave the list blank" is how KasperskyOS's examples write no connections */
    if (v->kind != YNODE_SEQ) {
        ERR(c, v->pos, "'connections' must be a list of {target, id}, not %s", kind_name(v));
        return;
    }
    if (v->n > EINIT_MAX_CONNECTIONS) {
        ERR(c, v->items[EINIT_MAX_CONNECTIONS]->pos, "too many connections (at most %u per entity)",
            EINIT_MAX_CONNECTIONS);
        c->out_of_range = true;
        return;
    }
    e->conns = initcfg_xcalloc(v->n, sizeof(*e->conns));
    for (size_t i = 0; i < v->n; i++) {
        const struct ynode *m = v->items[i];
        struct initcfg_conn *conn = &e->conns[e->nconns++];
        conn->pos = m->pos;
        if (m->kind != YNODE_MAP) {
            ERR(c, m->pos, "a connection must be a mapping with 'target' and 'id', not %s",
                kind_name(m));
            continue;
        }
        check_keys(c, m, conn_keys, "a connection", "target and id");
        const struct ynode *t = map_get(m, "target");
        const struct ynode *id = map_get(m, "id");
        if (t == NULL)
            ERR(c, m->pos, "connection has no 'target' (the task name of the server)");
        if (id == NULL)
            ERR(c, m->pos, "connection has no 'id' (the channel name)");
        if (t != NULL) {
            const char *s = get_string(c, t, "target");
            if (s != NULL) {
                conn->target = initcfg_xstrdup(s);
                conn->target_pos = t->pos;
            }
        }
        if (id != NULL)
            parse_conn_id(c, id, conn);
        /* Ids are unique within one client: it looks its handles up by id. */
        if (conn->id != NULL)
            for (size_t j = 0; j < i; j++) {
                const struct initcfg_conn *prev = &e->conns[j];
                if (prev->id != NULL && prev->kind == conn->kind &&
                    strcmp(prev->id, conn->id) == 0) {
                    ERR(c, id->pos,
                        "duplicate connection id '%s' in entity '%s' (first at line %u)", conn->id,
                        e->task_name ? e->task_name : "?", prev->pos.line);
                    break;
                }
            }
    }
}

static void parse_args(struct ctx *c, const struct ynode *v, struct initcfg_entity *e)
{
    if (ynode_is_null(v))
        return;
    if (v->kind != YNODE_SEQ) {
        ERR(c, v->pos, "'args' must be a list of strings, not %s", kind_name(v));
        return;
    }
    if (v->n > EINIT_MAX_ARGS) {
        ERR(c, v->items[EINIT_MAX_ARGS]->pos, "too many args (at most %u)", EINIT_MAX_ARGS);
        c->out_of_range = true;
        return;
    }
    e->args = initcfg_xcalloc(v->n, sizeof(*e->args));
    for (size_t i = 0; i < v->n; i++) {
        const struct ynode *a = v->items[i];
        if (a->kind != YNODE_SCALAR) {
            ERR(c, a->pos, "each of 'args' must be a string, not %s", kind_name(a));
            continue;
        }
        if (strlen(a->value) != a->len) {
            ERR(c, a->pos, "an argument contains a NUL character");
            continue;
        }
        /* YAML's null ("- ", "- ~") is an empty argument, not an error: argv may hold "". As
         * for env values, quoting ('~') gives the literal text. */
        const char *text = ynode_is_null(a) ? "" : a->value;
        if (check_length(c, a, "args", text, EINIT_MAX_PATH))
            e->args[e->nargs++] = initcfg_xstrdup(text);
    }
}

static void parse_env(struct ctx *c, const struct ynode *v, struct initcfg_entity *e)
{
    if (ynode_is_null(v))
        return;
    if (v->kind != YNODE_MAP) {
        ERR(c, v->pos, "'env' must be a mapping of NAME: value, not %s", kind_name(v));
        return;
    }
    if (v->n / 2 > EINIT_MAX_ENV) {
        ERR(c, v->items[2 * EINIT_MAX_ENV]->pos, "too many env variables (at most %u)",
            EINIT_MAX_ENV);
        c->out_of_range = true;
        return;
    }
    e->env = initcfg_xcalloc(v->n / 2, sizeof(*e->env));
    for (size_t i = 0; i + 1 < v->n; i += 2) {
        const struct ynode *k = v->items[i], *val = v->items[i + 1];
        if (k->kind != YNODE_SCALAR || !is_c_identifier(k->value)) {
            ERR(c, k->pos,
                "bad env variable name '%s': use letters, digits and '_', not starting "
                "with a digit",
                k->kind == YNODE_SCALAR ? k->value : "?");
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < e->nenv; j++)
            if (strcmp(e->env[j].name, k->value) == 0) {
                ERR(c, k->pos, "duplicate env variable '%s' (first at line %u)", k->value,
                    e->env[j].pos.line);
                dup = true;
            }
        if (dup || !check_length(c, k, "env", k->value, EINIT_MAX_NAME))
            continue;
        if (val->kind != YNODE_SCALAR) {
            ERR(c, val->pos, "the value of env variable '%s' must be a string, not %s", k->value,
                kind_name(val));
            continue;
        }
        if (strlen(val->value) != val->len) {
            ERR(c, val->pos, "the value of env variable '%s' contains a NUL character", k->value);
            continue;
        }
        /* Null ("NAME:", "NAME: ~") is an empty value: the variable is defined but empty. */
        const char *text = ynode_is_null(val) ? "" : val->value;
        if (!check_length(c, val, k->value, text, EINIT_MAX_PATH))
            continue;
        struct initcfg_env *ev = &e->env[e->nenv++];
        ev->name = initcfg_xstrdup(k->value);
        ev->value = initcfg_xstrdup(text);
        ev->pos = k->pos;
    }
}

/* ---- devices ---------------------------------------------------------------------------- */

static const char *const device_keys[] = {"name", "pci", "bdf", NULL};

/* "vvvv:dddd", four hexadecimal digits each; vendor ffff is what an absent function reads. */
static bool parse_pci_id(const char *s, uint16_t *vendor, uint16_t *device)
{
    unsigned v, d;
    if (strlen(s) != 9 || s[4] != ':' || !bastion_hex_field(s, 4, &v) ||
        !bastion_hex_field(s + 5, 4, &d) || v == 0xFFFF)
        return false;
    *vendor = (uint16_t)v;
    *device = (uint16_t)d;
    return true;
}

static void parse_device(struct ctx *c, const struct ynode *m, struct initcfg_device *d)
{
    d->pos = m->pos;
    if (m->kind != YNODE_MAP) {
        ERR(c, m->pos, "a device must be a mapping with 'name' and 'pci' or 'bdf', not %s",
            kind_name(m));
        return;
    }
    check_keys(c, m, device_keys, "a device", "name, pci or bdf");
    const struct ynode *name = map_get(m, "name");
    const struct ynode *pci = map_get(m, "pci");
    const struct ynode *bdf = map_get(m, "bdf");
    if (name == NULL) {
        ERR(c, m->pos, "device has no 'name' (the driver finds its handles by it)");
    } else {
        const char *s = get_string(c, name, "name");
        if (s != NULL && !is_c_identifier(s))
            ERR(c, name->pos,
                "bad device name '%s': use letters, digits and '_', not starting with a digit", s);
        else if (s != NULL && check_length(c, name, "name", s, EINIT_MAX_DEVICE_NAME))
            d->name = initcfg_xstrdup(s);
    }
    if ((pci == NULL) == (bdf == NULL)) {
        ERR(c, m->pos,
            pci ? "device has both 'pci' and 'bdf': name it one way"
                : "device has neither 'pci: \"vvvv:dddd\"' nor 'bdf: \"bb:dd.f\"'");
        return;
    }
    if (pci != NULL) {
        const char *s = get_string(c, pci, "pci");
        if (s != NULL && !parse_pci_id(s, &d->vendor, &d->device))
            ERR(c, pci->pos,
                "bad PCI id '%s': expected vendor:device as four hexadecimal digits each, "
                "like \"1234:11e8\" (vendor ffff is no device)",
                s);
        d->match = INITCFG_DEVICE_BY_ID;
    } else {
        const char *s = get_string(c, bdf, "bdf");
        if (s != NULL && !bastion_pci_bdf_parse(s, &d->bdf))
            ERR(c, bdf->pos,
                "bad PCI address '%s': expected bus:device.function like \"00:03.0\" (hexadecimal "
                "bus and device, device at most 1f, function 0 to 7)",
                s);
        d->match = INITCFG_DEVICE_BY_BDF;
    }
}

static void parse_devices(struct ctx *c, const struct ynode *v, struct initcfg_entity *e)
{
    if (ynode_is_null(v))
        return;
    if (v->kind != YNODE_SEQ) {
        ERR(c, v->pos, "'devices' must be a list of {name, pci or bdf}, not %s", kind_name(v));
        return;
    }
    if (v->n > EINIT_MAX_DEVICES) {
        ERR(c, v->items[EINIT_MAX_DEVICES]->pos, "too many devices (at most %u per entity)",
            EINIT_MAX_DEVICES);
        c->out_of_range = true;
        return;
    }
    e->devices = initcfg_xcalloc(v->n, sizeof(*e->devices));
    for (size_t i = 0; i < v->n; i++) {
        struct initcfg_device *d = &e->devices[e->ndevices++];
        parse_device(c, v->items[i], d);
        for (size_t j = 0; d->name && j < i; j++)
            if (e->devices[j].name && strcmp(e->devices[j].name, d->name) == 0) {
                ERR(c, d->pos, "duplicate device name '%s' (first at line %u)", d->name,
                    e->devices[j].pos.line);
                break;
            }
    }
}

/* The names a device gives the process: handles "<name>.bar0".."bar5", "<name>.irq" and the
 * variable "<name>_bdf". None may be a connection id or an env variable of the entity, or the
 * driver would find the wrong thing under it. */
static void check_device_names(struct ctx *c, const struct initcfg_entity *e)
{
    static const char *const suffix[] = {".bar0", ".bar1", ".bar2", ".bar3",
                                         ".bar4", ".bar5", ".irq"};
    char name[EINIT_MAX_NAME + 1];
    for (size_t i = 0; i < e->ndevices; i++) {
        const struct initcfg_device *d = &e->devices[i];
        if (d->name == NULL)
            continue;
        for (size_t k = 0; k < sizeof suffix / sizeof suffix[0]; k++) {
            snprintf(name, sizeof name, "%s%s", d->name, suffix[k]);
            for (size_t j = 0; j < e->nconns; j++)
                if (e->conns[j].id && strcmp(e->conns[j].id, name) == 0)
                    ERR(c, e->conns[j].pos,
                        "connection id '%s' is the name of a handle of device '%s' (line %u)", name,
                        d->name, d->pos.line);
        }
        snprintf(name, sizeof name, "%s_bdf", d->name);
        for (size_t j = 0; j < e->nenv; j++)
            if (strcmp(e->env[j].name, name) == 0)
                ERR(c, e->env[j].pos, "env variable '%s' is set by Einit for device '%s' (line %u)",
                    name, d->name, d->pos.line);
    }
}

/* A device goes to one process: two entities naming the same id or address would both try to
 * register it, and the second would fail at run time. */
static void check_devices_unique(struct ctx *c, const struct initcfg *cfg)
{
    for (size_t i = 0; i < cfg->nentities; i++)
        for (size_t k = 0; k < cfg->entities[i].ndevices; k++) {
            const struct initcfg_device *d = &cfg->entities[i].devices[k];
            bool reported = false;
            for (size_t j = 0; j <= i && !reported; j++)
                for (size_t l = 0; l < (j == i ? k : cfg->entities[j].ndevices); l++) {
                    const struct initcfg_device *p = &cfg->entities[j].devices[l];
                    bool same = d->match == p->match &&
                                (d->match == INITCFG_DEVICE_BY_ID
                                     ? d->vendor == p->vendor && d->device == p->device
                                     : d->bdf == p->bdf);
                    if (same) {
                        ERR(c, d->pos, "this device is already given to '%s' (line %u)",
                            cfg->entities[j].task_name ? cfg->entities[j].task_name : "?",
                            p->pos.line);
                        reported = true;
                        break;
                    }
                }
        }
}

static void parse_entity(struct ctx *c, const struct ynode *m, struct initcfg_entity *e,
                         const struct initcfg *cfg)
{
    e->pos = m->pos;
    e->kernel_memory = cfg->default_kernel_memory;
    e->ram = cfg->default_ram;
    if (m->kind != YNODE_MAP) {
        ERR(c, m->pos, "an entity must be a mapping starting with 'name:', not %s", kind_name(m));
        return;
    }
    check_keys(c, m, entity_keys, "an entity",
               "name, task, path, connections, args, env, limits or devices");

    const struct ynode *v = map_get(m, "name");
    if (v == NULL) {
        ERR(c, m->pos, "entity has no 'name' (its class: the EDL name)");
    } else {
        const char *s = get_string(c, v, "name");
        if (s != NULL && !is_class_name(s))
            ERR(c, v->pos,
                "bad class name '%s': expected identifiers joined by '.', "
                "like echo.Server",
                s);
        else if (s != NULL && initcfg_class_reserved(s))
            ERR(c, v->pos,
                "class name '%s' is reserved: the security policy would take this "
                "process for %s",
                s, strcmp(s, "Einit") == 0 ? "Einit itself" : "the kernel");
        else if (s != NULL && check_length(c, v, "name", s, EINIT_MAX_NAME)) {
            e->class_name = initcfg_xstrdup(s);
            e->per_client_server = initcfg_class_per_client(s);
            e->task_pos = v->pos;
            e->path_pos = v->pos;
        }
    }

    if ((v = map_get(m, "task")) != NULL) {
        const char *s = get_string(c, v, "task");
        if (s != NULL && !is_simple_name(s))
            ERR(c, v->pos, "bad task name '%s': use letters, digits, '_', '.' and '-'", s);
        else if (s != NULL && check_length(c, v, "task", s, EINIT_MAX_NAME)) {
            e->task_name = initcfg_xstrdup(s);
            e->task_given = true;
            e->task_pos = v->pos;
        }
    } else if (e->class_name != NULL) {
        e->task_name = initcfg_xstrdup(e->class_name);
    }

    if ((v = map_get(m, "path")) != NULL) {
        const char *s = get_string(c, v, "path");
        if (s != NULL && !is_printable_path(s))
            ERR(c, v->pos, "bad path '%s': a ROMFS file name has no blanks or control characters",
                s);
        else if (s != NULL && s[0] == '/')
            ERR(c, v->pos,
                "bad path '%s': ROMFS paths are relative to the image root; drop "
                "the leading '/'",
                s);
        else if (s != NULL && check_length(c, v, "path", s, EINIT_MAX_PATH)) {
            e->path = initcfg_xstrdup(s);
            e->path_given = true;
            e->path_pos = v->pos;
        }
    } else if (e->class_name != NULL) {
        /* KasperskyOS's rule: the executable is named after the class's short name. */
        const char *dot = strrchr(e->class_name, '.');
        e->path = initcfg_xstrdup(dot ? dot + 1 : e->class_name);
    }

    if ((v = map_get(m, "connections")) != NULL)
        parse_connections(c, v, e);
    if ((v = map_get(m, "args")) != NULL)
        parse_args(c, v, e);
    if ((v = map_get(m, "env")) != NULL)
        parse_env(c, v, e);
    if ((v = map_get(m, "limits")) != NULL)
        parse_limits(c, v, &e->kernel_memory, &e->kernel_memory_given, &e->ram, &e->ram_given);
    if ((v = map_get(m, "devices")) != NULL)
        parse_devices(c, v, e);
    check_device_names(c, e);
    if ((v = map_get(m, "tee")) != NULL) {
        /* Bastion extension: this entity is the TEE partition (docs/tee.md). */
        const char *s = get_string(c, v, "tee");
        if (s != NULL && strcmp(s, "true") == 0) {
            e->tee_partition = true;
            e->tee_pos = v->pos;
        } else if (s != NULL && strcmp(s, "false") != 0) {
            ERR(c, v->pos, "bad value '%s' for 'tee': expected true or false", s);
        }
    }
}

/* ---- whole description ------------------------------------------------------------------ */

static const char *const top_keys[] = {"entities", "limits", NULL};

/* Needs every task name: a connection may point forward, and cycles are allowed. */
static void resolve(struct ctx *c, struct initcfg *cfg)
{
    for (size_t i = 0; i < cfg->nentities; i++) {
        const struct initcfg_entity *e = &cfg->entities[i];
        if (e->task_name == NULL)
            continue;
        for (size_t j = 0; j < i; j++)
            if (cfg->entities[j].task_name != NULL &&
                strcmp(cfg->entities[j].task_name, e->task_name) == 0) {
                ERR(c, e->task_pos,
                    "duplicate process name '%s' (first at line %u): give one of "
                    "them a distinct 'task'",
                    e->task_name, cfg->entities[j].task_pos.line);
                break;
            }
    }
    check_devices_unique(c, cfg);
    /* One TEE partition at most: the kernel refuses a second while the first lives. */
    for (size_t i = 0, first = SIZE_MAX; i < cfg->nentities; i++) {
        if (!cfg->entities[i].tee_partition)
            continue;
        if (first == SIZE_MAX)
            first = i;
        else
            ERR(c, cfg->entities[i].tee_pos,
                "a second TEE partition (the first at line %u): at most one entity has 'tee: true'",
                cfg->entities[first].tee_pos.line);
    }
    for (size_t i = 0; i < cfg->nentities; i++) {
        struct initcfg_entity *e = &cfg->entities[i];
        for (size_t k = 0; k < e->nconns; k++) {
            struct initcfg_conn *conn = &e->conns[k];
            if (conn->target == NULL)
                continue;
            size_t j;
            for (j = 0; j < cfg->nentities; j++)
                if (cfg->entities[j].task_name != NULL &&
                    strcmp(cfg->entities[j].task_name, conn->target) == 0)
                    break;
            if (j == cfg->nentities)
                ERR(c, conn->target_pos,
                    "connection target '%s' is not the task name of any entity", conn->target);
            else
                conn->server = j;
        }
    }
}

/* One listener per (server, id): every client naming that id on that server shares it. */
static void build_listeners(struct initcfg *cfg)
{
    size_t total = 0;
    for (size_t i = 0; i < cfg->nentities; i++)
        total += cfg->entities[i].nconns;
    cfg->listeners = initcfg_xcalloc(total, sizeof(*cfg->listeners));
    for (size_t i = 0; i < cfg->nentities; i++) {
        struct initcfg_entity *e = &cfg->entities[i];
        for (size_t k = 0; k < e->nconns; k++) {
            struct initcfg_conn *conn = &e->conns[k];
            size_t l;
            for (l = 0; l < cfg->nlisteners; l++) {
                const struct initcfg_listener *L = &cfg->listeners[l];
                if (L->server == conn->server && L->kind == conn->kind &&
                    strcmp(L->id, conn->id) == 0)
                    break;
            }
            if (l == cfg->nlisteners) {
                struct initcfg_listener *L = &cfg->listeners[cfg->nlisteners++];
                L->id = conn->id;
                L->include = conn->include;
                L->kind = conn->kind;
                L->server = conn->server;
            }
            conn->listener = l;
        }
    }
}

static void parse_root(struct ctx *c, const struct ynode *root, struct initcfg *cfg)
{
    cfg->default_kernel_memory = EINIT_DEFAULT_KERNEL_MEMORY;
    cfg->default_ram = EINIT_DEFAULT_RAM;
    struct initcfg_pos start = {1, 1};
    if (root == NULL || ynode_is_null(root)) {
        ERR(c, root ? root->pos : start,
            "empty init description: expected 'entities:' and a "
            "list of entities");
        return;
    }
    if (root->kind != YNODE_MAP) {
        ERR(c, root->pos, "an init description is a mapping with the key 'entities', not %s",
            kind_name(root));
        return;
    }
    check_keys(c, root, top_keys, "the init description", "entities or limits");

    const struct ynode *lim = map_get(root, "limits");
    if (lim != NULL) {
        bool k_set = false, r_set = false;
        parse_limits(c, lim, &cfg->default_kernel_memory, &k_set, &cfg->default_ram, &r_set);
    }

    const struct ynode *ents = map_get(root, "entities");
    if (ents == NULL) {
        ERR(c, root->pos, "missing the key 'entities' (the list of processes to start)");
        return;
    }
    if (ynode_is_null(ents) || (ents->kind == YNODE_SEQ && ents->n == 0)) {
        ERR(c, ents->pos, "'entities' lists no entity: Einit would start nothing");
        return;
    }
    if (ents->kind != YNODE_SEQ) {
        ERR(c, ents->pos, "'entities' must be a list of entities, not %s", kind_name(ents));
        return;
    }
    if (ents->n > EINIT_MAX_ENTRIES) {
        ERR(c, ents->items[EINIT_MAX_ENTRIES]->pos, "too many entities (at most %u)",
            EINIT_MAX_ENTRIES);
        c->out_of_range = true;
        return;
    }
    cfg->entities = initcfg_xcalloc(ents->n, sizeof(*cfg->entities));
    for (size_t i = 0; i < ents->n; i++)
        parse_entity(c, ents->items[i], &cfg->entities[cfg->nentities++], cfg);
    resolve(c, cfg);
}

/* Stable sort by position: checks run in passes (keys, then names, then references), but the
 * user reads the messages top to bottom. */
static void sort_diags(struct initcfg_diag *d, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct initcfg_diag x = d[i];
        size_t j = i;
        while (j > 0 && (d[j - 1].pos.line > x.pos.line ||
                         (d[j - 1].pos.line == x.pos.line && d[j - 1].pos.column > x.pos.column))) {
            d[j] = d[j - 1];
            j--;
        }
        d[j] = x;
    }
}

Retcode initcfg_parse(const char *text, size_t len, struct initcfg *out,
                      struct initcfg_diags *diags)
{
    struct ctx c = {diags, false};
    bool failed;
    size_t before = diags->count;

    memset(out, 0, sizeof(*out));
    struct ynode *root = ynode_read(text, len, diags, &failed);
    if (failed)
        return rcBadFormat;
    parse_root(&c, root, out);
    ynode_free(root);
    if (diags->count != before) {
        sort_diags(diags->items + before, diags->count - before);
        initcfg_free(out);
        return c.out_of_range ? rcOutOfRange : rcBadFormat;
    }
    build_listeners(out);
    return rcOk;
}

void initcfg_free(struct initcfg *cfg)
{
    for (size_t i = 0; i < cfg->nentities; i++) {
        struct initcfg_entity *e = &cfg->entities[i];
        free(e->class_name);
        free(e->task_name);
        free(e->path);
        for (size_t k = 0; k < e->nargs; k++)
            free(e->args[k]);
        free(e->args);
        for (size_t k = 0; k < e->nenv; k++) {
            free(e->env[k].name);
            free(e->env[k].value);
        }
        free(e->env);
        for (size_t k = 0; k < e->nconns; k++) {
            free(e->conns[k].target);
            free(e->conns[k].id);
            free(e->conns[k].include);
        }
        free(e->conns);
        for (size_t k = 0; k < e->ndevices; k++)
            free(e->devices[k].name);
        free(e->devices);
    }
    free(cfg->entities);
    free(cfg->listeners);
    memset(cfg, 0, sizeof(*cfg));
}
