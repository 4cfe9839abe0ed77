/* Unit tests of include/resv_floor.c: the inventory and hold encodings, the window a
 * reservation holds, overlap, JOINS lists and the first free gap of a table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "resv_floor.h"

static resvInstant at(const char *dt) {
    resvInstant t;
    assert_int_equal(0, resvParseDateTime(dt, strlen(dt), &t));
    return t;
}

static void test_table_spec(void **state) {
    (void)state;
    char buf[RESV_FLOOR_VALUE_MAX];
    resvTableSpec t = {10, "V02,V03", 7, "包间|二楼", strlen("包间|二楼")}, d;
    size_t n = resvTableSpecEncode(&t, buf, sizeof buf);
    assert_int_equal(strlen("10|V02,V03|包间|二楼"), n);
    assert_memory_equal("10|V02,V03|包间|二楼", buf, n);
    assert_int_equal(0, resvTableSpecDecode(buf, n, &d));
    assert_int_equal(10, d.seats);
    assert_memory_equal("V02,V03", d.joins, d.joinsLen);
    assert_int_equal(strlen("包间|二楼"), d.areaLen);
    assert_int_equal(0, resvTableSpecDecode("4||", 3, &d));
    assert_int_equal(0, d.joinsLen + d.areaLen);
    assert_int_equal(-1, resvTableSpecDecode("0||", 3, &d));
    assert_int_equal(-1, resvTableSpecDecode("4|", 2, &d));
    assert_int_equal(-1, resvTableSpecDecode("x4||", 4, &d));
    assert_int_equal(0, resvTableSpecEncode(&t, buf, 8)); /* does not fit */
}

static void test_joins(void **state) {
    (void)state;
    assert_true(resvJoinsValid("T2,T3", 5, "T1", 2));
    assert_false(resvJoinsValid("T2,T1", 5, "T1", 2)); /* itself */
    assert_false(resvJoinsValid("T2,T2", 5, "T1", 2));
    assert_false(resvJoinsValid("T2,", 3, "T1", 2));
    assert_false(resvJoinsValid("", 0, "T1", 2));
    /* each one a table's name: at most 32 bytes, so the inventory value always fits */
    char j[8 * 34];
    memset(j, 'x', sizeof j);
    for (int i = 0; i < 8; i++)
        j[i * 34 + 33] = ',', j[i * 34] = (char)('a' + i);
    assert_false(resvJoinsValid(j, 8 * 34 - 1, "T1", 2)); /* 8 tables of 33 bytes */
    memset(j, 'x', sizeof j);
    for (int i = 0; i < 8; i++)
        j[i * 33 + 32] = ',', j[i * 33] = (char)('a' + i);
    assert_true(resvJoinsValid(j, 8 * 33 - 1, "T1", 2)); /* 8 tables of 32 bytes */
    resvTableSpec big = {999, j, 8 * 33 - 1, NULL, 0};
    char area[257], buf[RESV_FLOOR_VALUE_MAX];
    for (int i = 0; i < 64; i++)
        memcpy(area + 4 * i, "\xF0\x9F\x98\x80", 4); /* 64 characters of 4 bytes */
    big.area = area;
    big.areaLen = 256;
    assert_int_equal(3 + 1 + 263 + 1 + 256, resvTableSpecEncode(&big, buf, sizeof buf));
    assert_true(resvJoinsHas("T2,T3", 5, "T3", 2));
    assert_false(resvJoinsHas("T2,T33", 6, "T3", 2));
    assert_false(resvJoinsHas("", 0, "T3", 2));
}

/* The slot's length, across midnight too; turn_minutes when the slot has no end. */
static void test_hold_window(void **state) {
    (void)state;
    resvInstant s, e;
    assert_int_equal(0, resvHoldWindow("2024-03-01", 10, "18:00-20:00", 11, 90, &s, &e));
    assert_int_equal(at("2024-03-01T18:00:00"), s);
    assert_int_equal(at("2024-03-01T20:00:00"), e);
    assert_int_equal(0, resvHoldWindow("2024-03-01", 10, "23:00-01:00", 11, 90, &s, &e));
    assert_int_equal(at("2024-03-02T01:00:00"), e);
    assert_int_equal(0, resvHoldWindow("2024-03-01", 10, "19:45", 5, 90, &s, &e));
    assert_int_equal(at("2024-03-01T21:15:00"), e);
    assert_int_equal(0, resvHoldWindow("2024-03-01T12:30:00", 19, "", 0, 60, &s, &e));
    assert_int_equal(at("2024-03-01T12:30:00"), s);
    assert_int_equal(at("2024-03-01T13:30:00"), e);
    assert_int_equal(-1, resvHoldWindow("2024-3-1", 8, "", 0, 60, &s, &e));
    /* half-open: back to back is no overlap */
    assert_false(resvHoldsOverlap(0, 10, 10, 20));
    assert_true(resvHoldsOverlap(0, 11, 10, 20));
    assert_true(resvHoldsOverlap(12, 13, 10, 20));
    assert_false(resvHoldsOverlap(20, 30, 10, 20));
}

static void test_held(void **state) {
    (void)state;
    char buf[RESV_FLOOR_VALUE_MAX];
    resvInstant s, e;
    const char *t;
    size_t tl, n = resvHeldEncode(100, 5500, "V01+V02", 7, buf, sizeof buf);
    assert_memory_equal("100|5500|V01+V02", buf, n);
    assert_int_equal(0, resvHeldDecode(buf, n, &s, &e, &t, &tl));
    assert_int_equal(100, s);
    assert_int_equal(5500, e);
    assert_memory_equal("V01+V02", t, tl);
    assert_int_equal(-1, resvHeldDecode("5|4|T", 5, &s, &e, &t, &tl)); /* ends before */
    assert_int_equal(-1, resvHeldDecode("5|6|", 4, &s, &e, &t, &tl));
    assert_int_equal(-1, resvHeldDecode("5|6", 3, &s, &e, &t, &tl));
}

static void test_slots_and_gaps(void **state) {
    (void)state;
    assert_int_equal(48, resvFloorSlotCount(30));
    assert_int_equal(16, resvFloorSlotCount(90));
    assert_int_equal(17, resvFloorSlotCount(85)); /* the last one is short */
    resvInstant st[] = {100, 150, 400}, en[] = {200, 300, 500};
    assert_int_equal(0, resvFloorFirstGap(0, 100, st, en, 3));   /* before the first */
    assert_int_equal(500, resvFloorFirstGap(0, 101, st, en, 3)); /* 300..400 is too short */
    assert_int_equal(500, resvFloorFirstGap(250, 150, st, en, 3));
    assert_int_equal(300, resvFloorFirstGap(250, 100, st, en, 3));
    assert_int_equal(7, resvFloorFirstGap(7, 100, st, en, 0));
}

/* The parties pacing counts, and a day's load: a start minute per field, summable into
 * slots of any length, "covers|parties" per value. */
static void test_load(void **state) {
    (void)state;
    static const int counted[RESV_S_COUNT] = {[RESV_S_PENDING] = 1,
                                              [RESV_S_CONFIRMED] = 1,
                                              [RESV_S_ARRIVED] = 1,
                                              [RESV_S_SEATED] = 1,
                                              [RESV_S_COMPLETED] = 1};
    for (int s = 0; s < RESV_S_COUNT; s++)
        assert_int_equal(counted[s], resvFloorCounts((resvStatus)s));
    assert_int_equal(12, resvFloorParty("12", 2));
    assert_int_equal(0, resvFloorParty(NULL, 0)); /* unset */
    assert_int_equal(0, resvFloorParty("x", 1));
    assert_int_equal(0, resvFloorParty("-3", 2));
    char f[RESV_LOAD_FIELD_LEN + 1], v[RESV_LOAD_VALUE_MAX];
    resvInstant day = 19783 * (resvInstant)RESV_SECS_PER_DAY; /* 2024-03-01 */
    resvLoadField(day + 18 * 3600 + 15 * 60 + 59, f);         /* seconds dropped */
    assert_string_equal("18:15", f);
    assert_int_equal(18 * 60 + 15, resvLoadFieldParse(f, 5));
    resvLoadField(day, f);
    assert_string_equal("00:00", f);
    resvLoadField(day + RESV_SECS_PER_DAY - 1, f);
    assert_string_equal("23:59", f);
    resvLoadField(-60, f); /* before 1970: the minute of its own day */
    assert_string_equal("23:59", f);
    assert_int_equal(-1, resvLoadFieldParse("24:00", 5));
    assert_int_equal(-1, resvLoadFieldParse("18:60", 5));
    assert_int_equal(-1, resvLoadFieldParse("1800", 4));
    assert_int_equal(-1, resvLoadFieldParse("-1:00", 5));
    long c, p;
    size_t n = resvLoadEncode(37, 9, v);
    assert_memory_equal("37|9", v, n);
    assert_int_equal(0, resvLoadDecode(v, n, &c, &p));
    assert_int_equal(37, c);
    assert_int_equal(9, p);
    assert_int_equal(0, resvLoadDecode("0|1", 3, &c, &p));  /* a party without covers */
    assert_int_equal(-1, resvLoadDecode("3|0", 3, &c, &p)); /* no party: never stored */
    assert_int_equal(-1, resvLoadDecode("-3|1", 4, &c, &p));
    assert_int_equal(-1, resvLoadDecode("3", 1, &c, &p));
    assert_int_equal(-1, resvLoadDecode("3|", 2, &c, &p));
}

/* Every slot a hold blocks, against resvHoldsOverlap slot by slot: holds before, inside,
 * across and after the day, on and off the slots' edges, of no length too. */
static void test_slots_held(void **state) {
    (void)state;
    const resvInstant day = 19783 * (resvInstant)RESV_SECS_PER_DAY;
    const int minutes[] = {30, 45, 5, 240};
    const resvInstant turns[] = {90 * 60, 15 * 60, 720 * 60};
    for (size_t m = 0; m < sizeof minutes / sizeof minutes[0]; m++) {
        int n = resvFloorSlotCount(minutes[m]);
        resvInstant slot = minutes[m] * 60;
        for (size_t t = 0; t < sizeof turns / sizeof turns[0]; t++) {
            for (resvInstant hs = day - 86400; hs < day + 2 * 86400; hs += 7 * 60 + 30) {
                for (resvInstant len = 0; len <= 4 * 3600; len += 25 * 60) {
                    int first, last;
                    resvFloorSlotsHeld(day, slot, n, turns[t], hs, hs + len, &first, &last);
                    for (int k = 0; k < n; k++) {
                        resvInstant s = day + k * slot;
                        int want = resvHoldsOverlap(s, s + turns[t], hs, hs + len);
                        assert_int_equal(want, k >= first && k <= last);
                    }
                }
            }
        }
    }
}

/* A joined pair is free when both tables are, for the whole length. */
static void test_pair_gap(void **state) {
    (void)state;
    resvInstant as[] = {100, 400}, ae[] = {200, 500}, bs[] = {150, 600}, be[] = {300, 700};
    assert_int_equal(0, resvFloorFirstGapBoth(0, 100, as, ae, 2, bs, be, 2));
    /* a free at 200, b busy until 300; then a's 300..400 fits 100, b free then */
    assert_int_equal(300, resvFloorFirstGapBoth(150, 100, as, ae, 2, bs, be, 2));
    /* 150 long: not before a's second hold (300..400 too short), b's after it */
    assert_int_equal(700, resvFloorFirstGapBoth(150, 150, as, ae, 2, bs, be, 2));
    assert_int_equal(9, resvFloorFirstGapBoth(9, 150, as, ae, 0, bs, be, 0));
}

/* The pacing refusal reads back as the numbers it was written with, whole texts only. */
static void test_capacity_text(void **state) {
    (void)state;
    char buf[128];
    long n[4];
    snprintf(buf, sizeof buf, RESV_FLOOR_CAPACITY_FMT, 11L, 10L, 3L, 0L);
    assert_string_equal("capacity: covers 11/10 parties 3/0 in the slot", buf);
    assert_int_equal(0, resvFloorCapacityParse(buf, n));
    assert_int_equal(11, n[0]);
    assert_int_equal(10, n[1]);
    assert_int_equal(3, n[2]);
    assert_int_equal(0, n[3]);
    assert_int_equal(-1, resvFloorCapacityParse("capacity: covers 11/10 parties 3/0", n));
    assert_int_equal(-1,
                     resvFloorCapacityParse("capacity: covers 11/10 parties 3/0 in the slotx", n));
    assert_int_equal(-1, resvFloorCapacityParse("table V01 is held by R1", n));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_spec),     cmocka_unit_test(test_joins),
        cmocka_unit_test(test_hold_window),    cmocka_unit_test(test_held),
        cmocka_unit_test(test_slots_and_gaps), cmocka_unit_test(test_load),
        cmocka_unit_test(test_slots_held),     cmocka_unit_test(test_pair_gap),
        cmocka_unit_test(test_capacity_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
