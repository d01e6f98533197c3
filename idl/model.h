/*
 * The in-memory model of IDL, EDL and CDL descriptions, shared by every stage of idlc:
 * parsers fill it, resolve.c binds names and computes layouts, the backends only read it.
 *
 * Invariant after resolve_all(): every struct type has kind != TY_NAMED (names are bound),
 * every bound/array count is evaluated, and every decl/param has its size, align and offset.
 */
#ifndef IDLC_MODEL_H
#define IDLC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loc {
    const char *file;
    int line, col;
};

/*
 * Every recursive walk of idlc (the parsers, constant evaluation, name resolution, layout,
 * the generators, imports and component instances) is bounded by this many levels, so that
 * no input can exhaust the stack; going deeper is the error "nesting too deep".
 */
#define IDL_NESTING_MAX 256
/* A class's flattened endpoints (each instance of a component repeats its endpoints). */
#define IDL_CLASS_ENDPOINTS_MAX 1024

/*
 * Names to values, for the lookups that happen once per declaration or reference (a linear
 * scan there would make idlc quadratic in the number of names). Open addressing; keys are not
 * copied; memory comes from xalloc. A zeroed struct is an empty index.
 */
struct name_index {
    const char **keys;
    void **vals;
    uint32_t cap, n;
};
void *name_index_get(const struct name_index *ix, const char *key);
void name_index_put(struct name_index *ix, const char *key, void *val);

/* An integer constant expression, evaluated during resolution (consts may be imported). */
enum expr_op { EX_NUM, EX_NAME, EX_NEG, EX_NOT, EX_BIN };
struct expr {
    enum expr_op op;
    int bin; /* for EX_BIN: token kind of the operator (lexer.h) */
    int64_t num;
    char *name;
    struct expr *a, *b;
    struct loc loc;
    int depth; /* levels of operators in this tree (a literal or name is 0) */
};

enum type_kind {
    TY_INT, /* UInt8..SInt64, UIntSize, UIntPtr */
    TY_HANDLE,
    TY_STRING, /* string<N>: N bytes + NUL */
    TY_BYTES,  /* bytes<N> == sequence<UInt8, N> on the wire */
    TY_SEQ,
    TY_ARRAY,
    TY_NAMED, /* a reference to a typedef/struct/union; ->decl once resolved */
};

struct decl;
struct type {
    enum type_kind kind;
    struct loc loc;
    int bits;             /* TY_INT */
    bool is_signed;       /* TY_INT */
    const char *int_name; /* TY_INT: name as written ("UIntSize") */
    struct expr *bound_expr;
    uint64_t bound;    /* TY_STRING/BYTES/SEQ: max count; TY_ARRAY: exact count */
    struct type *elem; /* TY_SEQ/TY_ARRAY */
    char *name;        /* TY_NAMED as written */
    struct decl *decl; /* TY_NAMED after resolution */
};

/* What a type is on the wire once typedefs are looked through. WK_NESTED: a struct, union or
 * array with strings or sequences inside (docs/message-format.md, "Nested strings and
 * sequences"): its wire form holds arena descriptors, its C form pointers, so the two layouts
 * differ and the runtime converts field by field. WK_SEQNEST: a sequence whose elements are
 * nested, sequences or bytes (not strings: WK_SEQSTR): its elements in the arena hold
 * descriptors of their own; as a parameter it is a nested one with a struct idl_seq C form. */
enum wire_kind { WK_PLAIN, WK_HANDLE, WK_SEQ, WK_STRING, WK_SEQSTR, WK_NESTED, WK_SEQNEST };

struct field {
    char *name;
    struct type *type;
    struct loc loc;
    uint32_t offset;  /* from the start of the struct (unions: of the whole tagged union) */
    uint32_t noffset; /* the same in the C form (differs from offset only in nested types) */
};

enum decl_kind { D_CONST, D_TYPEDEF, D_STRUCT, D_UNION };
struct package;
struct decl {
    enum decl_kind kind;
    char *name;  /* unqualified */
    char *qname; /* package.name */
    char *doc;
    struct loc loc;
    struct package *pkg;
    struct type *type; /* D_CONST: its integer type; D_TYPEDEF: the aliased type */
    struct expr *value_expr;
    int64_t value;
    struct field *fields;
    int nfields;
    int state;                               /* 0 unresolved, 1 in progress (cycle check), 2 done */
    uint32_t size, align;                    /* on the wire */
    uint32_t payload_offset;                 /* D_UNION: where the arms start (tag is at 0) */
    uint32_t nsize, nalign, npayload_offset; /* the same in the C form */
    bool var;                                /* struct/union holding strings or sequences inside */
    uint64_t arena_max; /* var: the most arena bytes one value can use (clamped, see resolve.c) */
    bool has_union;     /* a union somewhere inside (its tags need checking) */
    int depth;          /* types: levels of struct/union/array/sequence inside (resolve.c) */
    int seq_levels;     /* types: levels of sequences of nested elements inside (resolve.c) */
    const struct type *stripped; /* D_TYPEDEF once resolved: type_strip(type), kept so that a
                                  * chain of n typedefs is looked through in O(1), not O(n) */
};

enum dir { DIR_IN, DIR_OUT, DIR_ERROR };
#define NPARTS 3 /* request (in), response (out), error response (error) */

struct param {
    char *name;
    enum dir dir;
    struct type *type;
    struct loc loc;
    uint32_t offset, size, align; /* in the fixed part of its message (part == dir) */
    enum wire_kind wk;
};

struct method {
    char *name;
    char *doc;
    struct loc loc;
    struct param *params; /* source order */
    int nparams;
    uint32_t fixed_size[NPARTS], fixed_align[NPARTS], handles[NPARTS];
    uint64_t arena_max[NPARTS];
};

struct import {
    char *name;
    struct loc loc;
    struct package *pkg;
};

struct package {
    char *name; /* a.b.C */
    char *path; /* file as opened */
    struct loc loc;
    struct import *imports;
    int nimports;
    struct decl **decls;
    int ndecls;
    struct name_index decl_index;   /* name -> struct decl * */
    struct name_index import_index; /* package name -> 1: each package imported once */
    bool has_interface;
    struct loc iface_loc;
    struct method *methods;
    int nmethods;
    bool generate; /* named on the command line */
    int visit;     /* import DFS: 0 new, 1 on stack, 2 done */
};

/* EDL task classes and CDL components share one shape. */
struct endpoint_decl {
    char *name;
    char *iface;
    struct loc loc;
    struct package *pkg;
};
struct instance {
    char *name;
    char *comp;
    struct loc loc;
    struct unit *unit;
};
struct unit {
    bool is_class; /* EDL `task class`/`entity` vs CDL `component` */
    char *name;
    char *path;
    char *doc;
    struct loc loc;
    char *security;
    struct endpoint_decl *eps;
    int neps;
    struct instance *insts;
    int ninsts;
    struct name_index ep_index, inst_index; /* names bound so far -> the unit */
    bool generate;
    int visit;
    int depth; /* levels of component instances below it, itself included */
};

/* A flattened endpoint of a class: "vmm.VMM" -> interface package. */
struct flat_endpoint {
    char *path;
    struct package *pkg;
};

struct model {
    const char **include_dirs; /* a.b.C is <dir>/a/b/C.<ext> */
    int ninclude;
    const char **flat_dirs; /* a.b.C is <dir>/C.<ext>: the KasperskyOS SDK's resources folders */
    int nflat;
    struct package **pkgs;
    int npkgs;
    struct unit **units;
    int nunits;
    struct name_index pkg_index;  /* package name -> struct package * */
    struct name_index unit_index; /* class or component name -> struct unit * */
};

/* Growable arrays: p points to n elements; grows by one and returns the new slot (zeroed). */
void *vec_push(void *pp, int *n, size_t elem);
#define VEC_PUSH(p, n) ((__typeof__(p))vec_push(&(p), &(n), sizeof *(p)))

struct package *model_find_package(struct model *m, const char *name);
struct unit *model_find_unit(struct model *m, const char *name);
struct decl *package_find_decl(struct package *p, const char *name);

/* Looks through typedefs to the type that decides the wire form. */
const struct type *type_strip(const struct type *t);
enum wire_kind type_wire_kind(const struct type *t);
/* A resolved type that holds strings or sequences (itself, or inside a struct/union/array). */
bool type_is_var(const struct type *t);
/* A resolved type with a union somewhere inside. */
bool type_has_union(const struct type *t);
/* Levels of sequences of nested elements (WK_SEQNEST) in a resolved type, one in another. */
int type_seq_levels(const struct type *t);

#endif
