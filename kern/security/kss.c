/* kss, the security log (kss.h). */
#include "security/kss.h"

#include "arch/x86_64/spinlock.h"
#include "lib/kprintf.h"
#include "sched/sched.h"

static struct kss_ring ring; /* ring_lock, as is every reader's cursor */
static struct spinlock ring_lock = SPINLOCK_INIT(LOCK_LEVEL_KSS_RING);

/* Console budget: a token bucket refilled by time (ns per token). Every variable: ring_lock. */
static uint64_t tokens = KSS_CONSOLE_BURST;
static uint64_t refilled_at_ns;
static uint64_t suppressed, suppressed_unreported;

/* ring_lock held: may this denial go to the console? */
static bool console_budget_locked(uint64_t now)
{
    spin_assert_held(&ring_lock);
    const uint64_t ns_per_token = 1000000000ull / KSS_CONSOLE_PER_SEC;
    uint64_t earned = (now - refilled_at_ns) / ns_per_token;
    if (earned != 0) {
        tokens = tokens + earned > KSS_CONSOLE_BURST ? KSS_CONSOLE_BURST : tokens + earned;
        refilled_at_ns += earned * ns_per_token;
    }
    if (tokens == 0) {
        suppressed++;
        suppressed_unreported++;
        return false;
    }
    tokens--;
    return true;
}

void kss_write(const struct kss_record *r)
{
    struct kss_record rec = *r;
    uint64_t now = sched_now_ns();
    rec.time_ns = now;
    uint64_t fl = spin_lock_irqsave(&ring_lock);
    kss_ring_put(&ring, &rec);
    bool show = !rec.granted && console_budget_locked(now);
    uint64_t hidden = 0;
    if (show) {
        hidden = suppressed_unreported;
        suppressed_unreported = 0;
    }
    spin_unlock(&ring_lock);
    cpu_irq_restore(fl);
    if (hidden != 0)
        kprintf("kss: %lu denials not shown (console rate limit)\n", (unsigned long)hidden);
    if (show)
        kprintf("kss: denied %s\n", rec.text);
}

bool kss_read(struct kss_cursor *cur, struct kss_record *out, uint64_t *lost)
{
    uint64_t fl = spin_lock_irqsave(&ring_lock);
    bool ok = kss_ring_read(&ring, cur, out);
    *lost = cur->lost;
    cur->lost = 0;
    spin_unlock(&ring_lock);
    cpu_irq_restore(fl);
    return ok;
}

static uint64_t read_under_ring_lock(const uint64_t *v)
{
    uint64_t fl = spin_lock_irqsave(&ring_lock);
    uint64_t x = *v;
    spin_unlock(&ring_lock);
    cpu_irq_restore(fl);
    return x;
}

uint64_t kss_written(void)
{
    return read_under_ring_lock(&ring.write_seq);
}
uint64_t kss_dropped(void)
{
    uint64_t fl = spin_lock_irqsave(&ring_lock);
    uint64_t x = kss_ring_oldest(&ring);
    spin_unlock(&ring_lock);
    cpu_irq_restore(fl);
    return x;
}
uint64_t kss_console_suppressed(void)
{
    return read_under_ring_lock(&suppressed);
}
