#include "redis_cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "cluster_slots.h"
#include "cluster_slots_reply.h"
#include "log.h"

#define REDIS_CLUSTER_NODES (CLUSTER_NODES_MAX * 2) /* masters and replicas met */

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
};

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
    return cl;
}

void redisClusterFree(redisCluster *cl) {
    if (!cl) return;
    cl->closing = 1;
    for (int i = 0; i < cl->count; i++)
        redisNodeFree(cl->nodes[i]);
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
