/* Two-way sync with the provider, on the server's loop:
 *  - push: each store of an active system has a worker that polls the store's outbox
 *    (RESV.OUTBOX, one entry at a time, one delivery in flight per store, in order),
 *    delivers the change (providerPushStatus, change_id "<store>:<entry id>"), retries
 *    with exponential backoff, and reports the result (RESV.PUSHED OK / FAILED);
 *  - pull: every pull-interval seconds per worker, and on demand, the provider's
 *    reservations changed since the system's last_pull_at are upserted with ORIGIN pull;
 *  - the active systems are re-read (RESV.SYSTEM.LIST) every systems-refresh-ms.
 * Sidecars sharing one Redis coordinate through leases in it (RESV.LEASE): a store's
 * outbox is polled only under its push lease (renewed at each poll, checked by
 * RESV.PUSHED ... LEASE), and a scheduled pull runs only under the system's pull lease
 * of one interval, so each change is pushed once and each interval pulled once. */
#ifndef SIDECAR_SYNC_H
#define SIDECAR_SYNC_H

#include <jansson.h>

#include "config.h"
#include "http_client.h"
#include "redis_conn.h"

typedef struct syncEngine syncEngine;

typedef struct {
    unsigned long long pushOk, pushFailed, pushRetries, pulls, pullErrors, pulledItems;
    int workers;
} syncStats;

/* background NULL: this engine runs the scheduled push and pull (one loop of the
 * process does); otherwise it only serves syncPullNow() on its own loop, and
 * syncRefreshSoon() reaches background. */
syncEngine *syncNew(struct event_base *base, const sidecarConfig *cfg, redisConn *redis,
                    httpClient *hc, syncEngine *background);
/* SIGTERM: no new deliveries or pulls; what is in flight ends on its own or is cancelled
 * when the client and Redis are freed. */
void syncStop(syncEngine *e);
/* Call after the provider client and the Redis connection are freed. */
void syncFree(syncEngine *e);
/* Re-read the systems at the next tick (a system just became active); any loop may
 * call it on its own engine. */
void syncRefreshSoon(syncEngine *e);
void syncGetStats(const syncEngine *e, syncStats *out);

typedef struct {
    int ok, cancelled;
    int redisLost; /* it failed because Redis went away, not the provider */
    char error[320];
    long pulled, created, updated, unchanged, stale, failed, pages;
    char lastPullAt[32]; /* empty when nothing was stored */
} syncPullReport;

typedef void syncPullDone(const syncPullReport *rep, void *arg);

/* One pull of system systemId (store, provider name, config with api_endpoint and
 * api_key) now, changes since `since` (NULL: everything). done runs once, later. -1
 * with a message (no callback). */
int syncPullNow(syncEngine *e, const char *systemId, const char *store, const char *provider,
                const json_t *config, const char *since, syncPullDone *done, void *arg, char *err,
                size_t errlen);

#endif
