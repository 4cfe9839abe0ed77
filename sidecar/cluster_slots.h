/* Redis Cluster routing, pure: the CRC16 hash slot of a key (with the hash-tag rule),
 * a map of the 16384 slots to master nodes, the MOVED/ASK error strings, and what to do
 * after a cluster error. Nothing here does I/O or needs libevent or hiredis, so it is
 * unit-tested alone; cluster_slots_reply.[ch] is the one thin
 * adapter that reads a hiredis CLUSTER SLOTS reply into the map.
 * Rules as in the Redis Cluster specification (https://redis.io/docs/reference/cluster-spec/). */
#ifndef CLUSTER_SLOTS_H
#define CLUSTER_SLOTS_H

#include <stddef.h>
#include <stdint.h>

#define CLUSTER_SLOT_COUNT 16384
/* Masters of one cluster; Redis recommends at most about 1000 nodes, a restaurant group
 * needs a handful. Assigning a 65th master fails rather than truncating the map. */
#define CLUSTER_NODES_MAX 64
#define CLUSTER_HOST_MAX  256
/* MOVED/ASK redirections followed for one request before giving up (503): more than a
 * few means the map keeps changing under us (a resharding loop or a split brain). */
#define CLUSTER_REDIRECTS_MAX 5
/* TRYAGAIN/CLUSTERDOWN backoff: first wait, doubled each time up to the cap. */
#define CLUSTER_BACKOFF_FIRST_MS 50
#define CLUSTER_BACKOFF_MAX_MS   1000

/* CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, as the spec. */
uint16_t clusterCrc16(const char *buf, size_t len);

/* The slot of a key: CRC16 of the hash tag (the bytes between the first '{' and the first
 * '}' after it, when that is not empty), else of the whole key, modulo 16384. */
int clusterKeySlot(const char *key, size_t len);

typedef struct {
    char host[CLUSTER_HOST_MAX]; /* "" when the node did not announce an endpoint */
    int port;
} clusterNode;

/* Which master serves each slot. Nodes are the distinct host:port of the masters, in the
 * order first seen; slot[] holds an index into nodes, -1 for a slot nobody serves. */
typedef struct {
    int count;
    clusterNode nodes[CLUSTER_NODES_MAX];
    int16_t slot[CLUSTER_SLOT_COUNT];
} clusterSlotMap;

/* An empty map: no node, every slot unserved. */
void clusterSlotMapInit(clusterSlotMap *m);

/* Slots first..last (inclusive) are served by host:port (the host's hostlen bytes). The
 * node is added when new. Returns its index; -1 for a bad range, host or port, or a
 * node over CLUSTER_NODES_MAX, and then the map is unchanged. */
int clusterSlotMapAssign(clusterSlotMap *m, int first, int last, const char *host, size_t hostlen,
                         int port);

/* The index of the node serving slot, -1 when none (or slot out of range). */
int clusterSlotMapNodeOf(const clusterSlotMap *m, int slot);

/* The node serving key's slot, NULL when none. */
const clusterNode *clusterSlotMapNodeForKey(const clusterSlotMap *m, const char *key, size_t len);

/* 1 when every slot has a node (what CLUSTER INFO calls cluster_slots_assigned = 16384). */
int clusterSlotMapComplete(const clusterSlotMap *m);

/* Whether the server is a cluster node, from the text of its `INFO cluster` reply
 * ("cluster_enabled:1"): 1 yes, 0 no, -1 when the line is missing (not that reply). */
int clusterInfoEnabled(const char *info, size_t len);

/* Whether a node serves its slots, from the text of its CLUSTER INFO reply
 * ("cluster_state:ok"; "fail" when some slot is unserved or the node is cut off from the
 * majority): 1 ok, 0 not, -1 when the line is missing. */
int clusterInfoStateOk(const char *info, size_t len);

typedef enum { CLUSTER_REDIR_MOVED, CLUSTER_REDIR_ASK } clusterRedirKind;

typedef struct {
    clusterRedirKind kind;
    int slot;
    char host[CLUSTER_HOST_MAX]; /* "" means the host of the node that answered */
    int port;
} clusterRedirect;

/* Parses an error reply "MOVED <slot> <host>:<port>" or "ASK <slot> <host>:<port>" (len
 * bytes, no leading '-'). The port is after the last ':', so an IPv6 host works. 0 ok;
 * -1 for any other error or a malformed one. */
int clusterParseRedirect(const char *err, size_t len, clusterRedirect *out);

typedef enum {
    CLUSTER_RETRY_DONE,    /* not a cluster error: the reply is the answer */
    CLUSTER_RETRY_MOVED,   /* send again to redirect.host:port, and reload the map */
    CLUSTER_RETRY_ASK,     /* send again to redirect.host:port once, ASKING first */
    CLUSTER_RETRY_BACKOFF, /* send again after wait_ms (and reload the map if refresh) */
    CLUSTER_RETRY_FAIL     /* give up: the caller answers 503 */
} clusterRetryAction;

/* What one request has been through so far; zero it when the request starts. */
typedef struct {
    int redirects;
    int backoffs;
} clusterRetryState;

typedef struct {
    clusterRetryAction action;
    int refresh;            /* the slot map is stale: reload it from CLUSTER SLOTS */
    long wait_ms;           /* CLUSTER_RETRY_BACKOFF only */
    clusterRedirect target; /* CLUSTER_RETRY_MOVED and CLUSTER_RETRY_ASK only */
} clusterRetryDecision;

/* Decides what to do with an error reply err (len bytes, no '-'), or err NULL for no reply
 * at all (the connection dropped: a master may have died), with remaining_ms left before
 * the request's deadline. MOVED and ASK are followed up to CLUSTER_REDIRECTS_MAX times;
 * TRYAGAIN, CLUSTERDOWN and a lost connection wait with a doubling backoff, but only when
 * the wait ends before the deadline. Updates st. */
clusterRetryDecision clusterRetryDecide(const char *err, size_t len, clusterRetryState *st,
                                        long remaining_ms);

/* What routing needs to know of one of our commands. */
typedef struct {
    int slot;         /* the slot whose master must run it; -1: any node (PING) */
    int write;        /* it changes data: --wait-replicas waits for its replication */
    int claimOwner;   /* RESV.UPSERT store id: on a cluster the id's owner is claimed first */
    int releaseOwner; /* RESV.DEL store id: on a cluster the id's owner is released after */
} clusterCommandRoute;

/* The route of command name (case-insensitive) whose key argument is key (keylen bytes;
 * NULL: none): RESV.SYSTEM.* go to the systems' slot (tag RESV_SYS_TAG) whatever their
 * arguments, a command with a key to the key's slot (a store id hashes to the slot of
 * the store's keys resv:{S}:..., a reservation id to its owner key's), others anywhere. */
clusterCommandRoute clusterCommandRouteOf(const char *name, const char *key, size_t keylen);

#endif
