/* The kernel's own gcov records (contract in gcov_kernel.h). */
#include "prof/gcov_kernel.h"

#ifndef BASTION_GCOV

void gcov_kernel_init(void) {}

uint32_t gcov_kernel_records(void)
{
    return 0;
}

const char *gcov_kernel_name(uint32_t index)
{
    (void)index;
    return NULL;
}

size_t gcov_kernel_write(uint32_t index, void (*put)(void *ctx, uint32_t word), void *ctx)
{
    (void)index;
    (void)put;
    (void)ctx;
    return 0;
}

#else

#if __GNUC__ != 12
#error "struct gcov_info below is gcc 12's layout: check it against the compiler (gcc/gcov-io.h)"
#endif

#define GCOV_COUNTERS 8
#define GCOV_DATA_MAGIC 0x67636461u /* "gcda" */
#define GCOV_TAG_FUNCTION 0x01000000u
#define GCOV_TAG_FUNCTION_WORDS 3u
#define GCOV_TAG_COUNTER_BASE 0x01a10000u
#define GCOV_UNIT_SIZE 4u /* gcc 12 counts record lengths in bytes */

typedef int64_t gcov_type;

struct gcov_info;

struct gcov_ctr_info {
    uint32_t num;
    gcov_type *values;
};

struct gcov_fn_info {
    const struct gcov_info *key;
    uint32_t ident;
    uint32_t lineno_checksum;
    uint32_t cfg_checksum;
    struct gcov_ctr_info ctrs[];
};

struct gcov_info {
    uint32_t version;
    struct gcov_info *next;
    uint32_t stamp;
    uint32_t checksum;
    const char *filename;
    void (*merge[GCOV_COUNTERS])(gcov_type *, uint32_t);
    uint32_t n_functions;
    struct gcov_fn_info **functions;
};

/* What gcc's code calls: registration at start-up, the merge function named in every record
 * (merging with an older file is the host's business: never called here), and the exit hook
 * of the destructors the linker script discards. */
void __gcov_init(struct gcov_info *info);
void __gcov_merge_add(gcov_type *counters, uint32_t n);
void __gcov_exit(void);

/* Written by gcov_kernel_init on the boot CPU alone; read-only afterwards. */
static struct gcov_info *records;
static uint32_t nrecords;

void __gcov_init(struct gcov_info *info)
{
    info->next = records;
    records = info;
    nrecords++;
}

void __gcov_merge_add(gcov_type *counters, uint32_t n)
{
    (void)counters;
    (void)n;
}

void __gcov_exit(void) {}

extern void (*const __gcov_ctors_start[])(void);
extern void (*const __gcov_ctors_end[])(void);

void gcov_kernel_init(void)
{
    for (void (*const *c)(void) = __gcov_ctors_start; c < __gcov_ctors_end; c++)
        (*c)();
}

uint32_t gcov_kernel_records(void)
{
    return nrecords;
}

static const struct gcov_info *record(uint32_t index)
{
    const struct gcov_info *r = records;
    for (uint32_t i = 0; r != NULL && i < index; i++)
        r = r->next;
    return r;
}

const char *gcov_kernel_name(uint32_t index)
{
    const struct gcov_info *r = record(index);
    if (r == NULL)
        return NULL;
    const char *n = r->filename;
    while (*n == '/')
        n++;
    return n;
}

size_t gcov_kernel_write(uint32_t index, void (*put)(void *ctx, uint32_t word), void *ctx)
{
    const struct gcov_info *r = record(index);
    if (r == NULL)
        return 0;
    size_t words = 0;
#define PUT(w) (put(ctx, (uint32_t)(w)), words++)
    PUT(GCOV_DATA_MAGIC);
    PUT(r->version);
    PUT(r->stamp);
    PUT(r->checksum);
    for (uint32_t f = 0; f < r->n_functions; f++) {
        const struct gcov_fn_info *fn = r->functions[f];
        PUT(GCOV_TAG_FUNCTION);
        PUT(GCOV_TAG_FUNCTION_WORDS * GCOV_UNIT_SIZE);
        PUT(fn->ident);
        PUT(fn->lineno_checksum);
        PUT(fn->cfg_checksum);
        const struct gcov_ctr_info *ci = fn->ctrs;
        for (uint32_t k = 0; k < GCOV_COUNTERS; k++) {
            if (r->merge[k] == NULL)
                continue;
            PUT(GCOV_TAG_COUNTER_BASE + (k << 17));
            PUT(ci->num * 2u * GCOV_UNIT_SIZE);
            for (uint32_t v = 0; v < ci->num; v++) {
                uint64_t x = (uint64_t)__atomic_load_n(&ci->values[v], __ATOMIC_RELAXED);
                PUT(x);
                PUT(x >> 32);
            }
            ci++;
        }
    }
#undef PUT
    return words * 4;
}

#endif
