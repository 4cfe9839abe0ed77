/* One event loop's server: the Redis connection, the provider client, the sync engine
 * and the event streams of the loop, and what every loop of the process shares. */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>

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
            fprintf(stderr, "resv-sidecar: cannot read the JWT secret from %s\n",
                    cfg->jwtSecretFile);
            return -1;
        }
    } else {
        fprintf(stderr, "resv-sidecar: no --jwt-secret-file: every authenticated endpoint "
                        "answers 401\n");
    }
    if (cfg->openapiFile) {
        sh->openapi = serverReadFile(cfg->openapiFile, &sh->openapiLen);
        if (!sh->openapi)
            fprintf(stderr, "resv-sidecar: cannot read %s: GET /openapi.json answers 404\n",
                    cfg->openapiFile);
    }
    if (configSplitHostPort(cfg->listen, host, sizeof(host), &port)) {
        fprintf(stderr, "resv-sidecar: bad --listen address %s\n", cfg->listen);
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
    st->inflight = srv->loop.inflight;
    st->redisUp = redisConnIsUp(srv->loop.redis);
    st->redisReconnects = redisConnReconnects(srv->loop.redis);
    st->providerInflight = httpClientInflight(srv->provider);
    st->sseClients = sseCount(srv->sse);
    syncGetStats(srv->sync, &st->sync);
}

static void serverStatsPublish(server *srv, int live) {
    serverStats st;
    serverStatsOwn(srv, &st);
    pthread_mutex_lock(&srv->statsLock);
    srv->statsPublished = st;
    srv->statsSeq++;
    srv->statsLive = live;
    pthread_cond_broadcast(&srv->statsCond);
    pthread_mutex_unlock(&srv->statsLock);
}

static void serverOnStatsAsked(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    serverStatsPublish(arg, 1);
}

void serverStatsOf(server *srv, int i, serverStats *st) {
    server *o = &srv->group->servers[i];
    if (o == srv) {
        serverStatsOwn(srv, st);
        return;
    }
    /* Two loops asking each other at once both wait out the 100 ms and take the last
     * snapshot: /metrics is an operator's endpoint, a rare and short stall is fine. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 100000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&o->statsLock);
    unsigned long want = o->statsSeq + 1;
    if (o->statsLive) {
        event_active(o->statsEv, EV_TIMEOUT, 0);
        while (o->statsLive && o->statsSeq < want)
            if (pthread_cond_timedwait(&o->statsCond, &o->statsLock, &until)) break;
    }
    *st = o->statsPublished;
    pthread_mutex_unlock(&o->statsLock);
}

void serverRun(server *srv) {
    serverStatsPublish(srv, 1);
    event_base_dispatch(srv->base);
    serverStatsPublish(srv, 0);
}

int serverInit(server *srv, struct event_base *base, const sidecarConfig *cfg,
               const serverShared *shared, serverGroup *group, int index) {
    char host[256];
    int port;
    memset(srv, 0, sizeof(*srv));
    srv->base = base;
    srv->cfg = cfg;
    srv->shared = shared;
    srv->group = group;
    srv->index = index;
    pthread_mutex_init(&srv->statsLock, NULL);
    pthread_cond_init(&srv->statsCond, NULL);
    srv->statsEv = event_new(base, -1, 0, serverOnStatsAsked, srv);
    if (!srv->statsEv) return -1;

    /* Several addresses are seed nodes of a cluster; routing by slot is not there yet,
     * so the first one serves every command. */
    char first[512];
    snprintf(first, sizeof(first), "%s", cfg->redis);
    first[strcspn(first, ",")] = '\0';
    if (strchr(cfg->redis, ',') && index == 0)
        fprintf(stderr,
                "resv-sidecar: several --redis addresses given: cluster routing is not "
                "implemented yet, using %s only\n",
                first);
    if (configSplitHostPort(first, host, sizeof(host), &port)) {
        fprintf(stderr, "resv-sidecar: bad --redis address %s\n", first);
        return -1;
    }
    srv->loop.redis =
        redisConnNew(base, host, port, cfg->redisConnectTimeoutMs, cfg->redisReconnectMs);
    if (!srv->loop.redis) return -1;
    srv->loop.owners = ownerCacheNew(OWNER_CACHE_SLOTS);
    if (!srv->loop.owners) return -1;
    srv->provider = httpClientNew(base, cfg->providerCaFile);
    if (!srv->provider) return -1;
    srv->sync =
        syncNew(base, cfg, srv->loop.redis, srv->provider, index ? group->servers[0].sync : NULL);
    if (!srv->sync) return -1;
    srv->sse = sseNew(base, cfg, srv->loop.redis, &group->streams);
    if (!srv->sse) return -1;
    if (index == 0) fprintf(stderr, "resv-sidecar: redis %s\n", first);
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
    syncFree(srv->sync);
    srv->sync = NULL;
    sseFree(srv->sse);
    srv->sse = NULL;
    if (srv->http) evhttp_free(srv->http);
    srv->http = NULL;
    if (srv->drainTimer) event_free(srv->drainTimer);
    free(srv->conns);
    if (srv->statsEv) {
        event_free(srv->statsEv);
        pthread_cond_destroy(&srv->statsCond);
        pthread_mutex_destroy(&srv->statsLock);
    }
    memset(srv, 0, sizeof(*srv));
}
