/* The core log, the kernel's own audit ring (core_log.h). */
#include "security/core_log.h"

#include "arch/x86_64/spinlock.h"
#include "lib/kprintf.h"
#include "lib/string.h"
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

/*
 * The start and end records are written for every process, so they are composed piece by piece
 * instead of through ksnprintf (whose per-character loop over the format was ~1,200 instructions a
 * line, a tenth of process_create's kernel work outside the loader). The text is the same as
 * "start pid=%u name=%s class=%s by=%u" and "end pid=%u name=%s class=%s reason=%s code=%d" would
 * give, truncated the same way: at most KSS_TEXT_MAX - 1 characters, then the NUL.
 */
struct line {
    char *buf; /* KSS_TEXT_MAX bytes */
    size_t len;
};

static inline void add(struct line *l, const char *s, size_t n)
{
    size_t room = KSS_TEXT_MAX - 1 - l->len;
    if (n > room) {
        memcpy(l->buf + l->len, s, room); /* truncated, as ksnprintf would */
        l->len += room;
        return;
    }
    memcpy(l->buf + l->len, s, n); /* a literal's: a few moves (n known) */
    l->len += n;
}

/* A literal's length is known at compile time: its copy is a few moves (lib/string.h). */
#define ADD_LIT(l, s) add((l), (s), sizeof(s) - 1)

static void add_str(struct line *l, const char *s)
{
    add(l, s, strlen(s));
}

static void add_dec(struct line *l, int64_t v)
{
    char tmp[24];
    size_t n = sizeof tmp;
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--n] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag != 0);
    if (v < 0)
        tmp[--n] = '-';
    add(l, tmp + n, sizeof tmp - n);
}

static void add_who(struct line *l, const struct process *p)
{
    add_dec(l, p->pid);
    ADD_LIT(l, " name=");
    add_str(l, p->name);
    ADD_LIT(l, " class=");
    add_str(l, p->class_name);
}

void core_log_start(const struct process *p, const struct process *by)
{
    struct kss_record rec = {.event = CORE_LOG_START, .src_sid = kobj_sid(&p->obj)};
    struct line l = {rec.text, 0};
    ADD_LIT(&l, "start pid=");
    add_who(&l, p);
    ADD_LIT(&l, " by=");
    add_dec(&l, by != NULL ? by->pid : 0u);
    rec.text[l.len] = '\0';
    put(&rec);
}

void core_log_end(const struct process *p, uint32_t reason, int32_t code)
{
    static const char *const why[] = {"exit", "terminated", "exception"};
    struct kss_record rec = {.event = CORE_LOG_END, .src_sid = kobj_sid(&p->obj)};
    struct line l = {rec.text, 0};
    ADD_LIT(&l, "end pid=");
    add_who(&l, p);
    ADD_LIT(&l, " reason=");
    add_str(&l, reason < 3 ? why[reason] : "?");
    ADD_LIT(&l, " code=");
    add_dec(&l, code);
    rec.text[l.len] = '\0';
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
