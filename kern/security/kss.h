/*
 * kss, the security log: the audit records of the security hook (every denial, and the grants
 * the policy's audit profiles ask for) in a kernel ring buffer (kss_ring.h), denials also on
 * the console as they happen.
 *
 * The console is rate limited (a burst of KSS_CONSOLE_BURST lines, then KSS_CONSOLE_PER_SEC a
 * second), so that a process that provokes denials cannot flood it; the ring keeps every record
 * until it wraps. User mode reads it through kl.core.Audit (kern/klcore/Audit.c): every open
 * handle is a reader with its own cursor, so a reader sees every record the ring still holds
 * and no reader can hide a record from another.
 */
#ifndef BASTION_SECURITY_KSS_H
#define BASTION_SECURITY_KSS_H

#include "security/kss_ring.h"

#define KSS_CONSOLE_BURST 32u
#define KSS_CONSOLE_PER_SEC 20u

/* Records r (time and seq are set here); a denial also goes to the console. Any context that
 * may take a spinlock. */
void kss_write(const struct kss_record *r);

/* The reader's next record (kss_ring.h); false when it has read them all. *lost gets the
 * records overwritten before this reader read them since its previous call (Audit.Read's
 * outDropMsgs); the reader's count starts again from 0. The cursor is read and moved under
 * the ring's lock, so threads sharing one reader take each record once between them. */
bool kss_read(struct kss_cursor *cur, struct kss_record *out, uint64_t *lost);

/* Records written since boot, overwritten (the ring's oldest record number), and denials not
 * shown on the console. */
uint64_t kss_written(void);
uint64_t kss_dropped(void);
uint64_t kss_console_suppressed(void);

#endif
