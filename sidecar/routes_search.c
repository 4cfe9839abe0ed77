/* GET /reservation/search?store_id&q&date_from&date_to&limit: RESV.FIND, a guest found in
 * one step by booking id, reservation number, external id, phone digits or a part of
 * the name (docs/commands.md). */
#include "routes_search.h"

#include <stdlib.h>
#include <string.h>

#include "lookup.h"
#include "reservation_json.h"
#include "resv_find.h"
#include "resv_model.h"
#include "resv_time.h"
#include "server.h"

#define SEARCH_LIMIT_MAX 1000

/* q: as RESV.FIND takes it (resvFindQueryCheck), so the two never disagree. */
static httpResult searchQuery(httpCtx *c, const char **q) {
    const char *trimmed;
    size_t len;
    *q = httpQuery(c, "q");
    if (!*q) return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "q is required");
    if (resvFindQueryCheck(*q, strlen(*q), &trimmed, &len))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "q must be 1 to %d characters of UTF-8 text without control characters",
                        RESV_FIND_VALUE_CHARS);
    return HTTP_R_OK;
}

/* [total, [[matched, record], ...]] -> {"store_id", "q", "total", "count", "results":
 * [{"matched", "reservation"}]} */
static void searchReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (!r) return;
    if (r->elements != 2 || r->element[0]->type != REDIS_REPLY_INTEGER ||
        r->element[1]->type != REDIS_REPLY_ARRAY) {
        httpFinish(c, httpFailRedis(c, r), NULL);
        return;
    }
    json_t *results = json_array();
    const redisReply *items = r->element[1];
    for (size_t i = 0; i < items->elements; i++) {
        const redisReply *it = items->element[i];
        if (it->type != REDIS_REPLY_ARRAY || it->elements != 2 ||
            it->element[0]->type != REDIS_REPLY_STRING)
            continue;
        json_t *rec = resvJsonFromReply(it->element[1]);
        if (!rec) continue;
        json_array_append_new(
            results, json_pack("{s:s,s:o}", "matched", it->element[0]->str, "reservation", rec));
    }
    httpFinish(c, HTTP_R_OK,
               json_pack("{s:s,s:s,s:I,s:I,s:o}", "store_id", httpQuery(c, "store_id"), "q",
                         httpQuery(c, "q"), "total", (json_int_t)r->element[0]->integer, "count",
                         (json_int_t)json_array_size(results), "results", results));
}

httpResult routeReservationSearch(httpCtx *c) {
    const char *store, *q, *from, *to, *limit = httpQuery(c, "limit");
    httpResult r;
    if ((r = lookupQueryStore(c, &store)) != HTTP_R_OK) return r;
    if ((r = searchQuery(c, &q)) != HTTP_R_OK) return r;
    if ((r = lookupQueryDate(c, "date_from", 0, 0, &from)) != HTTP_R_OK) return r;
    if ((r = lookupQueryDate(c, "date_to", 1, 0, &to)) != HTTP_R_OK) return r;
    long n;
    if (lookupQueryLong(c, "limit", 1, SEARCH_LIMIT_MAX, &n))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "limit must be an integer from 1 to %d",
                        SEARCH_LIMIT_MAX);
    redisCmd a;
    redisCmdInit(&a, "RESV.FIND");
    redisCmdPushKey(&a, store);
    redisCmdPushStr(&a, "QUERY");
    redisCmdPushStr(&a, q);
    if (from) {
        redisCmdPushStr(&a, "FROM");
        redisCmdPushStr(&a, from);
    }
    if (to) {
        redisCmdPushStr(&a, "TO");
        redisCmdPushStr(&a, to);
    }
    if (limit) {
        redisCmdPushStr(&a, "LIMIT");
        redisCmdPushStr(&a, limit);
    }
    return httpRedis(c, searchReply, &a);
}
