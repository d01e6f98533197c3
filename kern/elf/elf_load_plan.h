/*
 * ELF64 validation and load plans.
 *
 * elf_plan() reads an executable image (from ROMFS, already in kernel memory), checks every
 * header, program header and segment bound, and produces a plan: the page-rounded ranges to map,
 * their permissions, the bytes to copy into them, the entry point and the load bias. It maps and
 * allocates nothing: the process loader (proc/loader.c) follows the plan with its own page allocator,
 * so this file stays pure and is tested on the host against hostile inputs.
 *
 * What is accepted: static x86-64 executables, ET_EXEC at their linked addresses or ET_DYN
 * (static PIE) at a page-aligned bias chosen by the caller for ASLR (elf_choose_bias). Every
 * loaded page lies in the user half, above ELF_USER_MIN (page zero and its neighbours stay unmapped so
 * that NULL dereferences fault), below ELF_USER_TOP. No segment is writable and executable, and the
 * stack is never executable. The full list of checks, in order, with their codes, is in
 * docs/elf-loading.md and in enum elf_check below.
 *
 * Every refusal is a named Retcode; `diag` (optional) says which check failed and for which
 * program header, for logs ("init: /bin/echo: ELF check SEGMENT_WX in phdr 2: rcWxViolation").
 */
#ifndef BASTION_ELF_LOAD_PLAN_H
#define BASTION_ELF_LOAD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#define ELF_PAGE_SIZE 4096ull
#define ELF_USER_MIN 0x10000ull            /* lowest address a segment may occupy (64 KiB) */
#define ELF_USER_TOP 0x0000800000000000ull /* first non-canonical / kernel-half address */
#define ELF_MAX_PHDRS 64u                  /* program headers examined at most */
#define ELF_MAX_SEGMENTS 16u               /* PT_LOAD segments in a plan at most */

/* Segment permissions in a plan. */
#define ELF_PROT_READ 1u
#define ELF_PROT_WRITE 2u
#define ELF_PROT_EXEC 4u

/* Which check refused the image (for diagnostics and tests); the Retcode is the contract. */
enum elf_check {
    ELF_CHECK_NONE = 0,
    ELF_CHECK_ARGS,         /* rcInvalidArgument: NULL image or plan */
    ELF_CHECK_EHDR_SIZE,    /* rcTruncated: file shorter than the ELF header */
    ELF_CHECK_MAGIC,        /* rcBadFormat: not \x7fELF */
    ELF_CHECK_CLASS,        /* rcNotSupported: not ELFCLASS64 */
    ELF_CHECK_DATA,         /* rcNotSupported: not little-endian */
    ELF_CHECK_VERSION,      /* rcBadFormat: EI_VERSION or e_version not EV_CURRENT */
    ELF_CHECK_OSABI,        /* rcNotSupported: OS ABI or ABI version not System V / 0 */
    ELF_CHECK_TYPE,         /* rcNotSupported: neither ET_EXEC nor ET_DYN */
    ELF_CHECK_MACHINE,      /* rcNotSupported: not EM_X86_64 */
    ELF_CHECK_EHSIZE,       /* rcBadFormat: e_ehsize != 64 */
    ELF_CHECK_PHENTSIZE,    /* rcBadFormat: e_phentsize != 56 */
    ELF_CHECK_SHENTSIZE,    /* rcBadFormat: section headers present with e_shentsize != 64 */
    ELF_CHECK_PHNUM,        /* rcBadFormat: no program headers, or PN_XNUM;
                               rcOutOfRange: more than ELF_MAX_PHDRS */
    ELF_CHECK_PHDRS_BOUNDS, /* rcOverflow: phoff + phnum * 56 wraps; rcTruncated: past the end */
    ELF_CHECK_SHDRS_BOUNDS, /* rcOverflow / rcTruncated: section header table outside the file */
    ELF_CHECK_BIAS,         /* rcAlignment: bias not page aligned; rcInvalidArgument: ET_EXEC
                               with a non-zero bias */
    ELF_CHECK_INTERP,       /* rcNotSupported: PT_INTERP (dynamic linking) */
    ELF_CHECK_STACK_EXEC,   /* rcWxViolation: PT_GNU_STACK asks for an executable stack */
    ELF_CHECK_FILE_BOUNDS,  /* rcOverflow: offset + filesz wraps; rcTruncated: past the end */
    ELF_CHECK_FILESZ,       /* rcBadFormat: filesz > memsz */
    ELF_CHECK_ALIGN,        /* rcAlignment: p_align not 0 or a power of two, or vaddr and offset
                               not congruent modulo the page size or p_align */
    ELF_CHECK_SEGMENT_WX,   /* rcWxViolation: PF_W and PF_X together */
    ELF_CHECK_VADDR_RANGE,  /* rcOverflow: vaddr + memsz (+ bias) wraps;
                               rcOutOfRange: below ELF_USER_MIN or reaching ELF_USER_TOP */
    ELF_CHECK_ORDER,        /* rcBadFormat: PT_LOAD not in ascending vaddr order */
    ELF_CHECK_OVERLAP,      /* rcBadFormat: two PT_LOAD segments share a page */
    ELF_CHECK_TOO_MANY,     /* rcOutOfRange: more than ELF_MAX_SEGMENTS PT_LOAD segments */
    ELF_CHECK_NO_LOAD,      /* rcBadFormat: no PT_LOAD segment with memory */
    ELF_CHECK_TLS,          /* PT_TLS (<bastion/tls.h>): rcTlsDuplicate (a second one),
                               rcTlsFileSize (filesz > memsz), rcTlsAlignment (align not a
                               power of two, or above BASTION_TLS_ALIGN_MAX), rcTlsTooLarge
                               (memsz above BASTION_TLS_SIZE_MAX), rcTlsOutsideImage (not in
                               the file bytes of a PT_LOAD segment) */
    ELF_CHECK_ENTRY,        /* rcOutOfRange: entry not in the file bytes of an executable
                               segment */
    ELF_CHECK_COUNT
};

struct elf_diag {
    enum elf_check check;
    int phdr; /* index of the offending program header, -1 if none */
};

struct elf_segment {
    uint64_t map_start, map_end; /* page-rounded, biased: the pages to allocate and map */
    uint64_t vaddr;              /* biased start of the segment's bytes */
    uint64_t file_offset;        /* where its bytes start in the image */
    uint64_t file_size;          /* bytes to copy from the image to vaddr */
    uint64_t mem_size;           /* bytes the program sees from vaddr; beyond file_size: zero */
    uint32_t prot;               /* ELF_PROT_*; never both WRITE and EXEC */
};

struct elf_load_plan {
    bool pie;        /* ET_DYN: a static PIE whose start-up code applies its own relocations */
    uint64_t bias;   /* added to every p_vaddr and to e_entry */
    uint64_t entry;  /* biased */
    uint64_t lo, hi; /* biased, page rounded: span of all segments */
    uint32_t nsegments;
    struct elf_segment seg[ELF_MAX_SEGMENTS]; /* ascending, non-overlapping */
    bool has_tls;                             /* PT_TLS present: the thread's TLS template */
    uint64_t tls_vaddr, tls_file_size, tls_mem_size, tls_align; /* biased */
    bool has_phdr; /* PT_PHDR present: biased address of the program headers, for auxv */
    uint64_t phdr_vaddr;
    uint32_t phnum;
};

/*
 * Validates `image` (size bytes) and fills `plan` for loading at `bias` (0 for ET_EXEC; any
 * page-aligned value for ET_DYN, see elf_choose_bias). `diag` may be NULL.
 * Returns rcOk or the Retcode of the first failed check (see enum elf_check); the plan is only
 * meaningful on rcOk.
 */
Retcode elf_plan(const void *image, size_t size, uint64_t bias, struct elf_load_plan *plan,
                 struct elf_diag *diag);

/*
 * What elf_plan(image, size, bias, plan, diag) gives, made from `from`, a plan elf_plan made of
 * this same image at another bias (rcOk): the segments, TLS template, program headers and entry
 * moved, and every check that depends on the bias done again (ELF_CHECK_BIAS, VADDR_RANGE, the
 * TLS and entry wraps); the others do not change with it. When one fails, or `from` is not a
 * static PIE's, elf_plan itself runs, so the result and its diag are always elf_plan's.
 * It saves the loader reading and checking the headers twice (ASLR plans an image twice).
 */
Retcode elf_plan_rebias(const void *image, size_t size, const struct elf_load_plan *from,
                        uint64_t bias, struct elf_load_plan *plan, struct elf_diag *diag);

/*
 * ASLR: picks a page-aligned bias for an ET_DYN image whose plan at bias 0 is `at_zero`, from
 * `entropy` (RDRAND/RDSEED), such that the whole image lies in [lo_limit, hi_limit), both page
 * aligned. Feed the result to elf_plan again. For ET_EXEC it gives 0 (no relocation possible).
 * Errors: rcInvalidArgument (limits not aligned or empty), rcOutOfRange (the image does not fit).
 */
Retcode elf_choose_bias(const struct elf_load_plan *at_zero, uint64_t entropy, uint64_t lo_limit,
                        uint64_t hi_limit, uint64_t *bias);

/* "ELF_CHECK_SEGMENT_WX" ... for logs. */
const char *elf_check_name(enum elf_check check);

#endif
