/*
 * The TEE partition: a trusted world modelled as one process (docs/tee.md).
 *
 * x86 under QEMU has no TrustZone, so the "trusted execution environment" is a partition of the
 * one machine: the process created with BASTION_TASK_CREATE_TEE_PARTITION (init.yaml `tee: true`),
 * at most one at a time. Every other process is in the rich world (REE). kl.core.TEE.Dispatch
 * carries a request from an REE process to the partition and the partition's answer back;
 * each request gets a unique token that the kernel records as its owner's, so only the owner
 * gets the answer and only the owner frees the token (FreeToken). A request may share one MDL
 * buffer of its sender with the partition; while its token lives, the partition may build its
 * own buffers (TEEVMM.MdlAllocate, MdlAddFrame) over those frames and no others.
 *
 * State: one lock (tee_lock, LOCK_LEVEL_TEE) guards the partition pointer, every token record
 * and the partition's waiting threads. A record is charged to its owner's kernel memory;
 * TEE_TOKENS_PER_PROCESS per process and TEE_TOKENS_MAX in all bound them. Records and the
 * partition pointer hold no process reference: tee_process_exit() (the reaper's teardown, once
 * no thread of the process runs) removes a process's records and its partition mark.
 */
#ifndef BASTION_PROC_TEE_PARTITION_H
#define BASTION_PROC_TEE_PARTITION_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "kl/core/TEE.idl.h"

struct process;
struct mdl;

#define TEE_TOKENS_PER_PROCESS 8u /* live tokens one REE process may own */
#define TEE_TOKENS_MAX 64u        /* live tokens in all */
/* A partition buffer holds at most the frames one request can share. */
#define TEE_MDL_SIZE_MAX ((uint64_t)kl_core_TEE_TeeShareFramesMax * 4096u)

/* Task.Create with the partition flag: p becomes the partition. rcResourceBusy while another
 * process is it. */
Retcode tee_partition_claim(struct process *p);

/* True if p is the TEE partition. */
bool tee_is_partition(const struct process *p);

/*
 * Dispatch from the REE process p: sends `in` to the partition and waits for the answer in
 * *out (out->token is the request's token, also on failure once one was given). `share` (one
 * reference, consumed in every case; NULL for none) is the MDL whose frames the request shares,
 * with `share_prot` the access its sender holds. in->token 0 takes a new token; otherwise it
 * must be one of p's own, answered (rcTokenNotOwned: someone else's or none; rcResourceBusy:
 * still in flight). Errors: rcInvalidArgument (payloadSize too large), rcNoTeePartition (none
 * runs, or it ended before answering), rcQuotaExceeded (token bounds or p's kernel memory),
 * rcPeerClosed (the waiting thread was terminated).
 */
Retcode tee_request(struct process *p, const struct kl_core_TEE_TeeMessage *in, struct mdl *share,
                    uint32_t share_prot, struct kl_core_TEE_TeeMessage *out);

/*
 * Dispatch from the partition: delivers `answer` (answer->token non-zero: the answer to that
 * request the partition took; 0: no answer) and waits for the next request in *next.
 * Errors: rcNotTeePartition, rcNotFound (no request of that token awaits an answer: its owner
 * withdrew it or ended), rcInvalidArgument (payloadSize), rcPeerClosed (terminated while
 * waiting).
 */
Retcode tee_serve(struct process *p, const struct kl_core_TEE_TeeMessage *answer,
                  struct kl_core_TEE_TeeMessage *next);

/* FreeToken: frees p's own answered token (its share goes). rcTokenNotOwned: not p's (another
 * process's, or no live token); rcResourceBusy: its request is still in flight. */
Retcode tee_free_token(struct process *p, uint64_t token);

/*
 * MdlAddFrame: appends frames [pa, pa + pages * 4 KiB) to the partition's blank buffer m. Each
 * frame must be one of the frames shared by a request the partition holds now (taken, not
 * answered yet), all of one request. Errors: rcNotTeePartition, rcAlignment (pa), rcInvalidArgument (pages 0 or more than
 * a share holds; m not blank, or built over another request's share), rcFrameNotShared,
 * rcAccessDenied (m's protection exceeds what the sender shared), rcOutOfRange (past m's
 * capacity).
 */
Retcode tee_add_frames(struct process *p, struct mdl *m, uint64_t pa, uint64_t pages);

/* The reaper's teardown of p: its tokens go (their shares released), and if p was the
 * partition, the requests waiting on it end with rcNoTeePartition. */
void tee_process_exit(struct process *p);

#endif
