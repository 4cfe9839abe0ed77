/* The one Redis connection of the sidecar: hiredis async on the server's event loop,
 * with a connect timeout and a reconnect timer, so a Redis restart heals by itself. */
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
/* Sends one command (explicit lengths; no format string ever sees request data). The
 * callback always runs exactly once: with the reply, or with NULL when the connection
 * is lost before it. -1 when Redis is down now (the callback will not run). */
int redisConnSend(redisConn *rc, redisCallbackFn *fn, void *privdata, int argc, const char **argv,
                  const size_t *argvlen);

#endif
