/*
 * The compiled policy table: what pslc produces from a PSL policy and what ksm_decide() reads.
 *
 * Shared by the host compiler, the host tests and the freestanding KSM, so it uses only
 * <stdint.h> types and no pointers to mutable data. Invariants that pslc guarantees and
 * ksm_decide() re-checks where a violation could make it read out of bounds:
 *   - index has KSM_EV_COUNT * nclasses * nslots entries, each < ncells;
 *   - cell 0 is the empty cell (no rule selects the event: default deny);
 *   - every call's code lies inside code[], every jump target inside its call's code;
 *   - the operand stack of one expression never exceeds KSM_STACK_MAX (checked at compile time).
 *
 * Lookup is direct indexing: cell = index[(event * nclasses + peer) * nslots + slot], where
 * "server" is the class whose endpoint the event concerns (dst for execute and request, src for
 * response, error and security) and "peer" is the other side. The cost of a decision depends on
 * the rules that apply to that one cell, never on the number of rules in the policy.
 */
#ifndef KSM_TABLE_H
#define KSM_TABLE_H

#include <stdint.h>

#include <bastion/ksm_proto.h>

#include "ksm_regex.h"

#define KSM_TABLE_MAGIC 0x314d534bu /* "KSM1" */
#define KSM_STACK_MAX 32u           /* operand stack of one expression */
#define KSM_HEADER_SIZE 24u         /* IPC message header before the fixed part */

/* Security events (enum ksm_event): <bastion/ksm_proto.h>. */

/* Instructions of the expression machine (postfix, with forward jumps for && and ||). */
enum ksm_op {
    KSM_OP_CONST = 0, /* push imm */
    KSM_OP_LOAD, /* push message[arg .. arg+size), zero/sign-extended; imm = field name index */
    KSM_OP_ADD_S,
    KSM_OP_ADD_U,
    KSM_OP_SUB_S,
    KSM_OP_SUB_U,
    KSM_OP_MUL_S,
    KSM_OP_MUL_U,
    KSM_OP_DIV_S,
    KSM_OP_DIV_U, /* overflow and division by zero deny the event */
    KSM_OP_NEG,   /* signed negation */
    KSM_OP_EQ,
    KSM_OP_NE,
    KSM_OP_LT_S,
    KSM_OP_LT_U,
    KSM_OP_LE_S,
    KSM_OP_LE_U,
    KSM_OP_GT_S,
    KSM_OP_GT_U,
    KSM_OP_GE_S,
    KSM_OP_GE_U,
    KSM_OP_NOT,
    KSM_OP_JFALSE_KEEP, /* top false: jump to arg keeping it; else pop (for &&) */
    KSM_OP_JTRUE_KEEP,  /* top true: jump to arg keeping it; else pop (for ||) */
    /* push 1 when the string whose descriptor is at message[arg] equals strings[imm & 0xffffffff]
     * (imm >> 32: index into fields[], for a descriptor or string out of bounds), else 0. The
     * string compared is what a C reader of the message sees: its bytes up to the first NUL. */
    KSM_OP_STR_EQ,
    /* HashSet contains: pop an entry, push 1 if it is in the table of the process imm (enum
     * ksm_sid_ref) in HashSet object arg (sets[]), else 0; no table: the event is denied. imm
     * KSM_SID_RESOURCE: the resource whose SID lies below the entry on the stack (popped too). */
    KSM_OP_SET_CONTAINS,
    /* StaticMap get: push the value of key (imm >> 3) in the table of the process (imm & 3,
     * enum ksm_sid_ref; KSM_SID_RESOURCE: the resource whose SID it pops) in StaticMap object
     * arg (maps[]): the base instance, or the working one when imm & 4 (get_uncommitted); no
     * table: the event is denied. */
    KSM_OP_MAP_GET,
    KSM_OP_ABS,        /* Math abs: signed absolute value; INT64_MIN overflows */
    KSM_OP_JFALSE_POP, /* pop; false: jump to arg (Bool cond's else branch) */
    KSM_OP_JUMP,       /* jump to arg, forward (past cond's else branch) */
    /* Flow query: push the state (0 .. nstates-1) of the machine of the process imm (enum
     * ksm_sid_ref; KSM_SID_RESOURCE: the resource whose SID it pops) in Flow object arg
     * (flows[]); no machine: the event is denied. */
    KSM_OP_FLOW_QUERY,
    /* Regex match: push 1 when the string whose descriptor is at message[arg] matches
     * regexes[imm & 0xffffffff] (imm >> 32: index into fields[], for a descriptor or string out
     * of bounds), else 0. size 1: a case of a select (the audit's emit "select"), 0: a match. */
    KSM_OP_REGEX_MATCH,
    /* Push the length of the string whose descriptor is at message[arg] (its bytes up to the
     * first NUL); imm: index into fields[]. */
    KSM_OP_STR_LEN,
    /* Push -1, 0 or 1 as the string whose descriptor is at message[arg] orders before, equal to
     * or after another (bytes compared unsigned, up to the first NUL): imm bits 0..31 are the
     * other's descriptor offset, or an index into strings[] when bits 32..47 are 0xffff; else
     * bits 32..47 and 48..63 are the fields[] indexes of the other and of the first. */
    KSM_OP_STR_CMP,
    /* Push the element count of the sequence whose descriptor is at message[arg], its
     * elements (size bytes each; size 0: a sequence of structs or of arrays in place, imm bits
     * 32..47 bytes each) checked to lie inside the message; imm bits 0..31: index into
     * fields[]. KSM_INSN_BASE: a sequence in an element, its descriptor arg bytes past the
     * element's offset, which it pops (KSM_OP_ELEM_ADDR). */
    KSM_OP_SEQ_COUNT,
    /* Pop an index, push that element (size bytes, sign-extended when is_signed) of the sequence
     * whose descriptor is at message[arg]; an index past its count, or elements outside the
     * message, deny the event (field-out-of-bounds, imm: index into fields[]). */
    KSM_OP_SEQ_ELEM,
    /* Pop an index, push that element of the array whose first element is at message[arg]
     * (size bytes each, is_signed as LOAD); an index past its length (imm >> 32) or outside
     * the message denies the event (field-out-of-bounds, imm & 0xffffffff: index into fields[]).
     * A constant index is folded into a LOAD at compile time. */
    KSM_OP_ARRAY_ELEM,
    /* Pop a value, push 1 if it equals an element (size bytes, is_signed as LOAD) of the
     * sequence whose descriptor is at message[arg] (SEQ_MEMBER) or of the array whose first
     * element is there and whose length is imm >> 32 (ARRAY_MEMBER), else 0: at most the
     * field's bound in steps. Elements outside the message deny the event (field-out-of-bounds,
     * imm & 0xffffffff: index into fields[]). KSM_INSN_BASE: a sequence or array in an element,
     * its descriptor (or first element) arg bytes past the element's offset, which it pops first
     * (KSM_OP_ELEM_ADDR; the value lies below it). */
    KSM_OP_SEQ_MEMBER,
    KSM_OP_ARRAY_MEMBER,
    /* Push the SID ((imm >> 32) & 3 == 0), the rights (1) or the object type (2) of the handle
     * whose index into the message's handle table is the UInt32 at message[arg]: the table
     * follows the fixed part (rounded up to 8), {UInt32 handle; UInt32 rights} per entry, and
     * the kernel shows the monitor the resource's SID in place of the sender's handle. The
     * types are one byte per handle right after the message (24 + pad8(fixed) + 8 * handles +
     * arena bytes), padded to 8: present only when the length is exactly that much more
     * (kern/ipc/msg.h, ipc_msg_monitor_len). An index past handle_count, a type not present,
     * or anything outside the message, denies the event (field-out-of-bounds, imm &
     * 0xffffffff: index into fields[]). */
    KSM_OP_HANDLE,
    /* Mic query_level: push the degree (0 .. ndegrees-1) of the integrity level of a subject
     * (imm 0 or 1: the process enum ksm_sid_ref names) or of a resource (imm 2: pop its SID) in
     * Mic object arg (mics[]); no level assigned: the event is denied (no-process-state). */
    KSM_OP_MIC_LEVEL,
    /* Pop an index i, push the field (size bytes, is_signed as LOAD) at byte (imm >> 32) &
     * 0xffff of element i (imm >> 48 bytes each) of the sequence of structs whose descriptor is
     * at message[arg]; an index past its count, or elements outside the message, deny the event
     * (field-out-of-bounds, imm & 0xffffffff: index into fields[]). */
    KSM_OP_SEQ_FIELD,
    /* Pop an index i, push the field (size bytes, is_signed as LOAD) of element i of the array
     * of structs whose element 0 has that field at message[arg]: elements imm >> 48 bytes
     * apart, ((imm >> 32) & 0xffff) + 1 of them. An index past them, or a field outside the
     * message, denies the event (field-out-of-bounds, imm & 0xffffffff: index into fields[]).
     * A constant index is folded into a LOAD at compile time. */
    KSM_OP_ARRAY_FIELD,
    /* Pop a value, push 1 if it equals the field (size, is_signed as LOAD) of some element of a
     * sequence of structs (SEQ_FIELD_MEMBER: arg and imm as SEQ_FIELD) or of an array of structs
     * (ARRAY_FIELD_MEMBER: arg and imm as ARRAY_FIELD), else 0: at most the field's bound in
     * steps. Elements outside the message deny the event (field-out-of-bounds). A field through
     * unions' arms: the UNION_ARM instructions with KSM_INSN_EACH right before this one are its
     * guards, each a tag arg bytes before the element's field that must be imm >> 32; an element
     * whose union holds another arm (or a tag naming none) does not match. KSM_INSN_BASE: a
     * sequence or array of structs in an element, its descriptor (or element 0's field) arg
     * bytes past the element's offset, which it pops first (KSM_OP_ELEM_ADDR; the value lies
     * below it). */
    KSM_OP_SEQ_FIELD_MEMBER,
    KSM_OP_ARRAY_FIELD_MEMBER,
    /* Pop an index i, push the message offset of the descriptor of string i of the sequence of
     * strings whose descriptor is at message[arg] (8 bytes each, in the arena); an index past
     * its count, or descriptors outside the message, deny the event (field-out-of-bounds, imm:
     * index into fields[]). The string instructions (STR_EQ, STR_LEN, STR_CMP, REGEX_MATCH)
     * with KSM_INSN_STR_POPPED in `flags` pop an offset and read their string's descriptor arg
     * bytes past it (STR_CMP: KSM_INSN_OTHER_POPPED pops the other's, which lies above, and
     * reads it imm bits 0..31 bytes past it; SEQ_STR_MEMBER's value likewise): an offset from
     * SEQ_STR with 0, or an element's from ELEM_ADDR with the string's offset in the element
     * (a string in a struct element or a union's arm there). An offset above 2^32 - 1 is a
     * malformed table; a descriptor past the message is out of bounds. */
    KSM_OP_SEQ_STR,
    /* Pop nothing or (KSM_INSN_OTHER_POPPED) the value's descriptor offset; push 1 if the value
     * (a string: imm as STR_CMP's other operand, bits 48..63 the sequence's fields[] index)
     * equals one of the strings of the sequence of strings whose descriptor is at message[arg],
     * else 0 (texts up to their first NUL, as STR_EQ). The value first, then the strings in
     * order up to the first equal one: a value, descriptor or string before it outside the
     * message denies the event (field-out-of-bounds, naming the value's field or the
     * sequence). At most the sequence's bound in steps. KSM_INSN_BASE: a sequence in an element,
     * its descriptor arg bytes past the element's offset, which it pops first (KSM_OP_ELEM_ADDR;
     * the value's offset, if popped too, lies below it). size 0: a sequence; size n > 0: an
     * array of n strings, its n descriptors in place from message[arg] (each checked as it is
     * read, as a string field's). */
    KSM_OP_SEQ_STR_MEMBER,
    /* Push the tag of the union at message[arg] (a UInt32, its arms after it: idlc's layout),
     * which must name one of its imm >> 32 arms: a tag past them (a message the receiver would
     * refuse as IDL_ERR_BAD_TAG) or outside the message denies the event (field-out-of-bounds,
     * imm & 0xffffffff: index into fields[]). */
    KSM_OP_UNION_TAG,
    /* Push nothing: the union whose tag is at message[arg] must hold arm imm >> 32, else the
     * event is denied (union-arm; a tag outside the message: field-out-of-bounds; imm &
     * 0xffffffff: index into fields[]), so that the instruction after it (a LOAD of a field of
     * that arm, or a string or sequence instruction on a descriptor in it) never reads another
     * arm's bytes. */
    KSM_OP_UNION_ARM,
    /* Pop an index i, push the message offset of element i (imm >> 48 bytes each) of the
     * sequence whose descriptor is at message[arg] (size 0: its elements checked to lie inside
     * the message, as SEQ_COUNT does) or of the array whose element 0 is at message[arg] (size
     * 1: ((imm >> 32) & 0xffff) + 1 elements, each read checked by the instruction reading it).
     * An index past the elements, or a sequence outside the message, denies the event
     * (field-out-of-bounds, imm & 0xffffffff: index into fields[]). What follows reads the
     * element through KSM_INSN_BASE: a union's tag and arms, which differ per element, an integer
     * field, a string's or a sequence's descriptor. KSM_INSN_BASE on ELEM_ADDR itself: the
     * sequence (size 0) or array (size 1) is one in an element, its descriptor or first element
     * arg bytes past the element's offset, which lies below the index (both popped): element j
     * of `q.[i].items` (an integer, a string's descriptor, a struct). A path of several levels
     * is a chain of these, each on the offset the one before left (`r.[i].[j].[k]`: three). */
    KSM_OP_ELEM_ADDR,
    /* A computed component of a HashSet tuple or dictionary entry, on top of the stack and left
     * there, against its component's range: read as signed if is_signed (else unsigned), it
     * must lie in imm .. imm + 2^arg - 1 (arg 1 .. 64), else the event is denied
     * (entry-out-of-range), so that no value spills into the next component's bits and two
     * different entries never pack to the same word. */
    KSM_OP_ENTRY_RANGE,
    /* Math remainder, truncated as DIV is (a == (a / b) * b + a % b, with a's sign): a zero
     * divisor denies the event (division-by-zero); INT64_MIN % -1 is 0, so nothing overflows. */
    KSM_OP_REM_S,
    KSM_OP_REM_U,
    /* Math bitwise and, or of the two values, complement of the top one: the same 64 bits for
     * signed and unsigned operands (two's complement), so none of them can overflow. */
    KSM_OP_AND,
    KSM_OP_OR,
    KSM_OP_BIT_NOT,
    /* Math cast (uint8 .. sint64): the top value, read as signed when imm is 1 (else unsigned),
     * must lie in the integer type of arg bits (8, 16, 32 or 64), signed when is_signed, else
     * the event is denied (arithmetic-overflow); the value is left as it is, its bits unchanged
     * (a value in both types has the same 64 bits in each). */
    KSM_OP_CAST,
    KSM_OP_COUNT
};

/* ksm_insn.flags of the string instructions (KSM_OP_SEQ_STR) and of the element reads. */
#define KSM_INSN_STR_POPPED 1u   /* an offset is popped, the string's descriptor arg bytes past */
#define KSM_INSN_OTHER_POPPED 2u /* STR_CMP: the other string's too (popped first) */
/* LOAD, UNION_TAG, UNION_ARM: the byte offset read is arg plus the element's offset on top of
 * the stack (KSM_OP_ELEM_ADDR); LOAD and UNION_TAG pop it, UNION_ARM leaves it for the next.
 * SEQ_COUNT, ELEM_ADDR, SEQ_MEMBER, ARRAY_MEMBER, SEQ_STR_MEMBER, SEQ_FIELD_MEMBER,
 * ARRAY_FIELD_MEMBER: the sequence's descriptor (an array's first element, or its field) is arg
 * bytes past the element's offset (popped; ELEM_ADDR: below the index); SEQ_ELEM, ARRAY_ELEM
 * and ARRAY_FIELD with it are a malformed table, and the other instructions do not look at it. */
#define KSM_INSN_BASE 4u
/* UNION_ARM: not run where it stands; a guard of the SEQ_FIELD_MEMBER or ARRAY_FIELD_MEMBER
 * after it (and after the other guards), checked in each element. */
#define KSM_INSN_EACH 8u

struct ksm_insn {
    uint8_t op;        /* enum ksm_op */
    uint8_t size;      /* LOAD, SEQ_*, ARRAY_ELEM: 1, 2, 4 or 8 (an element's size) */
    uint8_t is_signed; /* LOAD, SEQ_ELEM, ARRAY_ELEM: sign-extend */
    uint8_t flags;     /* string instructions: KSM_INSN_*_POPPED; 0 otherwise */
    uint32_t arg;      /* LOAD: byte offset in the message (header included); jumps: target */
    int64_t imm;       /* CONST: value; LOAD: index into fields[] */
};

/* The Base model's rules. */
enum ksm_call_kind {
    KSM_CALL_GRANT = 0,   /* grant ()          */
    KSM_CALL_DENY = 1,    /* deny ()           */
    KSM_CALL_ASSERT = 2,  /* assert (expr): granted iff expr is true */
    KSM_CALL_DENY_IF = 3, /* deny (expr): denied iff expr is true */
    /* The Flow model's rules on object `object` (flows[]), for the process `sid` names. */
    KSM_CALL_FLOW_INIT = 4,  /* init {sid}: a new machine in the initial state; denied if one is */
    KSM_CALL_FLOW_FINI = 5,  /* fini {sid}: removes the machine; denied if there is none */
    KSM_CALL_FLOW_ENTER = 6, /* enter {sid, state: arg}: denied unless current -> arg is allowed */
    KSM_CALL_FLOW_ALLOW = 7, /* allow {sid, states}: granted iff the current state is in the arg
                              * bit set */
    /* The HashSet model's rules on object `object` (sets[]); the entry is the value of the
     * call's code. */
    KSM_CALL_SET_INIT = 8,    /* init {sid}: a free table of the pool; denied if one is, or none */
    KSM_CALL_SET_FINI = 9,    /* fini {sid}: frees the table; denied if there is none */
    KSM_CALL_SET_ADD = 10,    /* add {sid, entry}: denied if no table, or full without entry */
    KSM_CALL_SET_REMOVE = 11, /* remove {sid, entry}: denied if no table, or entry not in it */
    /* The StaticMap model's rules on object `object` (maps[]). */
    KSM_CALL_MAP_INIT = 12,     /* init {sid}: a free table, every key at its default */
    KSM_CALL_MAP_FINI = 13,     /* fini {sid}: frees the table */
    KSM_CALL_MAP_SET = 14,      /* set {sid, key: arg, value: the call's code}: working instance */
    KSM_CALL_MAP_COMMIT = 15,   /* commit {sid}: working instance -> base instance */
    KSM_CALL_MAP_ROLLBACK = 16, /* rollback {sid}: base instance -> working instance */
    /* The Mic model's rules on object `object` (mics[]). Subject operands are processes named
     * by enum ksm_sid_ref: `sid` bits 0..3 the first (source; execute: target), bits 4..7 the
     * second (driver; call and invoke: target). Resource operands are SIDs computed by code:
     * the target by the call's code, the container by code2 (code2_len 0: `container : ()`).
     * arg bits 0..15: 1 + the index of `level` in the object's levels (0: `()`), bits 16..31
     * the same for levelR. ksm_decide.c says what each grants. */
    KSM_CALL_MIC_EXECUTE = 17,   /* execute {target, level, levelR}: sets a subject's levels */
    KSM_CALL_MIC_CREATE = 18,    /* create {source, target, container, driver, level} */
    KSM_CALL_MIC_UPGRADE = 19,   /* upgrade {...}: raises a resource's level */
    KSM_CALL_MIC_DOWNGRADE = 20, /* downgrade {...}: lowers a resource's level */
    KSM_CALL_MIC_CALL = 21,      /* call {source, target}: data from subject target to source */
    KSM_CALL_MIC_INVOKE = 22,    /* invoke {source, target}: data from source to target */
    KSM_CALL_MIC_READ = 23,      /* read {source, target}: subject source reads resource target */
    KSM_CALL_MIC_WRITE = 24,     /* write {source, target}: subject source writes it */
    KSM_CALL_KIND_COUNT
};

/* Which process of the event a stateful call concerns (ksm_call.sid), or KSM_SID_RESOURCE: a
 * Flow, HashSet or StaticMap call on the resource whose SID its code2 computes (the object keeps
 * its state per resource: `resources` != 0). */
enum ksm_sid_ref { KSM_SID_SRC = 0, KSM_SID_DST = 1, KSM_SID_RESOURCE = 2 };

/*
 * A resource table: the state an object keeps per resource (not per process slot), keyed by the
 * resource's SID (the kernel's numbering, as handles show it). capacity entries of two words at
 * words base .. base + 2 * capacity of the state's res: 1 + SID (0: a free entry), then the
 * value (Mic: the level; Flow: 1 + the state, HashSet and StaticMap: 1 + the pool's table the
 * resource holds; 0: none, an entry kept until its event is granted, then removed). Linear
 * probing from the SID's hash: a lookup is O(1) while the table is not nearly full. Mic, Flow,
 * HashSet and StaticMap objects share its code (ksm_decide.c).
 */
#define KSM_RESOURCES_DEFAULT 256u
#define KSM_RESOURCES_MAX 65536u

/* A Flow object: a finite-state machine per process, or per resource when resources != 0 (a
 * resource table at res_base); states are 0 .. nstates-1. */
/* State changes one event may make, summed over the stateful calls of its cell (pslc refuses
 * more): the size of a decision's undo log. */
#define KSM_STATE_CHANGES_MAX 128u
#define KSM_FLOW_STATES_MAX 32u /* a state set is one uint32_t bit mask */
struct ksm_flow {
    const char *name;            /* the policy object's name ("service_flow") */
    uint32_t nstates;            /* 1 .. KSM_FLOW_STATES_MAX */
    uint32_t initial;            /* < nstates */
    const uint32_t *transitions; /* nstates masks: bit k of [s] allows s -> k */
    const char *const *states;   /* nstates names (audit text, PAL) */
    uint32_t resources;          /* 0: per process; else the resource table's capacity */
    uint32_t res_base;           /* its first word in res */
};

/* A HashSet object: a pool of pool_size tables of at most set_size integer entries; a process
 * holds at most one. In the state's set words, table k of the pool is at base + k * (1 +
 * set_size): a word that is 0 for a free table, else 1 + its entry count, then the entries. */
#define KSM_SET_SIZE_MAX 4096u
#define KSM_SET_POOL_MAX 65536u
struct ksm_hashset {
    const char *name;
    uint32_t set_size;  /* 1 .. KSM_SET_SIZE_MAX */
    uint32_t pool_size; /* 1 .. KSM_SET_POOL_MAX */
    uint32_t base;      /* first of its pool_size * (1 + set_size) words */
    uint32_t resources; /* 0: a table per process; else per resource (a resource table) */
    uint32_t res_base;  /* its first word in res */
};

/* A StaticMap object: a pool of pool_size tables of nkeys integer values, each in a base and a
 * working instance. In the state's map words, table k of the pool is at base + k * (1 + 2 *
 * nkeys): a word that is 0 for a free table, else 1, then the base values, then the working. */
#define KSM_MAP_KEYS_MAX 16u
struct ksm_staticmap {
    const char *name;
    uint32_t nkeys;     /* 1 .. KSM_MAP_KEYS_MAX */
    uint32_t pool_size; /* 1 .. KSM_SET_POOL_MAX */
    uint32_t base;      /* first of its pool_size * (1 + 2 * nkeys) words */
    /* The keys, for audit records only (decisions name a key by its index): keys[k] holds
     * key_lens[k] bytes, a NUL after them. list_keys 0: text; 1: List<UInt8>, whose bytes may
     * hold NULs (audit writes them as [1, 2]). */
    const char *const *keys;
    const uint64_t *defaults;
    uint32_t resources; /* as ksm_hashset */
    uint32_t res_base;
    const uint32_t *key_lens;
    uint32_t list_keys;
};

/*
 * A Mic object: integrity levels of subjects (processes, the kernel) and resources. A level is
 * one word: (1 + degree) << 32 | the bit set of its categories; 0 is "no level assigned". Level
 * a <= b iff degree(a) <= degree(b) and categories(a) is a subset of categories(b); two levels
 * neither of which is <= the other are incomparable. The kernel's level and levelR are the top
 * (the highest degree, every category). Subjects' levels are in the state's mic_subj words
 * (ksm_state); resources', keyed by the resource's SID, in its resource table (above) of
 * `capacity` entries at words base .. base + 2 * capacity of res.
 */
#define KSM_MIC_DEGREES_MAX 255u
#define KSM_MIC_CATEGORIES_MAX 32u /* a category set is one uint32_t bit mask */
#define KSM_MIC_LEVELS_MAX 65535u  /* distinct levels one object's rules name (16-bit index) */
struct ksm_mic {
    const char *name;
    uint32_t ndegrees;             /* 1 .. KSM_MIC_DEGREES_MAX */
    uint32_t ncategories;          /* 0 .. KSM_MIC_CATEGORIES_MAX */
    uint32_t capacity;             /* resources with a level at once: 1 .. KSM_RESOURCES_MAX */
    uint32_t base;                 /* first of its 2 * capacity words in res */
    const char *const *degrees;    /* lowest first */
    const char *const *categories; /* bit k of a level's set is categories[k] */
    const uint64_t *levels;        /* the levels its rules name (ksm_call.arg) */
    uint32_t nlevels;
};

struct ksm_call {
    uint8_t kind;           /* enum ksm_call_kind */
    uint8_t sid;            /* stateful calls: enum ksm_sid_ref */
    uint16_t audit_profile; /* index into the profiles of audit[] (0 = the empty profile) */
    uint32_t code_start;    /* first instruction in code[] (ASSERT, DENY_IF) */
    uint32_t code_len;
    uint32_t loc;    /* index into locs[]: where the call is in the PSL */
    uint32_t object; /* stateful calls: index into flows[], sets[] or maps[] */
    uint32_t arg;    /* FLOW_ENTER: the state; FLOW_ALLOW: the set of states (bit mask);
                      * MAP_SET: the key */
    /* A call inside a case of a `choice`: it applies only when choices[choice] picks case `arm`
     * (and so on up through that choice's parents). 0: not inside a choice, always applies. */
    uint32_t choice;
    uint32_t arm;
    uint32_t code2_start; /* Mic create, upgrade, downgrade: the container's SID (0 len: none);
                           * sid KSM_SID_RESOURCE: the resource's SID */
    uint32_t code2_len;
};

/*
 * A `choice (<expression>) { "<case>" : ... _ : ... }` of the policy. Its code computes the case
 * the event takes, 0 .. ncases-1 (the first case whose condition holds; the `_` case, or none,
 * when no condition does). A decision computes each choice at most once, when the first call
 * under it is reached, so every call of the choice sees the same case even after a call before
 * it changed the state. A choice inside a case of another names that one as its parent (a
 * smaller index: chains end). A cell's calls need at most KSM_CHOICES_MAX choices, parents
 * included (pslc refuses more; ksm_decide() denies a table that needs more).
 */
#define KSM_CHOICES_MAX 32u
struct ksm_choice {
    uint32_t code_start;
    uint32_t code_len;
    uint32_t parent;     /* 0: none; else < this choice's index */
    uint32_t parent_arm; /* the parent's case this choice lies in */
};

struct ksm_cell {
    uint32_t first; /* into cell_calls[] */
    uint32_t count; /* rules that apply, in policy order; the verdict needs all to grant */
};

struct ksm_class {
    const char *name;
    uint32_t ep_first;   /* first endpoint in endpoints[] */
    uint32_t nendpoints; /* real endpoints (ids 0 .. n-1, as in the class's EDL) */
    uint32_t slot_exec;  /* slot of execute events aimed at this class */
    uint32_t sec_ep;     /* endpoints[] index of the security interface, or UINT32_MAX */
};

struct ksm_endpoint {
    const char *name; /* "vmm.VMM" */
    uint32_t slot_base;
    uint32_t nmethods;
};

struct ksm_loc {
    uint32_t file; /* index into files[] */
    uint32_t line;
    uint32_t col;
};

#define KSM_AUDIT_GRANTED 1u /* the profile logs granted decisions */
#define KSM_AUDIT_DENIED 2u  /* the profile logs denied decisions (denials are always logged) */
/* A Regex object's `emit`: which of its expressions the profile logs. */
#define KSM_AUDIT_EMIT_MATCH 4u
#define KSM_AUDIT_EMIT_SELECT 8u

/*
 * The audit of one security model object's methods at one (profile, runtime level): kss
 * (KSM_AUDIT_GRANTED, KSM_AUDIT_DENIED: which results of its rules are logged; an expression
 * that runs counts as granted, one that cannot run as denied), emit (Regex: KSM_AUDIT_EMIT_*)
 * and omit (Flow: bit s set, no record while the machine is in state s before the call).
 * Objects are numbered flows, then sets, maps, mics, then the Regex objects (ksm_table
 * .regex_object_names): ksm_audit_object_id().
 */
struct ksm_obj_audit {
    uint32_t mask; /* KSM_AUDIT_GRANTED | KSM_AUDIT_DENIED | KSM_AUDIT_EMIT_* */
    uint32_t omit;
};

struct ksm_table {
    uint32_t magic;
    uint32_t nclasses, nendpoints, nslots, ncells, ncalls, ncell_calls, ncode, nlocs;
    uint32_t nfiles, nfields, nprofiles, nlevels, audit_level;
    const struct ksm_class *classes;
    const struct ksm_endpoint *endpoints;
    const uint32_t *index; /* KSM_EV_COUNT * nclasses * nslots cell numbers */
    const struct ksm_cell *cells;
    const uint32_t *cell_calls; /* call numbers */
    const struct ksm_call *calls;
    const struct ksm_insn *code;
    const struct ksm_loc *locs; /* locs[0] is "no rule" */
    const char *const *files;
    const char *const *fields;     /* "message.size" ... */
    const uint8_t *audit;          /* nprofiles * nlevels masks of KSM_AUDIT_* */
    const char *const *slot_names; /* nslots: "execute", "vmm.VMM.Allocate", "security.Check" */
    /* nslots: 1 where the slot's method declares `error` parameters. An error answer with a
     * body is only ever an answer to such a method: any other is denied
     * (KSM_R_NO_ERROR_PARAMS), so that a server cannot pass an answer its policy denies off as
     * an error. NULL: no method has error parameters. */
    const uint8_t *slot_has_error;
    /* The string literals of the policy's conditions (KSM_OP_STR_EQ); NULL when none. */
    const char *const *strings;
    uint32_t nstrings;
    /* The Flow objects; a table with none (nflows 0) decides without state. */
    const struct ksm_flow *flows;
    uint32_t nflows;
    /* The most state changes of any one cell: the undo log one decision needs
     * (<= KSM_STATE_CHANGES_MAX, checked by pslc and by ksm_decide_state()). */
    uint32_t max_state_writes;
    /* The HashSet objects and the words their pools take in the state. */
    const struct ksm_hashset *sets;
    uint32_t nsets;
    uint32_t nset_words;
    /* The StaticMap objects and the words their pools take in the state. */
    const struct ksm_staticmap *maps;
    uint32_t nmaps;
    uint32_t nmap_words;
    /* The patterns of the Regex model's match expressions (KSM_OP_REGEX_MATCH). */
    const struct ksm_regex *regexes;
    uint32_t nregexes;
    /* The policy's choices; [0] is unused (ksm_call.choice 0 means none); nchoices 0 when none. */
    const struct ksm_choice *choices;
    uint32_t nchoices;
    /* The Mic objects; the words the resource tables of every model take in the state. */
    const struct ksm_mic *mics;
    uint32_t nmics;
    uint32_t nres_words;
    /* The audit of model objects' methods: obj_audit[(profile * nlevels + level) * naudit_objects
     * + object] (struct ksm_obj_audit). NULL when no profile audits an object other than base:
     * then no decision looks at it. regex_object[k] is the Regex object (0 .. nregex_objects-1,
     * named by regex_object_names) of regexes[k]. */
    const struct ksm_obj_audit *obj_audit;
    uint32_t naudit_objects;
    const uint32_t *regex_object;
    const char *const *regex_object_names;
    uint32_t nregex_objects;
};

/* The audit object number of object `object` of a model (flows, sets, maps, mics, Regex
 * objects in that order: 0 .. 4). */
static inline uint32_t ksm_audit_object_id(const struct ksm_table *t, uint32_t model,
                                           uint32_t object)
{
    uint32_t base = model == 0   ? 0
                    : model == 1 ? t->nflows
                    : model == 2 ? t->nflows + t->nsets
                    : model == 3 ? t->nflows + t->nsets + t->nmaps
                                 : t->nflows + t->nsets + t->nmaps + t->nmics;
    return base + object;
}

#endif
