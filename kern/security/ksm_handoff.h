/*
 * The hand-off between the kernel's security questions and the KSM's receiving threads: the
 * dedicated path of the security channel (<bastion/ksm_proto.h>, docs/security-model.md).
 *
 * A question is asked by the thread that needs the verdict (ksm_handoff_ask, from
 * ksm_channel.c) and lives on its kernel stack until it is final. A receiver is a thread of the
 * KSM in SYS_KSM_WAIT (ksm_handoff_wait): it gives the verdict on the question it took last,
 * then takes the next one. Both sides meet under one lock:
 *
 *   - a question that finds a receiver waiting is handed to it and the asker switches straight
 *     to it (the decision runs on the asker's CPU, no scheduler pass); otherwise it joins a
 *     FIFO queue that the next free receiver takes from. The receiver copies the question from
 *     the asker's memory into its own buffer: one copy, and the asker cannot leave meanwhile;
 *   - the verdict comes back as one word in a register (and an audit text only when audited),
 *     is written into the asker's question, and the receiver switches straight back to the
 *     asker when it has nothing else to take.
 *
 * Nothing is allocated per question, nothing is looked up by token, no handle is resolved. A
 * receiver's record is allocated at its first wait, charged to the KSM, and freed when the
 * thread ends.
 *
 * Fail-closed: an asker whose wait ends without a verdict (timeout, its own end, the receiver
 * ended, the KSM ended) gets a named failure and withdraws its question; a receiver whose
 * question was withdrawn learns it (rcReplyLost) but keeps receiving.
 */
#ifndef BASTION_SECURITY_KSM_HANDOFF_H
#define BASTION_SECURITY_KSM_HANDOFF_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/ksm_proto.h>
#include <bastion/retcode.h>

#include "bastion_idl.h"

struct thread;

/* The largest question: the security header, the fixed part with its most ended SIDs, then a
 * whole IPC message. Larger ones are refused before anyone is asked. */
#define KSM_HANDOFF_REQUEST_MAX (KSM_PROTO_QUESTION_MAX + IDL_MESSAGE_MAX)

/* A verdict as the asker receives it: the word as the KSM gave it, checked
 * (ksm_verdict_decode; its fields: ksm_verdict_split), and its audit text ("" when not
 * audited). The word, not the fields: one value passed on under the lock instead of four. */
struct ksm_verdict_in {
    uint64_t word;
    const char *text;
    char text_buf[KSM_PROTO_TEXT_MAX];
};

struct ksm_gate;

/*
 * A request that goes on at once when it is granted (an IPC call to a server): the receiver that
 * gives the grant sends it on itself and runs the server straight away, instead of running the
 * asker only for it to send the request and switch on (one thread switch and one pass through
 * the asker's return fewer). The asker's wait for its verdict becomes its wait for the answer:
 * it next runs when the server answers (or when it is being ended), and finds `sent` set.
 *
 * `send` is called by the receiver, under the hand-off's lock (a port lock may be taken under
 * it), only on a grant that is not audited (an audited one is written by the asker first, in
 * order): it returns the thread to run next with the request delivered to it and *locked the
 * lock that thread waits under, held until it has been switched to or woken (so that it cannot
 * leave that wait meanwhile), or NULL when it could not send (no receiver waits): then nothing
 * changed, no lock is held, and the asker sends the request when it runs, as without a forward.
 * When it sent, the receiver leaves the asker's gate at once (the question is no longer with the
 * KSM), `sent` is set, and only then the verdict is final.
 */
struct spinlock;
struct ksm_forward {
    struct thread *(*send)(struct ksm_forward *f, uint32_t reply_granted, struct spinlock **locked);
    struct ksm_gate *gate; /* the asker's gate, left by whoever sends; NULL: none */
    bool sent;
};

/*
 * Asks the KSM: the question is head[0..head_len) then body[0..body_len), as the receiver gets
 * it (body_len 0: the whole question is at head, copied out in one piece); waits at most timeout_ns (0: forever; the watchdog, ksm_handoff_tick, keeps it) for the
 * verdict. forward (NULL: none): the request to send on a grant (above). rcOk: *out holds a
 * well-formed verdict. Otherwise nothing was decided:
 *   rcBufferTooSmall  the question is larger than KSM_HANDOFF_REQUEST_MAX (the KSM was not
 *                     asked), or than the buffer the receiver that took it offered;
 *   rcInvalidArgument the receiver's buffer could not be written;
 *   rcBadMessage      the KSM's verdict was malformed (verdict.h);
 *   rcTimeout         no verdict in time;
 *   rcNoKsm           the receiver that took it ended first;
 *   rcPeerClosed      the KSM has ended (ksm_handoff_close), or the asker itself is being
 *                     ended (thread_should_exit tells which).
 * *seen, whatever the result: whether the KSM got the question (a receiver's copy of it
 * completed). What the question told the KSM besides the event (an end, ksm_forget.h) was told
 * exactly when *seen.
 */
Retcode ksm_handoff_ask(const void *head, size_t head_len, const void *body, size_t body_len,
                        struct ksm_verdict_in *out, uint64_t timeout_ns,
                        struct ksm_forward *forward, bool *seen);

/*
 * SYS_KSM_WAIT, for a thread of the KSM (the caller checks that): gives `verdict` (and the audit
 * text at user address `text`, `text_len` bytes with its NUL, 0 when not audited) on the
 * question the thread took last, if it still has one; then waits for the next question and
 * copies it to user address buf (cap bytes), its length in *len. Returns rcOk, or rcReplyLost
 * when the last question was withdrawn before its verdict (a new one is received all the
 * same); rcBufferTooSmall (*len: what was needed) or rcInvalidArgument when the question could
 * not be delivered (it fails at its asker); rcOutOfMemory/rcQuotaExceeded for the receiver's
 * record; rcPeerClosed when the thread is being ended or the KSM has ended.
 */
Retcode ksm_handoff_wait(uint64_t verdict, uint64_t text, uint64_t text_len, uint64_t buf,
                         uint64_t cap, uint64_t *len);

/* The watchdog of the questions' deadlines, from every CPU's timer tick (interrupts off, no lock
 * held): at most every 100 ms, fails each question past its deadline with rcTimeout, queued or
 * taken (one whose copy to the KSM is under way waits for the next look). So a hung KSM still
 * fails every question within its timeout and 100 ms. */
void ksm_handoff_tick(uint64_t now_ns);

/* The KSM has ended: every queued question fails (rcPeerClosed), and every later one at once. */
void ksm_handoff_close(void);

/* Has ksm_handoff_close() run? */
bool ksm_handoff_closed(void);

/* thread_exit's hook: a receiver that ends fails the question it holds (rcNoKsm) and gives its
 * buffer back. */
void ksm_handoff_thread_exit(struct thread *t);

#endif
