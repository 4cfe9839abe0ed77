/* The one place where the cluster routing unit meets hiredis: a CLUSTER SLOTS reply
 * becomes a clusterSlotMap (see cluster_slots.h). */
#include <stdio.h>

#include <hiredis/hiredis.h>

#include "cluster_slots_reply.h"

static int replyFail(clusterSlotMap *m, char *err, size_t errlen, size_t entry, const char *why) {
    clusterSlotMapInit(m);
    snprintf(err, errlen, "CLUSTER SLOTS entry %zu: %s", entry, why);
    return -1;
}

int clusterSlotsFromReply(clusterSlotMap *m, const redisReply *r, char *err, size_t errlen) {
    clusterSlotMapInit(m);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "CLUSTER SLOTS: not an array");
        return -1;
    }
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3)
            return replyFail(m, err, errlen, i, "not [first, last, master, ...]");
        const redisReply *first = e->element[0], *last = e->element[1], *node = e->element[2];
        if (first->type != REDIS_REPLY_INTEGER || last->type != REDIS_REPLY_INTEGER)
            return replyFail(m, err, errlen, i, "slot range is not two integers");
        if (node->type != REDIS_REPLY_ARRAY || node->elements < 2 ||
            node->element[0]->type != REDIS_REPLY_STRING ||
            node->element[1]->type != REDIS_REPLY_INTEGER)
            return replyFail(m, err, errlen, i, "master is not [host, port, ...]");
        const redisReply *host = node->element[0], *port = node->element[1];
        if (first->integer < 0 || last->integer >= CLUSTER_SLOT_COUNT || port->integer <= 0 ||
            port->integer > 65535 ||
            clusterSlotMapAssign(m, (int)first->integer, (int)last->integer, host->str, host->len,
                                 (int)port->integer) < 0)
            return replyFail(m, err, errlen, i,
                             "bad slot range, host or port, or too many masters");
    }
    return 0;
}
