/* The floor: a store's table inventory (RESV.TABLE.SET, RESV.TABLE.DEL, RESV.TABLES)
 * and the holds of tables over time that every reservation write keeps exact
 * (resv_cmds.c decides with resv_plan.h, this file reads and writes the keys). Keys in
 * the store's slot (keys.md): resv:{S}:floor, resv:{S}:hold:<table>, resv:{S}:held. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resv.h"
#include "resv_plan.h"

/* ---- keys ---- */

RedisModuleString *resvKeyFloor(RedisModuleCtx *ctx, const char *s, size_t sl) {
    resvSpan p[] = {{RESV_SPAN(RESV_KEY_STORE_OPEN)}, {s, sl}, {RESV_SPAN(RESV_KEY_FLOOR_TAIL)}};
    return resvKeyJoin(ctx, p, 3);
}

RedisModuleString *resvKeyHold(RedisModuleCtx *ctx, const char *s, size_t sl, const char *t,
                               size_t tl) {
    resvSpan p[] = {
        {RESV_SPAN(RESV_KEY_STORE_OPEN)}, {s, sl}, {RESV_SPAN(RESV_KEY_HOLD_SEP)}, {t, tl}};
    return resvKeyJoin(ctx, p, 4);
}

RedisModuleString *resvKeyHeld(RedisModuleCtx *ctx, const char *s, size_t sl) {
    resvSpan p[] = {{RESV_SPAN(RESV_KEY_STORE_OPEN)}, {s, sl}, {RESV_SPAN(RESV_KEY_HELD_TAIL)}};
    return resvKeyJoin(ctx, p, 3);
}

/* ---- the store's settings, as the floor needs them ---- */

/* One numeric setting (resv_settings.h): one HashGet, its default when unset. */
static long tablesSetting(RedisModuleCtx *ctx, resvSpan store, resvSetting which) {
    RedisModuleString *v = NULL;
    const resvSettingSpec *sp = &resvSettings[which];
    resvSpan field = {sp->name, strlen(sp->name)};
    long n;
    const char *why;
    if (resvHashGetOne(ctx, resvKeySettings(ctx, store.v, store.len), field, &v) || !v)
        return sp->def;
    resvSpan t = resvSpanOf(v);
    return resvSettingCheck(which, t.v, t.len, &n, &why) ? sp->def : n;
}

int resvFloorTurnMinutes(RedisModuleCtx *ctx, resvSpan store) {
    return (int)tablesSetting(ctx, store, RESV_ST_TURN_MINUTES);
}

int resvFloorSlotMinutes(RedisModuleCtx *ctx, resvSpan store) {
    return (int)tablesSetting(ctx, store, RESV_ST_SLOT_MINUTES);
}

void resvFloorPacing(RedisModuleCtx *ctx, resvSpan store, long *maxCovers, long *maxParties) {
    *maxCovers = tablesSetting(ctx, store, RESV_ST_MAX_COVERS_PER_SLOT);
    *maxParties = tablesSetting(ctx, store, RESV_ST_MAX_PARTIES_PER_SLOT);
}

resvInstant resvFloorNow(RedisModuleCtx *ctx, resvSpan store) {
    return resvStoreNow(ctx, store.v, store.len, NULL);
}

/* ---- reading ---- */

int resvFloorExists(RedisModuleCtx *ctx, resvSpan store) {
    RedisModuleString *k = resvKeyFloor(ctx, store.v, store.len);
    int t = resvKeyType(ctx, k);
    if (t == REDISMODULE_KEYTYPE_EMPTY) return 0;
    if (t == REDISMODULE_KEYTYPE_HASH) return 1;
    resvReplyWrongType(ctx, k);
    return -1;
}

int resvFloorTable(RedisModuleCtx *ctx, resvSpan store, resvSpan table, resvTableSpec *out) {
    RedisModuleString *k = resvKeyFloor(ctx, store.v, store.len), *v;
    if (resvHashGetOne(ctx, k, table, &v) < 0) return resvReplyWrongType(ctx, k), -1;
    if (!v) return 0;
    resvSpan sp = resvSpanOf(v);
    return resvTableSpecDecode(sp.v, sp.len, out) == 0; /* a value not ours: no table */
}

int resvHeldRead(RedisModuleCtx *ctx, resvSpan store, resvSpan r, resvInstant *start,
                 resvInstant *end, resvSpan *table) {
    RedisModuleString *k = resvKeyHeld(ctx, store.v, store.len), *v;
    *table = (resvSpan){"", 0};
    if (resvHashGetOne(ctx, k, r, &v) < 0) return resvReplyWrongType(ctx, k), -1;
    if (!v) return 0;
    resvSpan sp = resvSpanOf(v);
    return resvHeldDecode(sp.v, sp.len, start, end, &table->v, &table->len) == 0;
}

/* The end of reservation r's hold (its start when it holds nothing readable); never
 * replies: the callers checked the held hash's type, or read around it. */
static resvInstant tablesHeldEnd(RedisModuleCtx *ctx, resvSpan store, RedisModuleString *r,
                                 resvInstant *start) {
    RedisModuleString *v = NULL;
    resvInstant s = *start, e = *start;
    resvSpan t, rs = resvSpanOf(r);
    if (resvHashGetOne(ctx, resvKeyHeld(ctx, store.v, store.len), rs, &v) || !v) return *start;
    resvSpan sp = resvSpanOf(v);
    if (resvHeldDecode(sp.v, sp.len, &s, &e, &t.v, &t.len)) return *start;
    *start = s;
    return e;
}

/* Opens the hold set of one table; NULL when absent, and -1 in *err after WRONGTYPE. */
static RedisModuleKey *tablesHoldOpen(RedisModuleCtx *ctx, resvSpan store, resvSpan table,
                                      int *err) {
    RedisModuleString *k = resvKeyHold(ctx, store.v, store.len, table.v, table.len);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, k, REDISMODULE_READ);
    int type = RedisModule_KeyType(key);
    *err = 0;
    if (type == REDISMODULE_KEYTYPE_ZSET) return key;
    RedisModule_CloseKey(key);
    if (type != REDISMODULE_KEYTYPE_EMPTY) *err = -1, resvReplyWrongType(ctx, k);
    return NULL;
}

/* The party seated at `table` (the seated-table hash) and the window it holds the table
 * over: a seated party keeps its table until it leaves, so while seated its hold covers
 * its window and at least [now, now + slot_minutes), moving on with the clock (docs/
 * commands.md, The floor). 1 found, 0 nobody seated; never replies (a hash of another
 * type seats nobody). */
static int tablesSeatedHold(RedisModuleCtx *ctx, resvSpan store, resvSpan table,
                            RedisModuleString **who, resvInstant *s, resvInstant *e) {
    RedisModuleString *k = resvKeyTables(ctx, store.v, store.len);
    if (resvHashGetOne(ctx, k, table, who) || !*who) return *who = NULL, 0;
    resvInstant now = resvFloorNow(ctx, store);
    *s = now;
    *e = tablesHeldEnd(ctx, store, *who, s); /* now, now: none */
    resvPlanSeatedWindow(now, (resvInstant)resvFloorSlotMinutes(ctx, store) * 60, s, e);
    return 1;
}

/* The first hold of `table` (other than self) with start in [lo, hi) and an end after
 * `after`, or the seated party's (tablesSeatedHold) when it overlaps [-, hi) past
 * `after` and starts first: its holder and window. 1 found, 0 none, -1 after a
 * WRONGTYPE reply. */
static int tablesHoldFind(RedisModuleCtx *ctx, resvSpan store, resvSpan table, resvInstant lo,
                          resvInstant hi, resvInstant after, resvSpan self,
                          RedisModuleString **holder, resvInstant *hs, resvInstant *he) {
    int err, found = 0;
    RedisModuleKey *key = tablesHoldOpen(ctx, store, table, &err);
    if (err) return err;
    RedisModuleString *who;
    resvInstant ss, se;
    int seated = tablesSeatedHold(ctx, store, table, &who, &ss, &se) &&
                 !(self.len && resvStrEq(who, self.v, self.len));
    if (key &&
        RedisModule_ZsetFirstInScoreRange(key, (double)lo, (double)hi, 0, 1) == REDISMODULE_OK) {
        while (!found && !RedisModule_ZsetRangeEndReached(key)) {
            double score;
            RedisModuleString *m = RedisModule_ZsetRangeCurrentElement(key, &score);
            RedisModule_ZsetRangeNext(key);
            if (self.len && resvStrEq(m, self.v, self.len)) continue;
            if (seated && resvStrEq(m, resvSpanOf(who).v, resvSpanOf(who).len)) continue;
            resvInstant s = (resvInstant)score, e = tablesHeldEnd(ctx, store, m, &s);
            if (e <= after) continue;
            *holder = m;
            *hs = s;
            *he = e;
            found = 1;
        }
        RedisModule_ZsetRangeStop(key);
    }
    if (key) RedisModule_CloseKey(key);
    if (seated && ss < hi && se > after && (!found || ss <= *hs)) {
        *holder = who;
        *hs = ss;
        *he = se;
        found = 1;
    }
    return found;
}

int resvHoldOverlap(RedisModuleCtx *ctx, resvSpan store, resvSpan table, resvInstant start,
                    resvInstant end, resvSpan self, RedisModuleString **holder, resvInstant *hs,
                    resvInstant *he) {
    return tablesHoldFind(ctx, store, table, start - RESV_FLOOR_HOLD_MAX, end, start, self, holder,
                          hs, he);
}

int resvHoldCheckType(RedisModuleCtx *ctx, resvSpan store, resvSpan tableNumber) {
    resvIdPart parts[RESV_FLOOR_JOIN_MAX];
    int n = tableNumber.len
                ? resvIdSplit(tableNumber.v, tableNumber.len, '+', parts, RESV_FLOOR_JOIN_MAX)
                : 0;
    for (int i = 0; i < n; i++)
        if (resvKeyCheckType(ctx, resvKeyHold(ctx, store.v, store.len, parts[i].v, parts[i].len),
                             REDISMODULE_KEYTYPE_ZSET))
            return -1;
    return resvKeyCheckType(ctx, resvKeyHeld(ctx, store.v, store.len), REDISMODULE_KEYTYPE_HASH);
}

/* One hold read from a table's set, whose window the held hash completes. A
 * reservation holding joined tables is in each one's set: refs of one name are chained
 * by `next`. */
typedef struct {
    RedisModuleString *m;
    resvSpan name;
    resvInstant *s, *e;
    long next;
} tablesHoldRef;

/* The refs by name, for one pass over the held hash: open addressing, a slot per ref
 * twice over (a sort of the names cost more than the pass itself). */
typedef struct {
    tablesHoldRef *refs;
    long *slot;
    size_t mask;
} tablesHoldIndex;

static size_t tablesHash(resvSpan s) {
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (size_t i = 0; i < s.len; i++)
        h = (h ^ (unsigned char)s.v[i]) * 1099511628211ULL;
    return (size_t)h;
}

/* The slot of name: its chain's head, or the empty slot where it goes. */
static size_t tablesIndexSlot(const tablesHoldIndex *x, resvSpan name) {
    size_t i = tablesHash(name) & x->mask;
    for (long r; (r = x->slot[i]) >= 0; i = (i + 1) & x->mask)
        if (x->refs[r].name.len == name.len && !memcmp(x->refs[r].name.v, name.v, name.len)) break;
    return i;
}

static void tablesHeldScanCb(RedisModuleKey *key, RedisModuleString *field,
                             RedisModuleString *value, void *privdata) {
    (void)key;
    tablesHoldIndex *x = privdata;
    long r = x->slot[tablesIndexSlot(x, resvSpanOf(field))];
    resvSpan v = resvSpanOf(value), t;
    resvInstant s, e;
    if (r < 0 || resvHeldDecode(v.v, v.len, &s, &e, &t.v, &t.len)) return;
    for (; r >= 0; r = x->refs[r].next)
        *x->refs[r].s = s, *x->refs[r].e = e;
}

/* The windows of the holds read: a lookup in the held hash each, or, when most of a
 * small held hash is wanted, one pass over it. A small hash is a listpack, where each
 * lookup walks the entries: 60 lookups in one of 60 cost 250,000 instructions, the
 * pass about 90,000. A large one is a hashtable, and the lookups cost the same whatever
 * its size. */
#define TABLES_HELD_SCAN_MAX 128

static void tablesHeldEnds(RedisModuleCtx *ctx, resvSpan store, tablesHoldRef *refs, size_t n) {
    RedisModuleKey *held =
        RedisModule_OpenKey(ctx, resvKeyHeld(ctx, store.v, store.len), REDISMODULE_READ);
    size_t hl =
        RedisModule_KeyType(held) == REDISMODULE_KEYTYPE_HASH ? RedisModule_ValueLength(held) : 0;
    if (hl && hl <= TABLES_HELD_SCAN_MAX && 2 * n >= hl) {
        tablesHoldIndex x = {refs, NULL, 1};
        while (x.mask < 2 * n)
            x.mask <<= 1;
        x.slot = RedisModule_Alloc(x.mask * sizeof *x.slot);
        memset(x.slot, 0xff, x.mask * sizeof *x.slot); /* -1: empty */
        x.mask--;
        for (size_t i = 0; i < n; i++) {
            size_t at = tablesIndexSlot(&x, refs[i].name);
            refs[i].next = x.slot[at];
            x.slot[at] = (long)i;
        }
        RedisModuleScanCursor *cur = RedisModule_ScanCursorCreate();
        while (RedisModule_ScanKey(held, cur, tablesHeldScanCb, &x)) {
        }
        RedisModule_ScanCursorDestroy(cur);
        RedisModule_Free(x.slot);
    } else {
        for (size_t i = 0; hl && i < n; i++) {
            RedisModuleString *v = NULL;
            RedisModule_HashGet(held, REDISMODULE_HASH_NONE, refs[i].m, &v, NULL);
            resvSpan sp = resvSpanOf(v), t;
            if (v) resvHeldDecode(sp.v, sp.len, refs[i].s, refs[i].e, &t.v, &t.len);
        }
    }
    RedisModule_CloseKey(held);
}

/* Puts window [s, e) into starts[]/ends[] (n of max, sorted by start) in its place;
 * returns the new count (the last window falls off a full list). */
static int tablesWindowInsert(resvInstant *starts, resvInstant *ends, int n, int max, resvInstant s,
                              resvInstant e) {
    int i = n < max ? n : max - 1;
    while (i > 0 && starts[i - 1] > s) {
        starts[i] = starts[i - 1];
        ends[i] = ends[i - 1];
        i--;
    }
    starts[i] = s;
    ends[i] = e;
    return n < max ? n + 1 : max;
}

/* tablesSeatedHold for each of nt tables, the seated-table hash opened once for all
 * and the clock and slot read once: who[i] NULL where nobody sits. */
static void tablesSeatedHolds(RedisModuleCtx *ctx, resvSpan store, RedisModuleString **tables,
                              size_t nt, RedisModuleString **who, resvInstant *s, resvInstant *e) {
    RedisModuleKey *k =
        RedisModule_OpenKey(ctx, resvKeyTables(ctx, store.v, store.len), REDISMODULE_READ);
    int hash = RedisModule_KeyType(k) == REDISMODULE_KEYTYPE_HASH;
    resvInstant now = 0, slot = 0;
    for (size_t i = 0; i < nt; i++) {
        who[i] = NULL;
        if (hash) RedisModule_HashGet(k, REDISMODULE_HASH_NONE, tables[i], &who[i], NULL);
        if (!who[i]) continue;
        if (!slot) {
            now = resvFloorNow(ctx, store);
            slot = (resvInstant)resvFloorSlotMinutes(ctx, store) * 60;
        }
        s[i] = now;
        e[i] = tablesHeldEnd(ctx, store, who[i], &s[i]); /* now, now: none */
        resvPlanSeatedWindow(now, slot, &s[i], &e[i]);
    }
    RedisModule_CloseKey(k);
}

int resvHoldWindows(RedisModuleCtx *ctx, resvSpan store, RedisModuleString **tables, size_t nt,
                    resvInstant lo, resvInstant hi, resvHoldList *out) {
    tablesHoldRef *refs = NULL;
    size_t n = 0, cap = 0;
    int err = 0;
    /* A seated party holds its table over its stretched window (tablesSeatedHold), put
       in after the ends are read, since the refs point into the lists. */
    RedisModuleString **who = RedisModule_PoolAlloc(ctx, (nt ? nt : 1) * sizeof *who);
    resvInstant *ss = RedisModule_PoolAlloc(ctx, (nt ? nt : 1) * sizeof *ss);
    resvInstant *se = RedisModule_PoolAlloc(ctx, (nt ? nt : 1) * sizeof *se);
    tablesSeatedHolds(ctx, store, tables, nt, who, ss, se);
    for (size_t i = 0; i < nt && !err; i++) {
        resvHoldList *h = &out[i];
        resvSpan table = resvSpanOf(tables[i]);
        RedisModuleKey *key = tablesHoldOpen(ctx, store, table, &err);
        h->n = 0;
        if (!key) continue;
        resvSpan ws = resvSpanOf(who[i]);
        if (RedisModule_ZsetFirstInScoreRange(key, (double)lo, (double)hi, 0, 1) ==
            REDISMODULE_OK) {
            while (h->n < RESV_HOLD_LIST_MAX && !RedisModule_ZsetRangeEndReached(key)) {
                double score;
                RedisModuleString *m = RedisModule_ZsetRangeCurrentElement(key, &score);
                RedisModule_ZsetRangeNext(key);
                if (who[i] && resvStrEq(m, ws.v, ws.len)) continue; /* its window is below */
                h->s[h->n] = h->e[h->n] = (resvInstant)score;
                if (n == cap) {
                    cap = cap ? 2 * cap : 64;
                    refs = RedisModule_Realloc(refs, cap * sizeof *refs);
                }
                refs[n++] = (tablesHoldRef){m, resvSpanOf(m), &h->s[h->n], &h->e[h->n], -1};
                h->n++;
            }
            RedisModule_ZsetRangeStop(key);
        }
        RedisModule_CloseKey(key);
    }
    if (!err && n) tablesHeldEnds(ctx, store, refs, n);
    RedisModule_Free(refs);
    for (size_t i = 0; i < nt && !err; i++)
        if (who[i] && ss[i] < hi && se[i] > lo)
            out[i].n =
                tablesWindowInsert(out[i].s, out[i].e, out[i].n, RESV_HOLD_LIST_MAX, ss[i], se[i]);
    return err;
}

int resvFloorInventory(RedisModuleCtx *ctx, resvSpan store, resvScan *q, resvTableSpec **specs) {
    RedisModuleString *fk = resvKeyFloor(ctx, store.v, store.len);
    if (resvScanCollect(ctx, fk, REDISMODULE_KEYTYPE_HASH, q))
        return resvReplyWrongType(ctx, fk), -1;
    resvScanSort(q);
    *specs = RedisModule_PoolAlloc(ctx, (q->n ? q->n : 1) * sizeof **specs);
    for (size_t i = 0; i < q->n; i++) {
        resvSpan v = resvSpanOf(q->v[i]);
        if (resvTableSpecDecode(v.v, v.len, &(*specs)[i]))
            (*specs)[i] = (resvTableSpec){0, "", 0, "", 0};
    }
    return (int)q->n;
}

/* ---- writing ---- */

int resvHoldWrite(RedisModuleCtx *ctx, resvSpan store, resvSpan r, resvSpan drop, resvSpan take,
                  resvInstant start, resvInstant end) {
    resvIdPart parts[RESV_FLOOR_JOIN_MAX];
    RedisModuleString *hk = resvKeyHeld(ctx, store.v, store.len);
    int rc = 0, n;
    if (drop.len) {
        n = resvIdSplit(drop.v, drop.len, '+', parts, RESV_FLOOR_JOIN_MAX);
        for (int i = 0; i < n; i++)
            rc |= resvWriteKeyMember(ctx, "ZREM",
                                     resvKeyHold(ctx, store.v, store.len, parts[i].v, parts[i].len),
                                     r.v, r.len);
        if (!take.len) rc |= resvWriteKeyMember(ctx, "HDEL", hk, r.v, r.len);
    }
    if (take.len) {
        char buf[RESV_FLOOR_VALUE_MAX];
        size_t bl = resvHeldEncode(start, end, take.v, take.len, buf, sizeof buf);
        n = resvIdSplit(take.v, take.len, '+', parts, RESV_FLOOR_JOIN_MAX);
        for (int i = 0; i < n; i++)
            rc |= resvWriteZadd(ctx, resvKeyHold(ctx, store.v, store.len, parts[i].v, parts[i].len),
                                start, r.v, r.len);
        resvArgv a = {.n = 0};
        resvArgvAddStr(&a, hk);
        resvArgvAdd(ctx, &a, r.v, r.len);
        resvArgvAdd(ctx, &a, buf, bl);
        rc |= resvWrite(ctx, "HSET", &a);
    }
    return rc;
}

/* 1 when `name` is one of the tables of table_number `tn`. */
static int tablesJoinHas(resvSpan tn, const char *name, size_t len) {
    resvIdPart parts[RESV_FLOOR_JOIN_MAX];
    int n = tn.len ? resvIdSplit(tn.v, tn.len, '+', parts, RESV_FLOOR_JOIN_MAX) : 0;
    for (int i = 0; i < n; i++)
        if (parts[i].len == len && memcmp(parts[i].v, name, len) == 0) return 1;
    return 0;
}

int resvSeatedWrite(RedisModuleCtx *ctx, resvSpan store, resvSpan r, resvSpan release,
                    resvSpan take) {
    resvIdPart parts[RESV_FLOOR_JOIN_MAX];
    RedisModuleString *k = resvKeyTables(ctx, store.v, store.len), *holder;
    resvArgv del = {.n = 0}, set = {.n = 0};
    int rc = 0, n;
    resvArgvAddStr(&del, k);
    resvArgvAddStr(&set, k);
    n = release.len ? resvIdSplit(release.v, release.len, '+', parts, RESV_FLOOR_JOIN_MAX) : 0;
    for (int i = 0; i < n; i++) {
        resvSpan t = {parts[i].v, parts[i].len};
        if (tablesJoinHas(take, t.v, t.len) || resvHashGetOne(ctx, k, t, &holder) || !holder ||
            !resvStrEq(holder, r.v, r.len))
            continue;
        resvArgvAdd(ctx, &del, t.v, t.len);
    }
    n = take.len ? resvIdSplit(take.v, take.len, '+', parts, RESV_FLOOR_JOIN_MAX) : 0;
    for (int i = 0; i < n; i++) {
        resvSpan t = {parts[i].v, parts[i].len};
        if (resvHashGetOne(ctx, k, t, &holder) == 0 && holder && resvStrEq(holder, r.v, r.len))
            continue;
        resvArgvAdd(ctx, &set, t.v, t.len);
        resvArgvAdd(ctx, &set, r.v, r.len);
    }
    if (del.n > 1) rc |= resvWrite(ctx, "HDEL", &del);
    if (set.n > 1) rc |= resvWrite(ctx, "HSET", &set);
    return rc;
}

/* ---- commands ---- */

/* A table argument: one table id of at most RESV_FLOOR_TABLE_MAX bytes (a table_number
 * without '+'). */
static int tablesArgTable(RedisModuleCtx *ctx, RedisModuleString *arg, resvSpan *t) {
    *t = resvSpanOf(arg);
    if (t->len <= RESV_FLOOR_TABLE_MAX && resvIdValid(t->v, t->len)) return 0;
    resvReplyError(ctx, RESV_E_ERR,
                   "invalid table: must be 1 to 32 letters, digits, non-ASCII UTF-8 or - _ . : @");
    return -1;
}

/* The fields of one inventory table, inside a map being replied; returns the count. */
static int tablesReplySpec(RedisModuleCtx *ctx, const resvTableSpec *t) {
    int n = 1;
    resvReplyName(ctx, "seats");
    RedisModule_ReplyWithLongLong(ctx, t->seats);
    if (t->areaLen) {
        resvReplyName(ctx, "area");
        RedisModule_ReplyWithStringBuffer(ctx, t->area, t->areaLen);
        n++;
    }
    if (t->joinsLen) {
        resvReplyName(ctx, "joins");
        RedisModule_ReplyWithStringBuffer(ctx, t->joins, t->joinsLen);
        n++;
    }
    return n;
}

/* RESV.TABLE.SET store table SEATS n [AREA a] [JOINS t,t...] */
int ResvTableSet_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    static const char *const words[] = {"SEATS", "AREA", "JOINS", NULL};
    if (argc < 5) return resvReplyWrongArity(ctx);
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan store, table;
    resvTableSpec t = {0, "", 0, "", 0};
    int seen = 0;
    if (resvArgId(ctx, argv[1], "store", &store.v, &store.len) ||
        tablesArgTable(ctx, argv[2], &table))
        return REDISMODULE_OK;
    for (int i = 3; i < argc; i += 2) {
        if (i + 1 == argc) return resvReplyLoneWord(ctx, argv[i], words, NULL, 0);
        resvSpan v = resvSpanOf(argv[i + 1]);
        int word = resvArgIs(argv[i], "SEATS")   ? 0
                   : resvArgIs(argv[i], "AREA")  ? 1
                   : resvArgIs(argv[i], "JOINS") ? 2
                                                 : -1;
        if (word < 0) return resvReplySyntaxError(ctx, argv[i]);
        int bit = 1 << word;
        if (seen & bit)
            return resvReplyError(ctx, RESV_E_ERR, "option %s given twice", words[word]);
        seen |= bit;
        if (bit == 1) {
            long long n;
            if (resvArgRange(ctx, argv[i + 1], "SEATS", 1, RESV_FLOOR_SEATS_MAX, &n))
                return REDISMODULE_OK;
            t.seats = (long)n;
        } else if (bit == 2) {
            char buf[RESV_CANON_MAX];
            const char *why;
            if (resvFieldCheck(&resvFields[RESV_F_AREA], v.v, v.len, buf, &t.area, &t.areaLen,
                               &why))
                return resvReplyError(ctx, RESV_E_ERR, "invalid AREA: %s", why);
        } else {
            if (resvJoinsHas(v.v, v.len, table.v, table.len))
                return resvReplyError(ctx, RESV_E_ERR,
                                      "invalid JOINS: a table cannot join itself (%.*s)",
                                      (int)table.len, table.v);
            if (!resvJoinsValid(v.v, v.len, table.v, table.len))
                return resvReplyError(ctx, RESV_E_ERR,
                                      "invalid JOINS: must be 1 to 8 other tables of 1 to 32 "
                                      "bytes separated by ','");
            t.joins = v.v;
            t.joinsLen = v.len;
        }
    }
    if (!(seen & 1)) return resvReplyError(ctx, RESV_E_ERR, "missing SEATS: required");
    RedisModuleString *fk = resvKeyFloor(ctx, store.v, store.len);
    if (resvKeyCheckType(ctx, fk, REDISMODULE_KEYTYPE_HASH)) return REDISMODULE_OK;
    RedisModuleString *old;
    if (resvHashGetOne(ctx, fk, table, &old) == 0 && !old) {
        RedisModuleKey *fh = RedisModule_OpenKey(ctx, fk, REDISMODULE_READ);
        size_t n = RedisModule_ValueLength(fh);
        RedisModule_CloseKey(fh);
        if (n >= RESV_FLOOR_TABLES_MAX)
            return resvReplyError(ctx, RESV_E_ERR, "too many tables: a store has at most %d",
                                  RESV_FLOOR_TABLES_MAX);
    }
    char buf[RESV_FLOOR_VALUE_MAX];
    size_t bl = resvTableSpecEncode(&t, buf, sizeof buf);
    /* RESV_FLOOR_VALUE_MAX holds the longest valid table; never write a cut value. */
    if (!bl) return resvReplyError(ctx, RESV_E_ERR, "invalid JOINS: the table's value is too long");
    resvArgv a = {.n = 0};
    resvArgvAddStr(&a, fk);
    resvArgvAdd(ctx, &a, table.v, table.len);
    resvArgvAdd(ctx, &a, buf, bl);
    if (resvWrite(ctx, "HSET", &a))
        return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    RedisModule_ReplyWithMap(ctx, REDISMODULE_POSTPONED_LEN);
    resvReplyName(ctx, "table_number");
    RedisModule_ReplyWithStringBuffer(ctx, table.v, table.len);
    RedisModule_ReplySetMapLength(ctx, 1 + tablesReplySpec(ctx, &t));
    return REDISMODULE_OK;
}

/* RESV.TABLE.DEL store table: the table leaves the inventory, unless a live reservation
 * holds it now or later (or a party sits there): CONFLICT naming it, so that the
 * operator moves the bookings first (dropping the hold of one table of a join would
 * leave the others unprotected). The reservations whose holds of it are over hold
 * nothing (all tables of a join); their records keep table_number. */
int ResvTableDel_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 3, NULL)) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan store, table;
    if (resvArgId(ctx, argv[1], "store", &store.v, &store.len) ||
        tablesArgTable(ctx, argv[2], &table))
        return REDISMODULE_OK;
    RedisModuleString *fk = resvKeyFloor(ctx, store.v, store.len), *v;
    if (resvHashGetOne(ctx, fk, table, &v) < 0) return resvReplyWrongType(ctx, fk);
    if (!v) return RedisModule_ReplyWithLongLong(ctx, 0);
    if (resvKeyCheckType(ctx, resvKeyHeld(ctx, store.v, store.len), REDISMODULE_KEYTYPE_HASH))
        return REDISMODULE_OK;
    RedisModuleString *holder;
    resvInstant now = resvFloorNow(ctx, store), hs, he;
    int live = tablesHoldFind(ctx, store, table, now - RESV_FLOOR_HOLD_MAX, INT64_MAX / 2, now,
                              (resvSpan){"", 0}, &holder, &hs, &he);
    if (live < 0) return REDISMODULE_OK;
    if (live) {
        char a[RESV_DATETIME_LEN + 1], b[RESV_DATETIME_LEN + 1];
        resvSpan h = resvSpanOf(holder);
        resvFormatDateTime(hs, a);
        resvFormatDateTime(he, b);
        return resvReplyError(ctx, RESV_E_CONFLICT, "table %.*s is held by %.*s from %s to %s",
                              (int)table.len, table.v, (int)h.len, h.v, a, b);
    }
    /* Who held it: each one's whole hold goes. */
    int err;
    RedisModuleKey *key = tablesHoldOpen(ctx, store, table, &err);
    if (err) return REDISMODULE_OK;
    size_t n = key ? RedisModule_ValueLength(key) : 0, k = 0;
    RedisModuleString **holders = n ? RedisModule_PoolAlloc(ctx, n * sizeof *holders) : NULL;
    if (key &&
        RedisModule_ZsetFirstInScoreRange(key, REDISMODULE_NEGATIVE_INFINITE,
                                          REDISMODULE_POSITIVE_INFINITE, 0, 0) == REDISMODULE_OK) {
        while (k < n && !RedisModule_ZsetRangeEndReached(key)) {
            double score;
            holders[k++] = RedisModule_ZsetRangeCurrentElement(key, &score);
            RedisModule_ZsetRangeNext(key);
        }
        RedisModule_ZsetRangeStop(key);
    }
    if (key) RedisModule_CloseKey(key);
    resvSpan *drops = RedisModule_PoolAlloc(ctx, (n ? n : 1) * sizeof *drops);
    for (size_t i = 0; i < k; i++) {
        resvInstant s, e;
        int h = resvHeldRead(ctx, store, resvSpanOf(holders[i]), &s, &e, &drops[i]);
        if (h < 0 || (h && resvHoldCheckType(ctx, store, drops[i]))) return REDISMODULE_OK;
        if (!h) drops[i] = table; /* no readable hold: at least leave this table */
    }
    int rc = resvWriteKeyMember(ctx, "HDEL", fk, table.v, table.len);
    for (size_t i = 0; i < k; i++)
        rc |= resvHoldWrite(ctx, store, resvSpanOf(holders[i]), drops[i], (resvSpan){"", 0}, 0, 0);
    if (rc) return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    return RedisModule_ReplyWithLongLong(ctx, 1);
}

/* The seated party of a table, as RESV.TABLES always showed it. Returns the count of
 * fields replied. */
static int tablesReplySeated(RedisModuleCtx *ctx, resvSpan store, RedisModuleString *r) {
    static const resvField fields[3] = {RESV_F_CUSTOMER_NAME, RESV_F_CUSTOMER_COUNT, RESV_F_STATUS};
    const resvFieldSpec specs[3] = {resvFields[fields[0]], resvFields[fields[1]],
                                    resvFields[fields[2]]};
    RedisModuleString *vals[3];
    resvSpan rs = resvSpanOf(r);
    int n = 1;
    resvHashRead(ctx, resvKeyRecord(ctx, store.v, store.len, rs.v, rs.len), specs, 3, vals);
    resvReplyName(ctx, "reservation_id");
    RedisModule_ReplyWithString(ctx, r);
    for (int k = 0; k < 3; k++) {
        if (!vals[k]) continue;
        resvReplyName(ctx, specs[k].name);
        RedisModule_ReplyWithString(ctx, vals[k]);
        n++;
    }
    return n;
}

/* One hold of an inventory table, found by tablesHoldFind in [lo, hi) past `now` and
 * other than the seated party's, as <prefix>_reservation_id, _start, _end. Returns the
 * count of fields replied; -1 after a WRONGTYPE reply (nothing else replied). */
static int tablesReplyHold(RedisModuleCtx *ctx, resvSpan store, resvSpan table, resvInstant lo,
                           resvInstant hi, resvInstant now, RedisModuleString *sitting,
                           const char *prefix) {
    RedisModuleString *holder;
    resvInstant hs, he;
    char buf[RESV_DATETIME_LEN + 1], name[32];
    int found =
        tablesHoldFind(ctx, store, table, lo, hi, now, resvSpanOf(sitting), &holder, &hs, &he);
    if (found <= 0) return found;
    snprintf(name, sizeof name, "%s_reservation_id", prefix);
    resvReplyName(ctx, name);
    RedisModule_ReplyWithString(ctx, holder);
    snprintf(name, sizeof name, "%s_start", prefix);
    resvReplyName(ctx, name);
    resvFormatDateTime(hs, buf);
    RedisModule_ReplyWithStringBuffer(ctx, buf, RESV_DATETIME_LEN);
    snprintf(name, sizeof name, "%s_end", prefix);
    resvReplyName(ctx, name);
    resvFormatDateTime(he, buf);
    RedisModule_ReplyWithStringBuffer(ctx, buf, RESV_DATETIME_LEN);
    return 3;
}

/* The holds of an inventory table around now (the seated party is shown as such, not
 * again as a hold): the one covering now (now_*) and the first starting after now
 * (next_*). Returns the count of fields replied. */
static int tablesReplyHolds(RedisModuleCtx *ctx, resvSpan store, resvSpan table, resvInstant now,
                            RedisModuleString *sitting) {
    int a =
        tablesReplyHold(ctx, store, table, now - RESV_FLOOR_HOLD_MAX, now + 1, now, sitting, "now");
    int b = tablesReplyHold(ctx, store, table, now + 1, INT64_MAX / 2, now, sitting, "next");
    return (a > 0 ? a : 0) + (b > 0 ? b : 0);
}

/* RESV.TABLES store: the inventory's tables and the tables held by seated parties
 * (only these when the store has no inventory, as before), by table_number. */
int ResvTables_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 2, NULL)) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan store;
    if (resvArgId(ctx, argv[1], "store", &store.v, &store.len)) return REDISMODULE_OK;
    RedisModuleString *tkey = resvKeyTables(ctx, store.v, store.len);
    RedisModuleString *fkey = resvKeyFloor(ctx, store.v, store.len);
    resvScan seated, floor;
    if (resvScanCollect(ctx, tkey, REDISMODULE_KEYTYPE_HASH, &seated))
        return resvReplyWrongType(ctx, tkey);
    if (resvScanCollect(ctx, fkey, REDISMODULE_KEYTYPE_HASH, &floor)) {
        resvScanFree(&seated);
        return resvReplyWrongType(ctx, fkey);
    }
    resvScanSort(&seated);
    resvScanSort(&floor);
    int rc = REDISMODULE_OK;
    if (floor.n && resvStoreSettingsCheckType(ctx, store.v, store.len)) goto done;
    resvInstant now = floor.n ? resvFloorNow(ctx, store) : 0;
    size_t i = 0, j = 0;
    long rows = 0;
    /* Hold sets are checked before the reply starts: an error is the whole reply. */
    for (size_t k = 0; k < floor.n; k++)
        if (resvKeyCheckType(ctx,
                             resvKeyHold(ctx, store.v, store.len, resvSpanOf(floor.f[k]).v,
                                         resvSpanOf(floor.f[k]).len),
                             REDISMODULE_KEYTYPE_ZSET) ||
            resvKeyCheckType(ctx, resvKeyHeld(ctx, store.v, store.len), REDISMODULE_KEYTYPE_HASH))
            goto done;
    RedisModule_ReplyWithArray(ctx, REDISMODULE_POSTPONED_LEN);
    while (i < seated.n || j < floor.n) {
        int c = i == seated.n ? 1 : j == floor.n ? -1 : 0;
        if (!c) {
            resvSpan a = resvSpanOf(seated.f[i]), b = resvSpanOf(floor.f[j]);
            c = memcmp(a.v, b.v, a.len < b.len ? a.len : b.len);
            if (!c) c = (a.len > b.len) - (a.len < b.len);
        }
        RedisModuleString *name = c <= 0 ? seated.f[i] : floor.f[j];
        RedisModule_ReplyWithMap(ctx, REDISMODULE_POSTPONED_LEN);
        int n = 1;
        resvReplyName(ctx, "table_number");
        RedisModule_ReplyWithString(ctx, name);
        if (c >= 0) {
            resvTableSpec t;
            resvSpan v = resvSpanOf(floor.v[j]);
            if (resvTableSpecDecode(v.v, v.len, &t) == 0) n += tablesReplySpec(ctx, &t);
        }
        RedisModuleString *sitting = c <= 0 ? seated.v[i++] : NULL;
        if (sitting) n += tablesReplySeated(ctx, store, sitting);
        if (c >= 0) n += tablesReplyHolds(ctx, store, resvSpanOf(floor.f[j++]), now, sitting);
        RedisModule_ReplySetMapLength(ctx, n);
        rows++;
    }
    RedisModule_ReplySetArrayLength(ctx, rows);
done:
    resvScanFree(&seated);
    resvScanFree(&floor);
    return rc;
}
