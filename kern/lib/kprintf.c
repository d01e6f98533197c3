/*
 * kvsnprintf: the formatting engine, pure so that the host tests exercise exactly the code the
 * kernel runs. kprintf (console output) lives in console/console.c.
 */
#include "lib/kprintf.h"

#include <stdbool.h>
#include <stdint.h>

/* Output cursor: writes while there is room, counts always (for the would-be length). */
struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

struct spec {
    bool left;  /* '-' */
    bool zero;  /* '0' */
    bool plus;  /* '+' */
    bool space; /* ' ' */
    bool alt;   /* '#' */
    int width;
    int prec; /* -1: none */
};

/* Prints a number given as sign + magnitude, honouring width, precision and flags. */
static void put_number(struct out *o, const struct spec *s, uint64_t mag, bool negative,
                       unsigned base, bool upper, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[mag % base];
        mag /= base;
    } while (mag != 0);
    if (s->prec == 0 && n == 1 && tmp[0] == '0')
        n = 0; /* C: zero with precision 0 prints no digits */

    char sign = negative ? '-' : s->plus ? '+' : s->space ? ' ' : 0;
    int plen = 0;
    while (prefix && prefix[plen])
        plen++;
    int zeros = s->prec > n ? s->prec - n : 0;
    int total = n + zeros + (sign ? 1 : 0) + plen;
    int fill = s->width > total ? s->width - total : 0;

    if (!s->left && !(s->zero && s->prec < 0))
        pad(o, ' ', fill);
    if (sign)
        put(o, sign);
    for (int i = 0; i < plen; i++)
        put(o, prefix[i]);
    if (!s->left && s->zero && s->prec < 0)
        pad(o, '0', fill);
    pad(o, '0', zeros);
    while (n > 0)
        put(o, tmp[--n]);
    if (s->left)
        pad(o, ' ', fill);
}

static void put_string(struct out *o, const struct spec *s, const char *str)
{
    if (!str)
        str = "(null)";
    int n = 0;
    while (str[n] && (s->prec < 0 || n < s->prec))
        n++;
    int fill = s->width > n ? s->width - n : 0;
    if (!s->left)
        pad(o, ' ', fill);
    for (int i = 0; i < n; i++)
        put(o, str[i]);
    if (s->left)
        pad(o, ' ', fill);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_PTRDIFF, LEN_MAX };

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    va_list args;
    va_copy(args, ap);

    while (*fmt) {
        if (*fmt != '%') {
            put(&o, *fmt++);
            continue;
        }
        const char *start = fmt++;
        struct spec s = {.prec = -1};
        for (;; fmt++) {
            if (*fmt == '-')
                s.left = true;
            else if (*fmt == '0')
                s.zero = true;
            else if (*fmt == '+')
                s.plus = true;
            else if (*fmt == ' ')
                s.space = true;
            else if (*fmt == '#')
                s.alt = true;
            else
                break;
        }
        if (*fmt == '*') {
            s.width = va_arg(args, int);
            if (s.width < 0) {
                s.left = true;
                s.width = s.width == INT32_MIN ? INT32_MAX : -s.width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9') {
                if (s.width < 100000) /* a cap that keeps the int from overflowing */
                    s.width = s.width * 10 + (*fmt - '0');
                fmt++;
            }
        }
        if (*fmt == '.') {
            fmt++;
            s.prec = 0;
            if (*fmt == '*') {
                s.prec = va_arg(args, int);
                if (s.prec < 0)
                    s.prec = -1;
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9') {
                    if (s.prec < 100000)
                        s.prec = s.prec * 10 + (*fmt - '0');
                    fmt++;
                }
            }
        }
        enum length len = LEN_INT;
        switch (*fmt) {
        case 'h':
            fmt++;
            len = LEN_SHORT;
            if (*fmt == 'h') {
                fmt++;
                len = LEN_CHAR;
            }
            break;
        case 'l':
            fmt++;
            len = LEN_LONG;
            if (*fmt == 'l') {
                fmt++;
                len = LEN_LLONG;
            }
            break;
        case 'z':
            fmt++;
            len = LEN_SIZE;
            break;
        case 't':
            fmt++;
            len = LEN_PTRDIFF;
            break;
        case 'j':
            fmt++;
            len = LEN_MAX;
            break;
        }

        char conv = *fmt;
        if (conv == '\0') {
            /* A lone '%' (with flags) at the end: print it as it stands. */
            while (start < fmt)
                put(&o, *start++);
            break;
        }
        fmt++;
        switch (conv) {
        case 'd':
        case 'i': {
            int64_t v;
            switch (len) {
            case LEN_CHAR:
                v = (signed char)va_arg(args, int);
                break;
            case LEN_SHORT:
                v = (short)va_arg(args, int);
                break;
            case LEN_LONG:
                v = va_arg(args, long);
                break;
            case LEN_LLONG:
                v = va_arg(args, long long);
                break;
            case LEN_SIZE:
                v = (int64_t)va_arg(args, size_t);
                break;
            case LEN_PTRDIFF:
                v = va_arg(args, ptrdiff_t);
                break;
            case LEN_MAX:
                v = va_arg(args, intmax_t);
                break;
            default:
                v = va_arg(args, int);
                break;
            }
            /* Magnitude in unsigned arithmetic: -INT64_MIN does not fit an int64_t. */
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            put_number(&o, &s, mag, v < 0, 10, false, NULL);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v;
            switch (len) {
            case LEN_CHAR:
                v = (unsigned char)va_arg(args, unsigned);
                break;
            case LEN_SHORT:
                v = (unsigned short)va_arg(args, unsigned);
                break;
            case LEN_LONG:
                v = va_arg(args, unsigned long);
                break;
            case LEN_LLONG:
                v = va_arg(args, unsigned long long);
                break;
            case LEN_SIZE:
                v = va_arg(args, size_t);
                break;
            case LEN_PTRDIFF:
                v = (uint64_t)va_arg(args, ptrdiff_t);
                break;
            case LEN_MAX:
                v = va_arg(args, uintmax_t);
                break;
            default:
                v = va_arg(args, unsigned);
                break;
            }
            unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
            const char *prefix = NULL;
            if (s.alt && v != 0)
                prefix = conv == 'x' ? "0x" : conv == 'X' ? "0X" : conv == 'o' ? "0" : NULL;
            put_number(&o, &s, v, false, base, conv == 'X', prefix);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(args, void *);
            struct spec ps = s;
            ps.prec = 16;
            ps.zero = false;
            put_number(&o, &ps, v, false, 16, false, "0x");
            break;
        }
        case 's':
            put_string(&o, &s, va_arg(args, const char *));
            break;
        case 'c': {
            char c = (char)va_arg(args, int);
            int fill = s.width > 1 ? s.width - 1 : 0;
            if (!s.left)
                pad(&o, ' ', fill);
            put(&o, c);
            if (s.left)
                pad(&o, ' ', fill);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        default:
            /* Unknown conversion: copy the whole directive, so the mistake is visible. */
            while (start < fmt)
                put(&o, *start++);
            break;
        }
    }
    va_end(args);

    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
