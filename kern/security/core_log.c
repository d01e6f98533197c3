/* The core log, the kernel's own audit ring (core_log.h). */
#include "security/core_log.h"

#include "arch/x86_64/spinlock.h"
#include "lib/kprintf.h"
#include "obj/kobj.h"
#include "proc/process.h"
#include "sched/sched.h"

static struct kss_ring ring; /* core_log_lock, as is every reader's cursor */
static struct spinlock core_log_lock = SPINLOCK_INIT(LOCK_LEVEL_CORE_LOG);

static void put(struct kss_record *rec)
{
    rec->time_ns = sched_now_ns();
    rec->granted = 1;
    rec->rc = rcOk;
    uint64_t fl = spin_lock_irqsave(&core_log_lock);
    kss_ring_put(&ring, rec);
    spin_unlock_irqrestore(&core_log_lock, fl);
}

void core_log_start(const struct process *p, const struct process *by)
{
    struct kss_record rec = {.event = CORE_LOG_START, .src_sid = kobj_sid(&p->obj)};
    ksnprintf(rec.text, sizeof rec.text, "start pid=%u name=%s class=%s by=%u", p->pid, p->name,
              p->class_name, by != NULL ? by->pid : 0u);
    put(&rec);
}

void core_log_end(const struct process *p, uint32_t reason, int32_t code)
{
    static const char *const why[] = {"exit", "terminated", "exception"};
    struct kss_record rec = {.event = CORE_LOG_END, .src_sid = kobj_sid(&p->obj)};
    ksnprintf(rec.text, sizeof rec.text, "end pid=%u name=%s class=%s reason=%s code=%d", p->pid,
              p->name, p->class_name, reason < 3 ? why[reason] : "?", code);
    put(&rec);
}

void core_log_fault(const struct process *p, uint32_t vector, uint64_t error_code, uint64_t addr,
                    uint64_t ip, bool frozen)
{
    struct kss_record rec = {.event = CORE_LOG_FAULT, .src_sid = kobj_sid(&p->obj)};
    ksnprintf(rec.text, sizeof rec.text,
              "fault pid=%u name=%s vector=%u error=0x%lx addr=0x%lx ip=0x%lx %s", p->pid, p->name,
              vector, (unsigned long)error_code, (unsigned long)addr, (unsigned long)ip,
              frozen ? "frozen" : "killed");
    put(&rec);
}

void core_log_tee(const struct process *p)
{
    struct kss_record rec = {.event = CORE_LOG_TEE, .src_sid = kobj_sid(&p->obj)};
    ksnprintf(rec.text, sizeof rec.text, "tee-partition pid=%u name=%s class=%s", p->pid, p->name,
              p->class_name);
    put(&rec);
}

bool core_log_read(struct kss_cursor *cur, struct kss_record *out, uint64_t *lost)
{
    uint64_t fl = spin_lock_irqsave(&core_log_lock);
    bool ok = kss_ring_read(&ring, cur, out);
    *lost = cur->lost;
    cur->lost = 0;
    spin_unlock_irqrestore(&core_log_lock, fl);
    return ok;
}

uint64_t core_log_written(void)
{
    uint64_t fl = spin_lock_irqsave(&core_log_lock);
    uint64_t x = ring.write_seq;
    spin_unlock_irqrestore(&core_log_lock, fl);
    return x;
}
