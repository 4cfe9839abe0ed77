/* Two-way sync by hand (seed FAQ 2 and 3): failed pushes and their re-sync, and a pull
 * of one system now. The deliveries themselves run in sync.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "reservation_json.h"
#include "resv_model.h"
#include "lookup.h"
#include "routes_sync.h"
#include "server.h"
#include "sync.h"

/* GET /sync/failures?store_id= */
httpResult routeSyncFailures(httpCtx *c) {
    return lookupStoreList(c, "RESV.FAILURES", "failures");
}

/* POST /reservation/{system_id}/resync [{"reservation_id": "..."}] */
static void syncResyncReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    redisReply *r = httpReplyTake(c, reply, REDIS_REPLY_INTEGER);
    if (!r) return;
    httpFinish(c, HTTP_R_OK,
               json_pack("{s:s,s:s,s:I}", "system_id", c->params[0], "store_id", c->store,
                         "requeued", (json_int_t)r->integer));
}

static httpResult syncResyncWithSystem(httpCtx *c, const redisReply *sys) {
    httpResult r = lookupSystemStore(c, sys);
    if (r != HTTP_R_OK) return r;
    char rid[RESV_ID_MAX_BYTES + 1];
    int one = 0;
    static const char *const known[] = {"reservation_id", NULL};
    const char *unknown = httpBodyUnknown(c, known);
    if (unknown)
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                        "%s is not a field of a resync (only reservation_id)", unknown);
    if (c->body && json_object_get(c->body, "reservation_id")) {
        if (!json_is_string(json_object_get(c->body, "reservation_id")) ||
            resvJsonReservationId(c->body, rid, sizeof(rid)) || !resvIdValid(rid, strlen(rid)))
            return httpFail(c, HTTP_R_BAD_REQUEST, NULL,
                            "reservation_id must be a valid reservation id");
        one = 1;
    }
    redisCmd a;
    redisCmdInit(&a, "RESV.RESYNC");
    redisCmdPushKey(&a, c->store);
    if (one) redisCmdPushStr(&a, rid);
    return httpRedis(c, syncResyncReply, &a);
}

httpResult routeReservationResync(httpCtx *c) {
    /* The body is optional: none (or {}) re-queues every failure of the store. */
    struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
    if (evbuffer_get_length(in) > 0) {
        httpResult r = httpParseJsonBody(c, 1);
        if (r != HTTP_R_OK) return r;
    }
    return lookupSystem(c, syncResyncWithSystem);
}

/* POST /systems/{id}/pull: replies when the pull is over. */
static void syncPullReplied(const syncPullReport *rep, void *arg) {
    httpCtx *c = arg;
    if (rep->cancelled) {
        httpFinish(c, httpFail(c, HTTP_R_UNAVAILABLE, "shutting_down", "%s", rep->error), NULL);
        return;
    }
    if (rep->redisLost) {
        httpFinish(c,
                   httpFail(c, HTTP_R_UNAVAILABLE, "redis_unavailable",
                            "pull stopped after %ld reservations: %s", rep->pulled, rep->error),
                   NULL);
        return;
    }
    if (!rep->ok) {
        /* The provider could not be read to the end: what was upserted stays. */
        httpFinish(c,
                   httpFail(c, HTTP_R_BAD_GATEWAY, "provider_error",
                            "pull failed after %ld reservations: %s", rep->pulled, rep->error),
                   NULL);
        return;
    }
    json_t *body =
        json_pack("{s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "system_id", c->params[0],
                  "store_id", c->store, "success", rep->ok, "pulled", (json_int_t)rep->pulled,
                  "created", (json_int_t)rep->created, "updated", (json_int_t)rep->updated,
                  "unchanged", (json_int_t)rep->unchanged, "stale", (json_int_t)rep->stale,
                  "failed", (json_int_t)rep->failed, "pages", (json_int_t)rep->pages);
    json_object_set_new(body, "last_pull_at",
                        rep->lastPullAt[0] ? json_string(rep->lastPullAt) : json_null());
    httpFinish(c, HTTP_R_OK, body);
}

static httpResult syncPullWithSystem(httpCtx *c, const redisReply *sys) {
    httpResult r = lookupSystemStore(c, sys);
    if (r != HTTP_R_OK) return r;
    /* SIGTERM came while the system was looked up: the sync engine takes no new pull. */
    if (c->loop->draining)
        return httpFail(c, HTTP_R_UNAVAILABLE, "shutting_down", "the server is shutting down");
    const redisReply *last = resvReplyField(sys, "last_pull_at");
    const char *since = last && last->type == REDIS_REPLY_STRING && last->len ? last->str : NULL;
    json_t *config = resvSystemConfig(sys);
    char err[256];
    int rc = syncPullNow(c->srv->sync, c->params[0], c->store, resvReplyStr(sys, "provider"),
                         config, since, syncPullReplied, c, err, sizeof(err));
    json_decref(config);
    if (rc) return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "%s", err);
    return HTTP_R_PENDING;
}

httpResult routeSystemsPull(httpCtx *c) {
    return lookupSystem(c, syncPullWithSystem);
}
