/*
 * kl.core.Handle's handlers that live outside Handle.c, with the generated signatures of struct
 * kl_core_Handle_ops (idl/kl/core/Handle.idl): user objects and badges (Handle_objects.c).
 */
#ifndef BASTION_KLCORE_HANDLE_H
#define BASTION_KLCORE_HANDLE_H

#include "klcore/klcore.h"

Retcode core_handle_CreateUserObject(void *ctx, uint32_t type, kl_core_Types_Rights rights,
                                     kl_core_Types_VirtAddr context, idl_handle_t ipc_channel,
                                     kl_core_Types_Riid riid, idl_handle_t *handle,
                                     kl_core_Types_Retcode *rc);
Retcode core_handle_CreateBadge(void *ctx, idl_handle_t notify,
                                kl_core_Types_NoticeEntryId notify_context,
                                kl_core_Types_VirtAddr badge_context, idl_handle_t *badge,
                                kl_core_Types_Retcode *rc);

#endif
