/*
 * os_mdl_vm (class ostest.MdlVm): kl.core.VMM.MdlCreateFromVm, and the abuse its danger text
 * names, "exhaust the kernel memory by creating a multitude of objects, exhaust the RAM", by a
 * program with an untrusted program's VMM rights under small quotas (init.yaml):
 *
 *   - a committed region becomes a buffer in place: its contents read the same at the same
 *     address, and a second mapping of the buffer shares them both ways;
 *   - refusals: unaligned, part of a region, a free or only reserved range, EXECUTE, more
 *     protection than the region has, no protection;
 *   - regions turned into buffers until the quotas stop it (rcQuotaExceeded), then the probe
 *     server (another process) still answers, and after freeing, the call works again.
 */
#include <stdint.h>
#include <stdio.h>

#include <bastion/vmm.h>
#include <user/core.h>
#include <user/vmm.h>

#include "ostest.h"

#define PAGE 4096u
#define RW (BASTION_VMM_READ | BASTION_VMM_WRITE)
#define MAX_OBJECTS 4096u

static uint32_t handles[MAX_OBJECTS];
static uint64_t regions[MAX_OBJECTS];

static Retcode from_vm(uint64_t va, uint64_t size, uint32_t flags, uint32_t *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {0xFFFFFFFFu, 0};
    Retcode r = core_result(kl_core_VMM_MdlCreateFromVm(&cl, va, size, flags, &h, &rc), &rc);
    *out = h.handle;
    return r;
}

static void in_place(void)
{
    uint64_t va = 0, other = 0;
    uint32_t h = 0;
    if (!OT_RC(core_vmm_allocate(0, 3 * PAGE, RW | BASTION_VMM_COMMIT, &va), rcOk))
        return;
    volatile uint32_t *w = (volatile uint32_t *)va;
    for (unsigned i = 0; i < 3 * PAGE / 4; i++)
        w[i] = 0xB0000000u + i;
    if (!OT_RC(from_vm(va, 3 * PAGE, RW, &h), rcOk))
        return;
    unsigned same = 0;
    for (unsigned i = 0; i < 3 * PAGE / 4; i++)
        same += w[i] == 0xB0000000u + i;
    OT_EQ(same, 3 * PAGE / 4);
    uint64_t size = 0;
    OT_RC(core_mdl_get_size(h, &size), rcOk);
    OT_EQ(size, 3 * PAGE);
    if (OT_RC(core_mdl_map(h, PAGE, 2 * PAGE, 0, RW, &other), rcOk)) {
        volatile uint32_t *o = (volatile uint32_t *)other;
        OT_EQ(o[0], 0xB0000000u + PAGE / 4);
        o[1] = 0x12345678u;
        OT_EQ(w[PAGE / 4 + 1], 0x12345678u);
        w[2 * PAGE / 4] = 0x9abcdef0u;
        OT_EQ(o[PAGE / 4], 0x9abcdef0u);
        OT_RC(core_vmm_free(other, 2 * PAGE), rcOk);
    }
    /* Already a buffer: not a committed region any more. */
    uint32_t h2;
    OT_RC(from_vm(va, 3 * PAGE, RW, &h2), rcInvalidArgument);
    OT_RC(core_vmm_free(va, 3 * PAGE), rcOk);
    ot_close_handles(&h, 1);
}

static void refusals(void)
{
    uint64_t va = 0, ro = 0, res = 0;
    uint32_t h;
    if (!OT_RC(core_vmm_allocate(0, 2 * PAGE, RW | BASTION_VMM_COMMIT, &va), rcOk))
        return;
    OT_RC(from_vm(va + 1, PAGE, RW, &h), rcAlignment);
    OT_RC(from_vm(va, PAGE, RW, &h), rcInvalidArgument); /* half of the region */
    OT_RC(from_vm(va, 2 * PAGE, RW | BASTION_VMM_EXECUTE, &h), rcWxViolation);
    OT_RC(from_vm(va, 2 * PAGE, 0, &h), rcInvalidArgument);
    OT_RC(from_vm(va, 2 * PAGE, 0x800, &h), rcInvalidArgument);
    OT_RC(core_vmm_free(va, 2 * PAGE), rcOk);
    OT_RC(from_vm(va, 2 * PAGE, RW, &h), rcNotFound); /* free now */
    if (OT_RC(core_vmm_allocate(0, PAGE, BASTION_VMM_READ | BASTION_VMM_COMMIT, &ro), rcOk)) {
        OT_RC(from_vm(ro, PAGE, RW, &h), rcAccessDenied);
        OT_RC(from_vm(ro, PAGE, BASTION_VMM_READ, &h), rcOk);
        ot_close_handles(&h, 1);
        OT_RC(core_vmm_free(ro, PAGE), rcOk);
    }
    if (OT_RC(core_vmm_allocate(0, PAGE, RW, &res), rcOk)) {
        OT_RC(from_vm(res, PAGE, RW, &h), rcInvalidArgument); /* reserved, not committed */
        OT_RC(core_vmm_free(res, PAGE), rcOk);
    }
}

static bool multitude(void)
{
    uint32_t n = 0;
    Retcode last = rcOk;
    while (n < MAX_OBJECTS) {
        uint64_t va = 0;
        last = core_vmm_allocate(0, 4 * PAGE, RW | BASTION_VMM_COMMIT, &va);
        if (last != rcOk)
            break;
        last = from_vm(va, 4 * PAGE, RW, &handles[n]);
        if (last != rcOk) {
            (void)core_vmm_free(va, 4 * PAGE);
            break;
        }
        regions[n++] = va;
    }
    printf("os_mdl_vm: %u regions turned into buffers, then %s\n", n, retcode_name(last));
    bool ok = OT_TRUE(n > 0) && OT_RC(last, rcQuotaExceeded);
    ok = ot_bystander_served() && ok;
    for (uint32_t i = 0; i < n; i++)
        (void)core_vmm_free(regions[i], 4 * PAGE);
    ot_close_handles(handles, n);
    uint64_t va = 0;
    uint32_t h = 0;
    ok &= OT_RC(core_vmm_allocate(0, 4 * PAGE, RW | BASTION_VMM_COMMIT, &va), rcOk);
    ok &= OT_RC(from_vm(va, 4 * PAGE, RW, &h), rcOk);
    ok &= OT_RC(core_vmm_free(va, 4 * PAGE), rcOk);
    ot_close_handles(&h, 1);
    return ok;
}

int main(void)
{
    ot_begin("os_mdl_vm");
    in_place();
    refusals();
    ot_attack("kl.core.VMM.MdlCreateFromVm", multitude() && ot_bystander_served());
    return ot_end();
}
