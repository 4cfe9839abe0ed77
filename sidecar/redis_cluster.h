/* The nodes of a Redis Cluster as one loop sees them: a connection per node met (seeds,
 * masters of the slot map, targets of redirections), kept for the process's life so a
 * master that comes back (or a replica promoted) is reached again without a restart,
 * and the slot map, reloaded from CLUSTER SLOTS of any connected node when a reply says
 * it is stale. Which node a command goes to, and what to do with a redirection, is
 * redis_conn.c's; the rules are cluster_slots.c's. */
#ifndef SIDECAR_REDIS_CLUSTER_H
#define SIDECAR_REDIS_CLUSTER_H

#include <event2/event.h>

#include "cluster_slots.h"
#include "redis_node.h"

typedef struct redisCluster redisCluster;

/* Called after a slot map from CLUSTER SLOTS was installed. */
typedef void redisClusterMapFn(void *arg);

/* loop is what every node connection made shares; onUp (may be NULL) is given to each;
 * onMap (may be NULL) runs after each map reload; both get arg. */
redisCluster *redisClusterNew(const redisNodeLoop *loop, redisNodeUpFn *onUp,
                              redisClusterMapFn *onMap, void *arg);
/* Frees every node (their pending callbacks run with NULL replies) and the map. */
void redisClusterFree(redisCluster *cl);
/* The connection to host:port, made on first use; NULL when out of memory or when
 * CLUSTER_NODES_MAX * 2 nodes are known already. */
redisNode *redisClusterNode(redisCluster *cl, const char *host, int port);
/* The master of slot in the map; NULL when no map or nobody serves it. */
redisNode *redisClusterNodeOfSlot(redisCluster *cl, int slot);
/* A connected node, preferring masters of the map; NULL when none is up. */
redisNode *redisClusterAnyUp(redisCluster *cl);
/* A MOVED reply: slot is host:port's now (the map is reloaded too, by the caller). */
void redisClusterMoved(redisCluster *cl, int slot, const char *host, int port);
/* Reloads the map from CLUSTER SLOTS of a connected node; one reload at a time. */
void redisClusterRefresh(redisCluster *cl);
/* A map that serves all 16384 slots was loaded. */
int redisClusterHasMap(const redisCluster *cl);
/* Reconnects over all nodes. */
unsigned long redisClusterReconnects(const redisCluster *cl);

/* One master of the slot map, as a check found it. */
typedef struct {
    char host[CLUSTER_HOST_MAX];
    int port;
    int slots;       /* how many it serves */
    int up;          /* it answered CLUSTER INFO in time, with cluster_state:ok */
    char error[128]; /* why not, when not up */
} redisClusterMaster;

typedef void redisClusterCheckFn(const redisClusterMaster *masters, int count, void *arg);

/* Asks every master of the map (that serves slots) CLUSTER INFO at once. fn runs once, never inside
 * this call: when all have answered, after timeoutMs (one that has not is down), or when the
 * cluster is freed. A master found down asks for a new map, so a failover shows at the
 * next check. -1 when there is no map or no memory: fn will not run. */
int redisClusterCheckMasters(redisCluster *cl, long timeoutMs, redisClusterCheckFn *fn, void *arg);

#endif
