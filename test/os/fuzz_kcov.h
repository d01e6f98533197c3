/*
 * The in-OS fuzzer's kernel coverage (os_fuzz --kcov count|guided, on the coverage kernel
 * kernel-kcov.elf; docs/coverage.md): the set of distinct kernel PCs every fuzz call reached,
 * shared by the fuzzing threads, and each thread's corpus of inputs (core requests) that reached
 * PCs nobody had reached before, which guided mode mutates further (as syzkaller does).
 *
 * Pure code: no system calls (the calls that collect, KcovStart and KcovStop, are os_fuzz.c's).
 */
#ifndef FUZZ_KCOV_H
#define FUZZ_KCOV_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz_msg.h"

/* Open addressing over 64-bit PCs; a slot holds 0 or a PC, written once by compare-and-swap so
 * that several threads insert without a lock. Filled to 3/4 at most: past that, new PCs are
 * counted as not new (the count then stops growing, which the report shows). */
#define FZ_PCSET_SLOTS (1u << 16)

/* Adds n PCs; returns how many were not in the set before. */
uint32_t fz_pcset_add(const uint64_t *pcs, uint64_t n);
/* Distinct PCs in the set. */
uint64_t fz_pcset_count(void);

/* One thread's kept inputs: requests of at most FZ_INPUT_MAX bytes (longer ones are not kept). */
#define FZ_CORPUS_MAX 128u
#define FZ_INPUT_MAX 1024u

struct fz_corpus {
    uint32_t n;
    uint16_t len[FZ_CORPUS_MAX];
    uint8_t input[FZ_CORPUS_MAX][FZ_INPUT_MAX];
};

/* Keeps req (a full corpus replaces a random entry); returns 0 when req is too long. */
int fz_corpus_keep(struct fz_rng *r, struct fz_corpus *c, const uint8_t *req, size_t len);
/* Copies a random kept input into req (cap bytes) and returns its length; 0 when none is kept. */
size_t fz_corpus_pick(struct fz_rng *r, const struct fz_corpus *c, uint8_t *req, size_t cap);

#endif
