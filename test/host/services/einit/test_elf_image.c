/*
 * Einit's ELF checker (services/einit/elf_image.c) on real executables made by the host
 * toolchain (test/host/kern/elf: a static ET_EXEC and a static PIE, both with a symbol table)
 * and on copies of them broken one field at a time: each case asserts the Retcode and the named
 * check, so a check that refuses for the wrong reason is caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elf_image.h"
#include <bastion/tls.h>

static uint8_t *load(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return b;
}

static uint64_t r64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint16_t r16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static void w64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static void w32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* The section header of the first section of `type`. */
static uint8_t *section(uint8_t *img, uint32_t type)
{
    uint64_t shoff = r64(img + 40);
    uint16_t shnum = r16(img + 60);
    for (uint16_t i = 0; i < shnum; i++) {
        uint8_t *sh = img + shoff + (uint64_t)i * 64;
        uint32_t t;
        memcpy(&t, sh + 4, 4);
        if (t == type)
            return sh;
    }
    return NULL;
}

/* The program header of `type` in img (the first one), or NULL. */
static uint8_t *phdr(uint8_t *img, uint32_t type)
{
    uint64_t phoff = r64(img + 32);
    uint16_t phnum = r16(img + 56);
    for (uint16_t i = 0; i < phnum; i++) {
        uint32_t t;
        memcpy(&t, img + phoff + (uint64_t)i * 56, 4);
        if (t == type)
            return img + phoff + (uint64_t)i * 56;
    }
    return NULL;
}

#define PT_TLS_TYPE 7u
#define PT_GNU_STACK_TYPE 0x6474e551u

static void expect(const uint8_t *img, size_t size, uint64_t bias, Retcode want, const char *check)
{
    struct elf_image out;
    struct elf_image_diag d;
    Retcode rc = elf_image_check(img, size, bias, &out, &d);
    if (rc != want || strcmp(elf_image_check_name(&d), check) != 0)
        fail_msg("got %s (%s), expected %s (%s)", retcode_name(rc), elf_image_check_name(&d),
                 retcode_name(want), check);
}

static void real_images_pass(void **state)
{
    (void)state;
    size_t n;
    uint8_t *img = load(TINY_STATIC, &n);
    struct elf_image out;
    struct elf_image_diag d;
    /* The host's tiny executables carry a PT_TLS segment (tiny.c's TLS variable): accepted,
     * its template handed on in the plan. */
    uint8_t *tls = phdr(img, PT_TLS_TYPE);
    assert_non_null(tls);
    assert_int_equal(elf_image_check(img, n, 0, &out, &d), rcOk);
    assert_true(out.plan.has_tls);
    assert_int_equal(out.plan.tls_vaddr, r64(tls + 16));
    assert_int_equal(out.plan.tls_file_size, r64(tls + 32));
    assert_int_equal(out.plan.tls_mem_size, r64(tls + 40));
    assert_true(out.has_syms);
    assert_true(out.sym_size > 0 && out.sym_size % 24 == 0 && out.str_size > 0);
    assert_true(out.sym_offset + out.sym_size <= n && out.str_offset + out.str_size <= n);
    free(img);
    img = load(TINY_PIE, &n);
    assert_int_equal(elf_image_check(img, n, 0x400000, &out, &d), rcOk);
    assert_true(out.plan.pie && out.has_syms && out.plan.has_tls);
    assert_int_equal(out.plan.tls_vaddr, r64(phdr(img, PT_TLS_TYPE) + 16) + 0x400000);
    /* A PIE at bias 0 would map page zero: the planner's check, named. */
    expect(img, n, 0, rcOutOfRange, "VADDR_RANGE");
    free(img);
}

static void broken_images_refused(void **state)
{
    (void)state;
    size_t n;
    uint8_t *orig = load(TINY_STATIC, &n);
    uint8_t *img = malloc(n);
    assert_non_null(img);
#define FRESH() memcpy(img, orig, n)

    FRESH();
    img[1] = 'X';
    expect(img, n, 0, rcBadFormat, "MAGIC");

    /* A malformed PT_TLS: refused before any process exists, one named Retcode for each way. */
    size_t tls_at = (size_t)(phdr(orig, PT_TLS_TYPE) - orig);
    FRESH();
    w64(img + tls_at + 32, r64(img + tls_at + 40) + 1); /* filesz > memsz */
    expect(img, n, 0, rcTlsFileSize, "TLS");
    FRESH();
    w64(img + tls_at + 48, 24); /* alignment not a power of two */
    expect(img, n, 0, rcTlsAlignment, "TLS");
    FRESH();
    w64(img + tls_at + 48, BASTION_TLS_ALIGN_MAX * 2); /* alignment too large */
    expect(img, n, 0, rcTlsAlignment, "TLS");
    FRESH();
    w64(img + tls_at + 40, BASTION_TLS_SIZE_MAX + 1); /* a block too large */
    expect(img, n, 0, rcTlsTooLarge, "TLS");
    FRESH();
    w64(img + tls_at + 16, 0x10000); /* the template in no loaded segment */
    expect(img, n, 0, rcTlsOutsideImage, "TLS");
    FRESH();
    w64(img + tls_at + 16, ~0ull - 8); /* its address wraps */
    expect(img, n, 0, rcTlsOutsideImage, "TLS");
    FRESH();
    {
        uint8_t *stack = phdr(img, PT_GNU_STACK_TYPE);
        assert_non_null(stack);
        memcpy(stack, img + tls_at, 56); /* two PT_TLS */
    }
    expect(img, n, 0, rcTlsDuplicate, "TLS");

    FRESH();
    w64(section(img, 2) + 24, n); /* .symtab starts at the end */
    expect(img, n, 0, rcTruncated, "SYMTAB_BOUNDS");

    FRESH();
    w64(section(img, 2) + 24, ~0ull - 8); /* offset + size wraps */
    expect(img, n, 0, rcOverflow, "SYMTAB_BOUNDS");

    FRESH();
    w64(section(img, 2) + 32, 0); /* empty */
    expect(img, n, 0, rcBadFormat, "SYMTAB_BOUNDS");

    FRESH();
    w64(section(img, 2) + 56, 16); /* entsize */
    expect(img, n, 0, rcBadFormat, "SYMTAB_ENTSIZE");

    FRESH();
    w64(section(img, 2) + 32, r64(section(img, 2) + 32) - 1); /* not whole entries */
    expect(img, n, 0, rcBadFormat, "SYMTAB_ENTSIZE");

    FRESH();
    w32(section(img, 2) + 40, 0); /* link to the null section */
    expect(img, n, 0, rcBadFormat, "SYMTAB_LINK");

    FRESH();
    w32(section(img, 2) + 40, 0xffff); /* link past the table */
    expect(img, n, 0, rcBadFormat, "SYMTAB_LINK");

    FRESH();
    {
        uint32_t link;
        memcpy(&link, section(img, 2) + 40, 4);
        uint8_t *str = img + r64(img + 40) + (uint64_t)link * 64;
        w64(str + 32, n); /* its string table runs past the end */
        expect(img, n, 0, rcTruncated, "STRTAB_BOUNDS");
        FRESH();
        w32(str + 4, 1); /* not a string table */
        expect(img, n, 0, rcBadFormat, "SYMTAB_LINK");
    }

    FRESH();
    {
        /* A second symbol table: the section-name table's header turned into one. */
        uint8_t *sym = section(img, 2);
        uint8_t *names = img + r64(img + 40) + (uint64_t)r16(img + 62) * 64;
        assert_true(names != sym);
        memcpy(names, sym, 64);
        expect(img, n, 0, rcBadFormat, "SYMTAB_TOO_MANY");
    }

    FRESH();
    img[62] = 0xff; /* e_shstrndx past the section table */
    img[63] = 0x7f;
    expect(img, n, 0, rcBadFormat, "SHSTRNDX");

    /* A stripped file (no section table) loads, without symbols. */
    FRESH();
    memset(img + 60, 0, 4);
    {
        struct elf_image out;
        assert_int_equal(elf_image_check(img, n, 0, &out, NULL), rcOk);
        assert_false(out.has_syms);
    }
    free(img);
    free(orig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_images_pass),
        cmocka_unit_test(broken_images_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
