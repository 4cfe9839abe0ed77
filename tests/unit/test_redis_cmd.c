/* The sidecar's one command builder (sidecar/redis_conn.c): arguments are exact copies
 * with their lengths, integers are written without printf, the key argument is
 * remembered for routing, and growth past the first allocations keeps every argument. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "redis_conn.h"

static void test_push(void **state) {
    (void)state;
    redisCmd a;
    redisCmdInit(&a, "RESV.GET");
    assert_int_equal(a.key, -1);
    redisCmdPushKey(&a, "store-1");
    redisCmdPushStr(&a, "");
    redisCmdPush(&a, "a\0b", 3);
    assert_int_equal(a.argc, 4);
    assert_int_equal(a.key, 1);
    size_t len;
    assert_string_equal(redisCmdArg(&a, 0, &len), "RESV.GET");
    assert_int_equal(len, 8);
    assert_string_equal(redisCmdArg(&a, 1, NULL), "store-1");
    assert_string_equal(redisCmdArg(&a, 2, &len), "");
    assert_int_equal(len, 0);
    assert_memory_equal(redisCmdArg(&a, 3, &len), "a\0b", 3);
    assert_int_equal(len, 3);
    /* Only the first key routes. */
    redisCmdPushKey(&a, "other");
    assert_int_equal(a.key, 1);
    redisCmdFree(&a);
}

static void test_int(void **state) {
    (void)state;
    const long long v[] = {0, 7, -5, 100, LLONG_MAX, LLONG_MIN};
    redisCmd a;
    redisCmdInit(&a, "X");
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        redisCmdPushInt(&a, v[i]);
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char want[32];
        snprintf(want, sizeof(want), "%lld", v[i]);
        assert_string_equal(redisCmdArg(&a, (int)i + 1, NULL), want);
    }
    redisCmdFree(&a);
}

static void test_grow(void **state) {
    (void)state;
    char big[3000];
    memset(big, 'z', sizeof(big));
    redisCmd a;
    redisCmdInit(&a, "X");
    for (int i = 0; i < 100; i++) {
        redisCmdPushInt(&a, i);
        redisCmdPush(&a, big, (size_t)i * 30);
    }
    assert_false(a.oom);
    assert_int_equal(a.argc, 201);
    for (int i = 0; i < 100; i++) {
        char want[8];
        size_t len;
        snprintf(want, sizeof(want), "%d", i);
        assert_string_equal(redisCmdArg(&a, 1 + 2 * i, NULL), want);
        assert_memory_equal(redisCmdArg(&a, 2 + 2 * i, &len), big, (size_t)i * 30);
        assert_int_equal(len, (size_t)i * 30);
    }
    redisCmdFree(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push),
        cmocka_unit_test(test_int),
        cmocka_unit_test(test_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
