/* The kernel's generator without a hardware source (kern/lib/crng.c) and its block function
 * (kern/lib/chacha20.c): ChaCha20 against RFC 8439's test vector; the generator's outputs are
 * the second half of each block under the pool-folded key, its next key the first half (fast
 * key erasure), given outputs are erased, samples change the outputs, and the bits are
 * balanced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/chacha20.h"
#include "lib/crng.h"

/* RFC 8439, section 2.3.2: key 00 01 .. 1f, counter 1, nonce 00 00 00 09 00 00 00 4a 00 00 00
 * 00; the serialised block (also what `openssl enc -chacha20` gives for these). */
static void rfc8439_block(void **state)
{
    (void)state;
    uint32_t key[8];
    uint8_t kb[32];
    for (int i = 0; i < 32; i++)
        kb[i] = (uint8_t)i;
    memcpy(key, kb, sizeof key); /* little-endian words, as the RFC reads its bytes */
    const uint8_t nb[12] = {0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0};
    uint32_t nonce[3];
    memcpy(nonce, nb, sizeof nonce);
    static const uint8_t want[64] = {
        0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3,
        0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22,
        0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa,
        0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12, 0x9c, 0xd1,
        0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e};
    uint32_t out[16];
    chacha20_block(key, 1, nonce, out);
    assert_memory_equal(out, want, sizeof want);
}

/* The block crng.c makes from key k (the generator's, before folding) with the pool and nonce
 * n, computed here from the contract: key XOR pool words, counter 0, nonce {n, 0, 0}. */
static void expected_block(const uint32_t k[8], const uint64_t pool[4], uint32_t n, uint32_t b[16])
{
    uint32_t key[8];
    for (int i = 0; i < 8; i++)
        key[i] = k[i] ^ (uint32_t)(pool[i / 2] >> (32 * (i & 1)));
    const uint32_t nonce[3] = {n, 0, 0};
    chacha20_block(key, 0, nonce, b);
}

static uint64_t word(const uint32_t b[16], int i)
{
    return (uint64_t)b[8 + 2 * i] | (uint64_t)b[9 + 2 * i] << 32;
}

static void outputs_and_key_erasure(void **state)
{
    (void)state;
    struct crng g;
    memset(&g, 0, sizeof g);
    for (uint64_t s = 1; s <= 4; s++)
        crng_add(&g, s * 0x1234567ull);
    for (int i = 0; i < 4; i++)
        assert_int_not_equal(g.pool[i], 0); /* one sample in each word */
    uint64_t pool[4];
    memcpy(pool, g.pool, sizeof pool);
    uint32_t zero[8] = {0}, b1[16], b2[16];
    expected_block(zero, pool, 0, b1);
    /* The four outputs of block 0, last word first; each erased once given. */
    for (int i = 3; i >= 0; i--) {
        assert_int_equal(crng_next(&g), word(b1, i));
        assert_int_equal(g.out[g.left], 0);
    }
    /* The key now is block 0's first half, which no output showed. */
    assert_memory_equal(g.key, b1, sizeof g.key);
    expected_block(b1, pool, 1, b2);
    assert_int_equal(crng_next(&g), word(b2, 3));
    assert_memory_equal(g.key, b2, sizeof g.key);
    /* A sample added now enters from the next block on. */
    crng_add(&g, 99);
    assert_int_equal(crng_next(&g), word(b2, 2));
}

static void samples_change_outputs(void **state)
{
    (void)state;
    struct crng a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    crng_add(&a, 1000);
    crng_add(&b, 1001); /* one bit apart */
    int same = 0;
    for (int i = 0; i < 64; i++)
        same += crng_next(&a) == crng_next(&b);
    assert_int_equal(same, 0);
}

/* Every bit position set in 40-60 % of 8192 outputs (the expected spread is about 1 %), and no
 * output repeated among the first 1024. */
static void balanced_bits(void **state)
{
    (void)state;
    struct crng g;
    memset(&g, 0, sizeof g);
    crng_add(&g, 42);
    unsigned ones[64] = {0};
    static uint64_t first[1024];
    for (int i = 0; i < 8192; i++) {
        uint64_t v = crng_next(&g);
        if (i < 1024)
            first[i] = v;
        for (int bit = 0; bit < 64; bit++)
            ones[bit] += (v >> bit) & 1;
    }
    for (int bit = 0; bit < 64; bit++) {
        assert_true(ones[bit] > 8192 * 40 / 100);
        assert_true(ones[bit] < 8192 * 60 / 100);
    }
    for (int i = 0; i < 1024; i++)
        for (int j = i + 1; j < 1024; j++)
            assert_int_not_equal(first[i], first[j]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc8439_block),
        cmocka_unit_test(outputs_and_key_erasure),
        cmocka_unit_test(samples_change_outputs),
        cmocka_unit_test(balanced_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
