/* The event streams of one loop: each client follows one stream key from the id it
 * has seen, read with XREAD on one timer for all clients. */
#ifndef SIDECAR_SSE_H
#define SIDECAR_SSE_H

#include <event2/event.h>
#include <event2/http.h>

#include "config.h"
#include "http.h"
#include "redis_conn.h"

#define SSE_ID_MAX 48

struct sseHub;

/* openAll counts the streams of every loop of the process (sse-max-clients bounds it). */
struct sseHub *sseNew(struct event_base *base, const sidecarConfig *cfg, redisConn *redis,
                      int *openAll);
/* Starts c's stream of key after lastId (the headers go out now); the stream owns c
 * until it ends. -1 when out of memory (c untouched). */
int sseAdd(struct sseHub *h, httpCtx *c, const char *key, const char *lastId);
/* The client hung up (or timed out): evhttp has let go of the request already. */
void sseOnConnClose(struct sseHub *h, struct evhttp_connection *evcon);
/* Ends every stream (SIGTERM). */
void sseShutdown(struct sseHub *h);
void sseFree(struct sseHub *h);
/* Streams open in this loop, and in every loop of the process. */
int sseCount(const struct sseHub *h);
int sseCountAll(const struct sseHub *h);

#endif
