/*
 * Byte helpers of the IDL runtime, and the presence rule of a nested parameter's items.
 * Messages arrive at any alignment (a fuzzer's buffer, a user page), so fields are read and
 * written through fixed-size __builtin_memcpy, which the compiler turns into single unaligned
 * loads and stores (x86-64 allows them; the values are little-endian, as x86-64 is). No libc
 * beyond memcpy, which the freestanding kernel has too (kern/lib/string.c, also linked into
 * user programs).
 *
 * Short copies and clears go eight bytes at a time inline; copies of IDL_COPY_CALL bytes or more
 * call memcpy (a string move). Every message crosses these on the path of each call, and a
 * byte loop costs four instructions a byte.
 */
#ifndef BASTION_IDL_BYTES_H
#define BASTION_IDL_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "bastion_idl.h"

static inline uint32_t idl_rd32(const uint8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static inline uint16_t idl_rd16(const uint8_t *p)
{
    uint16_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static inline void idl_wr32(uint8_t *p, uint32_t v)
{
    __builtin_memcpy(p, &v, sizeof v);
}

static inline void idl_wr16(uint8_t *p, uint16_t v)
{
    __builtin_memcpy(p, &v, sizeof v);
}

#define IDL_COPY_CALL 128u

static inline void idl_copy(void *dst, const void *src, size_t n)
{
    if (n >= IDL_COPY_CALL) {
        __builtin_memcpy(dst, src, n);
        return;
    }
    uint8_t *d = dst;
    const uint8_t *s = src;
    for (; n >= 8; n -= 8, d += 8, s += 8) {
        uint64_t w;
        __builtin_memcpy(&w, s, sizeof w);
        __builtin_memcpy(d, &w, sizeof w);
    }
    for (; n > 0; n--)
        *d++ = *s++;
}

static inline void idl_zero(void *dst, size_t n)
{
    uint8_t *d = dst;
    const uint64_t zero = 0;
    for (; n >= 8; n -= 8, d += 8)
        __builtin_memcpy(d, &zero, sizeof zero);
    for (; n > 0; n--)
        *d++ = 0;
}

static inline uint64_t idl_pad8(uint64_t v)
{
    return (v + 7u) & ~(uint64_t)7u;
}

/* Where the parts of a message start, from its header values. */
static inline uint64_t idl_handles_at(uint32_t fixed_size)
{
    return 24u + idl_pad8(fixed_size);
}
static inline uint64_t idl_arena_at(uint32_t fixed_size, uint32_t handles)
{
    return idl_handles_at(fixed_size) + 8u * (uint64_t)handles;
}

/*
 * Whether item i of a nested parameter is present: each union tag up its guard chain selects
 * the arm that holds it. `form` is the wire form (tags at wire_offset) or C form (tags at
 * native_offset) of the parameter, or of one sequence element whose items start at `lo`;
 * `size` is that form's size. The tags read were checked against their arm counts before (the
 * guard's item comes first), so only equality matters here. Loops, never recurses: the chain
 * is as long as the union nesting, which idlc bounds.
 */
static inline int idl_item_present(const struct idl_item_desc *items, uint32_t lo, uint32_t i,
                                   const uint8_t *form, uint32_t size, int native)
{
    while (items[i].guard != 0) {
        uint32_t g = items[i].guard - 1u;
        /* descriptions are generated; a bad one must not loop, leave its range or overread */
        if (g >= i || g < lo)
            return 0;
        uint32_t at = native ? items[g].native_offset : items[g].wire_offset;
        if ((uint64_t)at + 4 > size)
            return 0;
        if (idl_rd32(form + at) != items[i].arm)
            return 0;
        i = g;
    }
    return 1;
}

#endif
