/*
 * The in-OS fuzzer's kernel coverage set and corpus (fuzz_kcov.h says what they are).
 */
#include "fuzz_kcov.h"

#include <string.h>

static uint64_t pcset[FZ_PCSET_SLOTS];
static uint64_t pcset_n;

static uint32_t slot_of(uint64_t pc)
{
    return (uint32_t)((pc * 0x9e3779b97f4a7c15ull) >> 48) & (FZ_PCSET_SLOTS - 1);
}

/* True when pc was not in the set and is now (or the set is full and it could not be added:
 * false then). */
static int pcset_insert(uint64_t pc)
{
    if (pc == 0)
        return 0;
    for (uint32_t i = slot_of(pc), probes = 0; probes < FZ_PCSET_SLOTS;
         i = (i + 1) & (FZ_PCSET_SLOTS - 1), probes++) {
        uint64_t cur = __atomic_load_n(&pcset[i], __ATOMIC_RELAXED);
        if (cur == pc)
            return 0;
        if (cur != 0)
            continue;
        if (__atomic_load_n(&pcset_n, __ATOMIC_RELAXED) >= FZ_PCSET_SLOTS / 4 * 3)
            return 0;
        uint64_t expected = 0;
        if (__atomic_compare_exchange_n(&pcset[i], &expected, pc, 0, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED)) {
            __atomic_add_fetch(&pcset_n, 1, __ATOMIC_RELAXED);
            return 1;
        }
        if (expected == pc) /* another thread put the same PC there first */
            return 0;
    }
    return 0;
}

uint32_t fz_pcset_add(const uint64_t *pcs, uint64_t n)
{
    uint32_t fresh = 0;
    for (uint64_t i = 0; i < n; i++)
        fresh += (uint32_t)pcset_insert(pcs[i]);
    return fresh;
}

uint64_t fz_pcset_count(void)
{
    return __atomic_load_n(&pcset_n, __ATOMIC_RELAXED);
}

int fz_corpus_keep(struct fz_rng *r, struct fz_corpus *c, const uint8_t *req, size_t len)
{
    if (len == 0 || len > FZ_INPUT_MAX)
        return 0;
    uint32_t at = c->n < FZ_CORPUS_MAX ? c->n++ : fz_below(r, FZ_CORPUS_MAX);
    memcpy(c->input[at], req, len);
    c->len[at] = (uint16_t)len;
    return 1;
}

size_t fz_corpus_pick(struct fz_rng *r, const struct fz_corpus *c, uint8_t *req, size_t cap)
{
    if (c->n == 0)
        return 0;
    uint32_t at = fz_below(r, c->n);
    size_t len = c->len[at];
    if (len > cap)
        return 0;
    memcpy(req, c->input[at], len);
    return len;
}
