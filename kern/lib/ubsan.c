/*
 * The undefined-behaviour sanitizer's run-time for the kernel-ubsan build (kern/CMakeLists.txt:
 * -fsanitize=undefined, BASTION_UBSAN). The compiler checks every signed overflow, shift,
 * division, array index, misaligned or null access, invalid bool/enum load and pointer
 * overflow, and calls one of the __ubsan_handle_* functions below when a check fails. There is
 * no recovery in a kernel: each handler prints "UBSAN: <what> at <file>:<line>:<column>" and
 * panics, whose report symbolizes the backtrace (the handler's caller is the function with the
 * undefined behaviour). The other kernels are built without the checks and without this file's
 * contents.
 *
 * Every handler's first argument points at data whose first member is the source location;
 * the remaining arguments (the operands) are not needed for the report.
 */
#ifdef BASTION_UBSAN

#include <stdint.h>

#include "boot/params.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "lib/ubsan.h"
#include "panic.h"

struct ubsan_source_location {
    const char *file;
    uint32_t line;
    uint32_t column;
};

/* type_mismatch_v1's data: where, the type, log2 of the required alignment, the kind of access. */
struct ubsan_type_mismatch_v1 {
    struct ubsan_source_location loc;
    const void *type;
    uint8_t log_alignment;
    uint8_t kind;
};

static const char *const access_kind[] = {
    "load of",
    "store to",
    "reference binding to",
    "member access within",
    "member call on",
    "constructor call on",
    "downcast of",
    "downcast of",
    "upcast of",
    "cast to virtual base of",
    "nonnull binding to",
    "dynamic operation on",
};

static noreturn void ubsan_report(const struct ubsan_source_location *loc, const char *what)
{
    if (loc != NULL && loc->file != NULL)
        panic("UBSAN: %s at %s:%u:%u", what, loc->file, loc->line, loc->column);
    panic("UBSAN: %s at an unknown place", what);
}

#define UBSAN_HANDLER(name, what)                                                \
    void __ubsan_handle_##name(const struct ubsan_source_location *loc);         \
    void __ubsan_handle_##name(const struct ubsan_source_location *loc)          \
    {                                                                            \
        ubsan_report(loc, what);                                                 \
    }                                                                            \
    void __ubsan_handle_##name##_abort(const struct ubsan_source_location *loc); \
    void __ubsan_handle_##name##_abort(const struct ubsan_source_location *loc)  \
    {                                                                            \
        ubsan_report(loc, what);                                                 \
    }

/* The compiler passes the operands after the data; these handlers do not read them (the System
 * V calling convention lets a callee ignore trailing arguments). */
UBSAN_HANDLER(add_overflow, "signed addition overflow")
UBSAN_HANDLER(sub_overflow, "signed subtraction overflow")
UBSAN_HANDLER(mul_overflow, "signed multiplication overflow")
UBSAN_HANDLER(negate_overflow, "signed negation overflow")
UBSAN_HANDLER(divrem_overflow, "division by zero or signed division overflow")
UBSAN_HANDLER(shift_out_of_bounds, "shift out of bounds")
UBSAN_HANDLER(out_of_bounds, "array index out of bounds")
UBSAN_HANDLER(builtin_unreachable, "__builtin_unreachable() reached")
UBSAN_HANDLER(missing_return, "end of a value-returning function reached")
UBSAN_HANDLER(load_invalid_value, "load of a value invalid for its type (bool or enum)")
UBSAN_HANDLER(nonnull_arg, "null passed as a nonnull argument")
UBSAN_HANDLER(nonnull_return_v1, "null returned from a returns_nonnull function")
UBSAN_HANDLER(vla_bound_not_positive, "variable-length array bound not positive")
UBSAN_HANDLER(pointer_overflow, "pointer arithmetic overflow")
UBSAN_HANDLER(invalid_builtin, "invalid argument to a builtin (clz/ctz of 0)")
UBSAN_HANDLER(float_cast_overflow, "float to integer conversion overflow")
UBSAN_HANDLER(alignment_assumption, "alignment assumption violated")

void __ubsan_handle_type_mismatch_v1(const struct ubsan_type_mismatch_v1 *d, uintptr_t ptr);
void __ubsan_handle_type_mismatch_v1(const struct ubsan_type_mismatch_v1 *d, uintptr_t ptr)
{
    const char *kind =
        d->kind < sizeof access_kind / sizeof access_kind[0] ? access_kind[d->kind] : "access to";
    if (ptr == 0)
        panic("UBSAN: %s a null pointer at %s:%u:%u", kind, d->loc.file, d->loc.line,
              d->loc.column);
    if (d->log_alignment != 0 && (ptr & ((1ull << d->log_alignment) - 1)) != 0)
        panic("UBSAN: %s misaligned address %#lx (needs %lu-byte alignment) at %s:%u:%u", kind,
              (unsigned long)ptr, 1ul << d->log_alignment, d->loc.file, d->loc.line, d->loc.column);
    panic("UBSAN: %s address %#lx with too little space for its type at %s:%u:%u", kind,
          (unsigned long)ptr, d->loc.file, d->loc.line, d->loc.column);
}

void __ubsan_handle_type_mismatch_v1_abort(const struct ubsan_type_mismatch_v1 *d, uintptr_t ptr);
void __ubsan_handle_type_mismatch_v1_abort(const struct ubsan_type_mismatch_v1 *d, uintptr_t ptr)
{
    __ubsan_handle_type_mismatch_v1(d, ptr);
}

/* Operands the compiler cannot see through, so that the checks stay in. */
static volatile int ubsan_test_shift = 40, ubsan_test_big = 0x7fffffff, ubsan_test_index = 8;
static int ubsan_test_array[4];

void ubsan_boot_check(void)
{
    const char *what = kparam_get("ubsantest");
    if (what == NULL)
        return;
    kprintf("ubsan: ubsantest=%s: committing it on purpose\n", what);
    if (strcmp(what, "shift") == 0)
        kprintf("ubsan: 1 << 40 = %d\n", 1 << ubsan_test_shift);
    else if (strcmp(what, "overflow") == 0)
        kprintf("ubsan: INT_MAX + 1 = %d\n", ubsan_test_big + 1);
    else if (strcmp(what, "index") == 0)
        kprintf("ubsan: a[8] of 4 = %d\n", ubsan_test_array[ubsan_test_index]);
    kprintf("ubsan: ubsantest=%s was not reported\n", what);
}

#endif
