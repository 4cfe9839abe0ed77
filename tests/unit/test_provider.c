/* Unit tests of sidecar/provider_yiding.c's pure parts (docs/provider.md): how an HTTP
 * status is classified for retries, the push body (unset values are null, change_id
 * kept), the target taken from a system's config; and resvUpsertArgv, the one
 * provider-object-to-RESV.UPSERT conversion shared by the sync endpoint and the pull. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"
#include "reservation_json.h"

static void test_classify(void **state) {
    (void)state;
    assert_int_equal(providerClassify(200), PROVIDER_OK);
    assert_int_equal(providerClassify(204), PROVIDER_OK);
    assert_int_equal(providerClassify(401), PROVIDER_REFUSED);
    assert_int_equal(providerClassify(403), PROVIDER_REFUSED);
    /* retried: no reply, 5xx, 408, 429 */
    assert_int_equal(providerClassify(0), PROVIDER_RETRY);
    assert_int_equal(providerClassify(500), PROVIDER_RETRY);
    assert_int_equal(providerClassify(503), PROVIDER_RETRY);
    assert_int_equal(providerClassify(408), PROVIDER_RETRY);
    assert_int_equal(providerClassify(429), PROVIDER_RETRY);
    /* never retried: our request is wrong */
    assert_int_equal(providerClassify(400), PROVIDER_REJECTED);
    assert_int_equal(providerClassify(404), PROVIDER_REJECTED);
    assert_int_equal(providerClassify(409), PROVIDER_REJECTED);
    assert_int_equal(providerClassify(302), PROVIDER_REJECTED);
}

static void test_status_body(void **state) {
    (void)state;
    providerStatusChange ch = {"RES-1",
                               "",
                               "arrived",
                               "2024-02-15T18:05:00",
                               "",
                               "2024-02-15T18:05:01",
                               "store-001:1700000000000-0"};
    json_t *o = providerStatusBody(&ch);
    char *text = json_dumps(o, JSON_COMPACT);
    assert_string_equal(text,
                        "{\"reservation_id\":\"RES-1\",\"external_id\":null,\"status\":\"arrived\","
                        "\"arrival_time\":\"2024-02-15T18:05:00\",\"table_number\":null,"
                        "\"changed_at\":\"2024-02-15T18:05:01\","
                        "\"change_id\":\"store-001:1700000000000-0\"}");
    free(text);
    json_decref(o);
}

static void test_target(void **state) {
    (void)state;
    char err[128];
    providerTarget t;
    json_t *cfg = json_pack("{s:s,s:s}", "api_endpoint", "https://api.yiding.com/reservation",
                            "api_key", "k1");
    assert_int_equal(providerTargetFromConfig(cfg, 5000, &t, err, sizeof(err)), 0);
    assert_string_equal(t.endpoint, "https://api.yiding.com/reservation");
    assert_string_equal(t.apiKey, "k1");
    assert_int_equal(t.timeoutMs, 5000);
    json_decref(cfg);
    cfg = json_pack("{s:s,s:s}", "api_endpoint", "http://x", "api_key", "");
    assert_int_equal(providerTargetFromConfig(cfg, 1, &t, err, sizeof(err)), 0);
    assert_null(t.apiKey);
    json_decref(cfg);
    cfg = json_pack("{s:s}", "api_key", "k");
    assert_int_equal(providerTargetFromConfig(cfg, 1, &t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "api_endpoint"));
    json_decref(cfg);
}

static void test_upsert_argv(void **state) {
    (void)state;
    json_t *item = json_loads("{\"reservation_id\":\"R1\",\"external_id\":\"yd1\","
                              "\"store_id\":\"ignored\",\"customer_count\":4,\"extra\":1}",
                              0, NULL);
    redisCmd a;
    const char *why, *field;
    assert_int_equal(
        resvUpsertArgv(&a, "S", item,
                       &(resvUpsertFrom){"pull", "pull:sys", "pull", "{}", 2, NULL, "sys"}, &why,
                       &field),
        0);
    const char *want[] = {"RESV.UPSERT",
                          "S",
                          "R1",
                          "ORIGIN",
                          "pull",
                          "ACTOR",
                          "pull:sys",
                          "EVENT",
                          "pull",
                          "PAYLOAD",
                          "{}",
                          "system_id",
                          "sys",
                          "external_reservation_id",
                          "yd1",
                          "customer_count",
                          "4"};
    assert_int_equal(a.argc, (int)(sizeof(want) / sizeof(want[0])));
    for (int i = 0; i < a.argc; i++)
        assert_string_equal(redisCmdArg(&a, i, NULL), want[i]);
    assert_int_equal(a.key, 1);
    redisCmdFree(&a);
    json_decref(item);
    /* A webhook's: the raw payload as given, and its MSGID after it. */
    item = json_loads("{\"reservation_id\":\"R2\",\"status\":\"cancelled\"}", 0, NULL);
    resvUpsertFrom hook = {"webhook", "webhook:sys", "reservation.cancelled", "raw\0x", 5,
                           "m-1",     "sys"};
    assert_int_equal(resvUpsertArgv(&a, "S", item, &hook, &why, &field), 0);
    size_t len;
    assert_memory_equal(redisCmdArg(&a, 10, &len), "raw\0x", 5);
    assert_int_equal(len, 5);
    assert_string_equal(redisCmdArg(&a, 11, NULL), "MSGID");
    assert_string_equal(redisCmdArg(&a, 12, NULL), "m-1");
    assert_string_equal(redisCmdArg(&a, 13, NULL), "system_id");
    assert_string_equal(redisCmdArg(&a, 16, NULL), "cancelled");
    redisCmdFree(&a);
    json_decref(item);
    resvUpsertFrom from = {"pull", "a", "e", "", 0, NULL, "sys"};
    item = json_loads("{\"customer_name\":\"x\"}", 0, NULL);
    assert_int_equal(resvUpsertArgv(&a, "S", item, &from, &why, &field), -1);
    assert_string_equal(field, "reservation_id");
    json_decref(item);
    item = json_loads("{\"reservation_id\":\"R\",\"notes\":[1]}", 0, NULL);
    assert_int_equal(resvUpsertArgv(&a, "S", item, &from, &why, &field), -1);
    assert_string_equal(field, "notes");
    json_decref(item);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_status_body),
        cmocka_unit_test(test_target),
        cmocka_unit_test(test_upsert_argv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
