/* One event loop's server, and what every loop of the process shares. A loop has its
 * own Redis connection, provider client, sync engine, event streams, listener state
 * and counters (a server each: workers, issue 7, run one per loop); the config, the
 * JWT secret and the API description are loaded once and only read. */
#ifndef SIDECAR_SERVER_H
#define SIDECAR_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>

#include "config.h"
#include "http.h"
#include "http_client.h"
#include "sync.h"

/* Per process, read-only once loaded. */
typedef struct {
    unsigned char *jwtSecret;
    size_t jwtSecretLen;
    char *openapi;
    size_t openapiLen;
} serverShared;

/* Per loop. */
typedef struct server {
    struct event_base *base;
    const sidecarConfig *cfg;
    const serverShared *shared;
    httpLoop loop;        /* the HTTP layer's share: Redis connection, drain, counters */
    httpClient *provider; /* outgoing calls to the reservation provider */
    syncEngine *sync;     /* push, pull */
    struct sseHub *sse;   /* Server-Sent Events clients */
    /* The listener's (listener.c): evhttp, open client connections (removed by their
     * close callback), the drain. */
    struct evhttp *http;
    struct httpPages *pages; /* evhttp's own error pages made JSON (http_pages.h) */
    struct evhttp_bound_socket *sock;
    struct evhttp_connection **conns;
    int nconns, capConns;
    uint64_t drainDeadlineUs;
    struct event *drainTimer;
    /* Counters for /metrics beside the HTTP layer's. */
    unsigned long long rejectedConnections;
    unsigned long long webhooksDuplicate;
    unsigned long long webhooksIgnored; /* events we do not handle, acknowledged */
} server;

/* Reads the JWT secret and the API description, and settles public-url. */
int serverSharedLoad(serverShared *sh, sidecarConfig *cfg);
void serverSharedFree(serverShared *sh);

/* The loop's Redis connection, provider client, sync engine and event streams; the
 * listener is listenerStart()'s. */
int serverInit(server *srv, struct event_base *base, const sidecarConfig *cfg,
               const serverShared *shared);
/* Frees everything of the loop, the listener's too. */
void serverFree(server *srv);

#endif
