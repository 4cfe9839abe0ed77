/* The reservation read commands: RESV.GET, RESV.LIST, RESV.STATS and RESV.HISTORY
 * (RESV.TABLES is the floor's, resv_tables.c). All reads use the low-level key API;
 * nothing here writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resv.h"

/* ---- a record's reply: HGETALL's, passed on ----
 * A record is read with one RedisModule_Call of HGETALL in the client's protocol (a map
 * in RESP3) and its reply is sent on verbatim: the cost of Redis's own command plus the
 * call, where a ScanKey made a string object of every field and value (docs/bench.md
 * has the instruction counts). The reply's protocol is only walked, never parsed into objects (any
 * RedisModule_CallReply* accessor would parse the whole of it), to check that its
 * fields are model fields in model order, which creates write in one HSET. A record
 * that is not (a field added by a later update, a field HSET by hand, a hash in its
 * hashtable encoding) is replied field by field in model order without the others,
 * exactly as before. */

/* One bulk string "$<n>\r\n<bytes>\r\n" at *p into *out; -1 when it is not one. */
static int queryProtoBulk(const char **p, const char *end, resvSpan *out) {
    const char *q = *p;
    size_t n = 0;
    if (q == end || *q++ != '$') return -1;
    while (q < end && *q >= '0' && *q <= '9')
        n = n * 10 + (size_t)(*q++ - '0');
    if (end - q < 2 || q[0] != '\r' || (size_t)(end - q - 2) < n + 2) return -1;
    out->v = q + 2;
    out->len = n;
    *p = q + 2 + n + 2;
    return 0;
}

/* The model fields of an HGETALL reply (RESP2 array or RESP3 map of bulk strings) into
 * vals[] (len 0 and v NULL when unset). Returns 1 when the reply holds model fields
 * only, in model order, 0 when not, -1 when it is not such a reply. */
static int queryProtoFields(const char *p, size_t len, resvSpan vals[RESV_F_COUNT]) {
    const char *end = p + len;
    int clean = 1, next = 0;
    memset(vals, 0, sizeof(resvSpan) * RESV_F_COUNT);
    if (len < 4 || (p[0] != '*' && p[0] != '%')) return -1;
    p = memchr(p, '\n', len);
    if (!p++) return -1;
    while (p < end) {
        resvSpan f, v;
        if (queryProtoBulk(&p, end, &f) || queryProtoBulk(&p, end, &v)) return -1;
        int i = resvFieldLookupFrom(resvFields, RESV_F_COUNT, f.v, f.len, next);
        if (i < next) clean = 0; /* not a model field, or out of model order */
        if (i < 0) continue;
        vals[i] = v;
        next = i + 1;
    }
    return clean;
}

int resvReplyRecord(RedisModuleCtx *ctx, RedisModuleString *rkey) {
    RedisModuleCallReply *rep = RedisModule_Call(ctx, "HGETALL", "0s", rkey);
    if (!rep) return -1;
    size_t len;
    const char *p = RedisModule_CallReplyProto(rep, &len);
    resvSpan vals[RESV_F_COUNT];
    int rc = len > 0 && p[0] == '-' ? -1 : len >= 4 && p[1] == '0' && p[2] == '\r' ? 0 : 1;
    if (rc == 1) {
        int clean = queryProtoFields(p, len, vals);
        if (clean == 1) {
            RedisModule_ReplyWithCallReply(ctx, rep);
        } else if (clean == 0) {
            long n = 0;
            for (int i = 0; i < RESV_F_COUNT; i++)
                n += vals[i].v != NULL;
            RedisModule_ReplyWithMap(ctx, n);
            for (int i = 0; i < RESV_F_COUNT; i++) {
                if (!vals[i].v) continue;
                resvReplyName(ctx, resvFields[i].name);
                RedisModule_ReplyWithStringBuffer(ctx, vals[i].v, vals[i].len);
            }
        } else {
            rc = -1;
        }
    }
    RedisModule_FreeCallReply(rep);
    return rc;
}

/* Order of members of one score in a sorted set: bytes, then length (as Redis). */
static int queryMemberCmp(const char *a, size_t al, const char *b, size_t bl) {
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

/* RESV.GET store id */
int ResvGet_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 3, NULL)) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    const char *s, *r;
    size_t sl, rl;
    if (resvArgId(ctx, argv[1], "store", &s, &sl) ||
        resvArgId(ctx, argv[2], "reservation_id", &r, &rl))
        return REDISMODULE_OK;
    RedisModuleString *rkey = resvKeyRecord(ctx, s, sl, r, rl);
    int rc = resvReplyRecord(ctx, rkey);
    if (rc < 0) return resvReplyWrongType(ctx, rkey);
    if (rc == 0) RedisModule_ReplyWithNull(ctx);
    return REDISMODULE_OK;
}

/* ---- walking the index: the days of resv:{S}:days, and in each day the status
 * partitions merged by (start instant, id) ---- */

/* One day's partitions, each with a range iterator; cur[] is each one's next member. */
typedef struct {
    RedisModuleKey *key[RESV_S_COUNT];
    RedisModuleString *cur[RESV_S_COUNT];
    double score[RESV_S_COUNT];
} queryDay;

static void queryDayAdvance(queryDay *d, int i) {
    d->cur[i] = NULL;
    if (RedisModule_ZsetRangeEndReached(d->key[i])) return;
    d->cur[i] = RedisModule_ZsetRangeCurrentElement(d->key[i], &d->score[i]);
    RedisModule_ZsetRangeNext(d->key[i]);
}

static void queryDayClose(queryDay *d) {
    for (int i = 0; i < RESV_S_COUNT; i++) {
        if (!d->key[i]) continue;
        RedisModule_ZsetRangeStop(d->key[i]);
        RedisModule_CloseKey(d->key[i]);
        d->key[i] = NULL;
    }
}

/* Opens the partitions of `day` for the statuses in `mask` (bit per status), positioned
 * at [lo, hi]. -1 after a WRONGTYPE reply (all closed). */
static int queryDayOpen(RedisModuleCtx *ctx, const char *s, size_t sl, const char *day,
                        unsigned mask, double lo, double hi, queryDay *d) {
    memset(d, 0, sizeof *d);
    for (int i = 0; i < RESV_S_COUNT; i++) {
        if (!(mask & 1u << i)) continue;
        RedisModuleString *k = resvKeyPartition(ctx, s, sl, (resvStatus)i, day);
        RedisModuleKey *key = RedisModule_OpenKey(ctx, k, REDISMODULE_READ);
        int type = RedisModule_KeyType(key);
        if (type == REDISMODULE_KEYTYPE_EMPTY) {
            RedisModule_CloseKey(key);
            continue;
        }
        if (type != REDISMODULE_KEYTYPE_ZSET) {
            RedisModule_CloseKey(key);
            queryDayClose(d);
            resvReplyWrongType(ctx, k);
            return -1;
        }
        d->key[i] = key;
        if (RedisModule_ZsetFirstInScoreRange(key, lo, hi, 0, 0) == REDISMODULE_OK)
            queryDayAdvance(d, i);
    }
    return 0;
}

/* The day's next member by (score, id); 0 when the day is done. */
static int queryDayNext(queryDay *d, RedisModuleString **m, resvInstant *score,
                        resvStatus *status) {
    int best = -1;
    for (int i = 0; i < RESV_S_COUNT; i++) {
        if (!d->cur[i]) continue;
        if (best < 0 || d->score[i] < d->score[best]) {
            best = i;
        } else if (d->score[i] == d->score[best]) {
            size_t al, bl;
            const char *a = RedisModule_StringPtrLen(d->cur[i], &al);
            const char *b = RedisModule_StringPtrLen(d->cur[best], &bl);
            if (queryMemberCmp(a, al, b, bl) < 0) best = i;
        }
    }
    if (best < 0) return 0;
    *m = d->cur[best];
    *score = (resvInstant)d->score[best];
    *status = (resvStatus)best;
    queryDayAdvance(d, best);
    return 1;
}

/* Opens resv:{S}:days positioned at the days that can hold instants of [lo, hi]. Returns
 * the key (NULL when the store has no days), or -1 in *err after a WRONGTYPE reply. */
static RedisModuleKey *queryDaysOpen(RedisModuleCtx *ctx, const char *s, size_t sl, double lo,
                                     double hi, int *err) {
    RedisModuleString *k = resvKeyDays(ctx, s, sl);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, k, REDISMODULE_READ);
    int type = RedisModule_KeyType(key);
    *err = 0;
    if (type == REDISMODULE_KEYTYPE_ZSET) {
        /* a day's score is its first instant: the day of lo starts at or before lo */
        double dlo = lo > 0 ? (double)resvDayStart((resvInstant)lo) : lo;
        if (RedisModule_ZsetFirstInScoreRange(key, dlo, hi, 0, 0) == REDISMODULE_OK) return key;
    } else if (type != REDISMODULE_KEYTYPE_EMPTY) {
        RedisModule_CloseKey(key);
        *err = -1;
        resvReplyWrongType(ctx, k);
        return NULL;
    }
    RedisModule_CloseKey(key);
    return NULL;
}

static void queryDaysClose(RedisModuleKey *key) {
    if (!key) return;
    RedisModule_ZsetRangeStop(key);
    RedisModule_CloseKey(key);
}

/* The next day of the open days key into day[]; 0 when done (the key is then closed). */
static int queryDaysNext(RedisModuleKey **key, char day[RESV_DATE_LEN + 1]) {
    while (*key && !RedisModule_ZsetRangeEndReached(*key)) {
        size_t len;
        double score;
        RedisModuleString *m = RedisModule_ZsetRangeCurrentElement(*key, &score);
        const char *p = RedisModule_StringPtrLen(m, &len);
        RedisModule_ZsetRangeNext(*key);
        if (len != RESV_DATE_LEN) continue; /* not ours */
        memcpy(day, p, RESV_DATE_LEN);
        day[RESV_DATE_LEN] = '\0';
        return 1;
    }
    queryDaysClose(*key);
    *key = NULL;
    return 0;
}

/* A LIST cursor is "<score>:<id>" of the next item: opaque to clients, and enough to
 * resume inside a run of equal scores because members of one score are ordered by id. */
static int queryParseCursor(RedisModuleString *arg, resvInstant *score, const char **id,
                            size_t *idl) {
    size_t len, i = 0;
    const char *p = RedisModule_StringPtrLen(arg, &len);
    long long v = 0;
    while (i < len && i < 15 && p[i] >= '0' && p[i] <= '9')
        v = v * 10 + (p[i++] - '0');
    if (i == 0 || i >= len || p[i] != ':' || !resvIdValid(p + i + 1, len - i - 1)) return -1;
    *score = v;
    *id = p + i + 1;
    *idl = len - i - 1;
    return 0;
}

#define QUERY_ALL_STATUSES ((1u << RESV_S_COUNT) - 1)

/* RESV.LIST store [STATUS s] [FROM t] [TO t] [LIMIT n] [CURSOR c] */
int ResvList_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    static const char *const words[] = {"STATUS", "FROM", "TO", "LIMIT", "CURSOR", NULL};
    if (argc < 2) return resvReplyWrongArity(ctx);
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    const char *s, *cid = NULL;
    size_t sl, cidl = 0;
    int hasStatus = 0, hasFrom = 0, hasTo = 0, hasLimit = 0, hasCursor = 0;
    resvStatus status = RESV_S_PENDING;
    resvInstant from = 0, to = 0, cscore = 0;
    long long limit = resvCfg.listDefaultLimit;
    if (limit > resvCfg.listMaxLimit) limit = resvCfg.listMaxLimit;

    if (resvArgId(ctx, argv[1], "store", &s, &sl)) return REDISMODULE_OK;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 == argc) return resvReplyLoneWord(ctx, argv[i], words, NULL, 0);
        size_t vl;
        const char *v = RedisModule_StringPtrLen(argv[i + 1], &vl);
        if (resvArgIs(argv[i], "STATUS") && !hasStatus) {
            hasStatus = 1;
            if (resvStatusParse(v, vl, &status))
                return resvReplyError(ctx, RESV_E_ERR,
                                      "invalid STATUS: must be one of pending "
                                      "confirmed arrived seated completed cancelled no_show");
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
        } else if (resvArgIs(argv[i], "CURSOR") && !hasCursor) {
            hasCursor = 1;
            if (!(vl == 1 && v[0] == '0') && queryParseCursor(argv[i + 1], &cscore, &cid, &cidl))
                return resvReplyError(ctx, RESV_E_ERR, "invalid CURSOR: not a cursor of RESV.LIST");
        } else {
            return resvReplySyntaxError(ctx, argv[i]);
        }
    }

    double lo = hasFrom ? (double)from : -1.0 / 0.0, hi = hasTo ? (double)to : 1.0 / 0.0;
    if (cid && (double)cscore > lo) lo = (double)cscore;
    unsigned mask = hasStatus ? 1u << status : QUERY_ALL_STATUSES;
    int err;
    RedisModuleKey *days = queryDaysOpen(ctx, s, sl, lo, hi, &err);
    if (err) return REDISMODULE_OK;
    RedisModuleString **items = RedisModule_Alloc(sizeof(*items) * (size_t)limit);
    RedisModuleString *next = NULL;
    long n = 0;
    char day[RESV_DATE_LEN + 1];
    while (!next && queryDaysNext(&days, day)) {
        queryDay d;
        if (queryDayOpen(ctx, s, sl, day, mask, lo, hi, &d)) {
            queryDaysClose(days);
            RedisModule_Free(items);
            return REDISMODULE_OK;
        }
        RedisModuleString *m;
        resvInstant score;
        resvStatus st;
        while (queryDayNext(&d, &m, &score, &st)) {
            size_t ml;
            const char *mp = RedisModule_StringPtrLen(m, &ml);
            if (cid &&
                (score < cscore || (score == cscore && queryMemberCmp(mp, ml, cid, cidl) < 0)))
                continue;
            if (n == limit) {
                next =
                    RedisModule_CreateStringPrintf(ctx, "%lld:%.*s", (long long)score, (int)ml, mp);
                break;
            }
            items[n++] = m;
        }
        queryDayClose(&d);
    }
    queryDaysClose(days);

    RedisModule_ReplyWithArray(ctx, 2);
    if (next)
        RedisModule_ReplyWithString(ctx, next);
    else
        RedisModule_ReplyWithStringBuffer(ctx, "0", 1);
    RedisModule_ReplyWithArray(ctx, n);
    for (long i = 0; i < n; i++) {
        size_t rl;
        const char *rp = RedisModule_StringPtrLen(items[i], &rl);
        if (resvReplyRecord(ctx, resvKeyRecord(ctx, s, sl, rp, rl)) != 1)
            RedisModule_ReplyWithNull(ctx);
    }
    RedisModule_Free(items);
    return REDISMODULE_OK;
}

/* covers[] per status; `covers` replies the live ones (pending to completed), and the
 * cancelled and no-show parties are reported apart. */
typedef struct {
    resvInstant start;
    long long total, covers[RESV_S_COUNT], per[RESV_S_COUNT];
} queryCounts;

static void queryCount(queryCounts *q, resvStatus st, long long covers) {
    q->total++;
    q->covers[st] += covers;
    q->per[st]++;
}

static void queryReplyCounts(RedisModuleCtx *ctx, const queryCounts *q, int withStart, long extra) {
    long long live = 0;
    for (int i = 0; i <= RESV_S_COMPLETED; i++)
        live += q->covers[i];
    RedisModule_ReplyWithMap(ctx, 4 + RESV_S_COUNT + withStart + extra);
    if (withStart) {
        char buf[RESV_DATETIME_LEN + 1];
        resvFormatDateTime(q->start, buf);
        resvReplyName(ctx, "start");
        RedisModule_ReplyWithStringBuffer(ctx, buf, RESV_DATETIME_LEN);
    }
    resvReplyName(ctx, "total");
    RedisModule_ReplyWithLongLong(ctx, q->total);
    resvReplyName(ctx, "covers");
    RedisModule_ReplyWithLongLong(ctx, live);
    resvReplyName(ctx, "covers_cancelled");
    RedisModule_ReplyWithLongLong(ctx, q->covers[RESV_S_CANCELLED]);
    resvReplyName(ctx, "covers_no_show");
    RedisModule_ReplyWithLongLong(ctx, q->covers[RESV_S_NO_SHOW]);
    for (int i = 0; i < RESV_S_COUNT; i++) {
        resvReplyName(ctx, resvStatusName((resvStatus)i));
        RedisModule_ReplyWithLongLong(ctx, q->per[i]);
    }
}

/* RESV.STATS store FROM t TO t [BUCKET minutes] */
int ResvStats_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    static const char *const words[] = {"FROM", "TO", "BUCKET", NULL};
    if (argc < 2) return resvReplyWrongArity(ctx);
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    const char *s;
    size_t sl;
    int hasFrom = 0, hasTo = 0, hasBucket = 0, slotBucket = 0;
    resvInstant from = 0, to = 0;
    long long bucket = 0;
    if (resvArgId(ctx, argv[1], "store", &s, &sl)) return REDISMODULE_OK;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 == argc) return resvReplyLoneWord(ctx, argv[i], words, NULL, 0);
        if (resvArgIs(argv[i], "FROM") && !hasFrom) {
            hasFrom = 1;
            if (resvArgInstant(ctx, argv[i + 1], "FROM", 0, &from)) return REDISMODULE_OK;
        } else if (resvArgIs(argv[i], "TO") && !hasTo) {
            hasTo = 1;
            if (resvArgInstant(ctx, argv[i + 1], "TO", 1, &to)) return REDISMODULE_OK;
        } else if (resvArgIs(argv[i], "BUCKET") && !hasBucket) {
            hasBucket = 1;
            slotBucket = resvArgIs(argv[i + 1], "SLOT");
            if (!slotBucket && resvArgRange(ctx, argv[i + 1], "BUCKET", 1, 1440, &bucket))
                return REDISMODULE_OK;
        } else {
            return resvReplySyntaxError(ctx, argv[i]);
        }
    }
    if (argc < 6) return resvReplyWrongArity(ctx);
    if (!hasFrom) return resvReplyError(ctx, RESV_E_ERR, "missing FROM");
    if (!hasTo) return resvReplyError(ctx, RESV_E_ERR, "missing TO");
    if (slotBucket) {
        /* The store's own slots (slot_minutes), so counts line up with pacing. */
        resvStoreSettings st;
        if (resvStoreSettingsRead(ctx, s, sl, &st) < 0)
            return resvReplyWrongType(ctx, resvKeySettings(ctx, s, sl));
        bucket = st.num[RESV_ST_SLOT_MINUTES];
    }

    int err;
    RedisModuleKey *days = queryDaysOpen(ctx, s, sl, (double)from, (double)to, &err);
    if (err) return REDISMODULE_OK;
    queryCounts all;
    memset(&all, 0, sizeof all);
    queryCounts *buckets = NULL;
    size_t nb = 0, cap = 0;
    /* The status is the partition's; only the covers come from the record. */
    const resvFieldSpec *countSpec = &resvFields[RESV_F_CUSTOMER_COUNT];
    char day[RESV_DATE_LEN + 1];
    while (queryDaysNext(&days, day)) {
        queryDay d;
        if (queryDayOpen(ctx, s, sl, day, QUERY_ALL_STATUSES, (double)from, (double)to, &d)) {
            queryDaysClose(days);
            if (buckets) RedisModule_Free(buckets);
            return REDISMODULE_OK;
        }
        RedisModuleString *m, *vals[1];
        resvInstant score;
        resvStatus st;
        while (queryDayNext(&d, &m, &score, &st)) {
            size_t ml;
            const char *mp = RedisModule_StringPtrLen(m, &ml);
            if (resvHashRead(ctx, resvKeyRecord(ctx, s, sl, mp, ml), countSpec, 1, vals) != 1)
                continue;
            long long cnt = 0;
            if (vals[0]) RedisModule_StringToLongLong(vals[0], &cnt);
            queryCount(&all, st, cnt);
            if (bucket) {
                resvInstant start = from + (score - from) / (bucket * 60) * (bucket * 60);
                if (!nb || buckets[nb - 1].start != start) {
                    if (nb == cap) {
                        cap = cap ? cap * 2 : 16;
                        buckets = RedisModule_Realloc(buckets, cap * sizeof *buckets);
                    }
                    memset(&buckets[nb], 0, sizeof *buckets);
                    buckets[nb++].start = start;
                }
                queryCounts *b = &buckets[nb - 1];
                queryCount(b, st, cnt);
            }
        }
        queryDayClose(&d);
    }
    queryDaysClose(days);
    queryReplyCounts(ctx, &all, 0, bucket ? 1 : 0);
    if (bucket) {
        resvReplyName(ctx, "buckets");
        RedisModule_ReplyWithArray(ctx, (long)nb);
        for (size_t i = 0; i < nb; i++)
            queryReplyCounts(ctx, &buckets[i], 1, 0);
    }
    if (buckets) RedisModule_Free(buckets);
    return REDISMODULE_OK;
}

/* ScanKey hands out strings valid during the callback only: keep copies. */
static void queryScanCb(RedisModuleKey *key, RedisModuleString *field, RedisModuleString *value,
                        void *privdata) {
    (void)key;
    resvScan *q = privdata;
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 16;
        q->f = RedisModule_Realloc(q->f, q->cap * sizeof *q->f);
        q->v = RedisModule_Realloc(q->v, q->cap * sizeof *q->v);
    }
    q->f[q->n] = RedisModule_CreateStringFromString(q->ctx, field);
    q->v[q->n] = value ? RedisModule_CreateStringFromString(q->ctx, value) : NULL;
    q->n++;
}

/* Collects a hash's or set's members. -1 on a key of another type. */
int resvScanCollect(RedisModuleCtx *ctx, RedisModuleString *keyname, int wantType, resvScan *q) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, keyname, REDISMODULE_READ);
    int type = RedisModule_KeyType(key);
    memset(q, 0, sizeof *q);
    q->ctx = ctx;
    if (type == wantType) {
        RedisModuleScanCursor *cur = RedisModule_ScanCursorCreate();
        while (RedisModule_ScanKey(key, cur, queryScanCb, q)) {
        }
        RedisModule_ScanCursorDestroy(cur);
    }
    RedisModule_CloseKey(key);
    return type == wantType || type == REDISMODULE_KEYTYPE_EMPTY ? 0 : -1;
}

void resvScanFree(resvScan *q) {
    RedisModule_Free(q->f);
    RedisModule_Free(q->v);
}

static int queryStrCmp(const void *a, const void *b) {
    size_t al, bl;
    const char *ap = RedisModule_StringPtrLen(*(RedisModuleString *const *)a, &al);
    const char *bp = RedisModule_StringPtrLen(*(RedisModuleString *const *)b, &bl);
    return queryMemberCmp(ap, al, bp, bl);
}

/* Sorts the pairs of a scan by field. */
void resvScanSort(resvScan *q) {
    /* Sort indices through a pair array so field and value stay together. */
    RedisModuleString **pairs = RedisModule_Alloc(q->n * 2 * sizeof *pairs + 1);
    for (size_t i = 0; i < q->n; i++)
        pairs[2 * i] = q->f[i], pairs[2 * i + 1] = q->v[i];
    qsort(pairs, q->n, 2 * sizeof *pairs, queryStrCmp);
    for (size_t i = 0; i < q->n; i++)
        q->f[i] = pairs[2 * i], q->v[i] = pairs[2 * i + 1];
    RedisModule_Free(pairs);
}

/* One audit entry as a map: `id` (its 1-based position in the kept list), the six
 * fixed fields always (empty ones too), `note` when there is one, `payload` when the
 * entry has one (an empty payload included). */
static void queryReplyHistoryEntry(RedisModuleCtx *ctx, long pos, RedisModuleString *el) {
    resvHistoryEntry e;
    size_t len = 0;
    const char *p = el ? RedisModule_StringPtrLen(el, &len) : "";
    char id[24];
    resvHistoryDecode(p, len, &e);
    RedisModule_ReplyWithMap(ctx, 1 + RESV_H_NOTE + (e.len[RESV_H_NOTE] > 0) + e.hasPayload);
    resvReplyName(ctx, "id");
    RedisModule_ReplyWithStringBuffer(ctx, id, (size_t)snprintf(id, sizeof id, "%ld", pos));
    for (int i = 0; i < RESV_H_COUNT; i++) {
        if ((i == RESV_H_NOTE && !e.len[i]) || (i == RESV_H_PAYLOAD && !e.hasPayload)) continue;
        resvReplyName(ctx, resvHistoryFieldNames[i]);
        RedisModule_ReplyWithStringBuffer(ctx, e.v[i], e.len[i]);
    }
}

/* RESV.HISTORY store id [COUNT n] */
int ResvHistory_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 3, "COUNT")) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    const char *s, *r;
    size_t sl, rl;
    long long count = -1;
    if (resvArgId(ctx, argv[1], "store", &s, &sl) ||
        resvArgId(ctx, argv[2], "reservation_id", &r, &rl))
        return REDISMODULE_OK;
    if (argc == 5) {
        if (resvArgRange(ctx, argv[4], "COUNT", 1, 1000000, &count)) return REDISMODULE_OK;
    }
    RedisModuleString *hkey = resvKeyHistory(ctx, s, sl, r, rl);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, hkey, REDISMODULE_READ);
    int type = RedisModule_KeyType(key);
    long len = 0;
    if (type == REDISMODULE_KEYTYPE_LIST) {
        len = (long)RedisModule_ValueLength(key);
    } else if (type != REDISMODULE_KEYTYPE_EMPTY) {
        RedisModule_CloseKey(key);
        return resvReplyWrongType(ctx, hkey);
    }
    long skip = count >= 0 && count < len ? len - (long)count : 0;
    RedisModule_ReplyWithArray(ctx, len - skip);
    for (long i = skip; i < len; i++) {
        /* ListGet walks on from the previous index: one pass over the list. */
        queryReplyHistoryEntry(ctx, i + 1, RedisModule_ListGet(key, i));
    }
    RedisModule_CloseKey(key);
    return REDISMODULE_OK;
}
