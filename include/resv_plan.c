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

resvFloorVerdict resvPlanFloor(const resvFloorInput *in) {
    /* A table the inventory does not know (or a join it does not allow) holds nothing:
       no seats to count, no collision; the pacing still counts the party. */
    int tables = !in->unknownTable && !in->notJoinable;
    int tooSmall = tables && in->seats > 0 && in->party > in->seats;
    int held = tables && in->held;
    int overPace = resvPlanOverPace(in);
    if (in->provider) return tooSmall || held || overPace ? RESV_FLOOR_OVERBOOKED : RESV_FLOOR_OK;
    if (in->unknownTable) return RESV_FLOOR_UNKNOWN_TABLE;
    if (in->notJoinable) return RESV_FLOOR_NOT_JOINABLE;
    if (tooSmall) return RESV_FLOOR_TOO_SMALL;
    if (held && !in->heldKept) return RESV_FLOOR_HELD;
    /* Forced over the pacing, a walk-in over it (the party is at the door), or over it in
       a slot this write left as it was: stored, and flagged as what it is. */
    if (overPace && !in->force && !in->walkIn && !in->paceKept) return RESV_FLOOR_CAPACITY;
    return held || overPace ? RESV_FLOOR_OVERBOOKED : RESV_FLOOR_OK;
}
