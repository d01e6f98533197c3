/* Number parsing for program arguments (init.yaml `args`). Saturates like C's strtol. */
#include <stdbool.h>
#include <stdlib.h>

/* gcc's <limits.h> wants a libc one behind it; its predefined macros suffice. */
#define LONG_MAX __LONG_MAX__
#define LONG_MIN (-__LONG_MAX__ - 1L)
#define ULONG_MAX (__LONG_MAX__ * 2UL + 1UL)

static int digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

/* Parses the magnitude; *neg tells the sign. Saturates at `limit`. */
static unsigned long parse(const char *s, char **end, int base, bool *neg, unsigned long limit)
{
    const char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
    *neg = false;
    if (*p == '+' || *p == '-')
        *neg = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
        digit(p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    unsigned long v = 0;
    bool any = false, over = false;
    for (; digit(*p) < base; p++) {
        unsigned d = (unsigned)digit(*p);
        if (v > (limit - d) / (unsigned)base)
            over = true;
        else
            v = v * (unsigned)base + d;
        any = true;
    }
    if (end)
        *end = (char *)(any ? p : s);
    return over ? limit : v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
    bool neg;
    unsigned long v = parse(s, end, base, &neg, ULONG_MAX);
    return neg ? -v : v;
}

long strtol(const char *s, char **end, int base)
{
    bool neg;
    unsigned long v = parse(s, end, base, &neg, (unsigned long)LONG_MAX + 1);
    if (!neg)
        return v > (unsigned long)LONG_MAX ? LONG_MAX : (long)v;
    return v == (unsigned long)LONG_MAX + 1 ? LONG_MIN : -(long)v;
}

int atoi(const char *s)
{
    return (int)strtol(s, NULL, 10);
}
