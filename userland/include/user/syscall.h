/*
 * The five system calls of kern/uapi/bastion/syscall.h as inline functions.
 *
 * Convention (syscall.h): rax = number, arguments rdi rsi rdx r10 r8 r9; rax = Retcode,
 * rdx = second result, r8 = third (SYS_RECV's reply token); rcx and r11 are clobbered by the
 * SYSCALL instruction itself. "memory" is clobbered because the kernel reads the request and
 * writes the reply buffers behind the compiler's back.
 *
 * Timeouts (SYS_CALL in r9, SYS_RECV in r10) are in milliseconds; 0 waits forever. Every
 * register the kernel reads is always set here, so no stale value can become a timeout.
 */
#ifndef USER_SYSCALL_H
#define USER_SYSCALL_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>
#include <bastion/syscall.h>

static inline Retcode sys_call(uint32_t handle, const void *req, size_t req_len, void *res,
                               size_t res_cap, size_t *res_len, uint32_t timeout_ms)
{
    register uint64_t r10 __asm__("r10") = (uint64_t)res;
    register uint64_t r8 __asm__("r8") = (uint64_t)res_cap;
    register uint64_t r9 __asm__("r9") = timeout_ms;
    uint64_t rax = SYS_CALL, rdx = req_len;
    __asm__ volatile("syscall"
                     : "+a"(rax), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "D"((uint64_t)handle), "S"(req)
                     : "rcx", "r11", "memory");
    if (res_len)
        *res_len = (Retcode)rax == rcOk ? (size_t)rdx : 0;
    return (Retcode)rax;
}

/* On rcBufferTooSmall, *len is the size the request needed (the request itself is failed). */
static inline Retcode sys_recv(uint32_t handle, void *buf, size_t cap, size_t *len, uint64_t *token,
                               uint32_t timeout_ms)
{
    register uint64_t r10 __asm__("r10") = timeout_ms;
    register uint64_t r8 __asm__("r8") = 0;
    register uint64_t r9 __asm__("r9") = 0;
    uint64_t rax = SYS_RECV, rdx = cap;
    __asm__ volatile("syscall"
                     : "+a"(rax), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "D"((uint64_t)handle), "S"(buf)
                     : "rcx", "r11", "memory");
    if ((Retcode)rax == rcBufferTooSmall)
        *len = (size_t)rdx;
    if ((Retcode)rax == rcOk) {
        *len = (size_t)rdx;
        *token = r8;
    }
    return (Retcode)rax;
}

static inline Retcode sys_reply(uint64_t token, const void *buf, size_t len)
{
    register uint64_t r10 __asm__("r10") = 0;
    register uint64_t r8 __asm__("r8") = 0;
    register uint64_t r9 __asm__("r9") = 0;
    uint64_t rax = SYS_REPLY, rdx = len;
    __asm__ volatile("syscall"
                     : "+a"(rax), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "D"(token), "S"(buf)
                     : "rcx", "r11", "memory");
    return (Retcode)rax;
}

/* Answers `token` with buf[0..len) and waits for the next request on `handle` into the same
 * buffer (cap bytes), at most timeout_ms (0 = forever; expiry gives rcTimeout after the reply
 * went out). token 0 only receives. */
static inline Retcode sys_reply_recv(uint64_t token, void *buf, size_t len, uint32_t handle,
                                     size_t cap, size_t *msg_len, uint64_t *new_token,
                                     uint32_t timeout_ms)
{
    register uint64_t r10 __asm__("r10") = handle;
    register uint64_t r8 __asm__("r8") = cap;
    register uint64_t r9 __asm__("r9") = timeout_ms;
    uint64_t rax = SYS_REPLY_RECV, rdx = len;
    __asm__ volatile("syscall"
                     : "+a"(rax), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "D"(token), "S"(buf)
                     : "rcx", "r11", "memory");
    if ((Retcode)rax == rcBufferTooSmall)
        *msg_len = (size_t)rdx;
    /* rcReplyLost: the reply found no caller, and a request was received all the same. */
    if ((Retcode)rax == rcOk || (Retcode)rax == rcReplyLost) {
        *msg_len = (size_t)rdx;
        *new_token = r8;
    }
    return (Retcode)rax;
}

/* SYS_KSM_WAIT as it is: *rdx_out gets the kernel's rdx whatever the result (the question's
 * length, what a question too big needed, else 0). The KSM's own loop uses it (it reads the
 * length only after the results that give one); others use sys_ksm_wait below. */
static inline Retcode sys_ksm_wait_raw(uint64_t verdict, const char *text, size_t text_len,
                                       void *buf, size_t cap, size_t *rdx_out)
{
    register uint64_t r10 __asm__("r10") = (uint64_t)(uintptr_t)buf;
    register uint64_t r8 __asm__("r8") = cap;
    register uint64_t r9 __asm__("r9") = 0;
    uint64_t rax = SYS_KSM_WAIT, rdx = text_len;
    __asm__ volatile("syscall"
                     : "+a"(rax), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "D"(verdict), "S"(text)
                     : "rcx", "r11", "memory");
    *rdx_out = (size_t)rdx;
    return (Retcode)rax;
}

/* The KSM's threads only (<bastion/ksm_proto.h>): gives `verdict` (KSM_PROTO_VERDICT_WORD) and,
 * when it is audited, its text (text_len bytes with the NUL; else NULL, 0) on the question taken
 * last, then waits for the next question and receives it into buf (cap bytes), its length in
 * *len (also on rcBufferTooSmall). rcReplyLost: the verdict went nowhere (its asker gave up),
 * and a question was received all the same. The first call has no question to answer: its
 * verdict is ignored. */
static inline Retcode sys_ksm_wait(uint64_t verdict, const char *text, size_t text_len, void *buf,
                                   size_t cap, size_t *len)
{
    size_t n = 0;
    Retcode rc = sys_ksm_wait_raw(verdict, text, text_len, buf, cap, &n);
    if (rc == rcOk || rc == rcReplyLost || rc == rcBufferTooSmall)
        *len = n;
    return rc;
}

static inline Retcode sys_null(void)
{
    uint64_t rax = SYS_NULL;
    __asm__ volatile("syscall" : "+a"(rax) : : "rcx", "r11", "rdx", "r8", "memory");
    return (Retcode)rax;
}

#endif
