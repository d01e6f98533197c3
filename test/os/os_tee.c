/*
 * os_tee: the rich world's side of the TEE partition (kl.core.TEE, TEEVMM; docs/tee.md), with
 * the image's partition os_tee_partition (class ostest.TeePartition, init.yaml `tee: true`).
 *
 *  - A round trip: the answer comes back with the request's new token and the partition's
 *    text; a second request gets another token; an answered token of ours can carry a new
 *    request (the same token back).
 *  - FreeToken frees our own token once: again, or a Dispatch naming it, is rcTokenNotOwned;
 *    token 0 is nobody's.
 *  - Sharing: a request names an MDL buffer of ours (two pages); the partition builds its own
 *    buffer over exactly those frames (TEEVMM.MdlAllocate, MdlAddFrame), maps it and writes into
 *    each page, and we read what it wrote in ours. Once that token is freed, the partition's
 *    MdlAddFrame of those frames (and of a kernel frame, and of a frame beside a shared one) is
 *    refused with rcFrameNotShared.
 *  - TEEVMM from the rich world: rcNotTeePartition (this class's policy grants both methods so
 *    that the kernel's own check shows; an untrusted program has neither: os_attack_tee).
 *  - Bounds: at most TEE_TOKENS_PER_PROCESS (8) live tokens; the ninth request is
 *    rcQuotaExceeded, and freeing them gives the room back.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bastion/vmm.h>
#include <user/core.h>
#include <user/start.h>
#include <user/vmm.h>

#include "ostest.h"
#include "tee_calls.h"

#define PAGE 4096u
#define RW (BASTION_VMM_READ | BASTION_VMM_WRITE)
#define NONE kl_core_Types_InvalidHandleValue
#define TOKENS_PER_PROCESS 8u

static struct kl_core_TEE_TeeMessage out;
static char text[600];

static uint64_t round_trip(void)
{
    if (!OT_RC(tee_ask(0, TEE_CMD_ECHO, "hello", NONE, &out), rcOk))
        return 0;
    OT_TRUE(out.token != 0);
    OT_EQ(out.command, TEE_CMD_ECHO);
    OT_EQ(out.status, rcOk);
    OT_TRUE(strcmp(tee_text(&out, text, sizeof text), "tee:hello") == 0);
    uint64_t t1 = out.token;
    if (!OT_RC(tee_ask(0, TEE_CMD_ECHO, "again", NONE, &out), rcOk))
        return t1;
    uint64_t t2 = out.token;
    OT_TRUE(t2 != 0 && t2 != t1);
    OT_TRUE(strcmp(tee_text(&out, text, sizeof text), "tee:again") == 0);
    /* Our own answered token carries a new request. */
    OT_RC(tee_ask(t1, TEE_CMD_ECHO, "reused", NONE, &out), rcOk);
    OT_EQ(out.token, t1);
    OT_TRUE(strcmp(tee_text(&out, text, sizeof text), "tee:reused") == 0);
    printf("os_tee: round trips with tokens %llu and %llu\n", (unsigned long long)t1,
           (unsigned long long)t2);
    OT_RC(tee_free_token(t2), rcOk);
    return t1;
}

static void free_token(uint64_t t)
{
    OT_RC(tee_free_token(t), rcOk);
    OT_RC(tee_free_token(t), rcTokenNotOwned);
    OT_RC(tee_ask(t, TEE_CMD_ECHO, "freed", NONE, &out), rcTokenNotOwned);
    OT_RC(tee_free_token(0), rcTokenNotOwned);
}

static void share(void)
{
    uint32_t mdl = 0;
    uint64_t va = 0;
    if (!OT_RC(core_mdl_create(2 * PAGE, RW, &mdl), rcOk) ||
        !OT_RC(core_mdl_map(mdl, 0, 2 * PAGE, 0, RW, &va), rcOk))
        return;
    char *p0 = (char *)(uintptr_t)va, *p1 = (char *)(uintptr_t)(va + PAGE);
    strcpy(p0, "secret-42");
    strcpy(p1, "page-two");
    if (OT_RC(tee_ask(0, TEE_CMD_SHARE, "", mdl, &out), rcOk)) {
        OT_EQ(out.status, rcOk);
        OT_TRUE(strcmp(p0, "tee saw secret-42") == 0);
        OT_TRUE(strcmp(p1, "tee saw page-two") == 0);
        printf("os_tee: the partition wrote \"%s\" and \"%s\" into our shared buffer\n", p0, p1);
        /* Its frames are not listed back to us. */
        OT_EQ(out.sharePages, 0);
    }
    uint64_t shared_token = out.token;
    /* That request is answered: its frames are closed to the partition even while its token
     * lives. */
    if (OT_RC(tee_ask(0, TEE_CMD_ADD_UNSHARED, "", NONE, &out), rcOk)) {
        OT_EQ(out.status, rcOk);
        for (uint32_t i = 0; i + 4 <= out.payloadSize; i += 4) {
            int32_t got;
            memcpy(&got, out.payload + i, 4);
            OT_EQ(got, rcFrameNotShared);
        }
        OT_TRUE(out.payloadSize >= 3 * 4); /* the kernel frame and both of ours */
        OT_RC(tee_free_token(out.token), rcOk);
    }
    if (shared_token != 0)
        OT_RC(tee_free_token(shared_token), rcOk);
    (void)core_vmm_free(va, 2 * PAGE);
    ot_close_handles(&mdl, 1);
}

static void rich_world_has_no_teevmm(void)
{
    uint32_t h = 0;
    OT_RC(tee_mdl_allocate(PAGE, RW, &h), rcNotTeePartition);
    OT_RC(tee_mdl_add_frame(core_handle(), 0x100000, 1), rcNotTeePartition);
}

static void bounds(void)
{
    uint64_t tokens[TOKENS_PER_PROCESS + 1];
    uint32_t n = 0;
    Retcode r = rcOk;
    while (n <= TOKENS_PER_PROCESS && (r = tee_ask(0, TEE_CMD_ECHO, "n", NONE, &out)) == rcOk)
        tokens[n++] = out.token;
    OT_RC(r, rcQuotaExceeded);
    OT_EQ(n, TOKENS_PER_PROCESS);
    for (uint32_t i = 0; i < n; i++)
        OT_RC(tee_free_token(tokens[i]), rcOk);
    if (OT_RC(tee_ask(0, TEE_CMD_ECHO, "room", NONE, &out), rcOk))
        OT_RC(tee_free_token(out.token), rcOk);
}

int main(void)
{
    ot_begin("os_tee");
    uint64_t t1 = round_trip();
    if (t1 != 0)
        free_token(t1);
    share();
    rich_world_has_no_teevmm();
    bounds();
    return ot_end();
}
