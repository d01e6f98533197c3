/* The layout check and handle translation of IPC messages (contract in msg.h). */
#include "ipc/msg.h"

#include "lib/string.h"

static uint64_t pad8(uint64_t v)
{
    return (v + 7u) & ~(uint64_t)7u;
}

Retcode ipc_msg_check(const void *buf, size_t len, enum ipc_msg_kind kind, struct idl_header *h)
{
    if (buf == NULL || h == NULL)
        return rcInvalidArgument;
    return ipc_msg_check_words(buf, len, kind, h);
}

struct handle_desc *ipc_msg_handles(void *buf, const struct idl_header *h)
{
    return (struct handle_desc *)((uint8_t *)buf + IDL_HEADER_SIZE + pad8(h->fixed_size));
}

Retcode ipc_msg_translate(void *buf, const struct idl_header *h, struct handle_table *src,
                          struct handle_table *dst, uint32_t *bad)
{
    if (buf == NULL || h == NULL || src == NULL || dst == NULL)
        return rcInvalidArgument;
    uint32_t n = h->handle_count;
    if (n == 0)
        return rcOk;
    if (n > IDL_HANDLES_MAX)
        return rcBadMessage;
    struct handle_desc *table = ipc_msg_handles(buf, h);
    struct handle_desc in[IDL_HANDLES_MAX], out[IDL_HANDLES_MAX];
    for (uint32_t i = 0; i < n; i++)
        in[i] = table[i];
    Retcode rc = handle_batch_transfer(src, in, n, dst, NULL, out, bad);
    if (rc != rcOk)
        return rc;
    for (uint32_t i = 0; i < n; i++)
        table[i] = out[i];
    return rcOk;
}

size_t ipc_msg_monitor_len(size_t len, const struct idl_header *h)
{
    size_t types = (size_t)pad8(h->handle_count);
    if (h->handle_count == 0 || len > IDL_MESSAGE_MAX - types)
        return len;
    return len + types;
}

void ipc_msg_sid_view(void *out, size_t out_len, const void *buf, size_t len,
                      const struct idl_header *h, const kobj_sid_t *sids, const uint8_t *types)
{
    memcpy(out, buf, len);
    struct handle_desc *table = ipc_msg_handles(out, h);
    uint32_t n = h->handle_count < IDL_HANDLES_MAX ? h->handle_count : IDL_HANDLES_MAX;
    for (uint32_t i = 0; i < n; i++)
        table[i].handle = sids[i];
    /* The types after the message: where the monitor looks for them (ksm_decide.c), and where
     * no part of the message can be, since a checked message ends exactly at len. */
    if (out_len <= len)
        return;
    uint8_t *tail = (uint8_t *)out + len;
    memset(tail, 0, out_len - len);
    for (uint32_t i = 0; i < n && i < out_len - len; i++)
        tail[i] = types != NULL ? types[i] : 0;
}

void ipc_msg_untranslate(void *buf, const struct idl_header *h, struct handle_table *dst)
{
    if (buf == NULL || h == NULL || dst == NULL)
        return;
    struct handle_desc *table = ipc_msg_handles(buf, h);
    for (uint32_t i = 0; i < h->handle_count && i < IDL_HANDLES_MAX; i++)
        (void)handle_close(dst, table[i].handle);
}
