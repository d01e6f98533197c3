/* Console output and kprintf. */
#include "console/console.h"

#include <stdbool.h>

#include "arch/x86_64/spinlock.h"
#include "console/serial.h"
#include "lib/kprintf.h"

static struct spinlock console_lock = SPINLOCK_INIT;
static volatile bool console_unlocked;

void console_init(void) { serial_init(); }

void console_panic_mode(void) { console_unlocked = true; }

void console_write(const char *s, size_t n)
{
    if (console_unlocked) {
        serial_write(s, n);
        return;
    }
    uint64_t flags = spin_lock_irqsave(&console_lock);
    serial_write(s, n);
    spin_unlock_irqrestore(&console_lock, flags);
}

void kvprintf(const char *fmt, va_list ap)
{
    char line[512];
    int n = kvsnprintf(line, sizeof line, fmt, ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    console_write(line, len);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}
