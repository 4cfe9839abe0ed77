/* Walk-ins: the waitlist of a store (RESV.WAIT.ADD/LIST/SEAT/DEL), a stream
 * resv:{S}:wait whose entry ids name the parties waiting. Seating one creates a seated
 * reservation through RESV.UPSERT, so a walk-in meets the same floor rules (a table held
 * over the party's turn is refused) and the same index, audit and feed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resv.h"

/* Parties waiting in one store: RESV.WAIT.ADD refuses more, so RESV.WAIT.LIST, which
 * estimates every entry over every table, shows them all. */
#define WAIT_ENTRIES_MAX 1000

int resvWalkInWriting;

static RedisModuleString *waitKey(RedisModuleCtx *ctx, resvSpan s) {
    return RedisModule_CreateStringPrintf(ctx, RESV_KEY_WAIT, (int)s.len, s.v);
}

/* A stream entry id argument "<ms>-<seq>". */
static int waitArgEntry(RedisModuleCtx *ctx, RedisModuleString *arg, resvSpan *e) {
    *e = resvSpanOf(arg);
    size_t dash = 0, i;
    for (i = 0; i < e->len; i++) {
        if (e->v[i] == '-' && !dash && i)
            dash = i;
        else if (e->v[i] < '0' || e->v[i] > '9')
            break;
    }
    if (i == e->len && dash && dash + 1 < e->len && e->len <= 41) return 0;
    resvReplyError(ctx, RESV_E_ERR,
                   "invalid entry: must be a waitlist entry id like 1709316000000-0");
    return -1;
}

/* The fields of one entry (NULL when absent). -1 after a WRONGTYPE reply. */
static int waitRead(RedisModuleCtx *ctx, resvSpan store, resvSpan entry, RedisModuleString **f) {
    RedisModuleString *k = waitKey(ctx, store);
    if (resvKeyCheckType(ctx, k, REDISMODULE_KEYTYPE_STREAM)) return -1;
    for (int i = 0; i < 4; i++)
        f[i] = NULL;
    RedisModuleCallReply *r =
        RedisModule_Call(ctx, "XRANGE", "sbb", k, entry.v, entry.len, entry.v, entry.len);
    if (!r || RedisModule_CallReplyType(r) != REDISMODULE_REPLY_ARRAY ||
        RedisModule_CallReplyLength(r) != 1)
        return 0;
    RedisModuleCallReply *kv =
        RedisModule_CallReplyArrayElement(RedisModule_CallReplyArrayElement(r, 0), 1);
    static const char *names[4] = {RESV_WAIT_NAME, RESV_WAIT_PHONE, RESV_WAIT_PARTY,
                                   RESV_WAIT_ADDED_AT};
    for (size_t i = 0; i + 1 < RedisModule_CallReplyLength(kv); i += 2) {
        RedisModuleString *n =
            RedisModule_CreateStringFromCallReply(RedisModule_CallReplyArrayElement(kv, i));
        for (int j = 0; j < 4; j++)
            if (resvStrEq(n, names[j], strlen(names[j])))
                f[j] = RedisModule_CreateStringFromCallReply(
                    RedisModule_CallReplyArrayElement(kv, i + 1));
    }
    return 1;
}

/* RESV.WAIT.ADD store name phone party */
int ResvWaitAdd_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 5, NULL)) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan store, v[3];
    static const resvField fields[3] = {RESV_F_CUSTOMER_NAME, RESV_F_CUSTOMER_PHONE,
                                        RESV_F_CUSTOMER_COUNT};
    char canon[3][RESV_CANON_MAX];
    if (resvArgId(ctx, argv[1], "store", &store.v, &store.len)) return REDISMODULE_OK;
    for (int i = 0; i < 3; i++) {
        resvSpan a = resvSpanOf(argv[2 + i]);
        const char *why;
        if (resvFieldCheck(&resvFields[fields[i]], a.v, a.len, canon[i], &v[i].v, &v[i].len,
                           &why) ||
            (i < 2 && !a.len))
            return resvReplyError(ctx, RESV_E_ERR, "invalid %s: %s",
                                  i == 0   ? "name"
                                  : i == 1 ? "phone"
                                           : "party",
                                  a.len ? why : "must not be empty");
    }
    RedisModuleString *k = waitKey(ctx, store);
    if (resvKeyCheckType(ctx, k, REDISMODULE_KEYTYPE_STREAM) ||
        resvStoreSettingsCheckType(ctx, store.v, store.len))
        return REDISMODULE_OK;
    RedisModuleCallReply *len = RedisModule_Call(ctx, "XLEN", "s", k);
    if (len && RedisModule_CallReplyInteger(len) >= WAIT_ENTRIES_MAX)
        return resvReplyError(ctx, RESV_E_CONFLICT,
                              "waitlist is full: a store has at most %d parties waiting",
                              WAIT_ENTRIES_MAX);
    char now[RESV_DATETIME_LEN + 1];
    resvStoreNow(ctx, store.v, store.len, now);
    /* "!" replicates the XADD with the id it got: a replica holds the same entry. */
    RedisModuleCallReply *r =
        RedisModule_Call(ctx, "XADD", "!sccbcbcbcb", k, "*", RESV_WAIT_NAME, v[0].v, v[0].len,
                         RESV_WAIT_PHONE, v[1].v, v[1].len, RESV_WAIT_PARTY, v[2].v, v[2].len,
                         RESV_WAIT_ADDED_AT, now, (size_t)RESV_DATETIME_LEN);
    if (!r || RedisModule_CallReplyType(r) != REDISMODULE_REPLY_STRING)
        return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    RedisModule_ReplyWithMap(ctx, 5);
    resvReplyName(ctx, "entry");
    RedisModule_ReplyWithCallReply(ctx, r);
    resvReplyName(ctx, RESV_WAIT_NAME);
    RedisModule_ReplyWithStringBuffer(ctx, v[0].v, v[0].len);
    resvReplyName(ctx, RESV_WAIT_PHONE);
    RedisModule_ReplyWithStringBuffer(ctx, v[1].v, v[1].len);
    resvReplyName(ctx, RESV_WAIT_PARTY);
    RedisModule_ReplyWithStringBuffer(ctx, v[2].v, v[2].len);
    resvReplyName(ctx, RESV_WAIT_ADDED_AT);
    return RedisModule_ReplyWithStringBuffer(ctx, now, RESV_DATETIME_LEN);
}

/* Two tables of the inventory that join (by their index). */
typedef struct {
    size_t a, b;
} waitPair;

/* The index of table `name` in the inventory (sorted by name, byte order), or -1. */
static long waitTableIndex(const resvScan *q, const char *name, size_t len) {
    size_t lo = 0, hi = q->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        resvSpan m = resvSpanOf(q->f[mid]);
        int c = memcmp(m.v, name, m.len < len ? m.len : len);
        if (!c) c = (m.len > len) - (m.len < len);
        if (!c) return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The inventory's joinable pairs, found once per call from each table's JOINS (a pair
 * joins when either lists the other, as in RESV.AVAILABILITY): at most 8 per table, in
 * pool memory. */
static size_t waitPairs(RedisModuleCtx *ctx, const resvScan *q, const resvTableSpec *t,
                        waitPair **out) {
    size_t n = 0;
    *out = RedisModule_PoolAlloc(ctx, (q->n * RESV_FLOOR_JOIN_MAX + 1) * sizeof **out);
    for (size_t a = 0; a < q->n; a++) {
        resvIdPart parts[RESV_FLOOR_JOIN_MAX];
        resvSpan na = resvSpanOf(q->f[a]);
        int k = t[a].joinsLen
                    ? resvIdSplit(t[a].joins, t[a].joinsLen, ',', parts, RESV_FLOOR_JOIN_MAX)
                    : 0;
        for (int j = 0; j < k; j++) {
            long b = waitTableIndex(q, parts[j].v, parts[j].len);
            if (b < 0 || (size_t)b == a) continue;
            /* listed by both: kept once, from the first of the two */
            if ((size_t)b < a && resvJoinsHas(t[b].joins, t[b].joinsLen, na.v, na.len)) continue;
            (*out)[n++] = (waitPair){a, (size_t)b};
        }
    }
    return n;
}

/* The wait in minutes of a party: the table that seats it, or the joinable pair that
 * seats it where neither table does alone, free soonest for a whole turn (of those free
 * as soon, the fewest seats: big ones stay for big parties); it is then busy for that
 * turn. -1 when nothing seats the party. */
static long long waitEstimate(const resvHoldList *h, resvInstant *busy, const resvTableSpec *t,
                              size_t nt, const waitPair *p, size_t np, long party, resvInstant now,
                              resvInstant turn) {
    long best = -1, seats = 0;
    resvInstant at = 0;
    for (size_t i = 0; i < nt; i++) {
        if (t[i].seats < party) continue;
        resvInstant g = resvFloorFirstGap(busy[i], turn, h[i].s, h[i].e, h[i].n);
        if (best < 0 || g < at || (g == at && t[i].seats < seats))
            best = (long)i, at = g, seats = t[i].seats;
    }
    for (size_t k = 0; k < np; k++) {
        const resvHoldList *a = &h[p[k].a], *b = &h[p[k].b];
        long sa = t[p[k].a].seats, sb = t[p[k].b].seats;
        if (sa >= party || sb >= party || sa + sb < party) continue;
        resvInstant from = busy[p[k].a] > busy[p[k].b] ? busy[p[k].a] : busy[p[k].b];
        resvInstant g = resvFloorFirstGapBoth(from, turn, a->s, a->e, a->n, b->s, b->e, b->n);
        if (best < 0 || g < at || (g == at && sa + sb < seats))
            best = (long)(nt + k), at = g, seats = sa + sb;
    }
    if (best < 0) return -1;
    if ((size_t)best < nt)
        busy[best] = at + turn;
    else
        busy[p[best - nt].a] = busy[p[best - nt].b] = at + turn;
    return (at - now + 59) / 60;
}

/* RESV.WAIT.LIST store: the entries, oldest first, each with its position and, when the
 * store has an inventory, estimated_wait_minutes: the parties ahead take, in order, the
 * table or joined pair that seats them soonest for turn_minutes (waitEstimate). */
int ResvWaitList_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 2, NULL)) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan store;
    if (resvArgId(ctx, argv[1], "store", &store.v, &store.len)) return REDISMODULE_OK;
    RedisModuleString *k = waitKey(ctx, store);
    if (resvKeyCheckType(ctx, k, REDISMODULE_KEYTYPE_STREAM) ||
        resvStoreSettingsCheckType(ctx, store.v, store.len))
        return REDISMODULE_OK;
    resvScan q;
    resvTableSpec *t;
    if (resvFloorInventory(ctx, store, &q, &t) < 0) return REDISMODULE_OK;
    resvInstant now = resvFloorNow(ctx, store);
    resvInstant turn = (resvInstant)resvFloorTurnMinutes(ctx, store) * 60;
    /* When each table is free next (resv_floor.h): its holds from now on, and until
     * when a party ahead in the list takes it. */
    resvHoldList *h = RedisModule_Alloc((q.n ? q.n : 1) * sizeof *h);
    resvInstant *busyUntil = RedisModule_PoolAlloc(ctx, (q.n ? q.n : 1) * sizeof *busyUntil);
    int rc = resvHoldWindows(ctx, store, q.f, q.n, now - RESV_FLOOR_HOLD_MAX, INT64_MAX / 2, h);
    for (size_t i = 0; i < q.n; i++)
        busyUntil[i] = now;
    waitPair *pairs;
    size_t npairs = waitPairs(ctx, &q, t, &pairs);
    if (rc >= 0) {
        char count[16];
        snprintf(count, sizeof count, "%d", WAIT_ENTRIES_MAX);
        RedisModuleCallReply *r =
            RedisModule_Call(ctx, "XRANGE", "scccc", k, "-", "+", "COUNT", count);
        size_t n = r && RedisModule_CallReplyType(r) == REDISMODULE_REPLY_ARRAY
                       ? RedisModule_CallReplyLength(r)
                       : 0;
        RedisModule_ReplyWithArray(ctx, (long)n);
        for (size_t e = 0; e < n; e++) {
            RedisModuleCallReply *el = RedisModule_CallReplyArrayElement(r, e);
            RedisModuleCallReply *kv = RedisModule_CallReplyArrayElement(el, 1);
            size_t nkv = RedisModule_CallReplyLength(kv);
            long party = 0;
            RedisModule_ReplyWithMap(ctx, REDISMODULE_POSTPONED_LEN);
            resvReplyName(ctx, "entry");
            RedisModule_ReplyWithCallReply(ctx, RedisModule_CallReplyArrayElement(el, 0));
            for (size_t i = 0; i + 1 < nkv; i += 2) {
                RedisModuleCallReply *f = RedisModule_CallReplyArrayElement(kv, i);
                RedisModuleCallReply *v = RedisModule_CallReplyArrayElement(kv, i + 1);
                RedisModule_ReplyWithCallReply(ctx, f);
                RedisModule_ReplyWithCallReply(ctx, v);
                size_t fl, vl;
                const char *fp = RedisModule_CallReplyStringPtr(f, &fl);
                const char *vp = RedisModule_CallReplyStringPtr(v, &vl);
                if (fl == strlen(RESV_WAIT_PARTY) && !memcmp(fp, RESV_WAIT_PARTY, fl) && vl < 8) {
                    char b[8];
                    memcpy(b, vp, vl);
                    b[vl] = '\0';
                    party = strtol(b, NULL, 10);
                }
            }
            resvReplyName(ctx, "position");
            RedisModule_ReplyWithLongLong(ctx, (long long)e + 1);
            long fields = 2 + (long)nkv / 2;
            if (q.n) {
                resvReplyName(ctx, "estimated_wait_minutes");
                RedisModule_ReplyWithLongLong(
                    ctx, waitEstimate(h, busyUntil, t, q.n, pairs, npairs, party, now, turn));
                fields++;
            }
            RedisModule_ReplySetMapLength(ctx, fields);
        }
    }
    RedisModule_Free(h);
    resvScanFree(&q);
    return REDISMODULE_OK;
}

/* RESV.UPSERT's refusal (counted there) in this command's words: the party is the
 * entry's `party`, which the caller gave, not customer_count. */
static int waitSeatRefused(RedisModuleCtx *ctx, RedisModuleCallReply *r) {
    char from[64], msg[512];
    size_t len, fl = (size_t)snprintf(from, sizeof from,
                                      "ERR invalid %s:", resvFields[RESV_F_CUSTOMER_COUNT].name);
    const char *e = RedisModule_CallReplyStringPtr(r, &len);
    if (len < fl || memcmp(e, from, fl)) return RedisModule_ReplyWithCallReply(ctx, r);
    snprintf(msg, sizeof msg, "ERR invalid " RESV_WAIT_PARTY ":%.*s", (int)(len - fl), e + fl);
    return RedisModule_ReplyWithError(ctx, msg);
}

/* RESV.WAIT.SEAT store entry table_number [ACTOR a]: a seated reservation walkin-<entry>
 * (source, audit origin and event walk_in, by ACTOR; reservation_date, a single
 * reservation_time and arrival_time of now), then the entry leaves the list. Refused as
 * RESV.UPSERT refuses it (a table held over the turn, a party over the seats, a table
 * seated already), and then nothing changes. */
int ResvWaitSeat_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 4, "ACTOR")) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan store, entry, table = resvSpanOf(argv[3]);
    char tbuf[RESV_CANON_MAX];
    const char *why;
    if (resvArgId(ctx, argv[1], "store", &store.v, &store.len) ||
        waitArgEntry(ctx, argv[2], &entry))
        return REDISMODULE_OK;
    if (resvFieldCheck(&resvFields[RESV_F_TABLE_NUMBER], table.v, table.len, tbuf, &table.v,
                       &table.len, &why))
        return resvReplyError(ctx, RESV_E_ERR, "invalid table_number: %s", why);
    RedisModuleString *f[4];
    int found = waitRead(ctx, store, entry, f);
    if (found < 0) return REDISMODULE_OK;
    if (!found || !f[0] || !f[2])
        return resvReplyError(ctx, RESV_E_NOTFOUND, "waitlist entry %.*s not found in store %.*s",
                              (int)entry.len, entry.v, (int)store.len, store.v);
    if (resvStoreSettingsCheckType(ctx, store.v, store.len)) return REDISMODULE_OK;
    char now[RESV_DATETIME_LEN + 1], id[64];
    resvStoreNow(ctx, store.v, store.len, now);
    int idl = snprintf(id, sizeof id, RESV_WALK_IN_PREFIX "%.*s", (int)entry.len, entry.v);
    if (resvKeyExists(ctx, resvKeyRecord(ctx, store.v, store.len, id, (size_t)idl)))
        return resvReplyError(ctx, RESV_E_CONFLICT, "reservation %s exists already", id);
    /* RESV.UPSERT itself, so the walk-in meets every rule of a write. Called with "!":
       a module command is never propagated as itself, only its effects are (each write
       of it as the values the master computed), then the entry's XDEL; without "!" a
       nested call's effects would not reach the replica at all. */
    resvArgv a = {.n = 0};
    resvArgvAdd(ctx, &a, store.v, store.len);
    resvArgvAdd(ctx, &a, id, (size_t)idl);
    const char *walkIn = resvOriginName(RESV_O_WALK_IN);
    resvArgvAddC(ctx, &a, "ORIGIN");
    resvArgvAddC(ctx, &a, walkIn);
    if (argc == 6) { /* checked there, as every ACTOR */
        resvArgvAddC(ctx, &a, "ACTOR");
        resvArgvAddStr(&a, argv[5]);
    }
    resvArgvAddC(ctx, &a, "EVENT");
    resvArgvAddC(ctx, &a, walkIn);
    resvArgvAddC(ctx, &a, "REPLY");
    resvArgvAddC(ctx, &a, "RECORD");
    resvArgvAddC(ctx, &a, "reservation_date");
    resvArgvAdd(ctx, &a, now, 10);
    resvArgvAddC(ctx, &a, "reservation_time");
    resvArgvAdd(ctx, &a, now + 11, 5);
    resvArgvAddC(ctx, &a, "arrival_time"); /* here now, as an arrived booking */
    resvArgvAdd(ctx, &a, now, RESV_DATETIME_LEN);
    resvArgvAddC(ctx, &a, "customer_name");
    resvArgvAddStr(&a, f[0]);
    if (f[1] && RedisModule_StringPtrLen(f[1], NULL)[0]) {
        resvArgvAddC(ctx, &a, "customer_phone");
        resvArgvAddStr(&a, f[1]);
    }
    resvArgvAddC(ctx, &a, "customer_count");
    resvArgvAddStr(&a, f[2]);
    resvArgvAddC(ctx, &a, "table_number");
    resvArgvAdd(ctx, &a, table.v, table.len);
    resvArgvAddC(ctx, &a, "status");
    resvArgvAddC(ctx, &a, "seated");
    resvArgvAddC(ctx, &a, "source");
    resvArgvAddC(ctx, &a, walkIn);
    resvWalkInWriting = 1;
    RedisModuleCallReply *r = RedisModule_Call(ctx, "RESV.UPSERT", "!v", a.v, a.n);
    resvWalkInWriting = 0;
    if (!r) return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    if (RedisModule_CallReplyType(r) == REDISMODULE_REPLY_ERROR) return waitSeatRefused(ctx, r);
    if (resvWriteKeyMember(ctx, "XDEL", waitKey(ctx, store), entry.v, entry.len))
        return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    /* [created, the reservation]: the reservation */
    return RedisModule_ReplyWithCallReply(ctx, RedisModule_CallReplyArrayElement(r, 1));
}

/* RESV.WAIT.DEL store entry */
int ResvWaitDel_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 3, NULL)) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan store, entry;
    if (resvArgId(ctx, argv[1], "store", &store.v, &store.len) ||
        waitArgEntry(ctx, argv[2], &entry))
        return REDISMODULE_OK;
    RedisModuleString *f[4];
    int found = waitRead(ctx, store, entry, f);
    if (found < 0) return REDISMODULE_OK;
    if (!found) return RedisModule_ReplyWithLongLong(ctx, 0);
    if (resvWriteKeyMember(ctx, "XDEL", waitKey(ctx, store), entry.v, entry.len))
        return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    return RedisModule_ReplyWithLongLong(ctx, 1);
}
