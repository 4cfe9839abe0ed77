/* The one place where the cluster routing unit meets hiredis. */
#ifndef SIDECAR_CLUSTER_SLOTS_REPLY_H
#define SIDECAR_CLUSTER_SLOTS_REPLY_H

#include <stddef.h>

#include "cluster_slots.h"

/* Reads a hiredis CLUSTER SLOTS reply into m (cleared first), masters only: each entry is
 * [first, last, [host, port, id, ...], replicas...]. 0 ok; -1 and a one-line reason in
 * err when the reply is not that shape (m then holds no slot). Lives in
 * cluster_slots_reply.c, the only part that knows hiredis. */
struct redisReply;
int clusterSlotsFromReply(clusterSlotMap *m, const struct redisReply *r, char *err, size_t errlen);

#endif
