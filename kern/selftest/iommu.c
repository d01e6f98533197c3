/*
 * IOMMU self-test (selftest=iommu, kernel-test.elf on q35 with -device intel-iommu -device
 * edu): QEMU's edu device does DMA through a domain the test owns, and every request outside
 * what the domain maps is stopped by the remapping unit and lands in kss.
 *
 *   - both ways: RAM -> edu's buffer -> RAM through two mapped pages, compared;
 *   - a write to a device address the domain does not map (where kernel memory would be if DMA
 *     were passed through): the physical page is unchanged and kss has a fault record naming
 *     the device and the owner;
 *   - a write into a page mapped read-only for the device: refused, page unchanged;
 *   - after an unmap, a read of the old address: refused;
 *   - a DMA buffer (dev/dma_buf.h) opened to the device: both ways through its device
 *     addresses; a second opening refused; closing the mapping unmaps it; its limits and the
 *     RAM charge refused with their named errors, and every charge returned at the end;
 *   - a detached device: blocked ("no domain").
 * The device is found by a scan of bus 0's configuration space through ports 0xCF8/0xCFC, so
 * the test needs nothing of the PCI layer.
 */
#ifdef BASTION_TEST_HOOKS

#include <bastion/dma.h>

#include "arch/x86_64/cpu.h"
#include "dev/dma_buf.h"
#include "dev/iommu.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "obj/account.h"
#include "sched/sched.h"
#include "security/kss.h"
#include "selftest/check.h"

#define EDU_VENDOR_DEVICE 0x11E81234u
#define EDU_ID 0x00
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_RUN 0x1u
#define EDU_DMA_TO_RAM 0x2u /* direction: edu's buffer -> RAM; without it RAM -> buffer */
#define EDU_BUFFER 0x40000u
#define LEN 64u

static uint32_t cfg_read(uint16_t bdf, uint8_t off)
{
    outl(0xCF8, 0x80000000u | (uint32_t)bdf << 8 | (off & 0xFCu));
    return inl(0xCFC);
}

static void cfg_write(uint16_t bdf, uint8_t off, uint32_t v)
{
    outl(0xCF8, 0x80000000u | (uint32_t)bdf << 8 | (off & 0xFCu));
    outl(0xCFC, v);
}

static volatile uint8_t *edu;

static void edu_dma(uint64_t src, uint64_t dst, uint32_t cmd)
{
    *(volatile uint64_t *)(edu + EDU_DMA_SRC) = src;
    *(volatile uint64_t *)(edu + EDU_DMA_DST) = dst;
    *(volatile uint64_t *)(edu + EDU_DMA_COUNT) = LEN;
    *(volatile uint64_t *)(edu + EDU_DMA_CMD) = cmd | EDU_DMA_RUN;
    /* edu runs a transfer from a 100 ms timer of its own. */
    for (int i = 0; i < 300 && (*(volatile uint32_t *)(edu + EDU_DMA_CMD) & EDU_DMA_RUN); i++)
        sched_sleep_ns(10 * MS);
}

/* Waits up to 2 s for a kss record after `from` whose text contains `want`. */
static bool kss_has(uint64_t from, const char *want)
{
    size_t n = strlen(want);
    for (int tries = 0; tries < 200; tries++) {
        struct kss_cursor cur = {from, 0};
        struct kss_record r;
        uint64_t lost;
        while (kss_read(&cur, &r, &lost)) {
            for (size_t i = 0; r.text[i] != 0; i++)
                if (strncmp(r.text + i, want, n) == 0)
                    return true;
        }
        sched_sleep_ns(10 * MS);
    }
    return false;
}

static bool same_bytes(const void *a, const void *b, size_t n)
{
    return memcmp(a, b, n) == 0;
}

static char owner_token;

void selftest_iommu(void)
{
    CHECK(iommu_present(), "no IOMMU (boot q35 with -device intel-iommu)");
    if (!iommu_present())
        return;
    uint16_t bdf = 0xFFFF;
    for (unsigned dev = 0; dev < 32 && bdf == 0xFFFF; dev++)
        if (cfg_read((uint16_t)(dev << 3), 0) == EDU_VENDOR_DEVICE)
            bdf = (uint16_t)(dev << 3);
    CHECK(bdf != 0xFFFF, "no edu device on bus 0 (boot with -device edu)");
    if (bdf == 0xFFFF)
        return;
    cfg_write(bdf, 0x04, cfg_read(bdf, 0x04) | 0x6u); /* memory space, bus master */
    uint64_t bar0 = cfg_read(bdf, 0x10) & ~0xFull;
    edu = paging_map_mmio(bar0, 0x1000);
    CHECK(edu != NULL && *(volatile uint32_t *)(edu + EDU_ID) == 0x010000EDu,
          "edu identification at BAR0 0x%lx", (unsigned long)bar0);
    char dev[16];
    ksnprintf(dev, sizeof dev, "device %02x:%02x.%u", bdf >> 8, (bdf >> 3) & 0x1F, bdf & 7);

    struct kmem_account ram;
    kmem_account_init(&ram, 1u << 20, NULL);
    struct iommu_domain *d = NULL;
    Retcode rc = iommu_domain_get_for(&owner_token, &ram, "iommu-selftest", 0, 1, &d);
    CHECK(rc == rcOk, "domain: %s", retcode_name(rc));
    if (rc != rcOk)
        return;
    CHECK(iommu_attach_domain(d, bdf) == rcOk, "attach");
    CHECK(iommu_attach_domain(d, bdf) == rcAlreadyExists, "attach twice");

    /* Both ways through two pages mapped read-write. */
    uint64_t pages[2] = {pmm_alloc_zeroed(0), pmm_alloc_zeroed(0)};
    uint8_t *src = phys_to_virt(pages[0]), *dst = phys_to_virt(pages[1]);
    for (unsigned i = 0; i < LEN; i++)
        src[i] = (uint8_t)(0xA5 ^ i);
    uint64_t iova = 0;
    rc = iommu_map(d, pages, 2, true, true, &iova);
    CHECK(rc == rcOk && iova >= IOMMU_IOVA_BASE && iova + 8192 <= (1u << 28), "map: %s",
          retcode_name(rc));
    edu_dma(iova, EDU_BUFFER, 0);
    edu_dma(EDU_BUFFER, iova + 4096, EDU_DMA_TO_RAM);
    CHECK(same_bytes(src, dst, LEN), "RAM -> edu -> RAM through the IOMMU: data differs");

    /* A write where nothing is mapped: device address 0x200000 would be kernel memory if DMA
     * were passed through. */
    uint64_t before = kss_written();
    uint8_t keep[LEN];
    memcpy(keep, phys_to_virt(0x200000), LEN);
    edu_dma(EDU_BUFFER, 0x200000, EDU_DMA_TO_RAM);
    CHECK(same_bytes(keep, phys_to_virt(0x200000), LEN), "unmapped write reached memory");
    CHECK(kss_has(before, dev), "no kss record of the fault (%s)", dev);
    CHECK(kss_has(before, "owner iommu-selftest pid 0: DMA write at 0x200000 blocked"),
          "the kss record does not name the owner, address and direction");

    /* A write into a page the device may only read. */
    uint64_t ro_page = pmm_alloc_zeroed(0), ro_iova = 0;
    CHECK(iommu_map(d, &ro_page, 1, true, false, &ro_iova) == rcOk, "map read-only");
    memset(phys_to_virt(ro_page), 0x11, LEN);
    before = kss_written();
    edu_dma(EDU_BUFFER, ro_iova, EDU_DMA_TO_RAM);
    uint8_t ones[LEN];
    memset(ones, 0x11, LEN);
    CHECK(same_bytes(ones, phys_to_virt(ro_page), LEN), "read-only page written");
    CHECK(kss_has(before, "write not permitted"), "no kss record of the read-only write");

    /* After an unmap the old address is gone: the IOTLB was invalidated. */
    iommu_unmap(d, iova, 2);
    before = kss_written();
    memset(dst, 0, LEN);
    edu_dma(EDU_BUFFER, iova + 4096, EDU_DMA_TO_RAM);
    CHECK(dst[0] == 0 && dst[LEN - 1] == 0, "unmapped page written (stale IOTLB)");
    CHECK(kss_has(before, "blocked"), "no kss record after the unmap");

    /* A DMA buffer opened to the device: what IO.RegisterDma and IO.BeginDma hand out. */
    struct kmem_account kmem;
    kmem_account_init(&kmem, 1u << 20, NULL);
    struct dma_buf *b = NULL;
    CHECK(dma_buf_create(0, BASTION_DMA_BIDIRECTIONAL, 0, &kmem, &ram, &b) == rcInvalidArgument,
          "size 0");
    CHECK(dma_buf_create(4096, 0, 0, &kmem, &ram, &b) == rcInvalidArgument, "no direction");
    CHECK(dma_buf_create(4096, 0x100, 0, &kmem, &ram, &b) == rcInvalidArgument, "unknown flag");
    CHECK(dma_buf_create(4096, 1, BASTION_DMA_ORDER_MAX + 1, &kmem, &ram, &b) == rcOutOfRange, "ord"
                                                                                               "e"
                                                                                               "r");
    CHECK(dma_buf_create(BASTION_DMA_SIZE_MAX + 1, 1, 0, &kmem, &ram, &b) == rcOutOfRange, "size");
    CHECK(dma_buf_create(2u << 20, 1, 0, &kmem, &ram, &b) == rcQuotaExceeded, "RAM quota");
    rc = dma_buf_create(6000, BASTION_DMA_BIDIRECTIONAL, 1, &kmem, &ram, &b);
    CHECK(rc == rcOk && b->nblocks == 1 && b->npages == 2 && b->frames[1] == b->frames[0] + 4096,
          "a buffer of one 2-page block: %s", retcode_name(rc));
    struct iommu_domain *d2 = NULL;
    struct dma_mapping *m = NULL;
    if (rc == rcOk &&
        iommu_domain_get_for(&owner_token, &ram, "iommu-selftest", 0, 1, &d2) == rcOk) {
        CHECK(d2 == d, "the owner's domain is the same one");
        CHECK(dma_buf_device_addr(b, 0) == 0, "a device address before BeginDma");
        rc = dma_buf_open_device(b, d2, &kmem, &m);
        CHECK(rc == rcOk, "open to the device: %s", retcode_name(rc));
        if (rc != rcOk)
            iommu_domain_put(d2);
    }
    if (m != NULL) {
        CHECK(dma_buf_open_device(b, d, &kmem, &m) == rcResourceBusy, "opened twice");
        uint64_t a0 = dma_buf_device_addr(b, 0);
        uint8_t *p0 = phys_to_virt(b->frames[0]), *p1 = phys_to_virt(b->frames[1]);
        for (unsigned i = 0; i < LEN; i++)
            p0[i] = (uint8_t)(0x3C + i);
        edu_dma(a0, EDU_BUFFER, 0);
        edu_dma(EDU_BUFFER, dma_buf_device_addr(b, 1), EDU_DMA_TO_RAM);
        CHECK(same_bytes(p0, p1, LEN), "DMA buffer both ways: data differs");
        kobj_unref(&m->obj); /* the mapping's last reference: unmapped */
        CHECK(dma_buf_device_addr(b, 0) == 0, "a device address after the mapping closed");
        before = kss_written();
        memset(p1, 0, LEN);
        edu_dma(EDU_BUFFER, a0 + 4096, EDU_DMA_TO_RAM);
        CHECK(p1[0] == 0, "closed mapping still reached the buffer");
        CHECK(kss_has(before, "blocked"), "no kss record after the mapping closed");
    }
    if (b != NULL)
        kobj_unref(&b->obj);
    CHECK(__atomic_load_n(&kmem.used, __ATOMIC_RELAXED) == 0, "buffer objects still charged");

    /* Detached: blocked, owned by no domain. */
    CHECK(iommu_detach(&owner_token, bdf) == rcOk, "detach");
    CHECK(iommu_detach(&owner_token, bdf) == rcNotFound, "detach twice");
    before = kss_written();
    edu_dma(iova, EDU_BUFFER, 0);
    CHECK(kss_has(before, "owner no domain: DMA read"), "no kss record for a detached device");

    iommu_unmap(d, ro_iova, 1);
    iommu_domain_put(d);
    iommu_process_exit(&owner_token);
    pmm_free(pages[0], 0);
    pmm_free(pages[1], 0);
    pmm_free(ro_page, 0);
    CHECK(__atomic_load_n(&ram.used, __ATOMIC_RELAXED) == 0, "table pages still charged after the "
                                                             "domain went");
}

#endif
