/* The walk-in waitlist over HTTP: POST/GET /stores/{store_id}/waitlist, POST
 * .../waitlist/{entry}/seat?table_number, DELETE .../waitlist/{entry}. */
#include "routes_waitlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"
#include "reservation_json.h"
#include "resv_model.h"

/* An entry as JSON: party as an integer. */
static json_t *waitEntryJson(const redisReply *r) {
    json_t *o = resvJsonFromMap(r);
    const char *p = o ? json_string_value(json_object_get(o, "party")) : NULL;
    if (p) json_object_set_new(o, "party", json_integer(strtol(p, NULL, 10)));
    return o;
}

static void waitAdded(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (!r) return;
    json_t *o = waitEntryJson(r);
    if (o) json_object_set_new(o, "store_id", json_string(c->store));
    httpFinish(c, o ? HTTP_R_CREATED : httpFailRedis(c, r), o);
}

/* POST /stores/{store_id}/waitlist {"name", "phone", "party"} */
httpResult routeWaitlistAdd(httpCtx *c) {
    httpResult r;
    if ((r = lookupPathStore(c)) != HTTP_R_OK || (r = httpParseJsonBody(c, 1)) != HTTP_R_OK)
        return r;
    static const char *const known[] = {"name", "phone", "party", NULL};
    const char *unknown = httpBodyUnknown(c, known);
    if (unknown)
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "unknown field %s: an entry has name, phone, party", unknown);
    json_t *name = json_object_get(c->body, "name"), *phone = json_object_get(c->body, "phone"),
           *party = json_object_get(c->body, "party");
    if (!json_is_string(name) || !*json_string_value(name))
        return lookupFieldFail(c, "name", name && !json_is_null(name), "a non-empty string");
    if (!json_is_string(phone) || !*json_string_value(phone))
        return lookupFieldFail(c, "phone", phone && !json_is_null(phone), "a non-empty string");
    if (!json_is_integer(party) || json_integer_value(party) < 1 ||
        json_integer_value(party) > 9999)
        return lookupFieldFail(c, "party", party && !json_is_null(party),
                               "an integer from 1 to 9999");
    char buf[16];
    snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(party));
    redisCmd a;
    redisCmdInit(&a, "RESV.WAIT.ADD");
    redisCmdPushKey(&a, c->store);
    redisCmdPushStr(&a, json_string_value(name));
    redisCmdPushStr(&a, json_string_value(phone));
    redisCmdPushStr(&a, buf);
    return httpRedis(c, waitAdded, &a);
}

static void waitListed(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (r) lookupFinishMapList(c, r, waitEntryJson, "waitlist", NULL, c->store);
}

/* GET /stores/{store_id}/waitlist */
httpResult routeWaitlistList(httpCtx *c) {
    httpResult r = lookupPathStore(c);
    if (r != HTTP_R_OK) return r;
    redisCmd a;
    redisCmdInit(&a, "RESV.WAIT.LIST");
    redisCmdPushKey(&a, c->store);
    return httpRedis(c, waitListed, &a);
}

static void waitSeated(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (!r) return;
    json_t *o = resvJsonFromReply(r);
    httpFinish(c, o ? HTTP_R_CREATED : httpFailRedis(c, r), o);
}

/* POST /stores/{store_id}/waitlist/{entry}/seat?table_number=T: 201, the reservation.
 * No body: a member of one (even "force": pacing never refuses a walk-in) is a 400. */
httpResult routeWaitlistSeat(httpCtx *c) {
    httpResult r;
    if ((r = lookupPathStore(c)) != HTTP_R_OK ||
        (r = httpBodyNone(c, "seating takes no body (table_number is a query parameter)")) !=
            HTTP_R_OK)
        return r;
    const char *table = httpQuery(c, "table_number");
    if (!table || !*table) return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "table_number is required");
    redisCmd a;
    redisCmdInit(&a, "RESV.WAIT.SEAT");
    redisCmdPushKey(&a, c->store);
    redisCmdPushStr(&a, c->params[1]);
    redisCmdPushStr(&a, table);
    redisCmdPushStr(&a, "ACTOR");
    redisCmdPushStr(&a, c->claims.sub);
    return httpRedis(c, waitSeated, &a);
}

static void waitDeleted(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_INTEGER);
    if (!r) return;
    if (!r->integer) {
        httpFinish(c,
                   httpFail(c, HTTP_R_NOT_FOUND, NULL, "waitlist entry %s not found in store %s",
                            c->params[1], c->store),
                   NULL);
        return;
    }
    httpFinish(
        c, HTTP_R_OK,
        json_pack("{s:s,s:s,s:b}", "store_id", c->store, "entry", c->params[1], "deleted", 1));
}

/* DELETE /stores/{store_id}/waitlist/{entry}: no body, as seating. */
httpResult routeWaitlistDelete(httpCtx *c) {
    httpResult r;
    if ((r = lookupPathStore(c)) != HTTP_R_OK ||
        (r = httpBodyNone(c, "removing a party takes no body")) != HTTP_R_OK)
        return r;
    redisCmd a;
    redisCmdInit(&a, "RESV.WAIT.DEL");
    redisCmdPushKey(&a, c->store);
    redisCmdPushStr(&a, c->params[1]);
    return httpRedis(c, waitDeleted, &a);
}
