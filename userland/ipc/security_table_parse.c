/*
 * The monitor's per-class counts checked (user/security_table.h): no system calls, so the host
 * tests and the fuzzer run it as the status server does on Bastion.
 */
#include <string.h>

#include <user/security_table.h>

Retcode security_table_parse(const void *data, size_t len, struct security_table *t)
{
    struct bastion_security_table_header h;
    t->count = 0;
    t->decisions = t->denials = 0;
    if (len < sizeof h)
        return rcBadFormat;
    memcpy(&h, data, sizeof h);
    if (h.magic != BASTION_SECURITY_TABLE_MAGIC || h.version != BASTION_SECURITY_TABLE_VERSION ||
        h.record_size != sizeof(struct bastion_security_record) ||
        h.count > BASTION_SECURITY_TABLE_MAX || h.denials > h.decisions ||
        len != sizeof h + (size_t)h.count * sizeof(struct bastion_security_record))
        return rcBadFormat;
    const uint8_t *rec = (const uint8_t *)data + sizeof h;
    for (uint32_t i = 0; i < h.count; i++) {
        struct bastion_security_record r;
        memcpy(&r, rec + i * sizeof r, sizeof r);
        if (memchr(r.class_name, '\0', sizeof r.class_name) == NULL || r.denials > r.decisions)
            return rcBadFormat;
    }
    memcpy(t->rec, rec, h.count * sizeof(struct bastion_security_record));
    t->count = h.count;
    t->decisions = h.decisions;
    t->denials = h.denials;
    return rcOk;
}
