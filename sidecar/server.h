/* One event loop's server, and what every loop of the process shares. A loop has its
 * own Redis connection, provider client, sync engine, event streams, listener state
 * and counters (workers.c runs one per worker loop); the config, the JWT secret and the
 * API description are loaded once and only read. */
#ifndef SIDECAR_SERVER_H
#define SIDECAR_SERVER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>

#include "config.h"
#include "dns.h"
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

#define SERVER_STATS_TICK_MS 500

/* What /metrics shows of one loop. */
typedef struct {
    unsigned long long requestsByClass[6], requestMicros, redisErrors;
    unsigned long long ownerCacheHits, ownerCacheWrong, rejectedConnections, webhooksDuplicate;
    unsigned long long webhooksIgnored;
    unsigned long redisReconnects;
    size_t ownerCacheEntries;
    int inflight, redisUp, providerInflight, sseClients;
    syncStats sync;
} serverStats;

struct server;

/* Every loop of the process (workers.c), for what spans them: the bounds on open
 * connections and streams, and /metrics. */
typedef struct {
    int n;
    struct server *servers; /* n of them; the first runs the scheduled push and pull */
    int connections;        /* open client connections of every loop (atomic) */
    int streams;            /* open event streams of every loop (atomic) */
} serverGroup;

/* Per loop. */
typedef struct server {
    struct event_base *base;
    const sidecarConfig *cfg;
    const serverShared *shared;
    serverGroup *group;
    int index;            /* in the group */
    httpLoop loop;        /* the HTTP layer's share: Redis connection, drain, counters */
    dnsResolver *dns;     /* host names of Redis nodes and of the provider (dns.h) */
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
    /* What another loop's /metrics reads of this one: a snapshot published every
     * SERVER_STATS_TICK_MS by statsEv, and when the loop ends. */
    pthread_mutex_t statsLock;
    serverStats statsPublished;
    struct event *statsEv;
} server;

/* Reads the JWT secret and the API description, and settles public-url. */
int serverSharedLoad(serverShared *sh, sidecarConfig *cfg);
void serverSharedFree(serverShared *sh);

/* The Redis connection, provider client, sync engine and event streams of loop index
 * of the group (the group's servers before it are initialised); the listener is
 * listenerStart()'s. */
int serverInit(server *srv, struct event_base *base, const sidecarConfig *cfg,
               const serverShared *shared, serverGroup *group, int index);
/* Runs the loop until it ends (on the calling thread). */
void serverRun(server *srv);
/* The counters of loop i of srv's group: srv's own read now; another loop's last
 * snapshot, at most SERVER_STATS_TICK_MS old (a loop never waits on another). */
void serverStatsOf(server *srv, int i, serverStats *st);
/* Frees everything of the loop, the listener's too. */
void serverFree(server *srv);

#endif
