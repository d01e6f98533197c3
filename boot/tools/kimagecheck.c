/*
 * kimagecheck: build-time host check of a linked kernel image, run after every kernel link.
 * It turns the loader's and paging code's assumptions into build failures instead of boot
 * failures:
 *   - a Multiboot2 header (magic, arch 0, valid checksum) lies 8-byte aligned within the first
 *     32 KiB of the file (Multiboot2 spec 3.1.1), and the file is ELF64 x86-64;
 *   - every PT_LOAD segment starts on a 4 KiB boundary, has p_paddr = p_vaddr - KERNEL_VMA
 *     (GRUB loads at p_paddr; the kernel runs at p_vaddr) and is never writable and executable;
 *   - the linker-script symbols paging_init() uses exist and are 4 KiB aligned.
 *
 *   kimagecheck <kernel.elf>    exit 0 when all hold, else 1 with one line per problem
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KERNEL_VMA 0xFFFFFFFF80000000ull
#define MB2_MAGIC 0xE85250D6u
#define MB2_SEARCH 32768u

static int problems;

static void problem(const char *path, const char *what, unsigned long long v)
{
    fprintf(stderr, "kimagecheck: %s: %s (0x%llx)\n", path, what, v);
    problems++;
}

static const char *const aligned_symbols[] = {
    "__kernel_virt_start", "__text_start",  "__text_end",         "__rodata_start",
    "__rodata_end",        "__data_start",  "__data_end",         "__bss_start",
    "__bss_end",           "__boot_stack_guard", "__boot_stack_bottom", "__boot_stack_top",
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: kimagecheck KERNEL.elf\n");
        return 2;
    }
    const char *path = argv[1];
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    unsigned char *img = malloc(len > 0 ? (size_t)len : 1);
    if (len <= 0 || !img || fread(img, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "kimagecheck: %s: cannot read\n", path);
        return 1;
    }
    fclose(f);

    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
    if ((size_t)len < sizeof *eh || memcmp(img, ELFMAG, SELFMAG) != 0 ||
        img[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64) {
        fprintf(stderr, "kimagecheck: %s: not an ELF64 x86-64 file\n", path);
        return 1;
    }

    /* Multiboot2 header. */
    int found = 0;
    for (size_t off = 0; off + 16 <= (size_t)len && off < MB2_SEARCH; off += 8) {
        uint32_t w[4];
        memcpy(w, img + off, sizeof w);
        if (w[0] != MB2_MAGIC)
            continue;
        if (w[1] != 0)
            problem(path, "multiboot2 header: architecture is not i386 (0)", w[1]);
        if ((uint32_t)(w[0] + w[1] + w[2] + w[3]) != 0)
            problem(path, "multiboot2 header: checksum does not cancel", w[3]);
        found = 1;
        break;
    }
    if (!found)
        problem(path, "no multiboot2 header in the first 32 KiB", MB2_SEARCH);

    /* Segments. */
    if (eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > (uint64_t)len) {
        fprintf(stderr, "kimagecheck: %s: program headers outside the file\n", path);
        return 1;
    }
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff);
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        if (ph[i].p_vaddr & 0xFFF)
            problem(path, "PT_LOAD segment not 4 KiB aligned", ph[i].p_vaddr);
        if (ph[i].p_paddr != ph[i].p_vaddr - KERNEL_VMA)
            problem(path, "PT_LOAD segment: p_paddr != p_vaddr - KERNEL_VMA", ph[i].p_paddr);
        if ((ph[i].p_flags & PF_W) && (ph[i].p_flags & PF_X))
            problem(path, "PT_LOAD segment both writable and executable", ph[i].p_vaddr);
    }

    /* Linker-script symbols. */
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
    int seen[sizeof aligned_symbols / sizeof aligned_symbols[0]] = {0};
    for (unsigned i = 0; eh->e_shoff && i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
            continue;
        const Elf64_Sym *s = (const Elf64_Sym *)(img + sh[i].sh_offset);
        const char *strtab = (const char *)img + sh[sh[i].sh_link].sh_offset;
        for (size_t k = 0; k < sh[i].sh_size / sizeof *s; k++)
            for (size_t j = 0; j < sizeof aligned_symbols / sizeof aligned_symbols[0]; j++)
                if (strcmp(strtab + s[k].st_name, aligned_symbols[j]) == 0) {
                    seen[j] = 1;
                    if (s[k].st_value & 0xFFF) {
                        fprintf(stderr, "kimagecheck: %s: %s is not 4 KiB aligned (0x%llx)\n", path,
                                aligned_symbols[j], (unsigned long long)s[k].st_value);
                        problems++;
                    }
                }
    }
    for (size_t j = 0; j < sizeof aligned_symbols / sizeof aligned_symbols[0]; j++)
        if (!seen[j]) {
            fprintf(stderr, "kimagecheck: %s: linker-script symbol %s is missing\n", path,
                    aligned_symbols[j]);
            problems++;
        }

    free(img);
    if (problems)
        fprintf(stderr, "kimagecheck: %s: %d problem(s) (see boot/linker.ld)\n", path, problems);
    return problems ? 1 : 0;
}
