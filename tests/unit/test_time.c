/* Unit tests of include/resv_time.c: dates, datetimes, slots, formatting, start
 * instants. The C library's gmtime_r/timegm serve as an independent oracle for the
 * calendar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "resv_time.h"

#define MAX_INSTANT 253402300799LL /* 9999-12-31T23:59:59 */

static int parseDate(const char *s, resvInstant *t) {
    return resvParseDate(s, strlen(s), t);
}
static int parseDateTime(const char *s, resvInstant *t) {
    return resvParseDateTime(s, strlen(s), t);
}
static int parseSlot(const char *s, resvSlot *slot) {
    return resvParseSlot(s, strlen(s), slot);
}

static resvInstant oracle(int y, int m, int d, int hh, int mm, int ss) {
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    return (resvInstant)timegm(&tm);
}

static void test_dates_valid(void **state) {
    (void)state;
    resvInstant t;
    assert_int_equal(parseDate("1970-01-01", &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(parseDate("2024-02-15", &t), 0);
    assert_int_equal(t, oracle(2024, 2, 15, 0, 0, 0));
    assert_int_equal(parseDate("2024-02-29", &t), 0); /* leap year */
    assert_int_equal(t, oracle(2024, 2, 29, 0, 0, 0));
    assert_int_equal(parseDate("2000-02-29", &t), 0); /* divisible by 400 */
    assert_int_equal(parseDate("9999-12-31", &t), 0);
    assert_int_equal(t, MAX_INSTANT - 86399);
    assert_int_equal(parseDate("2023-12-31", &t), 0);
    assert_int_equal(parseDate("2023-04-30", &t), 0);
}

static void test_dates_invalid(void **state) {
    (void)state;
    resvInstant t = 42;
    const char *bad[] = {
        "2023-02-29",               /* not a leap year */
        "1900-02-29",               /* divisible by 100 */
        "2100-02-29", "1969-12-31", /* before the epoch */
        "0000-01-01", "2024-00-10",          "2024-13-01",     "2024-01-00",
        "2024-01-32", "2024-04-31",          "2024-06-31",     "2024/02/15",
        "2024.02.15", "2024-02-15 ",         " 2024-02-15",    "2024-2-15",
        "24-02-15",   "2024-02-5",           "20240215",       "2024-02-150",
        "2024-02-1a", "+024-02-15",          "2024-+2-15",     "2024--2-15",
        "",           "2024-02-15T00:00:00", "２０２４-02-15",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (parseDate(bad[i], &t) == 0) fail_msg("accepted date '%s'", bad[i]);
    }
    /* a valid date followed by a NUL within the given length */
    assert_int_equal(resvParseDate("2024-02-1\0", 10, &t), -1);
    assert_int_equal(t, 42); /* untouched on failure */
}

static void test_datetimes(void **state) {
    (void)state;
    resvInstant t;
    assert_int_equal(parseDateTime("2024-02-15T18:05:00", &t), 0);
    assert_int_equal(t, oracle(2024, 2, 15, 18, 5, 0));
    assert_int_equal(parseDateTime("2024-02-29T23:59:59", &t), 0);
    assert_int_equal(t, oracle(2024, 2, 29, 23, 59, 59));
    assert_int_equal(parseDateTime("1970-01-01T00:00:00", &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(parseDateTime("9999-12-31T23:59:59", &t), 0);
    assert_int_equal(t, MAX_INSTANT);
    const char *bad[] = {
        "2024-02-15 18:05:00",
        "2024-02-15t18:05:00",
        "2024-02-15T18:05",
        "2024-02-15T18:05:00Z",
        "2024-02-15T18:05:00+08:00",
        "2024-02-15T24:00:00",
        "2024-02-15T18:60:00",
        "2024-02-15T18:05:60",
        "2024-02-15T18-05-00",
        "2024-02-15T1:05:00",
        "2024-02-15T18:05:0",
        "2023-02-29T12:00:00",
        "1969-12-31T23:59:59",
        "2024-02-15",
        "2024-02-15T18:05:00.000",
        "2024-02-15T18:5:000",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (parseDateTime(bad[i], &t) == 0) fail_msg("accepted datetime '%s'", bad[i]);
    }
}

static void test_date_or_datetime(void **state) {
    (void)state;
    resvInstant t;
    assert_int_equal(resvParseDateOrDateTime("2024-02-15", 10, 0, &t), 0);
    assert_int_equal(t, oracle(2024, 2, 15, 0, 0, 0));
    assert_int_equal(resvParseDateOrDateTime("2024-02-15", 10, 1, &t), 0);
    assert_int_equal(t, oracle(2024, 2, 15, 23, 59, 59));
    /* a datetime is taken as is, whatever endOfDay says */
    assert_int_equal(resvParseDateOrDateTime("2024-02-15T18:00:00", 19, 1, &t), 0);
    assert_int_equal(t, oracle(2024, 2, 15, 18, 0, 0));
    assert_int_equal(resvParseDateOrDateTime("2024-02-15T18:00:00", 19, 0, &t), 0);
    assert_int_equal(t, oracle(2024, 2, 15, 18, 0, 0));
    /* end of the last day and of a leap day */
    assert_int_equal(resvParseDateOrDateTime("9999-12-31", 10, 1, &t), 0);
    assert_int_equal(t, MAX_INSTANT);
    assert_int_equal(resvParseDateOrDateTime("2024-02-29", 10, 1, &t), 0);
    assert_int_equal(t, oracle(2024, 3, 1, 0, 0, 0) - 1);
    assert_int_equal(resvParseDateOrDateTime("2024-02-15T18:00", 16, 0, &t), -1);
    assert_int_equal(resvParseDateOrDateTime("2023-02-29", 10, 1, &t), -1);
    assert_int_equal(resvParseDateOrDateTime("", 0, 0, &t), -1);
}

static void test_format(void **state) {
    (void)state;
    char buf[RESV_DATETIME_LEN + 1];
    resvFormatDateTime(0, buf);
    assert_string_equal(buf, "1970-01-01T00:00:00");
    resvFormatDateTime(oracle(2024, 2, 15, 18, 5, 9), buf);
    assert_string_equal(buf, "2024-02-15T18:05:09");
    resvFormatDateTime(MAX_INSTANT, buf);
    assert_string_equal(buf, "9999-12-31T23:59:59");
    resvFormatDateTime(oracle(2000, 2, 29, 12, 0, 0), buf);
    assert_string_equal(buf, "2000-02-29T12:00:00");
}

/* Format then parse many instants spread over the whole range, and compare the text
 * with strftime of gmtime_r. */
static void test_round_trip(void **state) {
    (void)state;
    char buf[RESV_DATETIME_LEN + 1], want[64];
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 200000; i++) {
        resvInstant t;
        if (i < 100)
            t = i; /* the start */
        else if (i < 200)
            t = MAX_INSTANT - (i - 100); /* the end */
        else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
            t = (resvInstant)(x % (uint64_t)(MAX_INSTANT + 1));
        }
        resvFormatDateTime(t, buf);
        time_t tt = (time_t)t;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (strcmp(buf, want) != 0) fail_msg("%lld formatted %s, want %s", (long long)t, buf, want);
        resvInstant back;
        assert_int_equal(resvParseDateTime(buf, RESV_DATETIME_LEN, &back), 0);
        assert_int_equal(back, t);
        /* the date part alone gives midnight of that day */
        assert_int_equal(resvParseDate(buf, RESV_DATE_LEN, &back), 0);
        assert_int_equal(back, t - t % 86400);
    }
}

static void test_slots(void **state) {
    (void)state;
    resvSlot s;
    assert_int_equal(parseSlot("18:00-20:00", &s), 0);
    assert_int_equal(s.start, 18 * 60);
    assert_int_equal(s.end, 20 * 60);
    assert_int_equal(parseSlot("18:30", &s), 0);
    assert_int_equal(s.start, 18 * 60 + 30);
    assert_int_equal(s.end, -1);
    assert_int_equal(parseSlot("22:00-24:00", &s), 0);
    assert_int_equal(s.end, 1440);
    assert_int_equal(parseSlot("00:00-24:00", &s), 0);
    assert_int_equal(s.start, 0);
    assert_int_equal(s.end, 1440);
    /* past midnight: end before start */
    assert_int_equal(parseSlot("23:00-01:30", &s), 0);
    assert_int_equal(s.start, 23 * 60);
    assert_int_equal(s.end, 90);
    assert_int_equal(parseSlot("00:00", &s), 0);
    assert_int_equal(parseSlot("23:59-00:00", &s), 0);
    assert_int_equal(s.end, 0);

    const char *bad[] = {
        "18:00-18:00", /* empty */
        "00:00-00:00",  "24:00",
        "24:00-01:00",  "18:00-24:01",
        "18:00-25:00",  "18:60-19:00",
        "18:00-19:60",  "18:00–20:00" /* en dash */,
        "18:00~20:00",  "18:00 -20:00",
        "18:00-20:0",   "1800-2000",
        "18.00-20.00",  "8:00-20:00",
        "18:00-",       "18:00-20:00-",
        "18:00-20:00 ", "",
        "18",           "18:0",
        "18:00:00",     "ab:cd-ef:gh",
        "18:00-2a:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (parseSlot(bad[i], &s) == 0) fail_msg("accepted slot '%s'", bad[i]);
    }
}

static void test_start_instant(void **state) {
    (void)state;
    resvInstant day, t;
    resvSlot s;
    assert_int_equal(parseDate("2024-02-15", &day), 0);
    assert_int_equal(parseSlot("18:00-20:00", &s), 0);
    assert_int_equal(resvStartInstant(day, &s), oracle(2024, 2, 15, 18, 0, 0));
    /* a reservation_date with a time part: only its day counts */
    assert_int_equal(parseDateTime("2024-02-15T09:30:00", &t), 0);
    assert_int_equal(resvStartInstant(t, &s), oracle(2024, 2, 15, 18, 0, 0));
    /* no slot: the date itself */
    assert_int_equal(resvStartInstant(t, NULL), t);
    assert_int_equal(parseSlot("23:00-01:00", &s), 0);
    assert_int_equal(resvStartInstant(day, &s), oracle(2024, 2, 15, 23, 0, 0));
}

static void test_record_start_and_day(void **state) {
    (void)state;
    char day[RESV_DATE_LEN + 1];
    assert_int_equal(resvRecordStart("2024-02-15T00:00:00", 19, "18:00-20:00", 11),
                     oracle(2024, 2, 15, 18, 0, 0));
    /* no slot, or one that does not parse: the date itself */
    assert_int_equal(resvRecordStart("2024-02-15T09:30:00", 19, NULL, 0),
                     oracle(2024, 2, 15, 9, 30, 0));
    assert_int_equal(resvRecordStart("2024-02-15", 10, "x", 1), oracle(2024, 2, 15, 0, 0, 0));
    /* no date, or one that does not parse: 0 */
    assert_int_equal(resvRecordStart(NULL, 0, "18:00", 5), 0);
    assert_int_equal(resvRecordStart("2024-02-30", 10, "18:00", 5), 0);
    resvDayOf(oracle(2024, 2, 15, 23, 59, 59), day);
    assert_string_equal(day, "2024-02-15");
    resvDayOf(oracle(2024, 2, 16, 0, 0, 0), day);
    assert_string_equal(day, "2024-02-16");
}

/* Floor division: a store's clock a few hours before 1970 (a test clock near 0 west of
 * UTC) is on 1969-12-31, not on 1970-01-01 as t - t % 86400 made it, and its time of
 * day is not negative. */
static void test_before_1970(void **state) {
    (void)state;
    char day[RESV_DATE_LEN + 1], buf[RESV_DATETIME_LEN + 1];
    assert_int_equal(resvDayStart(-1), -RESV_SECS_PER_DAY);
    assert_int_equal(resvDayStart(-RESV_SECS_PER_DAY), -RESV_SECS_PER_DAY);
    assert_int_equal(resvDayStart(-RESV_SECS_PER_DAY - 1), -2 * RESV_SECS_PER_DAY);
    assert_int_equal(resvDayStart(0), 0);
    assert_int_equal(resvDayStart(RESV_SECS_PER_DAY - 1), 0);
    assert_int_equal(resvDayStart(oracle(2024, 2, 15, 18, 0, 0)), oracle(2024, 2, 15, 0, 0, 0));
    /* 1970-01-01T00:00:01Z in New York (UTC-5) */
    resvFormatDateTime(1 - 5 * 3600, buf);
    assert_string_equal(buf, "1969-12-31T19:00:01");
    resvDayOf(1 - 5 * 3600, day);
    assert_string_equal(day, "1969-12-31");
    resvFormatDateTime(-RESV_SECS_PER_DAY, buf);
    assert_string_equal(buf, "1969-12-31T00:00:00");
    /* a start instant from such a date keeps its day */
    resvSlot s = {18 * 60, 20 * 60};
    assert_int_equal(resvStartInstant(-3600, &s), -RESV_SECS_PER_DAY + 18 * 3600);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_before_1970),      cmocka_unit_test(test_dates_valid),
        cmocka_unit_test(test_dates_invalid),    cmocka_unit_test(test_datetimes),
        cmocka_unit_test(test_date_or_datetime), cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),       cmocka_unit_test(test_slots),
        cmocka_unit_test(test_start_instant),    cmocka_unit_test(test_record_start_and_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
