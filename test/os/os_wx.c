/*
 * os_wx: W^X over time, as an attacker with VMM.Allocate, VMM.Protect and VMM.Query granted
 * (class ostest.WxAttacker) would try it (mm/vregion.h): write code into memory, then make it
 * executable. Refused for a heap region that is writable (rcWxViolation), for one that was
 * writable once and made read-only since, for its own image's data (rcAccessDenied: image
 * segments keep their ELF permissions) and for its own image's code made writable first (also
 * rcAccessDenied). Memory that was never writable may still become executable, and every
 * refusal leaves the protection as it was.
 */
#include <stdint.h>
#include <string.h>

#include <user/core.h>
#include <bastion/vmm.h>

#include "ostest.h"

#define PAGE 4096ull
#define R BASTION_VMM_READ
#define RW (BASTION_VMM_READ | BASTION_VMM_WRITE)
#define RX (BASTION_VMM_READ | BASTION_VMM_EXECUTE)

static uint32_t data_word = 0x12345678; /* in the image's data segment */

static uint64_t page_of(const void *p)
{
    return (uint64_t)(uintptr_t)p & ~(PAGE - 1);
}

/* The protection Query reports for va (~0u: none). */
static uint32_t prot_of(uint64_t va)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq info = {0};
    if (core_result(kl_core_VMM_Query(&cl, va, &info, &rc), &rc) != rcOk || info.count != 1)
        return ~0u;
    return ((const struct kl_core_VMM_VmPageInfo *)info.data)->flags;
}

/* Heap: code written into a writable region never runs. */
static bool heap_region(void)
{
    bool stopped = true;
    uint64_t va = 0;
    if (!OT_RC(core_vmm_allocate(0, PAGE, RW | BASTION_VMM_COMMIT, &va), rcOk))
        return false;
    *(volatile uint8_t *)(uintptr_t)va = 0xC3; /* ret */
    stopped &= OT_RC(core_vmm_protect(va, PAGE, RX), rcWxViolation);
    stopped &= OT_RC(core_vmm_protect(va, PAGE, BASTION_VMM_EXECUTE), rcWxViolation);
    stopped &= OT_EQ(prot_of(va), RW);
    /* Read-only first, then executable: still the page it wrote. */
    OT_RC(core_vmm_protect(va, PAGE, R), rcOk);
    stopped &= OT_RC(core_vmm_protect(va, PAGE, RX), rcWxViolation);
    stopped &= OT_EQ(prot_of(va), R);
    OT_RC(core_vmm_free(va, PAGE), rcOk);
    return stopped;
}

/* A region that was never writable may become executable (its pages are zero); once made
 * writable it never again. */
static void never_writable(void)
{
    uint64_t va = 0;
    if (!OT_RC(core_vmm_allocate(0, 2 * PAGE, R | BASTION_VMM_COMMIT, &va), rcOk))
        return;
    OT_RC(core_vmm_protect(va, 2 * PAGE, RX), rcOk);
    OT_EQ(prot_of(va), RX);
    OT_RC(core_vmm_protect(va + PAGE, PAGE, RW), rcOk);
    OT_RC(core_vmm_protect(va + PAGE, PAGE, RX), rcWxViolation);
    OT_RC(core_vmm_protect(va, 2 * PAGE, RX), rcWxViolation);
    OT_EQ(prot_of(va), RX);
    OT_EQ(prot_of(va + PAGE), RW);
    OT_RC(core_vmm_free(va, 2 * PAGE), rcOk);
}

/* Its own image: data never becomes code, code never becomes writable. */
static bool own_image(void)
{
    bool stopped = true;
    uint64_t data = page_of((const void *)&data_word);
    uint64_t text = page_of((const void *)(uintptr_t)&own_image);
    uint32_t data_prot = prot_of(data), text_prot = prot_of(text);
    OT_EQ(data_prot, RW);
    OT_EQ(text_prot, RX);
    stopped &= OT_RC(core_vmm_protect(data, PAGE, RX), rcAccessDenied);
    stopped &= OT_RC(core_vmm_protect(data, PAGE, R), rcAccessDenied);
    stopped &= OT_RC(core_vmm_protect(text, PAGE, RW), rcAccessDenied);
    stopped &= OT_RC(core_vmm_protect(text, PAGE, R), rcAccessDenied);
    stopped &= OT_EQ(prot_of(data), data_prot);
    stopped &= OT_EQ(prot_of(text), text_prot);
    data_word++; /* still writable */
    OT_EQ(data_word, 0x12345679);
    return stopped;
}

int main(void)
{
    ot_begin("os_wx");
    /* Start after the image's timing-sensitive IPC tests are past their first seconds (every
     * call here is a decision of the KSM, which they share). */
    core_thread_sleep(2000);
    heap_region();
    never_writable();
    own_image();
    return ot_end();
}
