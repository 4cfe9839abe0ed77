/* The operator's routes: health, metrics and the API description. */
#include "routes_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "server.h"
#include "sse.h"

/* 503: Redis is down, with the members of extra (stolen; may be NULL). */
static void opsHealthzDown(httpCtx *c, json_t *extra, const char *message) {
    json_t *body = json_pack("{s:s,s:s}", "status", "error", "redis", "down");
    if (body && extra) json_object_update(body, extra);
    json_decref(extra);
    if (body)
        json_object_set_new(
            body, "error", json_pack("{s:s,s:s}", "code", "redis_unavailable", "message", message));
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    httpFinishRaw(c, 503, "application/json; charset=utf-8", text ? text : "{}",
                  text ? strlen(text) : 2);
    free(text);
}

static void opsHealthzReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = reply;
    /* Not httpReplyTake(): whatever error PING gets, the answer is "Redis is down". */
    c->redisPending--;
    if (!r || r->type == REDIS_REPLY_ERROR)
        opsHealthzDown(c, NULL, "Redis is unavailable");
    else
        httpFinish(c, HTTP_R_OK, json_pack("{s:s,s:s}", "status", "ok", "redis", "up"));
}

/* A cluster's answer, from every master that serves slots: "ok" when each serves its
 * slots, "degraded" (still 200) when only some do, since the stores of the others still
 * work and every sidecar sees the same cluster: a load balancer that took this one out
 * would take them all out. 503 when none does. */
static void opsHealthzMasters(const redisClusterMaster *m, int count, void *arg) {
    httpCtx *c = arg;
    json_t *list = json_array();
    int up = 0;
    for (int i = 0; i < count; i++) {
        char addr[CLUSTER_HOST_MAX + 16];
        int v6 = strchr(m[i].host, ':') != NULL;
        snprintf(addr, sizeof(addr), "%s%s%s:%d", v6 ? "[" : "", m[i].host, v6 ? "]" : "",
                 m[i].port);
        json_t *o = json_pack("{s:s,s:i,s:b}", "addr", addr, "slots", m[i].slots, "up", m[i].up);
        if (o && !m[i].up) json_object_set_new(o, "error", json_string(m[i].error));
        json_array_append_new(list, o);
        up += m[i].up;
    }
    json_t *body = json_object();
    if (up == 0) {
        json_object_set_new(body, "cluster", json_true());
        json_object_set_new(body, "masters", list);
        opsHealthzDown(c, body,
                       count ? "no master of the Redis Cluster serves its slots"
                             : "the slot map of the Redis Cluster is not loaded yet");
        return;
    }
    const char *word = up == count ? "up" : "degraded";
    json_object_set_new(body, "status", json_string(up == count ? "ok" : "degraded"));
    json_object_set_new(body, "redis", json_string(word));
    json_object_set_new(body, "cluster", json_true());
    json_object_set_new(body, "masters", list);
    httpFinish(c, HTTP_R_OK, body);
}

httpResult routeHealthz(httpCtx *c) {
    if (redisConnIsCluster(c->loop->redis)) {
        if (redisConnCheckMasters(c->loop->redis, opsHealthzMasters, c) == 0) return HTTP_R_PENDING;
        /* No slot map yet. */
        opsHealthzMasters(NULL, 0, c);
        return HTTP_R_PENDING;
    }
    redisCmd a;
    redisCmdInit(&a, "PING");
    httpResult r = httpRedis(c, opsHealthzReply, &a);
    if (r != HTTP_R_UNAVAILABLE) return r;
    opsHealthzDown(c, NULL, "Redis is unavailable");
    return HTTP_R_PENDING;
}

httpResult routeOpenapi(httpCtx *c) {
    if (!c->srv->shared->openapi)
        return httpFail(c, HTTP_R_NOT_FOUND, NULL, "no OpenAPI description was loaded");
    httpFinishRaw(c, 200, "application/json; charset=utf-8", c->srv->shared->openapi,
                  c->srv->shared->openapiLen);
    return HTTP_R_PENDING;
}

/* The sum of every loop's counters; redisUp is 1 only when every loop's connection is. */
static void opsStatsSum(serverStats *sum, const serverStats *st) {
    for (int i = 0; i < 6; i++)
        sum->requestsByClass[i] += st->requestsByClass[i];
    sum->requestMicros += st->requestMicros;
    sum->redisErrors += st->redisErrors;
    sum->ownerCacheHits += st->ownerCacheHits;
    sum->ownerCacheWrong += st->ownerCacheWrong;
    sum->ownerCacheEntries += st->ownerCacheEntries;
    sum->rejectedConnections += st->rejectedConnections;
    sum->webhooksDuplicate += st->webhooksDuplicate;
    sum->webhooksIgnored += st->webhooksIgnored;
    sum->redisReconnects += st->redisReconnects;
    sum->inflight += st->inflight;
    sum->redisUp = sum->redisUp && st->redisUp;
    sum->providerInflight += st->providerInflight;
    sum->sseClients += st->sseClients;
    sum->sync.pushOk += st->sync.pushOk;
    sum->sync.pushFailed += st->sync.pushFailed;
    sum->sync.pushRetries += st->sync.pushRetries;
    sum->sync.pulls += st->sync.pulls;
    sum->sync.pullErrors += st->sync.pullErrors;
    sum->sync.pulledItems += st->sync.pulledItems;
    sum->sync.workers += st->sync.workers;
}

static unsigned long long opsRequests(const serverStats *st) {
    unsigned long long n = 0;
    for (int i = 1; i <= 5; i++)
        n += st->requestsByClass[i];
    return n;
}

/* The module's gauges (INFO resv), when Redis answered: the same numbers under the
 * same names, so an operator reads one set of words in both places. */
static void opsMetricsGauges(struct evbuffer *b, const redisReply *r) {
    static const struct {
        const char *field, *help;
    } gauges[] = {
        {"resv_outbox_entries", "Status changes waiting in the push outboxes of all stores."},
        {"resv_outbox_stores", "Stores with a non-empty push outbox."},
        {"resv_outbox_oldest_age_seconds", "Age of the oldest undelivered outbox entry."},
        {"resv_sync_failures", "Reservations whose last push failed, over all stores."},
    };
    if (!r || r->type != REDIS_REPLY_STRING) return;
    for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++) {
        char key[64];
        snprintf(key, sizeof(key), "\n%s:", gauges[i].field);
        const char *at = strstr(r->str, key);
        if (!at) continue;
        long long v = strtoll(at + strlen(key), NULL, 10);
        evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", gauges[i].field,
                            gauges[i].help, gauges[i].field, gauges[i].field, v);
    }
}

static void opsMetricsFinish(httpCtx *c, const redisReply *info);

static void opsMetricsReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    /* Not httpReplyTake(): without Redis the sidecar's own metrics still answer. */
    c->redisPending--;
    opsMetricsFinish(c, reply);
}

static void opsMetricsFinish(httpCtx *c, const redisReply *info) {
    server *srv = c->srv;
    serverGroup *g = srv->group;
    struct evbuffer *b = evbuffer_new();
    serverStats sum, *per = calloc((size_t)g->n, sizeof(*per));
    if (!b || !per) {
        if (b) evbuffer_free(b);
        free(per);
        httpFinish(c, httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory"), NULL);
        return;
    }
    memset(&sum, 0, sizeof(sum));
    sum.redisUp = 1;
    for (int i = 0; i < g->n; i++) {
        serverStatsOf(srv, i, &per[i]);
        opsStatsSum(&sum, &per[i]);
    }
    evbuffer_add_printf(b, "# HELP resv_sidecar_http_requests_total HTTP requests answered, by "
                           "status class.\n# TYPE resv_sidecar_http_requests_total counter\n");
    for (int i = 1; i <= 5; i++)
        evbuffer_add_printf(b, "resv_sidecar_http_requests_total{code=\"%dxx\"} %llu\n", i,
                            sum.requestsByClass[i]);
    evbuffer_add_printf(b,
                        "# HELP resv_sidecar_workers Event loops (threads) serving the port.\n"
                        "# TYPE resv_sidecar_workers gauge\nresv_sidecar_workers %d\n"
                        "# HELP resv_sidecar_worker_http_requests_total HTTP requests "
                        "answered, by worker loop.\n"
                        "# TYPE resv_sidecar_worker_http_requests_total counter\n",
                        g->n);
    for (int i = 0; i < g->n; i++)
        evbuffer_add_printf(b, "resv_sidecar_worker_http_requests_total{worker=\"%d\"} %llu\n", i,
                            opsRequests(&per[i]));
    free(per);
    evbuffer_add_printf(
        b,
        "# HELP resv_sidecar_http_request_duration_microseconds_sum Time spent answering.\n"
        "# TYPE resv_sidecar_http_request_duration_microseconds_sum counter\n"
        "resv_sidecar_http_request_duration_microseconds_sum %llu\n"
        "# HELP resv_sidecar_http_requests_in_flight Requests not answered yet (this one "
        "included).\n# TYPE resv_sidecar_http_requests_in_flight gauge\n"
        "resv_sidecar_http_requests_in_flight %d\n"
        "# HELP resv_sidecar_http_connections Open client connections.\n"
        "# TYPE resv_sidecar_http_connections gauge\nresv_sidecar_http_connections %d\n"
        "# HELP resv_sidecar_http_connections_rejected_total Connections refused over "
        "max-connections.\n# TYPE resv_sidecar_http_connections_rejected_total counter\n"
        "resv_sidecar_http_connections_rejected_total %llu\n"
        "# HELP resv_sidecar_redis_up 1 when the Redis connection of every worker is up.\n"
        "# TYPE resv_sidecar_redis_up gauge\nresv_sidecar_redis_up %d\n"
        "# HELP resv_sidecar_redis_reconnects_total Reconnect attempts to Redis (all workers).\n"
        "# TYPE resv_sidecar_redis_reconnects_total counter\n"
        "resv_sidecar_redis_reconnects_total %lu\n"
        "# HELP resv_sidecar_redis_errors_total Error replies from Redis.\n"
        "# TYPE resv_sidecar_redis_errors_total counter\nresv_sidecar_redis_errors_total %llu\n"
        "# HELP resv_sidecar_webhooks_duplicate_total Webhook deliveries acknowledged as "
        "repeats.\n# TYPE resv_sidecar_webhooks_duplicate_total counter\n"
        "resv_sidecar_webhooks_duplicate_total %llu\n"
        "# HELP resv_sidecar_owner_cache_hits_total Reservation reads that took the owner "
        "store from the cache (one Redis round trip).\n"
        "# TYPE resv_sidecar_owner_cache_hits_total counter\n"
        "resv_sidecar_owner_cache_hits_total %llu\n"
        "# HELP resv_sidecar_owner_cache_wrong_total Cached owners found wrong (the "
        "reservation was deleted or moved) and asked again.\n"
        "# TYPE resv_sidecar_owner_cache_wrong_total counter\n"
        "resv_sidecar_owner_cache_wrong_total %llu\n"
        "# HELP resv_sidecar_owner_cache_entries Reservation owners remembered.\n"
        "# TYPE resv_sidecar_owner_cache_entries gauge\n"
        "resv_sidecar_owner_cache_entries %zu\n"
        "# HELP resv_sidecar_webhooks_ignored_total Webhook events acknowledged without "
        "handling (an event the sidecar does not know).\n"
        "# TYPE resv_sidecar_webhooks_ignored_total counter\n"
        "resv_sidecar_webhooks_ignored_total %llu\n",
        sum.requestMicros, sum.inflight, __atomic_load_n(&g->connections, __ATOMIC_RELAXED),
        sum.rejectedConnections, sum.redisUp, sum.redisReconnects, sum.redisErrors,
        sum.webhooksDuplicate, sum.ownerCacheHits, sum.ownerCacheWrong, sum.ownerCacheEntries,
        sum.webhooksIgnored);
    const syncStats *ss = &sum.sync;
    evbuffer_add_printf(
        b,
        "# HELP resv_sidecar_push_total Status changes delivered to the provider, by result.\n"
        "# TYPE resv_sidecar_push_total counter\n"
        "resv_sidecar_push_total{result=\"ok\"} %llu\n"
        "resv_sidecar_push_total{result=\"failed\"} %llu\n"
        "# HELP resv_sidecar_push_retries_total Delivery attempts that will be retried.\n"
        "# TYPE resv_sidecar_push_retries_total counter\nresv_sidecar_push_retries_total %llu\n"
        "# HELP resv_sidecar_pulls_total Pulls from the provider, and those that failed.\n"
        "# TYPE resv_sidecar_pulls_total counter\nresv_sidecar_pulls_total %llu\n"
        "# TYPE resv_sidecar_pull_errors_total counter\nresv_sidecar_pull_errors_total %llu\n"
        "# HELP resv_sidecar_pulled_reservations_total Reservations received by pulls.\n"
        "# TYPE resv_sidecar_pulled_reservations_total counter\n"
        "resv_sidecar_pulled_reservations_total %llu\n"
        "# HELP resv_sidecar_sync_stores Stores with an active system (push/pull workers).\n"
        "# TYPE resv_sidecar_sync_stores gauge\nresv_sidecar_sync_stores %d\n"
        "# HELP resv_sidecar_provider_requests_in_flight Requests to the provider now.\n"
        "# TYPE resv_sidecar_provider_requests_in_flight gauge\n"
        "resv_sidecar_provider_requests_in_flight %d\n"
        "# HELP resv_sidecar_sse_clients Open event streams.\n"
        "# TYPE resv_sidecar_sse_clients gauge\nresv_sidecar_sse_clients %d\n",
        ss->pushOk, ss->pushFailed, ss->pushRetries, ss->pulls, ss->pullErrors, ss->pulledItems,
        ss->workers, sum.providerInflight, sum.sseClients);
    opsMetricsGauges(b, info);
    size_t len = evbuffer_get_length(b);
    httpFinishRaw(c, 200, "text/plain; version=0.0.4; charset=utf-8",
                  (const char *)evbuffer_pullup(b, -1), len);
    evbuffer_free(b);
}

/* Every counter is the process's (the sum over the worker loops); the worker lines
 * show how the load spreads; the module's gauges come from INFO resv. */
httpResult routeMetrics(httpCtx *c) {
    redisCmd a;
    redisCmdInit(&a, "INFO");
    redisCmdPushStr(&a, "resv");
    if (httpRedis(c, opsMetricsReply, &a) == HTTP_R_PENDING) return HTTP_R_PENDING;
    opsMetricsFinish(c, NULL);
    return HTTP_R_PENDING;
}
