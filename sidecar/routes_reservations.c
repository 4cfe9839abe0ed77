/* Reservations: sync (one or bulk), list, get, status, stats, tables, history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "reservation_json.h"
#include "resv_keys.h"
#include "resv_model.h"
#include "resv_time.h"
#include "lookup.h"
#include "routes_reservations.h"
#include "server.h"

#define SYNC_BULK_MAX  1000
#define LIST_LIMIT_MAX 1000

/* status of the query, a model status; *out NULL when absent (and not required). */
static httpResult resvQueryStatus(httpCtx *c, int required, const char **out) {
    resvStatus st;
    *out = httpQuery(c, "status");
    if (required && (!*out || !**out))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "status is required");
    if (*out && resvStatusParse(*out, strlen(*out), &st))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "status must be one of pending confirmed arrived seated completed "
                        "cancelled no_show");
    return HTTP_R_OK;
}

/* 200 with the body written into the reply (resvJsonOut), or 500 when that ran out of
 * memory. */
static void resvFinishWritten(httpCtx *c, resvJsonOut *o) {
    if (resvJsonOutFlush(o) == 0) {
        httpFinishBody(c, 200);
        return;
    }
    struct evbuffer *b = httpBody(c);
    evbuffer_drain(b, evbuffer_get_length(b));
    httpFinish(c, httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory"), NULL);
}

/* A reply that is one reservation (RESV.GET, RESV.STATUS): 200 with it, 404 for nil. */
static void resvReservationReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, HTTP_REPLY_ANY);
    if (!r) return;
    if (r->type == REDIS_REPLY_NIL) {
        httpFinish(c, httpFail(c, HTTP_R_NOT_FOUND, NULL, "reservation %s not found", c->params[0]),
                   NULL);
        return;
    }
    resvJsonOut o;
    resvJsonOutInit(&o, httpBody(c));
    if (resvJsonWriteReservation(&o, r)) {
        httpFinish(c, httpFailRedis(c, r), NULL);
        return;
    }
    resvFinishWritten(c, &o);
}

/* GET /reservation/{id}: RESV.GET on the owner, remembered by the loop (one round trip)
 * or asked first. */
static httpResult resvGet(httpCtx *c, const redisReply *owner);

static void resvGetReply(redisAsyncContext *ac, void *reply, void *privdata) {
    httpCtx *c = privdata;
    redisReply *r = reply;
    if (c->ownerGuessed && r && r->type == REDIS_REPLY_NIL) {
        c->redisPending--;
        httpResult res = lookupOwnerWrong(c, resvGet);
        if (res != HTTP_R_PENDING) httpFinish(c, res, NULL);
        return;
    }
    resvReservationReply(ac, reply, privdata);
}

static httpResult resvGet(httpCtx *c, const redisReply *owner) {
    (void)owner; /* c->store */
    redisCmd a;
    redisCmdInit(&a, "RESV.GET");
    redisCmdPushKey(&a, c->store);
    redisCmdPushStr(&a, c->params[0]);
    return httpRedis(c, resvGetReply, &a);
}

httpResult routeReservationGet(httpCtx *c) {
    return lookupOwnerCached(c, resvGet);
}

/* PUT /reservation/{id}/status?status&arrival_time&table_number */
static httpResult resvStatusSend(httpCtx *c, const redisReply *owner) {
    (void)owner; /* c->store */
    const char *arrival = httpQuery(c, "arrival_time"), *table = httpQuery(c, "table_number");
    redisCmd a;
    redisCmdInit(&a, "RESV.STATUS");
    redisCmdPushKey(&a, c->store);
    redisCmdPushStr(&a, c->params[0]);
    redisCmdPushStr(&a, httpQuery(c, "status"));
    if (arrival && *arrival) {
        redisCmdPushStr(&a, "ARRIVAL");
        redisCmdPushStr(&a, arrival);
    }
    if (table && *table) {
        redisCmdPushStr(&a, "TABLE");
        redisCmdPushStr(&a, table);
    }
    redisCmdPushStr(&a, "ORIGIN");
    redisCmdPushStr(&a, "api");
    redisCmdPushStr(&a, "ACTOR");
    redisCmdPushStr(&a, c->claims.sub);
    return httpRedis(c, resvReservationReply, &a);
}

httpResult routeReservationStatus(httpCtx *c) {
    const char *status;
    const char *arrival = httpQuery(c, "arrival_time"), *table = httpQuery(c, "table_number");
    resvInstant t;
    httpResult r = resvQueryStatus(c, 1, &status);
    if (r != HTTP_R_OK) return r;
    if (arrival && *arrival && resvParseDateOrDateTime(arrival, strlen(arrival), 0, &t))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "arrival_time must be YYYY-MM-DDTHH:MM:SS");
    if (arrival && *arrival && strcmp(status, "arrived") != 0)
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "arrival_time applies to status arrived only");
    if (table && *table && strcmp(status, "seated") != 0)
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "table_number applies to status seated only");
    char buf[RESV_CANON_MAX];
    const char *canon, *why;
    size_t canonLen;
    if (table && *table &&
        resvFieldCheck(&resvFields[RESV_F_TABLE_NUMBER], table, strlen(table), buf, &canon,
                       &canonLen, &why))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "table_number %s", why);
    return lookupOwner(c, resvStatusSend);
}

/* GET /reservation/{id}/history[?count=n] */
static void resvHistoryReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (r) lookupFinishMapList(c, r, NULL, "history", c->params[0], c->store);
}

static httpResult resvHistory(httpCtx *c, const redisReply *owner) {
    (void)owner; /* c->store */
    redisCmd a;
    redisCmdInit(&a, "RESV.HISTORY");
    redisCmdPushKey(&a, c->store);
    redisCmdPushStr(&a, c->params[0]);
    const char *count = httpQuery(c, "count");
    if (count) {
        redisCmdPushStr(&a, "COUNT");
        redisCmdPushStr(&a, count);
    }
    return httpRedis(c, resvHistoryReply, &a);
}

httpResult routeReservationHistory(httpCtx *c) {
    long n;
    if (lookupQueryLong(c, "count", 1, 100000, &n))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "count must be an integer from 1 to 100000");
    return lookupOwner(c, resvHistory);
}

/* GET /reservation/list?store_id&status&date_from&date_to&limit&cursor */
static void resvListReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (!r) return;
    if (r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
        r->element[1]->type != REDIS_REPLY_ARRAY) {
        httpFinish(c, httpFailRedis(c, r), NULL);
        return;
    }
    resvJsonOut o;
    const char *cursor = r->element[0]->str;
    resvJsonOutInit(&o, httpBody(c));
    if (resvJsonWriteList(&o, r->element[1], cursor, strlen(cursor))) {
        httpFinish(c, httpFail(c, HTTP_R_INTERNAL, NULL, "no reply was produced"), NULL);
        return;
    }
    resvFinishWritten(c, &o);
}

httpResult routeReservationList(httpCtx *c) {
    const char *store, *status, *from, *to, *cursor = httpQuery(c, "cursor");
    httpResult r;
    long limit = 100;
    if ((r = lookupQueryStore(c, &store)) != HTTP_R_OK) return r;
    if ((r = resvQueryStatus(c, 0, &status)) != HTTP_R_OK) return r;
    if ((r = lookupQueryDate(c, "date_from", 0, 0, &from)) != HTTP_R_OK) return r;
    if ((r = lookupQueryDate(c, "date_to", 1, 0, &to)) != HTTP_R_OK) return r;
    if (lookupQueryLong(c, "limit", 1, LIST_LIMIT_MAX, &limit))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "limit must be an integer from 1 to %d",
                        LIST_LIMIT_MAX);
    if (cursor && (!*cursor || strlen(cursor) > 512))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "cursor is not one this server gave");
    redisCmd a;
    redisCmdInit(&a, "RESV.LIST");
    redisCmdPushKey(&a, store);
    if (status) {
        redisCmdPushStr(&a, "STATUS");
        redisCmdPushStr(&a, status);
    }
    if (from) {
        redisCmdPushStr(&a, "FROM");
        redisCmdPushStr(&a, from);
    }
    if (to) {
        redisCmdPushStr(&a, "TO");
        redisCmdPushStr(&a, to);
    }
    redisCmdPushStr(&a, "LIMIT");
    redisCmdPushInt(&a, limit);
    if (cursor) {
        redisCmdPushStr(&a, "CURSOR");
        redisCmdPushStr(&a, cursor);
    }
    return httpRedis(c, resvListReply, &a);
}

/* GET /reservation/stats?store_id&date_from&date_to&bucket */
static void resvStatsReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, HTTP_REPLY_ANY);
    if (!r) return;
    json_t *o = resvJsonFromMap(r);
    if (!o) {
        httpFinish(c, httpFailRedis(c, r), NULL);
        return;
    }
    json_t *body = json_pack("{s:s,s:s,s:s}", "store_id", httpQuery(c, "store_id"), "date_from",
                             httpQuery(c, "date_from"), "date_to", httpQuery(c, "date_to"));
    json_object_update(body, o);
    json_decref(o);
    httpFinish(c, HTTP_R_OK, body);
}

httpResult routeReservationStats(httpCtx *c) {
    const char *store, *from, *to;
    httpResult r;
    long bucket = 0;
    if ((r = lookupQueryStore(c, &store)) != HTTP_R_OK) return r;
    if ((r = lookupQueryDate(c, "date_from", 0, 1, &from)) != HTTP_R_OK) return r;
    if ((r = lookupQueryDate(c, "date_to", 1, 1, &to)) != HTTP_R_OK) return r;
    const char *slot = httpQuery(c, "bucket");
    if (slot && strcmp(slot, "slot") != 0 && lookupQueryLong(c, "bucket", 1, 1440, &bucket))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "bucket must be minutes from 1 to 1440, or slot");
    redisCmd a;
    redisCmdInit(&a, "RESV.STATS");
    redisCmdPushKey(&a, store);
    redisCmdPushStr(&a, "FROM");
    redisCmdPushStr(&a, from);
    redisCmdPushStr(&a, "TO");
    redisCmdPushStr(&a, to);
    if (bucket) {
        redisCmdPushStr(&a, "BUCKET");
        redisCmdPushInt(&a, bucket);
    } else if (slot) {
        redisCmdPushStr(&a, "BUCKET");
        redisCmdPushStr(&a, "SLOT");
    }
    return httpRedis(c, resvStatsReply, &a);
}

/* One row of RESV.TABLES, its joins an array as PUT .../tables/{table} takes it. */
static json_t *resvTableRow(const redisReply *map) {
    json_t *o = resvJsonFromMap(map);
    if (o) resvJsonSplitList(o, "joins");
    return o;
}

static void resvTablesReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (r) lookupFinishMapList(c, r, resvTableRow, "tables", NULL, httpQuery(c, "store_id"));
}

/* GET /reservation/tables?store_id */
httpResult routeReservationTables(httpCtx *c) {
    const char *store;
    httpResult r = lookupQueryStore(c, &store);
    if (r != HTTP_R_OK) return r;
    redisCmd a;
    redisCmdInit(&a, "RESV.TABLES");
    redisCmdPushKey(&a, store);
    return httpRedis(c, resvTablesReply, &a);
}

/* POST /reservation/{system_id}/sync: one reservation, or {"reservations": [...]}. */

/* RESV.UPSERT for one provider object of a sync. */
static int resvSyncArgv(httpCtx *c, const json_t *item, const char *payload, size_t payloadLen,
                        redisCmd *a, const char **why, const char **field) {
    if (json_is_object(item) && resvJsonCheckInput(item, c->params[0], field, why)) return -1;
    resvUpsertFrom from = {"sync", c->claims.sub, "sync", payload, payloadLen, NULL, c->params[0]};
    return resvUpsertArgv(a, c->store, item, &from, why, field);
}

/* What an UPSERT reply says it did; a word we do not know counts as an update. */
static resvUpsertResult resvUpsertResultOf(const redisReply *r) {
    resvUpsertResult k = RESV_UPSERT_UPDATED;
    resvUpsertResultParse(r->str, r->len, &k);
    return k;
}

/* RESV.UPSERT ... REPLY RECORD answers [result, record]: one round trip, one callback. */
static void resvSyncReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (!r) return;
    const redisReply *word = r->elements == 2 ? r->element[0] : NULL;
    if (!word || (word->type != REDIS_REPLY_STATUS && word->type != REDIS_REPLY_STRING)) {
        httpFinish(c, httpFailRedis(c, r), NULL);
        return;
    }
    resvUpsertResult k = resvUpsertResultOf(word);
    httpFinish(c, k == RESV_UPSERT_CREATED ? HTTP_R_CREATED : HTTP_R_OK,
               json_pack("{s:s,s:o*}", "result", resvUpsertResultName(k), "reservation",
                         resvJsonFromReply(r->element[1])));
}

static httpResult resvSyncSingle(httpCtx *c) {
    const char *why, *field;
    redisCmd a;
    struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
    size_t len = evbuffer_get_length(in);
    const char *raw = (const char *)evbuffer_pullup(in, -1);
    if (resvSyncArgv(c, c->body, raw, len, &a, &why, &field))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "%s %s", field, why);
    redisCmdPushStr(&a, "REPLY");
    redisCmdPushStr(&a, "RECORD");
    return httpRedis(c, resvSyncReply, &a);
}

/* Bulk: every item is sent at once (pipelined); replies come back in order. */
typedef struct {
    int result;       /* a resvUpsertResult; -1 on error */
    const char *code; /* static */
    char *message;
    char *rid;
} resvBulkItem;

typedef struct resvBulk resvBulk;
typedef struct {
    httpCtx *c;
    resvBulk *bulk;
    size_t index;
} resvBulkSlot;

struct resvBulk {
    size_t n;
    resvBulkItem *items;
    resvBulkSlot *slots;
    int lost; /* replies that never came: Redis went away mid-import */
};

static void resvBulkFree(void *p) {
    resvBulk *b = p;
    if (!b) return;
    for (size_t i = 0; i < b->n; i++) {
        free(b->items[i].message);
        free(b->items[i].rid);
    }
    free(b->items);
    free(b->slots);
    free(b);
}

static void resvBulkItemError(resvBulkItem *it, const char *code, const char *message) {
    it->result = -1;
    it->code = code;
    free(it->message);
    it->message = strdup(message);
}

static void resvBulkFinish(httpCtx *c) {
    resvBulk *b = c->state;
    if (b->lost) {
        httpFinish(c,
                   httpFail(c, HTTP_R_UNAVAILABLE, "redis_unavailable",
                            "Redis went away during the import; %d items are unconfirmed, send "
                            "them again (the import is idempotent)",
                            b->lost),
                   NULL);
        return;
    }
    json_int_t counts[RESV_UPSERT_COUNT] = {0}, failed = 0;
    json_t *results = json_array();
    for (size_t i = 0; i < b->n; i++) {
        resvBulkItem *it = &b->items[i];
        json_t *o = json_pack("{s:I}", "index", (json_int_t)i);
        json_object_set_new(o, "reservation_id", it->rid ? json_string(it->rid) : json_null());
        if (it->result >= 0) {
            json_object_set_new(o, "result", json_string(resvUpsertResultName(it->result)));
            counts[it->result]++;
        } else {
            json_object_set_new(o, "error",
                                json_pack("{s:s,s:s}", "code", it->code, "message",
                                          it->message ? it->message : ""));
            failed++;
        }
        json_array_append_new(results, o);
    }
    httpFinish(c, HTTP_R_OK,
               json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:I}", "results", results, "total",
                         (json_int_t)b->n, "created", counts[RESV_UPSERT_CREATED], "updated",
                         counts[RESV_UPSERT_UPDATED], "unchanged", counts[RESV_UPSERT_UNCHANGED],
                         "stale", counts[RESV_UPSERT_STALE], "failed", failed));
}

static void resvBulkReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    resvBulkSlot *slot = privdata;
    httpCtx *c = slot->c;
    resvBulkItem *it = &slot->bulk->items[slot->index];
    redisReply *r = reply;
    c->redisPending--;
    if (!r) {
        slot->bulk->lost++;
        resvBulkItemError(it, "redis_unavailable", "Redis is unavailable");
    } else if (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING) {
        it->result = (int)resvUpsertResultOf(r);
    } else {
        /* The same mapping as a single request, so codes read alike. */
        httpFailRedis(c, r);
        resvBulkItemError(it, c->errCode, c->errMsg);
        c->errCode = NULL;
    }
    if (c->redisPending == 0) resvBulkFinish(c);
}

static httpResult resvSyncBulk(httpCtx *c, json_t *items) {
    size_t n = json_array_size(items);
    if (n > SYNC_BULK_MAX)
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "reservations holds %zu items, at most %d", n,
                        SYNC_BULK_MAX);
    resvBulk *b = calloc(1, sizeof(*b));
    if (!b) return httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    c->state = b;
    c->stateFree = resvBulkFree;
    b->n = n;
    b->items = calloc(n ? n : 1, sizeof(*b->items));
    b->slots = calloc(n ? n : 1, sizeof(*b->slots));
    if (!b->items || !b->slots) return httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    if (!redisConnIsUp(c->loop->redis))
        return httpFail(c, HTTP_R_UNAVAILABLE, "redis_unavailable", "Redis is unavailable");
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(items, i);
        resvBulkItem *it = &b->items[i];
        char rid[RESV_ID_MAX_BYTES + 1], msg[256];
        if (json_is_object(item) && resvJsonReservationId(item, rid, sizeof(rid)) == 0)
            it->rid = strdup(rid);
        const char *why, *field;
        redisCmd a;
        /* No payload: the provider's own bytes are one array for all items. */
        if (resvSyncArgv(c, item, NULL, 0, &a, &why, &field)) {
            snprintf(msg, sizeof(msg), "%s %s", field, why);
            resvBulkItemError(it, "bad_request", msg);
            continue;
        }
        b->slots[i] = (resvBulkSlot){c, b, i};
        if (redisConnSend(c->loop->redis, &a, resvBulkReply, &b->slots[i])) {
            resvBulkItemError(it, "redis_unavailable", "Redis is unavailable");
            b->lost++;
        } else {
            c->redisPending++;
        }
    }
    if (c->redisPending == 0) {
        resvBulkFinish(c);
    }
    return HTTP_R_PENDING;
}

static httpResult resvSyncWithSystem(httpCtx *c, const redisReply *sys) {
    httpResult r = lookupSystemStore(c, sys);
    if (r != HTTP_R_OK) return r;
    json_t *items = json_object_get(c->body, "reservations");
    if (items) {
        if (!json_is_array(items))
            return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "reservations must be an array");
        if (json_object_size(c->body) > 1) {
            const char *key;
            json_t *v;
            json_object_foreach(c->body, key, v) {
                if (strcmp(key, "reservations"))
                    return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                                    "%s is not allowed beside reservations", key);
            }
        }
        return resvSyncBulk(c, items);
    }
    return resvSyncSingle(c);
}

httpResult routeReservationSync(httpCtx *c) {
    httpResult r = httpParseJsonBody(c, 1);
    if (r != HTTP_R_OK) return r;
    return lookupSystem(c, resvSyncWithSystem);
}
