/*
 * YAML events -> ynode tree. See initcfg_yaml.h for why the tree is ours and not libyaml's.
 *
 * Invariant while reading: stack[0..depth) are the open containers, innermost last; a finished
 * node is attached to stack[depth-1] or, at depth 0, becomes the root.
 */
#include "initcfg_yaml.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Deeper than any init description needs (entities > entity > connections > connection > id);
 * the bound keeps a hostile file from growing the stack without limit. */
#define YNODE_MAX_DEPTH 32

static struct initcfg_pos mark_pos(yaml_mark_t m)
{
    /* libyaml counts from 0. */
    struct initcfg_pos p = {(unsigned)m.line + 1, (unsigned)m.column + 1};
    return p;
}

/* Line and column (in bytes) of a byte offset into the text. */
static struct initcfg_pos offset_pos(const char *text, size_t len, size_t offset)
{
    struct initcfg_pos p = {1, 1};
    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            p.line++;
            p.column = 1;
        } else {
            p.column++;
        }
    }
    return p;
}

static struct ynode *ynode_new(enum ynode_kind kind, yaml_mark_t m)
{
    struct ynode *n = initcfg_xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->pos = mark_pos(m);
    return n;
}

void ynode_free(struct ynode *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->n; i++)
        ynode_free(n->items[i]);
    free(n->items);
    free(n->value);
    free(n);
}

static void ynode_append(struct ynode *parent, struct ynode *child)
{
    parent->items = initcfg_xrealloc(parent->items, parent->n + 1, sizeof(*parent->items));
    parent->items[parent->n++] = child;
}

bool ynode_is_null(const struct ynode *n)
{
    if (n->kind != YNODE_SCALAR || !n->plain)
        return false;
    static const char *const spellings[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++)
        if (strcmp(n->value, spellings[i]) == 0)
            return true;
    return false;
}

/* Attaches a finished node to the innermost open container, or makes it the root. */
static void attach(struct ynode **stack, size_t depth, struct ynode **root, struct ynode *n)
{
    if (depth == 0)
        *root = n;
    else
        ynode_append(stack[depth - 1], n);
}

struct ynode *ynode_read(const char *text, size_t len, struct initcfg_diags *diags, bool *failed)
{
    yaml_parser_t parser;
    struct ynode *stack[YNODE_MAX_DEPTH];
    size_t depth = 0;
    struct ynode *root = NULL;
    unsigned documents = 0;
    bool done = false;

    *failed = false;
    if (!yaml_parser_initialize(&parser)) {
        struct initcfg_pos p = {1, 1};
        initcfg_diag_add(diags, p, "cannot initialise the YAML parser");
        *failed = true;
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            struct initcfg_pos p = mark_pos(parser.problem_mark);
            if (parser.error == YAML_READER_ERROR) {
                /* Encoding errors carry a byte offset, not a mark. */
                p = offset_pos(text, len, parser.problem_offset);
                initcfg_diag_add(diags, p, "bad text: %s (an init description is UTF-8)",
                                 parser.problem ? parser.problem : "unreadable");
            } else if (parser.context != NULL)
                initcfg_diag_add(diags, p, "YAML syntax: %s %s",
                                 parser.problem ? parser.problem : "error", parser.context);
            else
                initcfg_diag_add(diags, p, "YAML syntax: %s",
                                 parser.problem ? parser.problem : "error");
            *failed = true;
            break;
        }
        struct ynode *n = NULL;
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1) {
                initcfg_diag_add(diags, mark_pos(ev.start_mark),
                                 "an init description is one YAML document; remove this second "
                                 "one");
                *failed = true;
                done = true;
            }
            break;
        case YAML_ALIAS_EVENT:
            initcfg_diag_add(diags, mark_pos(ev.start_mark),
                             "YAML aliases ('*%s') are not accepted in an init description; "
                             "write the value out",
                             (const char *)ev.data.alias.anchor);
            *failed = true;
            done = true;
            break;
        case YAML_SCALAR_EVENT:
            n = ynode_new(YNODE_SCALAR, ev.start_mark);
            n->len = ev.data.scalar.length;
            n->value = initcfg_xcalloc(n->len + 1, 1);
            memcpy(n->value, ev.data.scalar.value, n->len);
            n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            attach(stack, depth, &root, n);
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (depth == YNODE_MAX_DEPTH) {
                initcfg_diag_add(diags, mark_pos(ev.start_mark), "nesting deeper than %d levels",
                                 YNODE_MAX_DEPTH);
                *failed = true;
                done = true;
                break;
            }
            n = ynode_new(ev.type == YAML_SEQUENCE_START_EVENT ? YNODE_SEQ : YNODE_MAP,
                          ev.start_mark);
            attach(stack, depth, &root, n);
            stack[depth++] = n;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);

    if (*failed) {
        ynode_free(root);
        return NULL;
    }
    return root;
}
