/* The lookups the routes share: the system of a path, the owner store of a reservation
 * id, the store of a query, and the lists of maps a store answers. */
#include "lookup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reservation_json.h"
#include "resv_model.h"
#include "resv_time.h"

/* Systems of stores the caller may not touch are hidden (list) or forbidden (get). */
int lookupSystemAllowed(httpCtx *c, const redisReply *sys) {
    const redisReply *store = resvReplyField(sys, "store_id");
    return store && store->type == REDIS_REPLY_STRING && httpStoreAllowed(c, store->str);
}

static void lookupSystemReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, HTTP_REPLY_ANY);
    if (!r) return;
    httpResult res;
    if (r->type == REDIS_REPLY_NIL)
        res = httpFail(c, HTTP_R_NOT_FOUND, NULL, "system %s not found", c->params[0]);
    else if (r->type != REDIS_REPLY_ARRAY)
        res = httpFailRedis(c, r);
    else if (c->authed && !lookupSystemAllowed(c, r))
        res = httpFail(c, HTTP_R_FORBIDDEN, NULL, "system %s belongs to a store you may not access",
                       c->params[0]);
    else
        res = c->next(c, r);
    if (res != HTTP_R_PENDING) httpFinish(c, res, NULL);
}

httpResult lookupSystemStore(httpCtx *c, const redisReply *sys) {
    const redisReply *store = resvReplyField(sys, "store_id");
    if (!store || store->type != REDIS_REPLY_STRING || !(c->store = strdup(store->str)))
        return httpFail(c, HTTP_R_INTERNAL, NULL, "system %s has no store", c->params[0]);
    return HTTP_R_OK;
}

httpResult lookupSystem(httpCtx *c, httpNext *next) {
    const char *id = c->params[0];
    if (!resvIdValid(id, strlen(id)))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "system id in the path is not a valid id");
    redisCmd a;
    redisCmdInit(&a, "RESV.SYSTEM.GET");
    redisCmdPushKey(&a, id);
    c->next = next;
    return httpRedis(c, lookupSystemReply, &a);
}

httpResult lookupPathStore(httpCtx *c) {
    const char *store = c->params[0];
    if (!resvIdValid(store, strlen(store)))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "store_id in the path is not a valid id");
    if (!httpStoreAllowed(c, store))
        return httpFail(c, HTTP_R_FORBIDDEN, NULL, "you may not access store %s", store);
    if (!(c->store = strdup(store))) return httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    return HTTP_R_OK;
}

/* store_id of a query: required, a valid id, and one the caller may touch. */
httpResult lookupQueryStore(httpCtx *c, const char **store) {
    *store = httpQuery(c, "store_id");
    if (!*store || !**store) return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "store_id is required");
    if (!resvIdValid(*store, strlen(*store)))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "store_id is not a valid id");
    if (!httpStoreAllowed(c, *store))
        return httpFail(c, HTTP_R_FORBIDDEN, NULL, "you may not access store %s", *store);
    return HTTP_R_OK;
}

int lookupQueryLong(httpCtx *c, const char *name, long lo, long hi, long *out) {
    const char *s = httpQuery(c, name);
    if (!s) return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* A caller who sent the field is told what is wrong with it, in the module's words, not
 * to send it. */
httpResult lookupFieldFail(httpCtx *c, const char *name, int given, const char *rule) {
    if (given) return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "invalid %s: must be %s", name, rule);
    return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "%s is required: %s", name, rule);
}

httpResult lookupQueryDate(httpCtx *c, const char *name, int endOfDay, int required,
                           const char **out) {
    resvInstant t;
    *out = httpQuery(c, name);
    if ((*out && resvParseDateOrDateTime(*out, strlen(*out), endOfDay, &t)) || (!*out && required))
        return lookupFieldFail(c, name, *out != NULL, "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS");
    return HTTP_R_OK;
}

/* Reservation ids are unique across stores: RESV.OWNER says whose it is, so the store
 * claim can be checked before anything is read or changed. */
static void lookupOwnerReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, HTTP_REPLY_ANY);
    if (!r) return;
    httpResult res;
    if (r->type == REDIS_REPLY_STRING)
        ownerCachePut(c->loop->owners, c->params[0], r->str);
    else
        ownerCacheDrop(c->loop->owners, c->params[0]);
    if (r->type == REDIS_REPLY_NIL)
        res = httpFail(c, HTTP_R_NOT_FOUND, NULL, "reservation %s not found", c->params[0]);
    else if (r->type != REDIS_REPLY_STRING)
        res = httpFailRedis(c, r);
    else if (!httpStoreAllowed(c, r->str))
        res = httpFail(c, HTTP_R_FORBIDDEN, NULL,
                       "reservation %s belongs to a store you may not access", c->params[0]);
    else if (!(c->store = strdup(r->str)))
        res = httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    else
        res = c->next(c, r);
    if (res != HTTP_R_PENDING) httpFinish(c, res, NULL);
}

httpResult lookupOwner(httpCtx *c, httpNext *next) {
    const char *id = c->params[0];
    if (!resvIdValid(id, strlen(id)))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "reservation_id in the path is not a valid id");
    c->next = next;
    redisCmd a;
    redisCmdInit(&a, "RESV.OWNER");
    redisCmdPushKey(&a, id);
    return httpRedis(c, lookupOwnerReply, &a);
}

httpResult lookupOwnerCached(httpCtx *c, httpNext *next) {
    const char *id = c->params[0];
    const char *store = resvIdValid(id, strlen(id)) ? ownerCacheGet(c->loop->owners, id) : NULL;
    /* A store the caller may not touch is asked again: the guess may be stale, and a
     * 403 must come from the real owner. */
    if (!store || !httpStoreAllowed(c, store)) return lookupOwner(c, next);
    if (!(c->store = strdup(store))) return httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    c->ownerGuessed = 1;
    c->loop->ownerCacheHits++;
    return next(c, NULL);
}

httpResult lookupOwnerWrong(httpCtx *c, httpNext *next) {
    ownerCacheDrop(c->loop->owners, c->params[0]);
    c->loop->ownerCacheWrong++;
    c->ownerGuessed = 0;
    free(c->store);
    c->store = NULL;
    return lookupOwner(c, next);
}

/* 200 with {"reservation_id" (when rid), "store_id", "count": n, "<name>": [...]}, each
 * map of the array reply r as an object: the one form of the lists of maps (history,
 * tables, sync failures). */
void lookupFinishMapList(httpCtx *c, const redisReply *r, json_t *(*row)(const redisReply *),
                         const char *name, const char *rid, const char *store) {
    json_t *list = json_array();
    for (size_t i = 0; i < r->elements; i++) {
        json_t *o = row ? row(r->element[i]) : resvJsonFromMap(r->element[i]);
        if (o) json_array_append_new(list, o);
    }
    httpFinish(c, HTTP_R_OK,
               json_pack("{s:s*,s:s,s:I,s:o}", "reservation_id", rid, "store_id", store, "count",
                         (json_int_t)json_array_size(list), name, list));
}

static void lookupStoreListReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (r) lookupFinishMapList(c, r, NULL, c->listName, NULL, httpQuery(c, "store_id"));
}

httpResult lookupStoreList(httpCtx *c, const char *command, const char *name) {
    const char *store;
    httpResult r = lookupQueryStore(c, &store);
    if (r != HTTP_R_OK) return r;
    c->listName = name;
    redisCmd a;
    redisCmdInit(&a, command);
    redisCmdPushKey(&a, store);
    return httpRedis(c, lookupStoreListReply, &a);
}
