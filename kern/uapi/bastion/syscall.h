/*
 * System call numbers and calling convention: the whole kernel entry ABI of Bastion.
 *
 * As in KasperskyOS the set is deliberately small: synchronous IPC (Call, Recv, Reply,
 * ReplyRecv), the security monitor's own receive (KsmWait), and a null call for measuring
 * entry/exit cost. Every other service is a core endpoint method reached by SYS_CALL on the
 * process's kernel (Core) handle.
 *
 * Convention (x86-64 SYSCALL instruction):
 *   rax = number; arguments in rdi, rsi, rdx, r10, r8, r9 (r10 replaces rcx, which SYSCALL
 *   overwrites with the return address; r11 receives RFLAGS).
 *   Returns: rax = Retcode, rdx = second result, r8 = third result (SYS_RECV's reply token).
 *   rcx and r11 are clobbered, and rdx and r8 where a call returns a result in them; every
 *   other register is preserved.
 * Timeouts are in milliseconds; 0 (a zeroed register) means wait forever.
 * Values are stable ABI: append, never renumber.
 */
#ifndef BASTION_SYSCALL_H
#define BASTION_SYSCALL_H

/* SYS_CALL(handle, req, req_len, resp, resp_cap, timeout_ms in r9) -> rc, rdx = resp_len.
 * Sends the request on a client handle and waits for the reply. */
#define SYS_CALL 0
/* SYS_RECV(handle, buf, cap, timeout_ms in r10) -> rc, rdx = msg_len, r8 = reply token.
 * Waits for a request on a server or listener handle. */
#define SYS_RECV 1
/* SYS_REPLY(token, buf, len) -> rc. Answers the request named by token. */
#define SYS_REPLY 2
/* SYS_REPLY_RECV(token, buf, len, handle in r10, cap in r8, timeout_ms in r9) -> as SYS_RECV;
 * buf is reused for receiving; the timeout bounds the receive only (the reply is not delayed). */
#define SYS_REPLY_RECV 3
/* SYS_NULL() -> rcOk. Does nothing: the kernel entry/exit benchmark. */
#define SYS_NULL 4
/* SYS_KSM_WAIT(verdict word, text, text_len, buf in r10, cap in r8) -> rc, rdx = request length.
 * The KSM's threads only (rcAccessDenied for anyone else): gives the verdict on the question
 * the thread took with its previous KsmWait (<bastion/ksm_proto.h>: the word, and the audit text
 * when the verdict is audited), then waits for the next question and receives it into buf. */
#define SYS_KSM_WAIT 5

/* Number of system calls; numbers at or above it return rcNotSupported. */
#define SYS_COUNT 6

#endif
