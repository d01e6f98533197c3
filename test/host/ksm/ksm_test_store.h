/*
 * A state store for the KSM's decisions in host tests and fuzz targets: the arrays of struct
 * ksm_state (ksm_decide.h) with room for the test policies' objects, zeroed for a table before
 * each use. One definition, so that a test's store cannot be sized or zeroed differently from
 * what the decision code indexes.
 */
#ifndef KSM_TEST_STORE_H
#define KSM_TEST_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "ksm_decide.h"

#define KSM_TEST_STORE_SIDS 1024u /* process slots (the KSM's KSM_SID_SLOTS) */
#define KSM_TEST_STORE_OBJECTS 4u /* objects of one model */
#define KSM_TEST_STORE_WORDS 64u  /* HashSet and StaticMap pool words */
#define KSM_TEST_STORE_RES 1024u  /* resource table words */

struct ksm_test_store {
    uint8_t flow[KSM_TEST_STORE_SIDS * KSM_TEST_STORE_OBJECTS];
    uint32_t set_of[KSM_TEST_STORE_SIDS * KSM_TEST_STORE_OBJECTS];
    uint32_t map_of[KSM_TEST_STORE_SIDS * KSM_TEST_STORE_OBJECTS];
    uint64_t set_words[KSM_TEST_STORE_WORDS], map_words[KSM_TEST_STORE_WORDS];
    uint64_t mic_subj[KSM_TEST_STORE_SIDS * KSM_TEST_STORE_OBJECTS * 2];
    uint64_t res[KSM_TEST_STORE_RES];
};

/* Zeroes what table t uses of s over nsids process slots and points *out at it; false (and
 * *out untouched) when t or nsids needs more than s holds. */
bool ksm_test_store_reset(struct ksm_test_store *s, const struct ksm_table *t, uint32_t nsids,
                          struct ksm_state *out);

#endif
