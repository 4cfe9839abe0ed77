/* Push back to the provider (two-way sync): RESV.OUTBOX, RESV.PUSHED, RESV.FAILURES and
 * RESV.RESYNC. A status change made through our API is queued in the store's outbox
 * stream by the same command that changes the status (resvChangeQueuePush, applied by
 * resvApplyChange), so no change is lost between the two; the sidecar reads the
 * outbox in order, delivers each entry and reports the result with RESV.PUSHED. */
#include <stdio.h>
#include <string.h>

#include "resv.h"

#define OUTBOX_ID_LEN 48 /* "<ms>-<seq>": two 20-digit numbers and a dash */

static int outboxIdString(char buf[OUTBOX_ID_LEN], const RedisModuleStreamID *id) {
    return snprintf(buf, OUTBOX_ID_LEN, "%llu-%llu", (unsigned long long)id->ms,
                    (unsigned long long)id->seq);
}

/* The value a field has after the change: set by it, else stored, else empty. */
static resvSpan outboxAfter(const resvChange *c, RedisModuleString **old, int f) {
    if (c->set[f]) return c->val[f];
    return resvSpanOf(old ? old[f] : NULL);
}

void resvChangeQueuePush(resvChange *c, RedisModuleString **old) {
    resvSpan was = resvSpanOf(old[RESV_F_SYNC_STATUS]);
    if (!c->set[RESV_F_SYNC_STATUS] && !(was.len == 7 && memcmp(was.v, "pending", 7) == 0))
        resvChangeNote(c, "sync_status");
    c->set[RESV_F_SYNC_STATUS] = 1;
    c->val[RESV_F_SYNC_STATUS] = (resvSpan){"pending", 7};
    c->push = 1;
    c->pushExternal = outboxAfter(c, old, RESV_F_EXTERNAL_RESERVATION_ID);
    c->pushArrival = outboxAfter(c, old, RESV_F_ARRIVAL_TIME);
    c->pushTable = outboxAfter(c, old, RESV_F_TABLE_NUMBER);
}

/* A change of push bookkeeping only (sync fields), on reservation r as stored in old[]:
 * no index, table or feed effect, and updated_at stays the provider's. */
static void outboxBookkeeping(RedisModuleCtx *ctx, resvChange *c, resvSpan store, resvSpan r,
                              RedisModuleString **old, const char *origin, const char *event) {
    memset(c, 0, sizeof *c);
    c->store = store;
    c->id = r;
    c->hadIndex = 1;
    c->oldStatus = c->newStatus = resvStoredStatus(old[RESV_F_STATUS]);
    c->origin = origin;
    c->actor = "";
    c->event = event;
    c->eventLen = strlen(event);
    resvStoreNow(ctx, store.v, store.len, c->now);
}

/* A lease of a store's background work (push, pull:<system>): resv:{S}:lease:<name>, a
 * string holding its owner, with an expiry; in the store's slot. */
static RedisModuleString *outboxKeyLease(RedisModuleCtx *ctx, resvSpan s, const char *name,
                                         size_t nl) {
    return RedisModule_CreateStringPrintf(ctx, RESV_KEY_LEASE, (int)s.len, s.v, (int)nl, name);
}

/* The owner holding a lease: 1 when owner holds it, 0 when nobody does, -1 when another
 * owner does, -2 on WRONGTYPE (replied). */
static int outboxLeaseHeld(RedisModuleCtx *ctx, RedisModuleString *lkey, RedisModuleString *owner) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, lkey, REDISMODULE_READ);
    int type = RedisModule_KeyType(key), res = 0;
    if (type == REDISMODULE_KEYTYPE_STRING) {
        size_t hl;
        const char *held = RedisModule_StringDMA(key, &hl, REDISMODULE_READ);
        resvSpan o = resvSpanOf(owner);
        res = hl == o.len && memcmp(held, o.v, hl) == 0 ? 1 : -1;
    } else if (type != REDISMODULE_KEYTYPE_EMPTY) {
        res = -2;
    }
    RedisModule_CloseKey(key);
    if (res == -2) resvReplyWrongType(ctx, lkey);
    return res;
}

/* RESV.LEASE store name owner ms */
int ResvLease_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (argc < 5) return resvReplyWrongArity(ctx);
    if (argc > 5) return resvReplySyntaxError(ctx, argv[5]);
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan s, n, o;
    long long ms;
    if (resvArgId(ctx, argv[1], "store", &s.v, &s.len) ||
        resvArgId(ctx, argv[2], "name", &n.v, &n.len) ||
        resvArgId(ctx, argv[3], "owner", &o.v, &o.len) ||
        resvArgRange(ctx, argv[4], "ms", 0, 86400000, &ms))
        return REDISMODULE_OK;
    RedisModuleString *lkey = outboxKeyLease(ctx, s, n.v, n.len);
    int held = outboxLeaseHeld(ctx, lkey, argv[3]);
    if (held == -2) return REDISMODULE_OK;
    if (held < 0) return RedisModule_ReplyWithLongLong(ctx, 0);
    int rc = 0;
    if (ms == 0) {
        /* Released by its owner: another may take it at once. */
        if (held) {
            resvArgv a = {.n = 0};
            resvArgvAddStr(&a, lkey);
            rc = resvWrite(ctx, "DEL", &a);
        }
    } else {
        /* Taken or renewed; SET ... PX is propagated as PXAT, so replicas and the AOF
         * expire it at the same instant. */
        char msbuf[24];
        resvArgv a = {.n = 0};
        resvArgvAddStr(&a, lkey);
        resvArgvAddStr(&a, argv[3]);
        resvArgvAddC(ctx, &a, "PX");
        resvArgvAdd(ctx, &a, msbuf, (size_t)snprintf(msbuf, sizeof msbuf, "%lld", ms));
        rc = resvWrite(ctx, "SET", &a);
    }
    if (rc) return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    return RedisModule_ReplyWithLongLong(ctx, 1);
}

/* RESV.OUTBOX store [COUNT n] */
int ResvOutbox_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 2, "COUNT")) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan s;
    long long count = 10;
    if (resvArgId(ctx, argv[1], "store", &s.v, &s.len)) return REDISMODULE_OK;
    if (argc == 4) {
        if (resvArgRange(ctx, argv[3], "COUNT", 1, 1000, &count)) return REDISMODULE_OK;
    }
    RedisModuleString *okey = resvKeyOutbox(ctx, s.v, s.len);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, okey, REDISMODULE_READ);
    int type = RedisModule_KeyType(key);
    if (type == REDISMODULE_KEYTYPE_EMPTY) {
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithArray(ctx, 0);
    }
    if (type != REDISMODULE_KEYTYPE_STREAM) {
        RedisModule_CloseKey(key);
        return resvReplyWrongType(ctx, okey);
    }
    long n = 0;
    RedisModule_ReplyWithArray(ctx, REDISMODULE_POSTPONED_LEN);
    if (RedisModule_StreamIteratorStart(key, 0, NULL, NULL) == REDISMODULE_OK) {
        RedisModuleStreamID id;
        long nf;
        while (n < count && RedisModule_StreamIteratorNextID(key, &id, &nf) == REDISMODULE_OK) {
            char idbuf[OUTBOX_ID_LEN];
            RedisModuleString *f, *v;
            RedisModule_ReplyWithArray(ctx, 2);
            RedisModule_ReplyWithStringBuffer(ctx, idbuf, (size_t)outboxIdString(idbuf, &id));
            RedisModule_ReplyWithMap(ctx, nf);
            while (RedisModule_StreamIteratorNextField(key, &f, &v) == REDISMODULE_OK) {
                RedisModule_ReplyWithString(ctx, f);
                RedisModule_ReplyWithString(ctx, v);
            }
            n++;
        }
        RedisModule_StreamIteratorStop(key);
    }
    RedisModule_CloseKey(key);
    RedisModule_ReplySetArrayLength(ctx, n);
    return REDISMODULE_OK;
}

/* What the outbox holds about entry `eid`: its reservation and status, and whether a
 * newer entry of the same reservation is queued. Returns 1 found, 0 not, -1 WRONGTYPE
 * (replied). */
static int outboxFind(RedisModuleCtx *ctx, RedisModuleString *okey, RedisModuleStreamID *eid,
                      RedisModuleString **rid, RedisModuleString **status, int *newer) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, okey, REDISMODULE_READ);
    int type = RedisModule_KeyType(key), found = 0;
    *rid = *status = NULL;
    *newer = 0;
    if (type != REDISMODULE_KEYTYPE_STREAM) {
        RedisModule_CloseKey(key);
        if (type == REDISMODULE_KEYTYPE_EMPTY) return 0;
        resvReplyWrongType(ctx, okey);
        return -1;
    }
    if (RedisModule_StreamIteratorStart(key, 0, eid, NULL) == REDISMODULE_OK) {
        RedisModuleStreamID id;
        long nf;
        while (RedisModule_StreamIteratorNextID(key, &id, &nf) == REDISMODULE_OK) {
            int first = !found && id.ms == eid->ms && id.seq == eid->seq;
            RedisModuleString *f, *v, *r = NULL, *st = NULL;
            /* Fields are drained for every entry: Redis 7.0 asserts otherwise. */
            while (RedisModule_StreamIteratorNextField(key, &f, &v) == REDISMODULE_OK) {
                if (resvStrEq(f, RESV_OUTBOX_RESERVATION_ID, strlen(RESV_OUTBOX_RESERVATION_ID)))
                    r = v;
                if (resvStrEq(f, RESV_OUTBOX_STATUS, strlen(RESV_OUTBOX_STATUS))) st = v;
            }
            if (!found && !first) break; /* the first entry is past eid: no such entry */
            if (first) {
                found = 1;
                *rid = r;
                *status = st;
                if (!r) break;
                continue;
            }
            if (r && RedisModule_StringCompare(r, *rid) == 0) {
                *newer = 1;
                break;
            }
        }
        RedisModule_StreamIteratorStop(key);
    }
    RedisModule_CloseKey(key);
    return found;
}

/* RESV.PUSHED store entry_id OK [LEASE owner]
 * RESV.PUSHED store entry_id FAILED error [LEASE owner] */
int ResvPushed_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (argc < 4) return resvReplyWrongArity(ctx);
    /* Words by position: OK, or FAILED and one argument of error text, then LEASE owner.
     * So an error text that reads LEASE is error text. With LEASE, the result is taken
     * only from the push lease's holder (or when nobody holds it). */
    int words = resvArgIs(argv[3], "OK") ? 4 : 5;
    if (argc >= words && resvArgsFixed(ctx, argv, argc, words, "LEASE")) return REDISMODULE_OK;
    RedisModuleString *leaseOwner = argc == words + 2 ? argv[words + 1] : NULL;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan s, err = {NULL, 0};
    RedisModuleStreamID eid;
    char canon[RESV_CANON_MAX];
    const char *why;
    int ok;
    if (resvArgId(ctx, argv[1], "store", &s.v, &s.len)) return REDISMODULE_OK;
    resvSpan owner;
    if (leaseOwner && resvArgId(ctx, leaseOwner, "owner", &owner.v, &owner.len))
        return REDISMODULE_OK;
    resvSpan e = resvSpanOf(argv[2]);
    /* StringToStreamID also takes "-" and "+" (the ends of a range): not an entry. */
    if (!e.len || e.v[0] < '0' || e.v[0] > '9' ||
        RedisModule_StringToStreamID(argv[2], &eid) != REDISMODULE_OK)
        return resvReplyError(ctx, RESV_E_ERR,
                              "invalid entry_id: must be a stream id such as 1700000000000-0");
    if (resvArgIs(argv[3], "OK"))
        ok = 1;
    else if (resvArgIs(argv[3], "FAILED"))
        ok = 0;
    else
        return resvReplyError(ctx, RESV_E_ERR, "invalid result: must be OK or FAILED");
    if (!ok) {
        if (argc < 5)
            return resvReplyError(ctx, RESV_E_ERR, "missing error: FAILED needs the error text");
        resvSpan v = resvSpanOf(argv[4]);
        if (!v.len) return resvReplyError(ctx, RESV_E_ERR, "invalid error: must not be empty");
        if (resvFieldCheck(&resvFields[RESV_F_SYNC_ERROR], v.v, v.len, canon, &err.v, &err.len,
                           &why))
            return resvReplyError(ctx, RESV_E_ERR, "invalid error: %s", why);
    }

    if (leaseOwner) {
        RedisModuleString *lkey =
            outboxKeyLease(ctx, s, RESV_LEASE_PUSH, sizeof(RESV_LEASE_PUSH) - 1);
        int held = outboxLeaseHeld(ctx, lkey, leaseOwner);
        if (held == -2) return REDISMODULE_OK;
        if (held < 0)
            return resvReplyError(ctx, RESV_E_CONFLICT,
                                  "lease push of store %.*s is held by another owner", (int)s.len,
                                  s.v);
    }
    RedisModuleString *okey = resvKeyOutbox(ctx, s.v, s.len);
    RedisModuleString *fkey = resvKeyFailures(ctx, s.v, s.len);
    RedisModuleString *rid, *entryStatus, *old[RESV_F_COUNT], *failed = NULL;
    int newer, exists = 0;
    int found = outboxFind(ctx, okey, &eid, &rid, &entryStatus, &newer);
    if (found < 0) return REDISMODULE_OK;
    if (!found) return RedisModule_ReplyWithLongLong(ctx, 0); /* delivered and reported before */
    resvSpan r = resvSpanOf(rid);
    if (resvIdValid(r.v, r.len)) {
        RedisModuleString *rkey = resvKeyRecord(ctx, s.v, s.len, r.v, r.len);
        exists = resvHashRead(ctx, rkey, resvFields, RESV_F_COUNT, old);
        if (exists < 0) return resvReplyWrongType(ctx, rkey);
        if (exists && (resvHistoryCheckType(ctx, s.v, s.len, r.v, r.len) ||
                       resvStoreSettingsCheckType(ctx, s.v, s.len)))
            return REDISMODULE_OK;
        if (resvHashGetOne(ctx, fkey, r, &failed) < 0) return resvReplyWrongType(ctx, fkey);
    }

    char idbuf[OUTBOX_ID_LEN], note[OUTBOX_ID_LEN + 8];
    int rc = resvWriteKeyMember(ctx, "XDEL", okey, idbuf, (size_t)outboxIdString(idbuf, &eid));
    /* A deleted reservation: the entry leaves the outbox, nothing else to record. */
    if (exists) {
        resvChange c;
        outboxBookkeeping(ctx, &c, s, r, old, "push", ok ? "pushed" : "push_failed");
        snprintf(note, sizeof note, "change %s", idbuf);
        c.note = note;
        if (ok && !newer) {
            /* The provider has the latest status: the reservation is in sync. */
            c.set[RESV_F_SYNC_STATUS] = 1;
            c.val[RESV_F_SYNC_STATUS] = (resvSpan){"success", 7};
            c.set[RESV_F_SYNCED_AT] = 1;
            c.val[RESV_F_SYNCED_AT] = (resvSpan){c.now, RESV_DATETIME_LEN};
            resvChangeNote(&c, "sync_status");
            resvChangeNote(&c, "synced_at");
            if (old[RESV_F_SYNC_ERROR]) {
                c.unset[RESV_F_SYNC_ERROR] = 1;
                resvChangeNote(&c, "sync_error");
            }
            if (failed) rc |= resvWriteKeyMember(ctx, "HDEL", fkey, r.v, r.len);
            rc |= resvApplyChange(ctx, &c);
        } else if (!ok) {
            /* Failed for good (the sidecar retried): kept in the failure log for
             * RESV.RESYNC. With a newer change queued, sync_status stays pending. */
            resvSpan est = resvSpanOf(entryStatus);
            RedisModuleString *line =
                RedisModule_CreateStringPrintf(ctx, "%s %.*s ", c.now, (int)est.len, est.v);
            RedisModule_StringAppendBuffer(ctx, line, err.v, err.len);
            resvArgv a = {.n = 0};
            resvArgvAddStr(&a, fkey);
            resvArgvAdd(ctx, &a, r.v, r.len);
            resvArgvAddStr(&a, line);
            rc |= resvWrite(ctx, "HSET", &a);
            if (!newer) {
                c.set[RESV_F_SYNC_STATUS] = 1;
                c.val[RESV_F_SYNC_STATUS] = (resvSpan){"failed", 6};
                resvChangeNote(&c, "sync_status");
            }
            c.set[RESV_F_SYNC_ERROR] = 1;
            c.val[RESV_F_SYNC_ERROR] = err;
            resvChangeNote(&c, "sync_error");
            rc |= resvApplyChange(ctx, &c);
        }
    }
    if (rc) return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    if (ok)
        resvStats.pushedOk++;
    else
        resvStats.pushedFailed++;
    return RedisModule_ReplyWithLongLong(ctx, 1);
}

/* A failure log value is "<failed_at> <status> <error>". */
static void outboxSplitFailure(RedisModuleString *val, resvSpan part[3]) {
    resvSpan v = resvSpanOf(val);
    for (int i = 0; i < 3; i++) {
        const char *sp = i < 2 ? memchr(v.v, ' ', v.len) : NULL;
        size_t n = sp ? (size_t)(sp - v.v) : v.len;
        part[i] = (resvSpan){v.v, n};
        v.v += n + (sp ? 1 : 0);
        v.len -= n + (sp ? 1 : 0);
    }
}

/* RESV.FAILURES store */
int ResvFailures_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 2, NULL)) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan s;
    if (resvArgId(ctx, argv[1], "store", &s.v, &s.len)) return REDISMODULE_OK;
    RedisModuleString *fkey = resvKeyFailures(ctx, s.v, s.len);
    resvScan q;
    if (resvScanCollect(ctx, fkey, REDISMODULE_KEYTYPE_HASH, &q))
        return resvReplyWrongType(ctx, fkey);
    resvScanSort(&q);
    RedisModule_ReplyWithArray(ctx, (long)q.n);
    for (size_t i = 0; i < q.n; i++) {
        resvSpan part[3];
        outboxSplitFailure(q.v[i], part);
        RedisModule_ReplyWithMap(ctx, 4);
        resvReplyName(ctx, "reservation_id");
        RedisModule_ReplyWithString(ctx, q.f[i]);
        resvReplyName(ctx, "status");
        RedisModule_ReplyWithStringBuffer(ctx, part[1].v, part[1].len);
        resvReplyName(ctx, "error");
        RedisModule_ReplyWithStringBuffer(ctx, part[2].v, part[2].len);
        resvReplyName(ctx, "failed_at");
        RedisModule_ReplyWithStringBuffer(ctx, part[0].v, part[0].len);
    }
    resvScanFree(&q);
    return REDISMODULE_OK;
}

/* Queues reservation r again with its current values and forgets its failure. */
static int outboxRequeue(RedisModuleCtx *ctx, resvSpan s, resvSpan r, RedisModuleString **old,
                         RedisModuleString *fkey, int inLog) {
    resvChange c;
    outboxBookkeeping(ctx, &c, s, r, old, resvOriginName(RESV_O_API), "resync");
    resvChangeQueuePush(&c, old);
    int rc = resvApplyChange(ctx, &c);
    if (inLog) rc |= resvWriteKeyMember(ctx, "HDEL", fkey, r.v, r.len);
    return rc;
}

/* RESV.RESYNC store [id] */
int ResvResync_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (argc < 2) return resvReplyWrongArity(ctx);
    if (argc > 3) return resvReplySyntaxError(ctx, argv[3]);
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan s, r = {NULL, 0};
    if (resvArgId(ctx, argv[1], "store", &s.v, &s.len) ||
        (argc == 3 && resvArgId(ctx, argv[2], "reservation_id", &r.v, &r.len)))
        return REDISMODULE_OK;
    RedisModuleString *fkey = resvKeyFailures(ctx, s.v, s.len);
    if (resvKeyCheckType(ctx, resvKeyOutbox(ctx, s.v, s.len), REDISMODULE_KEYTYPE_STREAM) ||
        resvKeyCheckType(ctx, fkey, REDISMODULE_KEYTYPE_HASH) ||
        resvStoreSettingsCheckType(ctx, s.v, s.len))
        return REDISMODULE_OK;

    if (r.v) {
        /* A manual re-sync of one reservation, in the failure log or not. */
        RedisModuleString *rkey = resvKeyRecord(ctx, s.v, s.len, r.v, r.len), *old[RESV_F_COUNT];
        RedisModuleString *failed;
        int exists = resvHashRead(ctx, rkey, resvFields, RESV_F_COUNT, old);
        if (exists < 0) return resvReplyWrongType(ctx, rkey);
        if (!exists)
            return resvReplyError(ctx, RESV_E_NOTFOUND, "reservation %.*s not found in store %.*s",
                                  (int)r.len, r.v, (int)s.len, s.v);
        if (resvHistoryCheckType(ctx, s.v, s.len, r.v, r.len)) return REDISMODULE_OK;
        if (!resvSpanOf(old[RESV_F_SYSTEM_ID]).len)
            return resvReplyError(ctx, RESV_E_CONFLICT,
                                  "reservation %.*s has no system_id: no provider to push it to",
                                  (int)r.len, r.v);
        resvHashGetOne(ctx, fkey, r, &failed);
        if (outboxRequeue(ctx, s, r, old, fkey, failed != NULL))
            return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
        resvStats.resyncs++;
        return RedisModule_ReplyWithLongLong(ctx, 1);
    }

    /* Every reservation of the failure log, in id order; all records are read before
     * the first write. */
    resvScan q;
    resvScanCollect(ctx, fkey, REDISMODULE_KEYTYPE_HASH, &q);
    resvScanSort(&q);
    RedisModuleString **olds = RedisModule_Alloc((q.n + 1) * RESV_F_COUNT * sizeof *olds);
    int *exists = RedisModule_Alloc((q.n + 1) * sizeof *exists);
    for (size_t i = 0; i < q.n; i++) {
        resvSpan id = resvSpanOf(q.f[i]);
        exists[i] = 0;
        if (!resvIdValid(id.v, id.len)) continue;
        RedisModuleString *rkey = resvKeyRecord(ctx, s.v, s.len, id.v, id.len);
        exists[i] = resvHashRead(ctx, rkey, resvFields, RESV_F_COUNT, olds + i * RESV_F_COUNT);
        if (exists[i] < 0 || (exists[i] && resvHistoryCheckType(ctx, s.v, s.len, id.v, id.len))) {
            int wrongRecord = exists[i] < 0;
            RedisModule_Free(olds);
            RedisModule_Free(exists);
            resvScanFree(&q);
            return wrongRecord ? resvReplyWrongType(ctx, rkey) : REDISMODULE_OK;
        }
    }
    long long queued = 0;
    int rc = 0;
    for (size_t i = 0; i < q.n; i++) {
        resvSpan id = resvSpanOf(q.f[i]);
        if (!exists[i] || !resvSpanOf(olds[i * RESV_F_COUNT + RESV_F_SYSTEM_ID]).len) {
            /* Deleted since it failed, or a booking of our own (no provider to tell):
             * nothing to re-send. */
            rc |= resvWriteKeyMember(ctx, "HDEL", fkey, id.v, id.len);
            continue;
        }
        rc |= outboxRequeue(ctx, s, id, olds + i * RESV_F_COUNT, fkey, 1);
        queued++;
    }
    RedisModule_Free(olds);
    RedisModule_Free(exists);
    resvScanFree(&q);
    if (rc) return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    resvStats.resyncs += (unsigned long long)queued;
    return RedisModule_ReplyWithLongLong(ctx, queued);
}
