/* The hub of the Server-Sent Events streams (GET /events, routes_events.c) of one loop. The source
 * is the store's change feed, the stream resv:{S}:changes that the module appends to on every
 * change (docs/keys.md); it is read here by key name with XREAD (no module command lists it),
 * non-blocking, from the last id each client has seen, on one timer for all clients. The event id
 * is the stream entry id, so a client that reconnects with Last-Event-ID misses nothing and sees
 * nothing twice. */
#include "sse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>

#include "clock.h"
#include "log.h"
#include "reservation_json.h"
#include "resv_keys.h"

#define SSE_READ_COUNT   100
#define SSE_MAX_BUFFERED (1u << 20) /* a slow client is not read for until it catches up */

typedef struct sseClient sseClient;

struct sseClient {
    struct sseHub *hub;
    httpCtx *c; /* NULL once the stream has ended */
    struct evhttp_connection *evcon;
    char *key;
    char lastId[SSE_ID_MAX];
    int reading; /* an XREAD is in flight: freed by its callback */
    int quiet;   /* an XREAD error was logged: not again until a read succeeds */
    uint64_t lastWriteUs;
    LIST_ENTRY(sseClient) link;
};

struct sseHub {
    struct event_base *base;
    const sidecarConfig *cfg;
    redisConn *redis;
    struct event *tick;
    LIST_HEAD(, sseClient) clients;
    int n;        /* streams open */
    int *openAll; /* streams open in every loop of the process (atomic) */
    unsigned long long events;
};

/* Ends the stream now; the memory goes when no XREAD of it is in flight. */
static void sseEnd(sseClient *cl) {
    struct sseHub *h = cl->hub;
    if (cl->c) {
        httpStreamEnd(cl->c);
        cl->c = NULL;
        h->n--;
        __atomic_sub_fetch(h->openAll, 1, __ATOMIC_RELAXED);
    }
    if (cl->reading) return;
    LIST_REMOVE(cl, link);
    free(cl->key);
    free(cl);
}

static void sseWrite(sseClient *cl, struct evbuffer *b) {
    httpStreamChunk(cl->c, b);
    cl->lastWriteUs = clockNowUs();
}

/* One feed entry as an event: id, event name, and the fields as a JSON object. */
static void sseFormat(sseClient *cl, struct evbuffer *out, const redisReply *entry) {
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[0]->type != REDIS_REPLY_STRING || entry->element[0]->len >= SSE_ID_MAX)
        return;
    const char *id = entry->element[0]->str;
    json_t *data = resvJsonFromMap(entry->element[1]);
    if (!data) data = json_object();
    const char *event = json_string_value(json_object_get(data, RESV_FEED_EVENT));
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
    /* An error is no "nothing new": the stream stays open (the next read may succeed),
     * and the error is said once. */
    if (r && r->type == REDIS_REPLY_ERROR) {
        if (!cl->quiet) logWarn("event stream of %s: XREAD: %s", cl->key, r->str);
        cl->quiet = 1;
        return;
    }
    if (r) cl->quiet = 0;
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
    uint64_t now = clockNowUs(), beat = (uint64_t)h->cfg->sseHeartbeat * 1000000u;
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
        redisCmd a;
        redisCmdInit(&a, "XREAD");
        redisCmdPushStr(&a, "COUNT");
        redisCmdPushInt(&a, SSE_READ_COUNT);
        redisCmdPushStr(&a, "STREAMS");
        redisCmdPushKey(&a, cl->key);
        redisCmdPushStr(&a, cl->lastId);
        if (redisConnSend(h->redis, &a, sseReadReply, cl) == 0) cl->reading = 1;
    }
}

int sseAdd(struct sseHub *h, httpCtx *c, const char *key, const char *lastId) {
    sseClient *cl = calloc(1, sizeof(*cl));
    if (cl) cl->key = strdup(key);
    if (!cl || !cl->key) {
        free(cl);
        return -1;
    }
    snprintf(cl->lastId, sizeof(cl->lastId), "%s", lastId);
    cl->hub = h;
    cl->c = c;
    cl->evcon = evhttp_request_get_connection(c->req);
    LIST_INSERT_HEAD(&h->clients, cl, link);
    h->n++;
    __atomic_add_fetch(h->openAll, 1, __ATOMIC_RELAXED);
    httpStreamStart(c, "text/event-stream; charset=utf-8");
    struct bufferevent *bev = evhttp_connection_get_bufferevent(cl->evcon);
    if (bev) {
        /* evhttp keeps reading to notice a close; an idle stream must not time out on
         * that read, only on writes that do not drain. */
        struct timeval wtv = {h->cfg->timeout, 0};
        bufferevent_set_timeouts(bev, NULL, &wtv);
    }
    struct evbuffer *b = evbuffer_new();
    if (b) {
        evbuffer_add_printf(b, ": events of store %s from %s\nretry: 2000\n\n", c->store, lastId);
        sseWrite(cl, b);
        evbuffer_free(b);
    }
    return 0;
}

struct sseHub *sseNew(struct event_base *base, const sidecarConfig *cfg, redisConn *redis,
                      int *openAll) {
    struct sseHub *h = calloc(1, sizeof(*h));
    if (!h) return NULL;
    h->openAll = openAll;
    h->base = base;
    h->cfg = cfg;
    h->redis = redis;
    LIST_INIT(&h->clients);
    h->tick = event_new(base, -1, EV_PERSIST, sseOnTick, h);
    long ms = cfg->ssePollMs;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    if (!h->tick || event_add(h->tick, &tv)) {
        if (h->tick) event_free(h->tick);
        free(h);
        return NULL;
    }
    return h;
}

/* The client hung up (or timed out): evhttp has let go of the request already. */
void sseOnConnClose(struct sseHub *h, struct evhttp_connection *evcon) {
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

void sseShutdown(struct sseHub *h) {
    if (!h) return;
    event_del(h->tick);
    sseClient *next;
    for (sseClient *cl = LIST_FIRST(&h->clients); cl; cl = next) {
        next = LIST_NEXT(cl, link);
        if (cl->c) sseEnd(cl);
    }
}

void sseFree(struct sseHub *h) {
    if (!h) return;
    sseShutdown(h);
    while (!LIST_EMPTY(&h->clients)) {
        sseClient *cl = LIST_FIRST(&h->clients);
        cl->reading = 0;
        sseEnd(cl);
    }
    event_free(h->tick);
    free(h);
}

int sseCount(const struct sseHub *h) {
    return h ? h->n : 0;
}

int sseCountAll(const struct sseHub *h) {
    return h ? __atomic_load_n(h->openAll, __ATOMIC_RELAXED) : 0;
}
