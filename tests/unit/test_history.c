/* Unit tests of include/resv_history.c: the audit entry's list element format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "resv_history.h"

static resvHistoryEntry entry(const char *payload, size_t plen, int has) {
    static const char *const vals[RESV_H_PAYLOAD] = {
        "2024-02-15T18:00:00",  "webhook",   "yiding", "reservation.created",
        "customer_name,status", "confirmed", ""};
    resvHistoryEntry e;
    memset(&e, 0, sizeof e);
    for (int i = 0; i < RESV_H_PAYLOAD; i++)
        e.v[i] = vals[i], e.len[i] = strlen(vals[i]);
    e.v[RESV_H_PAYLOAD] = payload;
    e.len[RESV_H_PAYLOAD] = plen;
    e.hasPayload = has;
    return e;
}

/* Encodes, decodes, and checks every field byte for byte. */
static void roundTrip(const resvHistoryEntry *e) {
    size_t n = resvHistoryEncodedLen(e);
    char *buf = malloc(n + 1);
    assert_int_equal(0, resvHistoryEncode(e, buf));
    resvHistoryEntry d;
    assert_int_equal(0, resvHistoryDecode(buf, n, &d));
    assert_int_equal(e->hasPayload, d.hasPayload);
    for (int i = 0; i < RESV_H_COUNT; i++) {
        size_t want = e->v[i] && (i < RESV_H_PAYLOAD || e->hasPayload) ? e->len[i] : 0;
        assert_int_equal(want, d.len[i]);
        if (want) assert_memory_equal(e->v[i], d.v[i], want);
    }
    free(buf);
}

static void test_layout(void **state) {
    (void)state;
    resvHistoryEntry e = entry("{}", 2, 1);
    char buf[256];
    size_t n = resvHistoryEncodedLen(&e);
    static const char want[] = "2024-02-15T18:00:00\0webhook\0yiding\0reservation.created\0"
                               "customer_name,status\0confirmed\0\0{}";
    assert_int_equal(sizeof want - 1, n);
    assert_int_equal(0, resvHistoryEncode(&e, buf));
    assert_memory_equal(want, buf, n);
    /* without a payload: no seventh separator */
    e.hasPayload = 0;
    assert_int_equal(sizeof want - 1 - 3, resvHistoryEncodedLen(&e));
}

static void test_payload_any_bytes(void **state) {
    (void)state;
    static const char raw[] = "{\"name\":\"张三\"}\0\0\xff\r\n第二行\0";
    resvHistoryEntry e = entry(raw, sizeof raw - 1, 1);
    roundTrip(&e);
    e = entry("", 0, 1); /* an empty payload is kept as given */
    roundTrip(&e);
    e = entry(NULL, 0, 0);
    roundTrip(&e);
    e.v[RESV_H_NOTE] = "ignored status pending";
    e.len[RESV_H_NOTE] = strlen(e.v[RESV_H_NOTE]);
    roundTrip(&e);
    for (int i = 0; i < RESV_H_PAYLOAD; i++)
        e.v[i] = NULL, e.len[i] = 0; /* every field empty */
    roundTrip(&e);
}

static void test_nul_refused_outside_payload(void **state) {
    (void)state;
    char buf[256];
    for (int i = 0; i < RESV_H_PAYLOAD; i++) {
        resvHistoryEntry e = entry("p", 1, 1);
        e.v[i] = "a\0b";
        e.len[i] = 3;
        memset(buf, 'x', sizeof buf);
        assert_int_equal(-1, resvHistoryEncode(&e, buf));
        assert_int_equal('x', buf[0]); /* nothing written */
    }
}

static void test_decode_foreign_elements(void **state) {
    (void)state;
    resvHistoryEntry d;
    /* an element pushed by hand: no crash, what is there is kept, the rest is empty */
    assert_int_equal(-1, resvHistoryDecode("hello", 5, &d));
    assert_int_equal(5, d.len[RESV_H_AT]);
    assert_memory_equal("hello", d.v[RESV_H_AT], 5);
    for (int i = 1; i < RESV_H_COUNT; i++)
        assert_int_equal(0, d.len[i]);
    assert_int_equal(0, d.hasPayload);
    assert_int_equal(-1, resvHistoryDecode("", 0, &d));
    assert_int_equal(-1, resvHistoryDecode("a\0b\0c", 5, &d));
    assert_int_equal(1, d.len[RESV_H_ORIGIN]);
    assert_int_equal(1, d.len[RESV_H_ACTOR]);
    assert_int_equal(0, d.len[RESV_H_EVENT]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_payload_any_bytes),
        cmocka_unit_test(test_nul_refused_outside_payload),
        cmocka_unit_test(test_decode_foreign_elements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
