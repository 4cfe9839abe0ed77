/* Gauges of INFO resv: push outbox entries and failed pushes over all stores, and the
 * age of the oldest undelivered entry. INFO must stay cheap, so nothing is scanned
 * when it is asked: the module follows the outbox and failure keys by their keyspace
 * events (which fire for our own writes, for replicated ones on a replica and during
 * an AOF load alike) and keeps per key what it needs. The keyspace is scanned once,
 * after an RDB load or a flush (no events come then). */
#include <string.h>

#include "resv.h"
#include "resv_keys.h"

/* Per outbox key: its length and the time of its first entry (its id's milliseconds);
 * per failures key: its length. Only keys that hold something are kept. */
typedef struct {
    long long len;
    long long firstMs;
} gaugeKey;

static RedisModuleDict *gaugeOutboxes, *gaugeFailures;
static long long gaugeOutboxTotal, gaugeFailuresTotal;

static void gaugeForget(RedisModuleDict *d, const char *name, size_t len, long long *total) {
    gaugeKey *g = NULL;
    if (RedisModule_DictDelC(d, (void *)name, len, &g) == REDISMODULE_OK && g) {
        *total -= g->len;
        RedisModule_Free(g);
    }
}

/* Reads the key again: its length (and first entry for an outbox). */
static void gaugeRefresh(RedisModuleCtx *ctx, RedisModuleString *keyname, int outbox) {
    size_t len;
    const char *name = RedisModule_StringPtrLen(keyname, &len);
    RedisModuleDict *d = outbox ? gaugeOutboxes : gaugeFailures;
    long long *total = outbox ? &gaugeOutboxTotal : &gaugeFailuresTotal;
    gaugeForget(d, name, len, total);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, keyname, REDISMODULE_READ);
    int type = RedisModule_KeyType(key);
    long long n = (type == REDISMODULE_KEYTYPE_STREAM && outbox) ||
                          (type == REDISMODULE_KEYTYPE_HASH && !outbox)
                      ? (long long)RedisModule_ValueLength(key)
                      : 0;
    long long firstMs = 0;
    if (n > 0 && outbox && RedisModule_StreamIteratorStart(key, 0, NULL, NULL) == REDISMODULE_OK) {
        RedisModuleStreamID id;
        long fields;
        if (RedisModule_StreamIteratorNextID(key, &id, &fields) == REDISMODULE_OK)
            firstMs = (long long)id.ms;
        RedisModule_StreamIteratorStop(key);
    }
    RedisModule_CloseKey(key);
    if (n <= 0) return;
    gaugeKey *g = RedisModule_Alloc(sizeof(*g));
    g->len = n;
    g->firstMs = firstMs;
    RedisModule_DictSetC(d, (void *)name, len, g);
    *total += n;
}

/* 1 for an outbox key, 0 for a failures key, -1 for any other. */
static int gaugeKind(RedisModuleString *keyname) {
    size_t len, idlen;
    const char *name = RedisModule_StringPtrLen(keyname, &len), *id;
    if (resvKeyMatch(RESV_KEY_OUTBOX, name, len, &id, &idlen)) return 1;
    if (resvKeyMatch(RESV_KEY_FAILURES, name, len, &id, &idlen)) return 0;
    return -1;
}

static int gaugeOnKeyEvent(RedisModuleCtx *ctx, int type, const char *event,
                           RedisModuleString *key) {
    (void)type;
    (void)event;
    int kind = gaugeKind(key);
    if (kind >= 0) gaugeRefresh(ctx, key, kind);
    return REDISMODULE_OK;
}

static void gaugeClear(RedisModuleDict *d) {
    RedisModuleDictIter *it = RedisModule_DictIteratorStartC(d, "^", NULL, 0);
    gaugeKey *g;
    while (RedisModule_DictNextC(it, NULL, (void **)&g))
        RedisModule_Free(g);
    RedisModule_DictIteratorStop(it);
}

static void gaugeOnScanKey(RedisModuleCtx *ctx, RedisModuleString *keyname, RedisModuleKey *key,
                           void *privdata) {
    (void)key;
    (void)privdata;
    int kind = gaugeKind(keyname);
    if (kind >= 0) gaugeRefresh(ctx, keyname, kind);
}

/* After a load or a flush: forget everything, then one pass over the keys. */
static void gaugeRebuild(RedisModuleCtx *ctx) {
    gaugeClear(gaugeOutboxes);
    gaugeClear(gaugeFailures);
    RedisModule_FreeDict(NULL, gaugeOutboxes);
    RedisModule_FreeDict(NULL, gaugeFailures);
    gaugeOutboxes = RedisModule_CreateDict(NULL);
    gaugeFailures = RedisModule_CreateDict(NULL);
    gaugeOutboxTotal = gaugeFailuresTotal = 0;
    RedisModuleScanCursor *cursor = RedisModule_ScanCursorCreate();
    while (RedisModule_Scan(ctx, cursor, gaugeOnScanKey, NULL))
        ;
    RedisModule_ScanCursorDestroy(cursor);
}

static void gaugeOnServerEvent(RedisModuleCtx *ctx, RedisModuleEvent e, uint64_t sub, void *data) {
    (void)data;
    if ((e.id == REDISMODULE_EVENT_LOADING && sub == REDISMODULE_SUBEVENT_LOADING_ENDED) ||
        (e.id == REDISMODULE_EVENT_FLUSHDB && sub == REDISMODULE_SUBEVENT_FLUSHDB_END))
        gaugeRebuild(ctx);
}

int resvGaugesInit(RedisModuleCtx *ctx) {
    gaugeOutboxes = RedisModule_CreateDict(NULL);
    gaugeFailures = RedisModule_CreateDict(NULL);
    if (RedisModule_SubscribeToKeyspaceEvents(
            ctx, REDISMODULE_NOTIFY_GENERIC | REDISMODULE_NOTIFY_STREAM | REDISMODULE_NOTIFY_HASH,
            gaugeOnKeyEvent) != REDISMODULE_OK ||
        RedisModule_SubscribeToServerEvent(ctx, RedisModuleEvent_Loading, gaugeOnServerEvent) !=
            REDISMODULE_OK ||
        RedisModule_SubscribeToServerEvent(ctx, RedisModuleEvent_FlushDB, gaugeOnServerEvent) !=
            REDISMODULE_OK)
        return REDISMODULE_ERR;
    return REDISMODULE_OK;
}

void resvGaugesInfo(RedisModuleInfoCtx *ctx) {
    long long oldest = 0, now = (long long)RedisModule_Milliseconds();
    RedisModuleDictIter *it = RedisModule_DictIteratorStartC(gaugeOutboxes, "^", NULL, 0);
    gaugeKey *g;
    while (RedisModule_DictNextC(it, NULL, (void **)&g))
        if (g->firstMs > 0 && (oldest == 0 || g->firstMs < oldest)) oldest = g->firstMs;
    RedisModule_DictIteratorStop(it);
    long long age = oldest && now > oldest ? (now - oldest) / 1000 : 0;
    RedisModule_InfoAddFieldLongLong(ctx, "outbox_entries", gaugeOutboxTotal);
    RedisModule_InfoAddFieldLongLong(ctx, "outbox_stores",
                                     (long long)RedisModule_DictSize(gaugeOutboxes));
    RedisModule_InfoAddFieldLongLong(ctx, "outbox_oldest_age_seconds", age);
    RedisModule_InfoAddFieldLongLong(ctx, "sync_failures", gaugeFailuresTotal);
}
