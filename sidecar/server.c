/* One event loop's server: the Redis connection, the provider client, the sync engine
 * and the event streams of the loop, and what every loop of the process shares. */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>

#include "http_pages.h"
#include "log.h"
#include "sse.h"

static char *serverReadFile(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 65536 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(buf, cap + 1);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

int serverSharedLoad(serverShared *sh, sidecarConfig *cfg) {
    char host[256];
    int port;
    memset(sh, 0, sizeof(*sh));
    if (cfg->jwtSecretFile) {
        sh->jwtSecret = authLoadSecret(cfg->jwtSecretFile, &sh->jwtSecretLen);
        if (!sh->jwtSecret || sh->jwtSecretLen == 0) {
            logError("cannot read the JWT secret from %s", cfg->jwtSecretFile);
            return -1;
        }
    } else {
        logWarn("no --jwt-secret-file: every authenticated endpoint "
                "answers 401");
    }
    if (cfg->openapiFile) {
        sh->openapi = serverReadFile(cfg->openapiFile, &sh->openapiLen);
        if (!sh->openapi)
            logWarn("cannot read %s: GET /openapi.json answers 404", cfg->openapiFile);
    }
    if (configSplitHostPort(cfg->listen, host, sizeof(host), &port)) {
        logError("bad --listen address %s", cfg->listen);
        return -1;
    }
    if (!cfg->publicUrl) {
        /* Good enough on a developer's machine; behind a proxy, set public-url. */
        char url[600];
        snprintf(url, sizeof(url), "http://%s", cfg->listen);
        if (configSet(cfg, "public-url", url, host, sizeof(host))) return -1;
    }
    return 0;
}

void serverSharedFree(serverShared *sh) {
    free(sh->jwtSecret);
    free(sh->openapi);
    memset(sh, 0, sizeof(*sh));
}

/* The counters of srv's own loop. */
static void serverStatsOwn(server *srv, serverStats *st) {
    memset(st, 0, sizeof(*st));
    memcpy(st->requestsByClass, srv->loop.requestsByClass, sizeof(st->requestsByClass));
    st->requestMicros = srv->loop.requestMicros;
    st->redisErrors = srv->loop.redisErrors;
    st->ownerCacheHits = srv->loop.ownerCacheHits;
    st->ownerCacheWrong = srv->loop.ownerCacheWrong;
    st->ownerCacheEntries = ownerCacheCount(srv->loop.owners);
    st->rejectedConnections = srv->rejectedConnections;
    st->webhooksDuplicate = srv->webhooksDuplicate;
    st->webhooksIgnored = srv->webhooksIgnored;
    st->inflight = srv->loop.inflight;
    st->redisUp = redisConnIsUp(srv->loop.redis);
    st->redisReconnects = redisConnReconnects(srv->loop.redis);
    st->providerInflight = httpClientInflight(srv->provider);
    st->sseClients = sseCount(srv->sse);
    syncGetStats(srv->sync, &st->sync);
}

static void serverStatsPublish(server *srv) {
    serverStats st;
    serverStatsOwn(srv, &st);
    pthread_mutex_lock(&srv->statsLock);
    srv->statsPublished = st;
    pthread_mutex_unlock(&srv->statsLock);
}

static void serverOnStatsTick(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    serverStatsPublish(arg);
}

void serverStatsOf(server *srv, int i, serverStats *st) {
    server *o = &srv->group->servers[i];
    if (o == srv) {
        serverStatsOwn(srv, st);
        return;
    }
    /* Another loop's snapshot, at most SERVER_STATS_TICK_MS old: a loop never waits on
     * another (the lock is held only to copy). */
    pthread_mutex_lock(&o->statsLock);
    *st = o->statsPublished;
    pthread_mutex_unlock(&o->statsLock);
}

void serverRun(server *srv) {
    struct timeval tick = {0, SERVER_STATS_TICK_MS * 1000};
    serverStatsPublish(srv);
    evtimer_add(srv->statsEv, &tick);
    event_base_dispatch(srv->base);
    serverStatsPublish(srv);
}

int serverInit(server *srv, struct event_base *base, const sidecarConfig *cfg,
               const serverShared *shared, serverGroup *group, int index) {
    memset(srv, 0, sizeof(*srv));
    srv->base = base;
    srv->cfg = cfg;
    srv->shared = shared;
    srv->group = group;
    srv->index = index;
    pthread_mutex_init(&srv->statsLock, NULL);
    srv->statsEv = event_new(base, -1, EV_PERSIST, serverOnStatsTick, srv);
    if (!srv->statsEv) return -1;

    srv->dns = dnsNew(base, cfg->dnsServer);
    if (!srv->dns) return -1;
    /* The addresses are seeds: one server, or nodes of a cluster (asked, not told). */
    redisConnOptions ro = {.dns = srv->dns,
                           .connectTimeoutMs = cfg->redisConnectTimeoutMs,
                           .reconnectMs = cfg->redisReconnectMs,
                           .deadlineMs = cfg->timeout * 1000,
                           .waitReplicas = (int)cfg->waitReplicas,
                           .waitTimeoutMs = cfg->waitReplicasTimeoutMs};
    srv->loop.redis = redisConnNew(base, cfg->redis, &ro);
    if (!srv->loop.redis) return -1;
    srv->loop.owners = ownerCacheNew(OWNER_CACHE_SLOTS);
    if (!srv->loop.owners) return -1;
    srv->loop.tokens = authCacheNew();
    if (!srv->loop.tokens) return -1;
    srv->provider = httpClientNew(base, srv->dns, cfg->providerCaFile);
    if (!srv->provider) return -1;
    srv->sync =
        syncNew(base, cfg, srv->loop.redis, srv->provider, index ? group->servers[0].sync : NULL);
    if (!srv->sync) return -1;
    srv->sse = sseNew(base, cfg, srv->loop.redis, &group->streams);
    if (!srv->sse) return -1;
    if (index == 0) logInfo("redis %s", cfg->redis);
    return 0;
}

void serverFree(server *srv) {
    /* Provider calls first, then Redis: their pending callbacks answer their requests
     * (503) while evhttp still owns them; then the sync state, idle by now, goes, and
     * evhttp closes whatever connections remain. */
    sseShutdown(srv->sse);
    syncStop(srv->sync);
    httpClientFree(srv->provider);
    srv->provider = NULL;
    redisConnFree(srv->loop.redis);
    srv->loop.redis = NULL;
    ownerCacheFree(srv->loop.owners);
    srv->loop.owners = NULL;
    authCacheFree(srv->loop.tokens);
    srv->loop.tokens = NULL;
    syncFree(srv->sync);
    srv->sync = NULL;
    dnsFree(srv->dns);
    srv->dns = NULL;
    sseFree(srv->sse);
    srv->sse = NULL;
    if (srv->http) evhttp_free(srv->http);
    srv->http = NULL;
    httpPagesFree(srv->pages);
    if (srv->drainTimer) event_free(srv->drainTimer);
    free(srv->conns);
    if (srv->statsEv) {
        event_free(srv->statsEv);
        pthread_mutex_destroy(&srv->statsLock);
    }
    memset(srv, 0, sizeof(*srv));
}
