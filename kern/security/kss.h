/*
 * kss, the security log: the audit records of the security hook (every denial, and the grants
 * the policy's audit profiles ask for) in a kernel ring buffer (kss_ring.h), denials also on
 * the console as they happen.
 *
 * The console is rate limited (a burst of KSS_CONSOLE_BURST lines, then KSS_CONSOLE_PER_SEC a
 * second), so that a process that provokes denials cannot flood it; the ring keeps every record
 * until it wraps, and counts the ones it loses. User mode reads it through kl.core.Audit
 * (kern/core/audit.c), one record a Read, each taken once.
 */
#ifndef BASTION_SECURITY_KSS_H
#define BASTION_SECURITY_KSS_H

#include "security/kss_ring.h"

#define KSS_CONSOLE_BURST 32u
#define KSS_CONSOLE_PER_SEC 20u

/* Records r (time and seq are set here); a denial also goes to the console. Any context that
 * may take a spinlock. */
void kss_write(const struct kss_record *r);

/* The oldest unread record; false when none. *dropped (may be NULL) gets how many records
 * were lost to wrap-around since the previous kss_take() that reported them (Audit.Read's
 * outDropMsgs). */
bool kss_take(struct kss_record *out, uint64_t *dropped);

/* Records written since boot, lost to wrap-around, and denials not shown on the console. */
uint64_t kss_written(void);
uint64_t kss_dropped(void);
uint64_t kss_console_suppressed(void);

#endif
