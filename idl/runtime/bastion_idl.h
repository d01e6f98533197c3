/*
 * The IDL runtime: the message format every Bastion IPC message follows, the method
 * descriptions idlc generates, and the table-driven marshal/validate/unmarshal that the
 * generated proxies and dispatchers call. Compiles hosted and freestanding (kernel); uses no
 * libc. The format is specified in docs/message-format.md.
 *
 * Message = header (24 bytes) | fixed part (fixed_size, padded to 8) | handle table
 *           (handle_count x 8 bytes) | arena (arena_size bytes).
 */
#ifndef BASTION_IDL_H
#define BASTION_IDL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#define IDL_HEADER_SIZE 24u
#define IDL_MESSAGE_MAX 65536u /* whole message, header included */
#define IDL_HANDLES_MAX 16u    /* handles in one message */

/* header.flags */
#define IDL_FLAG_RESPONSE 0x1u /* a response (else a request) */
#define IDL_FLAG_ERROR 0x2u    /* an error response: carries the `error` parameters */

struct idl_header {
    uint32_t endpoint_id;  /* riid: index of the endpoint in the server's class */
    uint32_t method_id;    /* index of the method in its interface */
    uint32_t fixed_size;   /* bytes of the fixed part (before padding to 8) */
    uint32_t arena_size;   /* bytes of the arena */
    uint16_t handle_count; /* entries in the handle table */
    uint16_t flags;        /* IDL_FLAG_* */
    uint32_t reserved;     /* must be 0 */
};
_Static_assert(sizeof(struct idl_header) == IDL_HEADER_SIZE, "header is wire ABI");

/* A handle as it travels: the kernel translates `handle` between processes and never lets
 * `rights` grow. In the fixed part a Handle parameter is a UInt32 index into this table. */
typedef struct {
    uint32_t handle;
    uint32_t rights;
} idl_handle_t;

/* Fixed-part form of sequence, bytes and string parameters. */
struct idl_desc {
    uint32_t offset; /* from the arena start */
    uint32_t count;  /* elements; for strings bytes including the NUL (0 = empty) */
};

/* Native form of a sequence/bytes parameter. For sequence<string<N>,M>: marshalling takes
 * `data` = const char *const[count]; unmarshalling returns data = the descriptor array in the
 * message with `arena` set: read elements with idl_seq_string(). The same for a sequence of
 * nested elements (sequences, bytes, structs or unions with strings or sequences inside, arrays
 * of them): marshalling takes `data` = the elements' C form (struct idl_seq[count], struct
 * T[count]) with arena NULL, or a received sequence as it is; unmarshalling returns data = the
 * elements' wire form in the message (struct idl_desc[count], struct T_wire[count]) with `arena`
 * set: read a sequence element with idl_seq_seq(), the strings and sequences inside a struct
 * element with idl_desc_string() and idl_desc_seq(). */
struct idl_seq {
    const void *data;
    uint32_t count;
    const uint8_t *arena; /* non-NULL: data holds wire descriptors relative to arena */
};
const char *idl_seq_string(const struct idl_seq *s, uint32_t i);
/* Element i of a sequence of sequences or bytes, in either form. From a message the element's
 * arena is set too (its own elements may be nested); plain elements read the same either way. */
struct idl_seq idl_seq_seq(const struct idl_seq *s, uint32_t i);
/* A descriptor inside a received element (arena: the sequence's), as a string or a sequence. */
const char *idl_desc_string(const uint8_t *arena, const struct idl_desc *d);
struct idl_seq idl_desc_seq(const uint8_t *arena, const struct idl_desc *d);

/* Why a message was refused. Every code maps to a Retcode with idl_error_retcode(). */
enum idl_error {
    IDL_OK = 0,
    IDL_ERR_TRUNCATED,        /* shorter than the header, or than its sizes say */
    IDL_ERR_TOO_LONG,         /* longer than its sizes say, or above IDL_MESSAGE_MAX */
    IDL_ERR_HEADER,           /* reserved bits set, or wrong flags for the expected kind */
    IDL_ERR_METHOD,           /* unknown method id */
    IDL_ERR_ENDPOINT,         /* unknown endpoint id */
    IDL_ERR_FIXED_SIZE,       /* fixed_size differs from the method's */
    IDL_ERR_ARENA_TOO_BIG,    /* arena_size above the method's worst case */
    IDL_ERR_TOO_MANY_HANDLES, /* handle_count above IDL_HANDLES_MAX */
    IDL_ERR_HANDLE_COUNT,     /* handle_count differs from the method's */
    IDL_ERR_HANDLE_INDEX,     /* a handle index out of range or used twice */
    IDL_ERR_OFFSET_RANGE,     /* a sequence/string lies (partly) past the arena */
    IDL_ERR_MISALIGNED,       /* a sequence offset not aligned for its elements */
    IDL_ERR_COUNT_OVERFLOW,   /* a count above the declared bound */
    IDL_ERR_NO_TERMINATOR,    /* a string without its terminating NUL */
    IDL_ERR_BAD_TAG,          /* a union tag naming no arm */
    IDL_ERR_BUFFER_TOO_SMALL, /* marshalling: the output buffer is too small */
    IDL_ERR_STRING_TOO_LONG,  /* marshalling: a string longer than its bound */
    IDL_ERR_ARGUMENT,         /* marshalling: NULL data with a non-zero count */
    IDL_ERR_COUNT_
};
const char *idl_error_name(enum idl_error e);

/* A malformed message is rcBadMessage whatever the detail (the detail is for logs and tests);
 * marshalling problems are the caller's, and get the matching general code. Inline: every
 * kernel call and every proxy call maps its result, IDL_OK nearly always. */
static inline Retcode idl_error_retcode(enum idl_error e)
{
    switch (e) {
    case IDL_OK:
        return rcOk;
    case IDL_ERR_BUFFER_TOO_SMALL:
        return rcBufferTooSmall;
    case IDL_ERR_STRING_TOO_LONG:
        return rcOutOfRange;
    case IDL_ERR_ARGUMENT:
        return rcInvalidArgument;
    default:
        return rcBadMessage;
    }
}

/* --- descriptions generated by idlc ------------------------------------------------------ */

enum idl_part { IDL_PART_REQUEST = 0, IDL_PART_RESPONSE = 1, IDL_PART_ERROR = 2 };
enum idl_kind {
    IDL_KIND_PLAIN,
    IDL_KIND_HANDLE,
    IDL_KIND_SEQ,
    IDL_KIND_STRING,
    IDL_KIND_SEQSTR,
    IDL_KIND_NESTED,  /* parameter: struct/union/array with strings or sequences inside */
    IDL_KIND_TAG,     /* item only: a union's UInt32 tag */
    IDL_KIND_SEQNEST, /* item only: a sequence of nested elements (below) */
};

/* Levels of sequences of nested elements inside one another (sequence<sequence<sequence<...>>>):
 * idlc refuses more, and the runtime, which recurses once per level, refuses a description with
 * more, so its stack use is bounded in the kernel too. */
#define IDL_SEQ_NEST_MAX 8u

/*
 * One piece of a nested parameter (IDL_KIND_NESTED), flattened by idlc in wire order: every
 * string, sequence, union tag and run of plain bytes inside it, with its offset in the wire
 * form (in the fixed part) and in the C form (the generated struct). A union's tag comes before
 * the items of its arms, which name it as their guard: an item is present only when each guard
 * up its chain selects the item's arm. Guards point backwards, so one pass in order sees every
 * tag before the items that depend on it.
 *
 * A sequence of nested elements is one IDL_KIND_SEQNEST item followed by its element's items
 * (`size` of them), whose offsets are from the start of one element (wire: in the arena run the
 * descriptor points at; C: in the data array) and whose guards point inside that range. Each
 * element is checked, written and read with those items: every descriptor inside an element is
 * relative to the one arena, like every other.
 */
struct idl_item_desc {
    uint8_t kind;           /* IDL_KIND_PLAIN (bytes copied as they are), _TAG, _STRING, _SEQ,
                             * _SEQSTR, _SEQNEST */
    uint8_t reserved_;      /* 0 */
    uint16_t guard;         /* 0: always present; else 1 + index of the TAG item it depends on */
    uint32_t arm;           /* the arm of the guard's union that holds this item */
    uint32_t wire_offset;   /* from the start of the parameter's wire form */
    uint32_t native_offset; /* from the start of the parameter's C form */
    uint32_t size;          /* PLAIN: bytes; TAG: number of arms; SEQNEST: items of its element,
                             * which follow it */
    uint32_t elem_size;     /* SEQ, SEQNEST: element size (wire); SEQSTR: 8 */
    uint32_t elem_align;
    uint32_t bound;            /* SEQ/SEQSTR/SEQNEST: max elements; STRING: max chars without NUL */
    uint32_t str_bound;        /* SEQSTR: max chars of each string */
    uint32_t native_elem_size; /* SEQNEST: sizeof an element's C form */
};

/*
 * The descriptions hold no pointers. Each reference is a byte offset (`*_rel`) from the start of
 * the description that holds it to what it names, and idlc puts everything one interface's
 * descriptions name (its methods, their parameters, the nested parameters' items, the union tags,
 * the names) into one const object, struct <pkg>_idl_desc, whose layout the compiler knows: the
 * offsets are constants (IDL_REL), the object is plain read-only data (.rodata), and a
 * position-independent program neither copies nor relocates it when it starts. Read the
 * references with the accessors below only.
 */
#define IDL_REL(type, from, to) \
    ((int32_t)((long long)offsetof(type, to) - (long long)offsetof(type, from)))

struct idl_param_desc {
    int32_t name_rel;   /* the name (NUL-terminated) */
    uint8_t part;       /* enum idl_part: in -> request, out -> response, error -> error */
    uint8_t kind;       /* enum idl_kind */
    uint16_t ntags;     /* union tags inside a plain parameter */
    uint32_t offset;    /* in the fixed part */
    uint32_t size;      /* bytes in the fixed part (plain: the value; handle 4; else 8) */
    uint32_t elem_size; /* SEQ: element size; SEQSTR: 8 */
    uint32_t elem_align;
    uint32_t bound;       /* SEQ/SEQSTR: max elements; STRING: max chars without NUL */
    uint32_t str_bound;   /* SEQSTR: max chars of each string */
    int32_t tags_rel;     /* ntags pairs {offset within the parameter, number of arms} */
    uint32_t native_size; /* NESTED: sizeof the C form (size is the wire form's) */
    uint32_t nitems;      /* NESTED: its pieces */
    int32_t items_rel;    /* the nitems pieces */
};

struct idl_part_desc {
    uint32_t fixed_size;
    uint32_t arena_max;
    uint32_t handles;
};

struct idl_method_desc {
    int32_t name_rel;
    uint32_t id;
    uint32_t nparams;
    int32_t params_rel; /* nparams parameters, source order, all parts */
    struct idl_part_desc part[3];
};

struct idl_interface_desc {
    int32_t name_rel;
    uint32_t nmethods;
    int32_t methods_rel; /* nmethods methods, by id */
};

/* The request validator idlc generates for each interface (<Iface>_validate_request): what
 * idl_validate_header(&methods[h->method_id], IDL_PART_REQUEST, h, buf, len) returns, for every
 * input (h read from buf by idl_peek_header, h->method_id < nmethods). A method of one fixed
 * layout is checked by constant compares first; everything else goes to the table-driven
 * check, so the result never differs (test_idl_direct, fuzz_idl_unmarshal). */
typedef enum idl_error (*idl_request_validator)(const struct idl_header *h, const void *buf,
                                                size_t len);

/* Servers' class tables: one per class, few entries, so they may point. */
struct idl_endpoint_desc {
    const char *path; /* "vmm.VMM" */
    const struct idl_interface_desc *iface;
    idl_request_validator validate_request; /* the interface's; NULL: the table-driven one */
};

static inline const void *idl_rel_(const void *self, int32_t rel)
{
    return (const char *)self + rel;
}
static inline const char *idl_param_name(const struct idl_param_desc *p)
{
    return (const char *)idl_rel_(p, p->name_rel);
}
/* Meaningful only when p->ntags (tags) or p->nitems (items) is not 0. */
static inline const uint32_t *idl_param_tags(const struct idl_param_desc *p)
{
    return (const uint32_t *)idl_rel_(p, p->tags_rel);
}
static inline const struct idl_item_desc *idl_param_items(const struct idl_param_desc *p)
{
    return (const struct idl_item_desc *)idl_rel_(p, p->items_rel);
}
static inline const char *idl_method_name(const struct idl_method_desc *m)
{
    return (const char *)idl_rel_(m, m->name_rel);
}
/* Meaningful only when m->nparams is not 0. */
static inline const struct idl_param_desc *idl_method_params(const struct idl_method_desc *m)
{
    return (const struct idl_param_desc *)idl_rel_(m, m->params_rel);
}
static inline const char *idl_iface_name(const struct idl_interface_desc *i)
{
    return (const char *)idl_rel_(i, i->name_rel);
}
/* Meaningful only when i->nmethods is not 0. */
static inline const struct idl_method_desc *idl_iface_methods(const struct idl_interface_desc *i)
{
    return (const struct idl_method_desc *)idl_rel_(i, i->methods_rel);
}

/* --- table-driven marshalling ------------------------------------------------------------ */

/* Checks every size, offset, count, handle index, union tag and string terminator of a
 * `part` message of method m. Nothing in buf is trusted before this returns IDL_OK. */
enum idl_error idl_validate(const struct idl_method_desc *m, enum idl_part part, const void *buf,
                            size_t len);

/* idl_validate for a caller that has already read buf's header into *h (idl_peek_header of
 * the same buf and len): the same checks, without reading the header again. */
enum idl_error idl_validate_header(const struct idl_method_desc *m, enum idl_part part,
                                   const struct idl_header *h, const void *buf, size_t len);

/* Looks up the request's endpoint (in a class's endpoint table) and method, then validates
 * it as a request. *method is set only on IDL_OK; *h (when not NULL) is the header it read, so
 * that the caller's dispatch (<Class>_dispatch_header) need not read it again. */
enum idl_error idl_route_request(const struct idl_endpoint_desc *eps, uint32_t neps,
                                 const void *buf, size_t len, const struct idl_method_desc **method,
                                 struct idl_header *h);

/* Reads the header (unaligned-safe); IDL_ERR_TRUNCATED if len is too short. */
enum idl_error idl_peek_header(const void *buf, size_t len, struct idl_header *h);

/* args[i] for each parameter of `part` in source order points to its native value:
 * plain or nested: the value (the generated C struct); handle: idl_handle_t; seq: struct
 * idl_seq; string: const char * (NULL or "" = empty). Writes a message into buf and its length
 * into *len. */
enum idl_error idl_marshal(const struct idl_method_desc *m, enum idl_part part,
                           uint32_t endpoint_id, const void *const *args, void *buf, size_t cap,
                           size_t *len);

/* Validates, then stores each parameter of `part` through outs[i] (NULL = skip): plain: copy;
 * handle: idl_handle_t; seq: struct idl_seq pointing INTO buf; string: const char * INTO buf
 * ("" for an empty string); nested: the C struct with its strings and sequences as such views
 * and the arms a union does not select zeroed. Views stay valid while buf does. */
enum idl_error idl_unmarshal(const struct idl_method_desc *m, enum idl_part part, const void *buf,
                             size_t len, void *const *outs);

/* The same without the validation, for a message idl_validate(m, part, buf, len) (or
 * idl_route_request, which runs it) already accepted and nobody can have changed since: the
 * kernel's copy of a core-endpoint request. Anything else must go through idl_unmarshal. */
enum idl_error idl_unmarshal_validated(const struct idl_method_desc *m, enum idl_part part,
                                       const void *buf, size_t len, void *const *outs);

/* --- client side ------------------------------------------------------------------------- */

/* Sends req and waits for the response (the kernel's Call, or a test double). */
typedef Retcode (*idl_transport_fn)(void *ctx, const void *req, size_t req_len, void *res,
                                    size_t res_cap, size_t *res_len);

struct idl_client {
    idl_transport_fn call;
    void *ctx;
    uint32_t endpoint_id;
    void *req_buf; /* 8-byte aligned scratch for the request */
    size_t req_cap;
    void *res_buf; /* 8-byte aligned; out sequences/strings point into it */
    size_t res_cap;
    enum idl_error last_error; /* why the last call failed, if it was the message */
    /* The last response's length, as the transport gave it: a direct proxy (idlc) passes its
     * address to the transport, where a local's would cost each call a stack-protected frame. */
    size_t res_len;
};

/* A proxy returns this when the server answered with an error response (error params set). */
#define IDL_RC_ERROR_REPLY rcFail

Retcode idl_client_call(struct idl_client *cl, const struct idl_method_desc *m,
                        const void *const *in, void *const *out, void *const *err);

/* The response half of idl_client_call, for a proxy that built and sent the request itself:
 * unmarshals the res_len bytes in cl->res_buf as idl_client_call would have. */
Retcode idl_client_finish(struct idl_client *cl, const struct idl_method_desc *m, size_t res_len,
                          void *const *out, void *const *err);

/* The most out and error parameters idl_client_finish_args takes; idlc gives a direct proxy
 * of a method with more a function of its own for them. */
#define IDL_FINISH_ARGS_MAX 16u

/* idl_client_finish for a direct proxy's response that it did not read itself (idlc): the
 * response's cl->res_len bytes, and as the arguments after m the pointers (void *) of m's out
 * and error parameters in source order, in parameters left out; at most IDL_FINISH_ARGS_MAX.
 * Out of line and shared, so that a proxy has no array of them (and no stack-protected frame). */
Retcode idl_client_finish_args(struct idl_client *cl, const struct idl_method_desc *m, ...);

/* Server side helper: marshals the response (or error response) of a handled request. */
Retcode idl_server_reply(const struct idl_method_desc *m, enum idl_part part, uint32_t endpoint_id,
                         const void *const *args, void *res, size_t res_cap, size_t *res_len);

/* --- direct proxies and handlers ----------------------------------------------------------
 *
 * idlc generates straight-line code for methods whose messages have one fixed layout (only
 * integers, structs and arrays of them, and handles: idl/gen_c_direct.c). These helpers are
 * what that code calls; offsets and sizes are the generator's constants. The buffers are the
 * 8-byte aligned message buffers of struct idl_client and of the dispatchers, and fields are
 * moved with fixed-size __builtin_memcpy (single unaligned loads and stores). */

static inline uint32_t idl_direct_rd32(const uint8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

/* idl_direct_header stores struct idl_header as three little-endian words. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && IDL_HEADER_SIZE == 24, "idl_direct_"
                                                                                   "header's "
                                                                                   "words");

_Static_assert(offsetof(struct idl_header, method_id) == 4 &&
                   offsetof(struct idl_header, fixed_size) == 8 &&
                   offsetof(struct idl_header, arena_size) == 12 &&
                   offsetof(struct idl_header, handle_count) == 16 &&
                   offsetof(struct idl_header, flags) == 18 &&
                   offsetof(struct idl_header, reserved) == 20,
               "the header's fields in its words");

/* Zeroes b[from, len) (both multiples of 8) one word at a time. */
static inline void idl_direct_zero(uint8_t *b, uint32_t from, uint32_t len)
{
    const uint64_t zero = 0;
    for (uint32_t i = from; i < len; i += 8)
        __builtin_memcpy(b + i, &zero, sizeof zero);
}

/* Writes the header, then zeroes the rest of the message's first `len` bytes (the fixed part
 * with its padding, the handle table): padding never carries stale bytes. len IDL_HEADER_SIZE:
 * the header alone (a body written in place, zeroed before). */
static inline void idl_direct_header(uint8_t *b, uint32_t len, uint32_t endpoint_id,
                                     uint32_t method_id, uint32_t fixed_size, uint32_t handles,
                                     uint16_t flags)
{
    /* struct idl_header as its three little-endian words (no arena, reserved 0): three stores,
     * where a struct built on the stack and copied cost a string move. */
    const uint64_t w0 = endpoint_id | (uint64_t)method_id << 32, w1 = fixed_size,
                   w2 = (uint16_t)handles | (uint64_t)flags << 16;
    __builtin_memcpy(b, &w0, sizeof w0);
    __builtin_memcpy(b + 8, &w1, sizeof w1);
    __builtin_memcpy(b + 16, &w2, sizeof w2);
    idl_direct_zero(b, IDL_HEADER_SIZE, len); /* len: a multiple of 8 */
}

/* A header of a method of one fixed layout, as direct code takes it without the generic
 * runtime: exactly this fixed part, handle count and flags, no arena, reserved 0 (the method
 * id, the length and the handle order are the caller's other terms). */
static inline bool idl_direct_layout_ok(const struct idl_header *h, uint32_t fixed_size,
                                        uint32_t handles, uint16_t flags)
{
    /* The header's last two words as idl_direct_header writes them: fixed_size with arena_size
     * 0, then handle_count and flags with reserved 0; two compares where the five fields took
     * five loads and compares. */
    uint64_t w1, w2;
    __builtin_memcpy(&w1, (const uint8_t *)h + 8, sizeof w1);
    __builtin_memcpy(&w2, (const uint8_t *)h + 16, sizeof w2);
    return handles <= UINT16_MAX && w1 == fixed_size &&
           w2 == ((uint64_t)handles | (uint64_t)flags << 16);
}

/* Handle parameter number k: its table entry, and its index in the fixed part at `field`. */
static inline void idl_direct_put_handle(uint8_t *b, uint32_t field, uint32_t table, uint32_t k,
                                         const idl_handle_t *h)
{
    __builtin_memcpy(b + table + 8u * k, h, sizeof *h);
    __builtin_memcpy(b + field, &k, sizeof k);
}

static inline void idl_direct_get_handle(const uint8_t *b, uint32_t table, uint32_t k,
                                         idl_handle_t *h)
{
    __builtin_memcpy(h, b + table + 8u * k, sizeof *h);
}

/* The response header a direct proxy reads without the generic runtime: a plain response to
 * method_id with exactly this fixed part and handle count and no arena (the length is checked
 * by the caller). Anything else, an error response included, goes to idl_client_finish(). */
static inline bool idl_direct_response_ok(const uint8_t *r, uint32_t method_id, uint32_t fixed_size,
                                          uint32_t handles)
{
    return idl_direct_rd32(r + 4) == method_id &&
           idl_direct_layout_ok((const struct idl_header *)(const void *)r, fixed_size, handles,
                                IDL_FLAG_RESPONSE);
}

#endif
