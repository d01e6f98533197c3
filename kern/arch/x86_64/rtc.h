/*
 * The CMOS real-time clock (MC146818 as the PC has it, and QEMU emulates it): read once at boot
 * to start the system (wall) clock, which the TSC then carries forward (lib/wallclock.h).
 *
 * The decoding half is pure (host-tested, test/host/kern/arch/x86_64/test_rtc.c): the RTC gives
 * its fields in BCD or binary (status register B bit 2) and its hour in 12- or 24-hour form
 * (bit 1; in 12-hour form bit 7 of the hour is PM). Every field is checked against its range,
 * the day against its month's length: a clock that reads 0xFF everywhere (no CMOS), a BCD digit
 * above 9 or 31 February is rcRtcUnreadable, never a made-up time.
 */
#ifndef BASTION_ARCH_X86_64_RTC_H
#define BASTION_ARCH_X86_64_RTC_H

#include <bastion/retcode.h>
#include <stdint.h>

/* CMOS registers as read, before decoding. century is 0 when the firmware names no century
 * register (FADT CENTURY field 0): the year is then taken as 20yy. */
struct rtc_raw {
    uint8_t second, minute, hour, day, month, year, century;
    uint8_t status_b;
};

#define RTC_STATUS_B_24H 0x02u    /* hours 0-23; else 1-12 with RTC_HOUR_PM */
#define RTC_STATUS_B_BINARY 0x04u /* fields are binary; else BCD */
#define RTC_HOUR_PM 0x80u

struct rtc_time {
    uint32_t year; /* e.g. 2026 */
    uint32_t month, day, hour, minute, second;
};

/* Decode raw registers into a calendar time. rcRtcUnreadable: a BCD digit above 9, a field out
 * of its range, or a day its month does not have. */
Retcode rtc_decode(const struct rtc_raw *raw, struct rtc_time *out);

/* Seconds since 1970-01-01 00:00:00 UTC of a decoded calendar time (the RTC keeps UTC here:
 * QEMU's default, and the only zone the kernel knows). rcOutOfRange: before 1970. */
Retcode rtc_to_unix(const struct rtc_time *t, int64_t *secs);

#ifndef BASTION_HOST
/* Reads the CMOS clock: waits for the update-in-progress flag to clear (at most RTC_WAIT_MS),
 * reads every field, and reads again until two reads agree (an update may fall between). BSP,
 * at boot, before any process runs (the index/data port pair is not locked). *secs: seconds since
 * 1970. rcRtcUnreadable: the flag never cleared, reads never agreed, or rtc_decode refused them. */
#define RTC_WAIT_MS 20
Retcode rtc_read(int64_t *secs);
#endif

#endif
