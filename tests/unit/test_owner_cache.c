/* The owner cache (sidecar/owner_cache.c): remembers, replaces and forgets an id's store,
 * and never holds more entries than its slots, however many ids go through it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "owner_cache.h"

static void test_put_get_drop(void **state) {
    (void)state;
    ownerCache *oc = ownerCacheNew(100); /* rounded up to 128 */
    assert_non_null(oc);
    assert_null(ownerCacheGet(oc, "RES-1"));
    ownerCachePut(oc, "RES-1", "store-a");
    assert_string_equal(ownerCacheGet(oc, "RES-1"), "store-a");
    assert_null(ownerCacheGet(oc, "RES-2"));
    assert_null(ownerCacheGet(oc, "RES-"));
    /* Created again under another store: the new owner replaces the old. */
    ownerCachePut(oc, "RES-1", "store-b");
    assert_string_equal(ownerCacheGet(oc, "RES-1"), "store-b");
    assert_int_equal(ownerCacheCount(oc), 1);
    ownerCacheDrop(oc, "RES-2"); /* not there: nothing happens */
    assert_int_equal(ownerCacheCount(oc), 1);
    ownerCacheDrop(oc, "RES-1");
    assert_null(ownerCacheGet(oc, "RES-1"));
    assert_int_equal(ownerCacheCount(oc), 0);
    ownerCacheFree(oc);
}

static void test_bound(void **state) {
    (void)state;
    ownerCache *oc = ownerCacheNew(64);
    char id[32], store[32];
    size_t max = 0;
    for (int i = 0; i < 20000; i++) {
        snprintf(id, sizeof(id), "RES-%d", i);
        snprintf(store, sizeof(store), "store-%d", i % 7);
        ownerCachePut(oc, id, store);
        /* The id just put is always there, with its store. */
        assert_string_equal(ownerCacheGet(oc, id), store);
        if (ownerCacheCount(oc) > max) max = ownerCacheCount(oc);
    }
    assert_true(max <= 64);
    assert_true(ownerCacheCount(oc) > 32); /* the slots are used, not one overwritten */
    /* Whatever is still held answers with its own store, never another id's. */
    int held = 0;
    for (int i = 0; i < 20000; i++) {
        snprintf(id, sizeof(id), "RES-%d", i);
        snprintf(store, sizeof(store), "store-%d", i % 7);
        const char *s = ownerCacheGet(oc, id);
        if (s) {
            assert_string_equal(s, store);
            held++;
        }
    }
    assert_int_equal(held, ownerCacheCount(oc));
    ownerCacheFree(oc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_drop),
        cmocka_unit_test(test_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
