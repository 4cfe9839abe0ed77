#include "redis_cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <hiredis/hiredis.h>

#include "cluster_slots.h"
#include "cluster_slots_reply.h"
#include "log.h"

#define REDIS_CLUSTER_NODES (CLUSTER_NODES_MAX * 2) /* masters and replicas met */

typedef struct redisClusterCheck redisClusterCheck;

struct redisCluster {
    redisNodeLoop loop;
    redisNodeUpFn *onUp;
    redisClusterMapFn *onMap;
    void *onUpArg;
    int closing;
    int refreshing; /* a CLUSTER SLOTS is under way */
    int hasMap;
    int count;
    redisNode *nodes[REDIS_CLUSTER_NODES];
    clusterSlotMap *map;
    redisNode *mapNodes[CLUSTER_NODES_MAX]; /* the connection of each node of map */
    LIST_HEAD(, redisClusterCheck) checks;  /* under way, or waiting for late replies */
};

/* One master's CLUSTER INFO of a check. */
typedef struct {
    redisClusterCheck *check;
    int i; /* in masters */
} redisClusterProbe;

struct redisClusterCheck {
    redisCluster *cl;
    redisClusterCheckFn *fn;
    void *arg;
    long timeoutMs;
    struct event *timer;
    int pending;  /* replies still to come: the check lives until they have */
    int finished; /* fn ran */
    int count;
    redisClusterMaster masters[CLUSTER_NODES_MAX];
    redisClusterProbe probes[CLUSTER_NODES_MAX];
    LIST_ENTRY(redisClusterCheck) link;
};

static void redisClusterCheckFinish(redisClusterCheck *ck);
static void redisClusterCheckEnd(redisClusterCheck *ck);

redisCluster *redisClusterNew(const redisNodeLoop *loop, redisNodeUpFn *onUp,
                              redisClusterMapFn *onMap, void *arg) {
    redisCluster *cl = calloc(1, sizeof(*cl));
    if (!cl) return NULL;
    cl->map = malloc(sizeof(*cl->map));
    if (!cl->map) {
        free(cl);
        return NULL;
    }
    clusterSlotMapInit(cl->map);
    cl->loop = *loop;
    cl->onUp = onUp;
    cl->onMap = onMap;
    cl->onUpArg = arg;
    LIST_INIT(&cl->checks);
    return cl;
}

void redisClusterFree(redisCluster *cl) {
    if (!cl) return;
    cl->closing = 1;
    for (int i = 0; i < cl->count; i++)
        redisNodeFree(cl->nodes[i]);
    /* Every node is gone with its callbacks: checks still waiting end now. */
    while (!LIST_EMPTY(&cl->checks)) {
        redisClusterCheck *ck = LIST_FIRST(&cl->checks);
        ck->pending = 0;
        if (ck->finished)
            redisClusterCheckEnd(ck);
        else
            redisClusterCheckFinish(ck);
    }
    free(cl->map);
    free(cl);
}

redisNode *redisClusterNode(redisCluster *cl, const char *host, int port) {
    for (int i = 0; i < cl->count; i++)
        if (redisNodePort(cl->nodes[i]) == port && strcmp(redisNodeHost(cl->nodes[i]), host) == 0)
            return cl->nodes[i];
    if (cl->count == REDIS_CLUSTER_NODES) return NULL;
    redisNode *n = redisNodeNew(&cl->loop, host, port, cl->onUp, cl->onUpArg);
    if (n) cl->nodes[cl->count++] = n;
    return n;
}

redisNode *redisClusterNodeOfSlot(redisCluster *cl, int slot) {
    int i = clusterSlotMapNodeOf(cl->map, slot);
    return i < 0 ? NULL : cl->mapNodes[i];
}

redisNode *redisClusterAnyUp(redisCluster *cl) {
    for (int i = 0; i < cl->map->count; i++)
        if (cl->mapNodes[i] && redisNodeIsUp(cl->mapNodes[i])) return cl->mapNodes[i];
    for (int i = 0; i < cl->count; i++)
        if (redisNodeIsUp(cl->nodes[i])) return cl->nodes[i];
    return NULL;
}

/* Connections for every node of the map, opened now so that the first command to a
 * node does not wait for its connect. */
static void redisClusterBind(redisCluster *cl) {
    for (int i = 0; i < cl->map->count; i++)
        cl->mapNodes[i] = redisClusterNode(cl, cl->map->nodes[i].host, cl->map->nodes[i].port);
}

void redisClusterMoved(redisCluster *cl, int slot, const char *host, int port) {
    int i = clusterSlotMapAssign(cl->map, slot, slot, host, strlen(host), port);
    if (i >= 0) cl->mapNodes[i] = redisClusterNode(cl, host, port);
}

static void redisClusterSlotsReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    redisCluster *cl = privdata;
    if (cl->closing) return;
    cl->refreshing = 0;
    if (!reply) return;
    clusterSlotMap *m = malloc(sizeof(*m));
    char err[200];
    if (!m) return;
    if (clusterSlotsFromReply(m, reply, err, sizeof(err))) {
        logWarn("redis cluster: %s", err);
        free(m);
        return;
    }
    int was = cl->hasMap, complete = clusterSlotMapComplete(m);
    /* A node that lost its view (a restart before it rejoined) answers an empty map:
     * keep the one we have rather than serve nothing. */
    if (m->count == 0 && cl->hasMap) {
        free(m);
        return;
    }
    free(cl->map);
    cl->map = m;
    cl->hasMap = cl->hasMap || complete;
    redisClusterBind(cl);
    if (!was && cl->hasMap) logInfo("redis cluster: %d masters serve the 16384 slots", m->count);
    if (cl->onMap) cl->onMap(cl->onUpArg);
}

void redisClusterRefresh(redisCluster *cl) {
    if (cl->refreshing || cl->closing) return;
    redisNode *n = redisClusterAnyUp(cl);
    static const char *argv[] = {"CLUSTER", "SLOTS"};
    static const size_t lens[] = {7, 5};
    if (n && redisNodeSend(n, 2, argv, lens, redisClusterSlotsReply, cl) == 0) cl->refreshing = 1;
}

int redisClusterHasMap(const redisCluster *cl) {
    return cl->hasMap;
}

unsigned long redisClusterReconnects(const redisCluster *cl) {
    unsigned long n = 0;
    for (int i = 0; i < cl->count; i++)
        n += redisNodeReconnects(cl->nodes[i]);
    return n;
}

/* ---- a check of every master (GET /healthz) ---- */

static void redisClusterCheckEnd(redisClusterCheck *ck) {
    if (!ck->finished || ck->pending) return;
    LIST_REMOVE(ck, link);
    event_free(ck->timer);
    free(ck);
}

static void redisClusterCheckFinish(redisClusterCheck *ck) {
    ck->finished = 1;
    evtimer_del(ck->timer);
    int down = 0;
    for (int i = 0; i < ck->count; i++) {
        redisClusterMaster *m = &ck->masters[i];
        if (!m->up && !m->error[0])
            snprintf(m->error, sizeof(m->error), "no answer within %ld ms", ck->timeoutMs);
        down |= !m->up;
    }
    /* A failover replaces the master: the map says so once reloaded. */
    if (down && !ck->cl->closing) redisClusterRefresh(ck->cl);
    ck->fn(ck->masters, ck->count, ck->arg);
    redisClusterCheckEnd(ck);
}

static void redisClusterCheckReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    redisClusterProbe *p = privdata;
    redisClusterCheck *ck = p->check;
    redisClusterMaster *m = &ck->masters[p->i];
    redisReply *r = reply;
    ck->pending--;
    if (!ck->finished) {
        int ok = r && r->type == REDIS_REPLY_STRING ? clusterInfoStateOk(r->str, r->len) : -1;
        m->up = ok == 1;
        if (!r)
            snprintf(m->error, sizeof(m->error), "connection lost");
        else if (r->type == REDIS_REPLY_ERROR)
            snprintf(m->error, sizeof(m->error), "%.120s", r->str);
        else if (ok == 0)
            snprintf(m->error, sizeof(m->error), "cluster_state:fail");
        else if (ok < 0)
            snprintf(m->error, sizeof(m->error), "unexpected reply to CLUSTER INFO");
    }
    if (ck->pending == 0 && !ck->finished)
        redisClusterCheckFinish(ck);
    else
        redisClusterCheckEnd(ck);
}

static void redisClusterOnCheckTimer(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    redisClusterCheckFinish(arg);
}

int redisClusterCheckMasters(redisCluster *cl, long timeoutMs, redisClusterCheckFn *fn, void *arg) {
    if (!cl->hasMap || cl->closing) return -1;
    redisClusterCheck *ck = calloc(1, sizeof(*ck));
    if (!ck || !(ck->timer = evtimer_new(cl->loop.base, redisClusterOnCheckTimer, ck))) {
        free(ck);
        return -1;
    }
    ck->cl = cl;
    ck->fn = fn;
    ck->arg = arg;
    ck->timeoutMs = timeoutMs;
    LIST_INSERT_HEAD(&cl->checks, ck, link);
    int slots[CLUSTER_NODES_MAX] = {0};
    for (int s = 0; s < CLUSTER_SLOT_COUNT; s++)
        if (cl->map->slot[s] >= 0) slots[cl->map->slot[s]]++;
    static const char *argv[] = {"CLUSTER", "INFO"};
    static const size_t lens[] = {7, 4};
    /* A node the map kept after its last slot moved away serves nothing: not a master
     * whose loss matters. */
    for (int i = 0; i < cl->map->count; i++) {
        if (!slots[i]) continue;
        int k = ck->count++;
        redisClusterMaster *m = &ck->masters[k];
        snprintf(m->host, sizeof(m->host), "%s", cl->map->nodes[i].host);
        m->port = cl->map->nodes[i].port;
        m->slots = slots[i];
        ck->probes[k] = (redisClusterProbe){ck, k};
        if (cl->mapNodes[i] && redisNodeSend(cl->mapNodes[i], 2, argv, lens, redisClusterCheckReply,
                                             &ck->probes[k]) == 0)
            ck->pending++;
        else
            snprintf(m->error, sizeof(m->error), "not connected");
    }
    struct timeval tv = {0, 0};
    if (ck->pending) tv = (struct timeval){timeoutMs / 1000, (timeoutMs % 1000) * 1000};
    evtimer_add(ck->timer, &tv);
    return 0;
}
