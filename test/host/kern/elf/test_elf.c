/*
 * ELF64 validation and load plans (kern/elf). A valid image is built in memory, then one field at
 * a time is broken; each case asserts the Retcode *and* which check refused it, so a check that
 * passes for the wrong reason is caught. Real executables made by the host toolchain at build
 * time must be accepted (or, with an executable stack, refused), and random corruption of both
 * must never make the validator read out of bounds (ASan) or accept a plan that breaks the
 * invariants the loader relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elf/elf64.h"
#include "elf/elf_load_plan.h"
#include <bastion/tls.h>

/* ---- building images ---------------------------------------------------------------------- */

#define IMG_SIZE 0x3000u
#define PH(i) (64u + (i)*56u)

static uint8_t img[IMG_SIZE];
static size_t img_size;

static void w16(size_t off, uint16_t v)
{
    img[off] = (uint8_t)v;
    img[off + 1] = (uint8_t)(v >> 8);
}

static void w32(size_t off, uint32_t v)
{
    w16(off, (uint16_t)v);
    w16(off + 2, (uint16_t)(v >> 16));
}

static void w64(size_t off, uint64_t v)
{
    w32(off, (uint32_t)v);
    w32(off + 4, (uint32_t)(v >> 32));
}

static void set_phdr(unsigned i, uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr,
                     uint64_t filesz, uint64_t memsz, uint64_t align)
{
    w32(PH(i), type);
    w32(PH(i) + 4, flags);
    w64(PH(i) + 8, off);
    w64(PH(i) + 16, vaddr);
    w64(PH(i) + 24, vaddr);
    w64(PH(i) + 32, filesz);
    w64(PH(i) + 40, memsz);
    w64(PH(i) + 48, align);
}

/* e_* field offsets */
enum {
    E_TYPE = 16,
    E_MACHINE = 18,
    E_VERSION = 20,
    E_ENTRY = 24,
    E_PHOFF = 32,
    E_SHOFF = 40,
    E_EHSIZE = 52,
    E_PHENTSIZE = 54,
    E_PHNUM = 56,
    E_SHENTSIZE = 58,
    E_SHNUM = 60
};

/*
 * The valid baseline: text R+X at 0x400000 (one page from offset 0, headers included), data R+W
 * at 0x401000 from offset 0x1000 (0x100 bytes of file, 0x2000 of memory), a non-executable
 * GNU_STACK, entry 0x400100.
 */
static void build_valid(void)
{
    memset(img, 0, sizeof(img));
    img_size = 0x2000;
    memcpy(img,
           "\x7f"
           "ELF",
           4);
    img[EI_CLASS] = ELFCLASS64;
    img[EI_DATA] = ELFDATA2LSB;
    img[EI_VERSION] = EV_CURRENT;
    img[EI_OSABI] = ELFOSABI_SYSV;
    w16(E_TYPE, ET_EXEC);
    w16(E_MACHINE, EM_X86_64);
    w32(E_VERSION, EV_CURRENT);
    w64(E_ENTRY, 0x400100);
    w64(E_PHOFF, 64);
    w16(E_EHSIZE, 64);
    w16(E_PHENTSIZE, 56);
    w16(E_PHNUM, 3);
    set_phdr(0, PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1000, 0x1000, 0x1000);
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0x401000, 0x100, 0x2000, 0x1000);
    set_phdr(2, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
}

static struct elf_load_plan plan;
static struct elf_diag diag;

static Retcode run(uint64_t bias)
{
    return elf_plan(img, img_size, bias, &plan, &diag);
}

#define REFUSED(rc_, check_)                                                           \
    do {                                                                               \
        Retcode got_ = run(0);                                                         \
        if (got_ != (rc_) || diag.check != (check_))                                   \
            fail_msg("expected %d/%s, got %d/%s", (rc_), elf_check_name(check_), got_, \
                     elf_check_name(diag.check));                                      \
    } while (0)

/* ---- the baseline ------------------------------------------------------------------------- */

static void test_valid_baseline(void **state)
{
    (void)state;
    build_valid();
    assert_int_equal(run(0), rcOk);
    assert_int_equal(diag.check, ELF_CHECK_NONE);
    assert_false(plan.pie);
    assert_int_equal(plan.nsegments, 2);
    assert_int_equal(plan.entry, 0x400100);
    assert_int_equal(plan.seg[0].map_start, 0x400000);
    assert_int_equal(plan.seg[0].map_end, 0x401000);
    assert_int_equal(plan.seg[0].prot, ELF_PROT_READ | ELF_PROT_EXEC);
    assert_int_equal(plan.seg[1].map_start, 0x401000);
    assert_int_equal(plan.seg[1].map_end, 0x403000);
    assert_int_equal(plan.seg[1].file_offset, 0x1000);
    assert_int_equal(plan.seg[1].file_size, 0x100);
    assert_int_equal(plan.seg[1].mem_size, 0x2000);
    assert_int_equal(plan.seg[1].prot, ELF_PROT_READ | ELF_PROT_WRITE);
    assert_int_equal(plan.lo, 0x400000);
    assert_int_equal(plan.hi, 0x403000);
    assert_false(plan.has_tls);
    assert_int_equal(elf_plan(NULL, 10, 0, &plan, &diag), rcInvalidArgument);
    assert_int_equal(elf_plan(img, img_size, 0, NULL, NULL), rcInvalidArgument);
}

/* ---- the corpus of malformed images -------------------------------------------------------- */

static void test_header_corpus(void **state)
{
    (void)state;
    build_valid();
    img_size = 63;
    REFUSED(rcTruncated, ELF_CHECK_EHDR_SIZE);
    img_size = 0;
    REFUSED(rcTruncated, ELF_CHECK_EHDR_SIZE);

    build_valid();
    img[1] = 'e';
    REFUSED(rcBadFormat, ELF_CHECK_MAGIC);
    build_valid();
    img[EI_CLASS] = 1; /* ELFCLASS32 */
    REFUSED(rcNotSupported, ELF_CHECK_CLASS);
    build_valid();
    img[EI_DATA] = 2; /* big-endian */
    REFUSED(rcNotSupported, ELF_CHECK_DATA);
    build_valid();
    img[EI_VERSION] = 0;
    REFUSED(rcBadFormat, ELF_CHECK_VERSION);
    build_valid();
    w32(E_VERSION, 2);
    REFUSED(rcBadFormat, ELF_CHECK_VERSION);
    build_valid();
    img[EI_OSABI] = 3; /* GNU/Linux */
    REFUSED(rcNotSupported, ELF_CHECK_OSABI);
    build_valid();
    img[EI_ABIVERSION] = 1;
    REFUSED(rcNotSupported, ELF_CHECK_OSABI);
    build_valid();
    w16(E_TYPE, 1); /* ET_REL */
    REFUSED(rcNotSupported, ELF_CHECK_TYPE);
    build_valid();
    w16(E_TYPE, 4); /* ET_CORE */
    REFUSED(rcNotSupported, ELF_CHECK_TYPE);
    build_valid();
    w16(E_MACHINE, 3); /* EM_386 */
    REFUSED(rcNotSupported, ELF_CHECK_MACHINE);
    build_valid();
    w16(E_MACHINE, 183); /* EM_AARCH64 */
    REFUSED(rcNotSupported, ELF_CHECK_MACHINE);
    build_valid();
    w16(E_EHSIZE, 52);
    REFUSED(rcBadFormat, ELF_CHECK_EHSIZE);
    build_valid();
    w16(E_PHENTSIZE, 32);
    REFUSED(rcBadFormat, ELF_CHECK_PHENTSIZE);
    build_valid();
    w16(E_SHNUM, 4);
    w16(E_SHENTSIZE, 40);
    REFUSED(rcBadFormat, ELF_CHECK_SHENTSIZE);
}

static void test_table_bounds_corpus(void **state)
{
    (void)state;
    build_valid();
    w16(E_PHNUM, 0);
    REFUSED(rcBadFormat, ELF_CHECK_PHNUM);
    build_valid();
    w16(E_PHNUM, PN_XNUM);
    REFUSED(rcBadFormat, ELF_CHECK_PHNUM);
    build_valid();
    w16(E_PHNUM, ELF_MAX_PHDRS + 1);
    REFUSED(rcOutOfRange, ELF_CHECK_PHNUM);

    /* phoff past the end, a table that runs past the end, and offsets that wrap around. */
    build_valid();
    w64(E_PHOFF, img_size);
    REFUSED(rcTruncated, ELF_CHECK_PHDRS_BOUNDS);
    build_valid();
    w64(E_PHOFF, img_size - 56 * 3 + 1);
    REFUSED(rcTruncated, ELF_CHECK_PHDRS_BOUNDS);
    build_valid();
    w16(E_PHNUM, ELF_MAX_PHDRS);
    img_size = 64 + 56 * ELF_MAX_PHDRS - 1;
    REFUSED(rcTruncated, ELF_CHECK_PHDRS_BOUNDS);
    build_valid();
    w64(E_PHOFF, UINT64_MAX - 100);
    REFUSED(rcOverflow, ELF_CHECK_PHDRS_BOUNDS);
    build_valid();
    w16(E_SHNUM, 2);
    w16(E_SHENTSIZE, 64);
    w64(E_SHOFF, img_size - 64);
    REFUSED(rcTruncated, ELF_CHECK_SHDRS_BOUNDS);
    build_valid();
    w16(E_SHNUM, 2);
    w16(E_SHENTSIZE, 64);
    w64(E_SHOFF, UINT64_MAX - 64);
    REFUSED(rcOverflow, ELF_CHECK_SHDRS_BOUNDS);
    build_valid(); /* and a section table that fits is fine */
    w16(E_SHNUM, 2);
    w16(E_SHENTSIZE, 64);
    w64(E_SHOFF, img_size - 128);
    assert_int_equal(run(0), rcOk);
}

static void test_segment_corpus(void **state)
{
    (void)state;
    build_valid();
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0x401000, 0x101, 0x100, 0x1000);
    REFUSED(rcBadFormat, ELF_CHECK_FILESZ);

    build_valid();
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0x401000, 0x1001, 0x2000, 0x1000);
    REFUSED(rcTruncated, ELF_CHECK_FILE_BOUNDS);
    build_valid();
    set_phdr(1, PT_LOAD, PF_R | PF_W, UINT64_MAX - 0x10, 0x401000, 0x100, 0x2000, 0x1000);
    REFUSED(rcOverflow, ELF_CHECK_FILE_BOUNDS);
    build_valid(); /* a non-LOAD header naming bytes outside the file is refused too */
    w16(E_PHNUM, 4);
    set_phdr(3, PT_NOTE, PF_R, 0x1f00, 0x401f00, 0x200, 0x200, 4);
    REFUSED(rcTruncated, ELF_CHECK_FILE_BOUNDS);

    build_valid();
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0x401800, 0x100, 0x2000, 0x1000);
    REFUSED(rcAlignment, ELF_CHECK_ALIGN);
    build_valid();
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0x401000, 0x100, 0x2000, 0x3000);
    REFUSED(rcAlignment, ELF_CHECK_ALIGN);
    build_valid(); /* congruent modulo the page but not modulo p_align */
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0x402000, 0x100, 0x2000, 0x2000);
    REFUSED(rcAlignment, ELF_CHECK_ALIGN);

    build_valid();
    set_phdr(1, PT_LOAD, PF_R | PF_W | PF_X, 0x1000, 0x401000, 0x100, 0x2000, 0x1000);
    REFUSED(rcWxViolation, ELF_CHECK_SEGMENT_WX);
    build_valid();
    set_phdr(0, PT_LOAD, PF_W | PF_X, 0, 0x400000, 0x1000, 0x1000, 0x1000);
    REFUSED(rcWxViolation, ELF_CHECK_SEGMENT_WX);
    assert_int_equal(diag.phdr, 0);

    /* Overlap: the data segment starts inside the text page, or on the very same range. */
    build_valid();
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1800, 0x400800, 0x100, 0x2000, 0x1000);
    REFUSED(rcBadFormat, ELF_CHECK_OVERLAP);
    assert_int_equal(diag.phdr, 1);
    build_valid();
    set_phdr(1, PT_LOAD, PF_R, 0x0, 0x400000, 0x1000, 0x1000, 0x1000);
    REFUSED(rcBadFormat, ELF_CHECK_OVERLAP);
    build_valid(); /* sharing only a page after rounding is an overlap too */
    set_phdr(0, PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x800, 0x800, 0x1000);
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1900, 0x400900, 0x100, 0x200, 0x1000);
    REFUSED(rcBadFormat, ELF_CHECK_OVERLAP);
    build_valid();
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0x300000, 0x100, 0x2000, 0x1000);
    REFUSED(rcBadFormat, ELF_CHECK_ORDER);

    /* No loadable segment at all; too many of them. */
    build_valid();
    set_phdr(0, PT_NOTE, PF_R, 0, 0x400000, 0x100, 0x100, 4);
    set_phdr(1, PT_NOTE, PF_R, 0x1000, 0x401000, 0x100, 0x100, 4);
    REFUSED(rcBadFormat, ELF_CHECK_NO_LOAD);
    build_valid();
    w16(E_PHNUM, ELF_MAX_SEGMENTS + 2);
    for (unsigned i = 0; i <= ELF_MAX_SEGMENTS; i++)
        set_phdr(i, PT_LOAD, PF_R | PF_X, 0, 0x400000 + i * 0x1000ull, 0x100, 0x100, 0x1000);
    REFUSED(rcOutOfRange, ELF_CHECK_TOO_MANY);
    assert_int_equal(diag.phdr, ELF_MAX_SEGMENTS);
    /* A PT_LOAD with no memory maps nothing and is skipped. */
    build_valid();
    w16(E_PHNUM, 4);
    set_phdr(3, PT_LOAD, PF_R | PF_W | PF_X, 0, 0, 0, 0, 0x1000);
    assert_int_equal(run(0), rcOk);
    assert_int_equal(plan.nsegments, 2);
}

static void test_address_corpus(void **state)
{
    (void)state;
    /* huge vaddr: wraps around the address space */
    build_valid();
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0xfffffffffffff000ull, 0x100, 0x2000, 0x1000);
    REFUSED(rcOverflow, ELF_CHECK_VADDR_RANGE);
    /* kernel half */
    build_valid();
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0xffffffff80001000ull, 0x100, 0x1000, 0x1000);
    REFUSED(rcOutOfRange, ELF_CHECK_VADDR_RANGE);
    /* the non-canonical hole, and a segment that only ends past the user half */
    build_valid();
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0x0000800000000000ull, 0x100, 0x1000, 0x1000);
    REFUSED(rcOutOfRange, ELF_CHECK_VADDR_RANGE);
    build_valid();
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0x00007ffffffff000ull, 0x100, 0x2000, 0x1000);
    REFUSED(rcOutOfRange, ELF_CHECK_VADDR_RANGE);
    build_valid(); /* the last user page itself is allowed */
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0x00007ffffffff000ull, 0x100, 0x1000, 0x1000);
    assert_int_equal(run(0), rcOk);
    assert_int_equal(plan.hi, ELF_USER_TOP);
    /* page zero and the low guard area */
    build_valid();
    set_phdr(0, PT_LOAD, PF_R | PF_X, 0, 0, 0x1000, 0x1000, 0x1000);
    w64(E_ENTRY, 0x100);
    REFUSED(rcOutOfRange, ELF_CHECK_VADDR_RANGE);
    build_valid();
    set_phdr(0, PT_LOAD, PF_R | PF_X, 0, ELF_USER_MIN - 0x1000, 0x1000, 0x1000, 0x1000);
    REFUSED(rcOutOfRange, ELF_CHECK_VADDR_RANGE);

    /* entry outside any segment, in a non-executable one, in the bss part, wrapping */
    build_valid();
    w64(E_ENTRY, 0x500000);
    REFUSED(rcOutOfRange, ELF_CHECK_ENTRY);
    build_valid();
    w64(E_ENTRY, 0x401010);
    REFUSED(rcOutOfRange, ELF_CHECK_ENTRY);
    build_valid();
    set_phdr(0, PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x800, 0x1000, 0x1000);
    w64(E_ENTRY, 0x400900);
    REFUSED(rcOutOfRange, ELF_CHECK_ENTRY);
    build_valid();
    w64(E_ENTRY, 0x3fffff);
    REFUSED(rcOutOfRange, ELF_CHECK_ENTRY);
}

static void test_program_header_kinds(void **state)
{
    (void)state;
    build_valid();
    w16(E_PHNUM, 4);
    set_phdr(3, PT_INTERP, PF_R, 0x200, 0x400200, 0x1c, 0x1c, 1);
    REFUSED(rcNotSupported, ELF_CHECK_INTERP);
    assert_int_equal(diag.phdr, 3);

    build_valid();
    set_phdr(2, PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0, 16);
    REFUSED(rcWxViolation, ELF_CHECK_STACK_EXEC);
    build_valid(); /* no GNU_STACK at all: the stack is simply not executable */
    w16(E_PHNUM, 2);
    assert_int_equal(run(0), rcOk);

    /* TLS: recorded when inside the loaded bytes, refused otherwise or twice. */
    build_valid();
    w16(E_PHNUM, 4);
    set_phdr(3, PT_TLS, PF_R, 0x1010, 0x401010, 0x10, 0x40, 16);
    assert_int_equal(run(0), rcOk);
    assert_true(plan.has_tls);
    assert_int_equal(plan.tls_vaddr, 0x401010);
    assert_int_equal(plan.tls_file_size, 0x10);
    assert_int_equal(plan.tls_mem_size, 0x40);
    assert_int_equal(plan.tls_align, 16);
    set_phdr(3, PT_TLS, PF_R, 0x1010, 0x401010, 0x10, 0x40, 0); /* no alignment: 1 */
    assert_int_equal(run(0), rcOk);
    assert_int_equal(plan.tls_align, 1);
    set_phdr(3, PT_TLS, PF_R, 0x1010, 0x401010, 0x10, 0x40, BASTION_TLS_ALIGN_MAX);
    assert_int_equal(run(0), rcOk);
    set_phdr(3, PT_TLS, PF_R, 0x1010, 0x401010, 0x10, BASTION_TLS_SIZE_MAX, 16);
    assert_int_equal(run(0), rcOk);
    /* One named Retcode for each way a PT_TLS is wrong. */
    set_phdr(3, PT_TLS, PF_R, 0x1010, 0x401010, 0x10, 0x8, 16);
    REFUSED(rcTlsFileSize, ELF_CHECK_TLS);
    set_phdr(3, PT_TLS, PF_R, 0x1010, 0x401010, 0x10, 0x40, 24);
    REFUSED(rcTlsAlignment, ELF_CHECK_TLS);
    set_phdr(3, PT_TLS, PF_R, 0x1010, 0x401010, 0x10, 0x40, BASTION_TLS_ALIGN_MAX * 2);
    REFUSED(rcTlsAlignment, ELF_CHECK_TLS);
    set_phdr(3, PT_TLS, PF_R, 0x1010, 0x401010, 0x10, BASTION_TLS_SIZE_MAX + 1, 16);
    REFUSED(rcTlsTooLarge, ELF_CHECK_TLS);
    set_phdr(3, PT_TLS, PF_R, 0x1010, 0x402010, 0x10, 0x40, 16); /* in the bss, not the file */
    REFUSED(rcTlsOutsideImage, ELF_CHECK_TLS);
    set_phdr(3, PT_TLS, PF_R, 0x1010, 0x401ff8, 0x10, 0x40, 16); /* runs past the file bytes */
    REFUSED(rcTlsOutsideImage, ELF_CHECK_TLS);
    set_phdr(3, PT_TLS, PF_R, 0x1010, 0x10000, 0x10, 0x40, 16); /* in no segment */
    REFUSED(rcTlsOutsideImage, ELF_CHECK_TLS);
    assert_int_equal(diag.phdr, 3);
    w16(E_PHNUM, 5);
    set_phdr(3, PT_TLS, PF_R, 0x1010, 0x401010, 0x10, 0x40, 16);
    set_phdr(4, PT_TLS, PF_R, 0x1010, 0x401010, 0x10, 0x40, 16);
    REFUSED(rcTlsDuplicate, ELF_CHECK_TLS);
    assert_int_equal(diag.phdr, 4);

    /* Unknown and informational headers are ignored; PT_PHDR is reported for auxv. */
    build_valid();
    w16(E_PHNUM, 6);
    set_phdr(3, PT_NOTE, PF_R, 0x200, 0x400200, 0x20, 0x20, 4);
    set_phdr(4, 0x6474e553u /* GNU_PROPERTY */, PF_R, 0x200, 0x400200, 0x20, 0x20, 8);
    set_phdr(5, PT_PHDR, PF_R, 64, 0x400040, 56 * 6, 56 * 6, 8);
    assert_int_equal(run(0), rcOk);
    assert_true(plan.has_phdr);
    assert_int_equal(plan.phdr_vaddr, 0x400040);
    assert_int_equal(plan.phnum, 6);
}

/* Turns the baseline into a static PIE linked at 0. */
static void build_pie(void)
{
    build_valid();
    w16(E_TYPE, ET_DYN);
    set_phdr(0, PT_LOAD, PF_R | PF_X, 0, 0, 0x1000, 0x1000, 0x1000);
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1000, 0x1000, 0x100, 0x2000, 0x1000);
    w64(E_ENTRY, 0x100);
}

static void test_pie_and_bias(void **state)
{
    (void)state;
    build_pie();
    /* At bias 0 it would occupy page zero. */
    REFUSED(rcOutOfRange, ELF_CHECK_VADDR_RANGE);
    assert_int_equal(run(0x10000000), rcOk);
    assert_true(plan.pie);
    assert_int_equal(plan.bias, 0x10000000);
    assert_int_equal(plan.entry, 0x10000100);
    assert_int_equal(plan.seg[1].vaddr, 0x10001000);
    assert_int_equal(plan.lo, 0x10000000);
    assert_int_equal(plan.hi, 0x10003000);

    assert_int_equal(run(0x10000800), rcAlignment);
    assert_int_equal(diag.check, ELF_CHECK_BIAS);
    assert_int_equal(run(0x00007ffffffff000ull), rcOutOfRange); /* pushed past the user half */
    assert_int_equal(diag.check, ELF_CHECK_VADDR_RANGE);
    assert_int_equal(run(0xfffffffffffff000ull), rcOverflow); /* wraps */
    assert_int_equal(diag.check, ELF_CHECK_VADDR_RANGE);
    build_valid();
    assert_int_equal(run(0x10000000), rcInvalidArgument); /* ET_EXEC cannot move */
    assert_int_equal(diag.check, ELF_CHECK_BIAS);
}

static void test_choose_bias(void **state)
{
    (void)state;
    build_pie();
    struct elf_load_plan zero;
    /* The unbiased span for choosing: plan at a legal bias, then describe it at 0. */
    assert_int_equal(run(ELF_USER_MIN), rcOk);
    zero = plan;
    zero.bias = 0;
    zero.lo -= ELF_USER_MIN;
    zero.hi -= ELF_USER_MIN;
    const uint64_t lo = 0x400000, hi = 0x40000000;
    uint64_t seen_first = 0, bias;
    int distinct = 0;
    for (uint64_t e = 0; e < 2000; e++) {
        uint64_t entropy = e * 0x9e3779b97f4a7c15ull;
        assert_int_equal(elf_choose_bias(&zero, entropy, lo, hi, &bias), rcOk);
        assert_int_equal(bias % ELF_PAGE_SIZE, 0);
        assert_true(bias + zero.lo >= lo && bias + zero.hi <= hi);
        assert_int_equal(run(bias), rcOk);
        if (e == 0)
            seen_first = bias;
        else if (bias != seen_first)
            distinct++;
    }
    assert_true(distinct > 1900); /* 2^18 possible positions: repeats are rare */
    /* Edges: exactly one position, none, bad limits; ET_EXEC gets 0. */
    assert_int_equal(elf_choose_bias(&zero, 12345, lo, lo + zero.hi, &bias), rcOk);
    assert_int_equal(bias, lo);
    assert_int_equal(elf_choose_bias(&zero, 1, lo, lo + zero.hi - 0x1000, &bias), rcOutOfRange);
    assert_int_equal(elf_choose_bias(&zero, 1, lo + 1, hi, &bias), rcInvalidArgument);
    assert_int_equal(elf_choose_bias(&zero, 1, hi, lo, &bias), rcInvalidArgument);
    build_valid();
    assert_int_equal(run(0), rcOk);
    assert_int_equal(elf_choose_bias(&plan, 77, lo, hi, &bias), rcOk);
    assert_int_equal(bias, 0);
}

/* Field by field: elf_plan leaves the unused segment slots and the padding as they were. */
static void assert_same_plan(const struct elf_load_plan *a, const struct elf_load_plan *b)
{
    assert_int_equal(a->pie, b->pie);
    assert_int_equal(a->bias, b->bias);
    assert_int_equal(a->entry, b->entry);
    assert_int_equal(a->lo, b->lo);
    assert_int_equal(a->hi, b->hi);
    assert_int_equal(a->nsegments, b->nsegments);
    for (uint32_t k = 0; k < a->nsegments; k++) {
        const struct elf_segment *x = &a->seg[k], *y = &b->seg[k];
        assert_int_equal(x->map_start, y->map_start);
        assert_int_equal(x->map_end, y->map_end);
        assert_int_equal(x->vaddr, y->vaddr);
        assert_int_equal(x->file_offset, y->file_offset);
        assert_int_equal(x->file_size, y->file_size);
        assert_int_equal(x->mem_size, y->mem_size);
        assert_int_equal(x->prot, y->prot);
    }
    assert_int_equal(a->has_tls, b->has_tls);
    assert_int_equal(a->tls_vaddr, b->tls_vaddr);
    assert_int_equal(a->tls_file_size, b->tls_file_size);
    assert_int_equal(a->tls_mem_size, b->tls_mem_size);
    assert_int_equal(a->tls_align, b->tls_align);
    assert_int_equal(a->has_phdr, b->has_phdr);
    assert_int_equal(a->phdr_vaddr, b->phdr_vaddr);
    assert_int_equal(a->phnum, b->phnum);
}

/* elf_plan_rebias(from, bias) is elf_plan(bias), result and diag, moving up or down, at the
 * edges of the user half and past them, misaligned, for images with and without TLS and PT_PHDR
 * headers, and for an ET_EXEC (which it hands to elf_plan). */
static void test_rebias_is_elf_plan(void **state)
{
    (void)state;
    const uint64_t biases[] = {0,
                               0x1000,
                               ELF_USER_MIN,
                               0x10000000,
                               0x10000800,
                               0x00007fffffffc000ull,
                               0x00007ffffffff000ull,
                               0x0000800000000000ull,
                               0xfffffffffffff000ull,
                               0xffffffffffffe000ull};
    for (int variant = 0; variant < 3; variant++) {
        build_pie();
        if (variant == 1) {
            w16(E_PHNUM, 5);
            set_phdr(3, PT_TLS, PF_R, 0x1010, 0x1010, 0x10, 0x40, 16);
            set_phdr(4, PT_PHDR, PF_R, 64, 0x40, 56 * 5, 56 * 5, 8);
        } else if (variant == 2) {
            build_valid(); /* ET_EXEC: only bias 0 */
        }
        for (size_t f = 0; f < sizeof biases / sizeof biases[0]; f++) {
            struct elf_load_plan from;
            if (elf_plan(img, img_size, biases[f], &from, NULL) != rcOk)
                continue;
            for (size_t t = 0; t < sizeof biases / sizeof biases[0]; t++) {
                struct elf_load_plan want, got;
                struct elf_diag dw, dg;
                Retcode rw = elf_plan(img, img_size, biases[t], &want, &dw);
                Retcode rg = elf_plan_rebias(img, img_size, &from, biases[t], &got, &dg);
                assert_int_equal(rg, rw);
                assert_int_equal(dg.check, dw.check);
                assert_int_equal(dg.phdr, dw.phdr);
                if (rw == rcOk)
                    assert_same_plan(&got, &want);
            }
        }
    }
    /* In place (the loader's use): from and plan the same object. */
    build_pie();
    struct elf_load_plan want;
    assert_int_equal(elf_plan(img, img_size, 0x20000000, &want, NULL), rcOk);
    assert_int_equal(run(ELF_USER_MIN), rcOk);
    assert_int_equal(elf_plan_rebias(img, img_size, &plan, 0x20000000, &plan, &diag), rcOk);
    assert_same_plan(&plan, &want);
}

/* ---- real executables from the host toolchain --------------------------------------------- */

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static uint64_t file_entry(const uint8_t *b)
{
    uint64_t e = 0;
    for (int i = 7; i >= 0; i--)
        e = (e << 8) | b[E_ENTRY + i];
    return e;
}

/* What the process loader relies on, for any accepted plan. */
static void check_invariants(const struct elf_load_plan *p, size_t size)
{
    assert_true(p->nsegments >= 1 && p->nsegments <= ELF_MAX_SEGMENTS);
    bool entry_ok = false;
    for (uint32_t i = 0; i < p->nsegments; i++) {
        const struct elf_segment *s = &p->seg[i];
        assert_false((s->prot & ELF_PROT_WRITE) && (s->prot & ELF_PROT_EXEC));
        assert_true(s->map_start >= ELF_USER_MIN && s->map_end <= ELF_USER_TOP);
        assert_true(s->map_start < s->map_end);
        assert_int_equal(s->map_start % ELF_PAGE_SIZE, 0);
        assert_int_equal(s->map_end % ELF_PAGE_SIZE, 0);
        assert_true(s->vaddr >= s->map_start && s->vaddr + s->mem_size <= s->map_end);
        assert_true(s->file_size <= s->mem_size);
        assert_true(s->file_offset <= size && s->file_size <= size - s->file_offset);
        if (i > 0)
            assert_true(p->seg[i - 1].map_end <= s->map_start);
        if ((s->prot & ELF_PROT_EXEC) && p->entry >= s->vaddr && p->entry < s->vaddr + s->file_size)
            entry_ok = true;
    }
    assert_true(entry_ok);
}

static void test_real_static_executable(void **state)
{
    (void)state;
    size_t size;
    uint8_t *b = read_file(TINY_STATIC, &size);
    struct elf_load_plan p;
    struct elf_diag d;
    Retcode rc = elf_plan(b, size, 0, &p, &d);
    if (rc != rcOk)
        fail_msg("%s refused: check %s, phdr %d", TINY_STATIC, elf_check_name(d.check), d.phdr);
    assert_false(p.pie);
    assert_int_equal(p.entry, file_entry(b));
    check_invariants(&p, size);
    bool has_exec = false, has_rw = false;
    for (uint32_t i = 0; i < p.nsegments; i++) {
        has_exec |= (p.seg[i].prot & ELF_PROT_EXEC) != 0;
        has_rw |= (p.seg[i].prot & ELF_PROT_WRITE) != 0;
        if (p.seg[i].prot & ELF_PROT_WRITE)
            assert_true(p.seg[i].mem_size > p.seg[i].file_size); /* the zeroed array is bss */
    }
    assert_true(has_exec && has_rw);
    assert_true(p.has_tls);
    assert_int_equal(p.tls_file_size, sizeof(int));
    free(b);
}

static void test_real_static_pie(void **state)
{
    (void)state;
    size_t size;
    uint8_t *b = read_file(TINY_PIE, &size);
    struct elf_load_plan p0, p;
    struct elf_diag d;
    /* Linked at 0, so it must be moved; plan it at the lowest allowed bias first. */
    assert_int_equal(elf_plan(b, size, 0, &p0, &d), rcOutOfRange);
    assert_int_equal(d.check, ELF_CHECK_VADDR_RANGE);
    Retcode rc = elf_plan(b, size, ELF_USER_MIN, &p0, &d);
    if (rc != rcOk)
        fail_msg("%s refused: check %s, phdr %d", TINY_PIE, elf_check_name(d.check), d.phdr);
    assert_true(p0.pie);
    assert_int_equal(p0.entry, file_entry(b) + ELF_USER_MIN);
    p0.bias = 0;
    p0.lo -= ELF_USER_MIN;
    p0.hi -= ELF_USER_MIN;
    uint64_t bias;
    assert_int_equal(
        elf_choose_bias(&p0, 0x123456789abcdefull, 0x1000000, 0x7f0000000000ull, &bias), rcOk);
    assert_int_equal(elf_plan(b, size, bias, &p, &d), rcOk);
    assert_int_equal(p.entry, file_entry(b) + bias);
    check_invariants(&p, size);
    free(b);
}

static void test_real_executable_stack_refused(void **state)
{
    (void)state;
    size_t size;
    uint8_t *b = read_file(TINY_EXECSTACK, &size);
    struct elf_load_plan p;
    struct elf_diag d;
    assert_int_equal(elf_plan(b, size, 0, &p, &d), rcWxViolation);
    assert_int_equal(d.check, ELF_CHECK_STACK_EXEC);
    free(b);
}

/* ---- hostile corruption ------------------------------------------------------------------- */

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Every prefix of a real file is refused (its section table is at the end) without reading
 * past the prefix: each is copied to an exact-size heap block so ASan sees any overread. */
static void test_truncations(void **state)
{
    (void)state;
    size_t size;
    uint8_t *b = read_file(TINY_STATIC, &size);
    struct elf_load_plan p;
    for (size_t n = 0; n < size; n++) {
        uint8_t *c = malloc(n ? n : 1);
        memcpy(c, b, n);
        assert_int_not_equal(elf_plan(c, n, 0, &p, NULL), rcOk);
        free(c);
    }
    free(b);
}

static void fuzz_one(const uint8_t *orig, size_t size, uint64_t bias, int rounds)
{
    uint8_t *c = malloc(size);
    struct elf_load_plan p;
    int accepted = 0;
    for (int r = 0; r < rounds; r++) {
        memcpy(c, orig, size);
        int flips = 1 + (int)(next_rand() % 8);
        for (int f = 0; f < flips; f++) {
            /* Mostly the headers, where the checks are; sometimes anywhere. */
            size_t span = (next_rand() & 3) ? (size < 512 ? size : 512) : size;
            size_t at = next_rand() % span;
            c[at] = (next_rand() & 1) ? (uint8_t)next_rand()
                                      : (uint8_t)(c[at] ^ (1u << (next_rand() % 8)));
        }
        if (elf_plan(c, size, bias, &p, NULL) == rcOk) {
            check_invariants(&p, size);
            accepted++;
        }
    }
    free(c);
    /* Flips in unchecked bytes (padding, code) keep the file valid: some must pass. */
    assert_true(accepted > 0);
}

static void test_fuzz(void **state)
{
    (void)state;
    build_valid();
    fuzz_one(img, img_size, 0, 20000);
    size_t size;
    uint8_t *b = read_file(TINY_STATIC, &size);
    fuzz_one(b, size, 0, 20000);
    free(b);
    b = read_file(TINY_PIE, &size);
    fuzz_one(b, size, 0x20000000, 20000);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_baseline),
        cmocka_unit_test(test_header_corpus),
        cmocka_unit_test(test_table_bounds_corpus),
        cmocka_unit_test(test_segment_corpus),
        cmocka_unit_test(test_address_corpus),
        cmocka_unit_test(test_program_header_kinds),
        cmocka_unit_test(test_pie_and_bias),
        cmocka_unit_test(test_choose_bias),
        cmocka_unit_test(test_real_static_executable),
        cmocka_unit_test(test_real_static_pie),
        cmocka_unit_test(test_real_executable_stack_refused),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_rebias_is_elf_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
