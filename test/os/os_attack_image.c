/*
 * os_attack_image (class ostest.AttackImage): the read-only pages of a program are the boot
 * image's own frames, shared by every process the kernel loads from that file (kl.core.Task
 * Create, kern/proc/loader.c), so one such process changing them would change them under all
 * the others. Two processes run this program from the same image:
 *
 *   the bystander ("bystander"): sums the bytes of its read-only segments (text, rodata, the
 *     headers) at start, writes the sum to a page it shares with us, waits on a word of that
 *     page until we say the attacks are over (Sync.Wait), sums again, writes that too, and
 *     exits 0 when both agree: its text is unchanged and it was served all along;
 *   the attacker ("attack"), with the same rights (its class is ours): on a whole text page
 *     and a whole rodata page of its own (VICTIM_TEXT, victim_ro below, each a page of their
 *     own), VMM.Protect to writable (and read-only: the image is sealed), VMM.MdlCreateFromVm
 *     of the image range holding them (which would hand out a writable buffer over it),
 *     VMM.Decommit then Commit of the rodata page (it comes back as a zero page of its own: the
 *     shared frame is dropped, never written), VMM.Free then Allocate, writable, at the text
 *     page, and writes into the new page;
 *   two writers ("write-text", "write-rodata"): store one byte into their text / rodata page,
 *     which must end them with a page fault (vector 14, a write to a present page).
 * We (started by Einit, whose loader copies: our pages are our own) sum our own read-only bytes
 * too: the bystander's first sum must equal ours (the same file's bytes), and its second its
 * first. Children of this program have its class and are started through Task.Create, so that
 * the kernel's loader maps their read-only pages in place.
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

#define SELF_CLASS "ostest.AttackImage"
#define SELF_PATH "os_attack_image"
#define H(v) core_handle_arg(v)
#define PAGE 4096u
#define RW (BASTION_VMM_READ | BASTION_VMM_WRITE)
#define WAIT_MS 60000u /* generous: the test image runs many programs at once */

/* The shared page's words. */
enum { W_READY, W_GO, W_SUM_LO, W_SUM_HI, W_AFTER_LO, W_AFTER_HI, W_WOKEN };

/* A text page of its own: page-aligned and a page long, so nothing else of the program is in
 * it (freeing it cannot take code we run) and it lies wholly in the file's bytes. int3 bytes:
 * never called. */
__asm__(".pushsection .text.os_attack_image_victim,\"ax\",@progbits\n"
        ".balign 4096\n"
        ".globl os_attack_image_victim\n"
        "os_attack_image_victim:\n"
        ".fill 4096, 1, 0xcc\n"
        ".popsection\n");
extern const uint8_t os_attack_image_victim[];
#define VICTIM_TEXT ((uint64_t)(uintptr_t)os_attack_image_victim)

/* A rodata page of its own, likewise. */
static const uint8_t victim_ro[PAGE] __attribute__((aligned(PAGE))) = {[0 ... PAGE - 1] = 0x5a};

/* ---- our own read-only bytes, found through our ELF program headers ---- */

extern const uint8_t __ehdr_start[];

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* FNV-1a over the file bytes of every PT_LOAD segment without PF_W. *bytes: how many. */
static uint64_t readonly_sum(uint64_t *bytes)
{
    const uint8_t *eh = __ehdr_start;
    uint64_t phoff = rd64(eh + 32);
    uint16_t phentsize, phnum;
    memcpy(&phentsize, eh + 54, 2);
    memcpy(&phnum, eh + 56, 2);
    uint64_t h = 0xcbf29ce484222325ull, n = 0;
    uint64_t base = (uint64_t)(uintptr_t)eh; /* static PIE: the first segment is at 0 */
    for (uint16_t i = 0; i < phnum; i++) {
        const uint8_t *ph = eh + phoff + (uint64_t)i * phentsize;
        uint32_t type, flags;
        memcpy(&type, ph, 4);
        memcpy(&flags, ph + 4, 4);
        if (type != 1 /* PT_LOAD */ || (flags & 2 /* PF_W */))
            continue;
        const uint8_t *p = (const uint8_t *)(uintptr_t)(base + rd64(ph + 16));
        uint64_t len = rd64(ph + 32);
        for (uint64_t k = 0; k < len; k++)
            h = (h ^ p[k]) * 0x100000001b3ull;
        n += len;
    }
    *bytes = n;
    return h;
}

/* ---- the children ---- */

static volatile uint32_t *map_shared_page(void)
{
    uint32_t h = 0;
    uint64_t va = 0;
    if (start_connection("page", &h) != rcOk || core_mdl_map(h, 0, PAGE, 0, RW, &va) != rcOk)
        return NULL;
    return (volatile uint32_t *)(uintptr_t)va;
}

static int bystander(void)
{
    volatile uint32_t *w = map_shared_page();
    if (w == NULL)
        return 100;
    uint64_t n = 0, before = readonly_sum(&n);
    w[W_SUM_LO] = (uint32_t)before;
    w[W_SUM_HI] = (uint32_t)(before >> 32);
    __atomic_store_n(&w[W_READY], 1, __ATOMIC_RELEASE);
    /* Until the attacks are over: woken by our parent, or its word already set. */
    for (int i = 0; i < 600 && __atomic_load_n(&w[W_GO], __ATOMIC_ACQUIRE) == 0; i++)
        (void)core_sync_wait(&w[W_GO], 0, 100);
    if (__atomic_load_n(&w[W_GO], __ATOMIC_ACQUIRE) == 0)
        return 101;
    uint64_t after = readonly_sum(&n);
    w[W_AFTER_LO] = (uint32_t)after;
    w[W_AFTER_HI] = (uint32_t)(after >> 32);
    __atomic_store_n(&w[W_WOKEN], 1, __ATOMIC_RELEASE);
    return after == before ? 0 : 102;
}

static Retcode mdl_from_vm(uint64_t va, uint64_t size, uint32_t flags)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {kl_core_Types_InvalidHandleValue, 0};
    Retcode r = core_result(kl_core_VMM_MdlCreateFromVm(&cl, va, size, flags, &h, &rc), &rc);
    if (r == rcOk)
        ot_close_handles(&h.handle, 1);
    return r;
}

/* The region (base, size) holding va, from VMM.Query. */
static bool region_of(uint64_t va, uint64_t *base, uint64_t *size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq out = {0};
    if (core_result(kl_core_VMM_Query(&cl, va, &out, &rc), &rc) != rcOk || out.count != 1)
        return false;
    struct kl_core_VMM_VmPageInfo pi;
    memcpy(&pi, out.data, sizeof pi);
    *base = pi.base;
    *size = pi.size;
    return pi.state == kl_core_VMM_VmPageCommitted;
}

static int attacker(void)
{
    ot_begin("os_attack_image-attacker");
    const uint64_t ro = (uint64_t)(uintptr_t)victim_ro;
    /* Protect: the image is sealed with its ELF permissions. */
    OT_RC(core_vmm_protect(VICTIM_TEXT, PAGE, RW), rcAccessDenied);
    OT_RC(core_vmm_protect(VICTIM_TEXT, PAGE, BASTION_VMM_READ), rcAccessDenied);
    OT_RC(core_vmm_protect(ro, PAGE, RW), rcAccessDenied);
    /* MdlCreateFromVm of the very ranges the shared frames back, writable: no buffer that could
     * write them (the call copies into new frames in any case; a read-only one would only
     * replace our own text by a copy that cannot run). Nor of a piece of one. */
    uint64_t base = 0, size = 0;
    if (OT_TRUE(region_of(VICTIM_TEXT, &base, &size)))
        OT_RC(mdl_from_vm(base, size, RW), rcAccessDenied);
    if (OT_TRUE(region_of(ro, &base, &size)))
        OT_RC(mdl_from_vm(base, size, RW), rcAccessDenied);
    OT_RC(mdl_from_vm(VICTIM_TEXT, PAGE, BASTION_VMM_READ), rcInvalidArgument);
    /* Decommit, Commit: the page is now a zero page of our own; the image's stays as it was. */
    if (OT_RC(core_vmm_decommit(ro, PAGE), rcOk) && OT_RC(core_vmm_commit(ro, PAGE), rcOk))
        OT_EQ(((volatile const uint8_t *)victim_ro)[7], 0);
    /* Free, then Allocate writable at the same address and write it: our own page. */
    uint64_t va = 0;
    if (OT_RC(core_vmm_free(VICTIM_TEXT, PAGE), rcOk) &&
        OT_RC(core_vmm_allocate(VICTIM_TEXT, PAGE, RW | BASTION_VMM_COMMIT, &va), rcOk) &&
        OT_EQ(va, VICTIM_TEXT)) {
        volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)va;
        OT_EQ(p[0], 0); /* zeroed, not the image's int3 bytes */
        memset((void *)(uintptr_t)va, 0x90, PAGE);
        OT_EQ(p[PAGE - 1], 0x90);
    }
    printf("os_attack_image-attacker: protect, MdlCreateFromVm, decommit+commit, free+allocate "
           "done\n");
    return ot_end();
}

static int writer(volatile uint8_t *target)
{
    *target = 0x42; /* must fault: the page is present and read-only */
    return 200;     /* it did not */
}

/* ---- us ---- */

static Retcode start_child(const char *name, const char *mode, uint32_t page, uint32_t *task)
{
    Retcode r = spawn(name, SELF_CLASS, SELF_PATH, mode, page != 0, task);
    if (r != rcOk || page == 0)
        return r;
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_HandleValue theirs = kl_core_Types_InvalidHandleValue;
    r = core_result(kl_core_Task_TransferHandle(&cl, H(*task), H(page),
                                                H(kl_core_Types_InvalidHandleValue),
                                                HR_MEMORY_MAP | HR_READ | HR_WRITE, &theirs, &rc),
                    &rc);
    if (r == rcOk)
        r = spawn_set_env(*task, name, mode, "page", theirs);
    if (r == rcOk)
        r = core_result(kl_core_Task_Resume(&cl, H(*task), &rc), &rc);
    return r;
}

/* A writer must end with a page fault on a write to a present page. */
static void expect_write_fault(const char *name, const char *mode)
{
    uint32_t task = 0;
    if (!OT_RC(start_child(name, mode, 0, &task), rcOk))
        return;
    kl_core_Task_TaskExitReason why = 0;
    struct kl_core_Task_TaskExitInfo info;
    memset(&info, 0, sizeof info);
    if (OT_RC(spawn_wait(task, WAIT_MS, &why, &info), rcOk) &&
        ot_check(why == kl_core_Task_TaskExitException, __LINE__, "the writer faulted",
                 "%s ended with reason %u", name, (unsigned)why)) {
        OT_EQ(info.u.fault.vector, 14);
        OT_EQ(info.u.fault.errorCode & 3u, 3u); /* a write, to a present page */
        printf("os_attack_image: %s: page fault at %#llx, error code %#llx\n", name,
               (unsigned long long)info.u.fault.address,
               (unsigned long long)info.u.fault.errorCode);
    }
    ot_close_handles(&task, 1);
}

static void run(void)
{
    uint64_t n = 0, ours = readonly_sum(&n);
    OT_TRUE(n >= 2 * PAGE); /* the victim pages at least */
    uint32_t page = 0, bystander_task = 0, attacker_task = 0;
    uint64_t va = 0;
    if (!OT_RC(core_mdl_create(PAGE, RW, &page), rcOk) ||
        !OT_RC(core_mdl_map(page, 0, PAGE, 0, RW, &va), rcOk))
        return;
    volatile uint32_t *w = (volatile uint32_t *)(uintptr_t)va;
    if (!OT_RC(start_child("AI-bystander", "bystander", page, &bystander_task), rcOk))
        return;
    for (int i = 0; i < (int)(WAIT_MS / 10) && __atomic_load_n(&w[W_READY], __ATOMIC_ACQUIRE) == 0;
         i++)
        (void)core_thread_sleep(10);
    if (!OT_EQ(__atomic_load_n(&w[W_READY], __ATOMIC_ACQUIRE), 1))
        return;
    uint64_t before = (uint64_t)w[W_SUM_HI] << 32 | w[W_SUM_LO];
    ot_check(before == ours, __LINE__, "the bystander's read-only bytes are this file's",
             "%#llx, ours %#llx", (unsigned long long)before, (unsigned long long)ours);

    /* The attacks, by a process that runs on the same frames. */
    int32_t code = -1;
    if (OT_RC(start_child("AI-attacker", "attack", 0, &attacker_task), rcOk) &&
        OT_RC(ot_exit_code(attacker_task, WAIT_MS, &code), rcOk))
        OT_EQ(code, 0);
    ot_close_handles(&attacker_task, 1);
    expect_write_fault("AI-write-text", "write-text");
    expect_write_fault("AI-write-rodata", "write-rodata");

    /* The bystander sums again: unchanged, and it answered. */
    __atomic_store_n(&w[W_GO], 1, __ATOMIC_RELEASE);
    uint32_t woken = 0;
    (void)core_sync_wake(&w[W_GO], 1, &woken);
    code = -1;
    if (OT_RC(ot_exit_code(bystander_task, WAIT_MS, &code), rcOk))
        ot_check(code == 0, __LINE__, "the bystander's read-only bytes are unchanged",
                 "exit code %d", (int)code);
    OT_EQ(w[W_WOKEN], 1);
    uint64_t after = (uint64_t)w[W_AFTER_HI] << 32 | w[W_AFTER_LO];
    OT_EQ(after, before);
    ot_close_handles(&bystander_task, 1);
    printf("os_attack_image: %llu read-only bytes, sum %#llx; the bystander's %#llx before, %#llx "
           "after the attacks\n",
           (unsigned long long)n, (unsigned long long)ours, (unsigned long long)before,
           (unsigned long long)after);
    (void)core_vmm_free(va, PAGE);
    ot_close_handles(&page, 1);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bystander") == 0)
        return bystander();
    if (argc > 1 && strcmp(argv[1], "attack") == 0)
        return attacker();
    if (argc > 1 && strcmp(argv[1], "write-text") == 0)
        return writer((volatile uint8_t *)(uintptr_t)VICTIM_TEXT);
    if (argc > 1 && strcmp(argv[1], "write-rodata") == 0)
        return writer((volatile uint8_t *)(uintptr_t)victim_ro);
    ot_begin("os_attack_image");
    run();
    return ot_end();
}
