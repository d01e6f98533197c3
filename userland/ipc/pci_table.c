/*
 * The kernel's PCI table, read through kl.core.FS (user/pci_table.h). The file is small (at
 * most 16 + 128 * 160 bytes): it is read block by block into one buffer and checked as a whole
 * (pci_table_parse.c) before any record is used.
 */
#include <string.h>

#include <user/core.h>
#include <user/pci_table.h>

#include "kl/core/FS.idl.h"

#define PCI_TABLE_FILE_MAX                     \
    (sizeof(struct bastion_pci_table_header) + \
     BASTION_PCI_TABLE_MAX * sizeof(struct bastion_pci_record))

Retcode pci_table_read(struct pci_table *t)
{
    static _Alignas(8) uint8_t file[PCI_TABLE_FILE_MAX + kl_core_FS_FsBlockSize];
    CORE_CLIENT(cl, kl_core_Core_EP_fs_FS, CORE_MSG_LARGE);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {0};
    t->count = 0;
    Retcode r = core_result(kl_core_FS_Open(&cl, BASTION_PCI_TABLE_PATH, &h, &rc), &rc);
    if (r != rcOk)
        return r;
    size_t len = 0;
    for (uint64_t block = 0; r == rcOk; block++) {
        uint32_t got = 0;
        struct idl_seq data = {0};
        r = core_result(kl_core_FS_Read(&cl, core_handle_arg(h.handle), block, &got, &data, &rc),
                        &rc);
        if (r != rcOk || got == 0)
            break;
        if (got > data.count || len + got > PCI_TABLE_FILE_MAX) {
            r = rcBadFormat; /* longer than any table: not one */
            break;
        }
        memcpy(file + len, data.data, got);
        len += got;
    }
    Retcode closed = core_result(kl_core_FS_Close(&cl, core_handle_arg(h.handle), &rc), &rc);
    if (r == rcOk)
        r = closed;
    return r == rcOk ? pci_table_parse(file, len, t) : r;
}
