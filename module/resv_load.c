/* A store day's load, resv:{S}:load:<day> (keys.md): the covers and parties of the
 * reservations that pacing counts, per start minute, kept exact by every write beside
 * the day's partitions. Pacing and RESV.AVAILABILITY read this one small hash instead
 * of customer_count in every record of the day. A day written before the load existed
 * has no key: it is counted from its partitions and records, and the first write that
 * changes its load builds the key whole (keys.md, "A day's load"). */
#include <string.h>

#include "resv.h"

#define LOAD_MINUTES 1440

/* Where counted parties go: per minute of the day (a rebuild) or per slot (a count). */
typedef struct {
    resvInstant day, lo, slotSecs;
    int n;
    long *covers, *parties;
} loadSink;

static void loadAdd(loadSink *k, int minute, long covers, long parties) {
    resvInstant t = k->day + (resvInstant)minute * 60;
    if (t < k->lo) return;
    resvInstant slot = (t - k->lo) / k->slotSecs;
    if (slot >= k->n) return;
    k->covers[slot] += covers;
    k->parties[slot] += parties;
}

/* Adds every counted reservation of the day to the sink, from the day's partitions and
 * each member's customer_count. A partition of another type is a WRONGTYPE reply and
 * -1 when reply is set, else passed over (a write, whose keys were checked). */
static int loadScanDay(RedisModuleCtx *ctx, resvSpan store, const char *day, int reply,
                       loadSink *sink) {
    for (int st = 0; st < RESV_S_COUNT; st++) {
        if (!resvFloorCounts((resvStatus)st)) continue;
        RedisModuleString *k = resvKeyPartition(ctx, store.v, store.len, (resvStatus)st, day);
        RedisModuleKey *key = RedisModule_OpenKey(ctx, k, REDISMODULE_READ);
        int type = RedisModule_KeyType(key);
        if (type != REDISMODULE_KEYTYPE_ZSET ||
            RedisModule_ZsetFirstInScoreRange(key, REDISMODULE_NEGATIVE_INFINITE,
                                              REDISMODULE_POSITIVE_INFINITE, 0,
                                              0) != REDISMODULE_OK) {
            RedisModule_CloseKey(key);
            if (type == REDISMODULE_KEYTYPE_ZSET || type == REDISMODULE_KEYTYPE_EMPTY || !reply)
                continue;
            return resvReplyWrongType(ctx, k), -1;
        }
        while (!RedisModule_ZsetRangeEndReached(key)) {
            double score;
            RedisModuleString *m = RedisModule_ZsetRangeCurrentElement(key, &score), *v = NULL;
            RedisModule_ZsetRangeNext(key);
            resvSpan ms = resvSpanOf(m);
            /* One field by its C name: no field string made per record. */
            RedisModuleKey *rk = RedisModule_OpenKey(
                ctx, resvKeyRecord(ctx, store.v, store.len, ms.v, ms.len), REDISMODULE_READ);
            if (RedisModule_KeyType(rk) == REDISMODULE_KEYTYPE_HASH)
                RedisModule_HashGet(rk, REDISMODULE_HASH_CFIELDS, "customer_count", &v, NULL);
            RedisModule_CloseKey(rk);
            resvSpan p = resvSpanOf(v);
            resvInstant t = (resvInstant)score;
            loadAdd(sink, (int)((t - resvDayStart(t)) / 60), resvFloorParty(p.v, p.len), 1);
        }
        RedisModule_ZsetRangeStop(key);
        RedisModule_CloseKey(key);
    }
    return 0;
}

/* ---- reading ---- */

static void loadScanCb(RedisModuleKey *key, RedisModuleString *field, RedisModuleString *value,
                       void *privdata) {
    (void)key;
    resvSpan f = resvSpanOf(field), v = resvSpanOf(value);
    long covers, parties;
    int minute = resvLoadFieldParse(f.v, f.len);
    if (minute >= 0 && resvLoadDecode(v.v, v.len, &covers, &parties) == 0)
        loadAdd(privdata, minute, covers, parties);
}

int resvFloorCount(RedisModuleCtx *ctx, resvSpan store, resvInstant lo, resvInstant slotSecs, int n,
                   long *covers, long *parties) {
    char day[RESV_DATE_LEN + 1];
    loadSink sink = {resvDayStart(lo), lo, slotSecs, n, covers, parties};
    memset(covers, 0, (size_t)n * sizeof *covers);
    memset(parties, 0, (size_t)n * sizeof *parties);
    resvDayOf(lo, day);
    RedisModuleString *k = resvKeyLoad(ctx, store.v, store.len, day);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, k, REDISMODULE_READ);
    int type = RedisModule_KeyType(key);
    if (type == REDISMODULE_KEYTYPE_HASH) {
        RedisModuleScanCursor *cur = RedisModule_ScanCursorCreate();
        while (RedisModule_ScanKey(key, cur, loadScanCb, &sink)) {
        }
        RedisModule_ScanCursorDestroy(cur);
    }
    RedisModule_CloseKey(key);
    if (type == REDISMODULE_KEYTYPE_HASH) return 0;
    if (type != REDISMODULE_KEYTYPE_EMPTY) return resvReplyWrongType(ctx, k), -1;
    return loadScanDay(ctx, store, day, 1, &sink);
}

/* ---- writing ---- */

static resvInstant loadMinute(resvInstant t) {
    resvInstant r = t % 60;
    return t - (r < 0 ? r + 60 : r);
}

/* 1 when the write changes the load: a status, start minute or party that counts moved. */
static int loadMoves(const resvLoadPos *from, const resvLoadPos *to) {
    int a = from && from->counted, b = to && to->counted;
    if (a != b) return 1;
    return a && (from->party != to->party || loadMinute(from->start) != loadMinute(to->start));
}

/* What one write changes in one minute of one day. */
typedef struct {
    resvInstant day;
    char field[RESV_LOAD_FIELD_LEN + 1];
    long covers, parties;
} loadDelta;

static int loadAddDelta(loadDelta *d, int n, const resvLoadPos *p, int sign) {
    loadDelta x = {resvDayStart(p->start), "", sign * p->party, sign};
    resvLoadField(p->start, x.field);
    for (int i = 0; i < n; i++)
        if (d[i].day == x.day && strcmp(d[i].field, x.field) == 0) {
            d[i].covers += x.covers;
            d[i].parties += x.parties;
            return n;
        }
    d[n] = x;
    return n + 1;
}

/* Writes the day's load whole, from its partitions and records as they are now: the
 * key is deleted first when it exists, then one HSET per RESV_ARGV_MAX arguments. */
static int loadRebuild(RedisModuleCtx *ctx, resvSpan store, const char *day, resvInstant dayStart,
                       RedisModuleString *k, int exists) {
    long *covers = RedisModule_Alloc(2 * LOAD_MINUTES * sizeof *covers), *parties;
    parties = covers + LOAD_MINUTES;
    memset(covers, 0, 2 * LOAD_MINUTES * sizeof *covers);
    loadSink sink = {dayStart, dayStart, 60, LOAD_MINUTES, covers, parties};
    int rc = loadScanDay(ctx, store, day, 0, &sink);
    if (exists) rc |= resvWriteDel(ctx, k);
    resvArgv a = {.n = 0};
    for (int m = 0; m < LOAD_MINUTES; m++) {
        if (!parties[m]) continue;
        char f[RESV_LOAD_FIELD_LEN + 1], v[RESV_LOAD_VALUE_MAX];
        if (a.n + 2 > RESV_ARGV_MAX) {
            rc |= resvWrite(ctx, "HSET", &a);
            a.n = 0;
        }
        if (!a.n) resvArgvAddStr(&a, k);
        resvLoadField(dayStart + (resvInstant)m * 60, f);
        resvArgvAdd(ctx, &a, f, RESV_LOAD_FIELD_LEN);
        resvArgvAdd(ctx, &a, v, resvLoadEncode(covers[m], parties[m], v));
    }
    if (a.n) rc |= resvWrite(ctx, "HSET", &a);
    RedisModule_Free(covers);
    return rc;
}

/* The deltas of one day: each field read, moved and written back in one HSET (and one
 * HDEL of the minutes that empty). A day without a key, or whose value is not ours or
 * would fall below zero (the key was changed by hand), is rebuilt instead. */
static int loadWriteDay(RedisModuleCtx *ctx, resvSpan store, const loadDelta *d, int n) {
    char day[RESV_DATE_LEN + 1];
    resvDayOf(d[0].day, day);
    RedisModuleString *k = resvKeyLoad(ctx, store.v, store.len, day);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, k, REDISMODULE_READ);
    int exists = RedisModule_KeyType(key) == REDISMODULE_KEYTYPE_HASH, exact = exists;
    resvArgv hset = {.n = 0}, hdel = {.n = 0};
    resvArgvAddStr(&hset, k);
    resvArgvAddStr(&hdel, k);
    for (int i = 0; i < n && exact; i++) {
        RedisModuleString *v = NULL;
        long covers = 0, parties = 0;
        RedisModule_HashGet(key, REDISMODULE_HASH_CFIELDS, d[i].field, &v, NULL);
        resvSpan sv = resvSpanOf(v);
        if (v && resvLoadDecode(sv.v, sv.len, &covers, &parties)) exact = 0;
        covers += d[i].covers;
        parties += d[i].parties;
        if (covers < 0 || parties < 0 || (!parties && covers)) exact = 0;
        if (!exact) break;
        if (!parties) {
            if (v) resvArgvAdd(ctx, &hdel, d[i].field, RESV_LOAD_FIELD_LEN);
            continue;
        }
        char buf[RESV_LOAD_VALUE_MAX];
        resvArgvAdd(ctx, &hset, d[i].field, RESV_LOAD_FIELD_LEN);
        resvArgvAdd(ctx, &hset, buf, resvLoadEncode(covers, parties, buf));
    }
    RedisModule_CloseKey(key);
    if (!exact) {
        if (exists)
            RedisModule_Log(ctx, "notice", "resv: the load of %.*s on %s was not exact: rebuilt",
                            (int)store.len, store.v, day);
        return loadRebuild(ctx, store, day, d[0].day, k, exists);
    }
    int rc = 0;
    if (hdel.n > 1) rc |= resvWrite(ctx, "HDEL", &hdel);
    if (hset.n > 1) rc |= resvWrite(ctx, "HSET", &hset);
    return rc;
}

int resvLoadUpdate(RedisModuleCtx *ctx, resvSpan store, const resvLoadPos *from,
                   const resvLoadPos *to) {
    loadDelta d[2];
    int n = 0, kept = 0, rc = 0;
    if (!loadMoves(from, to)) return 0;
    if (from && from->counted) n = loadAddDelta(d, n, from, -1);
    if (to && to->counted) n = loadAddDelta(d, n, to, 1);
    for (int i = 0; i < n; i++)
        if (d[i].covers || d[i].parties) d[kept++] = d[i];
    /* One day at a time: a move within a day is one read and one write of its key. */
    if (kept == 2 && d[0].day == d[1].day) return loadWriteDay(ctx, store, d, 2);
    for (int i = 0; i < kept; i++)
        rc |= loadWriteDay(ctx, store, &d[i], 1);
    return rc;
}

int resvLoadCheckType(RedisModuleCtx *ctx, resvSpan store, const resvLoadPos *from,
                      const resvLoadPos *to) {
    const resvLoadPos *pos[2] = {from, to};
    for (int i = 0; i < 2 && loadMoves(from, to); i++) {
        char day[RESV_DATE_LEN + 1];
        if (!pos[i] || !pos[i]->counted) continue;
        resvDayOf(pos[i]->start, day);
        if (resvKeyCheckType(ctx, resvKeyLoad(ctx, store.v, store.len, day),
                             REDISMODULE_KEYTYPE_HASH))
            return -1;
    }
    return 0;
}
