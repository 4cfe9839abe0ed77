/* The Redis connection of a loop, and the one way to build and send a command. Every
 * command goes out through redisConnSend() and names its key (the store, or the key)
 * with redisCmdPushKey(). The addresses are seeds: whether they are a cluster is asked
 * (INFO cluster), never configured. A single server gets every command on one
 * connection (redis_node.c). On a cluster each command goes to the master of its key's
 * slot (redis_cluster.c keeps the nodes and the slot map); MOVED, ASK, TRYAGAIN,
 * CLUSTERDOWN and a lost connection are retried inside the request's deadline
 * (cluster_slots.c decides), and a RESV.UPSERT first claims its reservation id
 * (RESV.OWNER ... CLAIM on the id's slot: ids are unique across stores, docs/keys.md).
 * With waitReplicas, a write's reply is held until WAIT says that many replicas have
 * it. Callers see none of this: their callback runs once, with the reply or NULL. */
#ifndef SIDECAR_REDIS_CONN_H
#define SIDECAR_REDIS_CONN_H

#include <stddef.h>

#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "dns.h"
#include "redis_cluster.h"

typedef struct redisConn redisConn;

typedef struct {
    dnsResolver *dns; /* the loop's, for nodes named by a host name */
    long connectTimeoutMs, reconnectMs;
    long deadlineMs;    /* a command's time to be answered, cluster retries included */
    int waitReplicas;   /* after a write, WAIT for this many replicas (0: do not) */
    long waitTimeoutMs; /* WAIT's timeout */
} redisConnOptions;

/* addresses: HOST:PORT[,HOST:PORT...], seeds of a cluster or one server. NULL (with a
 * message on stderr) for a malformed address. */
redisConn *redisConnNew(struct event_base *base, const char *addresses,
                        const redisConnOptions *opt);
/* Frees the connection: pending callbacks run with reply == NULL first. */
void redisConnFree(redisConn *rc);
/* Commands can be sent: the server is connected, or the cluster's slot map is loaded
 * and a node is connected; never while redisConnFree() runs. */
int redisConnIsUp(const redisConn *rc);
/* 1 on a cluster (known once the first seed answered). */
int redisConnIsCluster(const redisConn *rc);
unsigned long redisConnReconnects(const redisConn *rc);
/* On a cluster, every master of the slot map is asked at once whether it serves its
 * slots (CLUSTER INFO says cluster_state:ok), each within the connect timeout; fn runs
 * once, later (redisClusterCheckMasters). -1 when not a cluster, before the first map,
 * or out of memory: fn will not run. */
int redisConnCheckMasters(redisConn *rc, redisClusterCheckFn *fn, void *arg);
/* A command under construction. Every argument is a copy (so it may be built from
 * temporaries) with its exact length: no format string ever sees request data. Running
 * out of memory while building is remembered, and redisConnSend() refuses the command,
 * so callers push without checking. */
typedef struct {
    int argc, cap;
    size_t *offs, *lens; /* of each argument in buf */
    char *buf;           /* the arguments, each NUL-terminated */
    size_t used, size;
    int key; /* index of the key argument (redisCmdPushKey); -1: none */
    int oom;
} redisCmd;

/* Starts a command with its name. */
void redisCmdInit(redisCmd *cmd, const char *name);
void redisCmdPush(redisCmd *cmd, const char *s, size_t len);
void redisCmdPushStr(redisCmd *cmd, const char *s);
void redisCmdPushInt(redisCmd *cmd, long long v);
/* The argument the command is for: the store of a RESV.* command, or the key. */
void redisCmdPushKey(redisCmd *cmd, const char *key);
/* Argument i (NUL-terminated, its length in *len when len is not NULL). */
const char *redisCmdArg(const redisCmd *cmd, int i, size_t *len);
void redisCmdFree(redisCmd *cmd);

#define REDIS_CONN_DOWN (-1) /* Redis is down now */
#define REDIS_CONN_OOM  (-2) /* the command was cut short by a failed allocation */

/* Sends cmd, and frees it whatever happens. 0: the callback runs exactly once, later
 * (never inside this call), with the reply or with NULL when the connection is lost
 * before it (on a cluster: when retries ran out of the deadline); its ac argument may
 * be NULL. A reply the sidecar made itself is an error reply: "CONFLICT ..." when the
 * id belongs to another store, "NOREPLICAS ..." when WAIT fell short (the write is
 * done on the master). REDIS_CONN_DOWN or REDIS_CONN_OOM: nothing was sent and the
 * callback will not run. */
int redisConnSend(redisConn *rc, redisCmd *cmd, redisCallbackFn *fn, void *privdata);

#endif
