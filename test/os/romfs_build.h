/*
 * A small ROMFS image writer for the FSUnsafe tests (pwr_fs, pwr_attack_fs): entries of one
 * directory chain after the superblock (the root), every checksum right, so that a test can
 * then break exactly one thing. The format is kern/fs/romfs.h's (big-endian, 16-byte aligned).
 */
#ifndef OSTEST_ROMFS_BUILD_H
#define OSTEST_ROMFS_BUILD_H

#include <stdint.h>
#include <string.h>

#define RB_MAX_ENTRIES 16
#define RB_HARDLINK 0u
#define RB_FILE 2u
#define RB_DIR 1u

struct romfs_build {
    uint8_t *buf;
    uint32_t cap, len;
    uint32_t n;
    uint32_t hdr[RB_MAX_ENTRIES]; /* header offsets, in order */
};

static inline void rb_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint32_t rb_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t rb_align(uint32_t v)
{
    return (v + 15u) & ~15u;
}

static inline uint32_t rb_sum(const uint8_t *p, uint32_t len)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i + 4 <= len; i += 4)
        s += rb_get32(p + i);
    return s;
}

/* Superblock with the volume name; the root chain starts after it. */
static inline void rb_begin(struct romfs_build *b, uint8_t *buf, uint32_t cap, const char *volume)
{
    memset(buf, 0, cap);
    b->buf = buf;
    b->cap = cap;
    b->n = 0;
    memcpy(buf, "-rom1fs-", 8);
    strcpy((char *)buf + 16, volume);
    b->len = 16 + rb_align((uint32_t)strlen(volume) + 1);
}

/* Appends an entry (RB_FILE with data, or RB_DIR whose first entry is at spec) to the chain;
 * returns its header offset. */
static inline uint32_t rb_entry(struct romfs_build *b, const char *name, uint32_t type,
                                uint32_t spec, const void *data, uint32_t size)
{
    uint32_t off = b->len;
    uint8_t *h = b->buf + off;
    rb_put32(h + 4, spec);
    rb_put32(h + 8, size);
    strcpy((char *)h + 16, name);
    uint32_t meta = 16 + rb_align((uint32_t)strlen(name) + 1);
    if (size)
        memcpy(h + meta, data, size);
    rb_put32(h, type);
    if (b->n > 0) { /* the previous entry's next points here, its type bits kept */
        uint8_t *prev = b->buf + b->hdr[b->n - 1];
        rb_put32(prev, off | (rb_get32(prev) & 15u));
    }
    b->hdr[b->n++] = off;
    b->len = off + meta + rb_align(size);
    return off;
}

/* Fixes one header's checksum (after a test changed its fields). */
static inline void rb_fix_header(struct romfs_build *b, uint32_t off)
{
    uint8_t *h = b->buf + off;
    uint32_t meta = 16 + rb_align((uint32_t)strlen((const char *)h + 16) + 1);
    rb_put32(h + 12, 0);
    rb_put32(h + 12, 0u - rb_sum(h, meta));
}

/* Fixes the superblock's size and checksum; returns the image size. */
static inline uint32_t rb_fix_super(struct romfs_build *b)
{
    rb_put32(b->buf + 8, b->len);
    rb_put32(b->buf + 12, 0);
    uint32_t checked = b->len < 512 ? b->len : 512;
    rb_put32(b->buf + 12, 0u - rb_sum(b->buf, checked));
    return b->len;
}

/* Every checksum right; returns the image size. */
static inline uint32_t rb_end(struct romfs_build *b)
{
    for (uint32_t i = 0; i < b->n; i++)
        rb_fix_header(b, b->hdr[i]);
    return rb_fix_super(b);
}

#endif
