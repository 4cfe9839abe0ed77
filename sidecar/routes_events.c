/* GET /events?store_id=: Server-Sent Events of a store's changes (seed flows 1 and 3:
 * "notify the people concerned"). The source is the store's change feed, the stream
 * resv:{S}:changes that the module appends to on every change (docs/keys.md); it is
 * read here by key name with XREAD (no module command lists it), non-blocking, from
 * the last id each client has seen, on one timer for all clients. The event id is the
 * stream entry id, so a client that reconnects with Last-Event-ID misses nothing and
 * sees nothing twice. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>

#include "reservation_json.h"
#include "resv_model.h"
#include "server.h"

#define SSE_ID_MAX       48
#define SSE_READ_COUNT   "100"
#define SSE_MAX_BUFFERED (1u << 20) /* a slow client is not read for until it catches up */

typedef struct sseClient sseClient;

struct sseClient {
    struct sseHub *hub;
    httpCtx *c; /* NULL once the stream has ended */
    struct evhttp_connection *evcon;
    char *key;
    char lastId[SSE_ID_MAX];
    int reading; /* an XREAD is in flight: freed by its callback */
    uint64_t lastWriteUs;
    LIST_ENTRY(sseClient) link;
};

struct sseHub {
    server *srv;
    struct event *tick;
    LIST_HEAD(, sseClient) clients;
    int n; /* streams open */
    unsigned long long events;
};

/* Ends the stream now; the memory goes when no XREAD of it is in flight. */
static void sseEnd(sseClient *cl) {
    struct sseHub *h = cl->hub;
    if (cl->c) {
        httpStreamEnd(cl->c);
        cl->c = NULL;
        h->n--;
    }
    if (cl->reading) return;
    LIST_REMOVE(cl, link);
    free(cl->key);
    free(cl);
}

static void sseWrite(sseClient *cl, struct evbuffer *b) {
    httpStreamChunk(cl->c, b);
    cl->lastWriteUs = httpNowUs();
}

/* One feed entry as an event: id, event name, and the fields as a JSON object. */
static void sseFormat(sseClient *cl, struct evbuffer *out, const redisReply *entry) {
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[0]->type != REDIS_REPLY_STRING || entry->element[0]->len >= SSE_ID_MAX)
        return;
    const char *id = entry->element[0]->str;
    json_t *data = resvJsonFromMap(entry->element[1]);
    if (!data) data = json_object();
    const char *event = json_string_value(json_object_get(data, "event"));
    /* The event name is one line of safe characters, whatever the stream holds. */
    char name[64] = "change";
    if (event && *event && strlen(event) < sizeof(name) &&
        strspn(event, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
            strlen(event))
        snprintf(name, sizeof(name), "%s", event);
    json_object_set_new(data, "id", json_string(id));
    json_object_set_new(data, "store_id", json_string(cl->c->store));
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    if (text) {
        /* Compact JSON has no raw newlines, so it is one data line. */
        evbuffer_add_printf(out, "id: %s\nevent: %s\ndata: %s\n\n", id, name, text);
        cl->hub->events++;
    }
    free(text);
    snprintf(cl->lastId, sizeof(cl->lastId), "%s", id);
}

static void sseReadReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    sseClient *cl = privdata;
    redisReply *r = reply;
    cl->reading = 0;
    if (!cl->c) {
        sseEnd(cl);
        return;
    }
    /* nil: nothing new. [[key, [[id, [field, value ...]], ...]]] otherwise. */
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1) return;
    const redisReply *stream = r->element[0];
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2 ||
        stream->element[1]->type != REDIS_REPLY_ARRAY)
        return;
    const redisReply *entries = stream->element[1];
    struct evbuffer *out = evbuffer_new();
    if (!out) return;
    for (size_t i = 0; i < entries->elements; i++)
        sseFormat(cl, out, entries->element[i]);
    if (evbuffer_get_length(out)) sseWrite(cl, out);
    evbuffer_free(out);
}

static void sseOnTick(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    struct sseHub *h = arg;
    server *srv = h->srv;
    uint64_t now = httpNowUs(), beat = (uint64_t)srv->cfg->sseHeartbeat * 1000000u;
    sseClient *cl;
    LIST_FOREACH(cl, &h->clients, link) {
        if (!cl->c || cl->reading) continue;
        if (now - cl->lastWriteUs >= beat) {
            /* A comment line: keeps proxies from closing an idle stream, and finds
             * clients that went away without a FIN. */
            struct evbuffer *b = evbuffer_new();
            if (b) {
                evbuffer_add(b, ": keep-alive\n\n", 14);
                sseWrite(cl, b);
                evbuffer_free(b);
            }
        }
        struct bufferevent *bev = cl->evcon ? evhttp_connection_get_bufferevent(cl->evcon) : NULL;
        if (bev && evbuffer_get_length(bufferevent_get_output(bev)) > SSE_MAX_BUFFERED) continue;
        const char *argv[] = {"XREAD", "COUNT", SSE_READ_COUNT, "STREAMS", cl->key, cl->lastId};
        size_t lens[] = {5, 5, strlen(SSE_READ_COUNT), 7, strlen(cl->key), strlen(cl->lastId)};
        if (redisConnSend(srv->redis, sseReadReply, cl, 6, argv, lens) == 0) cl->reading = 1;
    }
}

/* The stream starts once the position is known: headers go out now, so a client that
 * sees them knows every later change will reach it. */
static void sseStart(httpCtx *c, const char *lastId) {
    server *srv = c->srv;
    struct sseHub *h = srv->sse;
    if (!evhttp_request_get_connection(c->req)) {
        /* Gone before the stream began: the reply only frees the request. */
        httpFinish(c, httpFail(c, HTTP_R_UNAVAILABLE, NULL, "the client went away"), NULL);
        return;
    }
    sseClient *cl = calloc(1, sizeof(*cl));
    size_t klen = strlen(c->store) + 16;
    if (cl) cl->key = malloc(klen);
    if (!cl || !cl->key) {
        free(cl);
        httpFinish(c, httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory"), NULL);
        return;
    }
    snprintf(cl->key, klen, "resv:{%s}:changes", c->store);
    snprintf(cl->lastId, sizeof(cl->lastId), "%s", lastId);
    cl->hub = h;
    cl->c = c;
    cl->evcon = evhttp_request_get_connection(c->req);
    LIST_INSERT_HEAD(&h->clients, cl, link);
    h->n++;
    httpStreamStart(c, "text/event-stream; charset=utf-8");
    struct bufferevent *bev = evhttp_connection_get_bufferevent(cl->evcon);
    if (bev) {
        /* evhttp keeps reading to notice a close; an idle stream must not time out on
         * that read, only on writes that do not drain. */
        struct timeval wtv = {srv->cfg->timeout, 0};
        bufferevent_set_timeouts(bev, NULL, &wtv);
    }
    struct evbuffer *b = evbuffer_new();
    if (b) {
        evbuffer_add_printf(b, ": events of store %s from %s\nretry: 2000\n\n", c->store, lastId);
        sseWrite(cl, b);
        evbuffer_free(b);
    }
}

static void sseLastIdReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, HTTP_REPLY_ANY);
    if (!r) return;
    if (c->srv->draining) {
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
    httpResult r = resvQueryStore(c, &store);
    if (r != HTTP_R_OK) return r;
    if (!srv->sse || srv->sse->n >= srv->cfg->sseMaxClients)
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
    char key[RESV_ID_MAX + 32];
    snprintf(key, sizeof(key), "resv:{%s}:changes", store);
    const char *argv[] = {"XREVRANGE", key, "+", "-", "COUNT", "1"};
    size_t lens[] = {9, strlen(key), 1, 1, 5, 1};
    return httpRedis(c, sseLastIdReply, c, 6, argv, lens);
}

int sseInit(server *srv) {
    struct sseHub *h = calloc(1, sizeof(*h));
    if (!h) return -1;
    h->srv = srv;
    LIST_INIT(&h->clients);
    h->tick = event_new(srv->base, -1, EV_PERSIST, sseOnTick, h);
    long ms = srv->cfg->ssePollMs;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    if (!h->tick || event_add(h->tick, &tv)) {
        if (h->tick) event_free(h->tick);
        free(h);
        return -1;
    }
    srv->sse = h;
    return 0;
}

/* The client hung up (or timed out): evhttp has let go of the request already. */
void sseOnConnClose(server *srv, struct evhttp_connection *evcon) {
    struct sseHub *h = srv->sse;
    if (!h) return;
    sseClient *next;
    for (sseClient *cl = LIST_FIRST(&h->clients); cl; cl = next) {
        next = LIST_NEXT(cl, link);
        if (cl->evcon == evcon && cl->c) {
            cl->evcon = NULL;
            sseEnd(cl);
        }
    }
}

void sseShutdown(server *srv) {
    struct sseHub *h = srv->sse;
    if (!h) return;
    event_del(h->tick);
    sseClient *next;
    for (sseClient *cl = LIST_FIRST(&h->clients); cl; cl = next) {
        next = LIST_NEXT(cl, link);
        if (cl->c) sseEnd(cl);
    }
}

void sseFree(server *srv) {
    struct sseHub *h = srv->sse;
    if (!h) return;
    sseShutdown(srv);
    while (!LIST_EMPTY(&h->clients)) {
        sseClient *cl = LIST_FIRST(&h->clients);
        cl->reading = 0;
        sseEnd(cl);
    }
    event_free(h->tick);
    free(h);
    srv->sse = NULL;
}

int sseClientCount(const server *srv) {
    return srv->sse ? srv->sse->n : 0;
}
