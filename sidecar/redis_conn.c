#include "redis_conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/time.h>

#include "cluster_slots.h"
#include "config.h"
#include "redis_cluster.h"
#include "redis_node.h"
#include "resv_keys.h"
#include "log.h"

typedef enum { REDIS_MODE_PROBING, REDIS_MODE_SINGLE, REDIS_MODE_CLUSTER } redisMode;

/* The steps of one command routed by the connection (a cluster's, or a write with
 * waitReplicas): the owner claim before a RESV.UPSERT (and, when another store holds
 * the id without having the record, its RESV.DISOWN and the takeover of the claim:
 * keys.md; with waitReplicas, WAIT for the claim on its node), the command, WAIT on the
 * node that ran it, the owner release after a RESV.DEL. */
typedef enum {
    REQ_CLAIM,
    REQ_DISOWN,
    REQ_TAKE,
    REQ_WAIT_CLAIM,
    REQ_MAIN,
    REQ_WAIT,
    REQ_RELEASE
} redisReqStep;

typedef struct redisReq {
    redisConn *rc;
    redisCmd cmd;
    clusterCommandRoute route;
    redisCallbackFn *fn;
    void *privdata;
    long long deadlineUs;
    clusterRetryState retry;
    redisReqStep step;
    redisNode *ran;      /* the node that ran the command: WAIT goes there */
    redisNode *claimed;  /* the node that took the claim: its WAIT goes there */
    redisNode *ask;      /* an ASK: the next send goes there, ASKING first */
    redisReply *held;    /* the command's reply while WAIT or the release runs */
    char *other;         /* the store the claim found holding the id */
    struct event *timer; /* a backoff, or a failure to report outside redisConnSend */
    int failLater;       /* the timer reports failure */
    int sync;            /* inside redisConnSend(): the callback must wait */
    redisNode *sentTo;   /* the node of the last send */
    LIST_ENTRY(redisReq) link;
} redisReq;

struct redisConn {
    struct event_base *base;
    redisConnOptions opt;
    redisMode mode;
    redisCluster *nodes; /* the seeds, then (cluster) every node met */
    redisNode *single;   /* the server (single mode) */
    redisNode *probe;    /* the seed an INFO cluster was sent to, while under way */
    int closing;
    LIST_HEAD(, redisReq) reqs;
};

static long long redisNowUs(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void redisReqArm(redisReq *q, long ms);

/* ---- which kind of server: asked of the first seed that answers ---- */

static void redisConnProbeReply(redisAsyncContext *ac, void *reply, void *privdata) {
    redisConn *rc = privdata;
    redisReply *r = reply;
    if (rc->closing) return;
    (void)ac;
    redisNode *n = rc->probe;
    rc->probe = NULL;
    if (!r) return; /* lost: asked again when a seed comes up */
    int enabled = r->type == REDIS_REPLY_STRING ? clusterInfoEnabled(r->str, r->len) : -1;
    if (enabled == 1) {
        rc->mode = REDIS_MODE_CLUSTER;
        logInfo("redis is a cluster: routing by slot");
        redisClusterRefresh(rc->nodes);
        return;
    }
    if (enabled < 0)
        logWarn("redis did not answer INFO cluster (%s): taken as one "
                "server",
                r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
    rc->mode = REDIS_MODE_SINGLE;
    rc->single = n;
}

/* A new slot map may end a wait: a failover is over, a slot has moved. Requests in a
 * backoff try again now rather than at the end of their wait (up to a second). */
static void redisConnOnMap(void *arg) {
    redisConn *rc = arg;
    redisReq *q;
    LIST_FOREACH(q, &rc->reqs, link)
    if (!q->failLater && evtimer_pending(q->timer, NULL)) redisReqArm(q, 0);
}

static void redisConnOnNodeUp(redisNode *n, void *arg) {
    redisConn *rc = arg;
    if (rc->mode == REDIS_MODE_CLUSTER && !redisClusterHasMap(rc->nodes))
        redisClusterRefresh(rc->nodes);
    if (rc->mode != REDIS_MODE_PROBING || rc->probe) return;
    static const char *argv[] = {"INFO", "cluster"};
    static const size_t lens[] = {4, 7};
    if (redisNodeSend(n, 2, argv, lens, redisConnProbeReply, rc) == 0) rc->probe = n;
}

redisConn *redisConnNew(struct event_base *base, const char *addresses,
                        const redisConnOptions *opt) {
    redisConn *rc = calloc(1, sizeof(*rc));
    if (!rc) return NULL;
    rc->base = base;
    rc->opt = *opt;
    LIST_INIT(&rc->reqs);
    redisNodeLoop loop = {base, opt->dns, opt->connectTimeoutMs, opt->reconnectMs};
    rc->nodes = redisClusterNew(&loop, redisConnOnNodeUp, redisConnOnMap, rc);
    if (!rc->nodes) {
        free(rc);
        return NULL;
    }
    const char *p = addresses;
    while (*p) {
        size_t len = strcspn(p, ",");
        char one[300], host[256];
        int port;
        snprintf(one, sizeof(one), "%.*s", (int)len, p);
        if (len >= sizeof(one) || configSplitHostPort(one, host, sizeof(host), &port)) {
            logError("bad --redis address %s", one);
            redisConnFree(rc);
            return NULL;
        }
        if (!redisClusterNode(rc->nodes, host, port)) {
            redisConnFree(rc);
            return NULL;
        }
        p += len;
        if (*p) p++;
    }
    return rc;
}

static void redisReqFinish(redisReq *q, redisReply *reply, int own);

void redisConnFree(redisConn *rc) {
    if (!rc) return;
    rc->closing = 1;
    /* Requests waiting on a node get their NULL from the node's free; the others (in a
     * backoff) now. */
    redisClusterFree(rc->nodes);
    while (!LIST_EMPTY(&rc->reqs))
        redisReqFinish(LIST_FIRST(&rc->reqs), NULL, 0);
    free(rc);
}

int redisConnIsUp(const redisConn *rc) {
    /* While it is freed, the NULL replies of its callbacks must not send again nor look
     * at its nodes: those freed before the one whose callbacks run are gone. */
    if (!rc || rc->closing) return 0;
    switch (rc->mode) {
    case REDIS_MODE_SINGLE: return redisNodeIsUp(rc->single);
    case REDIS_MODE_CLUSTER:
        return redisClusterHasMap(rc->nodes) && redisClusterAnyUp(rc->nodes) != NULL;
    default: return 0;
    }
}

int redisConnIsCluster(const redisConn *rc) {
    return rc && rc->mode == REDIS_MODE_CLUSTER;
}

unsigned long redisConnReconnects(const redisConn *rc) {
    return rc ? redisClusterReconnects(rc->nodes) : 0;
}

int redisConnCheckMasters(redisConn *rc, redisClusterCheckFn *fn, void *arg) {
    if (!rc || rc->closing || rc->mode != REDIS_MODE_CLUSTER) return -1;
    return redisClusterCheckMasters(rc->nodes, rc->opt.connectTimeoutMs, fn, arg);
}

void redisCmdInit(redisCmd *cmd, const char *name) {
    memset(cmd, 0, sizeof(*cmd));
    cmd->key = -1;
    redisCmdPushStr(cmd, name);
}

static int redisCmdGrow(redisCmd *cmd, size_t len) {
    if (cmd->argc == cmd->cap) {
        int cap = cmd->cap ? cmd->cap * 2 : 16;
        size_t *offs = realloc(cmd->offs, (size_t)cap * sizeof(*offs));
        if (!offs) return -1;
        cmd->offs = offs;
        size_t *lens = realloc(cmd->lens, (size_t)cap * sizeof(*lens));
        if (!lens) return -1;
        cmd->lens = lens;
        cmd->cap = cap;
    }
    if (cmd->size - cmd->used < len + 1) {
        size_t size = cmd->size ? cmd->size : 256;
        while (size - cmd->used < len + 1)
            size *= 2;
        char *buf = realloc(cmd->buf, size);
        if (!buf) return -1;
        cmd->buf = buf;
        cmd->size = size;
    }
    return 0;
}

void redisCmdPush(redisCmd *cmd, const char *s, size_t len) {
    if (cmd->oom || redisCmdGrow(cmd, len)) {
        cmd->oom = 1;
        return;
    }
    if (len) memcpy(cmd->buf + cmd->used, s, len);
    cmd->buf[cmd->used + len] = '\0';
    cmd->offs[cmd->argc] = cmd->used;
    cmd->lens[cmd->argc++] = len;
    cmd->used += len + 1;
}

void redisCmdPushStr(redisCmd *cmd, const char *s) {
    redisCmdPush(cmd, s, strlen(s));
}

void redisCmdPushInt(redisCmd *cmd, long long v) {
    char digits[24], *p = digits + sizeof(digits);
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    redisCmdPush(cmd, p, (size_t)(digits + sizeof(digits) - p));
}

void redisCmdPushKey(redisCmd *cmd, const char *key) {
    if (cmd->key < 0) cmd->key = cmd->argc;
    redisCmdPushStr(cmd, key);
}

const char *redisCmdArg(const redisCmd *cmd, int i, size_t *len) {
    if (len) *len = cmd->lens[i];
    return cmd->buf + cmd->offs[i];
}

void redisCmdFree(redisCmd *cmd) {
    free(cmd->offs);
    free(cmd->lens);
    free(cmd->buf);
    memset(cmd, 0, sizeof(*cmd));
    cmd->key = -1;
}

/* ---- replies the connection makes, or keeps while WAIT runs ---- */

/* An error reply of ours, freed with freeReplyObject(). */
static redisReply *redisReplyError(const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof(buf)) n = (int)sizeof(buf) - 1;
    redisReply *r = calloc(1, sizeof(*r));
    if (!r || !(r->str = malloc((size_t)n + 1))) {
        free(r);
        return NULL;
    }
    memcpy(r->str, buf, (size_t)n + 1);
    r->type = REDIS_REPLY_ERROR;
    r->len = (size_t)n;
    return r;
}

/* A deep copy that freeReplyObject() frees (hiredis 0.14 allocates replies with malloc):
 * hiredis frees a reply when its callback returns, and WAIT comes after. */
static redisReply *redisReplyCopy(const redisReply *r) {
    redisReply *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    c->type = r->type;
    c->integer = r->integer;
    c->len = r->len;
    if (r->str && !(c->str = malloc(r->len + 1))) goto fail;
    if (r->str) {
        memcpy(c->str, r->str, r->len);
        c->str[r->len] = '\0';
    }
    if (r->element) {
        if (!(c->element = calloc(r->elements ? r->elements : 1, sizeof(*c->element)))) goto fail;
        c->elements = r->elements;
        for (size_t i = 0; i < r->elements; i++)
            if (!(c->element[i] = redisReplyCopy(r->element[i]))) goto fail;
    }
    return c;
fail:
    freeReplyObject(c);
    return NULL;
}

/* ---- a routed command's steps ---- */

static void redisReqSend(redisReq *q);

/* The caller's callback, once; reply is freed after it when own (the held reply always). */
static void redisReqFinish(redisReq *q, redisReply *reply, int own) {
    redisCallbackFn *fn = q->fn;
    void *privdata = q->privdata;
    redisReply *held = q->held;
    LIST_REMOVE(q, link);
    if (q->timer) event_free(q->timer);
    redisCmdFree(&q->cmd);
    free(q->other);
    free(q);
    fn(NULL, reply, privdata);
    if (own && reply && reply != held) freeReplyObject(reply);
    if (held) freeReplyObject(held);
}

static void redisReqArm(redisReq *q, long ms) {
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(q->timer, &tv);
}

/* WAIT fell short or its node went away: the write (or, before it, the id's claim) is
 * done on the master only. */
static void redisReqNoReplicas(redisReq *q, long long acked) {
    redisReply *e = redisReplyError(
        "NOREPLICAS the %s is done on the master but %lld of %d replicas acknowledged it "
        "within %ld ms%s",
        q->step == REQ_WAIT_CLAIM ? "reservation id's claim" : "write", acked,
        q->rc->opt.waitReplicas, q->rc->opt.waitTimeoutMs,
        q->step == REQ_WAIT_CLAIM ? "; the reservation was not written" : "");
    freeReplyObject(q->held);
    q->held = NULL;
    redisReqFinish(q, e, 1);
}

/* Retries ran out (or the node of WAIT is gone). */
static void redisReqFailNow(redisReq *q) {
    if (q->step == REQ_WAIT || q->step == REQ_WAIT_CLAIM)
        redisReqNoReplicas(q, 0);
    else
        redisReqFinish(q, q->step == REQ_RELEASE ? q->held : NULL, 0);
}

/* Inside redisConnSend() the callback may not run: the timer reports it. */
static void redisReqFail(redisReq *q) {
    if (!q->sync) {
        redisReqFailNow(q);
        return;
    }
    q->failLater = 1;
    redisReqArm(q, 0);
}

static void redisReqOnTimer(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    redisReq *q = arg;
    if (q->failLater) {
        redisReqFailNow(q);
        return;
    }
    /* A write that waited may find its id claimed since: the claim comes first again. */
    if (q->step == REQ_MAIN && q->route.claimOwner && q->rc->mode == REDIS_MODE_CLUSTER &&
        q->cmd.argc >= 3)
        q->step = REQ_CLAIM;
    redisReqSend(q);
}

/* An error reply, or none (err NULL: the connection was lost or the node is down). */
static void redisReqRetry(redisReq *q, redisReply *err) {
    redisConn *rc = q->rc;
    if (rc->mode != REDIS_MODE_CLUSTER || q->step == REQ_WAIT || q->step == REQ_WAIT_CLAIM) {
        if (err && q->step == REQ_MAIN) {
            redisReqFinish(q, err, 0);
            return;
        }
        redisReqFail(q);
        return;
    }
    long long left = (q->deadlineUs - redisNowUs()) / 1000;
    clusterRetryDecision d =
        clusterRetryDecide(err ? err->str : NULL, err ? err->len : 0, &q->retry, (long)left);
    if (d.refresh) redisClusterRefresh(rc->nodes);
    const char *host = d.target.host[0] || !q->sentTo ? d.target.host : redisNodeHost(q->sentTo);
    switch (d.action) {
    case CLUSTER_RETRY_DONE:
        /* An answer, an error of the command's own. */
        if (q->step == REQ_RELEASE) {
            logWarn("owner release: %s", err->str);
            redisReqFinish(q, q->held, 0);
        } else {
            redisReqFinish(q, err, 0);
        }
        return;
    case CLUSTER_RETRY_MOVED:
        redisClusterMoved(rc->nodes, d.target.slot, host, d.target.port);
        redisReqSend(q);
        return;
    case CLUSTER_RETRY_ASK:
        q->ask = redisClusterNode(rc->nodes, host, d.target.port);
        redisReqSend(q);
        return;
    case CLUSTER_RETRY_BACKOFF: redisReqArm(q, d.wait_ms); return;
    case CLUSTER_RETRY_FAIL: redisReqFail(q); return;
    }
}

static int redisReqWaits(const redisReq *q) {
    return q->route.write && q->rc->opt.waitReplicas > 0;
}

static int redisReqReleases(const redisReq *q) {
    return q->route.releaseOwner && q->rc->mode == REDIS_MODE_CLUSTER && q->cmd.argc >= 3;
}

/* The step after the command (and after WAIT). */
static void redisReqAfter(redisReq *q, redisReqStep done) {
    if (done == REQ_MAIN && redisReqWaits(q))
        q->step = REQ_WAIT;
    else if (done != REQ_RELEASE && redisReqReleases(q))
        q->step = REQ_RELEASE;
    else {
        redisReqFinish(q, q->held, 0);
        return;
    }
    redisReqSend(q);
}

/* The id belongs to another store: the module's own CONFLICT, so it reads alike. */
static void redisReqConflict(redisReq *q, const char *owner) {
    redisReqFinish(q,
                   redisReplyError("CONFLICT " RESV_OWNER_CONFLICT_ID "%s" RESV_OWNER_CONFLICT_STORE
                                   "%s",
                                   redisCmdArg(&q->cmd, 2, NULL), owner),
                   1);
}

static void redisReqReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    redisReq *q = privdata;
    redisReply *r = reply;
    if (q->rc->closing) {
        redisReqFinish(q, NULL, 0);
        return;
    }
    if (!r || r->type == REDIS_REPLY_ERROR) {
        redisReqRetry(q, r);
        return;
    }
    size_t sl;
    const char *store;
    switch (q->step) {
    case REQ_CLAIM:
    case REQ_TAKE:
        if (r->type != REDIS_REPLY_STRING) {
            redisReqFinish(q, r, 0);
            return;
        }
        store = redisCmdArg(&q->cmd, 1, &sl);
        if (r->len == sl && memcmp(r->str, store, sl) == 0) {
            /* A claim lost in a failover would let another store create the id too. */
            q->claimed = q->sentTo;
            q->step = redisReqWaits(q) ? REQ_WAIT_CLAIM : REQ_MAIN;
        } else if (q->step == REQ_CLAIM && (q->other = strdup(r->str))) {
            /* Held by another store: it may be a claim whose write never came. */
            q->step = REQ_DISOWN;
        } else {
            redisReqConflict(q, r->str);
            return;
        }
        redisReqSend(q);
        return;
    case REQ_DISOWN:
        if (r->type != REDIS_REPLY_INTEGER) {
            redisReqFinish(q, r, 0);
            return;
        }
        if (r->integer != 1) {
            redisReqConflict(q, q->other);
            return;
        }
        q->step = REQ_TAKE;
        redisReqSend(q);
        return;
    case REQ_MAIN:
        q->ran = q->sentTo;
        if (!redisReqWaits(q) && !redisReqReleases(q)) {
            redisReqFinish(q, r, 0);
            return;
        }
        if (!(q->held = redisReplyCopy(r))) {
            redisReqFinish(q, r, 0);
            return;
        }
        redisReqAfter(q, REQ_MAIN);
        return;
    case REQ_WAIT:
    case REQ_WAIT_CLAIM:
        if (r->type != REDIS_REPLY_INTEGER || r->integer < q->rc->opt.waitReplicas) {
            redisReqNoReplicas(q, r->type == REDIS_REPLY_INTEGER ? r->integer : 0);
            return;
        }
        if (q->step == REQ_WAIT_CLAIM) {
            q->step = REQ_MAIN;
            redisReqSend(q);
            return;
        }
        redisReqAfter(q, REQ_WAIT);
        return;
    case REQ_RELEASE: redisReqAfter(q, REQ_RELEASE); return;
    }
}

#define REDIS_CMD_STACK_ARGS 64

/* The node a step goes to; NULL when none can take it now. */
static redisNode *redisReqNode(redisReq *q, int slot) {
    redisConn *rc = q->rc;
    if (q->step == REQ_WAIT) return q->ran;
    if (q->step == REQ_WAIT_CLAIM) return q->claimed;
    if (q->ask) return q->ask;
    if (rc->mode == REDIS_MODE_SINGLE) return rc->single;
    return slot < 0 ? redisClusterAnyUp(rc->nodes) : redisClusterNodeOfSlot(rc->nodes, slot);
}

static void redisReqSend(redisReq *q) {
    const char *small[6], *stackv[REDIS_CMD_STACK_ARGS], **argv = small;
    size_t smallLens[6], idLen = 0, storeLen = 0;
    const size_t *lens = smallLens;
    char n[24], ms[24];
    int argc = 4, slot = q->route.slot;
    const char *store = q->cmd.argc >= 3 ? redisCmdArg(&q->cmd, 1, &storeLen) : NULL;
    const char *id = q->cmd.argc >= 3 ? redisCmdArg(&q->cmd, 2, &idLen) : NULL;
    switch (q->step) {
    case REQ_DISOWN:
        small[0] = "RESV.DISOWN";
        small[1] = q->other;
        small[2] = id;
        smallLens[0] = 11;
        smallLens[1] = strlen(q->other);
        smallLens[2] = idLen;
        argc = 3;
        slot = clusterKeySlot(q->other, smallLens[1]);
        break;
    case REQ_CLAIM:
    case REQ_TAKE:
    case REQ_RELEASE:
        small[0] = "RESV.OWNER";
        small[1] = id;
        small[2] = q->step == REQ_RELEASE ? "RELEASE" : "CLAIM";
        small[3] = store;
        smallLens[0] = 10;
        smallLens[1] = idLen;
        smallLens[2] = strlen(small[2]);
        smallLens[3] = storeLen;
        if (q->step == REQ_TAKE) {
            small[4] = "FROM";
            small[5] = q->other;
            smallLens[4] = 4;
            smallLens[5] = strlen(q->other);
            argc = 6;
        }
        slot = clusterKeySlot(id, idLen);
        break;
    case REQ_WAIT:
    case REQ_WAIT_CLAIM:
        snprintf(n, sizeof(n), "%d", q->rc->opt.waitReplicas);
        snprintf(ms, sizeof(ms), "%ld", q->rc->opt.waitTimeoutMs);
        small[0] = "WAIT";
        small[1] = n;
        small[2] = ms;
        smallLens[0] = 4;
        smallLens[1] = strlen(n);
        smallLens[2] = strlen(ms);
        argc = 3;
        break;
    case REQ_MAIN:
        argc = q->cmd.argc;
        argv = argc <= REDIS_CMD_STACK_ARGS ? stackv : malloc((size_t)argc * sizeof(*argv));
        if (!argv) {
            redisReqFail(q);
            return;
        }
        for (int i = 0; i < argc; i++)
            argv[i] = q->cmd.buf + q->cmd.offs[i];
        lens = q->cmd.lens;
        break;
    }
    redisNode *node = redisReqNode(q, slot);
    static const char *asking[] = {"ASKING"};
    static const size_t askingLen[] = {6};
    int sent = node && (!q->ask || redisNodeSend(node, 1, asking, askingLen, NULL, NULL) == 0) &&
               redisNodeSend(node, argc, argv, lens, redisReqReply, q) == 0;
    if (argv != small && argv != stackv) free(argv);
    if (!sent) {
        redisReqRetry(q, NULL);
        return;
    }
    q->sentTo = node;
    q->ask = NULL;
}

static int redisReqStart(redisConn *rc, redisCmd *cmd, const clusterCommandRoute *route,
                         redisCallbackFn *fn, void *privdata) {
    redisReq *q = calloc(1, sizeof(*q));
    if (!q || !(q->timer = evtimer_new(rc->base, redisReqOnTimer, q))) {
        free(q);
        redisCmdFree(cmd);
        return REDIS_CONN_OOM;
    }
    q->rc = rc;
    q->cmd = *cmd;
    memset(cmd, 0, sizeof(*cmd));
    cmd->key = -1;
    q->route = *route;
    q->fn = fn;
    q->privdata = privdata;
    q->deadlineUs = redisNowUs() + (long long)rc->opt.deadlineMs * 1000;
    q->step = route->claimOwner && rc->mode == REDIS_MODE_CLUSTER && q->cmd.argc >= 3 ? REQ_CLAIM
                                                                                      : REQ_MAIN;
    LIST_INSERT_HEAD(&rc->reqs, q, link);
    q->sync = 1;
    redisReqSend(q);
    q->sync = 0;
    return 0;
}

int redisConnSend(redisConn *rc, redisCmd *cmd, redisCallbackFn *fn, void *privdata) {
    if (cmd->oom) {
        redisCmdFree(cmd);
        return REDIS_CONN_OOM;
    }
    if (!redisConnIsUp(rc)) {
        redisCmdFree(cmd);
        return REDIS_CONN_DOWN;
    }
    size_t keyLen = 0;
    const char *key = cmd->key >= 0 ? redisCmdArg(cmd, cmd->key, &keyLen) : NULL;
    clusterCommandRoute route = clusterCommandRouteOf(redisCmdArg(cmd, 0, NULL), key, keyLen);
    if (rc->mode == REDIS_MODE_CLUSTER || (route.write && rc->opt.waitReplicas > 0))
        return redisReqStart(rc, cmd, &route, fn, privdata);
    /* One server and nothing to wait for: straight to it, as before clusters. */
    int res = REDIS_CONN_OOM;
    const char *stackv[REDIS_CMD_STACK_ARGS];
    const char **argv =
        cmd->argc <= REDIS_CMD_STACK_ARGS ? stackv : malloc((size_t)cmd->argc * sizeof(*argv));
    if (argv) {
        for (int i = 0; i < cmd->argc; i++)
            argv[i] = cmd->buf + cmd->offs[i];
        res = redisNodeSend(rc->single, cmd->argc, argv, cmd->lens, fn, privdata) == 0
                  ? 0
                  : REDIS_CONN_DOWN;
    }
    if (argv != stackv) free(argv);
    redisCmdFree(cmd);
    return res;
}
