/* GET /events?store_id=: Server-Sent Events of a store's changes (seed flows 1 and 3:
 * "notify the people concerned"). The source is the store's change feed, the stream
 * resv:{S}:changes that the module appends to on every change (docs/keys.md); it is
 * read here by key name with XREAD (no module command lists it), non-blocking, from
 * the last id each client has seen, on one timer for all clients. The event id is the
 * stream entry id, so a client that reconnects with Last-Event-ID misses nothing and
 * sees nothing twice. */
#include "routes_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "lookup.h"
#include "resv_keys.h"
#include "resv_model.h"
#include "server.h"
#include "sse.h"

/* The stream starts once the position is known: headers go out now, so a client that
 * sees them knows every later change will reach it. */
static void sseStart(httpCtx *c, const char *lastId) {
    if (!evhttp_request_get_connection(c->req)) {
        /* Gone before the stream began: the reply only frees the request. */
        httpFinish(c, httpFail(c, HTTP_R_UNAVAILABLE, NULL, "the client went away"), NULL);
        return;
    }
    char key[RESV_ID_MAX_BYTES + 32];
    snprintf(key, sizeof(key), RESV_KEY_CHANGES, (int)strlen(c->store), c->store);
    if (sseAdd(c->srv->sse, c, key, lastId))
        httpFinish(c, httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory"), NULL);
}

static void sseLastIdReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, HTTP_REPLY_ANY);
    if (!r) return;
    if (c->loop->draining) {
        httpFinish(c,
                   httpFail(c, HTTP_R_UNAVAILABLE, "shutting_down", "the server is shutting down"),
                   NULL);
        return;
    }
    /* [] for an empty feed (start at the beginning), else [[id, fields]]. */
    const char *last = "0-0";
    if (r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
        r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements > 0 &&
        r->element[0]->element[0]->type == REDIS_REPLY_STRING &&
        r->element[0]->element[0]->len < SSE_ID_MAX)
        last = r->element[0]->element[0]->str;
    sseStart(c, last);
}

/* A stream id "<ms>-<seq>" (or just "<ms>"), as Last-Event-ID carries it back. */
static int sseIdValid(const char *s) {
    size_t n = strlen(s), ms = strspn(s, "0123456789");
    if (n == 0 || n >= SSE_ID_MAX || ms == 0 || ms > 20) return 0;
    if (ms == n) return 1;
    if (s[ms] != '-') return 0;
    size_t seq = strspn(s + ms + 1, "0123456789");
    return seq > 0 && seq <= 20 && ms + 1 + seq == n;
}

httpResult routeEvents(httpCtx *c) {
    server *srv = c->srv;
    const char *store;
    httpResult r = lookupQueryStore(c, &store);
    if (r != HTTP_R_OK) return r;
    if (!srv->sse || sseCountAll(srv->sse) >= srv->cfg->sseMaxClients)
        return httpFail(c, HTTP_R_UNAVAILABLE, "too_many_streams",
                        "more than %ld event streams are open", srv->cfg->sseMaxClients);
    const char *last =
        evhttp_find_header(evhttp_request_get_input_headers(c->req), "Last-Event-ID");
    if (last && !sseIdValid(last))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "Last-Event-ID must be an event id this server sent");
    if (!(c->store = strdup(store))) return httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    if (last) {
        sseStart(c, last);
        return HTTP_R_PENDING;
    }
    /* No Last-Event-ID: new entries only, from the feed's current last id. */
    char key[RESV_ID_MAX_BYTES + 32];
    snprintf(key, sizeof(key), RESV_KEY_CHANGES, (int)strlen(store), store);
    redisCmd a;
    redisCmdInit(&a, "XREVRANGE");
    redisCmdPushKey(&a, key);
    redisCmdPushStr(&a, "+");
    redisCmdPushStr(&a, "-");
    redisCmdPushStr(&a, "COUNT");
    redisCmdPushInt(&a, 1);
    return httpRedis(c, sseLastIdReply, &a);
}
