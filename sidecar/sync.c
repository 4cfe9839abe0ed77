#include "sync.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "log.h"
#include "providers.h"
#include "reservation_json.h"
#include "resv_keys.h"
#include "resv_model.h"
#include "resv_time.h"
#include "clock.h"

#define SYNC_PULL_LIMIT     100
#define SYNC_PULL_MAX_PAGES 10000
#define SYNC_ENTRY_ID_MAX   48
#define SYNC_OWNER_MAX      48

typedef struct syncWorker syncWorker;
typedef struct syncPull syncPull;

struct syncWorker {
    syncEngine *e;
    char *store, *systemId, *endpoint, *apiKey, *lastPullAt;
    const providerOps *ops; /* the system's provider */
    int seen;               /* named by the latest listing */
    int gone;               /* no longer an active system's store: freed once idle */
    int busy;               /* an outbox read, a delivery or a report is in flight */
    int pulling;            /* a scheduled pull is running */
    int quiet;              /* an outbox error was logged: not again until a read succeeds */
    int attempts;
    uint64_t retryAtUs, nextPullUs;
    /* The entry being delivered; its reservation id outlives the outbox reply for the
     * log lines of the delivery. */
    char entryId[SYNC_ENTRY_ID_MAX];
    char *rid;
    LIST_ENTRY(syncWorker) link;
};

struct syncPull {
    syncEngine *e;
    char *systemId, *store, *endpoint, *apiKey, *cursor;
    const providerOps *ops;
    char since[32], maxUpdated[32];
    syncPullReport rep;
    int pending; /* RESV.UPSERT / RESV.SYSTEM.SET replies awaited */
    int lost;    /* writes of the page Redis did not take (gone, loading, busy) */
    syncPullDone *done;
    void *arg;
    LIST_ENTRY(syncPull) link;
};

struct syncEngine {
    struct event_base *base;
    const sidecarConfig *cfg;
    redisConn *redis;
    httpClient *hc;
    struct event *tick;
    uint64_t nextListUs;
    int listing, stopping;
    /* The loop's engine that runs the scheduled push and pull (itself when NULL);
     * another loop's engine only serves pulls asked for now. */
    syncEngine *background;
    int refreshSoon; /* set by any loop (atomic): re-read the systems at the next tick */
    /* Who this engine is in the stores' leases (RESV.LEASE): random per process run, so
     * sidecars on one Redis push each store's outbox one at a time and pull each
     * system once per interval. pullSeq makes each pull claim an owner of its own. */
    char owner[SYNC_OWNER_MAX];
    unsigned long pullSeq;
    LIST_HEAD(, syncWorker) workers;
    LIST_HEAD(, syncPull) pulls;
    syncStats stats;
};

static int syncSetStr(char **slot, const char *v) {
    if (*slot && v && strcmp(*slot, v) == 0) return 0;
    char *copy = v ? strdup(v) : NULL;
    if (v && !copy) return -1;
    free(*slot);
    *slot = copy;
    return 0;
}

static void syncEntryClear(syncWorker *w) {
    free(w->rid);
    w->rid = NULL;
    w->entryId[0] = '\0';
}

static void syncWorkerFree(syncWorker *w) {
    syncEntryClear(w);
    free(w->store);
    free(w->systemId);
    free(w->endpoint);
    free(w->apiKey);
    free(w->lastPullAt);
    free(w);
}

/* A worker whose system is no longer active leaves once nothing of it is in flight. */
static void syncWorkerMaybeFree(syncWorker *w) {
    syncEngine *e = w->e;
    if (!w->gone || w->busy || w->pulling) return;
    LIST_REMOVE(w, link);
    e->stats.workers--;
    syncWorkerFree(w);
}

/* Nothing of the worker's outbox is in flight any more: the entry is forgotten (read
 * again from the outbox next time, still the oldest, when it was not reported). */
static void syncWorkerIdle(syncWorker *w) {
    w->busy = 0;
    syncEntryClear(w);
    syncWorkerMaybeFree(w);
}

/* ---- push ---- */

static void syncPushPoll(syncWorker *w);

static void syncPushReported(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    syncWorker *w = privdata;
    redisReply *r = reply;
    int reported = r && r->type != REDIS_REPLY_ERROR;
    if (r && r->type == REDIS_REPLY_ERROR)
        logError("push store %s: RESV.PUSHED %s: %s", w->store, w->entryId, r->str);
    if (reported) {
        w->attempts = 0;
        w->retryAtUs = 0;
    }
    /* A worker that is gone is freed here, and then not polled. */
    int again = reported && !w->gone && !w->e->stopping;
    syncWorkerIdle(w);
    /* Drain the outbox without waiting for the next tick. */
    if (again) syncPushPoll(w);
}

static void syncPushReport(syncWorker *w, int ok, const char *error) {
    redisCmd a;
    redisCmdInit(&a, "RESV.PUSHED");
    redisCmdPushKey(&a, w->store);
    redisCmdPushStr(&a, w->entryId);
    redisCmdPushStr(&a, ok ? "OK" : "FAILED");
    if (!ok) redisCmdPushStr(&a, error && *error ? error : "delivery failed");
    /* Refused (CONFLICT) when another sidecar has taken the store's push over. */
    redisCmdPushStr(&a, "LEASE");
    redisCmdPushStr(&a, w->e->owner);
    if (ok)
        w->e->stats.pushOk++;
    else
        w->e->stats.pushFailed++;
    if (redisConnSend(w->e->redis, &a, syncPushReported, w)) {
        /* Redis is down: the entry stays in the outbox and is delivered again later
         * with the same change_id, which the provider drops as a duplicate. */
        syncWorkerIdle(w);
    }
}

static void syncPushDelivered(const providerResult *res, void *arg) {
    syncWorker *w = arg;
    syncEngine *e = w->e;
    if (res->outcome == PROVIDER_OK) {
        syncPushReport(w, 1, NULL);
        return;
    }
    if (res->outcome == PROVIDER_CANCELLED || e->stopping) {
        syncWorkerIdle(w);
        return;
    }
    w->attempts++;
    if (res->outcome == PROVIDER_RETRY && w->attempts < e->cfg->pushMaxAttempts) {
        long delay = e->cfg->pushBackoffMs;
        for (int i = 1; i < w->attempts && delay < e->cfg->pushBackoffMaxMs; i++)
            delay *= 2;
        if (delay > e->cfg->pushBackoffMaxMs) delay = e->cfg->pushBackoffMaxMs;
        logWarn("push store %s change %s (%s): attempt %d failed: %s; retry in "
                "%ld ms",
                w->store, w->entryId, w->rid, w->attempts, res->error, delay);
        e->stats.pushRetries++;
        w->retryAtUs = clockNowUs() + (uint64_t)delay * 1000u;
        syncWorkerIdle(w);
        return;
    }
    char why[400];
    if (res->outcome == PROVIDER_RETRY)
        snprintf(why, sizeof(why), "gave up after %d attempts: %s", w->attempts, res->error);
    else
        snprintf(why, sizeof(why), "%s", res->error);
    /* RESV.PUSHED takes text only: refused, the entry would be delivered again forever. */
    resvTextScrub(why, strlen(why));
    logError("push store %s change %s (%s) failed: %s", w->store, w->entryId, w->rid, why);
    syncPushReport(w, 0, why);
}

/* A field of an outbox entry, "" when unset; valid while the reply is. */
static const char *syncEntryField(const redisReply *map, const char *name) {
    const redisReply *v = resvReplyField(map, name);
    if (!v || (v->type != REDIS_REPLY_STRING && v->type != REDIS_REPLY_STATUS)) return "";
    return v->str;
}

static void syncOutboxReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    syncWorker *w = privdata;
    syncEngine *e = w->e;
    redisReply *r = reply;
    if (r && r->type == REDIS_REPLY_ARRAY) w->quiet = 0;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0 || e->stopping || w->gone) {
        if (r && r->type == REDIS_REPLY_ERROR && !w->quiet)
            logError("push store %s: RESV.OUTBOX: %s", w->store, r->str);
        if (r && r->type == REDIS_REPLY_ERROR) w->quiet = 1;
        syncWorkerIdle(w);
        return;
    }
    const redisReply *entry = r->element[0];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[0]->type != REDIS_REPLY_STRING ||
        entry->element[0]->len >= SYNC_ENTRY_ID_MAX) {
        logError("push store %s: unexpected RESV.OUTBOX reply", w->store);
        syncWorkerIdle(w);
        return;
    }
    const redisReply *f = entry->element[1];
    syncEntryClear(w);
    snprintf(w->entryId, sizeof(w->entryId), "%s", entry->element[0]->str);
    char changeId[512], err[256];
    snprintf(changeId, sizeof(changeId), "%s:%s", w->store, w->entryId);
    /* providerPushStatus() has built the request from these by the time it returns. */
    providerStatusChange ch = {syncEntryField(f, RESV_OUTBOX_RESERVATION_ID),
                               syncEntryField(f, RESV_OUTBOX_EXTERNAL_ID),
                               syncEntryField(f, RESV_OUTBOX_STATUS),
                               syncEntryField(f, RESV_OUTBOX_ARRIVAL_TIME),
                               syncEntryField(f, RESV_OUTBOX_TABLE_NUMBER),
                               syncEntryField(f, RESV_OUTBOX_CHANGED_AT),
                               changeId};
    if (!(w->rid = strdup(ch.reservationId))) {
        syncWorkerIdle(w);
        return;
    }
    providerTarget t = {w->ops, w->endpoint, w->apiKey, e->cfg->providerTimeout * 1000};
    if (!*ch.reservationId || !*ch.status) {
        syncPushReport(w, 0, "outbox entry without reservation_id or status");
        return;
    }
    if (providerPushStatus(e->hc, &t, &ch, syncPushDelivered, w, err, sizeof(err))) {
        /* The URL itself is unusable: no retry will help. */
        syncPushReport(w, 0, err);
    }
}

/* The store's push lease is ours (taken or renewed): read the oldest entry. */
static void syncPushLeased(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    syncWorker *w = privdata;
    redisReply *r = reply;
    if (!r || r->type != REDIS_REPLY_INTEGER || r->integer != 1 || w->e->stopping || w->gone) {
        if (r && r->type == REDIS_REPLY_ERROR && !w->quiet)
            logWarn("push store %s: RESV.LEASE: %s", w->store, r->str);
        if (r && r->type == REDIS_REPLY_ERROR) w->quiet = 1;
        syncWorkerIdle(w); /* another sidecar pushes this store now */
        return;
    }
    redisCmd a;
    redisCmdInit(&a, "RESV.OUTBOX");
    redisCmdPushKey(&a, w->store);
    redisCmdPushStr(&a, "COUNT");
    redisCmdPushInt(&a, 1);
    if (redisConnSend(w->e->redis, &a, syncOutboxReply, w)) syncWorkerIdle(w);
}

/* A delivery takes at most provider-timeout; the lease outlives three of them, and is
 * renewed at every poll. A sidecar that dies leaves it to expire. */
static long syncPushLeaseMs(const syncEngine *e) {
    return e->cfg->providerTimeout * 3000 + e->cfg->pushIntervalMs * 2;
}

static int syncLeaseSend(syncEngine *e, const char *store, const char *name, const char *owner,
                         long ms, redisCallbackFn *fn, void *privdata) {
    redisCmd a;
    redisCmdInit(&a, "RESV.LEASE");
    redisCmdPushKey(&a, store);
    redisCmdPushStr(&a, name);
    redisCmdPushStr(&a, owner);
    redisCmdPushInt(&a, ms);
    return redisConnSend(e->redis, &a, fn, privdata);
}

static void syncPushPoll(syncWorker *w) {
    syncEngine *e = w->e;
    if (syncLeaseSend(e, w->store, RESV_LEASE_PUSH, e->owner, syncPushLeaseMs(e), syncPushLeased,
                      w) == 0)
        w->busy = 1;
}

/* ---- pull ---- */

static void syncPullFree(syncPull *p) {
    if (!p) return;
    free(p->systemId);
    free(p->store);
    free(p->endpoint);
    free(p->apiKey);
    free(p->cursor);
    free(p);
}

static void syncPullFinish(syncPull *p) {
    syncEngine *e = p->e;
    LIST_REMOVE(p, link);
    e->stats.pulls++;
    if (!p->rep.ok) {
        e->stats.pullErrors++;
        if (!p->rep.cancelled)
            logWarn("pull system %s store %s: %s", p->systemId, p->store, p->rep.error);
    }
    e->stats.pulledItems += (unsigned long long)p->rep.pulled;
    p->done(&p->rep, p->arg);
    syncPullFree(p);
}

static void syncPullErrorStored(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    syncPull *p = privdata;
    redisReply *r = reply;
    p->pending--;
    if (r && r->type == REDIS_REPLY_ERROR)
        logError("pull system %s: storing last_error: %s", p->systemId, r->str);
    syncPullFinish(p);
}

/* A failed pull is the system's last_error (the next successful one clears it), so an
 * operator sees it where the connection test puts its own. */
static void syncPullFail(syncPull *p, int cancelled, const char *error) {
    p->rep.ok = 0;
    p->rep.cancelled = cancelled;
    snprintf(p->rep.error, sizeof(p->rep.error), "%s", error);
    resvTextScrub(p->rep.error, strlen(p->rep.error)); /* stored as last_error: text only */
    if (!cancelled && redisConnIsUp(p->e->redis)) {
        char text[sizeof(p->rep.error) + 16];
        snprintf(text, sizeof(text), "pull failed: %s", p->rep.error);
        redisCmd a;
        redisCmdInit(&a, "RESV.SYSTEM.SET");
        redisCmdPushKey(&a, p->systemId);
        redisCmdPushStr(&a, "last_error");
        redisCmdPush(&a, text, strnlen(text, 500));
        if (redisConnSend(p->e->redis, &a, syncPullErrorStored, p) == 0) {
            p->pending++;
            return;
        }
    }
    syncPullFinish(p);
}

/* Redis, not the provider, ended the pull: the caller is told to retry later. */
static void syncPullFailRedis(syncPull *p, const char *error) {
    p->rep.redisLost = 1;
    syncPullFail(p, 0, error);
}

static void syncPullStored(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    syncPull *p = privdata;
    redisReply *r = reply;
    p->pending--;
    if (!r) {
        syncPullFailRedis(p, "Redis went away before last_pull_at was stored");
        return;
    }
    if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOTFOUND ", 9) == 0) {
        /* The system was deleted meanwhile: the reservations are in, nothing to keep. */
        logWarn("pull system %s: storing last_pull_at and last_error: %s", p->systemId, r->str);
        p->rep.lastPullAt[0] = '\0';
    } else if (r->type == REDIS_REPLY_ERROR) {
        /* OOM, READONLY, WRONGTYPE...: last_pull_at stays, so the next pull reads the
         * same changes again; this one failed. */
        char why[sizeof(p->rep.error)];
        snprintf(why, sizeof(why), "Redis did not store last_pull_at: %s", r->str);
        p->rep.lastPullAt[0] = '\0';
        syncPullFailRedis(p, why);
        return;
    }
    syncPullFinish(p);
}

static void syncPullPage(syncPull *p);

/* Every page is upserted before the next is asked for; after the last, last_pull_at is
 * the newest updated_at seen (the provider's clock, so no skew between the two), or
 * stays as it was when nothing came. */
static void syncPullPageDone(syncPull *p) {
    if (p->lost) {
        syncPullFailRedis(p, "Redis went away or could not take the pulled reservations");
        return;
    }
    if (p->cursor && !p->e->stopping) {
        if (p->rep.pages >= SYNC_PULL_MAX_PAGES) {
            syncPullFail(p, 0, "more than 10000 pages: the provider's cursor does not advance");
            return;
        }
        syncPullPage(p);
        return;
    }
    if (p->e->stopping) {
        syncPullFail(p, 1, "the server is shutting down");
        return;
    }
    p->rep.ok = 1;
    /* A complete pull clears the last error, and moves last_pull_at when newer data came. */
    redisCmd a;
    redisCmdInit(&a, "RESV.SYSTEM.SET");
    redisCmdPushKey(&a, p->systemId);
    redisCmdPushStr(&a, "last_error");
    redisCmdPushStr(&a, "");
    if (p->maxUpdated[0] && !(p->since[0] && strcmp(p->maxUpdated, p->since) <= 0)) {
        snprintf(p->rep.lastPullAt, sizeof(p->rep.lastPullAt), "%s", p->maxUpdated);
        redisCmdPushStr(&a, "last_pull_at");
        redisCmdPushStr(&a, p->maxUpdated);
    }
    if (redisConnSend(p->e->redis, &a, syncPullStored, p)) {
        syncPullFailRedis(p, "Redis is unavailable");
        return;
    }
    p->pending++;
}

/* An error reply that says Redis could not take the write now (the words http.c answers
 * 503 for): the item is not refused, it is not in Redis yet. */
static int syncRedisUnavailable(const redisReply *r) {
    static const char *const words[] = {"LOADING",    "BUSY",       "TRYAGAIN",
                                        "MASTERDOWN", "NOREPLICAS", "CLUSTERDOWN"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        size_t n = strlen(words[i]);
        if (r->len >= n && strncmp(r->str, words[i], n) == 0 && (r->len == n || r->str[n] == ' '))
            return 1;
    }
    return 0;
}

static void syncPullUpserted(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    syncPull *p = privdata;
    redisReply *r = reply;
    p->pending--;
    if (!r || (r->type == REDIS_REPLY_ERROR && syncRedisUnavailable(r))) {
        p->lost++;
        p->rep.failed++;
    } else if (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING) {
        resvUpsertResult k = RESV_UPSERT_UNCHANGED;
        resvUpsertResultParse(r->str, r->len, &k);
        switch (k) {
        case RESV_UPSERT_CREATED: p->rep.created++; break;
        case RESV_UPSERT_UPDATED: p->rep.updated++; break;
        case RESV_UPSERT_STALE: p->rep.stale++; break;
        default: p->rep.unchanged++; break;
        }
    } else {
        if (r->type == REDIS_REPLY_ERROR) logWarn("pull system %s: %s", p->systemId, r->str);
        p->rep.failed++;
    }
    if (p->pending == 0) syncPullPageDone(p);
}

static void syncPullGotPage(const providerResult *res, void *arg) {
    syncPull *p = arg;
    if (res->outcome != PROVIDER_OK) {
        syncPullFail(p, res->outcome == PROVIDER_CANCELLED, res->error);
        return;
    }
    p->rep.pages++;
    if (res->nextCursor && p->cursor && strcmp(res->nextCursor, p->cursor) == 0) {
        syncPullFail(p, 0, "the provider returned the same cursor again");
        return;
    }
    if (syncSetStr(&p->cursor, res->nextCursor)) {
        syncPullFail(p, 0, "out of memory");
        return;
    }
    char actor[160];
    snprintf(actor, sizeof(actor), "pull:%s", p->systemId);
    size_t i;
    json_t *item;
    /* No payload: the item re-serialized, as one page holds many. */
    resvUpsertFrom from = {"pull", actor, "pull", NULL, 0, NULL, p->systemId};
    /* Pipelined, like a bulk sync; the replies come back in order. */
    json_array_foreach(res->reservations, i, item) {
        const char *why, *field;
        redisCmd a;
        p->rep.pulled++;
        if (resvUpsertArgv(&a, p->store, item, &from, &why, &field)) {
            logWarn("pull system %s: item %zu: %s %s", p->systemId, i, field, why);
            p->rep.failed++;
            continue;
        }
        if (redisConnSend(p->e->redis, &a, syncPullUpserted, p)) {
            p->lost++;
            p->rep.failed++;
            continue;
        }
        p->pending++;
        const char *u = json_string_value(json_object_get(item, "updated_at"));
        resvInstant t;
        if (u && strlen(u) < sizeof(p->maxUpdated) && resvParseDateTime(u, strlen(u), &t) == 0 &&
            strcmp(u, p->maxUpdated) > 0)
            snprintf(p->maxUpdated, sizeof(p->maxUpdated), "%s", u);
    }
    if (p->pending == 0) syncPullPageDone(p);
}

/* Asks the provider for the page at p->cursor (the first one when NULL). */
static int syncPullRequest(syncPull *p, char *err, size_t errlen) {
    providerTarget t = {p->ops, p->endpoint, p->apiKey, p->e->cfg->providerTimeout * 1000};
    return providerPull(p->e->hc, &t, p->store, p->since[0] ? p->since : NULL, p->cursor,
                        SYNC_PULL_LIMIT, syncPullGotPage, p, err, errlen);
}

static void syncPullPage(syncPull *p) {
    char err[256];
    if (syncPullRequest(p, err, sizeof(err))) syncPullFail(p, 0, err);
}

/* A pull of system systemId of store from target t (its timeout is the config's). */
static int syncPullStart(syncEngine *e, const char *systemId, const char *store,
                         const providerTarget *t, const char *since, syncPullDone *done, void *arg,
                         char *err, size_t errlen) {
    if (e->stopping) {
        snprintf(err, errlen, "the server is shutting down");
        return -1;
    }
    syncPull *p = calloc(1, sizeof(*p));
    if (!p || !(p->systemId = strdup(systemId)) || !(p->store = strdup(store)) ||
        !(p->endpoint = strdup(t->endpoint)) || (t->apiKey && !(p->apiKey = strdup(t->apiKey)))) {
        syncPullFree(p);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->e = e;
    p->ops = t->ops;
    p->done = done;
    p->arg = arg;
    if (since && strlen(since) < sizeof(p->since))
        snprintf(p->since, sizeof(p->since), "%s", since);
    /* The reply comes from the loop, never inside this call, so done does not either. */
    if (syncPullRequest(p, err, errlen)) {
        syncPullFree(p);
        return -1;
    }
    LIST_INSERT_HEAD(&e->pulls, p, link);
    return 0;
}

int syncPullNow(syncEngine *e, const char *systemId, const char *store, const char *provider,
                const json_t *config, const char *since, syncPullDone *done, void *arg, char *err,
                size_t errlen) {
    providerTarget t;
    if (providersTarget(config, provider, 0, &t, err, errlen)) return -1;
    return syncPullStart(e, systemId, store, &t, since, done, arg, err, errlen);
}

static void syncWorkerPulled(const syncPullReport *rep, void *arg) {
    syncWorker *w = arg;
    w->pulling = 0;
    if (rep->ok && rep->lastPullAt[0]) syncSetStr(&w->lastPullAt, rep->lastPullAt);
    syncWorkerMaybeFree(w);
}

/* The pull lease of this interval: taken by this claim (it pulls now), or by another
 * sidecar's (it is not this one's turn; ask again a tenth of an interval later, at most
 * 5 s, so the next interval's pull starts soon after the lease lapses). */
static void syncPullLeased(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    syncWorker *w = privdata;
    syncEngine *e = w->e;
    redisReply *r = reply;
    uint64_t now = clockNowUs(), interval = (uint64_t)e->cfg->pullInterval * 1000000u;
    int ours = r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    if (r && r->type == REDIS_REPLY_ERROR)
        logWarn("pull system %s: RESV.LEASE: %s", w->systemId, r->str);
    w->pulling = 0;
    if (!ours || e->stopping || w->gone) {
        uint64_t retry = interval / 10 < 5000000u ? interval / 10 : 5000000u;
        if (r) w->nextPullUs = now + retry;
        syncWorkerMaybeFree(w);
        return;
    }
    char err[256];
    providerTarget t = {w->ops, w->endpoint, w->apiKey, 0};
    w->nextPullUs = now + interval;
    if (syncPullStart(e, w->systemId, w->store, &t, w->lastPullAt, syncWorkerPulled, w, err,
                      sizeof(err)) == 0)
        w->pulling = 1;
    else
        logWarn("pull system %s: %s", w->systemId, err);
}

/* Scheduled pulls of a system run once per interval over every sidecar on the Redis:
 * each claim is a new owner, so a lease still running (this sidecar's too) refuses it. */
static void syncPullClaim(syncWorker *w) {
    syncEngine *e = w->e;
    char name[RESV_ID_MAX + 8], owner[SYNC_OWNER_MAX + 24];
    snprintf(name, sizeof(name), RESV_LEASE_PULL_PREFIX "%s", w->systemId);
    snprintf(owner, sizeof(owner), "%s.%lu", e->owner, ++e->pullSeq);
    if (syncLeaseSend(e, w->store, name, owner, e->cfg->pullInterval * 1000, syncPullLeased, w) ==
        0)
        w->pulling = 1;
}

/* ---- systems ---- */

static syncWorker *syncWorkerFor(syncEngine *e, const char *store) {
    syncWorker *w;
    LIST_FOREACH(w, &e->workers, link) {
        if (strcmp(w->store, store) == 0) return w;
    }
    w = calloc(1, sizeof(*w));
    if (!w || !(w->store = strdup(store))) {
        free(w);
        return NULL;
    }
    w->e = e;
    w->nextPullUs = clockNowUs(); /* a store that becomes active is pulled at once */
    LIST_INSERT_HEAD(&e->workers, w, link);
    e->stats.workers++;
    return w;
}

/* Each store of an active system gets a worker; with several active systems on one
 * store, the first by id serves it. */
static void syncSystemsReply(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    syncEngine *e = privdata;
    redisReply *r = reply;
    e->listing = 0;
    if (!r || r->type != REDIS_REPLY_ARRAY || e->stopping) return;
    syncWorker *w, *next;
    LIST_FOREACH(w, &e->workers, link) {
        w->seen = 0;
    }
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *sys = r->element[i];
        const char *status = resvReplyStr(sys, "status"), *store = resvReplyStr(sys, "store_id");
        const char *id = resvReplyStr(sys, "id");
        if (!status || strcmp(status, "active") != 0 || !store || !id) continue;
        json_t *config = resvSystemConfig(sys);
        providerTarget t;
        char err[128];
        if (providersTarget(config, resvReplyStr(sys, "provider"), 0, &t, err, sizeof(err)) == 0) {
            w = syncWorkerFor(e, store);
            if (w && !w->seen) {
                w->seen = 1;
                w->gone = 0;
                w->ops = t.ops;
                syncSetStr(&w->systemId, id);
                syncSetStr(&w->endpoint, t.endpoint);
                syncSetStr(&w->apiKey, t.apiKey);
                syncSetStr(&w->lastPullAt, resvReplyStr(sys, "last_pull_at"));
            }
        }
        json_decref(config);
    }
    for (w = LIST_FIRST(&e->workers); w; w = next) {
        next = LIST_NEXT(w, link);
        if (!w->seen || !w->systemId || !w->endpoint) {
            w->gone = 1;
            syncWorkerMaybeFree(w);
        }
    }
}

static void syncOnTick(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    syncEngine *e = arg;
    if (e->stopping || !redisConnIsUp(e->redis)) return;
    uint64_t now = clockNowUs();
    if (__atomic_exchange_n(&e->refreshSoon, 0, __ATOMIC_RELAXED)) e->nextListUs = 0;
    if (!e->listing && now >= e->nextListUs) {
        redisCmd a;
        redisCmdInit(&a, "RESV.SYSTEM.LIST");
        if (redisConnSend(e->redis, &a, syncSystemsReply, e) == 0) e->listing = 1;
        e->nextListUs = now + (uint64_t)e->cfg->systemsRefreshMs * 1000u;
    }
    syncWorker *w;
    LIST_FOREACH(w, &e->workers, link) {
        if (w->gone) continue;
        if (!w->busy && now >= w->retryAtUs) syncPushPoll(w);
        if (e->cfg->pullInterval > 0 && !w->pulling && now >= w->nextPullUs) syncPullClaim(w);
    }
}

syncEngine *syncNew(struct event_base *base, const sidecarConfig *cfg, redisConn *redis,
                    httpClient *hc, syncEngine *background) {
    syncEngine *e = calloc(1, sizeof(*e));
    if (!e) return NULL;
    e->base = base;
    e->cfg = cfg;
    e->redis = redis;
    e->hc = hc;
    e->background = background;
    LIST_INIT(&e->workers);
    LIST_INIT(&e->pulls);
    if (background) return e;
    unsigned char rnd[8];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        free(e);
        return NULL;
    }
    snprintf(e->owner, sizeof(e->owner), "sidecar-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
             rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    e->tick = event_new(base, -1, EV_PERSIST, syncOnTick, e);
    long ms =
        cfg->pushIntervalMs < cfg->systemsRefreshMs ? cfg->pushIntervalMs : cfg->systemsRefreshMs;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    if (!e->tick || event_add(e->tick, &tv)) {
        if (e->tick) event_free(e->tick);
        free(e);
        return NULL;
    }
    return e;
}

void syncRefreshSoon(syncEngine *e) {
    if (!e) return;
    syncEngine *b = e->background ? e->background : e;
    __atomic_store_n(&b->refreshSoon, 1, __ATOMIC_RELAXED);
}

void syncStop(syncEngine *e) {
    if (!e) return;
    if (!e->stopping) {
        /* Leases of stores with no delivery in flight go now, so another sidecar takes
         * over at once; one in flight is left to expire (its change may still arrive). */
        syncWorker *w;
        LIST_FOREACH(w, &e->workers, link) {
            if (!w->busy) syncLeaseSend(e, w->store, RESV_LEASE_PUSH, e->owner, 0, NULL, NULL);
        }
    }
    e->stopping = 1;
    if (e->tick) event_del(e->tick);
}

void syncGetStats(const syncEngine *e, syncStats *out) {
    if (e)
        *out = e->stats;
    else
        memset(out, 0, sizeof(*out));
}

void syncFree(syncEngine *e) {
    if (!e) return;
    syncStop(e);
    if (e->tick) event_free(e->tick);
    /* The client and Redis are gone, so every callback has run; what is left is idle. */
    while (!LIST_EMPTY(&e->pulls))
        syncPullFail(LIST_FIRST(&e->pulls), 1, "the server is shutting down");
    while (!LIST_EMPTY(&e->workers)) {
        syncWorker *w = LIST_FIRST(&e->workers);
        LIST_REMOVE(w, link);
        syncWorkerFree(w);
    }
    free(e);
}
