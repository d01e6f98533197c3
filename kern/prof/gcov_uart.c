/* Coverage data written to the serial console in frames (contract in gcov_uart.h). */
#include "prof/gcov_uart.h"

#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/usercopy.h"
#include "prof/gcov_kernel.h"

/* Set while frames are written: frames never interleave (gcov_uart.h). */
static uint32_t frame_busy;

static bool frame_claim(void)
{
    uint32_t idle = 0;
    return __atomic_compare_exchange_n(&frame_busy, &idle, 1, false, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}

static void frame_release(void)
{
    __atomic_store_n(&frame_busy, 0, __ATOMIC_RELEASE);
}

bool gcov_name_ok(const char *name)
{
    size_t n = strlen(name);
    static const char suffix[] = ".gcda";
    if (n < sizeof suffix || n > 255 || strcmp(name + n - (sizeof suffix - 1), suffix) != 0)
        return false;
    if (name[0] == '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '+' || c == '/' || c == '-';
        if (!ok || (c == '.' && name[i + 1] == '.'))
            return false;
    }
    return true;
}

uint32_t gcov_crc32(uint32_t crc, const uint8_t *buf, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= buf[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* One frame's data lines: bytes gather into a line of GCOV_LINE_BYTES, the CRC runs over all. */
struct frame {
    uint8_t line[GCOV_LINE_BYTES];
    uint32_t fill;
    uint32_t crc;
};

static void frame_line(struct frame *f)
{
    static const char digit[] = "0123456789abcdef";
    char hex[2 * GCOV_LINE_BYTES + 1];
    if (f->fill == 0)
        return;
    for (uint32_t i = 0; i < f->fill; i++) {
        hex[2 * i] = digit[f->line[i] >> 4];
        hex[2 * i + 1] = digit[f->line[i] & 15];
    }
    hex[2 * f->fill] = 0;
    kprintf("GCDA-DATA %s\n", hex);
    f->crc = gcov_crc32(f->crc, f->line, f->fill);
    f->fill = 0;
}

static void frame_bytes(struct frame *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        f->line[f->fill++] = p[i];
        if (f->fill == GCOV_LINE_BYTES)
            frame_line(f);
    }
}

Retcode gcov_flush_user(const char *name, uint64_t ubuf, uint64_t size)
{
    if (!gcov_name_ok(name))
        return rcInvalidArgument;
    if (size > GCOV_FILE_MAX)
        return rcGcovTooLarge;
    /* The first piece is read before the frame starts: a buffer that is not readable at all
     * gives no frame. */
    uint8_t piece[GCOV_LINE_BYTES];
    uint64_t n = size < GCOV_LINE_BYTES ? size : GCOV_LINE_BYTES;
    Retcode rc = n ? copy_from_user(piece, ubuf, n) : rcOk;
    if (rc != rcOk)
        return rc;
    if (!frame_claim())
        return rcResourceBusy;
    kprintf("GCDA-BEGIN %s %lu\n", name, (unsigned long)size);
    struct frame f = {.fill = 0, .crc = 0};
    for (uint64_t off = 0; off < size;) {
        frame_bytes(&f, piece, n);
        off += n;
        n = size - off < GCOV_LINE_BYTES ? size - off : GCOV_LINE_BYTES;
        if (n && (rc = copy_from_user(piece, ubuf + off, n)) != rcOk)
            break;
    }
    frame_line(&f);
    if (rc == rcOk)
        kprintf("GCDA-END %s %lu %08x\n", name, (unsigned long)size, f.crc);
    else
        kprintf("GCDA-ABORT %s\n", name);
    frame_release();
    return rc;
}

static void count_word(void *ctx, uint32_t w)
{
    (void)ctx;
    (void)w;
}

static void frame_word(void *ctx, uint32_t w)
{
    uint8_t b[4] = {(uint8_t)w, (uint8_t)(w >> 8), (uint8_t)(w >> 16), (uint8_t)(w >> 24)};
    frame_bytes(ctx, b, 4);
}

Retcode gcov_flush_kernel(void)
{
    uint32_t n = gcov_kernel_records();
    if (n == 0)
        return rcCoverageNotBuilt;
    if (!frame_claim())
        return rcResourceBusy;
    for (uint32_t i = 0; i < n; i++) {
        const char *name = gcov_kernel_name(i);
        if (!gcov_name_ok(name))
            continue; /* a path the extractor would refuse: not written at all */
        /* The size is that of the record's layout, which is fixed: only values change. */
        size_t size = gcov_kernel_write(i, count_word, NULL);
        kprintf("GCDA-BEGIN %s %lu\n", name, (unsigned long)size);
        struct frame f = {.fill = 0, .crc = 0};
        (void)gcov_kernel_write(i, frame_word, &f);
        frame_line(&f);
        kprintf("GCDA-END %s %lu %08x\n", name, (unsigned long)size, f.crc);
    }
    frame_release();
    return rcOk;
}

/* Copies a record's bytes into a bounded buffer, counting all of them. */
struct chunk {
    uint8_t *buf;
    size_t cap, len;
};

static void chunk_word(void *ctx, uint32_t w)
{
    struct chunk *c = ctx;
    for (int i = 0; i < 4; i++, c->len++)
        if (c->len < c->cap)
            c->buf[c->len] = (uint8_t)(w >> (8 * i));
}

Retcode gcov_kernel_chunk(uint32_t index, uint8_t *buf, size_t cap, size_t *size, const char **name)
{
    *size = 0;
    *name = "";
    uint32_t n = gcov_kernel_records();
    if (n == 0)
        return rcCoverageNotBuilt;
    if (index >= n)
        return rcNotFound;
    struct chunk c = {buf, cap, 0};
    (void)gcov_kernel_write(index, chunk_word, &c);
    *size = c.len;
    *name = gcov_kernel_name(index);
    return c.len <= cap ? rcOk : rcBufferTooSmall;
}
