/* Multiboot2 parsing (well-formed, truncated, malformed) and kernel command-line parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/multiboot2.h"
#include "boot/params.h"

/* A multiboot2 info buffer built by hand; 8-byte aligned like the loader's. */
struct mb {
    uint64_t words[512];
    uint32_t len;
};

static uint8_t *bytes(struct mb *m)
{
    return (uint8_t *)m->words;
}

static void put32(struct mb *m, uint32_t off, uint32_t v)
{
    memcpy(bytes(m) + off, &v, 4);
}

static void put64(struct mb *m, uint32_t off, uint64_t v)
{
    memcpy(bytes(m) + off, &v, 8);
}

static void mb_begin(struct mb *m)
{
    memset(m, 0, sizeof *m);
    m->len = 8;
}

/* Append a tag with `n` body bytes; returns the tag's offset. Pads to 8 afterwards. */
static uint32_t tag(struct mb *m, uint32_t type, const void *body, uint32_t n)
{
    uint32_t off = m->len;
    put32(m, off, type);
    put32(m, off + 4, 8 + n);
    if (n)
        memcpy(bytes(m) + off + 8, body, n);
    m->len = (off + 8 + n + 7) & ~7u;
    return off;
}

static void mb_end(struct mb *m)
{
    tag(m, MB2_TAG_END, NULL, 0);
    put32(m, 0, m->len);
}

static uint32_t tag_str(struct mb *m, uint32_t type, const char *s)
{
    return tag(m, type, s, (uint32_t)strlen(s) + 1);
}

static uint32_t tag_module(struct mb *m, uint32_t start, uint32_t end, const char *s)
{
    uint8_t body[256];
    memcpy(body, &start, 4);
    memcpy(body + 4, &end, 4);
    size_t n = strlen(s) + 1;
    memcpy(body + 8, s, n);
    return tag(m, MB2_TAG_MODULE, body, (uint32_t)(8 + n));
}

static uint32_t tag_mmap(struct mb *m, const uint64_t (*ent)[3], int count, uint32_t entry_size)
{
    uint8_t body[1024] = {0};
    uint32_t version = 0;
    memcpy(body, &entry_size, 4);
    memcpy(body + 4, &version, 4);
    for (int i = 0; i < count; i++) {
        uint8_t *e = body + 8 + i * entry_size;
        uint32_t type = (uint32_t)ent[i][2];
        memcpy(e, &ent[i][0], 8);
        memcpy(e + 8, &ent[i][1], 8);
        memcpy(e + 16, &type, 4);
    }
    return tag(m, MB2_TAG_MMAP, body, 8 + count * entry_size);
}

static const uint64_t qemu_map[][3] = {
    {0x0, 0x9fc00, MB2_MEM_AVAILABLE},       {0x9fc00, 0x400, MB2_MEM_RESERVED},
    {0xf0000, 0x10000, MB2_MEM_RESERVED},    {0x100000, 0x1fee0000, MB2_MEM_AVAILABLE},
    {0x1ffe0000, 0x20000, MB2_MEM_RESERVED}, {0xfffc0000, 0x40000, MB2_MEM_RESERVED},
};

static struct boot_info bi;

/* A complete, realistic info structure like GRUB's under QEMU. */
static void build_good(struct mb *m)
{
    mb_begin(m);
    tag_str(m, MB2_TAG_CMDLINE, "loglevel=3 fault=pf quiet");
    tag_str(m, MB2_TAG_BOOTLOADER_NAME, "GRUB 2.06");
    tag_module(m, 0x400000, 0x412345, "romfs");
    tag_module(m, 0x413000, 0x414000, "extra data");
    uint32_t mi[2] = {639, 523136};
    tag(m, MB2_TAG_BASIC_MEMINFO, mi, 8);
    tag_mmap(m, qemu_map, 6, 24);
    uint8_t rsdp1[20] = "RSD PTR ";
    rsdp1[15] = 0; /* revision 0 */
    tag(m, MB2_TAG_ACPI_OLD, rsdp1, 20);
    uint8_t fb[24] = {0};
    tag(m, MB2_TAG_FRAMEBUFFER, fb, sizeof fb); /* unknown to us: skipped */
    mb_end(m);
}

static void test_good_info(void **state)
{
    (void)state;
    struct mb m;
    build_good(&m);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcOk);
    assert_int_equal(bi.info_size, m.len);
    assert_true(bi.have_cmdline);
    assert_string_equal(bi.cmdline, "loglevel=3 fault=pf quiet");
    assert_string_equal(bi.loader_name, "GRUB 2.06");
    assert_int_equal(bi.module_count, 2);
    assert_int_equal(bi.modules[0].start, 0x400000);
    assert_int_equal(bi.modules[0].end, 0x412345);
    assert_string_equal(bi.modules[0].cmdline, "romfs");
    assert_ptr_equal(boot_find_module(&bi, "romfs"), &bi.modules[0]);
    assert_ptr_equal(boot_find_module(&bi, "extra"), &bi.modules[1]);
    assert_null(boot_find_module(&bi, "rom"));
    assert_null(boot_find_module(&bi, "initrd"));
    assert_true(bi.have_meminfo);
    assert_int_equal(bi.mem_upper_kib, 523136);
    assert_int_equal(bi.mmap_count, 6);
    assert_int_equal(bi.mmap[3].base, 0x100000);
    assert_int_equal(bi.mmap[3].length, 0x1fee0000);
    assert_int_equal(bi.mmap[3].type, MB2_MEM_AVAILABLE);
    assert_int_equal(bi.mmap[5].base, 0xfffc0000);
    assert_int_equal(bi.rsdp_len, 20);
    assert_false(bi.rsdp_is_v2);
    assert_memory_equal(bi.rsdp, "RSD PTR ", 8);
    assert_null(bi.error);
    assert_string_equal(mb2_mem_type_name(MB2_MEM_AVAILABLE), "available");
    assert_string_equal(mb2_mem_type_name(77), "unknown");
}

static void test_rsdp_v2_preferred(void **state)
{
    (void)state;
    struct mb m;
    mb_begin(&m);
    uint8_t v2[36] = "RSD PTR ";
    v2[15] = 2;
    v2[20] = 36;
    uint8_t v1[20] = "RSD PTR ";
    tag(&m, MB2_TAG_ACPI_NEW, v2, 36);
    tag(&m, MB2_TAG_ACPI_OLD, v1, 20); /* comes later but must not replace the 2.0 copy */
    mb_end(&m);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcOk);
    assert_true(bi.rsdp_is_v2);
    assert_int_equal(bi.rsdp_len, 36);
    assert_int_equal(bi.rsdp[15], 2);
    assert_int_equal(bi.rsdp[20], 36);
    assert_false(bi.have_cmdline);
    assert_int_equal(bi.module_count, 0);
}

static void test_minimal_and_bad_args(void **state)
{
    (void)state;
    struct mb m;
    mb_begin(&m);
    mb_end(&m);
    assert_int_equal(m.len, 16);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcOk);
    assert_int_equal(mb2_parse(NULL, 16, &bi), rcInvalidArgument);
    assert_int_equal(mb2_parse(m.words, 16, NULL), rcInvalidArgument);
    assert_int_equal(mb2_parse(bytes(&m) + 4, 12, &bi), rcAlignment);
    assert_int_equal(mb2_parse(m.words, 4, &bi), rcTruncated);
}

static void test_truncated(void **state)
{
    (void)state;
    struct mb m;
    build_good(&m);
    /* Fewer readable bytes than total_size claims, at every length. */
    for (uint32_t avail = 0; avail < m.len; avail++) {
        Retcode rc = mb2_parse(m.words, avail, &bi);
        assert_int_equal(rc, rcTruncated);
        assert_non_null(bi.error);
    }
    /* total_size cut short (so the end tag is outside it), at every 8-byte boundary. */
    for (uint32_t total = 16; total < m.len; total += 8) {
        put32(&m, 0, total);
        Retcode rc = mb2_parse(m.words, m.len, &bi);
        assert_true(rc == rcTruncated);
        assert_true(bi.error_offset <= total);
    }
}

static void test_missing_end_tag(void **state)
{
    (void)state;
    struct mb m;
    mb_begin(&m);
    tag_str(&m, MB2_TAG_CMDLINE, "a=b");
    put32(&m, 0, m.len); /* no end tag */
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcTruncated);
    assert_string_equal(bi.error, "tag list ends without an end tag");
}

static void test_total_size_too_small(void **state)
{
    (void)state;
    struct mb m;
    mb_begin(&m);
    mb_end(&m);
    put32(&m, 0, 8);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcBadFormat);
}

static void test_bad_tag_sizes(void **state)
{
    (void)state;
    struct mb m;
    /* A tag whose size is below the 8-byte header: would loop forever if accepted. */
    mb_begin(&m);
    uint32_t t = tag_str(&m, MB2_TAG_CMDLINE, "x");
    mb_end(&m);
    put32(&m, t + 4, 4);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcBadFormat);
    assert_int_equal(bi.error_offset, t);
    /* A tag claiming more bytes than remain. */
    put32(&m, t + 4, 0x1000);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcTruncated);
    /* A huge size must not wrap the offset arithmetic. */
    put32(&m, t + 4, 0xfffffff8u);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcTruncated);
    /* End tag with a wrong size. */
    mb_begin(&m);
    uint32_t e = tag(&m, MB2_TAG_END, "\0\0\0\0\0\0\0", 8);
    put32(&m, 0, m.len);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcBadFormat);
    assert_int_equal(bi.error_offset, e);
}

static void test_unterminated_strings(void **state)
{
    (void)state;
    struct mb m;
    mb_begin(&m);
    uint32_t t = tag(&m, MB2_TAG_CMDLINE, "abcd", 4); /* no NUL inside the tag */
    mb_end(&m);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcBadFormat);
    assert_int_equal(bi.error_offset, t);
    assert_false(bi.have_cmdline);

    mb_begin(&m);
    uint8_t body[12] = {0, 0, 0x40, 0, 0, 0x10, 0x40, 0, 'r', 'o', 'm', 'f'};
    tag(&m, MB2_TAG_MODULE, body, sizeof body);
    mb_end(&m);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcBadFormat);
    assert_int_equal(bi.module_count, 0);
}

static void test_too_long_strings(void **state)
{
    (void)state;
    struct mb m;
    char longs[BOOT_CMDLINE_MAX + 10];
    memset(longs, 'a', sizeof longs - 1);
    longs[sizeof longs - 1] = 0;
    mb_begin(&m);
    tag_str(&m, MB2_TAG_CMDLINE, longs);
    mb_end(&m);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcBufferTooSmall);
}

static void test_module_errors(void **state)
{
    (void)state;
    struct mb m;
    mb_begin(&m);
    tag_module(&m, 0x500000, 0x400000, "romfs");
    mb_end(&m);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcBadFormat);
    assert_string_equal(bi.error, "module ends before it starts");

    mb_begin(&m);
    uint8_t body[4] = {0};
    tag(&m, MB2_TAG_MODULE, body, 4);
    mb_end(&m);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcBadFormat);

    mb_begin(&m);
    for (int i = 0; i <= BOOT_MODULES_MAX; i++)
        tag_module(&m, 0x400000, 0x401000, "m");
    mb_end(&m);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcBufferTooSmall);
}

static void test_mmap_errors(void **state)
{
    (void)state;
    struct mb m;
    /* Entry size below 24. */
    mb_begin(&m);
    tag_mmap(&m, qemu_map, 2, 16);
    mb_end(&m);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcBadFormat);
    /* Larger entries (future versions) are fine: the parser steps by entry_size. */
    mb_begin(&m);
    tag_mmap(&m, qemu_map, 6, 32);
    mb_end(&m);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcOk);
    assert_int_equal(bi.mmap_count, 6);
    assert_int_equal(bi.mmap[4].base, 0x1ffe0000);
    /* Not a whole number of entries. */
    mb_begin(&m);
    uint32_t t = tag_mmap(&m, qemu_map, 2, 24);
    mb_end(&m);
    put32(&m, t + 4, 8 + 8 + 24 + 12);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcBadFormat);
    /* An entry that wraps around the address space. */
    mb_begin(&m);
    uint64_t wrap[1][3] = {{0xfffffffffffff000ull, 0x2000, MB2_MEM_AVAILABLE}};
    tag_mmap(&m, wrap, 1, 24);
    mb_end(&m);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcOverflow);
    /* Shorter than its own header. */
    mb_begin(&m);
    uint32_t z = 24;
    tag(&m, MB2_TAG_MMAP, &z, 4);
    mb_end(&m);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcBadFormat);
    (void)put64;
}

static void test_short_fixed_tags(void **state)
{
    (void)state;
    struct mb m;
    uint8_t zero[16] = {0};
    static const uint32_t types[] = {MB2_TAG_BASIC_MEMINFO, MB2_TAG_ACPI_OLD, MB2_TAG_ACPI_NEW,
                                     MB2_TAG_ELF_SECTIONS};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        mb_begin(&m);
        tag(&m, types[i], zero, 4);
        mb_end(&m);
        assert_int_equal(mb2_parse(m.words, m.len, &bi), rcBadFormat);
    }
    /* ELF sections whose table would run past the tag. */
    mb_begin(&m);
    uint32_t elf[3] = {10, 64, 1};
    tag(&m, MB2_TAG_ELF_SECTIONS, elf, sizeof elf);
    mb_end(&m);
    assert_int_equal(mb2_parse(m.words, m.len, &bi), rcTruncated);
}

static void test_params(void **state)
{
    (void)state;
    struct kparams p;
    assert_int_equal(kparams_parse(&p, "  loglevel=3\tquiet fault=pf name=\"a b c\" loglevel=5 "
                                       "empty= "),
                     rcOk);
    assert_int_equal(p.count, 6);
    assert_string_equal(kparams_lookup(&p, "loglevel"), "5"); /* last wins */
    assert_string_equal(kparams_lookup(&p, "quiet"), "");
    assert_string_equal(kparams_lookup(&p, "fault"), "pf");
    assert_string_equal(kparams_lookup(&p, "name"), "a b c");
    assert_string_equal(kparams_lookup(&p, "empty"), "");
    assert_null(kparams_lookup(&p, "load"));
    assert_null(kparams_lookup(&p, "loglevel3"));
    assert_int_equal(kparams_parse(&p, NULL), rcOk);
    assert_int_equal(p.count, 0);
    assert_int_equal(kparams_parse(&p, "a=\"unterminated"), rcBadFormat);
    assert_int_equal(kparams_parse(&p, "=value"), rcBadFormat);

    char many[400] = "";
    for (int i = 0; i <= KPARAMS_MAX; i++)
        strcat(many, "f ");
    assert_int_equal(kparams_parse(&p, many), rcBufferTooSmall);
    char longs[KPARAMS_TEXT_MAX + 8];
    memset(longs, 'k', sizeof longs - 1);
    longs[sizeof longs - 1] = 0;
    assert_int_equal(kparams_parse(&p, longs), rcBufferTooSmall);

    /* Global set used by the kernel. */
    assert_int_equal(kparam_init("romfs=bastion debug"), rcOk);
    assert_string_equal(kparam_get("romfs"), "bastion");
    assert_string_equal(kparam_get("debug"), "");
    assert_int_equal(kparam_count(), 2);
    const char *k, *v;
    assert_int_equal(kparam_at(1, &k, &v), rcOk);
    assert_string_equal(k, "debug");
    assert_int_equal(kparam_at(2, &k, &v), rcOutOfRange);
    assert_int_equal(kparam_init("x=\"bad"), rcBadFormat);
    assert_int_equal(kparam_count(), 0);
    assert_null(kparam_get("romfs"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_info),
        cmocka_unit_test(test_rsdp_v2_preferred),
        cmocka_unit_test(test_minimal_and_bad_args),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_missing_end_tag),
        cmocka_unit_test(test_total_size_too_small),
        cmocka_unit_test(test_bad_tag_sizes),
        cmocka_unit_test(test_unterminated_strings),
        cmocka_unit_test(test_too_long_strings),
        cmocka_unit_test(test_module_errors),
        cmocka_unit_test(test_mmap_errors),
        cmocka_unit_test(test_short_fixed_tags),
        cmocka_unit_test(test_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
