/*
 * The core log: the kernel's own audit log beside kss (docs/security-model.md, "The core log").
 *
 * kss records what the security monitor decided; the core log records what happened to
 * processes that no decision shows: a process started (its pid, name, class and who started
 * it), a process ended (normal exit with its code, terminated, or killed by a CPU exception),
 * the fault that killed or froze a process (vector, error code, address, instruction), and the
 * TEE partition being named (docs/tee.md). Denied core calls are not repeated here: kss has
 * them. It is a ring of CORE_LOG_RECORDS records (kss_ring.h, the oldest overwritten first),
 * read through kl.core.Audit.Open("core") with a cursor per reader, like kss; nothing of it
 * goes to the console.
 */
#ifndef BASTION_SECURITY_CORE_LOG_H
#define BASTION_SECURITY_CORE_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "security/kss_ring.h"

/* A record's event (kss_record.event of a core log record). */
enum core_log_event {
    CORE_LOG_START = 1, /* "start pid=5 name=X class=C by=1" */
    CORE_LOG_END,       /* "end pid=5 name=X class=C reason=exit|terminated|exception code=N" */
    CORE_LOG_FAULT, /* "fault pid=5 name=X vector=14 error=0x4 addr=0x0 ip=0x401000 killed|frozen" */
    CORE_LOG_TEE,   /* "tee-partition pid=5 name=X class=C" */
};

struct process;

/* The records, one per event above; any context that may take a spinlock. */
void core_log_start(const struct process *p, const struct process *by);
void core_log_end(const struct process *p, uint32_t reason, int32_t code);
void core_log_fault(const struct process *p, uint32_t vector, uint64_t error_code, uint64_t addr,
                    uint64_t ip, bool frozen);
void core_log_tee(const struct process *p);

/* The reader's next record, as kss_read (kss.h). */
bool core_log_read(struct kss_cursor *cur, struct kss_record *out, uint64_t *lost);

/* Records written since boot. */
uint64_t core_log_written(void);

#endif
