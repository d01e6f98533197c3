/*
 * os_attack_notice (class ostest.AttackNotice): the abuse both danger texts of kl.core.Notice
 * name, "allows the kernel memory to be used up by creating a multitude of objects within it",
 * by a plausible untrusted program that may use notification receivers (test/os/policy/
 * ostest.psl) under a small kernel-memory quota (init.yaml):
 *
 *   Notice.Create             receivers until the per-process bound stops it
 *                             (rcQuotaExceeded); then, with its kernel memory filled (badges,
 *                             region records), one receiver more is refused by the bytes too;
 *   Notice.SubscribeToObject  entries on one badge until the per-process bound stops it
 *                             (rcQuotaExceeded), and a second receiver gets none either: the
 *                             bound is the process's, not the receiver's; with its memory
 *                             filled, the byte account refuses one more.
 *
 * Everything closed, a receiver and an entry can be made again (what was counted was given
 * back), and the probe server (another process) still answers after each attack.
 */
#include <stdint.h>

#include <bastion/vmm.h>
#include <user/core.h>

#include "notice_calls.h"
#include "ostest.h"

#define MAX_OBJECTS 4096u
#define ENDED kl_core_Notice_NoticeObjectEnded
/* The kernel's bound on one process's entries (NOTICE_ENTRIES_MAX, kern/obj/notice.h). */
#define ENTRIES_BOUND 256u

static uint32_t handles[MAX_OBJECTS];

static Retcode make_receiver(uint32_t *h)
{
    return nc_create(h);
}

static Retcode make_badge(uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t o = {NOTICE_NONE, 0};
    Retcode r = core_result(
        kl_core_Handle_CreateBadge(&cl, core_handle_arg(NOTICE_NONE), 0, 0, &o, &rc), &rc);
    *h = o.handle;
    return r;
}

/* Fills the rest of this process's kernel memory: badges first, then what the last handle
 * chunk left is taken by region records (VMM.Allocate reservations, no handle needed), so that
 * less than one small object's bytes remain. *nregions: how many regions; empty_memory undoes
 * both. *last: the badges' failure. */
static uint64_t regions[MAX_OBJECTS];
static uint32_t fill_memory(Retcode *last, uint32_t *nregions)
{
    uint32_t n = ot_exhaust_quiet(make_badge, handles, MAX_OBJECTS, last);
    uint32_t m = 0;
    while (m < MAX_OBJECTS && core_vmm_allocate(0, 4096, BASTION_VMM_READ, &regions[m]) == rcOk)
        m++;
    *nregions = m;
    return n;
}

static void empty_memory(uint32_t nbadges, uint32_t nregions)
{
    for (uint32_t i = 0; i < nregions; i++)
        (void)core_vmm_free(regions[i], 4096);
    ot_close_handles(handles, nbadges);
}

static bool receivers(void)
{
    Retcode last;
    uint32_t n = ot_exhaust("kl.core.Notice.Create", make_receiver, handles, MAX_OBJECTS, &last);
    bool ok = OT_TRUE(n > 0) && OT_RC(last, rcQuotaExceeded);
    ok = ot_bystander_served() && ok;
    ot_close_handles(handles, n);
    /* Bytes: its memory full of badges, one receiver is refused even under the count. */
    uint32_t r = NOTICE_NONE, nregions = 0;
    uint32_t b = fill_memory(&last, &nregions);
    Retcode full = nc_create(&r);
    empty_memory(b, nregions);
    ok &= OT_RC(last, rcQuotaExceeded);
    ok &= OT_RC(full, rcQuotaExceeded);
    if (full == rcOk)
        (void)nc_close(r);
    /* All given back: one can be made again. */
    ok &= OT_RC(nc_create(&r), rcOk);
    ok &= OT_RC(nc_close(r), rcOk);
    return ok;
}

static bool subscriptions(void)
{
    uint32_t r1 = NOTICE_NONE, r2 = NOTICE_NONE, badge = NOTICE_NONE;
    bool ok = OT_RC(nc_create(&r1), rcOk) && OT_RC(nc_create(&r2), rcOk) &&
              OT_RC(make_badge(&badge), rcOk);
    if (!ok)
        return false;
    uint32_t n = 0;
    Retcode last = rcOk;
    while (n < 100000u && (last = nc_subscribe(r1, badge, ENDED, n)) == rcOk)
        n++;
    printf("%s: kl.core.Notice.SubscribeToObject: %u entries, then %s\n", ot_name(), n,
           retcode_name(last));
    ok &= OT_EQ(n, ENTRIES_BOUND);
    ok &= OT_RC(last, rcQuotaExceeded);
    /* Another receiver of the same process: the same bound. */
    ok &= OT_RC(nc_subscribe(r2, badge, ENDED, 1), rcQuotaExceeded);
    ok = ot_bystander_served() && ok;
    /* The entries go with their receiver. */
    ok &= OT_RC(nc_close(r1), rcOk);
    ok &= OT_RC(nc_subscribe(r2, badge, ENDED, 1), rcOk);
    ok &= OT_RC(nc_unsubscribe_id(r2, 1), rcOk);
    /* Bytes: with its memory full, what is left holds fewer entries than the count allows: the
     * byte account stops them. */
    uint32_t nregions = 0;
    uint32_t b = fill_memory(&last, &nregions);
    uint32_t m = 0;
    Retcode full = rcOk;
    while (m < ENTRIES_BOUND && (full = nc_subscribe(r2, badge, ENDED, 2)) == rcOk)
        m++;
    (void)nc_unsubscribe_id(r2, 2);
    empty_memory(b, nregions);
    ok &= OT_RC(last, rcQuotaExceeded);
    ok &= OT_RC(full, rcQuotaExceeded);
    ok &= ot_check(m < ENTRIES_BOUND, __LINE__, "the byte account stops entries first",
                   "%u entries in a full account", m);
    ok &= OT_RC(nc_subscribe(r2, badge, ENDED, 3), rcOk);
    ok &= OT_RC(nc_close(r2), rcOk);
    ok &= OT_RC(nc_close(badge), rcOk);
    return ok;
}

int main(void)
{
    ot_begin("os_attack_notice");
    bool ok = receivers();
    ot_attack("kl.core.Notice.Create", ok && ot_bystander_served());
    ok = subscriptions();
    ot_attack("kl.core.Notice.SubscribeToObject", ok && ot_bystander_served());
    return ot_end();
}
