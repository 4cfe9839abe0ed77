/* The HTTP request/reply layer: the request context that follows a request from its
 * route to its last Redis callback, the result codes and their one mapping to HTTP
 * statuses, errors, replies (JSON, raw, streamed), the access log, and query and body
 * parsing. It knows neither the routes nor the listener. */
#ifndef SIDECAR_HTTP_H
#define SIDECAR_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "auth.h"
#include "owner_cache.h"
#include "redis_conn.h"

/* What a handler or a Redis callback decided; httpResultStatus() is the one place that
 * maps these to HTTP statuses. */
typedef enum {
    HTTP_R_PENDING, /* a Redis command is in flight: its callback finishes the request */
    HTTP_R_OK,
    HTTP_R_CREATED,
    HTTP_R_BAD_REQUEST,
    HTTP_R_UNAUTHORIZED,
    HTTP_R_FORBIDDEN,
    HTTP_R_NOT_FOUND,
    HTTP_R_METHOD_NOT_ALLOWED,
    HTTP_R_CONFLICT,
    HTTP_R_TOO_LARGE,
    HTTP_R_URI_TOO_LONG,
    HTTP_R_INTERNAL,
    HTTP_R_BAD_GATEWAY, /* the provider failed */
    HTTP_R_UNAVAILABLE,
} httpResult;

int httpResultStatus(httpResult r);
const char *httpMethodName(enum evhttp_cmd_type m);

/* The layer's share of one event loop: the Redis connection its requests use, whether
 * the loop is draining, and the counters /metrics shows. */
typedef struct {
    redisConn *redis;
    ownerCache *owners; /* reservation id -> store, for GET /reservation/{id} */
    authCache *tokens;  /* bearer tokens already verified (auth.h) */
    int draining;
    int inflight;
    unsigned long long requestsByClass[6]; /* index status/100; 0 unused */
    unsigned long long requestMicros;
    unsigned long long redisErrors;
    unsigned long long ownerCacheHits, ownerCacheWrong;
} httpLoop;

/* The server of the loop, as the routes see it (server.h); opaque here. */
struct server;

#define HTTP_MAX_PARAMS 2

typedef struct httpCtx httpCtx;

/* The step of a request after a lookup (lookup.h), given what was found: the system,
 * or the reservation's owner. */
typedef httpResult httpNext(httpCtx *c, const redisReply *found);

struct httpCtx {
    struct evhttp_request *req;
    httpLoop *loop;
    struct server *srv;
    const char *method;
    char *uri; /* as received, for the access log */
    struct evkeyvalq query;
    char *params[HTTP_MAX_PARAMS]; /* decoded path parameters ({} of the route) */
    authClaims claims;
    int authed;
    uint64_t startUs;
    /* The error being reported, set by httpFail(); errExtra: members the error object
     * has besides code and message (a pacing refusal's numbers), or NULL. */
    const char *errCode;
    char errMsg[512];
    json_t *errExtra;
    /* State of the handler across Redis round trips. */
    json_t *body;
    json_t *sys;      /* the integration system the request is about */
    char *store;      /* the store the request is about */
    int ownerGuessed; /* c->store came from the owner cache, not from Redis */
    char *rawBody;    /* a copy of the raw body where it is stored as PAYLOAD */
    size_t rawBodyLen;
    httpNext *next;       /* after a lookup */
    const char *listName; /* the member a list of maps is answered under */
    void *state;
    void (*stateFree)(void *);
    int redisPending; /* replies still expected */
};

/* A context for a request that just came in (counted in flight until its reply is
 * out); NULL when out of memory. */
httpCtx *httpCtxNew(struct evhttp_request *req, httpLoop *loop, struct server *srv);

/* Records an error for the request and returns r, so handlers can
 * `return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "status is required")`. code NULL
 * takes the default code of r. fmt is always a constant of ours; request data only
 * ever comes in through %s arguments. */
httpResult httpFail(httpCtx *c, httpResult r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps a Redis reply the request cannot use to a result, recording it: NULL (connection
 * lost), an error reply (by its code word), or any other reply (500, unexpected). A
 * pacing refusal (409 capacity) also gets its numbers: "covers" and "parties", each
 * {"booked": the slot's count with the booking, "limit": the limit or null when off}. */
httpResult httpFailRedis(httpCtx *c, const redisReply *r);
/* The start of every reply callback of a request: counts the reply in, and when there
 * is no reply, an error reply, or (wantType not HTTP_REPLY_ANY) a reply of another
 * REDIS_REPLY_* type, answers the request (httpFailRedis) and returns NULL. Otherwise
 * returns the reply, and the callback finishes the request. */
#define HTTP_REPLY_ANY (-1)
redisReply *httpReplyTake(httpCtx *c, void *reply, int wantType);
/* Finishes the request: an error from the recorded errCode/errMsg, or body (stolen) as
 * JSON for success results. Frees the context. */
void httpFinish(httpCtx *c, httpResult r, json_t *body);
/* The reply's body, for a success body written straight into it (resvJsonOut), then
 * sent by httpFinishBody as JSON with status. Frees the context. */
struct evbuffer *httpBody(httpCtx *c);
void httpFinishBody(httpCtx *c, int status);
/* Replies with a body other than JSON (metrics, openapi). Frees the context. */
void httpFinishRaw(httpCtx *c, int status, const char *contentType, const char *data, size_t len);
/* Sends a command for this request (c is the callback's privdata) and frees it; returns
 * HTTP_R_PENDING, or the failure: 503 when Redis is down, 500 when building the command
 * ran out of memory. */
httpResult httpRedis(httpCtx *c, redisCallbackFn *fn, redisCmd *cmd);

/* Parses the query string q (NULL: none) into c->query. Every name must be one of
 * allowed (NULL-terminated) and given once, and no value may hold a NUL: 400 naming
 * the parameter otherwise. */
httpResult httpParseQuery(httpCtx *c, const char *q, const char *const *allowed);
/* Query parameter (NULL when absent). */
const char *httpQuery(httpCtx *c, const char *name);
/* Parses the body as one JSON value into c->body. */
httpResult httpParseJsonBody(httpCtx *c, int requireObject);
/* The first member of the (object) body whose name is not in known (NULL-terminated),
 * or NULL: the one check behind every route that refuses fields it does not take. */
const char *httpBodyUnknown(httpCtx *c, const char *const *known);
/* For a route that takes no body: none, or an empty JSON object, is HTTP_R_OK; a member
 * is a 400 "unknown field <name>: <why>", and a body not an object is refused as
 * httpParseJsonBody refuses it. */
httpResult httpBodyNone(httpCtx *c, const char *why);
/* 1 when the caller's stores claim allows store. */
int httpStoreAllowed(httpCtx *c, const char *store);

/* Streamed replies (Server-Sent Events): start sends the status line and headers, chunk
 * hands data to evhttp, end finishes the reply (or only frees it when the client is
 * gone) and frees the context; the access log line is written at the end. */
void httpStreamStart(httpCtx *c, const char *contentType);
void httpStreamChunk(httpCtx *c, struct evbuffer *data);
void httpStreamEnd(httpCtx *c);

#endif
