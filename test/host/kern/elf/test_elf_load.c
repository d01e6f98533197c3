/*
 * Following load plans (kern/elf/elf_load.c) into a simulated address space, and placing the
 * user stack (kern/elf/user_stack.c). The simulated address space checks the order the loader
 * promises: pages are mapped before anything is copied into them, copies only go to pages that
 * are mapped and not yet given their final permissions, no page is ever writable and executable,
 * and a failure leaves nothing mapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elf/elf_load.h"
#include "elf/elf_load_plan.h"
#include "elf/user_stack.h"

#define MAX_PAGES 256

struct page {
    uint64_t va;
    uint32_t prot;
    int final;          /* protect() has run */
    const uint8_t *src; /* mapped in place: the image's bytes it is (never copied into) */
    uint8_t data[ELF_PAGE_SIZE];
};

struct space {
    struct page *pages[MAX_PAGES];
    int npages;
    int fail_map_at, fail_copy_at, fail_protect_at; /* segment call numbers; -1: never */
    int maps, copies, protects;
    Retcode image_rc; /* what map_image answers before mapping anything (rcOk: it maps) */
    int images, in_place;
};

static struct page *find(struct space *s, uint64_t va)
{
    for (int i = 0; i < s->npages; i++)
        if (s->pages[i]->va == (va & ~(ELF_PAGE_SIZE - 1)))
            return s->pages[i];
    return NULL;
}

static Retcode sp_map(void *ctx, uint64_t start, uint64_t end)
{
    struct space *s = ctx;
    if (s->maps++ == s->fail_map_at)
        return rcQuotaExceeded;
    assert_true(start < end && start % ELF_PAGE_SIZE == 0 && end % ELF_PAGE_SIZE == 0);
    for (uint64_t va = start; va < end; va += ELF_PAGE_SIZE) {
        assert_null(find(s, va)); /* never mapped twice */
        assert_true(s->npages < MAX_PAGES);
        struct page *p = calloc(1, sizeof(*p));
        p->va = va;
        s->pages[s->npages++] = p;
    }
    return rcOk;
}

/* The in-place hook: [start, end) mapped as sp_map does, [lo, hi) the image's own pages. */
static Retcode sp_map_image(void *ctx, uint64_t start, uint64_t end, uint64_t lo, uint64_t hi,
                            const void *src)
{
    struct space *s = ctx;
    s->images++;
    if (s->image_rc != rcOk)
        return s->image_rc;
    assert_true(start <= lo && lo < hi && hi <= end);
    assert_true(lo % ELF_PAGE_SIZE == 0 && hi % ELF_PAGE_SIZE == 0);
    Retcode rc = sp_map(ctx, start, end);
    if (rc != rcOk)
        return rc;
    const uint8_t *b = src;
    for (uint64_t va = lo; va < hi; va += ELF_PAGE_SIZE) {
        struct page *p = find(s, va);
        p->src = b + (va - lo);
        memcpy(p->data, p->src, ELF_PAGE_SIZE);
        s->in_place++;
    }
    return rcOk;
}

static Retcode sp_copy(void *ctx, uint64_t dst, const void *src, uint64_t len)
{
    struct space *s = ctx;
    if (s->copies++ == s->fail_copy_at)
        return rcOutOfMemory;
    const uint8_t *b = src;
    for (uint64_t i = 0; i < len; i++) {
        struct page *p = find(s, dst + i);
        assert_non_null(p);     /* only into mapped pages */
        assert_false(p->final); /* before the final permissions */
        assert_null(p->src);    /* never into the image's own pages */
        p->data[(dst + i) % ELF_PAGE_SIZE] = b[i];
    }
    return rcOk;
}

static Retcode sp_protect(void *ctx, uint64_t start, uint64_t end, uint32_t prot)
{
    struct space *s = ctx;
    if (s->protects++ == s->fail_protect_at)
        return rcFail;
    assert_false((prot & ELF_PROT_WRITE) && (prot & ELF_PROT_EXEC));
    for (uint64_t va = start; va < end; va += ELF_PAGE_SIZE) {
        struct page *p = find(s, va);
        assert_non_null(p);
        p->prot = prot;
        p->final = 1;
    }
    return rcOk;
}

static void sp_unmap(void *ctx, uint64_t start, uint64_t end)
{
    struct space *s = ctx;
    for (uint64_t va = start; va < end; va += ELF_PAGE_SIZE) {
        int i;
        for (i = 0; i < s->npages && s->pages[i]->va != va; i++)
            ;
        assert_true(i < s->npages); /* only what was mapped */
        free(s->pages[i]);
        s->pages[i] = s->pages[--s->npages];
    }
}

static const struct elf_load_ops ops = {sp_map, sp_copy, sp_protect, sp_unmap, NULL};
static const struct elf_load_ops ops_in_place = {sp_map, sp_copy, sp_protect, sp_unmap,
                                                 sp_map_image};

static void space_init(struct space *s)
{
    memset(s, 0, sizeof(*s));
    s->fail_map_at = s->fail_copy_at = s->fail_protect_at = -1;
}

static void space_free(struct space *s)
{
    for (int i = 0; i < s->npages; i++)
        free(s->pages[i]);
    s->npages = 0;
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return buf;
}

/* After a successful load, every byte of every segment is the file's byte or zero. */
static void check_contents(struct space *s, const struct elf_load_plan *plan, const uint8_t *img)
{
    int expected_pages = 0;
    for (uint32_t i = 0; i < plan->nsegments; i++) {
        const struct elf_segment *g = &plan->seg[i];
        expected_pages += (int)((g->map_end - g->map_start) / ELF_PAGE_SIZE);
        for (uint64_t va = g->map_start; va < g->map_end; va++) {
            struct page *p = find(s, va);
            assert_non_null(p);
            assert_true(p->final);
            assert_int_equal(p->prot, g->prot);
            uint8_t want = 0;
            if (va >= g->vaddr && va < g->vaddr + g->file_size)
                want = img[g->file_offset + (va - g->vaddr)];
            assert_int_equal(p->data[va % ELF_PAGE_SIZE], want);
        }
    }
    assert_int_equal(s->npages, expected_pages);
}

static void load_real(const char *path, uint64_t bias)
{
    size_t size;
    uint8_t *img = read_file(path, &size);
    struct elf_load_plan plan;
    assert_int_equal(elf_plan(img, size, bias, &plan, NULL), rcOk);
    struct space s;
    space_init(&s);
    uint32_t failed = 7;
    assert_int_equal(elf_load(&plan, img, size, &ops, &s, &failed), rcOk);
    check_contents(&s, &plan, img);
    /* The entry point's page is executable and holds the code the file has there. */
    struct page *p = find(&s, plan.entry);
    assert_non_null(p);
    assert_true(p->prot & ELF_PROT_EXEC);
    space_free(&s);
    free(img);
}

static void test_load_real_static(void **state)
{
    (void)state;
    load_real(TINY_STATIC, 0);
}

static void test_load_real_pie(void **state)
{
    (void)state;
    load_real(TINY_PIE, 0x55550000);
}

static void test_load_failures_roll_back(void **state)
{
    (void)state;
    size_t size;
    uint8_t *img = read_file(TINY_STATIC, &size);
    struct elf_load_plan plan;
    assert_int_equal(elf_plan(img, size, 0, &plan, NULL), rcOk);
    assert_true(plan.nsegments >= 3);
    struct space s;
    uint32_t failed;
    /* Each kind of step failing at each segment: the hook's code comes back, nothing stays. */
    for (int at = 0; at < (int)plan.nsegments; at++) {
        space_init(&s);
        s.fail_map_at = at;
        assert_int_equal(elf_load(&plan, img, size, &ops, &s, &failed), rcQuotaExceeded);
        assert_int_equal(failed, (uint32_t)at);
        assert_int_equal(s.npages, 0);

        space_init(&s);
        s.fail_protect_at = at;
        assert_int_equal(elf_load(&plan, img, size, &ops, &s, &failed), rcFail);
        assert_int_equal(failed, (uint32_t)at);
        assert_int_equal(s.npages, 0);
    }
    space_init(&s);
    s.fail_copy_at = 1;
    assert_int_equal(elf_load(&plan, img, size, &ops, &s, &failed), rcOutOfMemory);
    assert_int_equal(s.npages, 0);
    free(img);
}

static void test_load_refuses_bad_plans(void **state)
{
    (void)state;
    size_t size;
    uint8_t *img = read_file(TINY_STATIC, &size);
    struct elf_load_plan good, plan;
    assert_int_equal(elf_plan(img, size, 0, &good, NULL), rcOk);
    struct space s;
    space_init(&s);
    uint32_t failed;
    const uint32_t last = good.nsegments - 1;

    plan = good; /* for a bigger image than the one given */
    assert_int_equal(elf_load(&plan, img, plan.seg[last].file_offset, &ops, &s, &failed),
                     rcInvalidArgument);
    assert_int_equal(failed, ELF_MAX_SEGMENTS);
    plan = good;
    plan.seg[0].prot = ELF_PROT_WRITE | ELF_PROT_EXEC;
    assert_int_equal(elf_load(&plan, img, size, &ops, &s, NULL), rcInvalidArgument);
    plan = good;
    plan.seg[last].mem_size = plan.seg[last].map_end - plan.seg[last].vaddr + 1;
    assert_int_equal(elf_load(&plan, img, size, &ops, &s, NULL), rcInvalidArgument);
    plan = good;
    plan.seg[1].map_start = plan.seg[0].map_start;
    assert_int_equal(elf_load(&plan, img, size, &ops, &s, NULL), rcInvalidArgument);
    plan = good;
    plan.seg[0].map_start = 0;
    assert_int_equal(elf_load(&plan, img, size, &ops, &s, NULL), rcInvalidArgument);
    plan = good;
    plan.seg[0].map_end = ELF_USER_TOP + ELF_PAGE_SIZE;
    assert_int_equal(elf_load(&plan, img, size, &ops, &s, NULL), rcInvalidArgument);
    plan = good;
    plan.nsegments = ELF_MAX_SEGMENTS + 1;
    assert_int_equal(elf_load(&plan, img, size, &ops, &s, NULL), rcInvalidArgument);
    plan = good;
    plan.seg[0].file_offset = UINT64_MAX;
    assert_int_equal(elf_load(&plan, img, size, &ops, &s, NULL), rcInvalidArgument);
    const struct elf_load_ops half = {sp_map, sp_copy, NULL, sp_unmap, NULL};
    assert_int_equal(elf_load(&good, img, size, &half, &s, NULL), rcInvalidArgument);
    assert_int_equal(s.maps, 0); /* nothing was even tried */
    free(img);
}

/* A hand-made plan over a 6-page image: a read-only segment whose file bytes cover two whole
 * pages and part of two others, then a writable one that covers a whole page too. */
static void in_place_plan(struct elf_load_plan *plan, uint8_t *img, size_t size)
{
    for (size_t i = 0; i < size; i++)
        img[i] = (uint8_t)(i * 7 + 3);
    memset(plan, 0, sizeof *plan);
    plan->nsegments = 2;
    plan->seg[0] = (struct elf_segment){.map_start = 0x400000,
                                        .map_end = 0x404000,
                                        .vaddr = 0x400100,
                                        .file_offset = 0x100,
                                        .file_size = 0x3000, /* to 0x403100 */
                                        .mem_size = 0x3f00,
                                        .prot = ELF_PROT_READ | ELF_PROT_EXEC};
    plan->seg[1] = (struct elf_segment){.map_start = 0x404000,
                                        .map_end = 0x406000,
                                        .vaddr = 0x404000,
                                        .file_offset = 0x4000,
                                        .file_size = 0x1800,
                                        .mem_size = 0x2000,
                                        .prot = ELF_PROT_READ | ELF_PROT_WRITE};
}

static void test_load_in_place(void **state)
{
    (void)state;
    static uint8_t img[6 * ELF_PAGE_SIZE];
    struct elf_load_plan plan;
    in_place_plan(&plan, img, sizeof img);
    struct space s;
    uint32_t failed;

    /* The read-only segment's two whole pages are the image's, at the matching offsets; the
     * partial ones around them and the writable segment are copied; every byte is right. */
    space_init(&s);
    assert_int_equal(elf_load(&plan, img, sizeof img, &ops_in_place, &s, &failed), rcOk);
    assert_int_equal(s.images, 1); /* never asked for the writable segment */
    assert_int_equal(s.in_place, 2);
    assert_ptr_equal(find(&s, 0x401000)->src, img + 0x1000);
    assert_ptr_equal(find(&s, 0x402000)->src, img + 0x2000);
    assert_null(find(&s, 0x400000)->src);
    assert_null(find(&s, 0x403000)->src);
    assert_null(find(&s, 0x404000)->src);
    check_contents(&s, &plan, img);
    space_free(&s);

    /* The hook cannot map these bytes in place (rcNotSupported): all copied, same contents. */
    space_init(&s);
    s.image_rc = rcNotSupported;
    assert_int_equal(elf_load(&plan, img, sizeof img, &ops_in_place, &s, &failed), rcOk);
    assert_int_equal(s.in_place, 0);
    check_contents(&s, &plan, img);
    space_free(&s);

    /* Any other failure of the hook is the load's, and nothing stays mapped. */
    space_init(&s);
    s.image_rc = rcQuotaExceeded;
    assert_int_equal(elf_load(&plan, img, sizeof img, &ops_in_place, &s, &failed), rcQuotaExceeded);
    assert_int_equal(failed, 0);
    assert_int_equal(s.npages, 0);
    /* A later step failing rolls back the in-place segment too. */
    space_init(&s);
    s.fail_protect_at = 1;
    assert_int_equal(elf_load(&plan, img, sizeof img, &ops_in_place, &s, &failed), rcFail);
    assert_int_equal(failed, 1);
    assert_int_equal(s.npages, 0);

    /* Offset and address not congruent modulo the page: nothing in place (never asked). */
    plan.seg[0].file_offset = 0x180;
    space_init(&s);
    assert_int_equal(elf_load(&plan, img, sizeof img, &ops_in_place, &s, &failed), rcOk);
    assert_int_equal(s.images, 0);
    check_contents(&s, &plan, img);
    space_free(&s);

    /* File bytes that fill no page completely: nothing in place either. */
    in_place_plan(&plan, img, sizeof img);
    plan.seg[0].file_size = 0xf00; /* 0x400100 .. 0x401000 */
    space_init(&s);
    assert_int_equal(elf_load(&plan, img, sizeof img, &ops_in_place, &s, &failed), rcOk);
    assert_int_equal(s.images, 0);
    check_contents(&s, &plan, img);
    space_free(&s);
}

static void test_user_stack(void **state)
{
    (void)state;
    const uint64_t lo = 0x100000000ull, hi = 0x7ffffffff000ull, window = 1ull << 34;
    struct user_stack_plan st;
    uint64_t first_top = 0;
    int moved = 0;
    for (uint64_t e = 0; e < 4000; e++) {
        uint64_t entropy = e * 0x9e3779b97f4a7c15ull;
        assert_int_equal(user_stack_place(8 * 1024 * 1024, 4096, window, entropy, lo, hi, 0x400000,
                                          0x500000, &st),
                         rcOk);
        assert_int_equal(st.top % ELF_PAGE_SIZE, 0);
        assert_int_equal(st.base % ELF_PAGE_SIZE, 0);
        assert_int_equal(st.top - st.base, 8 * 1024 * 1024);
        assert_int_equal(st.guard_end, st.base);
        assert_int_equal(st.guard_end - st.guard_start, 4096);
        assert_true(st.top <= hi && st.top >= hi - window);
        assert_true(st.initial_sp <= st.top && st.initial_sp > st.top - ELF_PAGE_SIZE);
        assert_int_equal(st.initial_sp % 16, 0);
        if (e == 0)
            first_top = st.top;
        else
            moved += st.top != first_top;
    }
    assert_true(moved > 3900);

    /* Sizes round up to pages; no window: the top is hi. */
    assert_int_equal(user_stack_place(5000, 1, 0, 12345, lo, hi, 0, 0, &st), rcOk);
    assert_int_equal(st.top, hi);
    assert_int_equal(st.top - st.base, 8192);
    assert_int_equal(st.guard_end - st.guard_start, 4096);

    /* Refusals. */
    assert_int_equal(user_stack_place(0, 4096, 0, 0, lo, hi, 0, 0, &st), rcInvalidArgument);
    assert_int_equal(user_stack_place(4096, 0, 0, 0, lo, hi, 0, 0, &st), rcInvalidArgument);
    assert_int_equal(user_stack_place(4096, 4096, 0, 0, lo + 1, hi, 0, 0, &st), rcInvalidArgument);
    assert_int_equal(user_stack_place(4096, 4096, 100, 0, lo, hi, 0, 0, &st), rcInvalidArgument);
    assert_int_equal(user_stack_place(4096, 4096, 0, 0, hi, lo, 0, 0, &st), rcInvalidArgument);
    assert_int_equal(user_stack_place(UINT64_MAX, 4096, 0, 0, lo, hi, 0, 0, &st),
                     rcInvalidArgument);
    assert_int_equal(user_stack_place(hi - lo, 4096, 0, 0, lo, hi, 0, 0, &st), rcOutOfRange);
    /* Touching the image, even with the guard only, is refused. */
    assert_int_equal(user_stack_place(4096, 4096, 0, 0, lo, hi, hi - 0x2000, hi - 0x1000, &st),
                     rcOutOfRange);
    assert_int_equal(user_stack_place(4096, 4096, 0, 0, lo, hi, hi - 0x3000, hi - 0x2000, &st),
                     rcOk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_real_static),
        cmocka_unit_test(test_load_real_pie),
        cmocka_unit_test(test_load_failures_roll_back),
        cmocka_unit_test(test_load_refuses_bad_plans),
        cmocka_unit_test(test_load_in_place),
        cmocka_unit_test(test_user_stack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
