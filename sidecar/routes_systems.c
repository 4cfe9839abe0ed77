/* Integration systems (seed step 1 and 3): create, list, get, test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "providers.h"
#include "reservation_json.h"
#include "resv_model.h"
#include "lookup.h"
#include "routes_systems.h"
#include "server.h"
#include "sync.h"
#include "webhook_signature.h"

static void systemsCreateReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, HTTP_REPLY_ANY);
    if (!r) return;
    json_t *sys = resvSystemJson(r, c->srv->cfg->publicUrl, 1);
    if (!sys) {
        httpFinish(c, httpFailRedis(c, r), NULL);
        return;
    }
    httpFinish(c, HTTP_R_CREATED, sys);
}

/* A string member of the body; *out NULL when absent. -1 when present but not a string. */
static int systemsBodyString(httpCtx *c, const char *name, const char **out) {
    json_t *v = json_object_get(c->body, name);
    *out = NULL;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v)) return -1;
    *out = json_string_value(v);
    return 0;
}

/* POST /systems {"name", "type", "provider", "store_id", "config": {...}} */
httpResult routeSystemsCreate(httpCtx *c) {
    httpResult r = httpParseJsonBody(c, 1);
    if (r != HTTP_R_OK) return r;
    const char *name, *type, *provider, *store;
    static const char *const known[] = {"name", "type", "provider", "store_id", "config", NULL};
    const char *unknown = httpBodyUnknown(c, known);
    if (unknown)
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "%s is not a field of a system (name, type, provider, store_id, "
                        "config; the server sets the others)",
                        unknown);
    int bad = systemsBodyString(c, "name", &name);
    if (bad || !name || !*name)
        return lookupFieldFail(c, "name", bad || name, "a non-empty string");
    bad = systemsBodyString(c, "store_id", &store);
    if (bad || !store || !*store)
        return lookupFieldFail(c, "store_id", bad || store, "a non-empty string");
    if (!resvIdValid(store, strlen(store)))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "store_id must be 1 to 128 letters, digits, non-ASCII UTF-8 or - _ . : @");
    if (systemsBodyString(c, "type", &type))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "type must be a string");
    if (systemsBodyString(c, "provider", &provider))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "provider must be a string");
    json_t *config = json_object_get(c->body, "config");
    if (config && !json_is_null(config) && !json_is_object(config))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "config must be a JSON object");
    if (!httpStoreAllowed(c, store))
        return httpFail(c, HTTP_R_FORBIDDEN, NULL, "you may not manage store %s", store);

    /* The id is ours, so the reply's webhook_url can carry it. */
    uuid_t u;
    char id[37], secret[WEBHOOK_SECRET_MAX];
    uuid_generate_random(u);
    uuid_unparse_lower(u, id);
    if (webhookSecretGenerate(secret) != 0)
        return httpFail(c, HTTP_R_INTERNAL, NULL, "cannot generate a webhook secret");
    char *configText = json_is_object(config) ? json_dumps(config, JSON_COMPACT) : strdup("{}");
    if (!configText) return httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");

    redisCmd a;
    redisCmdInit(&a, "RESV.SYSTEM.CREATE");
    redisCmdPushStr(&a, "id");
    redisCmdPushStr(&a, id);
    redisCmdPushStr(&a, "name");
    redisCmdPushStr(&a, name);
    redisCmdPushStr(&a, "type");
    redisCmdPushStr(&a, type ? type : "reservation");
    if (provider) {
        redisCmdPushStr(&a, "provider");
        redisCmdPushStr(&a, provider);
    }
    redisCmdPushStr(&a, "store_id");
    redisCmdPushStr(&a, store);
    redisCmdPushStr(&a, "config");
    redisCmdPushStr(&a, configText);
    redisCmdPushStr(&a, "webhook_secret");
    redisCmdPushStr(&a, secret);
    free(configText);
    return httpRedis(c, systemsCreateReply, &a);
}

static void systemsListReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (!r) return;
    const char *only = httpQuery(c, "store_id");
    json_t *list = json_array();
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *sys = r->element[i];
        if (!lookupSystemAllowed(c, sys)) continue;
        const redisReply *store = resvReplyField(sys, "store_id");
        if (only && strcmp(store->str, only) != 0) continue;
        json_t *o = resvSystemJson(sys, c->srv->cfg->publicUrl, 0);
        if (o) json_array_append_new(list, o);
    }
    httpFinish(c, HTTP_R_OK,
               json_pack("{s:I,s:o}", "count", (json_int_t)json_array_size(list), "systems", list));
}

/* GET /systems[?store_id=] */
httpResult routeSystemsList(httpCtx *c) {
    const char *only = httpQuery(c, "store_id");
    if (only && !httpStoreAllowed(c, only))
        return httpFail(c, HTTP_R_FORBIDDEN, NULL, "you may not access store %s", only);
    redisCmd a;
    redisCmdInit(&a, "RESV.SYSTEM.LIST");
    return httpRedis(c, systemsListReply, &a);
}

static httpResult systemsShow(httpCtx *c, const redisReply *sys) {
    json_t *o = resvSystemJson(sys, c->srv->cfg->publicUrl, 0);
    if (!o) return httpFailRedis(c, sys);
    httpFinish(c, HTTP_R_OK, o);
    return HTTP_R_PENDING;
}

/* GET /systems/{id} */
httpResult routeSystemsGet(httpCtx *c) {
    return lookupSystem(c, systemsShow);
}

/* The outcome of a connection test, kept until the system's status is stored. */
typedef struct {
    int success;
    char message[400];
} systemsTestOutcome;

static void systemsTestSetReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, HTTP_REPLY_ANY);
    if (!r) return;
    systemsTestOutcome *t = c->state;
    json_t *sys = resvSystemJson(r, c->srv->cfg->publicUrl, 0);
    json_t *body = json_pack("{s:b,s:s,s:s,s:o*}", "success", t->success, "status",
                             t->success ? "active" : "error", "message", t->message, "system", sys);
    if (!t->success) json_object_set_new(body, "error", json_string(t->message));
    /* A store that just became active starts pushing and pulling without waiting for
     * the next periodic look at the systems. */
    if (t->success) syncRefreshSoon(c->srv->sync);
    httpFinish(c, HTTP_R_OK, body);
}

/* Stores the outcome (status active or error, last_error) and replies. Whatever probes
 * the provider ends here, now or from its own callback. */
static httpResult systemsTestFinish(httpCtx *c, int success, const char *message) {
    systemsTestOutcome *t = calloc(1, sizeof(*t));
    if (!t) return httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    t->success = success;
    snprintf(t->message, sizeof(t->message), "%s", message);
    /* Stored as last_error and shown in JSON: text, whatever bytes the provider sent. */
    resvTextScrub(t->message, strlen(t->message));
    c->state = t;
    c->stateFree = free;
    const char *id = c->params[0];
    const char *status = success ? "active" : "error";
    /* A success clears the last error. */
    const char *lastError = success ? "" : t->message;
    redisCmd a;
    redisCmdInit(&a, "RESV.SYSTEM.SET");
    redisCmdPushKey(&a, id);
    redisCmdPushStr(&a, "status");
    redisCmdPushStr(&a, status);
    redisCmdPushStr(&a, "last_error");
    redisCmdPushStr(&a, lastError);
    return httpRedis(c, systemsTestSetReply, &a);
}

static void systemsProbeReply(const providerResult *res, void *arg) {
    httpCtx *c = arg;
    httpResult r;
    if (res->outcome == PROVIDER_CANCELLED)
        r = httpFail(c, HTTP_R_UNAVAILABLE, "shutting_down", "the server is shutting down");
    else if (res->outcome == PROVIDER_OK)
        r = systemsTestFinish(c, 1, "the provider accepted the connection test");
    else
        r = systemsTestFinish(c, 0, res->error);
    if (r != HTTP_R_PENDING) httpFinish(c, r, NULL);
}

/* The connection test of docs/provider.md (GET {base}/ping with the api_key), bounded
 * by provider-timeout; its callback stores the outcome. */
static httpResult systemsProbeProvider(httpCtx *c, const char *provider, const json_t *config) {
    providerTarget t;
    char err[256];
    if (providersTarget(config, provider, c->srv->cfg->providerTimeout * 1000, &t, err,
                        sizeof(err)) ||
        providerPing(c->srv->provider, &t, systemsProbeReply, c, err, sizeof(err)))
        return systemsTestFinish(c, 0, err);
    return HTTP_R_PENDING;
}

static httpResult systemsTest(httpCtx *c, const redisReply *sys) {
    json_t *config = resvSystemConfig(sys);
    httpResult r = systemsProbeProvider(c, resvReplyStr(sys, "provider"), config);
    json_decref(config);
    return r;
}

/* POST /systems/{id}/test */
httpResult routeSystemsTest(httpCtx *c) {
    return lookupSystem(c, systemsTest);
}
