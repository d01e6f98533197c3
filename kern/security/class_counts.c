/*
 * Per-class decision counts (class_counts.h).
 *
 * Claiming a slot without a lock and without duplicates: every writer scans the slots from 0.
 * A slot goes EMPTY -> CLAIMING (one writer wins the compare-and-swap) -> READY (its name
 * written before, released with the state); it never changes again. A writer that meets a
 * CLAIMING slot waits until it is READY and compares the name, so two writers of the same new
 * class cannot pass each other: the one that lost the swap finds the winner's name there.
 * Readers use only READY slots; counters are atomics (a snapshot may be a few events behind on
 * some CPU, never torn).
 */
#include "security/class_counts.h"

#include <stdint.h>

#include <bastion/security_table.h>

#include "lib/string.h"

enum { SLOT_EMPTY, SLOT_CLAIMING, SLOT_READY };

static struct slot {
    uint32_t state; /* atomic */
    char name[BASTION_SECURITY_CLASS_SIZE];
    uint64_t decisions, denials; /* atomic */
} slots[BASTION_SECURITY_TABLE_MAX];
/* The totals are the hook's (security_decided): every decision is counted there once, and
 * the same decisions come here; class_counts_fill's caller passes them. */

/* dst (size bytes, size > 0) gets src cut to fit, always NUL-ended. */
static void copy_name(char *dst, const char *src, size_t size)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static struct slot *find_or_claim(const char *name)
{
    for (unsigned i = 0; i < BASTION_SECURITY_TABLE_MAX; i++) {
        struct slot *s = &slots[i];
        uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        if (st == SLOT_EMPTY) {
            uint32_t expect = SLOT_EMPTY;
            if (__atomic_compare_exchange_n(&s->state, &expect, SLOT_CLAIMING, false,
                                            __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
                copy_name(s->name, name, sizeof s->name);
                __atomic_store_n(&s->state, SLOT_READY, __ATOMIC_RELEASE);
                return s;
            }
            st = expect;
        }
        while (st == SLOT_CLAIMING) {
            __builtin_ia32_pause();
            st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        }
        if (strncmp(s->name, name, sizeof s->name - 1) == 0)
            return s;
    }
    return NULL;
}

/* The cache holds a slot's index + 1, or SLOT_CACHE_FULL once the table was found full. */
#define SLOT_CACHE_FULL UINT32_MAX

/* A class's first decision through this cache (or without one): the look-up by name, kept out
 * of line so that the common case, a cached slot, needs no registers saved. Returns the slot,
 * NULL once the table is full. */
static __attribute__((noinline)) struct slot *slot_looked_up(const char *class_name,
                                                             uint32_t *slot_cache)
{
    struct slot *s = find_or_claim(class_name);
    if (slot_cache != NULL)
        __atomic_store_n(slot_cache, s != NULL ? (uint32_t)(s - slots) + 1 : SLOT_CACHE_FULL,
                         __ATOMIC_RELAXED);
    return s;
}

void class_counts_add(const char *class_name, uint32_t *slot_cache, bool denied)
{
    /* A cached slot first: it was looked up by this class's name, which is not empty. */
    uint32_t cached = slot_cache != NULL ? __atomic_load_n(slot_cache, __ATOMIC_RELAXED) : 0;
    struct slot *s;
    if (cached == SLOT_CACHE_FULL)
        return;
    if (cached != 0) {
        s = &slots[cached - 1];
    } else {
        if (class_name == NULL || class_name[0] == '\0')
            return;
        s = slot_looked_up(class_name, slot_cache);
        if (s == NULL)
            return;
    }
    __atomic_add_fetch(&s->decisions, 1, __ATOMIC_RELEASE);
    if (denied)
        __atomic_add_fetch(&s->denials, 1, __ATOMIC_RELEASE);
}

size_t class_counts_file_max(void)
{
    return sizeof(struct bastion_security_table_header) +
           BASTION_SECURITY_TABLE_MAX * sizeof(struct bastion_security_record);
}

size_t class_counts_fill(void *buf, size_t cap, uint64_t decisions, uint64_t denials)
{
    /* Denials are read before decisions everywhere: a decision is counted before its denial,
     * so what is read never has more denials than decisions. */
    struct bastion_security_table_header h = {
        .magic = BASTION_SECURITY_TABLE_MAGIC,
        .version = BASTION_SECURITY_TABLE_VERSION,
        .record_size = sizeof(struct bastion_security_record),
    };
    h.decisions = decisions;
    h.denials = denials;
    if (cap < sizeof h)
        return 0;
    uint8_t *out = (uint8_t *)buf + sizeof h;
    size_t room = (cap - sizeof h) / sizeof(struct bastion_security_record);
    for (unsigned i = 0; i < BASTION_SECURITY_TABLE_MAX && h.count < room; i++) {
        struct slot *s = &slots[i];
        if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SLOT_READY)
            continue;
        struct bastion_security_record r;
        memset(&r, 0, sizeof r);
        copy_name(r.class_name, s->name, sizeof r.class_name);
        r.denials = __atomic_load_n(&s->denials, __ATOMIC_ACQUIRE);
        r.decisions = __atomic_load_n(&s->decisions, __ATOMIC_ACQUIRE);
        memcpy(out + h.count * sizeof r, &r, sizeof r);
        h.count++;
    }
    memcpy(buf, &h, sizeof h);
    return sizeof h + h.count * sizeof(struct bastion_security_record);
}
