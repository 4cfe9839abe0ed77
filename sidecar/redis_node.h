/* One Redis server's connection: hiredis async on the loop, with a connect timeout and a
 * reconnect timer, so a restart of that server heals by itself. redis_conn.c uses one
 * (a single server) or one per master (a cluster, redis_cluster.c). A node named by a
 * host name is looked up again at each connect, with the loop's resolver (dns.h):
 * hiredis 0.14 would call getaddrinfo() and stop the loop until the name server answers.
 * The connect timeout covers the lookup too. */
#ifndef SIDECAR_REDIS_NODE_H
#define SIDECAR_REDIS_NODE_H

#include <stddef.h>

#include <event2/event.h>
#include <hiredis/async.h>

#include "dns.h"

typedef struct redisNode redisNode;

/* What the nodes of one loop share. */
typedef struct {
    struct event_base *base;
    dnsResolver *dns; /* for nodes named by a host name */
    long connectTimeoutMs, reconnectMs;
} redisNodeLoop;

/* Called each time the connection comes up (after a connect or a reconnect). */
typedef void redisNodeUpFn(redisNode *n, void *arg);

redisNode *redisNodeNew(const redisNodeLoop *loop, const char *host, int port, redisNodeUpFn *onUp,
                        void *arg);
/* Pending callbacks run with reply == NULL, now or (inside a callback of this node) as
 * soon as that callback returns; a lookup under way is abandoned. */
void redisNodeFree(redisNode *n);
int redisNodeIsUp(const redisNode *n);
unsigned long redisNodeReconnects(const redisNode *n);
const char *redisNodeHost(const redisNode *n);
int redisNodePort(const redisNode *n);
/* 0: sent, fn runs exactly once (NULL reply when the connection is lost first); -1:
 * the node is down, nothing sent. fn may be NULL (the reply is dropped). */
int redisNodeSend(redisNode *n, int argc, const char **argv, const size_t *lens,
                  redisCallbackFn *fn, void *privdata);

#endif
