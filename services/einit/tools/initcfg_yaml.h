/*
 * A small YAML node tree with source positions, built from libyaml's event stream.
 *
 * Why not libyaml's document API: it resolves aliases silently (so a description could not be
 * refused for using them) and it is awkward to walk. Building our own tree from events lets the
 * reader refuse aliases and multiple documents at their exact position, and keeps the start
 * position of every key and value for messages.
 */
#ifndef BASTION_INITCFG_YAML_H
#define BASTION_INITCFG_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "initcfg.h"

enum ynode_kind {
    YNODE_SCALAR,
    YNODE_SEQ,
    YNODE_MAP,
};

struct ynode {
    enum ynode_kind kind;
    struct initcfg_pos pos;
    /* YNODE_SCALAR */
    char *value; /* NUL-terminated copy; may contain an earlier NUL if the YAML did */
    size_t len;  /* bytes in value, from libyaml */
    bool plain;  /* unquoted: "", "~" and "null" mean null only when plain */
    /* YNODE_SEQ: items[0..n); YNODE_MAP: items[2i] is a key, items[2i+1] its value */
    struct ynode **items;
    size_t n;
};

/*
 * Reads exactly one YAML document. Returns its root (NULL for an empty stream, with no error),
 * or NULL with one error in diags for a syntax error, an alias, or a second document.
 * *failed tells the two NULL cases apart.
 */
struct ynode *ynode_read(const char *text, size_t len, struct initcfg_diags *diags, bool *failed);

void ynode_free(struct ynode *n);

/* True for a plain scalar spelled as YAML's null: empty, "~", "null", "Null", "NULL". */
bool ynode_is_null(const struct ynode *n);

#endif
