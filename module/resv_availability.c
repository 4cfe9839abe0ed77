/* RESV.AVAILABILITY: what a store's day can still take, per slot (resv_floor.h). It
 * reads that day's partitions and the holds of the inventory's tables only, so its cost
 * follows the day and the floor, never the store's history. */
#include <string.h>

#include "resv.h"

#define AVAIL_HOLDS_MAX 256 /* holds of one table around one day that are looked at */

/* One table's holds around the day. */
typedef struct {
    resvInstant s[AVAIL_HOLDS_MAX], e[AVAIL_HOLDS_MAX];
    int n;
} availHolds;

static int availFree(const availHolds *h, resvInstant s, resvInstant e) {
    for (int i = 0; i < h->n; i++)
        if (resvHoldsOverlap(s, e, h->s[i], h->e[i])) return 0;
    return 1;
}

static int availJoinable(const resvScan *q, const resvTableSpec *t, size_t a, size_t b) {
    resvSpan na = resvSpanOf(q->f[a]), nb = resvSpanOf(q->f[b]);
    return resvJoinsHas(t[a].joins, t[a].joinsLen, nb.v, nb.len) ||
           resvJoinsHas(t[b].joins, t[b].joinsLen, na.v, na.len);
}

/* Appends ",a" (or ",a+b") to buf when it fits; a list that would not fit is cut at
 * the last whole name (4 KiB holds more than 100 tables). */
static void availAppend(char *buf, size_t cap, size_t *used, RedisModuleString *a,
                        RedisModuleString *b) {
    resvSpan x = resvSpanOf(a), y = resvSpanOf(b);
    size_t need = (*used ? 1 : 0) + x.len + (b ? 1 + y.len : 0);
    if (*used + need > cap) return;
    if (*used) buf[(*used)++] = ',';
    memcpy(buf + *used, x.v, x.len);
    *used += x.len;
    if (!b) return;
    buf[(*used)++] = '+';
    memcpy(buf + *used, y.v, y.len);
    *used += y.len;
}

/* One slot: counts, what remains under the limits, the free tables that seat the party
 * and (with PARTY) the joinable pairs that seat it together where neither does alone. */
static void availReplySlot(RedisModuleCtx *ctx, resvInstant s, resvInstant turn, long covers,
                           long parties, long maxCovers, long maxParties, long party,
                           const resvScan *q, const resvTableSpec *t, const availHolds *h,
                           unsigned char *fr, const unsigned char *jn) {
    char buf[RESV_DATETIME_LEN + 1];
    int n = 3;
    RedisModule_ReplyWithMap(ctx, REDISMODULE_POSTPONED_LEN);
    resvFormatDateTime(s, buf);
    resvReplyName(ctx, "start");
    RedisModule_ReplyWithStringBuffer(ctx, buf, RESV_DATETIME_LEN);
    resvReplyName(ctx, "covers");
    RedisModule_ReplyWithLongLong(ctx, covers);
    resvReplyName(ctx, "parties");
    RedisModule_ReplyWithLongLong(ctx, parties);
    if (maxCovers > 0) {
        resvReplyName(ctx, "covers_left");
        RedisModule_ReplyWithLongLong(ctx, covers < maxCovers ? maxCovers - covers : 0);
        n++;
    }
    if (maxParties > 0) {
        resvReplyName(ctx, "parties_left");
        RedisModule_ReplyWithLongLong(ctx, parties < maxParties ? maxParties - parties : 0);
        n++;
    }
    /* The names joined by ',' (no table id holds one): one string per slot, where an
       array of names made the reply the bulk of the command's time. */
    char buf2[4096];
    size_t used = 0;
    for (size_t i = 0; i < q->n; i++) {
        fr[i] = (unsigned char)availFree(&h[i], s, s + turn);
        if (t[i].seats >= party && fr[i]) availAppend(buf2, sizeof buf2, &used, q->f[i], NULL);
    }
    resvReplyName(ctx, "tables");
    RedisModule_ReplyWithStringBuffer(ctx, buf2, used);
    if (party > 0) {
        used = 0;
        for (size_t a = 0; a < q->n; a++) {
            if (t[a].seats >= party || !fr[a]) continue;
            for (size_t b = a + 1; b < q->n; b++) {
                if (!jn[a * q->n + b] || !fr[b] || t[b].seats >= party ||
                    t[a].seats + t[b].seats < party)
                    continue;
                availAppend(buf2, sizeof buf2, &used, q->f[a], q->f[b]);
            }
        }
        resvReplyName(ctx, "joined");
        RedisModule_ReplyWithStringBuffer(ctx, buf2, used);
        n++;
    }
    RedisModule_ReplySetMapLength(ctx, n + 1);
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
    int slotMin = resvFloorSlotMinutes(ctx, store), nslots = resvFloorSlotCount(slotMin);
    resvInstant slot = (resvInstant)slotMin * 60;
    resvInstant turn = (resvInstant)resvFloorTurnMinutes(ctx, store) * 60;
    long maxCovers, maxParties;
    resvFloorPacing(ctx, store, &maxCovers, &maxParties);
    long *covers = RedisModule_PoolAlloc(ctx, (size_t)nslots * sizeof *covers);
    long *parties = RedisModule_PoolAlloc(ctx, (size_t)nslots * sizeof *parties);
    if (resvFloorCount(ctx, store, day, slot, nslots, covers, parties)) return REDISMODULE_OK;
    resvScan q;
    resvTableSpec *t;
    if (resvFloorInventory(ctx, store, &q, &t) < 0) return REDISMODULE_OK;
    availHolds *h = RedisModule_Alloc((q.n ? q.n : 1) * sizeof *h);
    int rc = 0;
    for (size_t i = 0; i < q.n && rc >= 0; i++) {
        resvSpan name = resvSpanOf(q.f[i]);
        rc = h[i].n =
            resvHoldWindows(ctx, store, name, day - RESV_FLOOR_HOLD_MAX,
                            day + RESV_SECS_PER_DAY + turn, h[i].s, h[i].e, AVAIL_HOLDS_MAX);
    }
    /* Which pairs join: asked once for the day, not per slot. */
    size_t nt = q.n ? q.n : 1;
    unsigned char *fr = RedisModule_PoolAlloc(ctx, nt), *jn = RedisModule_PoolAlloc(ctx, nt * nt);
    memset(jn, 0, nt * nt);
    for (size_t a = 0; party > 0 && a < q.n; a++)
        for (size_t b = a + 1; b < q.n; b++)
            jn[a * q.n + b] = (unsigned char)availJoinable(&q, t, a, b);
    if (rc >= 0) {
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
        RedisModule_ReplyWithLongLong(ctx, maxCovers);
        resvReplyName(ctx, "max_parties_per_slot");
        RedisModule_ReplyWithLongLong(ctx, maxParties);
        resvReplyName(ctx, "tables");
        RedisModule_ReplyWithLongLong(ctx, (long long)q.n);
        resvReplyName(ctx, "slots");
        RedisModule_ReplyWithArray(ctx, nslots);
        for (int i = 0; i < nslots; i++)
            availReplySlot(ctx, resvFloorSlotStart(day, slotMin, i), turn, covers[i], parties[i],
                           maxCovers, maxParties, (long)party, &q, t, h, fr, jn);
    }
    RedisModule_Free(h);
    resvScanFree(&q);
    return REDISMODULE_OK;
}
