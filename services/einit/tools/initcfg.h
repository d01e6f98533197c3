/*
 * initcfg: the init description (init.yaml) as a validated model, for the host tool
 * einit-compile and its tests. docs/init-yaml.md is the reference for the accepted format.
 *
 * Pipeline: text --(libyaml events, initcfg_yaml.c)--> node tree with positions
 *           --(initcfg_parse.c: keys, types, names, references, limits)--> struct initcfg
 *           --(initcfg_emit.c)--> start-up table C source (services/einit/startup_table.h) or a dump.
 *
 * Host-only code (uses libc and libyaml); nothing here runs inside Bastion.
 */
#ifndef BASTION_INITCFG_H
#define BASTION_INITCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <bastion/retcode.h>

/* A place in the input, 1-based like every editor and compiler message. */
struct initcfg_pos {
    unsigned line;
    unsigned column;
};

/* One error, reported as "file:line:column: error: message". */
struct initcfg_diag {
    struct initcfg_pos pos;
    char message[320];
};

struct initcfg_diags {
    struct initcfg_diag *items;
    size_t count;
    size_t cap;
};

/* How a connection names its channel: a literal string, or (KasperskyOS's form
 * `id: { var: NAME, include: header.h }`) a C macro from a header, resolved when the generated
 * table is compiled. */
enum initcfg_id_kind {
    INITCFG_ID_STRING,
    INITCFG_ID_VAR,
};

struct initcfg_conn {
    char *target;  /* task name of the server entity */
    char *id;      /* channel name, or the macro name when kind == INITCFG_ID_VAR */
    char *include; /* header that defines the macro (INITCFG_ID_VAR only), else NULL */
    enum initcfg_id_kind kind;
    size_t server;          /* index of the target entity (valid after a successful parse) */
    size_t listener;        /* index into initcfg.listeners (valid after a successful parse) */
    struct initcfg_pos pos; /* the connection's mapping */
    struct initcfg_pos target_pos; /* the target's value, where an unknown target is reported */
};

struct initcfg_env {
    char *name;
    char *value;
    struct initcfg_pos pos;
};

/* A PCI function Einit hands to the entity (`devices:`): by vendor:device id (the first function
 * with that id) or by bus:device.function. Einit registers its BARs and legacy interrupt and
 * transfers the handles as "<name>.bar<N>" and "<name>.irq", and sets "<name>_bdf". */
enum initcfg_device_match {
    INITCFG_DEVICE_BY_ID,
    INITCFG_DEVICE_BY_BDF,
};

struct initcfg_device {
    char *name; /* a C identifier */
    enum initcfg_device_match match;
    uint16_t vendor, device; /* INITCFG_DEVICE_BY_ID */
    uint16_t bdf;            /* INITCFG_DEVICE_BY_BDF: bus << 8 | device << 3 | function */
    struct initcfg_pos pos;  /* the device's mapping */
};

struct initcfg_entity {
    char *class_name; /* `name`: the EDL name */
    char *task_name;  /* `task`, or class_name */
    char *path;       /* `path`, or the last '.'-separated part of class_name */
    bool task_given;
    bool path_given;
    char **args;
    size_t nargs;
    struct initcfg_env *env;
    size_t nenv;
    struct initcfg_conn *conns;
    size_t nconns;
    struct initcfg_device *devices;
    size_t ndevices;
    uint64_t kernel_memory;   /* bytes, defaults applied */
    uint64_t ram;             /* bytes, defaults applied */
    bool kernel_memory_given; /* set in the entity's own `limits:` */
    bool ram_given;
    bool tee_partition;          /* `tee: true`: the TEE partition (docs/tee.md) */
    struct initcfg_pos tee_pos;  /* the `tee` value */
    bool per_client_server;      /* its class keeps state per client (initcfg_classes.h) */
    struct initcfg_pos pos;      /* the entity's mapping */
    struct initcfg_pos task_pos; /* the `task` value, or the `name` value when there is none */
    struct initcfg_pos path_pos; /* the `path` value, or the `name` value when there is none */
};

/* The server end shared by every connection with the same (server, id, kind). */
struct initcfg_listener {
    const char *id;      /* borrowed from the first connection that created it */
    const char *include; /* likewise, for INITCFG_ID_VAR */
    enum initcfg_id_kind kind;
    size_t server;
};

struct initcfg {
    struct initcfg_entity *entities;
    size_t nentities;
    struct initcfg_listener *listeners;
    size_t nlisteners;
    uint64_t default_kernel_memory; /* top-level `limits:` or the built-in default */
    uint64_t default_ram;
};

/*
 * Parses and validates one init description. `filename` only labels the model; positions are in
 * the diagnostics. On rcOk, *out holds the model (free it with initcfg_free) and diags is empty.
 * On any other code, *out is empty and diags holds at least one error:
 *   rcBadFormat  the text is not valid YAML, or the description breaks a rule of the format;
 *   rcOutOfRange a count or length exceeds a limit of startup_table.h.
 * Semantic errors are all collected (one pass reports every bad key); a YAML syntax error stops
 * the parse at its position.
 */
Retcode initcfg_parse(const char *text, size_t len, struct initcfg *out,
                      struct initcfg_diags *diags);

/*
 * Optional build-time check that every entity's executable exists: `dir` is the folder the ROMFS
 * image is built from, and each entity's path must name a regular file in it. Adds one error per
 * missing file (at the `path` value, or at `name` when the path is the default) and returns
 * rcNotFound if there was any, else rcOk.
 */
Retcode initcfg_check_paths(const struct initcfg *cfg, const char *dir,
                            struct initcfg_diags *diags);

void initcfg_free(struct initcfg *cfg);
void initcfg_diags_free(struct initcfg_diags *diags);

/* Appends an error; printf-style. Used by the parser and by the YAML reader. */
void initcfg_diag_add(struct initcfg_diags *diags, struct initcfg_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints every diagnostic as "filename:line:column: error: message\n". */
void initcfg_diags_print(FILE *f, const char *filename, const struct initcfg_diags *diags);

/*
 * Parses a size: decimal digits, optional blanks, optional unit B, KiB, MiB, GiB or TiB
 * (powers of 1024; no unit means bytes). On failure returns the code and sets *why to a
 * sentence for the user:
 *   rcBadFormat  not of that shape, or an unknown unit (KB, MB, k, ... are refused: they are
 *                ambiguous between 1000 and 1024);
 *   rcOverflow   the value does not fit in 64 bits;
 *   rcOutOfRange the value is zero (a zero limit would make the process unable to start).
 */
Retcode initcfg_size_parse(const char *text, uint64_t *out, const char **why);

/* Writes the model in a stable, line-oriented text form (einit-compile --dump). */
void initcfg_dump(FILE *f, const struct initcfg *cfg, const char *source);

/* Writes the start-up table C source (see services/einit/startup_table.h). `source` is the
 * description's file name, recorded in the table and in the header comment. */
void initcfg_emit_c(FILE *f, const struct initcfg *cfg, const char *source);

/* Writes s as a C string literal (with quotes); octal escapes for anything not printable ASCII,
 * so that no escape can swallow a following character. */
void initcfg_put_c_string(FILE *f, const char *s);

/* Internal to the tool: allocation that exits the process on failure (a host tool has no better
 * answer to an out-of-memory machine). */
void *initcfg_xcalloc(size_t n, size_t size);
void *initcfg_xrealloc(void *p, size_t n, size_t size);
char *initcfg_xstrdup(const char *s);

#endif
