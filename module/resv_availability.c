/* RESV.AVAILABILITY: what a store's day can still take, per slot (resv_floor.h). It
 * reads that day's load (resv_load.c) and the holds of the inventory's tables only, so
 * its cost follows the day and the floor, never the store's history. */
#include <string.h>

#include "resv.h"
#include "resv_plan.h"

/* Two tables that join and seat the party together where neither does alone. */
typedef struct {
    unsigned short a, b;
} availPair;
_Static_assert(RESV_FLOOR_TABLES_MAX <= 65535, "availPair holds a table's index");

/* What every slot of the call looks at, found once for the day: the inventory's tables,
 * which of them a hold keeps from each slot, the pairs that may seat the party, and the
 * limits. */
typedef struct {
    size_t n, npairs;
    int nslots;
    const resvSpan *name;
    const resvTableSpec *t;
    const unsigned char *busy; /* n x nslots: table i is held during slot k's turn */
    const availPair *pair;
    long maxCovers, maxParties, party;
    char start[RESV_DATETIME_LEN + 1]; /* the day's 00:00:00, each slot's time written in */
} availDay;

/* Marks, for each table, the slots whose turn one of its holds overlaps: each hold once
 * (resvFloorSlotsHeld), not each hold in every slot. */
static void availBusy(const resvHoldList *h, size_t n, resvInstant day, int slotMin, int nslots,
                      resvInstant turn, unsigned char *busy) {
    memset(busy, 0, n * (size_t)nslots);
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < h[i].n; j++) {
            int first, last;
            resvFloorSlotsHeld(day, (resvInstant)slotMin * 60, nslots, turn, h[i].s[j], h[i].e[j],
                               &first, &last);
            if (first <= last)
                memset(busy + i * (size_t)nslots + first, 1, (size_t)(last - first + 1));
        }
}

static int availJoinable(const resvSpan *name, const resvTableSpec *t, size_t a, size_t b) {
    return resvJoinsHas(t[a].joins, t[a].joinsLen, name[b].v, name[b].len) ||
           resvJoinsHas(t[b].joins, t[b].joinsLen, name[a].v, name[a].len);
}

/* Appends ",a" (or ",a+b") to buf when it fits; a list that would not fit is cut at
 * the last whole name (4 KiB holds more than 100 tables). */
static void availAppend(char *buf, size_t cap, size_t *used, resvSpan a, const resvSpan *b) {
    size_t need = (*used ? 1 : 0) + a.len + (b ? 1 + b->len : 0);
    if (*used + need > cap) return;
    if (*used) buf[(*used)++] = ',';
    memcpy(buf + *used, a.v, a.len);
    *used += a.len;
    if (!b) return;
    buf[(*used)++] = '+';
    memcpy(buf + *used, b->v, b->len);
    *used += b->len;
}

/* One slot: counts, what remains under the limits, the free tables that seat the party
 * and (with PARTY) the joinable pairs that seat it together where neither does alone.
 * The map's length is known before it is written: a postponed length costs a node of
 * the reply list per slot, and its trimming. */
static void availReplySlot(RedisModuleCtx *ctx, availDay *d, int k, int minute, long covers,
                           long parties) {
    char *hm = d->start + RESV_DATE_LEN + 1; /* HH:MM of YYYY-MM-DDTHH:MM:SS */
    hm[0] = (char)('0' + minute / 600);
    hm[1] = (char)('0' + minute / 60 % 10);
    hm[3] = (char)('0' + minute % 60 / 10);
    hm[4] = (char)('0' + minute % 10);
    int paced = d->maxCovers > 0 || d->maxParties > 0;
    RedisModule_ReplyWithMap(ctx,
                             4 + (d->maxCovers > 0) + (d->maxParties > 0) + paced + (d->party > 0));
    resvReplyName(ctx, "start");
    RedisModule_ReplyWithStringBuffer(ctx, d->start, RESV_DATETIME_LEN);
    resvReplyName(ctx, "covers");
    RedisModule_ReplyWithLongLong(ctx, covers);
    resvReplyName(ctx, "parties");
    RedisModule_ReplyWithLongLong(ctx, parties);
    if (d->maxCovers > 0) {
        resvReplyName(ctx, "covers_left");
        RedisModule_ReplyWithLongLong(ctx, covers < d->maxCovers ? d->maxCovers - covers : 0);
    }
    if (d->maxParties > 0) {
        resvReplyName(ctx, "parties_left");
        RedisModule_ReplyWithLongLong(ctx, parties < d->maxParties ? d->maxParties - parties : 0);
    }
    if (paced) {
        /* What our API would say to one more booking of the party here (a walk-in is
           never refused for pacing: the free tables are listed either way). */
        resvFloorInput in = {.paced = 1,
                             .covers = covers + (d->party > 0 ? d->party : 1),
                             .coversLimit = d->maxCovers,
                             .parties = parties + 1,
                             .partiesLimit = d->maxParties};
        resvReplyName(ctx, "bookable");
        RedisModule_ReplyWithLongLong(ctx, !resvPlanOverPace(&in));
    }
    /* The names joined by ',' (no table id holds one): one string per slot, where an
       array of names made the reply the bulk of the command's time. */
    char names[4096];
    size_t used = 0;
    const unsigned char *busy = d->busy + k;
    for (size_t i = 0; i < d->n; i++)
        if (d->t[i].seats >= d->party && !busy[i * (size_t)d->nslots])
            availAppend(names, sizeof names, &used, d->name[i], NULL);
    resvReplyName(ctx, "tables");
    RedisModule_ReplyWithStringBuffer(ctx, names, used);
    if (d->party <= 0) return;
    used = 0;
    for (size_t i = 0; i < d->npairs; i++) {
        const availPair *p = &d->pair[i];
        if (!busy[p->a * (size_t)d->nslots] && !busy[p->b * (size_t)d->nslots])
            availAppend(names, sizeof names, &used, d->name[p->a], &d->name[p->b]);
    }
    resvReplyName(ctx, "joined");
    RedisModule_ReplyWithStringBuffer(ctx, names, used);
}

/* The pairs that join and seat the party together where neither does alone, in the
 * order of the reply (by first table, then second), up to cap: RESV.TABLE.SET lets a
 * table list RESV_FLOOR_JOIN_MAX others, so there are at most that many pairs per
 * table (an inventory value written by hand with more is cut there). */
static size_t availPairs(const availDay *d, availPair *out, size_t cap) {
    size_t n = 0;
    for (size_t a = 0; a < d->n; a++) {
        if (d->t[a].seats >= d->party) continue;
        for (size_t b = a + 1; b < d->n && n < cap; b++)
            if (d->t[b].seats < d->party && d->t[a].seats + d->t[b].seats >= d->party &&
                availJoinable(d->name, d->t, a, b))
                out[n++] = (availPair){(unsigned short)a, (unsigned short)b};
    }
    return n;
}

/* RESV.AVAILABILITY store date [PARTY n] */
int ResvAvailability_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 3, "PARTY")) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan store, date = resvSpanOf(argv[2]);
    resvInstant day;
    long long party = 0;
    if (resvArgId(ctx, argv[1], "store", &store.v, &store.len)) return REDISMODULE_OK;
    if (resvParseDate(date.v, date.len, &day))
        return resvReplyError(ctx, RESV_E_ERR, "invalid date: must be YYYY-MM-DD");
    if (argc == 5) {
        if (!resvArgIs(argv[3], "PARTY")) return resvReplySyntaxError(ctx, argv[3]);
        if (resvArgRange(ctx, argv[4], "PARTY", 1, 9999, &party)) return REDISMODULE_OK;
    }
    if (resvStoreSettingsCheckType(ctx, store.v, store.len)) return REDISMODULE_OK;
    int slotMin = resvFloorSlotMinutes(ctx, store), nslots = resvFloorSlotCount(slotMin);
    resvInstant turn = (resvInstant)resvFloorTurnMinutes(ctx, store) * 60;
    availDay d = {.nslots = nslots, .party = (long)party};
    resvFloorPacing(ctx, store, &d.maxCovers, &d.maxParties);
    long *covers = RedisModule_PoolAlloc(ctx, (size_t)nslots * sizeof *covers);
    long *parties = RedisModule_PoolAlloc(ctx, (size_t)nslots * sizeof *parties);
    if (resvFloorCount(ctx, store, day, (resvInstant)slotMin * 60, nslots, covers, parties))
        return REDISMODULE_OK;
    resvScan q;
    resvTableSpec *t;
    if (resvFloorInventory(ctx, store, &q, &t) < 0) return REDISMODULE_OK;
    size_t nt = q.n ? q.n : 1;
    resvHoldList *h = RedisModule_Alloc(nt * sizeof *h);
    int rc = resvHoldWindows(ctx, store, q.f, q.n, day - RESV_FLOOR_HOLD_MAX,
                             day + RESV_SECS_PER_DAY + turn, h);
    unsigned char *busy = RedisModule_PoolAlloc(ctx, nt * (size_t)nslots);
    if (rc >= 0) availBusy(h, q.n, day, slotMin, nslots, turn, busy);
    RedisModule_Free(h);
    if (rc < 0) {
        resvScanFree(&q);
        return REDISMODULE_OK;
    }
    resvSpan *name = RedisModule_PoolAlloc(ctx, nt * sizeof *name);
    availPair *pair = RedisModule_PoolAlloc(ctx, nt * RESV_FLOOR_JOIN_MAX * sizeof *pair);
    for (size_t i = 0; i < q.n; i++)
        name[i] = resvSpanOf(q.f[i]);
    d.n = q.n, d.name = name, d.t = t, d.busy = busy, d.pair = pair;
    d.npairs = party > 0 ? availPairs(&d, pair, nt * RESV_FLOOR_JOIN_MAX) : 0;
    resvFormatDateTime(day, d.start);

    RedisModule_ReplyWithMap(ctx, 7 + (party > 0));
    resvReplyName(ctx, "date");
    RedisModule_ReplyWithStringBuffer(ctx, date.v, date.len);
    if (party > 0) {
        resvReplyName(ctx, "party");
        RedisModule_ReplyWithLongLong(ctx, party);
    }
    resvReplyName(ctx, "slot_minutes");
    RedisModule_ReplyWithLongLong(ctx, slotMin);
    resvReplyName(ctx, "turn_minutes");
    RedisModule_ReplyWithLongLong(ctx, turn / 60);
    resvReplyName(ctx, "max_covers_per_slot");
    RedisModule_ReplyWithLongLong(ctx, d.maxCovers);
    resvReplyName(ctx, "max_parties_per_slot");
    RedisModule_ReplyWithLongLong(ctx, d.maxParties);
    resvReplyName(ctx, "tables");
    RedisModule_ReplyWithLongLong(ctx, (long long)q.n);
    resvReplyName(ctx, "slots");
    RedisModule_ReplyWithArray(ctx, nslots);
    for (int k = 0; k < nslots; k++)
        availReplySlot(ctx, &d, k, k * slotMin, covers[k], parties[k]);
    resvScanFree(&q);
    return REDISMODULE_OK;
}
