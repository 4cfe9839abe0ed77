/* Unit tests of include/resv_tz.c against the system's tz database (Debian tzdata):
 * conversions both ways across the daylight saving changes of 2026, an instant past
 * the last transition of a file (the footer rule), zone names, and files that are
 * not what they claim. The expected values were checked against Python's zoneinfo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resv_time.h"
#include "resv_tz.h"

#define H 3600

static resvInstant at(const char *s) {
    resvInstant t;
    assert_int_equal(resvParseDateTime(s, strlen(s), &t), 0);
    return t;
}

static resvTz *load(const char *name) {
    const char *why = NULL;
    resvTz *tz = resvTzLoad(NULL, name, strlen(name), &why);
    if (tz == NULL) fail_msg("%s: %s", name, why);
    return tz;
}

/* The UTC instant utc shows wall with offset. */
static void assertLocal(const resvTz *tz, const char *utc, const char *wall, int32_t offset) {
    resvInstant w;
    int32_t off;
    char buf[RESV_DATETIME_LEN + 1];
    assert_int_equal(resvTzToLocal(tz, at(utc), &w, &off), 0);
    resvFormatDateTime(w, buf);
    assert_string_equal(buf, wall);
    assert_int_equal(off, offset);
}

/* The wall clock time wall is the UTC instant utc, and is unique, skipped or repeated. */
static void assertUtc(const resvTz *tz, const char *wall, const char *utc, resvTzWall kind) {
    int64_t u = -1;
    char buf[RESV_DATETIME_LEN + 1];
    assert_int_equal(resvTzToUtc(tz, at(wall), &u), kind);
    resvFormatDateTime(u, buf);
    assert_string_equal(buf, utc);
}

static unsigned char *readFile(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = malloc(RESV_TZ_FILE_MAX + 1);
    assert_non_null(f);
    assert_non_null(buf);
    *len = fread(buf, 1, RESV_TZ_FILE_MAX + 1, f);
    fclose(f);
    assert_true(*len > 0 && *len <= RESV_TZ_FILE_MAX);
    return buf;
}

static void test_shanghai(void **state) {
    (void)state;
    resvTz *tz = load("Asia/Shanghai");
    assertLocal(tz, "2026-07-01T16:30:00", "2026-07-02T00:30:00", 8 * H);
    assertLocal(tz, "2026-01-01T00:00:00", "2026-01-01T08:00:00", 8 * H);
    assertUtc(tz, "2026-07-02T00:30:00", "2026-07-01T16:30:00", RESV_TZ_WALL_UNIQUE);
    /* no daylight saving: the US and EU change nights are ordinary */
    assertUtc(tz, "2026-03-08T02:30:00", "2026-03-07T18:30:00", RESV_TZ_WALL_UNIQUE);
    assertUtc(tz, "2026-10-25T01:30:00", "2026-10-24T17:30:00", RESV_TZ_WALL_UNIQUE);
    resvTzFree(tz);
}

/* 2026-03-08 02:00 PST -> 03:00 PDT (10:00Z). */
static void test_los_angeles_spring(void **state) {
    (void)state;
    resvTz *tz = load("America/Los_Angeles");
    assertLocal(tz, "2026-03-08T09:59:59", "2026-03-08T01:59:59", -8 * H);
    assertLocal(tz, "2026-03-08T10:00:00", "2026-03-08T03:00:00", -7 * H);
    assertUtc(tz, "2026-03-08T01:59:59", "2026-03-08T09:59:59", RESV_TZ_WALL_UNIQUE);
    assertUtc(tz, "2026-03-08T03:00:00", "2026-03-08T10:00:00", RESV_TZ_WALL_UNIQUE);
    /* skipped: forward by the hour, 02:30 is the instant shown as 03:30 */
    assertUtc(tz, "2026-03-08T02:00:00", "2026-03-08T10:00:00", RESV_TZ_WALL_SKIPPED);
    assertUtc(tz, "2026-03-08T02:30:00", "2026-03-08T10:30:00", RESV_TZ_WALL_SKIPPED);
    assertUtc(tz, "2026-03-08T02:59:59", "2026-03-08T10:59:59", RESV_TZ_WALL_SKIPPED);
    assertLocal(tz, "2026-03-08T10:30:00", "2026-03-08T03:30:00", -7 * H);
    resvTzFree(tz);
}

/* 2026-11-01 02:00 PDT -> 01:00 PST (09:00Z). */
static void test_los_angeles_fall(void **state) {
    (void)state;
    resvTz *tz = load("America/Los_Angeles");
    assertLocal(tz, "2026-11-01T08:59:59", "2026-11-01T01:59:59", -7 * H);
    assertLocal(tz, "2026-11-01T09:00:00", "2026-11-01T01:00:00", -8 * H);
    assertLocal(tz, "2026-11-01T08:30:00", "2026-11-01T01:30:00", -7 * H);
    assertLocal(tz, "2026-11-01T09:30:00", "2026-11-01T01:30:00", -8 * H);
    /* repeated: the earlier instant, still in daylight saving time */
    assertUtc(tz, "2026-11-01T01:00:00", "2026-11-01T08:00:00", RESV_TZ_WALL_REPEATED);
    assertUtc(tz, "2026-11-01T01:30:00", "2026-11-01T08:30:00", RESV_TZ_WALL_REPEATED);
    assertUtc(tz, "2026-11-01T01:59:59", "2026-11-01T08:59:59", RESV_TZ_WALL_REPEATED);
    assertUtc(tz, "2026-11-01T00:59:59", "2026-11-01T07:59:59", RESV_TZ_WALL_UNIQUE);
    assertUtc(tz, "2026-11-01T02:00:00", "2026-11-01T10:00:00", RESV_TZ_WALL_UNIQUE);
    resvTzFree(tz);
}

/* 2026-03-29 01:00 GMT -> 02:00 BST, 2026-10-25 02:00 BST -> 01:00 GMT. */
static void test_london(void **state) {
    (void)state;
    resvTz *tz = load("Europe/London");
    assertLocal(tz, "2026-03-29T00:59:59", "2026-03-29T00:59:59", 0);
    assertLocal(tz, "2026-03-29T01:00:00", "2026-03-29T02:00:00", H);
    assertLocal(tz, "2026-10-25T00:59:59", "2026-10-25T01:59:59", H);
    assertLocal(tz, "2026-10-25T01:00:00", "2026-10-25T01:00:00", 0);
    assertUtc(tz, "2026-03-29T01:30:00", "2026-03-29T01:30:00", RESV_TZ_WALL_SKIPPED);
    assertUtc(tz, "2026-10-25T01:30:00", "2026-10-25T00:30:00", RESV_TZ_WALL_REPEATED);
    assertUtc(tz, "2026-07-01T13:00:00", "2026-07-01T12:00:00", RESV_TZ_WALL_UNIQUE);
    resvTzFree(tz);
}

static void test_utc(void **state) {
    (void)state;
    resvTz *tz = load("UTC");
    const char *times[] = {"1970-01-01T00:00:00", "2026-03-08T02:30:00", "2026-11-01T01:30:00",
                           "2100-07-01T12:00:00", "9999-12-31T23:59:59"};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        assertLocal(tz, times[i], times[i], 0);
        assertUtc(tz, times[i], times[i], RESV_TZ_WALL_UNIQUE);
    }
    resvInstant wall = 7;
    int64_t utc = 7;
    assert_int_equal(resvTzToLocal(tz, RESV_TZ_INSTANT_MAX, &wall, NULL), 0);
    assert_int_equal(resvTzToLocal(tz, -RESV_TZ_INSTANT_MAX - 1, &wall, NULL), -1);
    assert_int_equal(resvTzToUtc(tz, RESV_TZ_WALL_MAX, &utc), RESV_TZ_WALL_UNIQUE);
    assert_int_equal(resvTzToUtc(tz, RESV_TZ_WALL_MAX + 1, &utc), RESV_TZ_WALL_RANGE);
    assert_int_equal(utc, RESV_TZ_WALL_MAX);
    resvTzFree(tz);
}

/* tzdata's files end their transitions by 2037: 2100 comes from the footer rule
 * PST8PDT,M3.2.0,M11.1.0 (second Sunday of March 2100 is the 14th, first of November
 * the 7th). */
static void test_beyond_last_transition(void **state) {
    (void)state;
    resvTz *tz = load("America/Los_Angeles");
    assertLocal(tz, "2100-03-14T09:59:59", "2100-03-14T01:59:59", -8 * H);
    assertLocal(tz, "2100-03-14T10:00:00", "2100-03-14T03:00:00", -7 * H);
    assertLocal(tz, "2100-11-07T08:59:59", "2100-11-07T01:59:59", -7 * H);
    assertLocal(tz, "2100-11-07T09:00:00", "2100-11-07T01:00:00", -8 * H);
    assertUtc(tz, "2100-03-14T02:30:00", "2100-03-14T10:30:00", RESV_TZ_WALL_SKIPPED);
    assertUtc(tz, "2100-11-07T01:30:00", "2100-11-07T08:30:00", RESV_TZ_WALL_REPEATED);
    assertUtc(tz, "2100-07-01T05:00:00", "2100-07-01T12:00:00", RESV_TZ_WALL_UNIQUE);
    resvTzFree(tz);
    tz = load("Europe/London");
    assertLocal(tz, "2100-07-01T12:00:00", "2100-07-01T13:00:00", H);
    resvTzFree(tz);
}

/* +10:30 in winter, +11:00 in summer: a daylight saving change of 30 minutes. */
static void test_lord_howe(void **state) {
    (void)state;
    if (access(RESV_TZ_DIR "/Australia/Lord_Howe", R_OK) != 0) skip();
    resvTz *tz = load("Australia/Lord_Howe");
    assertLocal(tz, "2026-04-04T14:59:59", "2026-04-05T01:59:59", 11 * H);
    assertLocal(tz, "2026-04-04T15:00:00", "2026-04-05T01:30:00", 10 * H + 1800);
    assertLocal(tz, "2026-10-03T15:29:59", "2026-10-04T01:59:59", 10 * H + 1800);
    assertLocal(tz, "2026-10-03T15:30:00", "2026-10-04T02:30:00", 11 * H);
    assertUtc(tz, "2026-04-05T01:45:00", "2026-04-04T14:45:00", RESV_TZ_WALL_REPEATED);
    assertUtc(tz, "2026-04-05T01:29:59", "2026-04-04T14:29:59", RESV_TZ_WALL_UNIQUE);
    assertUtc(tz, "2026-10-04T02:15:00", "2026-10-03T15:45:00", RESV_TZ_WALL_SKIPPED);
    assertUtc(tz, "2026-10-04T02:30:00", "2026-10-03T15:30:00", RESV_TZ_WALL_UNIQUE);
    resvTzFree(tz);
}

static void test_names(void **state) {
    (void)state;
    const char *good[] = {"Asia/Shanghai",
                          "UTC",
                          "Etc/GMT+5",
                          "Etc/GMT-14",
                          "America/Port-au-Prince",
                          "America/Argentina/Buenos_Aires"};
    const char *bad[] = {
        "",         "../etc/passwd",  "/abs",           "/etc/passwd",     "Asia/../../etc/passwd",
        "Asia/..",  "Asia//Shanghai", "Asia/",          "asia/shanghai",   "right/Asia/Shanghai",
        "zone.tab", "Asia/Shang hai", "Asia\\Shanghai", "Asia/Shanghai\n", "Europe/Zürich"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(resvTzNameValid(good[i], strlen(good[i])));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *why = NULL;
        assert_false(resvTzNameValid(bad[i], strlen(bad[i])));
        assert_null(resvTzLoad(NULL, bad[i], strlen(bad[i]), &why));
        assert_string_equal(why, "must be an IANA time zone name such as Asia/Shanghai");
    }
    char longest[RESV_TZ_NAME_MAX + 2];
    memset(longest, 'A', sizeof(longest));
    assert_true(resvTzNameValid(longest, RESV_TZ_NAME_MAX));
    assert_false(resvTzNameValid(longest, RESV_TZ_NAME_MAX + 1));
    /* the length given is the name: an embedded NUL is a bad byte, not the end */
    assert_false(resvTzNameValid("Asia/Shanghai\0x", 15));
    assert_true(resvTzNameValid("Asia/ShanghaiXX", 13));

    const char *why = NULL;
    assert_null(resvTzLoad(NULL, "Asia/Nowhere", 12, &why));
    assert_string_equal(why, "unknown time zone");
    assert_null(resvTzLoad(NULL, "Asia", 4, &why)); /* a directory */
    assert_string_equal(why, "unknown time zone");
    assert_null(resvTzLoad("/nonexistent-tz-dir", "Asia/Shanghai", 13, &why));
    assert_string_equal(why, "unknown time zone");
}

/* A zone is loaded from the directory given, not only the system's. */
static void test_load_from_dir(void **state) {
    (void)state;
    char dir[] = "/tmp/resv-tz-XXXXXX", sub[64], path[96];
    size_t len;
    unsigned char *bytes = readFile(RESV_TZ_DIR "/America/Los_Angeles", &len);
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof(sub), "%s/Test", dir);
    snprintf(path, sizeof(path), "%s/Zone", sub);
    assert_int_equal(mkdir(sub, 0700), 0);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);

    const char *why = NULL;
    resvTz *tz = resvTzLoad(dir, "Test/Zone", 9, &why);
    assert_non_null(tz);
    assertLocal(tz, "2026-03-08T10:00:00", "2026-03-08T03:00:00", -7 * H);
    resvTzFree(tz);
    assert_null(resvTzLoad(dir, "Asia/Shanghai", 13, &why));
    assert_string_equal(why, "unknown time zone");

    unlink(path);
    rmdir(sub);
    rmdir(dir);
    free(bytes);
}

static void put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A version 2 file without transitions: one time type, then the footer rule. */
static size_t buildRuleOnly(unsigned char *buf, int32_t offset, const char *footer) {
    size_t n = 0;
    for (int part = 0; part < 2; part++) {
        memset(buf + n, 0, 44);
        memcpy(buf + n, "TZif2", 5);
        put32(buf + n + 36, 1); /* typecnt */
        put32(buf + n + 40, 4); /* charcnt */
        n += 44;
        put32(buf + n, (uint32_t)offset);
        buf[n + 4] = 0;
        buf[n + 5] = 0;
        memcpy(buf + n + 6, "XXX", 4);
        n += 10;
    }
    buf[n++] = '\n';
    memcpy(buf + n, footer, strlen(footer));
    n += strlen(footer);
    buf[n++] = '\n';
    return n;
}

static resvTz *parseRule(const char *footer) {
    unsigned char buf[512];
    const char *why = NULL;
    size_t len = buildRuleOnly(buf, 0, footer);
    resvTz *tz = resvTzParse(buf, len, &why);
    if (tz == NULL) fail_msg("%s: %s", footer, why);
    return tz;
}

/* Every form of POSIX rule date and time that tzdata uses, without any transition. */
static void test_footer_rules(void **state) {
    (void)state;
    resvTz *tz = parseRule("CST-8"); /* no daylight saving */
    assertLocal(tz, "2026-07-01T00:00:00", "2026-07-01T08:00:00", 8 * H);
    resvTzFree(tz);

    /* Jerusalem: Friday before the last Sunday of March at 26:00, i.e. Friday 02:00 */
    tz = parseRule("IST-2IDT,M3.4.4/26,M10.5.0");
    assertLocal(tz, "2026-03-26T23:59:59", "2026-03-27T01:59:59", 2 * H);
    assertLocal(tz, "2026-03-27T00:00:00", "2026-03-27T03:00:00", 3 * H);
    resvTzFree(tz);

    /* Nuuk: a negative rule time, the change at 23:00 of the Saturday */
    tz = parseRule("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    assertLocal(tz, "2026-03-29T00:59:59", "2026-03-28T22:59:59", -2 * H);
    assertLocal(tz, "2026-03-29T01:00:00", "2026-03-29T00:00:00", -1 * H);
    resvTzFree(tz);

    /* southern hemisphere: daylight saving across the new year */
    tz = parseRule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
    assertLocal(tz, "2026-01-01T00:00:00", "2026-01-01T11:00:00", 11 * H);
    assertLocal(tz, "2026-07-01T00:00:00", "2026-07-01T10:30:00", 10 * H + 1800);
    resvTzFree(tz);

    /* daylight saving all year (RFC 8536 3.3.1) */
    tz = parseRule("EST5EDT,0/0,J365/25");
    assertLocal(tz, "2026-01-01T04:30:00", "2026-01-01T00:30:00", -4 * H);
    assertLocal(tz, "2026-07-01T12:00:00", "2026-07-01T08:00:00", -4 * H);
    assertLocal(tz, "2026-12-31T23:30:00", "2026-12-31T19:30:00", -4 * H);
    resvTzFree(tz);

    /* Jn never counts February 29, n does: in 2024 both are March 1, in 2025 n=60 is
     * March 2 */
    tz = parseRule("AAA0BBB,J60/0,J300/0");
    assertLocal(tz, "2024-03-01T00:00:00", "2024-03-01T01:00:00", H);
    assertLocal(tz, "2025-03-01T00:00:00", "2025-03-01T01:00:00", H);
    resvTzFree(tz);
    tz = parseRule("AAA0BBB,60/0,300/0");
    assertLocal(tz, "2024-03-01T00:00:00", "2024-03-01T01:00:00", H);
    assertLocal(tz, "2025-03-01T00:00:00", "2025-03-01T00:00:00", 0);
    assertLocal(tz, "2025-03-02T00:00:00", "2025-03-02T01:00:00", H);
    resvTzFree(tz);

    const char *bad[] = {"X0",
                         "CST",
                         "CST-8CDT",
                         "EST5EDT,M3.2.0",
                         "EST5EDT,M13.2.0,M11.1.0",
                         "EST5EDT,M3.6.0,M11.1.0",
                         "EST5EDT,M3.2.7,M11.1.0",
                         "EST5EDT,J0,J365",
                         "EST5EDT,M3.2.0/168,M11.1.0",
                         "EST25",
                         "<AB>5",
                         "EST5EDT,M3.2.0,M11.1.0x",
                         "EST5:60"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char buf[512];
        const char *why = NULL;
        size_t len = buildRuleOnly(buf, 0, bad[i]);
        if (resvTzParse(buf, len, &why) != NULL) fail_msg("accepted footer %s", bad[i]);
        assert_string_equal(why, "bad tz file footer rule");
    }
}

/* A file cut anywhere or with a damaged header or table is refused, never read past. */
static void test_truncated_and_corrupted(void **state) {
    (void)state;
    size_t len;
    const char *why = NULL;
    unsigned char *orig = readFile(RESV_TZ_DIR "/America/Los_Angeles", &len);
    resvTz *tz = resvTzParse(orig, len, &why);
    assert_non_null(tz);
    resvTzFree(tz);

    for (size_t cut = 0; cut < len; cut++) {
        /* an exact-size copy so that a read past the end is an ASan report */
        unsigned char *copy = malloc(cut ? cut : 1);
        memcpy(copy, orig, cut);
        why = NULL;
        assert_null(resvTzParse(copy, cut, &why));
        assert_non_null(why);
        free(copy);
    }

    unsigned char *bytes = calloc(1, RESV_TZ_FILE_MAX + 1);
    struct {
        size_t at;
        unsigned char value;
        const char *why;
    } damage[] = {
        {0, 'X', "not a TZif file"},
        {4, '1', "TZif version 1 is not supported (needs 2 or later)"},
        {4, 0, "TZif version 1 is not supported (needs 2 or later)"},
        {32, 0x7f, "tz file has too many entries"}, /* v1 timecnt */
    };
    for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
        memcpy(bytes, orig, len);
        bytes[damage[i].at] = damage[i].value;
        assert_null(resvTzParse(bytes, len, &why));
        assert_string_equal(why, damage[i].why);
    }

    /* the version 2 part: its header follows the version 1 data */
    uint32_t c1[6];
    for (int i = 0; i < 6; i++)
        c1[i] = (uint32_t)orig[20 + 4 * i] << 24 | (uint32_t)orig[21 + 4 * i] << 16 |
                (uint32_t)orig[22 + 4 * i] << 8 | orig[23 + 4 * i];
    size_t h2 = 44 + c1[3] * 5 + c1[4] * 6 + c1[5] + c1[2] * 8 + c1[1] + c1[0];
    uint32_t times = (uint32_t)orig[h2 + 32] << 24 | (uint32_t)orig[h2 + 33] << 16 |
                     (uint32_t)orig[h2 + 34] << 8 | orig[h2 + 35];
    assert_true(times > 2);
    size_t data = h2 + 44;

    memcpy(bytes, orig, len);
    put32(bytes + h2 + 28, 1); /* a leap second */
    assert_null(resvTzParse(bytes, len, &why));
    assert_string_equal(why, "tz files with leap seconds are not supported");

    memcpy(bytes, orig, len);
    put32(bytes + h2 + 36, 0); /* no time type */
    assert_null(resvTzParse(bytes, len, &why));

    memcpy(bytes, orig, len);
    memcpy(bytes + data + 8, bytes + data, 8); /* two equal transition times */
    assert_null(resvTzParse(bytes, len, &why));
    assert_string_equal(why, "tz file transitions out of order");

    memcpy(bytes, orig, len);
    bytes[data + 8 * times] = 0xff; /* a type index out of range */
    assert_null(resvTzParse(bytes, len, &why));
    assert_string_equal(why, "bad tz file transition type");

    memcpy(bytes, orig, len);
    bytes[len - 3] = '!'; /* PST8PDT,M3.2.0,M11.1!0 */
    assert_null(resvTzParse(bytes, len, &why));
    assert_string_equal(why, "bad tz file footer rule");

    memcpy(bytes, orig, len);
    bytes[len] = 'x'; /* something after the footer */
    assert_null(resvTzParse(bytes, len + 1, &why));
    assert_string_equal(why, "bad tz file footer");

    assert_null(resvTzParse(bytes, RESV_TZ_FILE_MAX + 1, &why));
    assert_string_equal(why, "tz file too large");
    free(bytes);
    free(orig);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shanghai),
        cmocka_unit_test(test_los_angeles_spring),
        cmocka_unit_test(test_los_angeles_fall),
        cmocka_unit_test(test_london),
        cmocka_unit_test(test_utc),
        cmocka_unit_test(test_beyond_last_transition),
        cmocka_unit_test(test_lord_howe),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_load_from_dir),
        cmocka_unit_test(test_footer_rules),
        cmocka_unit_test(test_truncated_and_corrupted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
