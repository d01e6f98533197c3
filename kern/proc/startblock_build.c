/* SCP checking and start block layout (contract in startblock_build.h). */
#include "proc/startblock_build.h"

#include <stdbool.h>

#ifdef BASTION_HOST
#include <string.h>
#else
#include "lib/string.h"
#endif

/* Length of the NUL-terminated string at blob[off], or -1 if no NUL before len. */
static long str_at(const uint8_t *blob, size_t len, size_t off)
{
    for (size_t i = off; i < len; i++)
        if (blob[i] == 0)
            return (long)(i - off);
    return -1;
}

Retcode scp_check(const void *blob, size_t len, struct scp_view *out)
{
    if (out == NULL || (blob == NULL && len > 0))
        return rcInvalidArgument;
    if (len > BASTION_SCP_MAX)
        return rcOutOfRange;
    if (len < sizeof(struct bastion_scp_header))
        return rcTruncated;
    const uint8_t *b = blob;
    struct bastion_scp_header h;
    memcpy(&h, b, sizeof h);
    if (h.magic != BASTION_SCP_MAGIC)
        return rcBadFormat;
    if (h.argc > BASTION_START_MAX_ARGS || h.envc > BASTION_START_MAX_ENV ||
        h.nconn > BASTION_START_MAX_CONNS)
        return rcOutOfRange;
    size_t off = sizeof h;
    out->args_off = off;
    for (uint32_t i = 0; i < h.argc; i++) {
        long n = str_at(b, len, off);
        if (n < 0)
            return rcTruncated;
        off += (size_t)n + 1;
    }
    out->env_off = off;
    for (uint32_t i = 0; i < h.envc; i++) {
        long n = str_at(b, len, off);
        if (n < 0)
            return rcTruncated;
        bool eq = false;
        for (long k = 0; k < n; k++)
            eq |= b[off + (size_t)k] == '=';
        if (!eq || b[off] == '=')
            return rcBadFormat;
        off += (size_t)n + 1;
    }
    out->conns_off = off;
    for (uint32_t i = 0; i < h.nconn; i++) {
        long n = str_at(b, len, off);
        if (n < 0)
            return rcTruncated;
        if (n == 0)
            return rcBadFormat;
        if (n > (long)BASTION_START_CONN_NAME_MAX)
            return rcOutOfRange;
        off += (size_t)n + 1;
        if (len - off < 4)
            return rcTruncated;
        off += 4;
    }
    if (off != len)
        return rcBadFormat;
    out->blob = b;
    out->len = len;
    out->hdr = h;
    return rcOk;
}

/* A bump allocator over the output buffer. */
struct lay {
    uint8_t *buf;
    size_t cap, pos;
    uint64_t uaddr;
    bool overflow;
};

static size_t lay_take(struct lay *l, size_t n, size_t align)
{
    size_t p = (l->pos + align - 1) & ~(align - 1);
    if (p > l->cap || l->cap - p < n) {
        l->overflow = true;
        return 0;
    }
    l->pos = p + n;
    return p;
}

/* Copies a string into the buffer; returns its user address (0 on overflow). */
static uint64_t lay_str(struct lay *l, const char *s, size_t n)
{
    size_t p = lay_take(l, n + 1, 1);
    if (l->overflow)
        return 0;
    memcpy(l->buf + p, s, n);
    l->buf[p + n] = 0;
    return l->uaddr + p;
}

static void put64(struct lay *l, size_t at, uint64_t v)
{
    memcpy(l->buf + at, &v, sizeof v);
}

Retcode startblock_build(const struct scp_view *scp, const struct startblock_info *info,
                         uint64_t uaddr, void *buf, size_t cap, size_t *used)
{
    if (info == NULL || info->name == NULL || buf == NULL || used == NULL || (uaddr & 7u) != 0)
        return rcInvalidArgument;
    uint32_t argc = scp ? scp->hdr.argc : 0, envc = scp ? scp->hdr.envc : 0;
    uint32_t nconn = scp ? scp->hdr.nconn : 0;
    uint32_t real_argc = argc == 0 ? 1 : argc;

    struct lay l = {buf, cap, 0, uaddr, false};
    size_t sb_at = lay_take(&l, sizeof(struct bastion_start_block), 16);
    size_t argv_at = lay_take(&l, 8u * (real_argc + 1u), 8);
    size_t envp_at = lay_take(&l, 8u * (envc + 1u), 8);
    size_t conns_at = lay_take(&l, sizeof(struct bastion_start_conn) * nconn, 8);
    if (l.overflow)
        return rcBufferTooSmall;

    if (argc == 0) {
        size_t n = 0;
        while (info->name[n] != 0)
            n++;
        put64(&l, argv_at, lay_str(&l, info->name, n));
    }
    size_t off = scp ? scp->args_off : 0;
    for (uint32_t i = 0; i < argc; i++) {
        const char *s = (const char *)scp->blob + off;
        size_t n = (size_t)str_at(scp->blob, scp->len, off);
        put64(&l, argv_at + 8u * i, lay_str(&l, s, n));
        off += n + 1;
    }
    if (l.overflow)
        return rcBufferTooSmall;
    put64(&l, argv_at + 8u * real_argc, 0);
    for (uint32_t i = 0; i < envc; i++) {
        const char *s = (const char *)scp->blob + off;
        size_t n = (size_t)str_at(scp->blob, scp->len, off);
        put64(&l, envp_at + 8u * i, lay_str(&l, s, n));
        off += n + 1;
    }
    if (l.overflow)
        return rcBufferTooSmall;
    put64(&l, envp_at + 8u * envc, 0);
    for (uint32_t i = 0; i < nconn; i++) {
        const char *s = (const char *)scp->blob + off;
        size_t n = (size_t)str_at(scp->blob, scp->len, off);
        struct bastion_start_conn c = {0};
        c.name = lay_str(&l, s, n);
        off += n + 1;
        const uint8_t *hb = scp->blob + off;
        c.handle =
            (uint32_t)hb[0] | (uint32_t)hb[1] << 8 | (uint32_t)hb[2] << 16 | (uint32_t)hb[3] << 24;
        off += 4;
        if (l.overflow)
            return rcBufferTooSmall;
        memcpy(l.buf + conns_at + sizeof c * i, &c, sizeof c);
    }

    struct bastion_start_block sb = {0};
    sb.magic = BASTION_START_MAGIC;
    sb.version = BASTION_START_VERSION;
    sb.core_handle = info->core_handle;
    sb.argc = real_argc;
    sb.argv = uaddr + argv_at;
    sb.envc = envc;
    sb.nconn = nconn;
    sb.envp = uaddr + envp_at;
    sb.conns = nconn ? uaddr + conns_at : 0;
    sb.tls_image = info->tls_image;
    sb.tls_file_size = info->tls_file_size;
    sb.tls_mem_size = info->tls_mem_size;
    sb.tls_align = info->tls_align;
    sb.pid = info->pid;
    sb.ksm_receiver = info->ksm_receiver;
    sb.stack_base = info->stack_base;
    sb.stack_size = info->stack_size;
    sb.image_base = info->image_base;
    sb.boot_tsc = info->boot_tsc;
    sb.cpu_count = info->cpu_count;
    sb.tsc_hz = info->tsc_hz;
    memcpy(l.buf + sb_at, &sb, sizeof sb);

    size_t total = (l.pos + 15u) & ~(size_t)15u;
    if (total > cap)
        return rcBufferTooSmall;
    for (size_t i = l.pos; i < total; i++)
        l.buf[i] = 0;
    *used = total;
    return rcOk;
}

size_t startblock_size(const struct scp_view *scp, const char *name)
{
    uint32_t argc = scp ? scp->hdr.argc : 0, envc = scp ? scp->hdr.envc : 0;
    uint32_t nconn = scp ? scp->hdr.nconn : 0;
    uint32_t real_argc = argc == 0 ? 1 : argc;
    /* startblock_build's lay_take calls: the block at 0, then three 8-aligned arrays. */
    size_t pos = sizeof(struct bastion_start_block);
    pos = ((pos + 7u) & ~(size_t)7u) + 8u * (real_argc + 1u);
    pos = ((pos + 7u) & ~(size_t)7u) + 8u * (envc + 1u);
    pos = ((pos + 7u) & ~(size_t)7u) + sizeof(struct bastion_start_conn) * nconn;
    /* The strings, each with its NUL: argv[0] the name when the SCP has no arguments, and every
     * string of the SCP, which scp_check found back to back from args_off to the end, each
     * connection name followed by its 4 handle bytes. */
    if (argc == 0) {
        size_t n = 0;
        while (name[n] != 0)
            n++;
        pos += n + 1u;
    }
    if (scp != NULL)
        pos += scp->len - scp->args_off - 4u * nconn;
    return (pos + 15u) & ~(size_t)15u;
}
