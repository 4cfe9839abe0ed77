#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>

#include "clock.h"
#include "log.h"
#include "resv_floor.h"
#include "resv_keys.h"
#include "resv_model.h"

#define JSON_MAX_DEPTH 32

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
    json_decref(c->errExtra);
    c->errExtra = NULL;
    return r;
}

/* The numbers of a pacing refusal's text (resv_floor.h) as members of the error. */
static void httpCapacityNumbers(httpCtx *c, const char *msg) {
    long n[4];
    if (resvFloorCapacityParse(msg, n)) return;
    c->errExtra = json_object();
    for (int i = 0; i < 2; i++)
        json_object_set_new(c->errExtra, i ? "parties" : "covers",
                            json_pack("{s:I,s:o}", "booked", (json_int_t)n[2 * i], "limit",
                                      n[2 * i + 1] > 0 ? json_integer(n[2 * i + 1]) : json_null()));
}

/* The module names its options (ARRIVAL, CURSOR, AREA); an HTTP caller wrote the query
 * parameters or body fields they come from. Whole upper-case words only, so field names
 * and values quoted in a message stay as they are. */
static void httpNameOptions(const char *msg, char *out, size_t cap) {
    static const char *const names[][2] = {
        {"ARRIVAL", "arrival_time"}, {"TABLE", "table_number"}, {"STATUS", "status"},
        {"FROM", "date_from"},       {"TO", "date_to"},         {"LIMIT", "limit"},
        {"CURSOR", "cursor"},        {"BUCKET", "bucket"},      {"COUNT", "count"},
        {"SEATS", "seats"},          {"AREA", "area"},          {"JOINS", "joins"},
    };
    size_t o = 0;
    for (const char *p = msg; *p && o + 1 < cap;) {
        size_t w = 0;
        while (p[w] >= 'A' && p[w] <= 'Z')
            w++;
        int atStart =
            p == msg || !((p[-1] >= 'a' && p[-1] <= 'z') || p[-1] == '_' ||
                          (p[-1] >= '0' && p[-1] <= '9') || (p[-1] >= 'A' && p[-1] <= 'Z'));
        int atEnd = !((p[w] >= 'a' && p[w] <= 'z') || p[w] == '_' || (p[w] >= '0' && p[w] <= '9'));
        const char *to = NULL;
        for (size_t i = 0; w && atStart && atEnd && i < sizeof(names) / sizeof(names[0]); i++)
            if (strlen(names[i][0]) == w && strncmp(p, names[i][0], w) == 0) to = names[i][1];
        if (!w) w = 1;
        const char *src = to ? to : p;
        size_t n = to ? strlen(to) : w;
        if (n > cap - 1 - o) n = cap - 1 - o;
        memcpy(out + o, src, n);
        o += n;
        p += w;
    }
    out[o] = '\0';
}

/* An id of another store names that store only to a caller allowed on it: to another
 * the id is taken, and the chain's other store names stay unknown to it. */
static void httpHideOwner(httpCtx *c) {
    const char *id = c->errMsg + strlen(RESV_OWNER_CONFLICT_ID);
    char *by = strstr(c->errMsg, RESV_OWNER_CONFLICT_STORE);
    if (strncmp(c->errMsg, RESV_OWNER_CONFLICT_ID, strlen(RESV_OWNER_CONFLICT_ID)) || !by ||
        httpStoreAllowed(c, by + strlen(RESV_OWNER_CONFLICT_STORE)))
        return;
    char msg[sizeof(c->errMsg)];
    snprintf(msg, sizeof msg, RESV_OWNER_CONFLICT_ID "%.*s is taken by another store",
             (int)(by - id), id);
    memcpy(c->errMsg, msg, sizeof msg);
}

httpResult httpFailRedis(httpCtx *c, const redisReply *r) {
    if (!r) return httpFail(c, HTTP_R_UNAVAILABLE, "redis_unavailable", "Redis is unavailable");
    if (r->type != REDIS_REPLY_ERROR)
        return httpFail(c, HTTP_R_INTERNAL, NULL, "unexpected reply from Redis");
    c->loop->redisErrors++;
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
        {"CONFLICT capacity", HTTP_R_CONFLICT, "capacity"}, /* a slot's pacing (resv_floor.h) */
        {"CONFLICT", HTTP_R_CONFLICT, "conflict"},
        {"LOADING", HTTP_R_UNAVAILABLE, "redis_unavailable"},
        {"BUSY", HTTP_R_UNAVAILABLE, "redis_unavailable"},
        {"TRYAGAIN", HTTP_R_UNAVAILABLE, "redis_unavailable"},
        {"MASTERDOWN", HTTP_R_UNAVAILABLE, "redis_unavailable"},
        {"NOREPLICAS", HTTP_R_UNAVAILABLE, "not_replicated"},
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
            if (map[i].result == HTTP_R_BAD_REQUEST) {
                char named[sizeof(c->errMsg)];
                httpNameOptions(msg, named, sizeof(named));
                return httpFail(c, map[i].result, map[i].code, "%s", named);
            }
            httpResult res = httpFail(c, map[i].result, map[i].code, "%s", msg);
            if (strcmp(map[i].code, "capacity") == 0) httpCapacityNumbers(c, msg);
            if (map[i].result == HTTP_R_CONFLICT) httpHideOwner(c);
            return res;
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
    json_decref(c->errExtra);
    free(c->store);
    free(c->rawBody);
    if (c->stateFree) c->stateFree(c->state);
    free(c);
}

/* The reply is out: one access log line (request data goes in through %s only), the
 * counters, and the context goes. */
static void httpDone(httpCtx *c, int status, const char *note, int warn) {
    httpLoop *loop = c->loop;
    uint64_t us = clockNowUs() - c->startUs;
    logWrite(warn ? LOG_WARN : LOG_INFO, "%s %s %d %lluus%s", c->method, c->uri ? c->uri : "-",
             status, (unsigned long long)us, note);
    if (status >= 100 && status < 600) loop->requestsByClass[status / 100]++;
    loop->requestMicros += us;
    loop->inflight--;
    httpCtxFree(c);
}

static void httpSend(httpCtx *c, int status, const char *contentType, struct evbuffer *buf) {
    struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);
    evhttp_add_header(h, "Content-Type", contentType);
    if (status == 503) evhttp_add_header(h, "Retry-After", "1");
    if (c->loop->draining) evhttp_add_header(h, "Connection", "close");
    /* A refusal says why in the access log, and a webhook's with its webhook-id (the
     * provider's handle on the delivery); messages never hold a secret. Read before
     * the reply is sent: the request may be freed by then. */
    char note[sizeof(c->errMsg) + 400] = "";
    int warn = status >= 500;
    if (status >= 400 && c->errCode) {
        const char *id = evhttp_find_header(evhttp_request_get_input_headers(c->req), "webhook-id");
        int webhook = c->uri && strstr(c->uri, "/webhooks/") != NULL;
        snprintf(note, sizeof(note), ": %s: %s%s%.256s%s", c->errCode, c->errMsg,
                 webhook ? " (webhook-id " : "", webhook ? (id ? id : "-") : "",
                 webhook ? ")" : "");
        warn |= webhook;
    }
    /* evhttp 2.1 would send a body after the head of a HEAD reply too, where the client
     * reads it as the start of the next reply. */
    if (evhttp_request_get_command(c->req) == EVHTTP_REQ_HEAD) buf = NULL;
    evhttp_send_reply(c->req, status, NULL, buf);
    httpDone(c, status, note, warn);
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
    httpDone(c, 200, " (stream)", 0);
}

void httpFinishRaw(httpCtx *c, int status, const char *contentType, const char *data, size_t len) {
    struct evbuffer *buf = evbuffer_new();
    if (buf) evbuffer_add(buf, data, len);
    httpSend(c, status, contentType, buf);
    if (buf) evbuffer_free(buf);
}

struct evbuffer *httpBody(httpCtx *c) {
    return evhttp_request_get_output_buffer(c->req);
}

void httpFinishBody(httpCtx *c, int status) {
    httpSend(c, status, "application/json; charset=utf-8", NULL);
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
        if (body && c->errExtra) json_object_update(json_object_get(body, "error"), c->errExtra);
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

httpResult httpRedis(httpCtx *c, redisCallbackFn *fn, redisCmd *cmd) {
    int rc = redisConnSend(c->loop->redis, cmd, fn, c);
    if (rc == REDIS_CONN_OOM) return httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    if (rc) return httpFail(c, HTTP_R_UNAVAILABLE, "redis_unavailable", "Redis is unavailable");
    c->redisPending++;
    return HTTP_R_PENDING;
}

/* One name=value of a query, decoded (+ is a space, as in forms). */
static httpResult httpQueryParam(httpCtx *c, const char *seg, size_t len,
                                 const char *const *allowed) {
    const char *eq = memchr(seg, '=', len);
    size_t nlen = eq ? (size_t)(eq - seg) : len;
    char *rawName = strndup(seg, nlen),
         *rawValue = strndup(eq ? eq + 1 : "", eq ? len - nlen - 1 : 0);
    size_t nameLen = 0, valueLen = 0;
    char *name = rawName ? evhttp_uridecode(rawName, 1, &nameLen) : NULL;
    char *value = rawValue ? evhttp_uridecode(rawValue, 1, &valueLen) : NULL;
    free(rawName);
    free(rawValue);
    httpResult r = HTTP_R_OK;
    int known = 0;
    for (int i = 0; name && allowed[i]; i++)
        known |= strcmp(allowed[i], name) == 0;
    if (!name || !value)
        r = httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    else if (strlen(name) != nameLen)
        r = httpFail(c, HTTP_R_BAD_REQUEST, NULL, "a query parameter name holds a NUL character");
    else if (!known) {
        /* The message quotes the name: one line whatever the client sent. */
        for (char *p = name; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
        char list[256] = "";
        for (int i = 0; allowed[i]; i++)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
                     allowed[i]);
        r = httpFail(c, HTTP_R_BAD_REQUEST, NULL, "unknown query parameter '%s' (%s%s)", name,
                     *list ? "this endpoint takes " : "this endpoint takes none", list);
    } else if (evhttp_find_header(&c->query, name))
        r = httpFail(c, HTTP_R_BAD_REQUEST, NULL, "query parameter %s is given twice", name);
    else if (strlen(value) != valueLen)
        r = httpFail(c, HTTP_R_BAD_REQUEST, NULL, "%s must not contain a NUL character", name);
    else if (evhttp_add_header(&c->query, name, value))
        r = httpFail(c, HTTP_R_BAD_REQUEST, NULL, "%s must not contain a line break", name);
    free(name);
    free(value);
    return r;
}

httpResult httpParseQuery(httpCtx *c, const char *q, const char *const *allowed) {
    while (q && *q) {
        size_t len = strcspn(q, "&");
        if (len) {
            httpResult r = httpQueryParam(c, q, len, allowed);
            if (r != HTTP_R_OK) return r;
        }
        q += len + (q[len] == '&');
    }
    return HTTP_R_OK;
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

/* The first string or key holding a NUL character, as the path a caller wrote it
 * ("reservations[2].customer_name"); 0 when there is none. Called on values already
 * bounded in depth. */
static int httpJsonFindNul(const json_t *v, char *path, size_t cap) {
    size_t used = strlen(path);
    if (json_is_string(v)) return strlen(json_string_value(v)) != json_string_length(v);
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) {
            snprintf(path + used, cap - used, "%s%s", used ? "." : "", k);
            if (httpJsonFindNul(x, path, cap)) return 1;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            snprintf(path + used, cap - used, "[%zu]", i);
            if (httpJsonFindNul(x, path, cap)) return 1;
        }
    }
    path[used] = '\0';
    return 0;
}

const char *httpBodyUnknown(httpCtx *c, const char *const *known) {
    const char *key;
    json_t *v;
    json_object_foreach(c->body, key, v) {
        if (resvWordIndex(known, key, strlen(key)) < 0) return key;
    }
    return NULL;
}

httpResult httpBodyNone(httpCtx *c, const char *why) {
    static const char *const none[] = {NULL};
    const char *unknown;
    httpResult r;
    if (evbuffer_get_length(evhttp_request_get_input_buffer(c->req)) == 0) return HTTP_R_OK;
    if ((r = httpParseJsonBody(c, 1)) != HTTP_R_OK) return r;
    if ((unknown = httpBodyUnknown(c, none)))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "unknown field %s: %s", unknown, why);
    return HTTP_R_OK;
}

httpResult httpParseJsonBody(httpCtx *c, int requireObject) {
    struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
    size_t len = evbuffer_get_length(in);
    if (len == 0) return httpFail(c, HTTP_R_BAD_REQUEST, "invalid_json", "a JSON body is required");
    const char *data = (const char *)evbuffer_pullup(in, -1);
    json_error_t err;
    /* jansson itself stops at depth 2048, so absurd nesting cannot exhaust the stack.
     * \u0000 is let through the parser so that the refusal below can name the field
     * (the parser's own message would name a flag of the library). */
    json_t *v = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
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
    char path[256] = "";
    if (httpJsonFindNul(v, path, sizeof(path))) {
        json_decref(v);
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "%s must not contain a NUL character",
                        *path ? path : "the body");
    }
    json_decref(c->body);
    c->body = v;
    return HTTP_R_OK;
}

int httpStoreAllowed(httpCtx *c, const char *store) {
    return authStoreAllowed(&c->claims, store, strlen(store));
}

const char *httpMethodName(enum evhttp_cmd_type m) {
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

httpCtx *httpCtxNew(struct evhttp_request *req, httpLoop *loop, struct server *srv) {
    httpCtx *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    c->req = req;
    c->loop = loop;
    c->srv = srv;
    c->startUs = clockNowUs();
    c->method = httpMethodName(evhttp_request_get_command(req));
    c->uri = strdup(evhttp_request_get_uri(req));
    /* The access log must stay one line per request, whatever the client sent. */
    for (char *p = c->uri; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    TAILQ_INIT(&c->query);
    loop->inflight++;
    return c;
}
