/* The reservation write commands: RESV.UPSERT, RESV.STATUS, RESV.DEL, RESV.OWNER.
 * Each handler runs in one order: arity, parse and validate every argument, read keys
 * and check types, check conflicts, and only then write (resvApplyChange) and reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resv.h"
#include "resv_plan.h"

static int cmdsSpanEq(resvSpan a, resvSpan b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.v, b.v, a.len) == 0);
}

/* Reads who holds `table` in the store's tables hash into *holder. -1 on WRONGTYPE
 * (already replied). */
static int cmdsTableHolder(RedisModuleCtx *ctx, resvSpan store, resvSpan table,
                           RedisModuleString **holder) {
    RedisModuleString *k = resvKeyTables(ctx, store.v, store.len);
    *holder = NULL;
    if (!table.len) return 0;
    if (resvHashGetOne(ctx, k, table, holder) < 0) {
        resvReplyWrongType(ctx, k);
        return -1;
    }
    return 0;
}

/* Asks the plan; replies the refusal and returns -1 when it refuses. */
static int cmdsPlan(RedisModuleCtx *ctx, const resvPlanInput *in, resvPlan *p) {
    switch (resvPlanStatus(in, p)) {
    case RESV_PLAN_APPLY: return 0;
    case RESV_PLAN_BAD_MOVE:
        resvReplyError(ctx, RESV_E_CONFLICT, "cannot move from %s to %s", resvStatusName(in->from),
                       resvStatusName(in->to));
        return -1;
    case RESV_PLAN_NEED_TABLE:
    default:
        resvReplyError(ctx, RESV_E_ERR, "missing table_number: status seated needs a table");
        return -1;
    }
}

static void cmdsSet(resvChange *c, int f, resvSpan v) {
    c->set[f] = 1;
    c->val[f] = v;
}

/* A field after the change: the value it sets, else the stored one. */
static resvSpan cmdsAfter(const resvChange *c, RedisModuleString **old, int f) {
    return c->set[f] ? c->val[f] : resvSpanOf(old[f]);
}

/* The tables of parts[0..n) joined with '+', in pool memory of ctx. */
static resvSpan cmdsJoinParts(RedisModuleCtx *ctx, const resvIdPart *parts, int n) {
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += parts[i].len + (i > 0);
    char *b = RedisModule_PoolAlloc(ctx, len ? len : 1), *w = b;
    for (int i = 0; i < n; i++) {
        if (i) *w++ = '+';
        memcpy(w, parts[i].v, parts[i].len);
        w += parts[i].len;
    }
    return (resvSpan){b, len};
}

/* What the floor says of the tables of a hold (resv_floor.h): each in the inventory,
 * joined ones joinable (each with one listed before it), seats together, and the first
 * other holder of one of them in [s, e). *heldTable is the table at fault: the first one
 * not in the inventory, or the one held. *hold is what the reservation will hold: `want`,
 * or for the provider's booking (never refused) the tables of it the inventory knows.
 * -1 after an error reply. */
static int cmdsFloorTables(RedisModuleCtx *ctx, const resvChange *c, resvSpan want, resvInstant s,
                           resvInstant e, resvFloorInput *fi, RedisModuleString **holder,
                           resvSpan *heldTable, resvInstant *hs, resvInstant *he, resvSpan *hold) {
    resvIdPart parts[RESV_FLOOR_JOIN_MAX];
    resvTableSpec t[RESV_FLOOR_JOIN_MAX];
    int n = resvIdSplit(want.v, want.len, '+', parts, RESV_FLOOR_JOIN_MAX), k = 0;
    for (int i = 0; i < n; i++) {
        int r = resvFloorTable(ctx, c->store, (resvSpan){parts[i].v, parts[i].len}, &t[k]);
        if (r < 0) return -1;
        if (!r) {
            if (!fi->unknownTable) *heldTable = (resvSpan){parts[i].v, parts[i].len};
            fi->unknownTable = 1;
            if (!fi->provider) return 0;
            continue;
        }
        fi->seats += t[k].seats;
        parts[k++] = parts[i];
    }
    *hold = fi->unknownTable ? cmdsJoinParts(ctx, parts, k) : want;
    for (int i = 1; i < k; i++) {
        int joins = 0;
        for (int j = 0; j < i && !joins; j++)
            joins = resvJoinsHas(t[j].joins, t[j].joinsLen, parts[i].v, parts[i].len) ||
                    resvJoinsHas(t[i].joins, t[i].joinsLen, parts[j].v, parts[j].len);
        if (!joins) fi->notJoinable = 1;
    }
    for (int i = 0; i < k && !fi->held; i++) {
        resvSpan p = {parts[i].v, parts[i].len};
        int r = resvHoldOverlap(ctx, c->store, p, s, e, c->id, holder, hs, he);
        if (r < 0) return -1;
        if (r) fi->held = 1, *heldTable = p;
    }
    return 0;
}

/* The words of a floor verdict other than OK and OVERBOOKED, after its code word: what a
 * refusal replies, and what an overbooked feed entry gives as its reason. */
static resvErrCode cmdsFloorText(char *buf, size_t cap, resvFloorVerdict v,
                                 const resvFloorInput *fi, resvSpan want, RedisModuleString *holder,
                                 resvSpan heldTable, resvInstant hs, resvInstant he) {
    char a[RESV_DATETIME_LEN + 1], b[RESV_DATETIME_LEN + 1];
    resvSpan h = resvSpanOf(holder);
    switch (v) {
    case RESV_FLOOR_UNKNOWN_TABLE:
        snprintf(buf, cap, "invalid table_number: %.*s is not in the store's table inventory",
                 (int)heldTable.len, heldTable.v);
        return RESV_E_ERR;
    case RESV_FLOOR_NOT_JOINABLE:
        snprintf(buf, cap,
                 "invalid table_number: the tables of %.*s do not join (RESV.TABLE.SET JOINS)",
                 (int)want.len, want.v);
        return RESV_E_ERR;
    case RESV_FLOOR_TOO_SMALL:
        snprintf(buf, cap, "invalid customer_count: %ld is over the %ld seats of %.*s", fi->party,
                 fi->seats, (int)want.len, want.v);
        return RESV_E_ERR;
    case RESV_FLOOR_HELD:
        resvFormatDateTime(hs, a);
        resvFormatDateTime(he, b);
        snprintf(buf, cap, "table %.*s is held by %.*s from %s to %s", (int)heldTable.len,
                 heldTable.v, (int)h.len, h.v, a, b);
        return RESV_E_CONFLICT;
    default:
        snprintf(buf, cap, RESV_FLOOR_CAPACITY_FMT, fi->covers, fi->coversLimit, fi->parties,
                 fi->partiesLimit);
        return RESV_E_CONFLICT;
    }
}

/* Replies the floor's refusal; returns -1 when it refuses. */
static int cmdsFloorReply(RedisModuleCtx *ctx, resvFloorVerdict v, const resvFloorInput *fi,
                          resvSpan want, RedisModuleString *holder, resvSpan heldTable,
                          resvInstant hs, resvInstant he) {
    char msg[RESV_FEED_REASON_MAX];
    if (v == RESV_FLOOR_OK || v == RESV_FLOOR_OVERBOOKED) return 0;
    resvReplyError(ctx, cmdsFloorText(msg, sizeof msg, v, fi, want, holder, heldTable, hs, he),
                   "%s", msg);
    return -1;
}

/* The start of the slot (slot seconds from midnight) that date d and time t fall in. */
static resvInstant cmdsSlotStart(resvSpan d, resvSpan t, resvInstant slot) {
    resvInstant start = resvRecordStart(d.v, d.len, t.v, t.len);
    resvInstant day = resvDayStart(start);
    return day + (start - day) / slot * slot;
}

static int cmdsLive(resvStatus s) {
    return s != RESV_S_CANCELLED && s != RESV_S_NO_SHOW;
}

/* The slot's pacing (resv_floor.h) for a booking created or moved, or whose party
 * changes, while it is live: the counts of its slot with it, and what it had there
 * before (only a limit the write raises is refused); a flagged one is counted again so
 * that the flag says the truth (paceKept). 0 when nothing applies. */
static int cmdsPacing(RedisModuleCtx *ctx, const resvChange *c, const resvPlan *p,
                      const resvPlanInput *in, RedisModuleString **old, resvFloorInput *fi) {
    resvFloorPacing(ctx, c->store, &fi->coversLimit, &fi->partiesLimit);
    int limits = cmdsLive(p->status) && (fi->coversLimit > 0 || fi->partiesLimit > 0);
    fi->paceKept = limits && old[RESV_F_OVERBOOKED];
    fi->paced = fi->paceKept ||
                (limits && (c->creating || c->set[RESV_F_RESERVATION_DATE] ||
                            c->set[RESV_F_RESERVATION_TIME] || c->set[RESV_F_CUSTOMER_COUNT]));
    if (!fi->paced) return 0;
    resvInstant slot = (resvInstant)resvFloorSlotMinutes(ctx, c->store) * 60;
    resvInstant lo = cmdsSlotStart(cmdsAfter(c, old, RESV_F_RESERVATION_DATE),
                                   cmdsAfter(c, old, RESV_F_RESERVATION_TIME), slot);
    fi->slotNew = c->creating || !cmdsLive(in->from) ||
                  cmdsSlotStart(resvSpanOf(old[RESV_F_RESERVATION_DATE]),
                                resvSpanOf(old[RESV_F_RESERVATION_TIME]), slot) != lo;
    resvSpan had = resvSpanOf(old[RESV_F_CUSTOMER_COUNT]);
    fi->partyWas = fi->slotNew || !had.len ? 0 : strtol(had.v, NULL, 10);
    if (resvFloorCount(ctx, c->store, lo, slot, 1, &fi->covers, &fi->parties)) return -1;
    /* The booking as stored is in the slot's count when it counts there now: it is
     * taken out, and counted with its values after the change. */
    resvLoadPos was, now;
    resvChangeLoad(c, &was, &now);
    if (was.counted && was.start >= lo && was.start < lo + slot) {
        fi->covers -= was.party;
        fi->parties -= 1;
    }
    fi->covers += fi->party;
    fi->parties += 1;
    return 0;
}

/* What the floor says of the change: the hold over time (resv_floor.h) after it, against
 * the one the reservation has (unchanged, or dropped and taken again after the checks),
 * and the slot's pacing. A store without an inventory holds nothing. Our API is refused
 * only for what this command changes (table, date, time, party, a new booking); a status
 * alone never is (a late guest arriving): like the provider's data it is stored, flagged
 * overbooked. -1 after an error reply. */
static int cmdsFloor(RedisModuleCtx *ctx, resvChange *c, const resvPlan *p, const resvPlanInput *in,
                     RedisModuleString **old) {
    resvInstant hs = 0, he = 0, ws = 0, we = 0;
    resvSpan held = {"", 0}, want = {"", 0};
    int inv = resvFloorExists(ctx, c->store);
    if (inv < 0) return -1;
    /* Read when creating too: a held hash of another type is refused before anything. */
    if (resvHeldRead(ctx, c->store, c->id, &hs, &he, &held) < 0) return -1;
    if (inv && p->effects & RESV_PLAN_HOLD) {
        resvSpan d = cmdsAfter(c, old, RESV_F_RESERVATION_DATE);
        resvSpan t = cmdsAfter(c, old, RESV_F_RESERVATION_TIME);
        if (resvHoldWindow(d.v, d.len, t.v, t.len, resvFloorTurnMinutes(ctx, c->store), &ws, &we) ==
            0)
            want = (resvSpan){p->hold, p->holdLen};
    }
    /* Checked as the readers will see it: a seated party's window stretched to now and a
       slot past now (the stored hold keeps the booked window). */
    resvInstant cs = ws, ce = we, os = hs, oe = he;
    resvInstant now = resvFloorNow(ctx, c->store);
    resvInstant slot = (resvInstant)resvFloorSlotMinutes(ctx, c->store) * 60;
    if (want.len && p->status == RESV_S_SEATED) resvPlanSeatedWindow(now, slot, &cs, &ce);
    if (held.len && !c->creating && in->from == RESV_S_SEATED)
        resvPlanSeatedWindow(now, slot, &os, &oe);
    int same = cmdsSpanEq(want, held) && (!want.len || (cs == os && ce == oe));
    int refusable = c->creating || c->set[RESV_F_RESERVATION_DATE] ||
                    c->set[RESV_F_RESERVATION_TIME] || c->set[RESV_F_TABLE_NUMBER] ||
                    c->set[RESV_F_CUSTOMER_COUNT];
    resvFloorInput fi = {.provider = resvOriginIsProvider(in->origin) || !refusable,
                         .force = in->force,
                         .walkIn = in->origin == RESV_O_WALK_IN};
    resvSpan party = cmdsAfter(c, old, RESV_F_CUSTOMER_COUNT), heldTable = {"", 0};
    RedisModuleString *holder = NULL;
    fi.party = party.len ? strtol(party.v, NULL, 10) : 0;
    if (cmdsPacing(ctx, c, p, in, old, &fi)) return -1;
    /* A hold kept as it was is looked at again when the party changes or it is flagged,
       so that the flag says what is true after the write (its clash is then flagged, not
       refused: this write did not make it). */
    int was = old[RESV_F_OVERBOOKED] != NULL;
    int seatsAsked = want.len && (!same || c->set[RESV_F_CUSTOMER_COUNT] || was);
    if (!seatsAsked && same && !fi.paced) return 0; /* nothing the floor looks at moved */
    fi.heldKept = same;
    resvSpan hold = want;
    if (seatsAsked &&
        cmdsFloorTables(ctx, c, want, cs, ce, &fi, &holder, &heldTable, &os, &oe, &hold))
        return -1;
    resvFloorVerdict v = resvPlanFloor(&fi);
    if (cmdsFloorReply(ctx, v, &fi, want, holder, heldTable, os, oe)) return -1;
    want = hold; /* the provider's: the tables the inventory knows */
    if ((held.len && resvHoldCheckType(ctx, c->store, held)) ||
        (want.len && resvHoldCheckType(ctx, c->store, want)))
        return -1;
    if (!cmdsSpanEq(want, held) || ws != hs || we != he) {
        c->holdDrop = held;
        c->holdTake = want;
        c->holdStart = ws;
        c->holdEnd = we;
    }
    if (v == RESV_FLOOR_OVERBOOKED && !was) {
        /* Why, in the words our API would have refused it with. */
        resvFloorInput strict = fi;
        strict.provider = strict.force = strict.walkIn = strict.heldKept = strict.paceKept = 0;
        cmdsFloorText(c->overbookedReason, sizeof c->overbookedReason, resvPlanFloor(&strict), &fi,
                      want, holder, heldTable, os, oe);
        cmdsSet(c, RESV_F_OVERBOOKED, (resvSpan){"true", 4});
        c->overbookedEvent = 1;
    } else if (v != RESV_FLOOR_OVERBOOKED && was) {
        c->unset[RESV_F_OVERBOOKED] = 1;
        resvChangeNote(c, resvFields[RESV_F_OVERBOOKED].name);
    }
    return 0;
}

/* The plan's table moves, as far as the tables hash allows: every table of a join is a
 * field of its own, so a table to hold is free or ours already (CONFLICT naming the
 * table and its holder otherwise); the tables to release go where this reservation
 * holds them (resvSeatedWrite). -1 after an error reply. */
static int cmdsTables(RedisModuleCtx *ctx, resvChange *c, const resvPlan *p) {
    RedisModuleString *holder;
    if (p->effects & RESV_PLAN_TAKE_TABLE) {
        resvIdPart parts[RESV_FLOOR_JOIN_MAX];
        int n = resvIdSplit(p->table, p->tableLen, '+', parts, RESV_FLOOR_JOIN_MAX);
        for (int i = 0; i < n; i++) {
            resvSpan t = {parts[i].v, parts[i].len};
            if (cmdsTableHolder(ctx, c->store, t, &holder)) return -1;
            if (holder && !resvStrEq(holder, c->id.v, c->id.len)) {
                resvSpan h = resvSpanOf(holder);
                return resvReplyError(ctx, RESV_E_CONFLICT, "table %.*s is held by %.*s",
                                      (int)t.len, t.v, (int)h.len, h.v),
                       -1;
            }
        }
        c->takeTable = (resvSpan){p->table, p->tableLen};
    }
    if (p->effects & RESV_PLAN_RELEASE_TABLE) {
        resvSpan t = {p->release, p->releaseLen};
        if (resvKeyCheckType(ctx, resvKeyTables(ctx, c->store.v, c->store.len),
                             REDISMODULE_KEYTYPE_HASH))
            return -1;
        c->releaseTable = t;
    }
    return 0;
}

/* The index keys the change will write are sorted sets and the change feed a stream
 * (or absent); -1 after a WRONGTYPE reply. */
static int cmdsCheckIndex(RedisModuleCtx *ctx, const resvChange *c) {
    resvIndexPos from = {c->oldStatus, c->oldScore}, to = {c->newStatus, c->newScore};
    resvLoadPos loadWas, loadNow;
    resvChangeLoad(c, &loadWas, &loadNow);
    if (resvIndexCheckType(ctx, c->store.v, c->store.len, c->hadIndex ? &from : NULL, &to) ||
        resvLoadCheckType(ctx, c->store, &loadWas, &loadNow))
        return -1;
    if (resvChangeMovesLookup(c) && resvLookupCheckType(ctx, c->store.v, c->store.len)) return -1;
    return resvKeyCheckType(ctx, resvKeyChanges(ctx, c->store.v, c->store.len),
                            REDISMODULE_KEYTYPE_STREAM);
}

/* Carries the plan's effects into the change (the fields given by the command are set
 * already), with the checks only the keys can answer: tables, and the types of the
 * keys to be written. -1 after an error reply. */
static int cmdsCarryOut(RedisModuleCtx *ctx, resvChange *c, const resvPlan *p,
                        const resvPlanInput *in, RedisModuleString **old) {
    c->oldStatus = in->from;
    c->newStatus = p->status;
    resvLookupValsOf(old, &c->lookupWas);
    c->partyWas = resvSpanOf(old[RESV_F_CUSTOMER_COUNT]);
    if (p->effects & RESV_PLAN_IGNORED) {
        snprintf(c->noteText, sizeof c->noteText, "ignored status %s", resvStatusName(in->to));
        c->note = c->noteText;
    }
    if (!(p->effects & RESV_PLAN_WRITE)) {
        c->historyOnly = 1;
        return 0;
    }
    resvSpan now = {c->now, RESV_DATETIME_LEN};
    const char *status = resvStatusName(p->status);
    if (p->effects & RESV_PLAN_STATUS)
        cmdsSet(c, RESV_F_STATUS, (resvSpan){status, strlen(status)});
    if (p->effects & RESV_PLAN_STAMP_ARRIVAL) cmdsSet(c, RESV_F_ARRIVAL_TIME, now);
    if (p->effects & RESV_PLAN_STAMP_UPDATED) cmdsSet(c, RESV_F_UPDATED_AT, now);
    if (cmdsTables(ctx, c, p)) return -1;
    if (cmdsFloor(ctx, c, p, in, old)) return -1;
    for (int f = 0; f < RESV_F_COUNT; f++)
        if (c->set[f] && !(c->creating && resvFields[f].flags & RESV_FF_SERVER))
            resvChangeNote(c, resvFields[f].name);
    if (p->effects & RESV_PLAN_PUSH) {
        if (resvKeyCheckType(ctx, resvKeyOutbox(ctx, c->store.v, c->store.len),
                             REDISMODULE_KEYTYPE_STREAM))
            return -1;
        resvChangeQueuePush(c, old);
    }
    return cmdsCheckIndex(ctx, c);
}

static const char *cmdsFeedEvent(const resvChange *c) {
    if (c->creating) return "created";
    if (c->set[RESV_F_STATUS]) return c->newStatus == RESV_S_CANCELLED ? "cancelled" : "status";
    return "updated";
}

/* Options of RESV.UPSERT and RESV.STATUS: what goes to the audit entry, and the form
 * of RESV.UPSERT's reply. */
typedef struct {
    resvOrigin origin;
    RedisModuleString *actor, *event, *payload, *msgid;
    int replyRecord; /* REPLY RECORD: [result, record] */
    int seen;        /* bit per option */
} cmdsOptions;

enum {
    OPT_ORIGIN = 1,
    OPT_ACTOR = 2,
    OPT_EVENT = 4,
    OPT_PAYLOAD = 8,
    OPT_MSGID = 16,
    OPT_REPLY = 32
};

/* Consumes option argv[i] argv[i+1] when argv[i] is one of `allowed`. Returns 1 when
 * consumed, 0 when not an option, -1 after an error reply. */
static int cmdsParseOption(RedisModuleCtx *ctx, RedisModuleString **argv, int i, int allowed,
                           cmdsOptions *o) {
    static const struct {
        const char *kw;
        int bit;
    } kws[] = {{"ORIGIN", OPT_ORIGIN},   {"ACTOR", OPT_ACTOR}, {"EVENT", OPT_EVENT},
               {"PAYLOAD", OPT_PAYLOAD}, {"MSGID", OPT_MSGID}, {"REPLY", OPT_REPLY}};
    size_t len;
    const char *v = RedisModule_StringPtrLen(argv[i + 1], &len);
    for (size_t k = 0; k < sizeof kws / sizeof kws[0]; k++) {
        if (!(allowed & kws[k].bit) || !resvArgIs(argv[i], kws[k].kw)) continue;
        if (o->seen & kws[k].bit)
            return resvReplyError(ctx, RESV_E_ERR, "option %s given twice", kws[k].kw), -1;
        o->seen |= kws[k].bit;
        switch (kws[k].bit) {
        case OPT_ORIGIN:
            /* auto is the no-show sweep's alone (resv_noshow.c), walk_in the waitlist's */
            if (resvOriginParse(v, len, &o->origin) ||
                (o->origin == RESV_O_AUTO && !resvAutoWriting) ||
                (o->origin == RESV_O_WALK_IN && !resvWalkInWriting))
                return resvReplyError(ctx, RESV_E_ERR,
                                      "invalid ORIGIN: must be one of api webhook sync pull"),
                       -1;
            break;
        case OPT_ACTOR:
            /* No NUL either: it separates the fields of an audit entry. */
            if (len > 128 || !resvUtf8Valid(v, len) || memchr(v, '\n', len) ||
                memchr(v, '\r', len) || memchr(v, '\0', len))
                return resvReplyError(ctx, RESV_E_ERR,
                                      "invalid ACTOR: must be one line of UTF-8 without NUL "
                                      "bytes, at most 128 bytes"),
                       -1;
            o->actor = argv[i + 1];
            break;
        case OPT_EVENT:
            if (!resvIdValid(v, len) || len > 64)
                return resvReplyError(
                           ctx, RESV_E_ERR,
                           "invalid EVENT: must be 1 to 64 letters, digits or - _ . : @"),
                       -1;
            o->event = argv[i + 1];
            break;
        case OPT_PAYLOAD: o->payload = argv[i + 1]; break;
        case OPT_MSGID:
            if (len == 0 || len > 256)
                return resvReplyError(ctx, RESV_E_ERR, "invalid MSGID: must be 1 to 256 bytes"), -1;
            o->msgid = argv[i + 1];
            break;
        case OPT_REPLY:
            if (resvArgIs(argv[i + 1], "RECORD"))
                o->replyRecord = 1;
            else if (!resvArgIs(argv[i + 1], "RESULT"))
                return resvReplyError(ctx, RESV_E_ERR, "invalid REPLY: must be RESULT or RECORD"),
                       -1;
            break;
        }
        return 1;
    }
    return 0;
}

static void cmdsChangeAudit(resvChange *c, const cmdsOptions *o, const char *defEvent) {
    resvSpan a = resvSpanOf(o->actor), e = resvSpanOf(o->event);
    c->origin = resvOriginName(o->origin);
    c->actor = a.v;
    c->actorLen = a.len;
    c->event = o->event ? e.v : defEvent;
    c->eventLen = o->event ? e.len : strlen(defEvent);
    c->payload = o->payload;
    c->msgid = o->msgid;
}

/* The record after a change: the stored fields, with the ones just written. */
static void cmdsRecordAfter(RedisModuleCtx *ctx, const resvChange *c, RedisModuleString **rec) {
    for (int f = 0; f < RESV_F_COUNT; f++)
        if (c->set[f]) rec[f] = RedisModule_CreateString(ctx, c->val[f].v, c->val[f].len);
}

/* Counts what RESV.UPSERT did (INFO resv) and replies its word; with REPLY RECORD,
 * [word, the record as RESV.GET replies it] (rec NULL: no record, nil). */
static int cmdsUpsertDone(RedisModuleCtx *ctx, resvUpsertResult r, const cmdsOptions *o,
                          RedisModuleString **rec) {
    unsigned long long *counter[RESV_UPSERT_COUNT] = {
        [RESV_UPSERT_CREATED] = &resvStats.upsertCreated,
        [RESV_UPSERT_UPDATED] = &resvStats.upsertUpdated,
        [RESV_UPSERT_UNCHANGED] = &resvStats.upsertUnchanged,
        [RESV_UPSERT_STALE] = &resvStats.upsertStale,
        [RESV_UPSERT_DUPLICATE] = &resvStats.upsertDuplicate};
    (*counter[r])++;
    if (!o->replyRecord) return RedisModule_ReplyWithSimpleString(ctx, resvUpsertResultName(r));
    RedisModule_ReplyWithArray(ctx, 2);
    RedisModule_ReplyWithSimpleString(ctx, resvUpsertResultName(r));
    if (!rec) return RedisModule_ReplyWithNull(ctx);
    resvReplyFields(ctx, resvFields, RESV_F_COUNT, rec);
    return REDISMODULE_OK;
}

/* RESV.UPSERT store id [option value ...] [FORCE] [NX|XX] field value [field value ...]
 *   options: ORIGIN o, ACTOR a, EVENT e, PAYLOAD p, MSGID m, REPLY RESULT|RECORD;
 *   FORCE: over the slot's pacing limits (the sidecar lets admin and store_manager);
 *   NX: only create (CONFLICT when it exists); XX: only update (NOTFOUND when not) */
int ResvUpsert_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    static const char *const words[] = {"ORIGIN", "ACTOR", "EVENT", "PAYLOAD",
                                        "MSGID",  "REPLY", NULL};
    if (argc < 4) return resvReplyWrongArity(ctx);
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;

    resvChange c;
    memset(&c, 0, sizeof c);
    cmdsOptions o = {.origin = RESV_O_API};
    int given[RESV_F_COUNT] = {0}, nfields = 0;
    char canon[RESV_F_COUNT][RESV_CANON_MAX];

    if (resvArgId(ctx, argv[1], "store", &c.store.v, &c.store.len) ||
        resvArgId(ctx, argv[2], "reservation_id", &c.id.v, &c.id.len))
        return REDISMODULE_OK;
    int force = 0, only = 0; /* only: the NX or XX flag given, 0 when none */
    for (int i = 3; i < argc; i += 2) {
        if (resvArgIs(argv[i], "FORCE")) {
            if (force) return resvReplyError(ctx, RESV_E_ERR, "option FORCE given twice");
            force = 1;
            i--; /* a flag, no value */
            continue;
        }
        int nx = resvArgIs(argv[i], "NX");
        if (nx || resvArgIs(argv[i], "XX")) {
            if (only) return resvReplyError(ctx, RESV_E_ERR, "options NX and XX: give one, once");
            only = nx ? 'N' : 'X';
            i--;
            continue;
        }
        if (i + 1 == argc) return resvReplyLoneWord(ctx, argv[i], words, resvFields, RESV_F_COUNT);
        int r = cmdsParseOption(
            ctx, argv, i, OPT_ORIGIN | OPT_ACTOR | OPT_EVENT | OPT_PAYLOAD | OPT_MSGID | OPT_REPLY,
            &o);
        if (r < 0) return REDISMODULE_OK;
        if (r) continue;
        size_t nl, vl;
        const char *n = RedisModule_StringPtrLen(argv[i], &nl);
        const char *v = RedisModule_StringPtrLen(argv[i + 1], &vl);
        const char *why;
        int f = resvFieldLookup(resvFields, RESV_F_COUNT, n, nl);
        int shown = nl > 64 ? 64 : (int)nl;
        if (f < 0) return resvReplyError(ctx, RESV_E_ERR, "unknown field '%.*s'", shown, n);
        if (resvFields[f].flags & RESV_FF_SERVER)
            return resvReplyError(ctx, RESV_E_ERR, "field '%s' is set by the server",
                                  resvFields[f].name);
        if (given[f])
            return resvReplyError(ctx, RESV_E_ERR, "field '%s' given twice", resvFields[f].name);
        if (resvFieldCheck(&resvFields[f], v, vl, canon[f], &c.val[f].v, &c.val[f].len, &why))
            return resvReplyError(ctx, RESV_E_ERR, "invalid %s: %s", resvFields[f].name, why);
        given[f] = 1;
        nfields++;
    }
    if (!nfields) return resvReplyError(ctx, RESV_E_ERR, "at least one field is required");

    /* Read everything the decision needs. */
    RedisModuleString *rkey = resvKeyRecord(ctx, c.store.v, c.store.len, c.id.v, c.id.len);
    RedisModuleString *old[RESV_F_COUNT];
    int exists = resvHashRead(ctx, rkey, resvFields, RESV_F_COUNT, old);
    if (exists < 0) return resvReplyWrongType(ctx, rkey);
    if (resvHistoryCheckType(ctx, c.store.v, c.store.len, c.id.v, c.id.len)) return REDISMODULE_OK;
    if (o.msgid) {
        size_t ml;
        const char *m = RedisModule_StringPtrLen(o.msgid, &ml);
        if (resvKeyExists(ctx, resvKeyMsg(ctx, c.store.v, c.store.len, m, ml)))
            return cmdsUpsertDone(ctx, RESV_UPSERT_DUPLICATE, &o, exists ? old : NULL);
    }
    int cluster = resvIsCluster(ctx);
    if (!cluster) {
        RedisModuleString *okey = resvKeyOwner(ctx, c.id.v, c.id.len), *owner;
        if (resvStringGet(ctx, okey, &owner) < 0) return resvReplyWrongType(ctx, okey);
        if (owner && !resvStrEq(owner, c.store.v, c.store.len)) {
            resvSpan ow = resvSpanOf(owner);
            return resvReplyError(ctx, RESV_E_CONFLICT,
                                  RESV_OWNER_CONFLICT_ID "%.*s" RESV_OWNER_CONFLICT_STORE "%.*s",
                                  (int)c.id.len, c.id.v, (int)ow.len, ow.v);
        }
        c.setOwner = !exists && !owner;
    } else if (!exists &&
               resvKeyExists(ctx, resvKeyDisowned(ctx, c.store.v, c.store.len, c.id.v, c.id.len))) {
        /* The store gave the id up to another store (RESV.DISOWN): this is a late write
         * of its earlier claim. */
        return resvReplyError(ctx, RESV_E_CONFLICT, "reservation_id %.*s belongs to another store",
                              (int)c.id.len, c.id.v);
    }
    c.creating = !exists;
    /* NX: a create that must not overwrite; XX: an update that must not create. */
    if (only == 'N' && !c.creating)
        return resvReplyError(ctx, RESV_E_CONFLICT, "reservation_id %.*s already exists",
                              (int)c.id.len, c.id.v);
    if (only == 'X' && c.creating)
        return resvReplyError(ctx, RESV_E_NOTFOUND, "reservation %.*s not found in store %.*s",
                              (int)c.id.len, c.id.v, (int)c.store.len, c.store.v);
    if (c.creating && !given[RESV_F_RESERVATION_DATE])
        return resvReplyError(ctx, RESV_E_ERR,
                              "missing reservation_date: required to create a reservation");
    if (!c.creating && given[RESV_F_UPDATED_AT] && old[RESV_F_UPDATED_AT]) {
        /* Canonical datetimes compare as text. */
        resvSpan ou = resvSpanOf(old[RESV_F_UPDATED_AT]);
        if (ou.len == RESV_DATETIME_LEN &&
            memcmp(c.val[RESV_F_UPDATED_AT].v, ou.v, RESV_DATETIME_LEN) < 0)
            return cmdsUpsertDone(ctx, RESV_UPSERT_STALE, &o, old);
    }

    /* Decide: the given fields that differ from the stored ones, then the plan. */
    resvSpan oldTable = resvSpanOf(old[RESV_F_TABLE_NUMBER]);
    resvPlanInput in = {.creating = c.creating,
                        .from = c.creating ? RESV_S_PENDING : resvStoredStatus(old[RESV_F_STATUS]),
                        .statusGiven = given[RESV_F_STATUS],
                        .origin = o.origin,
                        .arrivalGiven = given[RESV_F_ARRIVAL_TIME],
                        .updatedGiven = given[RESV_F_UPDATED_AT],
                        .storedTable = oldTable.v,
                        .storedTableLen = oldTable.len,
                        .force = force,
                        .hasSystem =
                            (given[RESV_F_SYSTEM_ID] ? c.val[RESV_F_SYSTEM_ID].len
                                                     : resvSpanOf(old[RESV_F_SYSTEM_ID]).len) > 0};
    if (given[RESV_F_STATUS])
        resvStatusParse(c.val[RESV_F_STATUS].v, c.val[RESV_F_STATUS].len, &in.to);
    if (given[RESV_F_TABLE_NUMBER]) {
        in.givenTable = c.val[RESV_F_TABLE_NUMBER].v;
        in.givenTableLen = c.val[RESV_F_TABLE_NUMBER].len;
    }
    for (int f = 0; f < RESV_F_COUNT; f++) {
        if (!given[f]) continue;
        int differs = c.creating || !old[f] || !cmdsSpanEq(c.val[f], resvSpanOf(old[f]));
        if (f == RESV_F_STATUS) {
            in.statusDiffers = differs; /* the plan decides whether it is written */
            continue;
        }
        if (differs) c.set[f] = in.fieldsChanged = 1;
    }
    resvPlan p;
    if (cmdsPlan(ctx, &in, &p)) return REDISMODULE_OK;
    if (!p.effects) return cmdsUpsertDone(ctx, RESV_UPSERT_UNCHANGED, &o, old);

    if (resvStoreSettingsCheckType(ctx, c.store.v, c.store.len)) return REDISMODULE_OK;
    resvStoreNow(ctx, c.store.v, c.store.len, c.now);
    char uuid[37];
    int write = (p.effects & RESV_PLAN_WRITE) != 0;
    c.hadIndex = !c.creating;
    if (c.creating) {
        resvNewUuid(uuid);
        cmdsSet(&c, RESV_F_ID, (resvSpan){uuid, 36});
        cmdsSet(&c, RESV_F_STORE_ID, c.store);
        cmdsSet(&c, RESV_F_RESERVATION_ID, c.id);
        cmdsSet(&c, RESV_F_CREATED_AT, (resvSpan){c.now, RESV_DATETIME_LEN});
    }
    if (write) {
        resvSpan d = given[RESV_F_RESERVATION_DATE] ? c.val[RESV_F_RESERVATION_DATE]
                                                    : resvSpanOf(old[RESV_F_RESERVATION_DATE]);
        resvSpan t = given[RESV_F_RESERVATION_TIME] ? c.val[RESV_F_RESERVATION_TIME]
                                                    : resvSpanOf(old[RESV_F_RESERVATION_TIME]);
        c.newScore = resvRecordStart(d.v, d.len, t.v, t.len);
        if (!c.creating) {
            resvSpan od = resvSpanOf(old[RESV_F_RESERVATION_DATE]);
            resvSpan ot = resvSpanOf(old[RESV_F_RESERVATION_TIME]);
            c.oldScore = resvRecordStart(od.v, od.len, ot.v, ot.len);
        }
    }
    if (cmdsCarryOut(ctx, &c, &p, &in, old)) return REDISMODULE_OK;
    cmdsChangeAudit(&c, &o, c.creating ? "created" : write ? "updated" : "ignored");
    c.feedEvent = cmdsFeedEvent(&c);
    if (resvApplyChange(ctx, &c))
        return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    if (o.replyRecord) cmdsRecordAfter(ctx, &c, old);
    return cmdsUpsertDone(ctx,
                          c.creating ? RESV_UPSERT_CREATED
                          : write    ? RESV_UPSERT_UPDATED
                                     : RESV_UPSERT_UNCHANGED,
                          &o, old);
}

/* RESV.STATUS store id status [ARRIVAL t] [TABLE n] [ORIGIN o] [ACTOR a] */
int ResvStatus_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    static const char *const words[] = {"ORIGIN", "ACTOR", "ARRIVAL", "TABLE", NULL};
    if (argc < 4) return resvReplyWrongArity(ctx);
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;

    resvChange c;
    memset(&c, 0, sizeof c);
    cmdsOptions o = {.origin = RESV_O_API};
    resvSpan arrival = {NULL, 0}, table = {NULL, 0};
    char arrivalBuf[RESV_CANON_MAX], tableBuf[RESV_CANON_MAX];
    const char *why;

    if (resvArgId(ctx, argv[1], "store", &c.store.v, &c.store.len) ||
        resvArgId(ctx, argv[2], "reservation_id", &c.id.v, &c.id.len))
        return REDISMODULE_OK;
    resvSpan st = resvSpanOf(argv[3]);
    if (resvStatusParse(st.v, st.len, &c.newStatus))
        return resvReplyError(ctx, RESV_E_ERR,
                              "invalid status: must be one of pending confirmed "
                              "arrived seated completed cancelled no_show");
    for (int i = 4; i < argc; i += 2) {
        if (i + 1 == argc) return resvReplyLoneWord(ctx, argv[i], words, NULL, 0);
        int r = cmdsParseOption(ctx, argv, i, OPT_ORIGIN | OPT_ACTOR, &o);
        if (r < 0) return REDISMODULE_OK;
        if (r) continue;
        resvSpan v = resvSpanOf(argv[i + 1]);
        if (resvArgIs(argv[i], "ARRIVAL")) {
            if (arrival.v) return resvReplyError(ctx, RESV_E_ERR, "option ARRIVAL given twice");
            if (resvFieldCheck(&resvFields[RESV_F_ARRIVAL_TIME], v.v, v.len, arrivalBuf, &arrival.v,
                               &arrival.len, &why))
                return resvReplyError(ctx, RESV_E_ERR, "invalid ARRIVAL: %s", why);
            if (c.newStatus != RESV_S_ARRIVED)
                return resvReplyError(ctx, RESV_E_ERR, "ARRIVAL applies to status arrived only");
        } else if (resvArgIs(argv[i], "TABLE")) {
            if (table.v) return resvReplyError(ctx, RESV_E_ERR, "option TABLE given twice");
            if (resvFieldCheck(&resvFields[RESV_F_TABLE_NUMBER], v.v, v.len, tableBuf, &v.v, &v.len,
                               &why))
                return resvReplyError(ctx, RESV_E_ERR, "invalid TABLE: %s", why);
            if (c.newStatus != RESV_S_SEATED)
                return resvReplyError(ctx, RESV_E_ERR, "TABLE applies to status seated only");
            table = v;
        } else {
            return resvReplySyntaxError(ctx, argv[i]);
        }
    }

    RedisModuleString *rkey = resvKeyRecord(ctx, c.store.v, c.store.len, c.id.v, c.id.len);
    RedisModuleString *old[RESV_F_COUNT];
    int exists = resvHashRead(ctx, rkey, resvFields, RESV_F_COUNT, old);
    if (exists < 0) return resvReplyWrongType(ctx, rkey);
    if (!exists)
        return resvReplyError(ctx, RESV_E_NOTFOUND, "reservation %.*s not found in store %.*s",
                              (int)c.id.len, c.id.v, (int)c.store.len, c.store.v);
    if (resvHistoryCheckType(ctx, c.store.v, c.store.len, c.id.v, c.id.len)) return REDISMODULE_OK;
    resvSpan oldTable = resvSpanOf(old[RESV_F_TABLE_NUMBER]);
    resvPlanInput in = {.from = resvStoredStatus(old[RESV_F_STATUS]),
                        .to = c.newStatus,
                        .statusGiven = 1,
                        .origin = o.origin,
                        .strict = 1,
                        .arrivalGiven = arrival.v != NULL,
                        .storedTable = oldTable.v,
                        .storedTableLen = oldTable.len,
                        .givenTable = table.v,
                        .givenTableLen = table.len,
                        .hasSystem = resvSpanOf(old[RESV_F_SYSTEM_ID]).len > 0};
    resvPlan p;
    if (cmdsPlan(ctx, &in, &p)) return REDISMODULE_OK;
    if (p.effects) {
        if (resvStoreSettingsCheckType(ctx, c.store.v, c.store.len)) return REDISMODULE_OK;
        resvStoreNow(ctx, c.store.v, c.store.len, c.now);
        c.hadIndex = 1;
        resvSpan d = resvSpanOf(old[RESV_F_RESERVATION_DATE]);
        resvSpan t = resvSpanOf(old[RESV_F_RESERVATION_TIME]);
        c.oldScore = c.newScore = resvRecordStart(d.v, d.len, t.v, t.len);
        if (arrival.v) cmdsSet(&c, RESV_F_ARRIVAL_TIME, arrival);
        if (table.v && !cmdsSpanEq(table, oldTable)) cmdsSet(&c, RESV_F_TABLE_NUMBER, table);
        if (cmdsCarryOut(ctx, &c, &p, &in, old)) return REDISMODULE_OK;
        cmdsChangeAudit(&c, &o, "status");
        c.feedEvent = cmdsFeedEvent(&c);
        if (resvApplyChange(ctx, &c))
            return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
        resvStats.statusChanges++;
        cmdsRecordAfter(ctx, &c, old);
    }
    resvReplyFields(ctx, resvFields, RESV_F_COUNT, old);
    return REDISMODULE_OK;
}

/* RESV.DEL store id */
int ResvDel_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 3, NULL)) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan s, r;
    if (resvArgId(ctx, argv[1], "store", &s.v, &s.len) ||
        resvArgId(ctx, argv[2], "reservation_id", &r.v, &r.len))
        return REDISMODULE_OK;

    RedisModuleString *rkey = resvKeyRecord(ctx, s.v, s.len, r.v, r.len);
    RedisModuleString *old[RESV_F_COUNT], *owner = NULL;
    int exists = resvHashRead(ctx, rkey, resvFields, RESV_F_COUNT, old);
    if (exists < 0) return resvReplyWrongType(ctx, rkey);
    if (!exists) return RedisModule_ReplyWithLongLong(ctx, 0);
    resvSpan table = resvSpanOf(old[RESV_F_TABLE_NUMBER]), held;
    RedisModuleString *tkey = resvKeyTables(ctx, s.v, s.len);
    if (resvKeyCheckType(ctx, tkey, REDISMODULE_KEYTYPE_HASH)) return REDISMODULE_OK;
    resvInstant hs, he;
    int holds = resvHeldRead(ctx, s, r, &hs, &he, &held);
    if (holds < 0 || (holds && resvHoldCheckType(ctx, s, held))) return REDISMODULE_OK;
    RedisModuleString *okey = resvKeyOwner(ctx, r.v, r.len);
    int cluster = resvIsCluster(ctx);
    if (!cluster && resvStringGet(ctx, okey, &owner) < 0) return resvReplyWrongType(ctx, okey);
    /* The failure log forgets it; its outbox entries stay and are delivered (the
     * provider learns the last status), and RESV.PUSHED of them touches no record. */
    RedisModuleString *fkey = resvKeyFailures(ctx, s.v, s.len), *failed = NULL;
    if (resvHashGetOne(ctx, fkey, r, &failed) < 0) return resvReplyWrongType(ctx, fkey);

    resvStatus status = resvStoredStatus(old[RESV_F_STATUS]);
    resvSpan d = resvSpanOf(old[RESV_F_RESERVATION_DATE]),
             t = resvSpanOf(old[RESV_F_RESERVATION_TIME]);
    resvIndexPos from = {status, resvRecordStart(d.v, d.len, t.v, t.len)};
    resvSpan party = resvSpanOf(old[RESV_F_CUSTOMER_COUNT]);
    resvLoadPos load = {resvFloorCounts(status), from.score, resvFloorParty(party.v, party.len)};
    resvLookupVals was;
    resvLookupValsOf(old, &was);
    if (resvIndexCheckType(ctx, s.v, s.len, &from, NULL) ||
        resvLoadCheckType(ctx, s, &load, NULL) || resvLookupCheckType(ctx, s.v, s.len) ||
        resvKeyCheckType(ctx, resvKeyChanges(ctx, s.v, s.len), REDISMODULE_KEYTYPE_STREAM) ||
        resvStoreSettingsCheckType(ctx, s.v, s.len))
        return REDISMODULE_OK;
    char now[RESV_DATETIME_LEN + 1];
    int rc = 0;
    resvStoreNow(ctx, s.v, s.len, now);
    rc |= resvWriteDel(ctx, rkey);
    rc |= resvIndexUpdate(ctx, s.v, s.len, r.v, r.len, &from, NULL);
    rc |= resvLoadUpdate(ctx, s, &load, NULL);
    rc |= resvLookupUpdate(ctx, s.v, s.len, r.v, r.len, &was, NULL);
    rc |= resvSeatedWrite(ctx, s, r, table, (resvSpan){"", 0});
    if (holds) rc |= resvHoldWrite(ctx, s, r, held, (resvSpan){"", 0}, 0, 0);
    if (owner && resvStrEq(owner, s.v, s.len)) rc |= resvWriteDel(ctx, okey);
    rc |= resvWriteDel(ctx, resvKeyHistory(ctx, s.v, s.len, r.v, r.len));
    if (failed) rc |= resvWriteKeyMember(ctx, "HDEL", fkey, r.v, r.len);
    rc |= resvWriteFeed(ctx, s.v, s.len, r.v, r.len, "deleted", status, now, NULL);
    if (rc) return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    resvStats.deletes++;
    return RedisModule_ReplyWithLongLong(ctx, 1);
}

/* RESV.OWNER id [CLAIM store [FROM old] | RELEASE store] */
int ResvOwner_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (argc < 2) return resvReplyWrongArity(ctx);
    int release = argc > 2 && resvArgIs(argv[2], "RELEASE");
    if (argc > 2 && !release && !resvArgIs(argv[2], "CLAIM"))
        return resvReplySyntaxError(ctx, argv[2]);
    if (argc > 4 && (release || !resvArgIs(argv[4], "FROM")))
        return resvReplySyntaxError(ctx, argv[4]);
    if (argc == 3 || argc == 5) return resvReplyWrongArity(ctx);
    if (argc > 6) return resvReplySyntaxError(ctx, argv[6]);
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan r, s = {NULL, 0}, from = {NULL, 0};
    if (resvArgId(ctx, argv[1], "reservation_id", &r.v, &r.len)) return REDISMODULE_OK;
    if (argc >= 4) {
        if (resvArgId(ctx, argv[3], "store", &s.v, &s.len)) return REDISMODULE_OK;
    }
    if (argc == 6 && resvArgId(ctx, argv[5], "old", &from.v, &from.len)) return REDISMODULE_OK;
    RedisModuleString *okey = resvKeyOwner(ctx, r.v, r.len), *owner;
    if (resvStringGet(ctx, okey, &owner) < 0) return resvReplyWrongType(ctx, okey);
    if (release) {
        /* Only the owner's own release counts: a late release of a store that lost the
         * id (or never had it) must not free another store's claim. A store that still
         * has the record keeps it; on a cluster that key is on another node, and the
         * caller releases only after RESV.DEL (keys.md). */
        if (!owner || !resvStrEq(owner, s.v, s.len) ||
            (!resvIsCluster(ctx) && resvKeyExists(ctx, resvKeyRecord(ctx, s.v, s.len, r.v, r.len))))
            return RedisModule_ReplyWithLongLong(ctx, 0);
        if (resvWriteDel(ctx, okey))
            return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
        return RedisModule_ReplyWithLongLong(ctx, 1);
    }
    /* FROM old: a takeover, after old gave the id up (RESV.DISOWN). */
    if (s.v && (!owner || (from.v && resvStrEq(owner, from.v, from.len)))) {
        resvArgv a = {.n = 0};
        resvArgvAddStr(&a, okey);
        resvArgvAdd(ctx, &a, s.v, s.len);
        if (resvWrite(ctx, "SET", &a))
            return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
        return RedisModule_ReplyWithStringBuffer(ctx, s.v, s.len);
    }
    if (!owner) return RedisModule_ReplyWithNull(ctx);
    return RedisModule_ReplyWithString(ctx, owner);
}

/* RESV.DISOWN store id */
int ResvDisown_RedisCommand(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_AutoMemory(ctx);
    if (resvArgsFixed(ctx, argv, argc, 3, NULL)) return REDISMODULE_OK;
    if (resvClusterSettled(ctx, argv[1])) return REDISMODULE_OK;
    resvSpan s, r;
    if (resvArgId(ctx, argv[1], "store", &s.v, &s.len) ||
        resvArgId(ctx, argv[2], "reservation_id", &r.v, &r.len))
        return REDISMODULE_OK;
    if (resvKeyExists(ctx, resvKeyRecord(ctx, s.v, s.len, r.v, r.len)))
        return RedisModule_ReplyWithLongLong(ctx, 0);
    char ms[24];
    snprintf(ms, sizeof ms, "%d", RESV_DISOWN_MS);
    resvArgv a = {.n = 0};
    resvArgvAddStr(&a, resvKeyDisowned(ctx, s.v, s.len, r.v, r.len));
    resvArgvAdd(ctx, &a, "1", 1);
    resvArgvAdd(ctx, &a, "PX", 2);
    resvArgvAdd(ctx, &a, ms, strlen(ms));
    if (resvWrite(ctx, "SET", &a))
        return resvReplyError(ctx, RESV_E_ERR, "write failed, see the server log");
    return RedisModule_ReplyWithLongLong(ctx, 1);
}
