/* The ChaCha20 random generator with fast key erasure (contract in crng.h). */
#include "lib/crng.h"

#include <stddef.h>

#include "lib/chacha20.h"

/* splitmix64's finaliser: a bijection that spreads every bit of a sample (a timing's few
 * unpredictable low bits) over the whole word before it is added to the pool. */
static uint64_t spread(uint64_t v)
{
    v ^= v >> 30;
    v *= 0xbf58476d1ce4e5b9ull;
    v ^= v >> 27;
    v *= 0x94d049bb133111ebull;
    return v ^ (v >> 31);
}

void crng_add(struct crng *g, uint64_t sample)
{
    uint32_t i = __atomic_fetch_add(&g->pool_next, 1, __ATOMIC_RELAXED) & 3u;
    __atomic_fetch_add(&g->pool[i], spread(sample + i), __ATOMIC_RELAXED);
}

/* Zeroes n bytes in a way the compiler may not drop as a dead store. */
static void erase(void *p, size_t n)
{
    volatile uint8_t *b = p;
    while (n--)
        *b++ = 0;
}

static void refill(struct crng *g)
{
    uint32_t k[8];
    for (int i = 0; i < 8; i++) {
        uint64_t w = __atomic_load_n(&g->pool[i / 2], __ATOMIC_RELAXED);
        k[i] = g->key[i] ^ (uint32_t)(w >> (32 * (i & 1)));
    }
    const uint32_t nonce[3] = {(uint32_t)g->blocks, (uint32_t)(g->blocks >> 32), 0};
    g->blocks++;
    uint32_t b[16];
    chacha20_block(k, 0, nonce, b);
    for (int i = 0; i < 8; i++)
        g->key[i] = b[i];
    for (int i = 0; i < 4; i++)
        g->out[i] = (uint64_t)b[8 + 2 * i] | (uint64_t)b[9 + 2 * i] << 32;
    g->left = 4;
    erase(k, sizeof k);
    erase(b, sizeof b);
}

uint64_t crng_next(struct crng *g)
{
    if (g->left == 0)
        refill(g);
    uint64_t v = g->out[--g->left];
    g->out[g->left] = 0;
    return v;
}
