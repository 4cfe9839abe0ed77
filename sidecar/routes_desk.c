/* The front desk's own bookings: a booking taken at the desk (POST /stores/{store_id}/
 * reservations) and a booking moved to another time or table, or its details changed
 * (PATCH /reservation/{reservation_id}). They are ours, not the provider's data: origin
 * api, actor the token's subject, so the floor refuses what it cannot seat (a held
 * table, a party over the seats, a slot over its pacing unless "force": true by admin
 * or store_manager). The body is checked as POST .../sync checks a reservation
 * (resvJsonCheckInput); a create never overwrites (RESV.UPSERT NX), a change never
 * creates (XX). */
#include "routes_desk.h"

#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "lookup.h"
#include "reservation_json.h"
#include "resv_model.h"

/* A reservation id the sidecar makes when the body has none: this prefix and a random
 * uuid (41 characters), so a desk booking is told apart from the provider's ids. */
#define DESK_ID_PREFIX "desk-"

/* The members a PATCH takes. */
static const char *const deskPatchKnown[] = {"reservation_date",
                                             "reservation_time",
                                             "customer_count",
                                             "table_number",
                                             "customer_name",
                                             "customer_phone",
                                             "special_requirements",
                                             "notes",
                                             "area",
                                             "table_type",
                                             "force",
                                             NULL};

/* What the guest booked with the provider: a provider's booking (it has a system_id)
 * keeps these as the provider says, since its next update would overwrite a change
 * made here (and the push carries statuses only). Where the party sits (table_number,
 * area, table_type) and our notes are the floor's. */
static const char *const deskProviderOwned[] = {"reservation_date",
                                                "reservation_time",
                                                "customer_count",
                                                "customer_name",
                                                "customer_phone",
                                                "special_requirements",
                                                NULL};

/* The request's decision carried to the Redis callbacks. */
typedef struct {
    int force; /* "force": true, allowed for the caller */
} deskState;

/* Takes "force" out of the body (true, false or null; true only for admin and
 * store_manager) and checks the rest as a reservation of our own. */
static httpResult deskBody(httpCtx *c) {
    json_t *force = json_object_get(c->body, "force");
    if (force && !json_is_boolean(force) && !json_is_null(force))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "force must be true or false");
    deskState *st = calloc(1, sizeof(*st));
    if (!st) return httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    c->state = st;
    c->stateFree = free;
    st->force = json_is_true(force);
    json_object_del(c->body, "force");
    const char *field, *why;
    if (resvJsonCheckInput(c->body, NULL, &field, &why))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "%s %s", field, why);
    if (st->force && c->claims.role != AUTH_ADMIN && c->claims.role != AUTH_STORE_MANAGER)
        return httpFail(c, HTTP_R_FORBIDDEN, NULL,
                        "role %s may not force a booking over the pacing (admin and "
                        "store_manager may)",
                        authRoleName(c->claims.role));
    return HTTP_R_OK;
}

/* RESV.UPSERT store rid NX|XX [FORCE] ORIGIN api ACTOR sub REPLY RECORD <fields>. */
static httpResult deskSend(httpCtx *c, const char *rid, const char *only, redisCallbackFn *fn) {
    const deskState *st = c->state;
    const char *bad;
    redisCmd a;
    redisCmdInit(&a, "RESV.UPSERT");
    redisCmdPushKey(&a, c->store);
    redisCmdPushStr(&a, rid);
    redisCmdPushStr(&a, only);
    if (st->force) redisCmdPushStr(&a, "FORCE");
    redisCmdPushStr(&a, "ORIGIN");
    redisCmdPushStr(&a, "api");
    redisCmdPushStr(&a, "ACTOR");
    redisCmdPushStr(&a, c->claims.sub);
    redisCmdPushStr(&a, "REPLY");
    redisCmdPushStr(&a, "RECORD");
    if (resvJsonAppendFields(c->body, &a, &bad)) { /* deskBody() checked the types */
        redisCmdFree(&a);
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "%s must be a string, number or boolean", bad);
    }
    return httpRedis(c, fn, &a);
}

/* The record of a REPLY RECORD answer ([result, record]); NULL (answered) otherwise. */
static const redisReply *deskRecord(httpCtx *c, void *reply) {
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_ARRAY);
    if (!r) return NULL;
    if (r->elements != 2 || r->element[1]->type != REDIS_REPLY_ARRAY) {
        httpFinish(c, httpFailRedis(c, r), NULL);
        return NULL;
    }
    return r->element[1];
}

static void deskCreated(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    const redisReply *rec = deskRecord(c, reply);
    if (!rec) return;
    const char *rid = resvReplyStr(rec, "reservation_id");
    if (rid) ownerCachePut(c->loop->owners, rid, c->store);
    httpFinish(c, HTTP_R_CREATED, resvJsonFromReply(rec));
}

/* POST /stores/{store_id}/reservations: 201, the reservation as GET gives it. */
httpResult routeDeskCreate(httpCtx *c) {
    httpResult r;
    if ((r = lookupPathStore(c)) != HTTP_R_OK || (r = httpParseJsonBody(c, 1)) != HTTP_R_OK ||
        (r = deskBody(c)) != HTTP_R_OK)
        return r;
    char made[sizeof(DESK_ID_PREFIX) + 36];
    const char *rid = json_string_value(json_object_get(c->body, "reservation_id"));
    if (!rid) {
        uuid_t u;
        uuid_generate_random(u);
        memcpy(made, DESK_ID_PREFIX, sizeof(DESK_ID_PREFIX) - 1);
        uuid_unparse_lower(u, made + sizeof(DESK_ID_PREFIX) - 1);
        rid = made;
    }
    return deskSend(c, rid, "NX", deskCreated);
}

static void deskPatched(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    const redisReply *rec = deskRecord(c, reply);
    if (rec) httpFinish(c, HTTP_R_OK, resvJsonFromReply(rec));
}

/* The first member of the body that changes what the guest booked with the provider
 * (a value other than the stored one), or NULL; *bad: a value not valid for its field. */
static const char *deskProviderChange(httpCtx *c, const redisReply *rec, const char **bad) {
    *bad = NULL;
    for (int i = 0; deskProviderOwned[i]; i++) {
        const char *name = deskProviderOwned[i], *s, *canon, *why;
        json_t *v = json_object_get(c->body, name);
        char buf[64], cbuf[RESV_CANON_MAX];
        size_t len, canonLen;
        if (!v || resvJsonScalar(v, buf, &s, &len) != 0) continue; /* absent or null */
        int f = resvFieldLookup(resvFields, RESV_F_COUNT, name, strlen(name));
        if (resvFieldCheck(&resvFields[f], s, len, cbuf, &canon, &canonLen, &why)) {
            *bad = why;
            return name;
        }
        const char *stored = resvReplyStr(rec, name);
        if (!stored || strlen(stored) != canonLen || memcmp(stored, canon, canonLen)) return name;
    }
    return NULL;
}

/* The stored reservation rec is changed, unless it is a provider's booking and the
 * body moves what the guest booked there. */
static httpResult deskPatchSend(httpCtx *c, const redisReply *rec) {
    const char *system = resvReplyStr(rec, "system_id"), *bad;
    const char *field = system && *system ? deskProviderChange(c, rec, &bad) : NULL;
    if (field && bad) return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "invalid %s: %s", field, bad);
    if (field)
        return httpFail(c, HTTP_R_CONFLICT, NULL,
                        "%s of reservation %s is the provider's (system %s): change it there; "
                        "table_number, area, table_type and notes may be changed here",
                        field, c->params[0], system);
    return deskSend(c, c->params[0], "XX", deskPatched);
}

static httpResult deskPatchRead(httpCtx *c, const redisReply *owner);

static void deskPatchGot(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = reply;
    httpResult res;
    if (c->ownerGuessed && r && r->type == REDIS_REPLY_NIL) {
        c->redisPending--;
        res = lookupOwnerWrong(c, deskPatchRead);
    } else if (!(r = httpReplyTake(c, reply, HTTP_REPLY_ANY))) {
        return;
    } else if (r->type == REDIS_REPLY_NIL) {
        res = httpFail(c, HTTP_R_NOT_FOUND, NULL, "reservation %s not found", c->params[0]);
    } else if (r->type != REDIS_REPLY_ARRAY) {
        res = httpFailRedis(c, r);
    } else {
        res = deskPatchSend(c, r);
    }
    if (res != HTTP_R_PENDING) httpFinish(c, res, NULL);
}

static httpResult deskPatchRead(httpCtx *c, const redisReply *owner) {
    (void)owner; /* c->store */
    redisCmd a;
    redisCmdInit(&a, "RESV.GET");
    redisCmdPushKey(&a, c->store);
    redisCmdPushStr(&a, c->params[0]);
    return httpRedis(c, deskPatchGot, &a);
}

/* PATCH /reservation/{reservation_id}: 200, the reservation after the change. */
httpResult routeDeskPatch(httpCtx *c) {
    httpResult r = httpParseJsonBody(c, 1);
    if (r != HTTP_R_OK) return r;
    const char *unknown = httpBodyUnknown(c, deskPatchKnown);
    if (unknown)
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "%s cannot be changed here: a PATCH takes reservation_date, "
                        "reservation_time, customer_count, table_number, customer_name, "
                        "customer_phone, special_requirements, notes, area, table_type and force "
                        "(a status: PUT .../status)",
                        unknown);
    if ((r = deskBody(c)) != HTTP_R_OK) return r;
    const char *key;
    json_t *v;
    int changes = 0;
    json_object_foreach(c->body, key, v) {
        changes += !json_is_null(v);
    }
    if (!changes)
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "the body changes nothing: give a field");
    return lookupOwnerCached(c, deskPatchRead);
}
