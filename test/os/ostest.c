/* The in-OS test framework (ostest.h). Checks may come from several threads. */
#include <stdarg.h>
#include <stdio.h>

#include <user/mutex.h>

#include "ostest.h"

static const char *name = "ostest";
static unsigned passed, failed;
static mutex_t lock = MUTEX_INIT;

void ot_begin(const char *n)
{
    name = n;
    printf("%s: start\n", name);
}

const char *ot_name(void)
{
    return name;
}

bool ot_check(bool cond, int line, const char *what, const char *fmt, ...)
{
    mutex_lock(&lock);
    if (cond) {
        passed++;
    } else {
        failed++;
        char why[200] = "";
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(why, sizeof why, fmt, ap);
            va_end(ap);
        }
        printf("%s: FAIL line %d: %s%s%s\n", name, line, what, fmt ? ": " : "", why);
    }
    mutex_unlock(&lock);
    return cond;
}

int ot_end(void)
{
    mutex_lock(&lock);
    unsigned p = passed, f = failed;
    mutex_unlock(&lock);
    printf("%s: %u passed, %u failed\n", name, p, f);
    return f == 0 && p > 0 ? 0 : 1;
}

bool ot_attack(const char *method, bool ok)
{
    if (ok)
        printf("%s: attack %s: stopped\n", name, method);
    return ok;
}
