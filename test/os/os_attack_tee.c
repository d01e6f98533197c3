/*
 * os_attack_tee: the dangers of kl.core.TEE and TEEVMM (../shared core-methods: Dispatch,
 * FreeToken, MdlAllocate, MdlAddFrame), each tried by a rich-world program with an untrusted
 * program's rights (class ostest.AttackTee: TEE.Dispatch and FreeToken, nothing of TEEVMM), and
 * each followed by a bystander that is still served (the probe server, and the victim below).
 *
 *  - Dispatch ("a process in a REE receives a response from a TEE regarding a request from
 *    another process"): a victim (this program with "victim", class ostest.TeeVictim) makes a
 *    request and leaves its answered token in a page we share with it; we name that token in
 *    our own request (and every token near it): rcTokenNotOwned, no answer of anyone's. The
 *    victim then still gets its own answers on its token.
 *  - FreeToken ("frees the values used by other processes"): FreeToken of the victim's token
 *    (and of every token near it): rcTokenNotOwned; the victim frees it itself afterwards.
 *  - MdlAllocate ("uses up the kernel memory with a multitude of objects"): refused to us by
 *    the policy; the partition's own loop (asked for by a request) stops at its own quota with
 *    rcQuotaExceeded, and it still answers afterwards.
 *  - MdlAddFrame ("access to an arbitrary region of the physical memory of a REE"): refused to
 *    us by the policy; the partition's MdlAddFrame of a kernel frame, of a frame beside the one
 *    our request shares and of frames whose token was freed is rcFrameNotShared, each.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bastion/rights.h>
#include <bastion/vmm.h>
#include <user/core.h>
#include <user/start.h>
#include <user/vmm.h>

#include "ostest.h"
#include "spawn.h"
#include "tee_calls.h"

#define PAGE 4096u
#define RW (BASTION_VMM_READ | BASTION_VMM_WRITE)
#define NONE kl_core_Types_InvalidHandleValue
#define H(v) core_handle_arg(v)
#define NEAR 8u /* tokens tried on either side of the victim's */

/* The words of the page we share with the victim. */
struct victim_page {
    volatile uint64_t token; /* its answered token */
    volatile uint32_t ready; /* 1: token is written */
    volatile uint32_t done;  /* 1: our attacks are over */
};

static struct kl_core_TEE_TeeMessage out;
static char text[600];

/* The victim: a request of its own, its token left for us to see; once we are done, its token
 * must still be its own (a new request on it answered, then freed by it). Exit 0 when so. */
static int victim(void)
{
    uint32_t h = 0;
    uint64_t va = 0;
    if (start_connection("page", &h) != rcOk || core_mdl_map(h, 0, PAGE, 0, RW, &va) != rcOk)
        return 2;
    struct victim_page *pg = (struct victim_page *)(uintptr_t)va;
    if (tee_ask(0, TEE_CMD_ECHO, "victim-secret", NONE, &out) != rcOk ||
        strcmp(tee_text(&out, text, sizeof text), "tee:victim-secret") != 0)
        return 3;
    uint64_t mine = out.token;
    pg->token = mine;
    __atomic_store_n(&pg->ready, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 3000 && !__atomic_load_n(&pg->done, __ATOMIC_ACQUIRE); i++)
        core_thread_sleep(10);
    if (tee_ask(mine, TEE_CMD_ECHO, "victim-again", NONE, &out) != rcOk || out.token != mine ||
        strcmp(tee_text(&out, text, sizeof text), "tee:victim-again") != 0)
        return 4;
    return tee_free_token(mine) == rcOk ? 0 : 5;
}

static uint32_t start_victim(struct victim_page **pg, uint32_t *mdl, uint64_t *va)
{
    uint32_t task = 0;
    if (!OT_RC(core_mdl_create(PAGE, RW, mdl), rcOk) ||
        !OT_RC(core_mdl_map(*mdl, 0, PAGE, 0, RW, va), rcOk))
        return 0;
    *pg = (struct victim_page *)(uintptr_t)*va;
    if (!OT_RC(spawn("TeeVictim", "ostest.TeeVictim", "os_attack_tee", "victim", 1, &task), rcOk))
        return 0;
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_HandleValue theirs = NONE;
    bool ok = OT_RC(
        core_result(kl_core_Task_TransferHandle(&cl, H(task), H(*mdl), H(NONE),
                                                HR_MEMORY_MAP | HR_READ | HR_WRITE, &theirs, &rc),
                    &rc),
        rcOk);
    ok = ok && OT_RC(spawn_set_env(task, "TeeVictim", "victim", "page", theirs), rcOk);
    ok = ok && OT_RC(core_result(kl_core_Task_Resume(&cl, H(task), &rc), &rc), rcOk);
    return ok ? task : 0;
}

/* Dispatch and FreeToken against the victim's token. */
static void attack_tokens(void)
{
    struct victim_page *pg = NULL;
    uint32_t mdl = 0;
    uint64_t va = 0;
    uint32_t task = start_victim(&pg, &mdl, &va);
    if (task == 0)
        return;
    for (int i = 0; i < 2000 && !__atomic_load_n(&pg->ready, __ATOMIC_ACQUIRE); i++)
        core_thread_sleep(10);
    bool ready = OT_EQ(pg->ready, 1);
    uint64_t theirs = pg->token;
    bool dispatch_ok = ready, free_ok = ready;
    if (ready) {
        /* Its token, and every token near it but ours (we hold none now). */
        uint64_t lo = theirs > NEAR ? theirs - NEAR : 1;
        for (uint64_t t = lo; t <= theirs + NEAR; t++) {
            Retcode r = tee_ask(t, TEE_CMD_ECHO, "steal", NONE, &out);
            dispatch_ok = ot_check(r == rcTokenNotOwned, __LINE__, "Dispatch on another's token",
                                   "token %llu: %s", (unsigned long long)t, retcode_name(r)) &&
                          dispatch_ok;
            /* Nothing of the victim's answer came back. */
            dispatch_ok =
                OT_TRUE(strstr(tee_text(&out, text, sizeof text), "victim") == NULL) && dispatch_ok;
            r = tee_free_token(t);
            free_ok = ot_check(r == rcTokenNotOwned, __LINE__, "FreeToken of another's token",
                               "token %llu: %s", (unsigned long long)t, retcode_name(r)) &&
                      free_ok;
        }
        printf("os_attack_tee: tokens %llu..%llu (the victim's: %llu) named by another process: "
               "refused\n",
               (unsigned long long)lo, (unsigned long long)(theirs + NEAR),
               (unsigned long long)theirs);
    }
    __atomic_store_n(&pg->done, 1, __ATOMIC_RELEASE);
    /* The victim, a bystander: its token still its own, answered and freed by itself. */
    int32_t code = -1;
    bool victim_ok = OT_RC(ot_exit_code(task, 30000, &code), rcOk) && OT_EQ(code, 0);
    bool served = ot_bystander_served();
    ot_close_handles(&task, 1);
    (void)core_vmm_free(va, PAGE);
    ot_close_handles(&mdl, 1);
    ot_attack("kl.core.TEE.Dispatch", dispatch_ok && victim_ok && served);
    ot_attack("kl.core.TEE.FreeToken", free_ok && victim_ok && served);
}

/* The partition still answers us. */
static bool partition_serves(void)
{
    bool ok = OT_RC(tee_ask(0, TEE_CMD_ECHO, "still", NONE, &out), rcOk) &&
              OT_TRUE(strcmp(tee_text(&out, text, sizeof text), "tee:still") == 0);
    if (out.token != 0)
        ok = OT_RC(tee_free_token(out.token), rcOk) && ok;
    return ok;
}

static void attack_allocate(void)
{
    uint32_t h = 0;
    bool ok = OT_RC(tee_mdl_allocate(PAGE, RW, &h), rcSecurityDisallow);
    /* The partition's own loop: bounded by its quota. */
    if (OT_RC(tee_ask(0, TEE_CMD_EXHAUST, "", NONE, &out), rcOk)) {
        uint32_t n = 0;
        memcpy(&n, out.payload, sizeof n);
        ok = OT_EQ(out.status, rcQuotaExceeded) && ok;
        ok = OT_TRUE(n > 0) && ok;
        printf("os_attack_tee: the partition made %u blank buffers, then %s\n", n,
               retcode_name(out.status));
        ok = OT_RC(tee_free_token(out.token), rcOk) && ok;
    } else {
        ok = false;
    }
    ok = partition_serves() && ok;
    ok = ot_bystander_served() && ok;
    ot_attack("kl.core.TEEVMM.MdlAllocate", ok);
}

static void attack_add_frame(void)
{
    bool ok = OT_RC(tee_mdl_add_frame(core_handle(), 0x100000, 1), rcSecurityDisallow);
    /* Share one page, then have the partition reach beside it and elsewhere. */
    uint32_t mdl = 0;
    uint64_t va = 0;
    ok = OT_RC(core_mdl_create(PAGE, RW, &mdl), rcOk) && ok;
    if (OT_RC(tee_ask(0, TEE_CMD_ADD_UNSHARED, "", mdl, &out), rcOk)) {
        ok = OT_EQ(out.status, rcOk) && ok;
        for (uint32_t i = 0; i + 4 <= out.payloadSize; i += 4) {
            int32_t got;
            memcpy(&got, out.payload + i, 4);
            ok = OT_EQ(got, rcFrameNotShared) && ok;
        }
        ok = OT_TRUE(out.payloadSize >= 2 * 4) && ok;
        printf("os_attack_tee: the partition's MdlAddFrame of %u frames nobody shared: refused\n",
               out.payloadSize / 4);
        ok = OT_RC(tee_free_token(out.token), rcOk) && ok;
    } else {
        ok = false;
    }
    (void)va;
    ot_close_handles(&mdl, 1);
    ok = partition_serves() && ok;
    ok = ot_bystander_served() && ok;
    ot_attack("kl.core.TEEVMM.MdlAddFrame", ok);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "victim") == 0)
        return victim();
    ot_begin("os_attack_tee");
    attack_tokens();
    attack_allocate();
    attack_add_frame();
    return ot_end();
}
