/* Handles carried by an IPC message, moved all together (contract in handle_batch.h). */
#include "obj/handle_batch.h"

Retcode handle_batch_sids(struct handle_table *src, const struct handle_desc *in, uint32_t n,
                          kobj_sid_t *sids, uint8_t *types, uint32_t *bad)
{
    if (src == NULL || (n != 0 && (in == NULL || sids == NULL)))
        return rcInvalidArgument;
    for (uint32_t i = 0; i < n; i++) {
        struct kobj *obj;
        handle_rights_t have;
        Retcode rc = handle_get(src, in[i].handle, KOBJ_ANY, HR_TRANSFER, &obj, &have);
        if (rc == rcOk) {
            rc = hr_subset(in[i].rights, have) ? kobj_mark_shown(obj) : rcAccessDenied;
            if (rc == rcOk) {
                sids[i] = kobj_sid(obj);
                if (types != NULL) /* < 256: kobj.h */
                    types[i] = (uint8_t)kobj_type(obj);
            }
            kobj_unref(obj);
        }
        if (rc != rcOk) {
            if (bad != NULL)
                *bad = i;
            return rc;
        }
    }
    return rcOk;
}

/* handle_batch_view from entries[i] on, where a value that may be LIVE was found. */
static __attribute__((noinline)) Retcode view_from(struct handle_table *t,
                                                   struct handle_desc *entries, uint32_t i,
                                                   uint32_t n, uint8_t *types)
{
    for (; i < n; i++) {
        kobj_sid_t sid;
        handle_rights_t rights;
        Retcode rc = handle_peek(t, entries[i].handle, &sid, &types[i], &rights);
        if (rc == rcBadHandle) {
            sid = KOBJ_SID_NONE;
            rights = HR_NONE;
            types[i] = 0;
        } else if (rc != rcOk) {
            return rc;
        }
        entries[i].handle = sid;
        entries[i].rights = rights;
    }
    return rcOk;
}

Retcode handle_batch_view(struct handle_table *t, struct handle_desc *entries, uint32_t n,
                          uint8_t *types)
{
    /* Values with bit 31 set (HANDLE_INVALID: a method's "none" or "self") name nothing, and
     * say so without the table: those first, in a loop that calls nothing and so saves no
     * registers (a core call's view, on every monitored call). */
    for (uint32_t i = 0; i < n; i++) {
        if ((entries[i].handle & 0x80000000u) == 0)
            return view_from(t, entries, i, n, types);
        entries[i].handle = KOBJ_SID_NONE;
        entries[i].rights = HR_NONE;
        types[i] = 0;
    }
    return rcOk;
}

Retcode handle_batch_transfer(struct handle_table *src, const struct handle_desc *in, uint32_t n,
                              struct handle_table *dst, const struct kobj *badge,
                              struct handle_desc *out, uint32_t *bad)
{
    if (src == NULL || dst == NULL || (n != 0 && (in == NULL || out == NULL)))
        return rcInvalidArgument;
    for (uint32_t i = 0; i < n; i++) {
        Retcode rc = handle_transfer(src, in[i].handle, dst, in[i].rights, badge, &out[i].handle);
        if (rc != rcOk) {
            /* Undo: the descendants made so far are fresh leaves, so closing them restores
             * both tables and every reference count exactly. */
            for (uint32_t k = i; k-- > 0;)
                (void)handle_close(dst, out[k].handle);
            if (bad != NULL)
                *bad = i;
            return rc;
        }
        out[i].rights = in[i].rights;
    }
    return rcOk;
}
