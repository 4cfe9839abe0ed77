/* Unit tests of the sidecar's pure parts: JSON values in the module's string form,
 * provider objects to RESV.UPSERT arguments (unknown and server-only fields dropped,
 * external_id renamed, nested values refused), replies to typed JSON, system masking,
 * and the option table (config file, command line precedence, host:port). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "reservation_json.h"
#include "resv_model.h"

static const char *scalar(const char *json, char buf[64]) {
    static char out[128];
    json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    const char *s;
    size_t len;
    int rc = resvJsonScalar(v, buf, &s, &len);
    if (rc == 0)
        snprintf(out, sizeof(out), "%.*s", (int)len, s);
    else
        snprintf(out, sizeof(out), "<%d>", rc);
    json_decref(v);
    return out;
}

static void test_scalar(void **state) {
    (void)state;
    char buf[64];
    assert_string_equal(scalar("\"张三\"", buf), "张三");
    assert_string_equal(scalar("4", buf), "4");
    assert_string_equal(scalar("-12", buf), "-12");
    assert_string_equal(scalar("200.0", buf), "200");
    assert_string_equal(scalar("200.5", buf), "200.5");
    assert_string_equal(scalar("0.1", buf), "0.1");
    assert_string_equal(scalar("199.99", buf), "199.99");
    assert_string_equal(scalar("1e300", buf), "1.0000000000000001e+300");
    assert_string_equal(scalar("true", buf), "true");
    assert_string_equal(scalar("false", buf), "false");
    assert_string_equal(scalar("null", buf), "<1>");
    assert_string_equal(scalar("[1]", buf), "<-1>");
    assert_string_equal(scalar("{}", buf), "<-1>");
}

static void test_append_fields(void **state) {
    (void)state;
    json_t *o = json_loads("{\"reservation_id\":\"R1\",\"id\":\"x\",\"store_id\":\"s\","
                           "\"created_at\":\"2024-01-01\",\"system_id\":\"y\",\"bogus\":1,"
                           "\"external_id\":\"e1\",\"customer_count\":4,\"notes\":null,"
                           "\"deposit_paid\":true,\"deposit_amount\":200.0}",
                           0, NULL);
    assert_non_null(o);
    redisCmd a;
    redisCmdInit(&a, "RESV.UPSERT");
    const char *bad = NULL;
    assert_int_equal(resvJsonAppendFields(o, &a, &bad), 0);
    assert_int_equal(a.argc, 9);
    assert_string_equal(redisCmdArg(&a, 1, NULL), "external_reservation_id");
    assert_string_equal(redisCmdArg(&a, 2, NULL), "e1");
    assert_string_equal(redisCmdArg(&a, 3, NULL), "customer_count");
    assert_string_equal(redisCmdArg(&a, 4, NULL), "4");
    assert_string_equal(redisCmdArg(&a, 5, NULL), "deposit_paid");
    assert_string_equal(redisCmdArg(&a, 6, NULL), "true");
    assert_string_equal(redisCmdArg(&a, 7, NULL), "deposit_amount");
    assert_string_equal(redisCmdArg(&a, 8, NULL), "200");
    redisCmdFree(&a);
    json_decref(o);

    /* external_reservation_id given: external_id does not duplicate it */
    o = json_loads("{\"external_id\":\"a\",\"external_reservation_id\":\"b\"}", 0, NULL);
    redisCmdInit(&a, "RESV.UPSERT");
    assert_int_equal(resvJsonAppendFields(o, &a, &bad), 0);
    assert_int_equal(a.argc, 3);
    assert_string_equal(redisCmdArg(&a, 2, NULL), "b");
    redisCmdFree(&a);
    json_decref(o);

    o = json_loads("{\"customer_name\":\"x\",\"notes\":{\"a\":1}}", 0, NULL);
    redisCmdInit(&a, "RESV.UPSERT");
    assert_int_equal(resvJsonAppendFields(o, &a, &bad), -1);
    assert_string_equal(bad, "notes");
    redisCmdFree(&a);
    json_decref(o);

    char rid[16];
    o = json_loads("{\"reservation_id\":42}", 0, NULL);
    assert_int_equal(resvJsonReservationId(o, rid, sizeof(rid)), 0);
    assert_string_equal(rid, "42");
    json_decref(o);
    o = json_loads("{\"reservation_id\":\"\"}", 0, NULL);
    assert_int_equal(resvJsonReservationId(o, rid, sizeof(rid)), -1);
    json_decref(o);
}

/* A RESP2 map reply built by hand. */
static redisReply *mkstr(const char *s) {
    redisReply *r = calloc(1, sizeof(*r));
    r->type = REDIS_REPLY_STRING;
    r->str = strdup(s);
    r->len = strlen(s);
    return r;
}

static redisReply *mkmap(const char *const *kv, size_t n) {
    redisReply *r = calloc(1, sizeof(*r));
    r->type = REDIS_REPLY_ARRAY;
    r->elements = n;
    r->element = calloc(n, sizeof(*r->element));
    for (size_t i = 0; i < n; i++)
        r->element[i] = mkstr(kv[i]);
    return r;
}

static void freemap(redisReply *r) {
    for (size_t i = 0; i < r->elements; i++) {
        free(r->element[i]->str);
        free(r->element[i]);
    }
    free(r->element);
    free(r);
}

static void test_reply_to_json(void **state) {
    (void)state;
    static const char *const kv[] = {"reservation_id", "R1",     "customer_count", "4",
                                     "deposit_amount", "200.50", "deposit_paid",   "false",
                                     "customer_name",  "张三"};
    redisReply *r = mkmap(kv, 10);
    json_t *o = resvJsonFromReply(r);
    assert_int_equal(json_object_size(o), RESV_F_COUNT);
    assert_true(json_is_integer(json_object_get(o, "customer_count")));
    assert_true(json_is_real(json_object_get(o, "deposit_amount")));
    assert_true(json_real_value(json_object_get(o, "deposit_amount")) == 200.5);
    assert_true(json_is_false(json_object_get(o, "deposit_paid")));
    assert_true(json_is_null(json_object_get(o, "arrival_time")));
    assert_string_equal(json_string_value(json_object_get(o, "customer_name")), "张三");
    /* model order */
    const char *k;
    json_t *v;
    int i = 0;
    json_object_foreach(o, k, v) assert_string_equal(k, resvFields[i++].name);
    json_decref(o);
    freemap(r);

    static const char *const sys[] = {"id",
                                      "S1",
                                      "store_id",
                                      "s",
                                      "webhook_secret",
                                      "whsec_x",
                                      "config",
                                      "{\"api_key\":\"abcdefghijkl\",\"x\":1}"};
    r = mkmap(sys, 8);
    o = resvSystemJson(r, "https://h.example/", 0);
    assert_null(json_object_get(o, "webhook_secret"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "config"), "api_key")),
                        "****ijkl");
    assert_string_equal(json_string_value(json_object_get(o, "webhook_url")),
                        "https://h.example/api/v1/integrations/webhooks/reservation/S1");
    json_decref(o);
    o = resvSystemJson(r, "https://h.example", 1);
    assert_string_equal(json_string_value(json_object_get(o, "webhook_secret")), "whsec_x");
    json_decref(o);
    freemap(r);
}

/* ---- JSON written straight into a buffer: byte for byte the jansson tree's dump ---- */

typedef struct {
    const char *s;
    size_t len;
} span;
#define SP(x)                                                                                      \
    { x, sizeof(x) - 1 }

static redisReply *mkstrn(span v) {
    redisReply *e = calloc(1, sizeof(*e));
    e->type = REDIS_REPLY_STRING;
    e->str = malloc(v.len + 1);
    memcpy(e->str, v.s, v.len);
    e->str[v.len] = '\0';
    e->len = v.len;
    return e;
}

/* A map reply of n (name, value) spans; a value of {NULL, 0} is a nil reply. */
static redisReply *mkmapn(const span *kv, size_t n) {
    redisReply *r = calloc(1, sizeof(*r));
    r->type = REDIS_REPLY_ARRAY;
    r->elements = n;
    r->element = calloc(n, sizeof(*r->element));
    for (size_t i = 0; i < n; i++) {
        if (kv[i].s) {
            r->element[i] = mkstrn(kv[i]);
        } else {
            r->element[i] = calloc(1, sizeof(redisReply));
            r->element[i]->type = REDIS_REPLY_NIL;
        }
    }
    return r;
}

static void freereply(redisReply *r) {
    for (size_t i = 0; i < r->elements; i++)
        freereply(r->element[i]);
    free(r->element);
    free(r->str);
    free(r);
}

static char *written(int (*write)(resvJsonOut *, const void *), const void *arg) {
    struct evbuffer *b = evbuffer_new();
    resvJsonOut *o = malloc(sizeof(*o));
    resvJsonOutInit(o, b);
    assert_int_equal(write(o, arg), 0);
    assert_int_equal(resvJsonOutFlush(o), 0);
    size_t len = evbuffer_get_length(b);
    char *text = malloc(len + 1);
    evbuffer_remove(b, text, len);
    text[len] = '\0';
    evbuffer_free(b);
    free(o);
    return text;
}

static int writeOne(resvJsonOut *o, const void *r) {
    return resvJsonWriteReservation(o, r);
}

static void assert_same_as_tree(const redisReply *r) {
    json_t *tree = resvJsonFromReply(r);
    char *old = json_dumps(tree, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(tree);
    char *now = written(writeOne, r);
    assert_string_equal(now, old);
    free(old);
    free(now);
}

static void test_write_reservation(void **state) {
    (void)state;
    /* Every field given the same value, for each of these: each field type meets text,
     * numbers in every form strtoll/strtod take, booleans, and what is no JSON. */
    static const span values[] = {SP("张三"),
                                  SP("靠窗位置，需要儿童座椅"),
                                  SP("a\tb\nc\"d\\e/f"),
                                  SP("\b\f\r\x01\x1f\x7f"),
                                  SP("\x1b[31m"),
                                  SP("a\0b"),
                                  SP("\0"),
                                  SP(""),
                                  SP(" "),
                                  SP("4"),
                                  SP("-0"),
                                  SP("+5"),
                                  SP(" 7"),
                                  SP("7 "),
                                  SP("9223372036854775807"),
                                  SP("9223372036854775808"),
                                  SP("-9223372036854775809"),
                                  SP("12abc"),
                                  SP("0x1A"),
                                  SP("200"),
                                  SP("200.0"),
                                  SP("200.50"),
                                  SP("0.1"),
                                  SP("1e20"),
                                  SP("1e-7"),
                                  SP("1E+300"),
                                  SP("1.5e308"),
                                  SP("1e400"),
                                  SP("-1e400"),
                                  SP("inf"),
                                  SP("-inf"),
                                  SP("nan"),
                                  SP("NaN"),
                                  SP("1e-320"),
                                  SP("123456789012345678"),
                                  SP("3.14159265358979"),
                                  SP("0.30000000000000004"),
                                  SP("-0.0"),
                                  SP("true"),
                                  SP("false"),
                                  SP("1"),
                                  SP("0"),
                                  SP("TRUE"),
                                  SP("yes"),
                                  SP("\xff"),
                                  SP("\xc0\xaf"),
                                  SP("\xed\xa0\x80"),
                                  SP("\xf4\x90\x80\x80"),
                                  SP("\xe5\xbc"),
                                  SP("ok\xe5\xbc"),
                                  SP("😀 emoji"),
                                  SP("\xc2\x80"),
                                  SP("\xef\xbf\xbf")};
    span kv[2 * RESV_F_COUNT];
    for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
        for (int f = 0; f < RESV_F_COUNT; f++) {
            kv[2 * f] = (span){resvFields[f].name, strlen(resvFields[f].name)};
            kv[2 * f + 1] = values[v];
        }
        redisReply *r = mkmapn(kv, 2 * RESV_F_COUNT);
        assert_same_as_tree(r);
        freereply(r);
    }
    /* Out of order, duplicates (valid then not, not then valid), unknown names, nil
     * values, and nothing at all. */
    static const span odd[] = {SP("customer_name"),
                               SP("李四"),
                               SP("id"),
                               SP("uuid-1"),
                               SP("customer_name"),
                               SP("\xff"),
                               SP("deposit_amount"),
                               SP("inf"),
                               SP("deposit_amount"),
                               SP("12.5"),
                               SP("no_such_field"),
                               SP("x"),
                               SP("notes"),
                               {NULL, 0},
                               SP("customer_count"),
                               SP("x"),
                               SP("customer_count"),
                               SP("3"),
                               SP("status"),
                               SP("confirmed")};
    for (size_t n = 0; n <= sizeof(odd) / sizeof(odd[0]); n += 2) {
        redisReply *r = mkmapn(odd, n);
        assert_same_as_tree(r);
        freereply(r);
    }
    /* Not a map: nothing written. */
    redisReply *r = mkmapn(odd, 3);
    struct evbuffer *b = evbuffer_new();
    resvJsonOut o;
    resvJsonOutInit(&o, b);
    assert_int_equal(resvJsonWriteReservation(&o, r), -1);
    resvJsonOutFlush(&o);
    assert_int_equal(evbuffer_get_length(b), 0);
    evbuffer_free(b);
    freereply(r);
}

typedef struct {
    const redisReply *items;
    const char *cursor;
} listArgs;

static int writeList(resvJsonOut *o, const void *arg) {
    const listArgs *a = arg;
    return resvJsonWriteList(o, a->items, a->cursor, strlen(a->cursor));
}

/* The list route's body as it was built before: a tree, then json_dumps. */
static char *listByTree(const redisReply *items, const char *cursor) {
    json_t *list = json_array();
    for (size_t i = 0; i < items->elements; i++) {
        json_t *o = resvJsonFromReply(items->element[i]);
        if (o) json_array_append_new(list, o);
    }
    json_t *next = strcmp(cursor, "0") == 0 ? json_null() : json_string(cursor);
    json_t *body = json_pack("{s:o,s:I,s:o}", "reservations", list, "count",
                             (json_int_t)json_array_size(list), "next_cursor", next);
    char *text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(body);
    return text;
}

static void test_write_list(void **state) {
    (void)state;
    static const span a[] = {SP("reservation_id"), SP("R1"), SP("customer_name"), SP("王五\n"),
                             SP("customer_count"), SP("6"),  SP("deposit_paid"),  SP("1")};
    redisReply *items = calloc(1, sizeof(*items));
    items->type = REDIS_REPLY_ARRAY;
    items->elements = 4;
    items->element = calloc(4, sizeof(*items->element));
    items->element[0] = mkmapn(a, 8);
    items->element[1] = mkmapn(a, 3); /* not a map: left out, not counted */
    items->element[2] = mkmapn(a, 4);
    items->element[3] = mkmapn(a, 0);
    const char *cursors[] = {"0", "1708023600000:R1", "00", "c\"\\"};
    for (size_t i = 0; i < sizeof(cursors) / sizeof(cursors[0]); i++) {
        listArgs args = {items, cursors[i]};
        char *old = listByTree(items, cursors[i]), *now = written(writeList, &args);
        assert_string_equal(now, old);
        free(old);
        free(now);
    }
    items->elements = 0;
    listArgs empty = {items, "0"};
    char *now = written(writeList, &empty);
    assert_string_equal(now, "{\"reservations\":[],\"count\":0,\"next_cursor\":null}");
    free(now);
    items->elements = 4;
    freereply(items);
}

static void test_config(void **state) {
    (void)state;
    char path[] = "/tmp/resv-conf-XXXXXX", err[512];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# comment\n\n  listen 0.0.0.0:9000\nmax-body 4096\n"
                       "public-url \"https://a b\"\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    sidecarConfig cfg;
    configDefaults(&cfg);
    char *argv[] = {"x", "--max-body=2048", "--config", path, "--redis", "10.0.0.1:7000,b:1"};
    assert_int_equal(configParseArgs(&cfg, 6, argv, err, sizeof(err)), 0);
    assert_string_equal(cfg.listen, "0.0.0.0:9000");
    assert_int_equal(cfg.maxBody, 2048); /* the command line wins, wherever it stands */
    assert_string_equal(cfg.publicUrl, "https://a b");
    assert_string_equal(cfg.redis, "10.0.0.1:7000,b:1");
    assert_int_equal(cfg.maxConnections, 1024);
    configFree(&cfg);

    configDefaults(&cfg);
    char *bad[] = {"x", "--max-body", "12"};
    assert_int_equal(configParseArgs(&cfg, 3, bad, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "max-body"));
    char *unknown[] = {"x", "--colour", "red"};
    assert_int_equal(configParseArgs(&cfg, 3, unknown, err, sizeof(err)), -1);
    configFree(&cfg);

    FILE *f = fopen(path, "w");
    fputs("listen\n", f);
    fclose(f);
    configDefaults(&cfg);
    assert_int_equal(configLoadFile(&cfg, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":1:"));
    configFree(&cfg);
    unlink(path);

    char host[64];
    int port;
    assert_int_equal(configSplitHostPort("127.0.0.1:8080", host, sizeof(host), &port), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8080);
    assert_int_equal(configSplitHostPort("[::1]:6379", host, sizeof(host), &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(configSplitHostPort("nohost", host, sizeof(host), &port), -1);
    assert_int_equal(configSplitHostPort(":80", host, sizeof(host), &port), -1);
    assert_int_equal(configSplitHostPort("h:99999", host, sizeof(host), &port), -1);
}

/* The module's compact lists ("a,b") as arrays; anything else is left alone. */
static void test_split_list(void **state) {
    (void)state;
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:i}", "joins", "A1,V02", "tables", "", "one", "B1", "seats", 4);
    resvJsonSplitList(o, "joins");
    resvJsonSplitList(o, "tables");
    resvJsonSplitList(o, "one");
    resvJsonSplitList(o, "seats");
    resvJsonSplitList(o, "absent");
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"joins\":[\"A1\",\"V02\"],\"one\":[\"B1\"],\"seats\":4,"
                              "\"tables\":[]}");
    free(text);
    json_decref(o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar),        cmocka_unit_test(test_append_fields),
        cmocka_unit_test(test_reply_to_json), cmocka_unit_test(test_write_reservation),
        cmocka_unit_test(test_write_list),    cmocka_unit_test(test_config),
        cmocka_unit_test(test_split_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
