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

#include "provider_yiding.h"
#include "providers.h"
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
    json_t *o = providerYidingStatusBody(&ch);
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
    assert_int_equal(providersTarget(cfg, "Yiding", 5000, &t, err, sizeof(err)), 0);
    assert_ptr_equal(t.ops, &providerYiding);
    assert_string_equal(t.endpoint, "https://api.yiding.com/reservation");
    assert_string_equal(t.apiKey, "k1");
    assert_int_equal(t.timeoutMs, 5000);
    json_decref(cfg);
    cfg = json_pack("{s:s,s:s}", "api_endpoint", "http://x", "api_key", "");
    assert_int_equal(providersTarget(cfg, NULL, 1, &t, err, sizeof(err)), 0);
    assert_null(t.apiKey);
    json_decref(cfg);
    cfg = json_pack("{s:s}", "api_key", "k");
    assert_int_equal(providersTarget(cfg, "yiding", 1, &t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "api_endpoint"));
    json_decref(cfg);
}

/* The provider field picks the ops without regard to case; a name no provider has is
 * Yiding, as every system was before the field chose anything. */
static void test_find(void **state) {
    (void)state;
    assert_ptr_equal(providersFind("yiding"), &providerYiding);
    assert_ptr_equal(providersFind("YIDING"), &providerYiding);
    assert_ptr_equal(providersFind("someone-else"), &providerYiding);
    assert_ptr_equal(providersFind(NULL), &providerYiding);
}

/* Yiding's requests: the paths of docs/provider.md, under an endpoint whose trailing
 * slashes are dropped, with every query value URI-encoded. */
static void test_yiding_requests(void **state) {
    (void)state;
    providerTarget t = {&providerYiding, "http://h:1/api//", "k", 1000};
    providerRequest rq;
    assert_int_equal(providerYiding.ping(&t, &rq), 0);
    assert_string_equal(rq.method, "GET");
    assert_string_equal(rq.url, "http://h:1/api/ping");
    assert_null(rq.body);
    free(rq.url);
    providerStatusChange ch = {"R 1", "", "seated", "", "T1", "", "c-1"};
    assert_int_equal(providerYiding.push(&t, &ch, &rq), 0);
    assert_string_equal(rq.method, "POST");
    assert_string_equal(rq.url, "http://h:1/api/reservations/R%201/status");
    assert_non_null(strstr(rq.body, "\"table_number\":\"T1\""));
    free(rq.url);
    free(rq.body);
    assert_int_equal(providerYiding.pull(&t, "s&1", "2024-01-01T00:00:00", NULL, 50, &rq), 0);
    assert_string_equal(rq.url, "http://h:1/api/reservations?store_id=s%261"
                                "&updated_since=2024-01-01T00%3A00%3A00&limit=50");
    free(rq.url);

    json_t *page, *items;
    const char *next;
    char err[160];
    const char *ok = "{\"reservations\":[{\"reservation_id\":\"a\"}],\"next_cursor\":\"c2\"}";
    assert_int_equal(
        providerYiding.pullPage(ok, strlen(ok), &page, &items, &next, err, sizeof(err)), 0);
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(next, "c2");
    json_decref(page);
    const char *bad = "{\"reservations\":{}}";
    assert_int_equal(
        providerYiding.pullPage(bad, strlen(bad), &page, &items, &next, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "malformed pull reply"));
    json_decref(page);
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
        cmocka_unit_test(test_classify),        cmocka_unit_test(test_status_body),
        cmocka_unit_test(test_target),          cmocka_unit_test(test_find),
        cmocka_unit_test(test_yiding_requests), cmocka_unit_test(test_upsert_argv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
