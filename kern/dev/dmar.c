/*
 * DMAR parsing (dmar.h). Every read is bounded: a structure is read only after its length was
 * checked against what remains of the table, a scope only within its structure. Fields are
 * assembled from bytes (the table is packed).
 */
#include "dev/dmar.h"

#include "lib/bytes.h"

/* Fixed parts of the structures, before their device scopes. */
#define DRHD_FIXED 16
#define RMRR_FIXED 24
#define SCOPE_FIXED 6

static void zero(void *p, size_t n)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = 0;
}

/* Parses the scopes in [p, p + len) into scopes[max]; *n the kept ones, *dropped the others. */
static Retcode parse_scopes(const uint8_t *p, size_t len, struct dmar_scope *scopes, unsigned *n,
                            unsigned *dropped)
{
    size_t off = 0;
    while (off < len) {
        if (len - off < SCOPE_FIXED)
            return rcBadFormat;
        const uint8_t *s = p + off;
        uint8_t slen = s[1];
        if (slen < SCOPE_FIXED || slen > len - off || (slen - SCOPE_FIXED) % 2 != 0)
            return rcBadFormat;
        if (*n < DMAR_MAX_SCOPES) {
            struct dmar_scope *d = &scopes[(*n)++];
            d->type = s[0];
            d->enum_id = s[4];
            d->bus = s[5];
            d->path_len = (uint8_t)((slen - SCOPE_FIXED) / 2);
            if (d->path_len >= 1) {
                uint8_t dev = s[6], fn = s[7];
                if (dev > 31 || fn > 7)
                    return rcBadFormat;
                d->bdf = (uint16_t)(d->bus << 8 | dev << 3 | fn);
            }
            d->resolved = d->path_len == 1;
        } else {
            (*dropped)++;
        }
        off += slen;
    }
    return rcOk;
}

static Retcode parse_drhd(const uint8_t *s, size_t len, struct dmar_info *out)
{
    if (len < DRHD_FIXED)
        return rcBadFormat;
    uint64_t base = get_le64(s + 8);
    if (base == 0 || (base & 0xFFFu) != 0)
        return rcBadFormat;
    struct dmar_unit scratch;
    struct dmar_unit *u = out->nunits < DMAR_MAX_UNITS ? &out->units[out->nunits] : &scratch;
    zero(u, sizeof *u);
    u->reg_base = base;
    /* The size field (VT-d 3.0 and later) is log2 of the pages; older tables leave it 0. */
    u->reg_pages = s[5] < 16 ? 1u << s[5] : 1u;
    u->include_all = (s[4] & DMAR_DRHD_INCLUDE_PCI_ALL) != 0;
    u->segment = get_le16(s + 6);
    Retcode rc =
        parse_scopes(s + DRHD_FIXED, len - DRHD_FIXED, u->scopes, &u->nscopes, &out->dropped);
    if (rc != rcOk)
        return rc;
    if (u == &scratch)
        out->dropped++;
    else
        out->nunits++;
    return rcOk;
}

static Retcode parse_rmrr(const uint8_t *s, size_t len, struct dmar_info *out)
{
    if (len < RMRR_FIXED)
        return rcBadFormat;
    struct dmar_rmrr scratch;
    struct dmar_rmrr *r = out->nrmrrs < DMAR_MAX_RMRRS ? &out->rmrrs[out->nrmrrs] : &scratch;
    zero(r, sizeof *r);
    r->segment = get_le16(s + 6);
    r->base = get_le64(s + 8);
    r->limit = get_le64(s + 16);
    if (r->limit < r->base)
        return rcBadFormat;
    Retcode rc =
        parse_scopes(s + RMRR_FIXED, len - RMRR_FIXED, r->scopes, &r->nscopes, &out->dropped);
    if (rc != rcOk)
        return rc;
    if (r == &scratch)
        out->dropped++;
    else
        out->nrmrrs++;
    return rcOk;
}

Retcode dmar_parse(const void *table, size_t len, struct dmar_info *out)
{
    const uint8_t *t = table;
    if (t == NULL || out == NULL)
        return rcInvalidArgument;
    zero(out, sizeof *out);
    if (len < DMAR_HEADER_LEN)
        return rcTruncated;
    out->host_addr_width = (unsigned)t[36] + 1u;
    out->flags = t[37];
    size_t off = DMAR_HEADER_LEN;
    while (off < len) {
        if (len - off < 4)
            return rcBadFormat;
        const uint8_t *s = t + off;
        uint16_t type = get_le16(s);
        uint16_t slen = get_le16(s + 2);
        if (slen < 4 || slen > len - off)
            return rcBadFormat;
        Retcode rc = rcOk;
        if (type == DMAR_TYPE_DRHD)
            rc = parse_drhd(s, slen, out);
        else if (type == DMAR_TYPE_RMRR)
            rc = parse_rmrr(s, slen, out);
        else
            out->other++;
        if (rc != rcOk)
            return rc;
        off += slen;
    }
    return out->nunits == 0 && out->dropped == 0 ? rcBadFormat : rcOk;
}

int dmar_unit_for(const struct dmar_info *info, uint16_t segment, uint16_t bdf)
{
    if (info == NULL)
        return -1;
    int all = -1;
    for (unsigned i = 0; i < info->nunits; i++) {
        const struct dmar_unit *u = &info->units[i];
        if (u->segment != segment)
            continue;
        if (u->include_all && all < 0)
            all = (int)i;
        for (unsigned j = 0; j < u->nscopes; j++) {
            const struct dmar_scope *s = &u->scopes[j];
            if (s->type == DMAR_SCOPE_ENDPOINT && s->resolved && s->bdf == bdf)
                return (int)i;
        }
    }
    return all;
}
