/* The HTTP side: evhttp setup and limits, the routing table, the request context that
 * follows a request from route to Redis callback, replies and the access log. */
#ifndef SIDECAR_SERVER_H
#define SIDECAR_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "auth.h"
#include "config.h"
#include "http_client.h"
#include "redis_conn.h"
#include "reservation_json.h"
#include "sync.h"

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

typedef struct server server;

#define HTTP_MAX_PARAMS 2

typedef struct httpCtx {
    struct evhttp_request *req;
    server *srv;
    const char *method;
    char *uri; /* as received, for the access log */
    struct evkeyvalq query;
    char *params[HTTP_MAX_PARAMS]; /* decoded path parameters ({} of the route) */
    authClaims claims;
    int authed;
    uint64_t startUs;
    /* The error being reported, set by httpFail(). */
    const char *errCode;
    char errMsg[512];
    /* State of the handler across Redis round trips. */
    json_t *body;
    json_t *sys;   /* the integration system the request is about */
    char *store;   /* the store the request is about */
    char *rawBody; /* a copy of the raw body where it is stored as PAYLOAD */
    size_t rawBodyLen;
    httpResult (*then)(struct httpCtx *c); /* next step after a lookup */
    void *state;
    void (*stateFree)(void *);
    int redisPending; /* replies still expected */
} httpCtx;

typedef httpResult (*httpHandler)(httpCtx *c);

struct server {
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    sidecarConfig *cfg;
    redisConn *redis;
    httpClient *provider; /* outgoing calls to the reservation provider */
    syncEngine *sync;     /* push, pull */
    struct sseHub *sse;   /* Server-Sent Events clients */
    unsigned char *jwtSecret;
    size_t jwtSecretLen;
    char *openapi;
    size_t openapiLen;
    /* Open client connections, removed by their close callback. */
    struct evhttp_connection **conns;
    int nconns, capConns;
    int inflight;
    int draining;
    uint64_t drainDeadlineUs;
    struct event *drainTimer;
    struct event *sigterm, *sigint;
    /* Counters for /metrics. */
    unsigned long long requestsByClass[6]; /* index status/100; 0 unused */
    unsigned long long requestMicros;
    unsigned long long rejectedConnections;
    unsigned long long redisErrors;
    unsigned long long webhooksDuplicate;
};

uint64_t httpNowUs(void);

/* Records an error for the request and returns r, so handlers can
 * `return httpFail(c, HTTP_R_BAD_REQUEST, NULL, "status is required")`. code NULL
 * takes the default code of r. fmt is always a constant of ours; request data only
 * ever comes in through %s arguments. */
httpResult httpFail(httpCtx *c, httpResult r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps a Redis reply the request cannot use to a result, recording it: NULL (connection
 * lost), an error reply (by its code word), or any other reply (500, unexpected). */
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
/* Sends a command for this request; returns HTTP_R_PENDING, or the failure (Redis down). */
httpResult httpRedis(httpCtx *c, redisCallbackFn *fn, void *privdata, int argc, const char **argv,
                     const size_t *lens);
/* httpRedis() of a built command, which it frees; running out of memory while building
 * it is a 500. c is the callback's privdata. */
httpResult httpRedisArgv(httpCtx *c, redisCallbackFn *fn, resvArgv *a);

/* Query parameter (NULL when absent). */
const char *httpQuery(httpCtx *c, const char *name);
/* Parses the body as one JSON value into c->body. */
httpResult httpParseJsonBody(httpCtx *c, int requireObject);
/* 1 when the caller's stores claim allows store. */
int httpStoreAllowed(httpCtx *c, const char *store);

int serverInit(server *srv, struct event_base *base, sidecarConfig *cfg);
/* SIGTERM: stop accepting, let in-flight requests finish (bounded), then end the loop. */
void serverShutdown(server *srv);
void serverFree(server *srv);

/* Fetches the system of c->params[0] (404 when unknown; 403 when the caller is
 * authenticated and may not touch its store) and continues with next. */
typedef httpResult (*systemsNext)(httpCtx *c, const redisReply *sys);
httpResult systemsFetch(httpCtx *c, systemsNext next);
/* c->store from the system's store_id; a 500 when it has none. */
httpResult systemsTakeStore(httpCtx *c, const redisReply *sys);

/* Handlers (routes_*.c). */
httpResult routeSystemsCreate(httpCtx *c);
httpResult routeSystemsList(httpCtx *c);
httpResult routeSystemsGet(httpCtx *c);
httpResult routeSystemsTest(httpCtx *c);
httpResult routeSystemsPull(httpCtx *c);
httpResult routeSyncFailures(httpCtx *c);
httpResult routeReservationResync(httpCtx *c);
httpResult routeEvents(httpCtx *c);
httpResult routeReservationSync(httpCtx *c);
httpResult routeReservationList(httpCtx *c);
httpResult routeReservationGet(httpCtx *c);
httpResult routeReservationStatus(httpCtx *c);
httpResult routeReservationStats(httpCtx *c);
httpResult routeReservationTables(httpCtx *c);
httpResult routeReservationHistory(httpCtx *c);
httpResult routeWebhookReceive(httpCtx *c);
httpResult routeHealthz(httpCtx *c);
httpResult routeMetrics(httpCtx *c);
httpResult routeOpenapi(httpCtx *c);

/* Streamed replies (Server-Sent Events): start sends the status line and headers, chunk
 * hands data to evhttp, end finishes the reply (or only frees it when the client is
 * gone) and frees the context; the access log line is written at the end. */
void httpStreamStart(httpCtx *c, const char *contentType);
void httpStreamChunk(httpCtx *c, struct evbuffer *data);
void httpStreamEnd(httpCtx *c);

/* routes_events.c: the server's hooks into the event streams. */
int sseInit(server *srv);
void sseOnConnClose(server *srv, struct evhttp_connection *evcon);
void sseShutdown(server *srv); /* ends every stream (SIGTERM) */
void sseFree(server *srv);
int sseClientCount(const server *srv);

/* store_id of the query: required, a valid id, and one the caller may touch. */
httpResult resvQueryStore(httpCtx *c, const char **store);
/* GET ...?store_id=: sends "<command> store", whose reply is an array of maps, and answers
 * {"store_id", "count": n, "<name>": [...]} (tables, sync failures). */
httpResult resvStoreList(httpCtx *c, const char *command, const char *name);

/* Replies with a body other than JSON (metrics, openapi). Frees the context. */
void httpFinishRaw(httpCtx *c, int status, const char *contentType, const char *data, size_t len);

#endif
