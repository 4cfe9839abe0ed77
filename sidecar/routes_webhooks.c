/* POST /webhooks/reservation/{system_id}: the provider's pushes, signed as in Standard
 * Webhooks; a repeated webhook-id is acknowledged and not applied again (MSGID). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "log.h"
#include "reservation_json.h"
#include "resv_keys.h"
#include "resv_model.h"
#include "lookup.h"
#include "routes_webhooks.h"
#include "server.h"
#include "webhook_signature.h"

#define WEBHOOK_TOLERANCE 300
#define WEBHOOK_ID_MAX    256

typedef struct {
    char event[32];
    char rid[RESV_ID_MAX_BYTES + 1];
} webhookState;

static void webhookUpsertReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    httpCtx *c = privdata;
    webhookState *w = c->state;
    redisReply *r = httpReplyTake(c, reply, HTTP_REPLY_ANY);
    if (!r) return;
    if (r->type != REDIS_REPLY_STATUS && r->type != REDIS_REPLY_STRING) {
        httpFinish(c, httpFailRedis(c, r), NULL);
        return;
    }
    resvUpsertResult k;
    if (resvUpsertResultParse(r->str, r->len, &k) == 0 && k == RESV_UPSERT_DUPLICATE) {
        c->srv->webhooksDuplicate++;
        httpFinish(c, HTTP_R_OK,
                   json_pack("{s:b,s:b,s:s,s:s}", "received", 1, "duplicate", 1, "event", w->event,
                             "reservation_id", w->rid));
        return;
    }
    httpFinish(c, HTTP_R_OK,
               json_pack("{s:b,s:s,s:s,s:s}", "received", 1, "event", w->event, "reservation_id",
                         w->rid, "result", r->str));
}

static httpResult webhookVerifySignature(httpCtx *c, const redisReply *sys, const char **msgId) {
    struct evkeyvalq *h = evhttp_request_get_input_headers(c->req);
    *msgId = evhttp_find_header(h, "webhook-id");
    json_t *config = resvSystemConfig(sys);
    const char *mode = json_string_value(json_object_get(config, "webhook_signature"));
    int unsigned_ = mode && strcmp(mode, "none") == 0;
    json_decref(config);
    if (unsigned_) return HTTP_R_OK;

    const char *ts = evhttp_find_header(h, "webhook-timestamp");
    const char *sig = evhttp_find_header(h, "webhook-signature");
    if (!*msgId || !ts || !sig)
        return httpFail(c, HTTP_R_UNAUTHORIZED, "invalid_signature",
                        "webhook-id, webhook-timestamp and webhook-signature headers are required");
    const redisReply *secret = resvReplyField(sys, "webhook_secret");
    if (!secret || secret->type != REDIS_REPLY_STRING || secret->len == 0)
        return httpFail(c, HTTP_R_UNAUTHORIZED, "invalid_signature",
                        "the system has no webhook secret");
    const char *why = "signature mismatch";
    if (webhookVerify(secret->str, *msgId, ts, sig, (const unsigned char *)c->rawBody,
                      c->rawBodyLen, time(NULL), WEBHOOK_TOLERANCE, &why) != 0)
        return httpFail(c, HTTP_R_UNAUTHORIZED, "invalid_signature", "%s",
                        why ? why : "signature mismatch");
    return HTTP_R_OK;
}

static httpResult webhookWithSystem(httpCtx *c, const redisReply *sys) {
    const char *msgId = NULL;
    httpResult r = webhookVerifySignature(c, sys, &msgId);
    if (r != HTTP_R_OK) return r;
    if (msgId && (!*msgId || strlen(msgId) > WEBHOOK_ID_MAX))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "webhook-id must be 1 to %d bytes",
                        WEBHOOK_ID_MAX);

    /* Only a verified body is parsed. */
    if ((r = httpParseJsonBody(c, 1)) != HTTP_R_OK) return r;
    json_t *ev = json_object_get(c->body, "event");
    const char *event = json_string_value(ev);
    json_t *data = json_object_get(c->body, "data");
    if (!event) return lookupFieldFail(c, "event", ev && !json_is_null(ev), "a string");
    int cancelled = strcmp(event, "reservation.cancelled") == 0;
    if (!cancelled && strcmp(event, "reservation.created") != 0 &&
        strcmp(event, "reservation.updated") != 0) {
        /* An event we do not handle is acknowledged, or the provider would retry it
         * for days (Standard Webhooks); the log says it came. */
        c->srv->webhooksIgnored++;
        logInfo("webhook %s system %s: event %.64s ignored", msgId ? msgId : "-", c->params[0],
                event);
        httpFinish(c, HTTP_R_OK,
                   json_pack("{s:b,s:b,s:s}", "received", 1, "ignored", 1, "event", event));
        return HTTP_R_PENDING;
    }
    if (!json_is_object(data))
        return lookupFieldFail(c, "data", data && !json_is_null(data), "a JSON object");

    webhookState *w = calloc(1, sizeof(*w));
    if (!w) return httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    c->state = w;
    c->stateFree = free;
    snprintf(w->event, sizeof(w->event), "%s", event);
    json_t *rid = json_object_get(data, "reservation_id");
    if (resvJsonReservationId(data, w->rid, sizeof(w->rid)))
        return lookupFieldFail(c, "data.reservation_id", rid && !json_is_null(rid),
                               "a reservation id (a string)");
    if ((r = lookupSystemStore(c, sys)) != HTTP_R_OK) return r;

    char actor[RESV_ID_MAX_BYTES + 16];
    snprintf(actor, sizeof(actor), "webhook:%s", c->params[0]);
    /* A cancellation is the status, whatever else the data says; the other given fields
     * merge as in an update. */
    if (cancelled) json_object_set_new(data, "status", json_string("cancelled"));
    resvUpsertFrom from = {"webhook", actor, event, c->rawBody, c->rawBodyLen, msgId, c->params[0]};
    redisCmd a;
    const char *why, *field;
    if (resvUpsertArgv(&a, c->store, data, &from, &why, &field))
        return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "data.%s %s", field, why);
    return httpRedis(c, webhookUpsertReply, &a);
}

httpResult routeWebhookReceive(httpCtx *c) {
    /* The signature covers the bytes as received, and they are the audit payload: keep
     * an exact copy (the body may hold NULs; the signature check would catch those). */
    struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
    size_t len = evbuffer_get_length(in);
    c->rawBody = malloc(len + 1);
    if (!c->rawBody) return httpFail(c, HTTP_R_INTERNAL, NULL, "out of memory");
    if (len) memcpy(c->rawBody, evbuffer_pullup(in, -1), len);
    c->rawBody[len] = '\0';
    c->rawBodyLen = len;
    return lookupSystem(c, webhookWithSystem);
}
