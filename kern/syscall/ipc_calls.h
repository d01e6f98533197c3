/*
 * The IPC system calls (numbers and registers in <bastion/syscall.h>), called by the system
 * call dispatcher with the raw user arguments. Each returns the Retcode for rax and fills the
 * second (and third) results. User addresses are only touched through mm/usercopy.
 *
 * Timeouts extend the ABI: r9 for SYS_CALL and SYS_REPLY_RECV (bounds its receive only),
 * r10 (the 4th argument) for SYS_RECV, in milliseconds, 0 = wait forever (a register left
 * zero keeps the plain ABI). Expiry gives rcTimeout.
 */
#ifndef BASTION_SYSCALL_IPC_CALLS_H
#define BASTION_SYSCALL_IPC_CALLS_H

#include <stdint.h>

#include <bastion/retcode.h>

Retcode ipc_sys_call(uint32_t handle, uint64_t req, uint64_t req_len, uint64_t resp,
                     uint64_t resp_cap, uint64_t timeout_ms, uint64_t *resp_len);
Retcode ipc_sys_recv(uint32_t handle, uint64_t buf, uint64_t cap, uint64_t timeout_ms,
                     uint64_t *msg_len, uint64_t *token);
Retcode ipc_sys_reply(uint64_t token, uint64_t buf, uint64_t len);
Retcode ipc_sys_reply_recv(uint64_t token, uint64_t buf, uint64_t len, uint32_t handle,
                           uint64_t cap, uint64_t timeout_ms, uint64_t *msg_len,
                           uint64_t *out_token);

#endif
