#include "server.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http_struct.h>

#define ANY_ROLE          ((1u << AUTH_ROLE_COUNT) - 1)
#define R(x)              AUTH_ROLE_BIT(AUTH_##x)
#define JSON_MAX_DEPTH    32
#define PATH_MAX_SEGMENTS 8

typedef struct {
    unsigned methods; /* EVHTTP_REQ_* bits */
    const char *pattern;
    httpHandler handler;
    unsigned roles; /* AUTH_ROLE_BIT mask; 0: public */
} httpRoute;

#define API "/api/v1/integrations"
/* First match wins, so fixed names come before {} on the same level. */
static const httpRoute httpRoutes[] = {
    {EVHTTP_REQ_GET, "/healthz", routeHealthz, 0},
    {EVHTTP_REQ_GET, "/openapi.json", routeOpenapi, 0},
    {EVHTTP_REQ_GET, "/metrics", routeMetrics, 0},
    {EVHTTP_REQ_POST, API "/systems", routeSystemsCreate, R(ADMIN) | R(STORE_MANAGER)},
    {EVHTTP_REQ_GET, API "/systems", routeSystemsList, ANY_ROLE},
    {EVHTTP_REQ_GET, API "/systems/{}", routeSystemsGet, ANY_ROLE},
    {EVHTTP_REQ_POST, API "/systems/{}/test", routeSystemsTest, R(ADMIN) | R(STORE_MANAGER)},
    {EVHTTP_REQ_POST, API "/systems/{}/pull", routeSystemsPull, R(ADMIN) | R(STORE_MANAGER)},
    {EVHTTP_REQ_GET, API "/events", routeEvents, ANY_ROLE},
    {EVHTTP_REQ_GET, API "/sync/failures", routeSyncFailures, ANY_ROLE},
    {EVHTTP_REQ_GET, API "/reservation/list", routeReservationList, ANY_ROLE},
    {EVHTTP_REQ_GET, API "/reservation/stats", routeReservationStats, ANY_ROLE},
    {EVHTTP_REQ_GET, API "/reservation/tables", routeReservationTables, ANY_ROLE},
    {EVHTTP_REQ_POST, API "/reservation/{}/sync", routeReservationSync,
     R(ADMIN) | R(STORE_MANAGER) | R(CUSTOMER_MANAGER)},
    {EVHTTP_REQ_POST, API "/reservation/{}/resync", routeReservationResync,
     R(ADMIN) | R(STORE_MANAGER) | R(CUSTOMER_MANAGER)},
    {EVHTTP_REQ_GET, API "/reservation/{}", routeReservationGet, ANY_ROLE},
    {EVHTTP_REQ_GET, API "/reservation/{}/history", routeReservationHistory, ANY_ROLE},
    {EVHTTP_REQ_PUT, API "/reservation/{}/status", routeReservationStatus,
     R(ADMIN) | R(STORE_MANAGER) | R(FLOOR_MANAGER)},
    {EVHTTP_REQ_POST, API "/webhooks/reservation/{}", routeWebhookReceive, 0},
};
#define NROUTES (sizeof(httpRoutes) / sizeof(httpRoutes[0]))

uint64_t httpNowUs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int httpResultStatus(httpResult r) {
    switch (r) {
    case HTTP_R_PENDING: return 500; /* never replied as such */
    case HTTP_R_OK: return 200;
    case HTTP_R_CREATED: return 201;
    case HTTP_R_BAD_REQUEST: return 400;
    case HTTP_R_UNAUTHORIZED: return 401;
    case HTTP_R_FORBIDDEN: return 403;
    case HTTP_R_NOT_FOUND: return 404;
    case HTTP_R_METHOD_NOT_ALLOWED: return 405;
    case HTTP_R_CONFLICT: return 409;
    case HTTP_R_TOO_LARGE: return 413;
    case HTTP_R_URI_TOO_LONG: return 414;
    case HTTP_R_INTERNAL: return 500;
    case HTTP_R_BAD_GATEWAY: return 502;
    case HTTP_R_UNAVAILABLE: return 503;
    }
    return 500;
}

static const char *httpResultCode(httpResult r) {
    switch (r) {
    case HTTP_R_BAD_REQUEST: return "bad_request";
    case HTTP_R_UNAUTHORIZED: return "unauthorized";
    case HTTP_R_FORBIDDEN: return "forbidden";
    case HTTP_R_NOT_FOUND: return "not_found";
    case HTTP_R_METHOD_NOT_ALLOWED: return "method_not_allowed";
    case HTTP_R_CONFLICT: return "conflict";
    case HTTP_R_TOO_LARGE: return "payload_too_large";
    case HTTP_R_URI_TOO_LONG: return "uri_too_long";
    case HTTP_R_BAD_GATEWAY: return "bad_gateway";
    case HTTP_R_UNAVAILABLE: return "unavailable";
    default: return "internal_error";
    }
}

httpResult httpFail(httpCtx *c, httpResult r, const char *code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->errMsg, sizeof(c->errMsg), fmt, ap);
    va_end(ap);
    c->errCode = code ? code : httpResultCode(r);
    return r;
}

httpResult httpFailRedis(httpCtx *c, const redisReply *r) {
    if (!r) return httpFail(c, HTTP_R_UNAVAILABLE, "redis_unavailable", "Redis is unavailable");
    if (r->type != REDIS_REPLY_ERROR)
        return httpFail(c, HTTP_R_INTERNAL, NULL, "unexpected reply from Redis");
    c->srv->redisErrors++;
    const char *s = r->str;
    /* The module's errors start with a code word: ERR (the client's fault, message names
     * the field), NOTFOUND, CONFLICT. Anything else is the server's trouble. */
    static const struct {
        const char *prefix;
        httpResult result;
        const char *code;
    } map[] = {
        {"ERR unknown command", HTTP_R_INTERNAL, "redis_error"},
        {"ERR ", HTTP_R_BAD_REQUEST, "bad_request"},
        {"NOTFOUND", HTTP_R_NOT_FOUND, "not_found"},
        {"CONFLICT", HTTP_R_CONFLICT, "conflict"},
        {"LOADING", HTTP_R_UNAVAILABLE, "redis_unavailable"},
        {"BUSY", HTTP_R_UNAVAILABLE, "redis_unavailable"},
        {"TRYAGAIN", HTTP_R_UNAVAILABLE, "redis_unavailable"},
        {"MASTERDOWN", HTTP_R_UNAVAILABLE, "redis_unavailable"},
        {"CLUSTERDOWN", HTTP_R_UNAVAILABLE, "redis_unavailable"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        size_t n = strlen(map[i].prefix);
        if (r->len >= n && strncmp(s, map[i].prefix, n) == 0) {
            /* Pass the message without its code word: the HTTP code says it. */
            const char *msg = s;
            if (map[i].result == HTTP_R_BAD_REQUEST || map[i].result == HTTP_R_NOT_FOUND ||
                map[i].result == HTTP_R_CONFLICT) {
                size_t w = strcspn(s, " ");
                msg = s[w] ? s + w + 1 : s;
            }
            return httpFail(c, map[i].result, map[i].code, "%s", msg);
        }
    }
    return httpFail(c, HTTP_R_INTERNAL, "redis_error", "%s", s);
}

redisReply *httpReplyTake(httpCtx *c, void *reply, int wantType) {
    redisReply *r = reply;
    c->redisPending--;
    if (r && r->type != REDIS_REPLY_ERROR && (wantType == HTTP_REPLY_ANY || r->type == wantType))
        return r;
    httpFinish(c, httpFailRedis(c, r), NULL);
    return NULL;
}

static void httpCtxFree(httpCtx *c) {
    for (int i = 0; i < HTTP_MAX_PARAMS; i++)
        free(c->params[i]);
    free(c->uri);
    evhttp_clear_headers(&c->query);
    if (c->authed) authClaimsClear(&c->claims);
    json_decref(c->body);
    json_decref(c->sys);
    free(c->store);
    free(c->rawBody);
    if (c->stateFree) c->stateFree(c->state);
    free(c);
}

/* The reply is out: one access log line (request data goes in through %s only), the
 * counters, and the context goes. */
static void httpDone(httpCtx *c, int status, const char *note) {
    server *srv = c->srv;
    uint64_t us = httpNowUs() - c->startUs;
    fprintf(stderr, "%s %s %d %lluus%s\n", c->method, c->uri ? c->uri : "-", status,
            (unsigned long long)us, note);
    if (status >= 100 && status < 600) srv->requestsByClass[status / 100]++;
    srv->requestMicros += us;
    srv->inflight--;
    httpCtxFree(c);
}

static void httpSend(httpCtx *c, int status, const char *contentType, struct evbuffer *buf) {
    struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);
    evhttp_add_header(h, "Content-Type", contentType);
    if (status == 503) evhttp_add_header(h, "Retry-After", "1");
    if (c->srv->draining) evhttp_add_header(h, "Connection", "close");
    evhttp_send_reply(c->req, status, NULL, buf);
    httpDone(c, status, "");
}

void httpStreamStart(httpCtx *c, const char *contentType) {
    struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);
    evhttp_add_header(h, "Content-Type", contentType);
    evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_add_header(h, "X-Accel-Buffering", "no"); /* a proxy in front must not buffer */
    evhttp_send_reply_start(c->req, 200, "OK");
}

void httpStreamChunk(httpCtx *c, struct evbuffer *data) {
    if (evhttp_request_get_connection(c->req)) evhttp_send_reply_chunk(c->req, data);
}

void httpStreamEnd(httpCtx *c) {
    /* Without a connection this only frees the request. */
    evhttp_send_reply_end(c->req);
    httpDone(c, 200, " (stream)");
}

void httpFinishRaw(httpCtx *c, int status, const char *contentType, const char *data, size_t len) {
    struct evbuffer *buf = evbuffer_new();
    if (buf) evbuffer_add(buf, data, len);
    httpSend(c, status, contentType, buf);
    if (buf) evbuffer_free(buf);
}

void httpFinish(httpCtx *c, httpResult r, json_t *body) {
    int status = httpResultStatus(r);
    if (status >= 300 || !body) {
        json_decref(body);
        if (status < 300) {
            /* A success without a body is a bug of ours, not a reason to crash. */
            httpFail(c, HTTP_R_INTERNAL, NULL, "no reply was produced");
            status = 500;
        }
        if (!c->errCode) httpFail(c, r, NULL, "%s", "request failed");
        body = json_pack("{s:{s:s,s:s}}", "error", "code", c->errCode, "message", c->errMsg);
        /* A message that quotes bytes which are not UTF-8 cannot be JSON text. */
        if (!body)
            body = json_pack("{s:{s:s,s:s}}", "error", "code", c->errCode, "message",
                             "(the message is not valid UTF-8)");
    }
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(body);
    if (!text) {
        static const char oom[] =
            "{\"error\":{\"code\":\"internal_error\",\"message\":\"out of memory\"}}";
        httpFinishRaw(c, 500, "application/json", oom, sizeof(oom) - 1);
        return;
    }
    httpFinishRaw(c, status, "application/json; charset=utf-8", text, strlen(text));
    free(text);
}

httpResult httpRedis(httpCtx *c, redisCallbackFn *fn, void *privdata, int argc, const char **argv,
                     const size_t *lens) {
    if (redisConnSend(c->srv->redis, fn, privdata, argc, argv, lens))
        return httpFail(c, HTTP_R_UNAVAILABLE, "redis_unavailable", "Redis is unavailable");
    c->redisPending++;
    return HTTP_R_PENDING;
}

httpResult httpRedisArgv(httpCtx *c, redisCallbackFn *fn, resvArgv *a) {
    httpResult r;
    if (a->oom)
        r = httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    else
        r = httpRedis(c, fn, c, a->argc, (const char **)a->argv, a->lens);
    resvArgvFree(a);
    return r;
}

const char *httpQuery(httpCtx *c, const char *name) {
    return evhttp_find_header(&c->query, name);
}

static int httpJsonDepth(const json_t *v, int depth) {
    if (depth > JSON_MAX_DEPTH) return depth;
    int max = depth;
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) {
            int d = httpJsonDepth(x, depth + 1);
            if (d > max) max = d;
            if (max > JSON_MAX_DEPTH) break;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            int d = httpJsonDepth(x, depth + 1);
            if (d > max) max = d;
            if (max > JSON_MAX_DEPTH) break;
        }
    }
    return max;
}

httpResult httpParseJsonBody(httpCtx *c, int requireObject) {
    struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
    size_t len = evbuffer_get_length(in);
    if (len == 0) return httpFail(c, HTTP_R_BAD_REQUEST, "invalid_json", "a JSON body is required");
    const char *data = (const char *)evbuffer_pullup(in, -1);
    json_error_t err;
    /* jansson itself stops at depth 2048, so absurd nesting cannot exhaust the stack. */
    json_t *v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
    if (!v)
        return httpFail(c, HTTP_R_BAD_REQUEST, "invalid_json",
                        "invalid JSON at line %d column %d: %s", err.line, err.column, err.text);
    if (httpJsonDepth(v, 1) > JSON_MAX_DEPTH) {
        json_decref(v);
        return httpFail(c, HTTP_R_BAD_REQUEST, "invalid_json", "JSON nested deeper than %d levels",
                        JSON_MAX_DEPTH);
    }
    if (requireObject && !json_is_object(v)) {
        json_decref(v);
        return httpFail(c, HTTP_R_BAD_REQUEST, "invalid_json", "the body must be a JSON object");
    }
    json_decref(c->body);
    c->body = v;
    return HTTP_R_OK;
}

int httpStoreAllowed(httpCtx *c, const char *store) {
    return authStoreAllowed(&c->claims, store, strlen(store));
}

/* Health, metrics and the API description: small enough to live with the server. */
static void httpHealthzDown(httpCtx *c) {
    json_t *body = json_pack("{s:s,s:s,s:{s:s,s:s}}", "status", "error", "redis", "down", "error",
                             "code", "redis_unavailable", "message", "Redis is unavailable");
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    httpFinishRaw(c, 503, "application/json; charset=utf-8", text ? text : "{}",
                  text ? strlen(text) : 2);
    free(text);
}

static void httpHealthzReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = reply;
    /* Not httpReplyTake(): whatever error PING gets, the answer is "Redis is down". */
    c->redisPending--;
    if (!r || r->type == REDIS_REPLY_ERROR)
        httpHealthzDown(c);
    else
        httpFinish(c, HTTP_R_OK, json_pack("{s:s,s:s}", "status", "ok", "redis", "up"));
}

httpResult routeHealthz(httpCtx *c) {
    static const char *argv[] = {"PING"};
    static const size_t lens[] = {4};
    httpResult r = httpRedis(c, httpHealthzReply, c, 1, argv, lens);
    if (r != HTTP_R_UNAVAILABLE) return r;
    httpHealthzDown(c);
    return HTTP_R_PENDING;
}

httpResult routeOpenapi(httpCtx *c) {
    if (!c->srv->openapi)
        return httpFail(c, HTTP_R_NOT_FOUND, NULL, "no OpenAPI description was loaded");
    httpFinishRaw(c, 200, "application/json; charset=utf-8", c->srv->openapi, c->srv->openapiLen);
    return HTTP_R_PENDING;
}

httpResult routeMetrics(httpCtx *c) {
    server *srv = c->srv;
    struct evbuffer *b = evbuffer_new();
    if (!b) return httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    evbuffer_add_printf(b, "# HELP resv_sidecar_http_requests_total HTTP requests answered, by "
                           "status class.\n# TYPE resv_sidecar_http_requests_total counter\n");
    for (int i = 1; i <= 5; i++)
        evbuffer_add_printf(b, "resv_sidecar_http_requests_total{code=\"%dxx\"} %llu\n", i,
                            srv->requestsByClass[i]);
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
        "# HELP resv_sidecar_redis_up 1 when the Redis connection is up.\n"
        "# TYPE resv_sidecar_redis_up gauge\nresv_sidecar_redis_up %d\n"
        "# HELP resv_sidecar_redis_reconnects_total Reconnect attempts to Redis.\n"
        "# TYPE resv_sidecar_redis_reconnects_total counter\n"
        "resv_sidecar_redis_reconnects_total %lu\n"
        "# HELP resv_sidecar_redis_errors_total Error replies from Redis.\n"
        "# TYPE resv_sidecar_redis_errors_total counter\nresv_sidecar_redis_errors_total %llu\n"
        "# HELP resv_sidecar_webhooks_duplicate_total Webhook deliveries acknowledged as "
        "repeats.\n# TYPE resv_sidecar_webhooks_duplicate_total counter\n"
        "resv_sidecar_webhooks_duplicate_total %llu\n",
        srv->requestMicros, srv->inflight, srv->nconns, srv->rejectedConnections,
        redisConnIsUp(srv->redis), redisConnReconnects(srv->redis), srv->redisErrors,
        srv->webhooksDuplicate);
    syncStats ss;
    syncGetStats(srv->sync, &ss);
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
        ss.pushOk, ss.pushFailed, ss.pushRetries, ss.pulls, ss.pullErrors, ss.pulledItems,
        ss.workers, httpClientInflight(srv->provider), sseClientCount(srv));
    size_t len = evbuffer_get_length(b);
    httpFinishRaw(c, 200, "text/plain; version=0.0.4; charset=utf-8",
                  (const char *)evbuffer_pullup(b, -1), len);
    evbuffer_free(b);
    return HTTP_R_PENDING;
}

/* Connection accounting. libevent 2.1 has no hook that sees a new connection:
 * evhttp_set_bevcb() runs at accept but is given neither the evhttp_connection nor a way
 * to learn of its close, and evhttp_set_newreqcb() only comes with 2.2. So a connection
 * is counted at its first request, found by a scan of at most max-connections pointers
 * on each request, and uncounted by its close callback. */
static void serverOnConnClose(struct evhttp_connection *evcon, void *arg) {
    server *srv = arg;
    sseOnConnClose(srv, evcon);
    for (int i = 0; i < srv->nconns; i++)
        if (srv->conns[i] == evcon) {
            srv->conns[i] = srv->conns[--srv->nconns];
            return;
        }
}

/* 0 when the connection is (now) counted, -1 when it would exceed the bound. */
static int serverTrackConnection(server *srv, struct evhttp_connection *evcon) {
    if (!evcon) return 0;
    for (int i = 0; i < srv->nconns; i++)
        if (srv->conns[i] == evcon) return 0;
    if (srv->nconns >= srv->cfg->maxConnections) return -1;
    if (srv->nconns == srv->capConns) {
        int cap = srv->capConns ? srv->capConns * 2 : 64;
        void *p = realloc(srv->conns, (size_t)cap * sizeof(*srv->conns));
        if (!p) return -1;
        srv->conns = p;
        srv->capConns = cap;
    }
    srv->conns[srv->nconns++] = evcon;
    evhttp_connection_set_closecb(evcon, serverOnConnClose, srv);
    return 0;
}

static const char *httpMethodName(enum evhttp_cmd_type m) {
    switch (m) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_TRACE: return "TRACE";
    case EVHTTP_REQ_CONNECT: return "CONNECT";
    case EVHTTP_REQ_PATCH: return "PATCH";
    }
    return "OTHER";
}

/* Splits the path into decoded segments. -1 when malformed (NUL, too many). */
static int httpSplitPath(const char *path, char **segs, int max) {
    int n = 0;
    if (*path != '/') return -1;
    const char *p = path + 1;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (n == max) goto fail;
        char *raw = strndup(p, len);
        if (!raw) goto fail;
        size_t outlen = 0;
        char *dec = evhttp_uridecode(raw, 0, &outlen);
        free(raw);
        if (!dec) goto fail;
        if (strlen(dec) != outlen) {
            free(dec);
            goto fail;
        }
        segs[n++] = dec;
        if (!slash) break;
        p = slash + 1;
    }
    return n;
fail:
    for (int i = 0; i < n; i++)
        free(segs[i]);
    return -1;
}

/* Matches decoded segments against a pattern, read in place (no copy to tokenize for
 * every route of every request); fills params on a match. */
static int httpRouteMatch(const char *pattern, char **segs, int nsegs, char **params) {
    int i = 0, np = 0;
    for (const char *p = pattern;; i++) {
        p += strspn(p, "/");
        if (!*p) break;
        size_t n = strcspn(p, "/");
        if (i >= nsegs) return 0;
        if (n == 2 && p[0] == '{' && p[1] == '}') {
            if (segs[i][0] == '\0') return 0;
            if (params && np < HTTP_MAX_PARAMS) params[np] = segs[i];
            np++;
        } else if (strncmp(p, segs[i], n) != 0 || segs[i][n] != '\0') {
            return 0;
        }
        p += n;
    }
    return i == nsegs;
}

static httpResult httpAuthorize(httpCtx *c, const httpRoute *route) {
    server *srv = c->srv;
    if (!srv->jwtSecret)
        return httpFail(c, HTTP_R_UNAUTHORIZED, NULL, "no JWT secret is configured");
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Authorization");
    if (!h) return httpFail(c, HTTP_R_UNAUTHORIZED, NULL, "missing Authorization: Bearer token");
    const char *why = "invalid token";
    if (authVerify(srv->jwtSecret, srv->jwtSecretLen, h, time(NULL), &c->claims, &why) != 0) {
        authClaimsClear(&c->claims);
        return httpFail(c, HTTP_R_UNAUTHORIZED, NULL, "%s", why ? why : "invalid token");
    }
    c->authed = 1;
    if (!(route->roles & AUTH_ROLE_BIT(c->claims.role)))
        return httpFail(c, HTTP_R_FORBIDDEN, NULL, "role %s may not do this",
                        authRoleName(c->claims.role));
    return HTTP_R_OK;
}

static httpResult httpDispatch(httpCtx *c) {
    server *srv = c->srv;
    struct evhttp_request *req = c->req;
    if (c->uri && (long)strlen(c->uri) > srv->cfg->maxUri)
        return httpFail(c, HTTP_R_URI_TOO_LONG, NULL, "the URI is longer than %ld bytes",
                        srv->cfg->maxUri);
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
    const char *path = u ? evhttp_uri_get_path(u) : NULL;
    if (!path || !*path) return httpFail(c, HTTP_R_NOT_FOUND, NULL, "no such path");
    const char *q = evhttp_uri_get_query(u);
    if (q && evhttp_parse_query_str(q, &c->query) != 0)
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "malformed query string");

    char *segs[PATH_MAX_SEGMENTS];
    int nsegs = httpSplitPath(path, segs, PATH_MAX_SEGMENTS);
    if (nsegs < 0) return httpFail(c, HTTP_R_NOT_FOUND, NULL, "no such path");
    const httpRoute *route = NULL;
    char allow[64] = "";
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    for (size_t i = 0; i < NROUTES; i++) {
        if (!httpRouteMatch(httpRoutes[i].pattern, segs, nsegs, NULL)) continue;
        if (httpRoutes[i].methods & m) {
            route = &httpRoutes[i];
            break;
        }
        const char *name = httpMethodName((enum evhttp_cmd_type)httpRoutes[i].methods);
        if (!strstr(allow, name)) {
            if (*allow) strncat(allow, ", ", sizeof(allow) - strlen(allow) - 1);
            strncat(allow, name, sizeof(allow) - strlen(allow) - 1);
        }
    }
    httpResult r = HTTP_R_OK;
    if (route) {
        char *params[HTTP_MAX_PARAMS] = {0};
        httpRouteMatch(route->pattern, segs, nsegs, params);
        for (int i = 0; i < HTTP_MAX_PARAMS; i++)
            c->params[i] = params[i] ? strdup(params[i]) : NULL;
    }
    for (int i = 0; i < nsegs; i++)
        free(segs[i]);
    if (!route) {
        if (*allow) {
            evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
            return httpFail(c, HTTP_R_METHOD_NOT_ALLOWED, NULL, "method %s is not allowed here",
                            c->method);
        }
        return httpFail(c, HTTP_R_NOT_FOUND, NULL, "no such path");
    }
    if (route->roles && (r = httpAuthorize(c, route)) != HTTP_R_OK) return r;
    return route->handler(c);
}

static void serverOnRequest(struct evhttp_request *req, void *arg) {
    server *srv = arg;
    httpCtx *c = calloc(1, sizeof(*c));
    if (!c) {
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    c->req = req;
    c->srv = srv;
    c->startUs = httpNowUs();
    c->method = httpMethodName(evhttp_request_get_command(req));
    c->uri = strdup(evhttp_request_get_uri(req));
    /* The access log must stay one line per request, whatever the client sent. */
    for (char *p = c->uri; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    TAILQ_INIT(&c->query);
    srv->inflight++;

    httpResult r;
    if (srv->draining) {
        r = httpFail(c, HTTP_R_UNAVAILABLE, "shutting_down", "the server is shutting down");
    } else if (serverTrackConnection(srv, evhttp_request_get_connection(req))) {
        srv->rejectedConnections++;
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        r = httpFail(c, HTTP_R_UNAVAILABLE, "too_many_connections",
                     "more than %ld open connections", srv->cfg->maxConnections);
    } else {
        r = httpDispatch(c);
    }
    if (r != HTTP_R_PENDING) httpFinish(c, r, NULL);
}

static char *serverReadFile(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 65536 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(buf, cap + 1);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

int serverInit(server *srv, struct event_base *base, sidecarConfig *cfg) {
    char host[256];
    int port;
    memset(srv, 0, sizeof(*srv));
    srv->base = base;
    srv->cfg = cfg;

    if (cfg->jwtSecretFile) {
        srv->jwtSecret = authLoadSecret(cfg->jwtSecretFile, &srv->jwtSecretLen);
        if (!srv->jwtSecret || srv->jwtSecretLen == 0) {
            fprintf(stderr, "resv-sidecar: cannot read the JWT secret from %s\n",
                    cfg->jwtSecretFile);
            return -1;
        }
    } else {
        fprintf(stderr, "resv-sidecar: no --jwt-secret-file: every authenticated endpoint "
                        "answers 401\n");
    }
    if (cfg->openapiFile) {
        srv->openapi = serverReadFile(cfg->openapiFile, &srv->openapiLen);
        if (!srv->openapi)
            fprintf(stderr, "resv-sidecar: cannot read %s: GET /openapi.json answers 404\n",
                    cfg->openapiFile);
    }

    /* Several addresses are seed nodes of a cluster; routing by slot is not there yet,
     * so the first one serves every command. */
    char first[512];
    snprintf(first, sizeof(first), "%s", cfg->redis);
    first[strcspn(first, ",")] = '\0';
    if (strchr(cfg->redis, ','))
        fprintf(stderr,
                "resv-sidecar: several --redis addresses given: cluster routing is not "
                "implemented yet, using %s only\n",
                first);
    if (configSplitHostPort(first, host, sizeof(host), &port)) {
        fprintf(stderr, "resv-sidecar: bad --redis address %s\n", first);
        return -1;
    }
    srv->redis = redisConnNew(base, host, port, cfg->redisConnectTimeoutMs, cfg->redisReconnectMs);
    if (!srv->redis) return -1;
    srv->provider = httpClientNew(base, cfg->providerCaFile);
    if (!srv->provider) return -1;
    srv->sync = syncNew(base, cfg, srv->redis, srv->provider);
    if (!srv->sync) return -1;
    if (sseInit(srv)) return -1;

    if (configSplitHostPort(cfg->listen, host, sizeof(host), &port)) {
        fprintf(stderr, "resv-sidecar: bad --listen address %s\n", cfg->listen);
        return -1;
    }
    if (!cfg->publicUrl) {
        /* Good enough on a developer's machine; behind a proxy, set public-url. */
        char url[600];
        snprintf(url, sizeof(url), "http://%s", cfg->listen);
        if (configSet(cfg, "public-url", url, host, sizeof(host))) return -1;
    }
    srv->http = evhttp_new(base);
    if (!srv->http) return -1;
    evhttp_set_max_body_size(srv->http, cfg->maxBody);
    evhttp_set_max_headers_size(srv->http, cfg->maxHeaders);
    evhttp_set_timeout(srv->http, (int)cfg->timeout);
    evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                              EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD |
                                              EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    evhttp_set_gencb(srv->http, serverOnRequest, srv);
    srv->sock = evhttp_bind_socket_with_handle(srv->http, host, (ev_uint16_t)port);
    if (!srv->sock) {
        fprintf(stderr, "resv-sidecar: cannot listen on %s\n", cfg->listen);
        return -1;
    }
    fprintf(stderr, "resv-sidecar: listening on %s, redis %s\n", cfg->listen, first);
    return 0;
}

void serverFree(server *srv) {
    /* Provider calls first, then Redis: their pending callbacks answer their requests
     * (503) while evhttp still owns them; then the sync state, idle by now, goes, and
     * evhttp closes whatever connections remain. */
    sseShutdown(srv);
    syncStop(srv->sync);
    httpClientFree(srv->provider);
    srv->provider = NULL;
    redisConnFree(srv->redis);
    srv->redis = NULL;
    syncFree(srv->sync);
    srv->sync = NULL;
    sseFree(srv);
    if (srv->http) evhttp_free(srv->http);
    srv->http = NULL;
    if (srv->drainTimer) event_free(srv->drainTimer);
    free(srv->conns);
    free(srv->jwtSecret);
    free(srv->openapi);
    memset(srv, 0, sizeof(*srv));
}

/* Connections whose replies have not all left their output buffer. Read off the
 * buffers themselves: a client that hangs up mid-reply takes its connection (and its
 * share) with it, where a counter of pending writes would never come down again. */
static int serverUnwritten(server *srv) {
    int n = 0;
    for (int i = 0; i < srv->nconns; i++) {
        struct bufferevent *bev = evhttp_connection_get_bufferevent(srv->conns[i]);
        if (bev && evbuffer_get_length(bufferevent_get_output(bev)) > 0) n++;
    }
    return n;
}

/* Drain: checked every 50 ms; when no request is in flight and every reply is written
 * (or the grace period is over) the loop ends and main() frees everything. */
static void serverOnDrainTimer(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *srv = arg;
    int unwritten = serverUnwritten(srv);
    if ((srv->inflight > 0 || unwritten > 0) && httpNowUs() < srv->drainDeadlineUs) return;
    if (srv->inflight > 0 || unwritten > 0)
        fprintf(stderr,
                "resv-sidecar: %d requests in flight, %d replies unwritten at the deadline\n",
                srv->inflight, unwritten);
    event_del(srv->drainTimer);
    event_base_loopexit(srv->base, NULL);
}

void serverShutdown(server *srv) {
    if (srv->draining) return;
    srv->draining = 1;
    fprintf(stderr, "resv-sidecar: shutting down, %d requests in flight\n", srv->inflight);
    syncStop(srv->sync);
    sseShutdown(srv);
    if (srv->sock) evhttp_del_accept_socket(srv->http, srv->sock);
    srv->sock = NULL;
    srv->drainDeadlineUs = httpNowUs() + (uint64_t)srv->cfg->shutdownTimeout * 1000000u;
    srv->drainTimer = event_new(srv->base, -1, EV_PERSIST, serverOnDrainTimer, srv);
    struct timeval tv = {0, 50000};
    if (!srv->drainTimer || event_add(srv->drainTimer, &tv)) event_base_loopexit(srv->base, NULL);
}
