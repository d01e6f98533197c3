/* <user/scp.h>: userland's only writer of the SCP layout (<bastion/startblock.h>). */
#include <string.h>

#include <user/scp.h>

#include <bastion/startblock.h>

static void put(struct scp_builder *b, const void *p, size_t n)
{
    if (b->err != rcOk)
        return;
    if (n > b->cap - b->len) {
        b->err = rcBufferTooSmall;
        return;
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static int enter(struct scp_builder *b, int section)
{
    if (b->err != rcOk)
        return 0;
    if (section < b->section) {
        b->err = rcBadFormat; /* out of order: arguments, then environment, then channels */
        return 0;
    }
    b->section = section;
    return 1;
}

void scp_init(struct scp_builder *b, void *buf, size_t cap, uint64_t kernel_memory_limit,
              uint64_t ram_limit)
{
    memset(b, 0, sizeof *b);
    b->buf = buf;
    b->cap = cap;
    struct bastion_scp_header h = {
        .magic = BASTION_SCP_MAGIC,
        .kernel_memory_limit = kernel_memory_limit,
        .ram_limit = ram_limit,
    };
    if (buf == NULL)
        b->err = rcInvalidArgument;
    put(b, &h, sizeof h);
}

void scp_arg(struct scp_builder *b, const char *arg)
{
    if (!enter(b, 0))
        return;
    if (arg == NULL)
        arg = "";
    put(b, arg, strlen(arg) + 1);
    b->argc++;
}

void scp_env(struct scp_builder *b, const char *name, const char *value)
{
    if (!enter(b, 1))
        return;
    if (name == NULL || name[0] == '\0' || strchr(name, '=') != NULL) {
        b->err = rcInvalidArgument;
        return;
    }
    put(b, name, strlen(name));
    put(b, "=", 1);
    if (value == NULL)
        value = "";
    put(b, value, strlen(value) + 1);
    b->envc++;
}

void scp_conn(struct scp_builder *b, const char *name, uint32_t handle)
{
    if (!enter(b, 2))
        return;
    if (name == NULL || name[0] == '\0') {
        b->err = rcInvalidArgument;
        return;
    }
    uint8_t v[4] = {(uint8_t)handle, (uint8_t)(handle >> 8), (uint8_t)(handle >> 16),
                    (uint8_t)(handle >> 24)};
    put(b, name, strlen(name) + 1);
    put(b, v, sizeof v);
    b->nconn++;
}

Retcode scp_finish(struct scp_builder *b, size_t *len)
{
    if (b->err != rcOk)
        return b->err;
    struct bastion_scp_header h;
    memcpy(&h, b->buf, sizeof h);
    h.argc = b->argc;
    h.envc = b->envc;
    h.nconn = b->nconn;
    memcpy(b->buf, &h, sizeof h);
    if (len)
        *len = b->len;
    return rcOk;
}
