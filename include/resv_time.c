#include "resv_time.h"

#include <string.h>

static int timeDigits(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int timeIsLeap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int timeDaysInMonth(int y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && timeIsLeap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
int64_t resvDaysFromCivil(int y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void resvCivilFromDays(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Years 1970..9999: instants stay non-negative and every year four digits wide. */
int resvParseDate(const char *s, size_t len, resvInstant *out) {
    int y, m, d;
    if (len != RESV_DATE_LEN || s[4] != '-' || s[7] != '-') return -1;
    if (timeDigits(s, 4, &y) || timeDigits(s + 5, 2, &m) || timeDigits(s + 8, 2, &d)) return -1;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > timeDaysInMonth(y, m)) return -1;
    *out = resvDaysFromCivil(y, m, d) * RESV_SECS_PER_DAY;
    return 0;
}

static int timeParseClock(const char *s, int withSeconds, int *secs) {
    int h, mi, se = 0;
    if (s[2] != ':' || timeDigits(s, 2, &h) || timeDigits(s + 3, 2, &mi)) return -1;
    if (withSeconds && (s[5] != ':' || timeDigits(s + 6, 2, &se))) return -1;
    if (h > 23 || mi > 59 || se > 59) return -1;
    *secs = h * 3600 + mi * 60 + se;
    return 0;
}

int resvParseDateTime(const char *s, size_t len, resvInstant *out) {
    resvInstant day;
    int secs;
    if (len != RESV_DATETIME_LEN || s[10] != 'T') return -1;
    if (resvParseDate(s, RESV_DATE_LEN, &day) || timeParseClock(s + 11, 1, &secs)) return -1;
    *out = day + secs;
    return 0;
}

int resvParseDateOrDateTime(const char *s, size_t len, int endOfDay, resvInstant *out) {
    if (len == RESV_DATE_LEN) {
        if (resvParseDate(s, len, out)) return -1;
        if (endOfDay) *out += RESV_SECS_PER_DAY - 1;
        return 0;
    }
    return resvParseDateTime(s, len, out);
}

/* HH:MM or HH:MM-HH:MM; the end may be 24:00, and an end before the start runs past
 * midnight (a late seating), so only an empty slot is refused. */
int resvParseSlot(const char *s, size_t len, resvSlot *out) {
    int start, end;
    if (len != 5 && len != 11) return -1;
    if (timeParseClock(s, 0, &start)) return -1;
    out->start = start / 60;
    out->end = -1;
    if (len == 5) return 0;
    if (s[5] != '-') return -1;
    if (s[6] == '2' && s[7] == '4' && s[8] == ':' && s[9] == '0' && s[10] == '0')
        end = 24 * 3600;
    else if (timeParseClock(s + 6, 0, &end))
        return -1;
    if (end == start) return -1;
    out->end = end / 60;
    return 0;
}

static void timePutDigits(char *p, int n, int v) {
    while (n-- > 0) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

resvInstant resvDayStart(resvInstant t) {
    resvInstant r = t % RESV_SECS_PER_DAY;
    return t - (r < 0 ? r + RESV_SECS_PER_DAY : r);
}

/* Years 0..9999: the parsers' instants, and a store's clock (which may be a few hours
 * before 1970). */
void resvFormatDateTime(resvInstant t, char *buf) {
    resvInstant day = resvDayStart(t);
    int64_t secs = t - day;
    int y, m, d;
    resvCivilFromDays(day / RESV_SECS_PER_DAY, &y, &m, &d);
    memcpy(buf, "0000-00-00T00:00:00", RESV_DATETIME_LEN + 1);
    timePutDigits(buf, 4, y);
    timePutDigits(buf + 5, 2, m);
    timePutDigits(buf + 8, 2, d);
    timePutDigits(buf + 11, 2, (int)(secs / 3600));
    timePutDigits(buf + 14, 2, (int)(secs / 60 % 60));
    timePutDigits(buf + 17, 2, (int)(secs % 60));
}

resvInstant resvStartInstant(resvInstant date, const resvSlot *slot) {
    resvInstant day = resvDayStart(date);
    return slot ? day + (resvInstant)slot->start * 60 : date;
}

resvInstant resvRecordStart(const char *date, size_t dl, const char *slot, size_t tl) {
    resvInstant d;
    resvSlot sl;
    if (resvParseDateOrDateTime(date, dl, 0, &d)) return 0;
    return resvStartInstant(d, resvParseSlot(slot, tl, &sl) == 0 ? &sl : NULL);
}

void resvDayOf(resvInstant t, char day[RESV_DATE_LEN + 1]) {
    char buf[RESV_DATETIME_LEN + 1];
    resvFormatDateTime(resvDayStart(t), buf);
    memcpy(day, buf, RESV_DATE_LEN);
    day[RESV_DATE_LEN] = '\0';
}
