/*
 * The in-OS fuzzer's message maker: random requests for a core method built from the method's
 * generated description (idl_method_desc), so that most of them pass the kernel's validation and
 * reach the handler, and the readers the fuzzer's self-protection uses on a finished message.
 *
 * Pure code: no system calls, so the same file can be read and tested without a kernel.
 */
#ifndef FUZZ_MSG_H
#define FUZZ_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "bastion_idl.h"

/* splitmix64: one 64-bit state per thread; the same seed gives the same sequence. */
struct fz_rng {
    uint64_t s;
};

static inline uint64_t fz_next(struct fz_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A number in [0, n); 0 when n is 0. */
static inline uint32_t fz_below(struct fz_rng *r, uint32_t n)
{
    return n != 0 ? (uint32_t)(fz_next(r) % n) : 0;
}

/* True with probability pct percent. */
static inline int fz_chance(struct fz_rng *r, uint32_t pct)
{
    return fz_below(r, 100) < pct;
}

#define FZ_POOL_MAX 64u
#define FZ_ADDR_MAX 16u

/* What a thread has seen: handle values the kernel gave it, and addresses worth trying. A handle
 * pushed out of the full pool goes to `dropped`, for the caller to close: a handle the fuzzer
 * forgets would hold its object (and quota) for the rest of the run, and its quota would then
 * run out for want of tidiness rather than because the kernel leaked. */
struct fz_pools {
    uint32_t handle[FZ_POOL_MAX];
    uint32_t nhandles;
    uint32_t dropped[FZ_POOL_MAX];
    uint32_t ndropped;
    uint64_t addr[FZ_ADDR_MAX]; /* mapped, unmapped, kernel, non-canonical, page-crossing, ... */
    uint32_t naddrs;
};

void fz_pool_add_handle(struct fz_rng *r, struct fz_pools *p, uint32_t h);
uint32_t fz_pick_handle(struct fz_rng *r, const struct fz_pools *p);
uint64_t fz_pick_value(struct fz_rng *r, const struct fz_pools *p);

/*
 * Writes a request of method m on endpoint ep into buf (8-byte aligned, cap bytes): well formed
 * most of the time, with every parameter drawn from fz_pick_value/fz_pick_handle, sequences and
 * strings of random lengths within (now and then past) their bounds. Returns its length; 0 when
 * the method's fixed part does not fit.
 */
size_t fz_gen_request(struct fz_rng *r, const struct fz_pools *p, uint32_t ep,
                      const struct idl_method_desc *m, uint8_t *buf, size_t cap);

/* Flips, sets or truncates a few bytes of a message (header included); returns the new length. */
size_t fz_mutate(struct fz_rng *r, uint8_t *buf, size_t len, size_t cap);

/* The request parameter `name` of m, or NULL. */
const struct idl_param_desc *fz_param(const struct idl_method_desc *m, const char *name);
/* A plain parameter's value (up to 8 bytes, little-endian) in a validated request. */
uint64_t fz_read_plain(const uint8_t *msg, const struct idl_param_desc *p);
/* A plain parameter's value replaced (up to 8 bytes). */
void fz_write_plain(uint8_t *msg, const struct idl_param_desc *p, uint64_t v);
/* The handle value a Handle parameter of a validated request carries. */
uint32_t fz_read_handle(const uint8_t *msg, const struct idl_param_desc *p);

/* Handles found in a response's handle table (a validated-looking response of len bytes) are
 * added to the pool. */
void fz_harvest_handles(struct fz_rng *r, struct fz_pools *p, const uint8_t *res, size_t len);

#endif
