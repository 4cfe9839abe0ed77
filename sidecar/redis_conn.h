/* The Redis connection of a loop: hiredis async on the loop, with a connect timeout and
 * a reconnect timer, so a Redis restart heals by itself; and the one way to build and
 * send a command. Every command goes out through redisConnSend(), and names its key
 * (the store, or the key) with redisCmdPushKey(): a cluster router (issue 8) slots in
 * there, picking the node by the key's hash tag, without touching a caller. */
#ifndef SIDECAR_REDIS_CONN_H
#define SIDECAR_REDIS_CONN_H

#include <stddef.h>

#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

typedef struct redisConn redisConn;

redisConn *redisConnNew(struct event_base *base, const char *host, int port, long connectTimeoutMs,
                        long reconnectMs);
/* Frees the connection: pending callbacks run with reply == NULL first. */
void redisConnFree(redisConn *rc);
int redisConnIsUp(const redisConn *rc);
unsigned long redisConnReconnects(const redisConn *rc);
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

/* Sends cmd, and frees it whatever happens. 0: the callback runs exactly once, with the
 * reply or with NULL when the connection is lost before it. REDIS_CONN_DOWN or
 * REDIS_CONN_OOM: nothing was sent and the callback will not run. */
int redisConnSend(redisConn *rc, redisCmd *cmd, redisCallbackFn *fn, void *privdata);

#endif
