/* Console output and kprintf. */
#include "console/console.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/spinlock.h"
#include "console/serial.h"
#include "lib/kprintf.h"

static struct spinlock console_lock = SPINLOCK_INIT(LOCK_LEVEL_CONSOLE);
static volatile bool console_unlocked;

/* The console's line state (console_lock): whether the next byte starts a line, and who wrote
 * the open line (CONSOLE_KERNEL or a process's owner id). A line is only ever continued by the
 * writer that began it: anyone else first ends it. */
#define CONSOLE_KERNEL 0u
static bool at_line_start = true;
static uint32_t line_owner = CONSOLE_KERNEL;

void console_init(void)
{
    serial_init();
}

void console_panic_mode(void)
{
    console_unlocked = true;
}

/* console_lock held (or panic mode). Kernel bytes: a kernel write never continues a process's
 * open line, so every kernel line starts at the beginning of a console line. */
static void kernel_write_locked(const char *s, size_t n)
{
    spin_assert_held(&console_lock); /* passes in panic mode: no lock is checked then */
    if (n == 0)
        return;
    if (!at_line_start && line_owner != CONSOLE_KERNEL)
        serial_write("\n", 1);
    serial_write(s, n);
    at_line_start = s[n - 1] == '\n';
    line_owner = CONSOLE_KERNEL;
}

void console_write(const char *s, size_t n)
{
    if (console_unlocked) {
        kernel_write_locked(s, n);
        return;
    }
    uint64_t flags = spin_lock_irqsave(&console_lock);
    kernel_write_locked(s, n);
    spin_unlock_irqrestore(&console_lock, flags);
}

/* A byte a process may put on the console as it is: printable ASCII, UTF-8 bytes, tab. Control
 * bytes (carriage return, escape sequences, backspace ...) could redraw a terminal line or
 * hide the marker, so they become '?'. */
static char user_byte(char c)
{
    unsigned char u = (unsigned char)c;
    if (u == '\t' || u == '\n' || (u >= 0x20 && u != 0x7f))
        return c;
    return '?';
}

/* console_lock held. "[tag] ": the marker every line of process output starts with. The tag's
 * bytes that could end the marker early or break the line are replaced. */
static void user_prefix_locked(const char *tag)
{
    spin_assert_held(&console_lock);
    char buf[CONSOLE_TAG_MAX + 4];
    size_t n = 0;
    buf[n++] = CONSOLE_USER_MARK;
    for (size_t i = 0; tag != NULL && tag[i] != 0 && i < CONSOLE_TAG_MAX; i++) {
        char c = user_byte(tag[i]);
        buf[n++] = (c == ']' || c == '\n' || c == '\t') ? '?' : c;
    }
    buf[n++] = ']';
    buf[n++] = ' ';
    serial_write(buf, n);
}

void console_write_user(uint32_t owner, const char *tag, const char *s, size_t n)
{
    /* Owner ids of processes are never CONSOLE_KERNEL. */
    owner = owner == CONSOLE_KERNEL ? ~0u : owner;
    uint64_t flags = spin_lock_irqsave(&console_lock);
    char out[128];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (at_line_start || line_owner != owner) {
            if (k != 0) {
                serial_write(out, k);
                k = 0;
            }
            if (!at_line_start)
                serial_write("\n", 1);
            user_prefix_locked(tag);
            at_line_start = false;
            line_owner = owner;
        }
        char c = user_byte(s[i]);
        out[k++] = c;
        if (c == '\n')
            at_line_start = true;
        if (k == sizeof out) {
            serial_write(out, k);
            k = 0;
        }
    }
    if (k != 0)
        serial_write(out, k);
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
