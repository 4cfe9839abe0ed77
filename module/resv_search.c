/* RESV.FIND: a guest found in one step, by booking id, reservation number, external id,
 * phone digits or a part of the name. Ids and phones are answered from the lookup index
 * resv:{S}:lookup and the record keys (never a scan of the store); a name by reading the
 * names of the reservations in a bounded window of days. Read-only. */
#include <stdlib.h>
#include <string.h>

#include "resv.h"

#define SEARCH_WINDOW_DAYS 7 /* a name search: the store's today and the next 7 days */

/* One reservation found: its start instant and id (the order of the reply), and the
 * field that matched. */
typedef struct {
    resvInstant score;
    resvSpan id;
    resvField matched;
} searchHit;

typedef struct {
    RedisModuleCtx *ctx;
    resvSpan store;
    RedisModuleString *lkey; /* the lookup hash's name, made once */
    double lo, hi;           /* the window on the start instant */
    searchHit *hits;
    size_t n, cap;
} searchResult;

static int searchHas(const searchResult *f, const char *r, size_t rl) {
    for (size_t i = 0; i < f->n; i++)
        if (f->hits[i].id.len == rl && memcmp(f->hits[i].id.v, r, rl) == 0) return 1;
    return 0;
}

static void searchAdd(searchResult *f, const char *r, size_t rl, resvInstant score,
                      resvField matched) {
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        f->hits = RedisModule_Realloc(f->hits, f->cap * sizeof *f->hits);
    }
    f->hits[f->n++] = (searchHit){score, {r, rl}, matched};
}

/* Reads the three fields that decide whether reservation r is found (its start, and its
 * phone for a phone search: digits non-NULL) and adds it when it is in the window and the
 * phone ends with the digits; the record itself is read once, by the reply. -1 on a
 * record of another type. */
static int searchCandidate(searchResult *f, const char *r, size_t rl, resvField matched,
                           const char *digits, size_t nd) {
    if (searchHas(f, r, rl)) return 0;
    RedisModuleString *rkey = resvKeyRecord(f->ctx, f->store.v, f->store.len, r, rl);
    RedisModuleKey *key = RedisModule_OpenKey(f->ctx, rkey, REDISMODULE_READ);
    int type = RedisModule_KeyType(key);
    if (type != REDISMODULE_KEYTYPE_HASH) {
        RedisModule_CloseKey(key);
        return type == REDISMODULE_KEYTYPE_EMPTY ? 0 : -1;
    }
    RedisModuleString *date = NULL, *time = NULL, *phone = NULL;
    RedisModule_HashGet(key, REDISMODULE_HASH_CFIELDS, resvFields[RESV_F_RESERVATION_DATE].name,
                        &date, resvFields[RESV_F_RESERVATION_TIME].name, &time,
                        resvFields[RESV_F_CUSTOMER_PHONE].name, &phone, NULL);
    RedisModule_CloseKey(key);
    resvSpan d = resvSpanOf(date), t = resvSpanOf(time), p = resvSpanOf(phone);
    resvInstant score = resvRecordStart(d.v, d.len, t.v, t.len);
    if ((double)score < f->lo || (double)score > f->hi ||
        (digits && !resvFindPhoneMatches(p.v, p.len, digits, nd)))
        return 0;
    searchAdd(f, r, rl, score, matched);
    return 0;
}

/* The candidates of one lookup hash field. -1 after a WRONGTYPE reply. */
static int searchByLookup(searchResult *f, resvFindRef ref, const char *q, size_t ql,
                          const char *digits, size_t nd) {
    char field[RESV_FIND_FIELD_MAX];
    size_t fl = resvFindField(ref, q, ql, field);
    RedisModuleString *list;
    if (!fl) return 0;
    if (!f->lkey) f->lkey = resvKeyLookup(f->ctx, f->store.v, f->store.len);
    if (resvHashGetOne(f->ctx, f->lkey, (resvSpan){field, fl}, &list) < 0)
        return resvReplyWrongType(f->ctx, f->lkey), -1;
    resvSpan l = resvSpanOf(list);
    const char *r;
    size_t pos = 0, rl;
    while (resvFindListNext(l.v, l.len, &pos, &r, &rl))
        if (searchCandidate(f, r, rl, resvFindFields[ref], digits, nd) < 0)
            return resvReplyWrongType(f->ctx,
                                      resvKeyRecord(f->ctx, f->store.v, f->store.len, r, rl)),
                   -1;
    return 0;
}

/* The first tier: reservation_id, reservation_number or external id exactly. */
static int searchExact(searchResult *f, const char *q, size_t ql) {
    if (resvIdValid(q, ql) && searchCandidate(f, q, ql, RESV_F_RESERVATION_ID, NULL, 0) < 0)
        return resvReplyWrongType(f->ctx, resvKeyRecord(f->ctx, f->store.v, f->store.len, q, ql)),
               -1;
    if (searchByLookup(f, RESV_FIND_NUMBER, q, ql, NULL, 0)) return -1;
    return searchByLookup(f, RESV_FIND_EXTERNAL, q, ql, NULL, 0);
}

/* The name tier: every reservation whose start instant is in the window, from the
 * partitions of the days in resv:{S}:days. -1 after a WRONGTYPE reply. */
static int searchByName(searchResult *f, const char *q, size_t ql) {
    RedisModuleCtx *ctx = f->ctx;
    const char *s = f->store.v;
    size_t sl = f->store.len;
    RedisModuleString *dk = resvKeyDays(ctx, s, sl);
    RedisModuleKey *days = RedisModule_OpenKey(ctx, dk, REDISMODULE_READ);
    int type = RedisModule_KeyType(days), rc = 0;
    if (type != REDISMODULE_KEYTYPE_ZSET) {
        RedisModule_CloseKey(days);
        if (type == REDISMODULE_KEYTYPE_EMPTY) return 0;
        return resvReplyWrongType(ctx, dk), -1;
    }
    /* a day's score is its first instant */
    resvInstant lo = (resvInstant)f->lo;
    double dlo = (double)resvDayStart(lo);
    if (RedisModule_ZsetFirstInScoreRange(days, dlo, f->hi, 0, 0) != REDISMODULE_OK) {
        RedisModule_CloseKey(days);
        return 0;
    }
    const char *nameName = resvFields[RESV_F_CUSTOMER_NAME].name;
    resvSpan nameField = {nameName, strlen(nameName)};
    for (; rc == 0 && !RedisModule_ZsetRangeEndReached(days); RedisModule_ZsetRangeNext(days)) {
        double ds;
        resvSpan day = resvSpanOf(RedisModule_ZsetRangeCurrentElement(days, &ds));
        if (day.len != RESV_DATE_LEN) continue; /* not ours */
        for (int st = 0; rc == 0 && st < RESV_S_COUNT; st++) {
            RedisModuleString *pk = resvKeyPartition(ctx, s, sl, (resvStatus)st, day.v);
            RedisModuleKey *part = RedisModule_OpenKey(ctx, pk, REDISMODULE_READ);
            int pt = RedisModule_KeyType(part);
            if (pt != REDISMODULE_KEYTYPE_ZSET && pt != REDISMODULE_KEYTYPE_EMPTY) {
                resvReplyWrongType(ctx, pk);
                rc = -1;
            } else if (pt == REDISMODULE_KEYTYPE_ZSET &&
                       RedisModule_ZsetFirstInScoreRange(part, f->lo, f->hi, 0, 0) ==
                           REDISMODULE_OK) {
                for (; !RedisModule_ZsetRangeEndReached(part); RedisModule_ZsetRangeNext(part)) {
                    double score;
                    resvSpan r = resvSpanOf(RedisModule_ZsetRangeCurrentElement(part, &score));
                    RedisModuleString *name;
                    if (resvHashGetOne(ctx, resvKeyRecord(ctx, s, sl, r.v, r.len), nameField,
                                       &name) != 0 ||
                        !name)
                        continue;
                    resvSpan n = resvSpanOf(name);
                    if (resvFindNameMatches(n.v, n.len, q, ql))
                        searchAdd(f, r.v, r.len, (resvInstant)score, RESV_F_CUSTOMER_NAME);
                }
                RedisModule_ZsetRangeStop(part);
            }
            RedisModule_CloseKey(part);
        }
    }
    RedisModule_ZsetRangeStop(days);
    RedisModule_CloseKey(days);
    return rc;
}

static int searchHitCmp(const void *a, const void *b) {
    const searchHit *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? -1 : 1;
    int c = memcmp(x->id.v, y->id.v, x->id.len < y->id.len ? x->id.len : y->id.len);
    return c ? c : (x->id.len > y->id.len) - (x->id.len < y->id.len);
}

/* The query without leading and trailing spaces: 1..128 characters of UTF-8 without
 * control characters. -1 after the error reply. */
static int searchArgQuery(RedisModuleCtx *ctx, RedisModuleString *arg, resvSpan *q) {
    resvSpan v = resvSpanOf(arg);
    if (resvFindQueryCheck(v.v, v.len, &q->v, &q->len))
        return resvReplyError(ctx, RESV_E_ERR,
                              "invalid QUERY: must be 1 to %d characters of UTF-8 text without "
                              "control characters",
                              RESV_FIND_VALUE_CHARS),
               -1;
    return 0;
}

/* RESV.FIND store QUERY q [FROM t] [TO t] [LIMIT n] */
int ResvFind_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    static const char *const words[] = {"QUERY", "FROM", "TO", "LIMIT", NULL};
    if (argc < 4) return resvReplyWrongArity(ctx);
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    searchResult f = {.ctx = ctx};
    resvSpan q = {NULL, 0};
    int hasFrom = 0, hasTo = 0, hasLimit = 0;
    resvInstant from = 0, to = 0;
    long long limit = resvCfg.listDefaultLimit;
    if (limit > resvCfg.listMaxLimit) limit = resvCfg.listMaxLimit;

    if (resvArgId(ctx, argv[1], "store", &f.store.v, &f.store.len)) return REDISMODULE_OK;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 == argc) return resvReplyLoneWord(ctx, argv[i], words, NULL, 0);
        if (resvArgIs(argv[i], "QUERY") && !q.v) {
            if (searchArgQuery(ctx, argv[i + 1], &q)) return REDISMODULE_OK;
        } else if (resvArgIs(argv[i], "FROM") && !hasFrom) {
            hasFrom = 1;
            if (resvArgInstant(ctx, argv[i + 1], "FROM", 0, &from)) return REDISMODULE_OK;
        } else if (resvArgIs(argv[i], "TO") && !hasTo) {
            hasTo = 1;
            if (resvArgInstant(ctx, argv[i + 1], "TO", 1, &to)) return REDISMODULE_OK;
        } else if (resvArgIs(argv[i], "LIMIT") && !hasLimit) {
            hasLimit = 1;
            if (resvArgRange(ctx, argv[i + 1], "LIMIT", 1, resvCfg.listMaxLimit, &limit))
                return REDISMODULE_OK;
        } else {
            return resvReplySyntaxError(ctx, argv[i]);
        }
    }
    if (!q.v) return resvReplyError(ctx, RESV_E_ERR, "missing QUERY");

    /* Tiers in order of preference; the first that finds anything answers. */
    f.lo = hasFrom ? (double)from : -1.0 / 0.0;
    f.hi = hasTo ? (double)to : 1.0 / 0.0;
    int rc = searchExact(&f, q.v, q.len);
    if (!rc && !f.n && resvFindIsPhoneQuery(q.v, q.len)) {
        char digits[RESV_FIND_VALUE_MAX];
        size_t nd = resvFindDigits(q.v, q.len, digits, sizeof digits);
        rc = searchByLookup(&f, RESV_FIND_PHONE, digits, nd, digits, nd);
    }
    /* A name is searched from the store's today when FROM is not given. */
    if (!rc && !f.n && !hasFrom) rc = resvStoreSettingsCheckType(ctx, f.store.v, f.store.len);
    if (!rc && !f.n) {
        if (!hasFrom) {
            char today[RESV_DATE_LEN + 1];
            resvStoreToday(ctx, f.store.v, f.store.len, today);
            resvParseDate(today, RESV_DATE_LEN, &from);
            f.lo = (double)from;
        }
        if (!hasTo) {
            resvInstant first = resvDayStart(from);
            f.hi = (double)(first + (SEARCH_WINDOW_DAYS + 1) * RESV_SECS_PER_DAY - 1);
        }
        rc = searchByName(&f, q.v, q.len);
    }
    if (rc) {
        RedisModule_Free(f.hits);
        return REDISMODULE_OK;
    }

    if (f.n > 1) qsort(f.hits, f.n, sizeof *f.hits, searchHitCmp);
    size_t shown = f.n < (size_t)limit ? f.n : (size_t)limit;
    RedisModule_ReplyWithArray(ctx, 2);
    RedisModule_ReplyWithLongLong(ctx, (long long)f.n);
    RedisModule_ReplyWithArray(ctx, (long)shown);
    for (size_t i = 0; i < shown; i++) {
        searchHit *h = &f.hits[i];
        RedisModule_ReplyWithArray(ctx, 2);
        resvReplyName(ctx, resvFields[h->matched].name);
        /* read just above in this command: there, and a hash */
        if (resvReplyRecord(ctx, resvKeyRecord(ctx, f.store.v, f.store.len, h->id.v, h->id.len)) !=
            1)
            RedisModule_ReplyWithNull(ctx);
    }
    RedisModule_Free(f.hits);
    return REDISMODULE_OK;
}
