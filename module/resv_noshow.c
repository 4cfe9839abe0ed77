/* No-shows: a pending or confirmed reservation whose start instant passed the store's
 * no_show_after_minutes ago becomes no_show, by the master alone.
 *
 * A timer sweeps every resv.noshow-interval-ms. It does nothing on a replica or while
 * loading: the master's change reaches replicas and the AOF as the plain writes of
 * RESV.STATUS (module commands are never propagated themselves), so a replica or an
 * AOF replay holds the change without making it again, and a reservation that is
 * no_show is in no partition the sweep reads: each one changes once.
 *
 * The change is RESV.STATUS store id no_show ORIGIN auto, run through RedisModule_Call:
 * the one write path, with its plan (transition, push to the provider), audit entry
 * and change feed event.
 *
 * Which stores: this node's stores that have a settings hash, kept in memory from
 * keyspace events on resv:{S}:settings keys (written by a command, replicated, replayed
 * from the AOF, loaded from an RDB, or moved here by RESTORE when a slot migrates).
 * The set may hold stores whose settings are gone or off; the sweep drops them, and
 * the next write of their settings adds them again. No key in a fixed slot: it would
 * not be on the node of every store in a cluster. */
#include <string.h>

#include "resv.h"

#define NOSHOW_TICK_MAX_MS   1000 /* a new interval takes effect within this */
#define NOSHOW_BATCH         1000 /* changes per sweep; the rest at the next */
#define NOSHOW_LOOKBACK_DAYS 2    /* days before the deadline's day that are looked at */
#define NOSHOW_WALL_MARGIN                                                                         \
    7200 /* wall seconds past the deadline's wall clock read: a                                    \
            start in a repeated hour may still be due */
#define NOSHOW_ACTOR "resv.noshow"

int resvAutoWriting;

static RedisModuleDict *noshowStores; /* store id -> NULL */
static mstime_t noshowLast;

/* Keyspace events: any event on a settings key puts its store on the list. Every hash
 * and generic event of the keyspace comes here, so the test is cheap and exact. */
static int noshowOnKeyEvent(RedisModuleCtx *ctx, int type, const char *event,
                            RedisModuleString *key) {
    (void)ctx;
    (void)type;
    (void)event;
    size_t len, sl;
    const char *k = RedisModule_StringPtrLen(key, &len), *s;
    if (len && k[len - 1] == 's' && resvKeySettingsStore(k, len, &s, &sl) == 0)
        RedisModule_DictSetC(noshowStores, (void *)s, sl, NULL);
    return REDISMODULE_OK;
}

/* 1 when reservation id has no reservation_time: asked of a start at midnight, which
 * is then a bare date with no start time to miss. */
static int noshowBareDate(RedisModuleCtx *ctx, const char *s, size_t sl, RedisModuleString *id) {
    resvSpan r = resvSpanOf(id);
    RedisModuleString *slot = NULL;
    resvSpan f = {resvFields[RESV_F_RESERVATION_TIME].name,
                  strlen(resvFields[RESV_F_RESERVATION_TIME].name)};
    resvHashGetOne(ctx, resvKeyRecord(ctx, s, sl, r.v, r.len), f, &slot);
    return !slot || resvSpanOf(slot).len == 0;
}

/* Adds the members of one partition that are due: start (wall clock of tz) at or
 * before the deadline instant. Returns how many were added. */
static size_t noshowPartition(RedisModuleCtx *ctx, const char *s, size_t sl, resvStatus st,
                              const char *day, const resvTz *tz, int64_t deadline, resvInstant hi,
                              RedisModuleString **due, size_t room) {
    RedisModuleKey *key =
        RedisModule_OpenKey(ctx, resvKeyPartition(ctx, s, sl, st, day), REDISMODULE_READ);
    size_t n = 0;
    if (RedisModule_KeyType(key) != REDISMODULE_KEYTYPE_ZSET ||
        RedisModule_ZsetFirstInScoreRange(key, REDISMODULE_NEGATIVE_INFINITE, (double)hi, 0, 0) !=
            REDISMODULE_OK) {
        RedisModule_CloseKey(key);
        return 0;
    }
    while (n < room && !RedisModule_ZsetRangeEndReached(key)) {
        double score;
        RedisModuleString *m = RedisModule_ZsetRangeCurrentElement(key, &score);
        RedisModule_ZsetRangeNext(key);
        int64_t start;
        if (resvTzToUtc(tz, (resvInstant)score, &start) == RESV_TZ_WALL_RANGE || start > deadline ||
            (resvDayStart((resvInstant)score) == (resvInstant)score &&
             noshowBareDate(ctx, s, sl, m)))
            continue;
        due[n++] = m;
    }
    RedisModule_ZsetRangeStop(key);
    RedisModule_CloseKey(key);
    return n;
}

/* Marks store s's due reservations no_show. Returns 0 to keep the store on the list,
 * 1 to drop it (no settings, or no_show_after_minutes off). */
static int noshowStore(RedisModuleCtx *ctx, RedisModuleString *store, size_t *budget) {
    resvSpan s = resvSpanOf(store);
    resvStoreSettings st;
    if (!resvIdValid(s.v, s.len) || resvStoreSettingsRead(ctx, s.v, s.len, &st) != 1) return 1;
    long minutes = st.num[RESV_ST_NO_SHOW_AFTER_MINUTES];
    if (!minutes) return 1;
    int64_t deadline = resvUtcNow() - (int64_t)minutes * 60;
    resvInstant wall = resvZoneWall(st.tz, deadline), hi = wall + NOSHOW_WALL_MARGIN;
    RedisModuleString **due = RedisModule_Alloc(*budget * sizeof *due);
    size_t n = 0;
    static const resvStatus live[] = {RESV_S_PENDING, RESV_S_CONFIRMED};
    /* The partitions of the days from the lookback to hi's day. */
    for (resvInstant d = resvDayStart(wall) / RESV_SECS_PER_DAY - NOSHOW_LOOKBACK_DAYS;
         d <= resvDayStart(hi) / RESV_SECS_PER_DAY && n < *budget; d++) {
        char day[RESV_DATE_LEN + 1];
        resvDayOf(d * RESV_SECS_PER_DAY, day);
        for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
            n += noshowPartition(ctx, s.v, s.len, live[i], day, st.tz, deadline, hi, due + n,
                                 *budget - n);
    }
    RedisModuleString *status = RedisModule_CreateString(ctx, "no_show", 7);
    for (size_t i = 0; i < n; i++) {
        resvAutoWriting = 1;
        RedisModuleCallReply *r = RedisModule_Call(ctx, "RESV.STATUS", "!ssscccc", store, due[i],
                                                   status, "ORIGIN", "auto", "ACTOR", NOSHOW_ACTOR);
        resvAutoWriting = 0;
        if (!r || RedisModule_CallReplyType(r) == REDISMODULE_REPLY_ERROR) {
            size_t len = 0;
            const char *msg = r ? RedisModule_CallReplyStringPtr(r, &len) : "call failed";
            RedisModule_Log(ctx, "warning", "resv: no-show of %.*s failed: %.*s", (int)s.len, s.v,
                            r ? (int)len : (int)strlen(msg), msg);
        } else {
            resvStats.noShowsAuto++;
        }
        if (r) RedisModule_FreeCallReply(r);
    }
    RedisModule_Free(due);
    *budget -= n;
    return 0;
}

/* One sweep over the stores on the list. Their names are copied first: the writes
 * fire keyspace events, and the list is not changed while it is walked. */
static void noshowSweep(RedisModuleCtx *ctx) {
    uint64_t count = RedisModule_DictSize(noshowStores);
    if (!count) return;
    RedisModuleString **stores = RedisModule_Alloc(count * sizeof *stores);
    RedisModuleDictIter *it = RedisModule_DictIteratorStartC(noshowStores, "^", NULL, 0);
    size_t n = 0, len;
    char *k;
    while (n < count && (k = RedisModule_DictNextC(it, &len, NULL)))
        stores[n++] = RedisModule_CreateString(ctx, k, len);
    RedisModule_DictIteratorStop(it);
    size_t budget = NOSHOW_BATCH;
    for (size_t i = 0; i < n && budget; i++) {
        if (noshowStore(ctx, stores[i], &budget)) {
            resvSpan s = resvSpanOf(stores[i]);
            RedisModule_DictDelC(noshowStores, (void *)s.v, s.len, NULL);
        }
    }
    RedisModule_Free(stores);
    resvStats.noShowSweeps++;
}

static void noshowArm(RedisModuleCtx *ctx);

static void noshowTick(RedisModuleCtx *ctx, void *data) {
    (void)data;
    RedisModule_AutoMemory(ctx);
    int flags = RedisModule_GetContextFlags(ctx);
    mstime_t now = RedisModule_Milliseconds();
    if ((flags & REDISMODULE_CTX_FLAGS_MASTER) && !(flags & REDISMODULE_CTX_FLAGS_LOADING) &&
        now - noshowLast >= resvCfg.noshowIntervalMs) {
        noshowLast = now;
        noshowSweep(ctx);
    }
    noshowArm(ctx);
}

static void noshowArm(RedisModuleCtx *ctx) {
    mstime_t period = resvCfg.noshowIntervalMs < NOSHOW_TICK_MAX_MS ? resvCfg.noshowIntervalMs
                                                                    : NOSHOW_TICK_MAX_MS;
    RedisModule_CreateTimer(ctx, period, noshowTick, NULL);
}

int resvNoShowStart(RedisModuleCtx *ctx) {
    noshowStores = RedisModule_CreateDict(NULL);
    if (RedisModule_SubscribeToKeyspaceEvents(
            ctx, REDISMODULE_NOTIFY_HASH | REDISMODULE_NOTIFY_GENERIC | REDISMODULE_NOTIFY_LOADED,
            noshowOnKeyEvent) == REDISMODULE_ERR) {
        RedisModule_Log(ctx, "warning", "resv: cannot subscribe to keyspace events");
        return REDISMODULE_ERR;
    }
    noshowLast = RedisModule_Milliseconds();
    noshowArm(ctx);
    return REDISMODULE_OK;
}
