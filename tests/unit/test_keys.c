/* Unit tests of include/resv_keys.c: the key formats the module and the sidecar share,
 * and RESV.UPSERT's reply words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "resv_keys.h"
#include "resv_model.h"

/* The formats take (length, bytes) pairs: an id that is not NUL-terminated is cut at
 * its length, and every store key carries the hash tag. */
static void test_key_formats(void **state) {
    (void)state;
    char buf[128];
    const char *store = "store-001XYZ", *rid = "R1XYZ";
    snprintf(buf, sizeof buf, RESV_KEY_CHANGES, 9, store);
    assert_string_equal("resv:{store-001}:changes", buf);
    snprintf(buf, sizeof buf, RESV_KEY_RECORD, 9, store, 2, rid);
    assert_string_equal("resv:{store-001}:r:R1", buf);
    snprintf(buf, sizeof buf, RESV_KEY_PARTITION, 9, store, "confirmed", 10, "2024-02-15Tx");
    assert_string_equal("resv:{store-001}:i:confirmed:2024-02-15", buf);
    snprintf(buf, sizeof buf, RESV_KEY_FLOOR, 9, store);
    assert_string_equal("resv:{store-001}:floor", buf);
    snprintf(buf, sizeof buf, RESV_KEY_HOLD, 9, store, 3, "V01X");
    assert_string_equal("resv:{store-001}:hold:V01", buf);
    snprintf(buf, sizeof buf, RESV_KEY_HELD, 9, store);
    assert_string_equal("resv:{store-001}:held", buf);
    snprintf(buf, sizeof buf, RESV_KEY_LOAD, 9, store, 10, "2024-02-15Tx");
    assert_string_equal("resv:{store-001}:load:2024-02-15", buf);
    snprintf(buf, sizeof buf, RESV_KEY_OUTBOX, 9, store);
    assert_string_equal("resv:{store-001}:outbox", buf);
    snprintf(buf, sizeof buf, RESV_KEY_OWNER, 2, rid);
    assert_string_equal("resv:owner:{R1}", buf);
    snprintf(buf, sizeof buf, RESV_KEY_LEASE, 9, store, 4, RESV_LEASE_PUSH "XYZ");
    assert_string_equal("resv:{store-001}:lease:push", buf);
    snprintf(buf, sizeof buf, RESV_KEY_LEASE, 9, store, 10, RESV_LEASE_PULL_PREFIX "sys-1XYZ");
    assert_string_equal("resv:{store-001}:lease:pull:sys-1", buf);
}

/* A settings key names its store back; no other key of the store does. */
static void test_settings_key(void **state) {
    (void)state;
    char buf[160];
    const char *st;
    size_t sl;
    int n = snprintf(buf, sizeof buf, RESV_KEY_SETTINGS, 9, "store-001XYZ");
    assert_string_equal("resv:{store-001}:settings", buf);
    assert_int_equal(0, resvKeySettingsStore(buf, (size_t)n, &st, &sl));
    assert_int_equal(9, sl);
    assert_memory_equal("store-001", st, 9);
    n = snprintf(buf, sizeof buf, RESV_KEY_SETTINGS, 6, "张三");
    assert_int_equal(0, resvKeySettingsStore(buf, (size_t)n, &st, &sl));
    assert_int_equal(6, sl);
    static const char *const others[] = {"resv:{s}:changes",
                                         "resv:{}:settings",
                                         "resv:{s}:r:settings",
                                         "resv:{a}b}:settings",
                                         "resv:{s}:settingsX",
                                         "xresv:{s}:settings",
                                         "resv:{s}:settings:",
                                         "resv:{s",
                                         ""};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        assert_int_equal(-1, resvKeySettingsStore(others[i], strlen(others[i]), &st, &sl));
}

static void test_upsert_words_round_trip(void **state) {
    (void)state;
    static const char *const want[RESV_UPSERT_COUNT] = {"created", "updated", "unchanged", "stale",
                                                        "duplicate"};
    for (int i = 0; i < RESV_UPSERT_COUNT; i++) {
        const char *name = resvUpsertResultName((resvUpsertResult)i);
        assert_string_equal(want[i], name);
        resvUpsertResult k = RESV_UPSERT_COUNT;
        assert_int_equal(0, resvUpsertResultParse(name, strlen(name), &k));
        assert_int_equal(i, k);
    }
    assert_string_equal("unknown", resvUpsertResultName(RESV_UPSERT_COUNT));
}

/* Exact bytes: no prefix, no case folding, no trailing bytes; *out is left alone. */
static void test_upsert_words_refused(void **state) {
    (void)state;
    static const char *const bad[] = {"", "create", "Created", "created ", "stal", "ok"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        resvUpsertResult k = RESV_UPSERT_STALE;
        assert_int_equal(-1, resvUpsertResultParse(bad[i], strlen(bad[i]), &k));
        assert_int_equal(RESV_UPSERT_STALE, k);
    }
    resvUpsertResult k;
    assert_int_equal(0, resvUpsertResultParse("createdXYZ", 7, &k)); /* by length */
    assert_int_equal(RESV_UPSERT_CREATED, k);
}

static void test_key_match(void **state) {
    (void)state;
    const char *id;
    size_t n;
    const char *k = "resv:{store-001}:outbox";
    assert_int_equal(1, resvKeyMatch(RESV_KEY_OUTBOX, k, strlen(k), &id, &n));
    assert_int_equal(9, n);
    assert_memory_equal("store-001", id, n);
    k = "resv:{s}:failures";
    assert_int_equal(1, resvKeyMatch(RESV_KEY_FAILURES, k, strlen(k), &id, &n));
    assert_int_equal(0, resvKeyMatch(RESV_KEY_OUTBOX, k, strlen(k), &id, &n));
    const char *no[] = {"resv:{}:outbox", "resv:{a}:outboxx", "resv:{a}}:outbox",
                        "resv:{a}:r:x",   "resv:{a}",         "",
                        "resv:{a}:outbo"};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        assert_int_equal(0, resvKeyMatch(RESV_KEY_OUTBOX, no[i], strlen(no[i]), &id, &n));
    /* two ids: not a one-id format */
    k = "resv:{a}:r:b";
    assert_int_equal(0, resvKeyMatch(RESV_KEY_RECORD, k, strlen(k), &id, &n));
}

static void test_word_index(void **state) {
    (void)state;
    static const char *const words[] = {"a", "bb", "a", NULL};
    assert_int_equal(0, resvWordIndex(words, "a", 1));
    assert_int_equal(1, resvWordIndex(words, "bbb", 2));
    assert_int_equal(-1, resvWordIndex(words, "bbb", 3));
    assert_int_equal(-1, resvWordIndex(words, "", 0));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_formats),
        cmocka_unit_test(test_settings_key),
        cmocka_unit_test(test_upsert_words_round_trip),
        cmocka_unit_test(test_upsert_words_refused),
        cmocka_unit_test(test_word_index),
        cmocka_unit_test(test_key_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
