/* The CMOS real-time clock: decoding (pure) and reading at boot (contract in rtc.h). */
#include "arch/x86_64/rtc.h"

#include <stdbool.h>

static bool bcd(uint8_t v, uint32_t *out)
{
    if ((v & 0x0Fu) > 9 || (v >> 4) > 9)
        return false;
    *out = (uint32_t)(v >> 4) * 10u + (v & 0x0Fu);
    return true;
}

static bool field(uint8_t v, bool binary, uint32_t *out)
{
    if (binary) {
        *out = v;
        return true;
    }
    return bcd(v, out);
}

static bool leap(uint32_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static uint32_t days_in_month(uint32_t y, uint32_t m)
{
    static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

Retcode rtc_decode(const struct rtc_raw *raw, struct rtc_time *out)
{
    bool binary = (raw->status_b & RTC_STATUS_B_BINARY) != 0;
    bool h24 = (raw->status_b & RTC_STATUS_B_24H) != 0;
    uint32_t sec, min, hour, day, mon, yy, cc = 20;
    bool pm = !h24 && (raw->hour & RTC_HOUR_PM) != 0;
    uint8_t hour_raw = h24 ? raw->hour : (uint8_t)(raw->hour & ~RTC_HOUR_PM);
    if (!field(raw->second, binary, &sec) || !field(raw->minute, binary, &min) ||
        !field(hour_raw, binary, &hour) || !field(raw->day, binary, &day) ||
        !field(raw->month, binary, &mon) || !field(raw->year, binary, &yy) ||
        (raw->century != 0 && !field(raw->century, binary, &cc)))
        return rcRtcUnreadable;
    if (!h24) {
        if (hour < 1 || hour > 12)
            return rcRtcUnreadable;
        hour = (hour % 12) + (pm ? 12 : 0); /* 12 AM is 0, 12 PM is 12 */
    }
    if (sec > 59 || min > 59 || hour > 23 || yy > 99 || cc < 19 || cc > 99 || mon < 1 || mon > 12)
        return rcRtcUnreadable;
    uint32_t year = cc * 100 + yy;
    if (day < 1 || day > days_in_month(year, mon))
        return rcRtcUnreadable;
    *out = (struct rtc_time){year, mon, day, hour, min, sec};
    return rcOk;
}

Retcode rtc_to_unix(const struct rtc_time *t, int64_t *secs)
{
    if (t->year < 1970)
        return rcOutOfRange;
    /* Days from 1970-01-01 to the civil date (H. Hinnant's days_from_civil). */
    int64_t y = (int64_t)t->year - (t->month <= 2);
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (t->month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + t->day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    *secs = days * 86400 + t->hour * 3600 + t->minute * 60 + t->second;
    return rcOk;
}

#ifndef BASTION_HOST
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_STATUS_A 0x0A
#define CMOS_STATUS_B 0x0B
#define CMOS_STATUS_A_UIP 0x80u
#define FADT_CENTURY 108 /* byte offset of the FADT's CENTURY register index */
#define RTC_READ_TRIES 5

static uint8_t cmos(uint8_t reg)
{
    outb(CMOS_INDEX, reg); /* bit 7 clear: NMIs stay enabled */
    return inb(CMOS_DATA);
}

static bool wait_not_updating(void)
{
    uint64_t start = tsc_read(), limit = tsc_hz() / 1000u * RTC_WAIT_MS;
    while (cmos(CMOS_STATUS_A) & CMOS_STATUS_A_UIP)
        if (tsc_read() - start > limit)
            return false;
    return true;
}

static uint8_t century_register(void)
{
    size_t len = 0;
    const uint8_t *fadt = acpi_table("FACP", &len);
    return fadt != NULL && len > FADT_CENTURY ? fadt[FADT_CENTURY] : 0;
}

static bool read_raw(uint8_t century_reg, struct rtc_raw *r)
{
    if (!wait_not_updating())
        return false;
    r->second = cmos(0x00);
    r->minute = cmos(0x02);
    r->hour = cmos(0x04);
    r->day = cmos(0x07);
    r->month = cmos(0x08);
    r->year = cmos(0x09);
    r->century = century_reg ? cmos(century_reg) : 0;
    r->status_b = cmos(CMOS_STATUS_B);
    return true;
}

static bool same(const struct rtc_raw *a, const struct rtc_raw *b)
{
    return a->second == b->second && a->minute == b->minute && a->hour == b->hour &&
           a->day == b->day && a->month == b->month && a->year == b->year &&
           a->century == b->century && a->status_b == b->status_b;
}

Retcode rtc_read(int64_t *secs)
{
    uint8_t creg = century_register();
    struct rtc_raw a, b;
    if (!read_raw(creg, &a))
        return rcRtcUnreadable;
    for (int i = 0; i < RTC_READ_TRIES; i++) {
        if (!read_raw(creg, &b))
            return rcRtcUnreadable;
        if (same(&a, &b)) {
            struct rtc_time t;
            Retcode rc = rtc_decode(&a, &t);
            return rc == rcOk ? rtc_to_unix(&t, secs) : rc;
        }
        a = b;
    }
    return rcRtcUnreadable;
}
#endif
