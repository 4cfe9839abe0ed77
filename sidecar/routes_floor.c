/* The floor: PUT/DELETE /stores/{store_id}/tables/{table} (RESV.TABLE.SET/DEL) and GET
 * /availability (RESV.AVAILABILITY). The module validates again; here the input is
 * checked strictly, so that a typo is a 400 naming the field. */
#include "routes_floor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"
#include "reservation_json.h"
#include "resv_floor.h"
#include "resv_model.h"
#include "resv_time.h"

/* The table of the path: one table id of at most 32 bytes. */
static httpResult floorPathTable(httpCtx *c) {
    const char *t = c->params[1];
    size_t n = strlen(t);
    if (n > 32 || !resvIdValid(t, n))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "table in the path must be 1 to 32 letters, digits, non-ASCII UTF-8 or "
                        "- _ . : @");
    return HTTP_R_OK;
}

static void floorTableReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (!r) return;
    json_t *o = resvJsonFromMap(r);
    if (o) {
        resvJsonSplitList(o, "joins"); /* an array, as the body gave it */
        json_object_set_new(o, "store_id", json_string(c->store));
    }
    httpFinish(c, o ? HTTP_R_OK : httpFailRedis(c, r), o);
}

/* "joins": an array of table ids, sent as "t1,t2" (the module checks each). */
static httpResult floorJoins(httpCtx *c, json_t *joins, char *buf, size_t cap) {
    size_t used = 0, i;
    json_t *v;
    if (!json_is_array(joins) || json_array_size(joins) == 0 ||
        json_array_size(joins) > RESV_FLOOR_JOIN_MAX)
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "joins must be an array of 1 to 8 tables");
    json_array_foreach(joins, i, v) {
        const char *t = json_string_value(v);
        size_t n = t ? strlen(t) : 0;
        if (!t || n > 32 || !resvIdValid(t, n) || used + n + 2 > cap)
            return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                            "joins[%zu] must be a table: 1 to 32 letters, digits, non-ASCII "
                            "UTF-8 or - _ . : @",
                            i);
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? "," : "", t);
    }
    return HTTP_R_OK;
}

/* PUT /stores/{store_id}/tables/{table} {"seats": n, "area": "...", "joins": ["t", ...]} */
httpResult routeFloorTablePut(httpCtx *c) {
    httpResult r;
    if ((r = lookupPathStore(c)) != HTTP_R_OK || (r = floorPathTable(c)) != HTTP_R_OK ||
        (r = httpParseJsonBody(c, 1)) != HTTP_R_OK)
        return r;
    static const char *const known[] = {"seats", "area", "joins", NULL};
    const char *unknown = httpBodyUnknown(c, known);
    if (unknown)
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "unknown field %s: a table has seats, area, joins", unknown);
    json_t *seats = json_object_get(c->body, "seats"), *area = json_object_get(c->body, "area"),
           *joins = json_object_get(c->body, "joins");
    if (!json_is_integer(seats) || json_integer_value(seats) < 1 ||
        json_integer_value(seats) > RESV_FLOOR_SEATS_MAX)
        return lookupFieldFail(c, "seats", seats && !json_is_null(seats),
                               "an integer from 1 to 999");
    if (area && !json_is_null(area) && !json_is_string(area))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "area must be a string");
    char joinBuf[RESV_FLOOR_JOIN_MAX * 34], seatBuf[16];
    if (joins && !json_is_null(joins) &&
        (r = floorJoins(c, joins, joinBuf, sizeof joinBuf)) != HTTP_R_OK)
        return r;
    snprintf(seatBuf, sizeof seatBuf, "%lld", (long long)json_integer_value(seats));
    redisCmd a;
    redisCmdInit(&a, "RESV.TABLE.SET");
    redisCmdPushKey(&a, c->store);
    redisCmdPushStr(&a, c->params[1]);
    redisCmdPushStr(&a, "SEATS");
    redisCmdPushStr(&a, seatBuf);
    if (json_is_string(area) && *json_string_value(area)) {
        redisCmdPushStr(&a, "AREA");
        redisCmdPushStr(&a, json_string_value(area));
    }
    if (joins && json_is_array(joins)) {
        redisCmdPushStr(&a, "JOINS");
        redisCmdPushStr(&a, joinBuf);
    }
    return httpRedis(c, floorTableReply, &a);
}

static void floorTableDeleted(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_INTEGER);
    if (!r) return;
    if (r->integer == 0) {
        httpFinish(c,
                   httpFail(c, HTTP_R_NOT_FOUND, NULL, "table %s is not in the inventory of %s",
                            c->params[1], c->store),
                   NULL);
        return;
    }
    httpFinish(c, HTTP_R_OK,
               json_pack("{s:s,s:s,s:b}", "store_id", c->store, "table_number", c->params[1],
                         "deleted", 1));
}

/* DELETE /stores/{store_id}/tables/{table}: no body. */
httpResult routeFloorTableDelete(httpCtx *c) {
    httpResult r;
    if ((r = lookupPathStore(c)) != HTTP_R_OK || (r = floorPathTable(c)) != HTTP_R_OK ||
        (r = httpBodyNone(c, "deleting a table takes no body")) != HTTP_R_OK)
        return r;
    redisCmd a;
    redisCmdInit(&a, "RESV.TABLE.DEL");
    redisCmdPushKey(&a, c->store);
    redisCmdPushStr(&a, c->params[1]);
    return httpRedis(c, floorTableDeleted, &a);
}

static void floorAvailabilityReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (!r) return;
    json_t *o = resvJsonFromMap(r), *slot;
    size_t i;
    if (!o) {
        httpFinish(c, httpFailRedis(c, r), NULL);
        return;
    }
    json_object_set_new(o, "store_id", json_string(httpQuery(c, "store_id")));
    json_array_foreach(json_object_get(o, "slots"), i, slot) {
        json_t *b = json_object_get(slot, "bookable");
        if (b) json_object_set_new(slot, "bookable", json_boolean(json_integer_value(b)));
        resvJsonSplitList(slot, "tables");
        resvJsonSplitList(slot, "joined");
    }
    httpFinish(c, HTTP_R_OK, o);
}

/* GET /availability?store_id&date&party_size */
httpResult routeFloorAvailability(httpCtx *c) {
    const char *store, *date = httpQuery(c, "date"), *party = httpQuery(c, "party_size");
    resvInstant day;
    httpResult r = lookupQueryStore(c, &store);
    if (r != HTTP_R_OK) return r;
    if (!date || resvParseDate(date, strlen(date), &day))
        return lookupFieldFail(c, "date", date != NULL, "YYYY-MM-DD");
    long n;
    if (lookupQueryLong(c, "party_size", 1, 9999, &n))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "party_size must be an integer from 1 to 9999");
    redisCmd a;
    redisCmdInit(&a, "RESV.AVAILABILITY");
    redisCmdPushKey(&a, store);
    redisCmdPushStr(&a, date);
    if (party) {
        redisCmdPushStr(&a, "PARTY");
        redisCmdPushStr(&a, party);
    }
    return httpRedis(c, floorAvailabilityReply, &a);
}
