/* A store's settings: GET and PUT /stores/{store_id}/settings, over RESV.STORE.GET and
 * RESV.STORE.SET. The module validates the values (one place for the rules); here the
 * JSON types are checked, and the names, so that an unknown one is refused by name. */
#include "routes_stores.h"

#include <stdio.h>
#include <string.h>

#include "resv_model.h"
#include "resv_settings.h"

/* The store of the path, valid and the caller's; no query parameters. */
static httpResult storesCheck(httpCtx *c) {
    const char *store = c->params[0];
    struct evkeyval *q = c->query.tqh_first;
    if (q) return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "unknown query parameter %s", q->key);
    if (!resvIdValid(store, strlen(store)))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "store_id must be 1 to 128 letters, digits, non-ASCII UTF-8 or - _ . : @");
    if (!httpStoreAllowed(c, store))
        return httpFail(c, HTTP_R_FORBIDDEN, NULL, "you may not access store %s", store);
    return HTTP_R_OK;
}

/* The settings map of RESV.STORE.GET/SET as an object: store_id, then each setting
 * with its JSON type (numbers come as integer replies). */
static void storesSettingsReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (!r) return;
    json_t *o = json_pack("{s:s}", "store_id", c->params[0]);
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *k = r->element[i], *v = r->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || resvSettingLookup(k->str, k->len) < 0) continue;
        if (v->type == REDIS_REPLY_INTEGER)
            json_object_set_new(o, k->str, json_integer(v->integer));
        else if (v->type == REDIS_REPLY_STRING)
            json_object_set_new(o, k->str, json_stringn(v->str, v->len));
    }
    httpFinish(c, HTTP_R_OK, o);
}

/* GET /stores/{store_id}/settings */
httpResult routeStoreSettingsGet(httpCtx *c) {
    httpResult r = storesCheck(c);
    if (r != HTTP_R_OK) return r;
    redisCmd a;
    redisCmdInit(&a, "RESV.STORE.GET");
    redisCmdPushKey(&a, c->params[0]);
    return httpRedis(c, storesSettingsReply, &a);
}

/* PUT /stores/{store_id}/settings {"timezone": "...", "no_show_after_minutes": 15, ...}
 * A member set to null goes back to its default. */
httpResult routeStoreSettingsPut(httpCtx *c) {
    httpResult r = storesCheck(c);
    if (r != HTTP_R_OK) return r;
    if ((r = httpParseJsonBody(c, 1)) != HTTP_R_OK) return r;
    if (!json_object_size(c->body))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "at least one setting is required");
    redisCmd a;
    redisCmdInit(&a, "RESV.STORE.SET");
    redisCmdPushKey(&a, c->params[0]);
    const char *name;
    json_t *v;
    json_object_foreach(c->body, name, v) {
        int s = resvSettingLookup(name, strlen(name));
        if (s < 0) {
            redisCmdFree(&a);
            return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "unknown field '%s'", name);
        }
        int zone = resvSettings[s].isZone;
        if (!json_is_null(v) && (zone ? !json_is_string(v) : !json_is_integer(v))) {
            redisCmdFree(&a);
            return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "%s must be %s or null", name,
                            zone ? "a string" : "an integer");
        }
        redisCmdPushStr(&a, name);
        if (json_is_null(v))
            redisCmdPush(&a, "", 0);
        else if (zone)
            redisCmdPush(&a, json_string_value(v), json_string_length(v));
        else
            redisCmdPushInt(&a, (long long)json_integer_value(v));
    }
    return httpRedis(c, storesSettingsReply, &a);
}
