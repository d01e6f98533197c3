/*
 * <user/tls.h>: each thread's TLS block, in <bastion/tls.h>'s layout.
 *
 * The template is read from the program's own program headers through __ehdr_start (as a
 * static glibc program without an auxiliary vector does): the first PT_LOAD maps the ELF header
 * and the program headers (the linker's default layout; without it __ehdr_start is undefined
 * and the link fails), and either loader, the kernel's or Einit's, refused the program if its
 * PT_TLS broke the limits of <bastion/tls.h>. One reading serves both loaders alike.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <user/core.h>
#include <user/tls.h>

#include "../crt/crt.h"

#define PT_LOAD 1u
#define PT_TLS 7u

/* The ELF header, at the load bias plus the first PT_LOAD's p_vaddr (0 for a static PIE). */
extern const uint8_t __ehdr_start[] __attribute__((visibility("hidden")));

static struct tls_template tmpl;
static bool have_tls;
static uint64_t live; /* blocks made and not freed (atomic) */

/* Unaligned reads of the program headers. __builtin_memcpy: user code is built -ffreestanding
 * (no built-ins), and a call per field made every program's start read its headers through
 * ~24 calls of memcpy; the built-in is one load. */
static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
    return v;
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

/* Reads the template: false when the program has no PT_TLS. */
static bool read_template(void)
{
    const uint8_t *ph = __ehdr_start + rd64(__ehdr_start + 32);
    uint16_t phnum;
    __builtin_memcpy(&phnum, __ehdr_start + 56, 2);
    uint64_t bias = (uint64_t)(uintptr_t)__ehdr_start;
    const uint8_t *tls = NULL;
    for (uint16_t i = 0; i < phnum; i++, ph += 56) {
        if (rd32(ph) == PT_LOAD && rd64(ph + 8) == 0)
            bias = (uint64_t)(uintptr_t)__ehdr_start - rd64(ph + 16); /* maps file offset 0 */
        if (rd32(ph) == PT_TLS)
            tls = ph;
    }
    if (tls == NULL)
        return false;
    tmpl.image = rd64(tls + 16) + bias;
    tmpl.file_size = rd64(tls + 32);
    tmpl.mem_size = rd64(tls + 40);
    tmpl.align = rd64(tls + 48) > 1 ? rd64(tls + 48) : 1;
    return true;
}

bool tls_template(struct tls_template *t)
{
    if (have_tls && t != NULL)
        *t = tmpl;
    return have_tls;
}

struct bastion_tcb *tls_current(void)
{
    if (!have_tls)
        return NULL;
    uint64_t tp;
    __asm__ volatile("movq %%fs:0, %0" : "=r"(tp));
    return (struct bastion_tcb *)(uintptr_t)tp;
}

uint64_t tls_blocks_live(void)
{
    return __atomic_load_n(&live, __ATOMIC_RELAXED);
}

Retcode tls_block_new(struct bastion_tcb **tcb)
{
    uint64_t offset = bastion_tls_offset(tmpl.mem_size, tmpl.align);
    uint64_t tp_align = bastion_tls_tp_align(tmpl.align);
    /* malloc's 16-byte alignment, rounded up to tp_align: at most tp_align - 16 bytes lost. */
    uint8_t *raw = malloc(offset + tp_align + sizeof(struct bastion_tcb));
    if (raw == NULL)
        return rcOutOfMemory;
    uintptr_t tp = ((uintptr_t)raw + offset + tp_align - 1) & ~(uintptr_t)(tp_align - 1);
    uint8_t *vars = (uint8_t *)(tp - offset);
    memset(vars, 0, offset);
    memcpy(vars, (const void *)(uintptr_t)tmpl.image, tmpl.file_size);
    struct bastion_tcb *t = (struct bastion_tcb *)tp;
    memset(t, 0, sizeof *t);
    t->self = tp;
    t->block = (uint64_t)(uintptr_t)raw;
    t->magic = BASTION_TCB_MAGIC;
    __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
    *tcb = t;
    return rcOk;
}

void tls_block_free(struct bastion_tcb *tcb)
{
    if (tcb == NULL || tcb->magic != BASTION_TCB_MAGIC || tcb->self != (uint64_t)(uintptr_t)tcb)
        return;
    tcb->magic = 0;
    __atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
    free((void *)(uintptr_t)tcb->block);
}

Retcode tls_set_current(struct bastion_tcb *tcb)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Thread_SetTls(&cl, (uint64_t)(uintptr_t)tcb, &rc), &rc);
}

__attribute__((no_stack_protector)) int crt_init_tls(void)
{
    have_tls = read_template();
    if (!have_tls)
        return 0;
    struct bastion_tcb *tcb;
    if (tls_block_new(&tcb) != rcOk)
        return -1;
    if (tls_set_current(tcb) != rcOk) {
        tls_block_free(tcb);
        return -1;
    }
    return 0;
}
