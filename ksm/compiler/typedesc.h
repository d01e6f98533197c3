/*
 * The interface model pslc checks policies against, read from idlc's JSON type description
 * (docs/idl-languages.md): process classes with their endpoints, interfaces with method
 * parameters (offsets and sizes in the fixed part), and struct layouts for nested fields.
 */
#ifndef PSL_TYPEDESC_H
#define PSL_TYPEDESC_H

#include <stdbool.h>
#include <stdint.h>

#include "hostlib/json.h"

enum td_dir { TD_IN = 0, TD_OUT = 1, TD_ERR = 2 };

struct td_param {
    const char *name, *kind,
        *type; /* kind: scalar handle struct union array sequence string bytes */
    int dir;
    uint32_t offset, size;
    bool is_signed;
};

struct td_method {
    const char *name;
    int nparams;
    struct td_param *params;
    uint32_t fixed_size[3]; /* request, response, error */
};

struct td_iface {
    const char *name;
    int nmethods;
    struct td_method *methods;
};

struct td_endpoint {
    const char *name; /* "vmm.VMM" */
    const struct td_iface *iface;
    /* The component instances the endpoint lies in, outermost first: comps[d] is the CDL name
     * of the instance whose path is the first d + 1 names of `name` ("kl.core.VMMComponent"
     * for vmm.VMM); ncomps 0 for an endpoint the class declares itself. */
    int ncomps;
    const char **comps;
};

struct td_class {
    const char *name;
    int nendpoints;
    struct td_endpoint *endpoints;
    const struct td_iface *security; /* the EDL's `security` interface, or NULL */
};

struct typedesc {
    int nifaces, nclasses, ntypes;
    struct td_iface **ifaces; /* stable pointers: classes point at interfaces */
    struct td_class **classes;
    const struct json **types; /* "types" entries (struct, union, typedef) */
    int ncomponents;
    const struct json **components; /* "components" entries (CDL components) */
};

/* Adds the JSON file's content to td (several files may be given; names are unique).
 * Returns 0, or -1 after printing "file: error: ..." to stderr. */
int td_load_file(struct typedesc *td, const char *path);
int td_load_text(struct typedesc *td, const char *name, const char *text);

const struct td_class *td_class(const struct typedesc *td, const char *name);

/* 1 if the method declares `error` parameters (an error answer to it is possible), else 0. */
static inline int td_method_has_error(const struct td_method *m)
{
    for (int i = 0; i < m->nparams; i++)
        if (m->params[i].dir == TD_ERR)
            return 1;
    return 0;
}
const struct td_iface *td_iface(const struct typedesc *td, const char *name);
const struct td_method *td_method(const struct td_iface *i, const char *name, int *id);
/* A sequence, bytes or array of integers ("sequence<UInt16, 8>", "bytes<16>", "array<SInt32,
 * 4>"): *size and *is_signed of one element, *count the bound or length. 0, or -1 for any other
 * type (elements of a named type, strings, structs). */
int td_int_elements(const char *kind, const char *type, uint32_t *size, bool *is_signed,
                    uint32_t *count);

/* A sequence or array whose elements are sequences, bytes or arrays ("sequence<sequence<UInt8,
 * 4>, 3>", "sequence<bytes<16>, 8>", "array<sequence<UInt32, 4>, 2>", "sequence<array<UInt16, 3>,
 * 2>"): the element's kind ("sequence", "bytes" or "array") and type into ekind and etype, *count
 * the outer bound or length. A sequence or bytes element is a descriptor (8 bytes); an array
 * element lies in place, its elements back to back (its size their size times its length). 0,
 * or -1 for any other type (the inner type is not checked: td_int_elements does). */
int td_nested_seq_elements(const char *kind, const char *type, char ekind[16], char etype[256],
                           uint32_t *count);

/* A sequence or array of structs or unions ("sequence<psltest.Calc.Point, 4>", "array<...>"):
 * the struct's or union's entry (its "kind" says which), *size and *align of one element (its wire form, at most 65535 bytes; an
 * array's elements are that far apart), *count the bound or length; NULL for any other type. */
const struct json *td_struct_elements(const struct typedesc *td, const char *kind, const char *type,
                                      uint32_t *size, uint32_t *align, uint32_t *count);

/* A struct type's entry with typedefs looked through, or NULL. */
const struct json *td_struct(const struct typedesc *td, const char *name);

/* A union type's entry with typedefs looked through, or NULL: its "fields" are its arms, each
 * with its "tag" and its "offset" in the union (after the UInt32 tag at 0). */
const struct json *td_union(const struct typedesc *td, const char *name);

#endif
