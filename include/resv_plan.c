/* The status plan (resv_plan.h): the transition rules of resv_model.c, and what a
 * status does besides itself. */
#include "resv_plan.h"

#include <string.h>

static int planSameTable(const char *a, size_t al, const char *b, size_t bl) {
    return al == bl && (al == 0 || memcmp(a, b, al) == 0);
}

/* The status after the command, or a verdict against it; sets IGNORED in *effects. */
static resvPlanVerdict planMove(const resvPlanInput *in, resvStatus *status, unsigned *effects) {
    if (in->creating) {
        *status = in->statusGiven ? in->to : RESV_S_PENDING;
        return RESV_PLAN_APPLY;
    }
    *status = in->from;
    if (!in->statusGiven) return RESV_PLAN_APPLY;
    int lenient = resvOriginIsProvider(in->origin) && !in->strict;
    switch (resvStatusMove(in->from, in->to, lenient)) {
    case RESV_MOVE_REFUSE: return RESV_PLAN_BAD_MOVE;
    case RESV_MOVE_IGNORE: *effects |= RESV_PLAN_IGNORED; break;
    case RESV_MOVE_APPLY: *status = in->to; break;
    case RESV_MOVE_NONE: break;
    }
    return RESV_PLAN_APPLY;
}

/* Seated holds a table, the given one or else the stored one; a table this
 * reservation stops holding is released. */
static resvPlanVerdict planTables(const resvPlanInput *in, resvPlan *p) {
    const char *stored = in->storedTable ? in->storedTable : "";
    size_t storedLen = in->storedTable ? in->storedTableLen : 0;
    const char *table = in->givenTable ? in->givenTable : stored;
    size_t tableLen = in->givenTable ? in->givenTableLen : storedLen;
    int seated = p->status == RESV_S_SEATED;
    if (seated && !tableLen) return RESV_PLAN_NEED_TABLE;
    if (seated) {
        p->effects |= RESV_PLAN_TAKE_TABLE;
        p->table = table;
        p->tableLen = tableLen;
    }
    /* Over time a table is held from booking to leaving: pending, confirmed, arrived
       and seated hold it; completed, cancelled and no_show free it. */
    if (tableLen && (p->status == RESV_S_PENDING || p->status == RESV_S_CONFIRMED ||
                     p->status == RESV_S_ARRIVED || seated)) {
        p->effects |= RESV_PLAN_HOLD;
        p->hold = table;
        p->holdLen = tableLen;
    }
    if (!in->creating && in->from == RESV_S_SEATED && storedLen &&
        !(seated && planSameTable(stored, storedLen, table, tableLen))) {
        p->effects |= RESV_PLAN_RELEASE_TABLE;
        p->release = stored;
        p->releaseLen = storedLen;
    }
    return RESV_PLAN_APPLY;
}

resvPlanVerdict resvPlanStatus(const resvPlanInput *in, resvPlan *out) {
    resvPlan p = {0, RESV_S_PENDING, NULL, 0, NULL, 0, NULL, 0};
    resvPlanVerdict v = planMove(in, &p.status, &p.effects);
    if (v != RESV_PLAN_APPLY) return v;
    int moved = in->creating || p.status != in->from;
    if (in->strict && !moved) {
        *out = p; /* the same status again: nothing, whatever else was given */
        return RESV_PLAN_APPLY;
    }
    int ignored = (p.effects & RESV_PLAN_IGNORED) != 0;
    int writeStatus = moved || (in->statusGiven && !ignored && in->statusDiffers);
    if (!writeStatus && !in->fieldsChanged) {
        *out = p; /* unchanged, or only an ignored status to note */
        return RESV_PLAN_APPLY;
    }
    p.effects |= RESV_PLAN_WRITE;
    if (writeStatus) p.effects |= RESV_PLAN_STATUS;
    if (moved && p.status == RESV_S_ARRIVED && !in->arrivalGiven)
        p.effects |= RESV_PLAN_STAMP_ARRIVAL;
    if (!in->updatedGiven) p.effects |= RESV_PLAN_STAMP_UPDATED;
    /* Our own move of a known reservation goes to the provider; a provider's came
     * from there, a new record is no status change, and a booking of our own (no
     * system_id) has no provider to be told: its entry could never be delivered. */
    if (!in->creating && moved && !resvOriginIsProvider(in->origin) && in->hasSystem)
        p.effects |= RESV_PLAN_PUSH;
    v = planTables(in, &p);
    if (v != RESV_PLAN_APPLY) return v;
    *out = p;
    return RESV_PLAN_APPLY;
}

int resvPlanOverPace(const resvFloorInput *in) {
    return in->paced && ((in->coversLimit > 0 && in->covers > in->coversLimit) ||
                         (in->partiesLimit > 0 && in->parties > in->partiesLimit));
}

/* Over a limit that this write raises: the slot's covers go up (a party new to the slot,
 * or larger than it was there), or its parties (a party new to it). A correction that
 * leaves the slot as full or less is not refused for a slot already over. */
static int planRaisesPace(const resvFloorInput *in) {
    long was = in->slotNew ? 0 : in->partyWas;
    return in->paced && ((in->coversLimit > 0 && in->covers > in->coversLimit && in->party > was) ||
                         (in->partiesLimit > 0 && in->parties > in->partiesLimit && in->slotNew));
}

resvFloorVerdict resvPlanFloor(const resvFloorInput *in) {
    /* The provider's tables that the inventory does not know (or that do not join) are
       stored as given: what the floor cannot seat is flagged, the known ones held. */
    int tooSmall = in->seats > 0 && in->party > in->seats;
    int held = in->held;
    int overPace = resvPlanOverPace(in);
    if (in->provider)
        return tooSmall || held || overPace || in->unknownTable || in->notJoinable
                   ? RESV_FLOOR_OVERBOOKED
                   : RESV_FLOOR_OK;
    if (in->unknownTable) return RESV_FLOOR_UNKNOWN_TABLE;
    if (in->notJoinable) return RESV_FLOOR_NOT_JOINABLE;
    if (tooSmall) return RESV_FLOOR_TOO_SMALL;
    if (held && !in->heldKept) return RESV_FLOOR_HELD;
    /* Forced over the pacing, or a walk-in over it (the party is at the door): stored,
       and flagged as what it is. Over it in a slot this write did not fill: the flag
       stays as it was (paceKept), a booking not flagged is not flagged for others. */
    int raises = planRaisesPace(in);
    if (raises && !in->force && !in->walkIn) return RESV_FLOOR_CAPACITY;
    return held || (overPace && (raises || in->paceKept)) ? RESV_FLOOR_OVERBOOKED : RESV_FLOOR_OK;
}

void resvPlanSeatedWindow(resvInstant now, resvInstant slotSecs, resvInstant *s, resvInstant *e) {
    if (*s > now) *s = now;
    if (*e < now + slotSecs) *e = now + slotSecs;
}
