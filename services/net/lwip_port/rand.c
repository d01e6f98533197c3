/*
 * LWIP_RAND(): the numbers lwIP draws for TCP initial sequence numbers, DHCP transaction ids,
 * DNS query ids and source ports.
 *
 * These must not be guessable by an off-path attacker (a guessed sequence number or DNS id
 * lets one inject data or forge answers), so the generator is seeded from HAL.GetEntropy and
 * re-seeded every RESEED_AFTER draws; between seeds it is xorshift64*, which is fast and
 * mixes the seed well, though it is not a cryptographic generator.
 */
#include <stdint.h>

#include <user/core.h>

#include "arch/cc.h"

#define RESEED_AFTER 4096u

static uint64_t state;
static uint32_t draws_left;

static void reseed(void)
{
    uint64_t seed = 0;
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    /* The TSC is mixed in so that a refused GetEntropy still gives differing seeds. */
    if (core_get_entropy(&seed, sizeof seed) != rcOk)
        seed = 0;
    state ^= seed ^ (((uint64_t)hi << 32) | lo);
    if (state == 0)
        state = 0x9e3779b97f4a7c15ull; /* xorshift must never hold zero */
    draws_left = RESEED_AFTER;
}

unsigned int lwip_port_rand(void)
{
    if (draws_left == 0)
        reseed();
    draws_left--;
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (unsigned int)((state * 0x2545f4914f6cdd1dull) >> 32);
}
