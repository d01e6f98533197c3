/* The host tests' state store for the KSM's decisions (ksm_test_store.h). */
#include "ksm_test_store.h"

#include <string.h>

bool ksm_test_store_reset(struct ksm_test_store *s, const struct ksm_table *t, uint32_t nsids,
                          struct ksm_state *out)
{
    /* What ksm_decide indexes: a byte per Flow object and slot, a pool index per HashSet and
     * StaticMap object and slot, two words per Mic object and slot, and the table's words. */
    uint64_t flows = (uint64_t)t->nflows * nsids, sets = (uint64_t)t->nsets * nsids;
    uint64_t maps = (uint64_t)t->nmaps * nsids, mics = (uint64_t)t->nmics * nsids * 2;
    if (nsids > KSM_TEST_STORE_SIDS || flows > sizeof s->flow ||
        sets > sizeof s->set_of / sizeof s->set_of[0] ||
        maps > sizeof s->map_of / sizeof s->map_of[0] || t->nset_words > KSM_TEST_STORE_WORDS ||
        t->nmap_words > KSM_TEST_STORE_WORDS || mics > sizeof s->mic_subj / sizeof s->mic_subj[0] ||
        t->nres_words > KSM_TEST_STORE_RES)
        return false;
    memset(s->flow, 0, flows);
    memset(s->set_of, 0, sets * sizeof s->set_of[0]);
    memset(s->map_of, 0, maps * sizeof s->map_of[0]);
    memset(s->set_words, 0, t->nset_words * sizeof s->set_words[0]);
    memset(s->map_words, 0, t->nmap_words * sizeof s->map_words[0]);
    memset(s->mic_subj, 0, mics * sizeof s->mic_subj[0]);
    memset(s->res, 0, t->nres_words * sizeof s->res[0]);
    *out = (struct ksm_state){s->flow,   nsids,        s->set_of,   s->set_words,
                              s->map_of, s->map_words, s->mic_subj, s->res};
    return true;
}
