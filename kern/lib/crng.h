/*
 * A random generator made of ChaCha20 (lib/chacha20.h) with fast key erasure: each block's
 * first 32 bytes become the next key and its other 32 bytes are four outputs, each given once
 * and erased. So what the generator holds never reveals an output it already gave, and an
 * output reveals nothing of the key (ChaCha20 is a pseudo-random function of its key): one
 * caller's outputs say nothing of another's. A mixed counter (splitmix64 over the TSC, what
 * the kernel had before) can be inverted from any one output to its state, and so predicts
 * every later one.
 *
 * Entropy enters through crng_add: samples (timings) stirred into a four-word pool, which is
 * folded into the key at every block. The pool is neither secret nor trusted: folding a known
 * value into a secret key leaves the key as secret as it was; what an observer cannot know of
 * the samples is what makes the key unguessable.
 *
 * No locks: the caller serialises crng_next on one generator (lib/random.c); crng_add may run
 * at any time beside it, on any CPU (its adds are atomic). Host-tested: test/host/kern/lib.
 */
#ifndef BASTION_LIB_CRNG_H
#define BASTION_LIB_CRNG_H

#include <stdint.h>

struct crng {
    uint32_t key[8];
    uint64_t out[4];    /* the last block's outputs; out[0..left) not given yet */
    uint32_t left;      /* how many of out[] are left */
    uint64_t blocks;    /* blocks made: the nonce, so no two blocks repeat under one key */
    uint64_t pool[4];   /* samples added, each mixed into one word */
    uint32_t pool_next; /* which word the next sample goes to */
};

/* Stirs one sample into g's pool; it reaches the output from the next block on. */
void crng_add(struct crng *g, uint64_t sample);
/* The next 64 random bits. A zeroed struct crng is a valid generator (seed it with crng_add
 * first: without samples its outputs are ChaCha20's of a known key). */
uint64_t crng_next(struct crng *g);

#endif
