/*
 * LWIP_RAND(): the numbers lwIP draws for TCP initial sequence numbers, DHCP transaction ids,
 * DNS query ids and source ports.
 *
 * These must not be guessable by an attacker, not even one who opens connections of its own
 * and reads their sequence numbers: a guessed sequence number lets one inject data into
 * another's connection or reset it, a guessed DNS id and port lets one forge answers. So they
 * come from the kernel's generator design (kern/lib/crng.h, compiled here too): ChaCha20 with
 * fast key erasure, whose outputs reveal neither its key nor each other, keyed from 256 bits
 * of HAL.GetEntropy and stirred with another 256 every REKEY_AFTER draws. (A xorshift64*
 * stream, which this was, gives its state away to a few outputs and a 2^32 search.) lwIP runs
 * on one thread (NO_SYS): no lock.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <user/core.h>

#include "arch/cc.h"
#include "lib/crng.h"

#define REKEY_AFTER 4096u

static struct crng generator;
static uint32_t draws_left;

static void stir(void)
{
    uint64_t seed[4] = {0};
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    /* A refused GetEntropy (the policy's choice) leaves the key as it was, with the TSC in:
     * the outputs still differ, but nothing an observer cannot know may be in the key, so
     * the stack says so once. */
    Retcode rc = core_get_entropy(seed, sizeof seed);
    if (rc != rcOk) {
        seed[0] = seed[1] = seed[2] = seed[3] = 0;
        static bool said;
        if (!said)
            printf("netstack: HAL.GetEntropy of %u bytes refused (%s): TCP sequence numbers, DNS "
                   "ids and ports keyed by the TSC alone, guessable\n",
                   (unsigned)sizeof seed, retcode_name(rc));
        said = true;
    }
    for (int i = 0; i < 4; i++)
        crng_add(&generator, seed[i]);
    crng_add(&generator, ((uint64_t)hi << 32) | lo);
    draws_left = REKEY_AFTER;
}

unsigned int lwip_port_rand(void)
{
    if (draws_left == 0)
        stir();
    draws_left--;
    return (unsigned int)crng_next(&generator);
}
