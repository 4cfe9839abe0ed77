/* Unit tests of include/resv_plan.c: what a status change does, for RESV.UPSERT and
 * RESV.STATUS (contract §2): the transition table for our API, the provider rules, and
 * every side effect. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "resv_plan.h"

#define P(s) RESV_S_##s

/* contract.md section 2, as written there: from -> the statuses it may move to. */
static const unsigned contractTable[RESV_S_COUNT] = {
    [P(PENDING)] = 1u << P(CONFIRMED) | 1u << P(ARRIVED) | 1u << P(CANCELLED) | 1u << P(NO_SHOW),
    [P(CONFIRMED)] = 1u << P(ARRIVED) | 1u << P(SEATED) | 1u << P(CANCELLED) | 1u << P(NO_SHOW),
    [P(ARRIVED)] = 1u << P(SEATED) | 1u << P(COMPLETED) | 1u << P(CANCELLED),
    [P(SEATED)] = 1u << P(COMPLETED),
    [P(NO_SHOW)] = 1u << P(ARRIVED),
    [P(COMPLETED)] = 0,
    [P(CANCELLED)] = 0,
};

/* A status change of a stored reservation that holds table T1, through our API; it
 * came from a provider system (a system_id: pushes go there). */
static resvPlanInput move(resvStatus from, resvStatus to) {
    resvPlanInput in;
    memset(&in, 0, sizeof in);
    in.hasSystem = 1;
    in.from = from;
    in.to = to;
    in.statusGiven = 1;
    in.statusDiffers = from != to;
    in.origin = RESV_O_API;
    in.storedTable = "T1";
    in.storedTableLen = 2;
    return in;
}

static resvPlan planOk(const resvPlanInput *in) {
    resvPlan p;
    memset(&p, 0xAB, sizeof p);
    assert_int_equal(RESV_PLAN_APPLY, resvPlanStatus(in, &p));
    return p;
}

/* Every one of `bits`. */
static int has(const resvPlan *p, unsigned bits) {
    return (p->effects & bits) == bits;
}

static unsigned effectsOf(const resvPlanInput *in) {
    return planOk(in).effects;
}

/* Our API, as RESV.UPSERT (lenient = 0) and as RESV.STATUS (strict): every pair of the
 * contract's table applies, the same status is a no-op, anything else is refused. */
static void test_api_transition_table(void **state) {
    (void)state;
    for (int strict = 0; strict < 2; strict++)
        for (int from = 0; from < RESV_S_COUNT; from++)
            for (int to = 0; to < RESV_S_COUNT; to++) {
                resvPlanInput in = move((resvStatus)from, (resvStatus)to);
                in.strict = strict;
                resvPlan p;
                resvPlanVerdict v = resvPlanStatus(&in, &p);
                if (from == to) {
                    assert_int_equal(RESV_PLAN_APPLY, v);
                    assert_int_equal(0, p.effects);
                    assert_int_equal(from, p.status);
                } else if (contractTable[from] & (1u << to)) {
                    assert_int_equal(RESV_PLAN_APPLY, v);
                    assert_int_equal(to, p.status);
                    assert_true(has(&p, RESV_PLAN_WRITE | RESV_PLAN_STATUS));
                    assert_true(has(&p, RESV_PLAN_PUSH));
                    assert_true(has(&p, RESV_PLAN_STAMP_UPDATED));
                } else if (v != RESV_PLAN_BAD_MOVE) {
                    fail_msg("api %s -> %s (strict %d): verdict %d, want refused",
                             resvStatusName(from), resvStatusName(to), strict, v);
                }
            }
}

/* Provider data: forward along the chain and cancel anything not completed apply;
 * everything else is kept as ignored (never refused), with no push either way. */
static void test_provider_moves(void **state) {
    (void)state;
    for (int from = 0; from < RESV_S_COUNT; from++)
        for (int to = 0; to < RESV_S_COUNT; to++) {
            if (from == to) continue;
            resvPlanInput in = move((resvStatus)from, (resvStatus)to);
            in.origin = RESV_O_WEBHOOK;
            resvPlan p = planOk(&in);
            int chain = from <= P(COMPLETED) && to <= P(COMPLETED) && to > from;
            int cancel = to == P(CANCELLED) && from != P(COMPLETED);
            int apply = (contractTable[from] & (1u << to)) || chain || cancel;
            assert_false(has(&p, RESV_PLAN_PUSH));
            if (apply) {
                assert_int_equal(to, p.status);
                assert_true(has(&p, RESV_PLAN_WRITE | RESV_PLAN_STATUS));
                assert_false(has(&p, RESV_PLAN_IGNORED));
            } else {
                /* Only the note: nothing else given changes. */
                assert_int_equal(from, p.status);
                assert_int_equal(RESV_PLAN_IGNORED, p.effects);
            }
        }
    /* Ignored, but the other fields of the same data are applied; the status stays. */
    resvPlanInput in = move(P(ARRIVED), P(CONFIRMED));
    in.origin = RESV_O_SYNC;
    in.fieldsChanged = 1;
    resvPlan p = planOk(&in);
    assert_int_equal(RESV_PLAN_WRITE | RESV_PLAN_IGNORED | RESV_PLAN_STAMP_UPDATED | RESV_PLAN_HOLD,
                     p.effects);
    assert_int_equal(P(ARRIVED), p.status);
    /* completed is final, even for a provider's cancel */
    in = move(P(COMPLETED), P(CANCELLED));
    in.origin = RESV_O_PULL;
    assert_int_equal(RESV_PLAN_IGNORED, effectsOf(&in));
}

/* RESV.STATUS follows the strict table whatever the origin, and a provider origin
 * queues no push. */
static void test_strict_provider_origin(void **state) {
    (void)state;
    resvPlanInput in = move(P(ARRIVED), P(CONFIRMED));
    in.origin = RESV_O_WEBHOOK;
    in.strict = 1;
    resvPlan p;
    assert_int_equal(RESV_PLAN_BAD_MOVE, resvPlanStatus(&in, &p));
    in = move(P(PENDING), P(COMPLETED)); /* a provider's jump, not in the table */
    in.origin = RESV_O_WEBHOOK;
    in.strict = 1;
    assert_int_equal(RESV_PLAN_BAD_MOVE, resvPlanStatus(&in, &p));
    in = move(P(CONFIRMED), P(ARRIVED));
    in.origin = RESV_O_WEBHOOK;
    in.strict = 1;
    p = planOk(&in);
    assert_true(has(&p, RESV_PLAN_STATUS));
    assert_false(has(&p, RESV_PLAN_PUSH));
}

/* arrived stamps arrival_time with the server's time unless one is given, and only
 * when the status moves there (or a record starts there). */
static void test_arrival_stamp(void **state) {
    (void)state;
    resvPlanInput in = move(P(CONFIRMED), P(ARRIVED));
    assert_true(effectsOf(&in) & RESV_PLAN_STAMP_ARRIVAL);
    in.arrivalGiven = 1;
    resvPlan p = planOk(&in);
    assert_false(has(&p, RESV_PLAN_STAMP_ARRIVAL));
    assert_true(has(&p, RESV_PLAN_STATUS));
    in = move(P(NO_SHOW), P(ARRIVED)); /* a late guest */
    assert_true(effectsOf(&in) & RESV_PLAN_STAMP_ARRIVAL);
    /* already arrived, another field changes: no new stamp */
    in = move(P(ARRIVED), P(ARRIVED));
    in.fieldsChanged = 1;
    p = planOk(&in);
    assert_int_equal(RESV_PLAN_WRITE | RESV_PLAN_STAMP_UPDATED | RESV_PLAN_HOLD, p.effects);
    /* created as arrived */
    memset(&in, 0, sizeof in);
    in.creating = 1;
    in.statusGiven = 1;
    in.to = P(ARRIVED);
    in.fieldsChanged = 1;
    p = planOk(&in);
    assert_true(has(&p, RESV_PLAN_STAMP_ARRIVAL));
    /* any other target: none */
    for (int to = 0; to < RESV_S_COUNT; to++) {
        if (to == P(ARRIVED) || !(contractTable[P(CONFIRMED)] & (1u << to))) continue;
        in = move(P(CONFIRMED), (resvStatus)to);
        assert_false(effectsOf(&in) & RESV_PLAN_STAMP_ARRIVAL);
    }
}

/* A change sets updated_at to the server's time unless the command gives one. */
static void test_updated_stamp(void **state) {
    (void)state;
    resvPlanInput in = move(P(PENDING), P(CONFIRMED));
    assert_true(effectsOf(&in) & RESV_PLAN_STAMP_UPDATED);
    in.updatedGiven = 1;
    assert_false(effectsOf(&in) & RESV_PLAN_STAMP_UPDATED);
    in = move(P(PENDING), P(PENDING)); /* nothing changes: no stamp either */
    assert_int_equal(0, effectsOf(&in));
}

/* seated needs a table: the given one, else the stored one. */
static void test_seated_needs_table(void **state) {
    (void)state;
    resvPlan p;
    resvPlanInput in = move(P(CONFIRMED), P(SEATED));
    in.storedTable = NULL;
    in.storedTableLen = 0;
    assert_int_equal(RESV_PLAN_NEED_TABLE, resvPlanStatus(&in, &p));
    in.storedTable = ""; /* an empty stored value is no table */
    assert_int_equal(RESV_PLAN_NEED_TABLE, resvPlanStatus(&in, &p));
    in.strict = 1;
    assert_int_equal(RESV_PLAN_NEED_TABLE, resvPlanStatus(&in, &p));
    in.givenTable = "A08";
    in.givenTableLen = 3;
    p = planOk(&in);
    assert_true(has(&p, RESV_PLAN_TAKE_TABLE));
    assert_int_equal(3, p.tableLen);
    assert_memory_equal("A08", p.table, 3);
    assert_false(has(&p, RESV_PLAN_RELEASE_TABLE)); /* confirmed held nothing */
    /* the stored table */
    in = move(P(ARRIVED), P(SEATED));
    p = planOk(&in);
    assert_true(has(&p, RESV_PLAN_TAKE_TABLE));
    assert_int_equal(2, p.tableLen);
    assert_memory_equal("T1", p.table, 2);
    /* created seated */
    memset(&in, 0, sizeof in);
    in.creating = 1;
    in.statusGiven = 1;
    in.to = P(SEATED);
    in.fieldsChanged = 1;
    assert_int_equal(RESV_PLAN_NEED_TABLE, resvPlanStatus(&in, &p));
    in.givenTable = "B2";
    in.givenTableLen = 2;
    p = planOk(&in);
    assert_int_equal(RESV_PLAN_WRITE | RESV_PLAN_STATUS | RESV_PLAN_STAMP_UPDATED |
                         RESV_PLAN_TAKE_TABLE | RESV_PLAN_HOLD,
                     p.effects);
    /* the same status again changes nothing, whatever is missing or given */
    in = move(P(SEATED), P(SEATED));
    in.storedTable = NULL;
    in.storedTableLen = 0;
    in.strict = 1;
    in.givenTable = "C3";
    in.givenTableLen = 2;
    assert_int_equal(0, effectsOf(&in));
    in.strict = 0;
    in.givenTable = NULL;
    assert_int_equal(0, effectsOf(&in));
    /* ...but a change of another field of a seated reservation needs its table */
    in.fieldsChanged = 1;
    assert_int_equal(RESV_PLAN_NEED_TABLE, resvPlanStatus(&in, &p));
}

/* Leaving seated releases the table (completed, cancelled, no_show can follow it). */
static void test_release_table(void **state) {
    (void)state;
    resvPlanInput in = move(P(SEATED), P(COMPLETED));
    resvPlan p = planOk(&in);
    assert_true(has(&p, RESV_PLAN_RELEASE_TABLE));
    assert_false(has(&p, RESV_PLAN_TAKE_TABLE));
    assert_int_equal(2, p.releaseLen);
    assert_memory_equal("T1", p.release, 2);
    in = move(P(SEATED), P(CANCELLED)); /* a provider's cancel */
    in.origin = RESV_O_WEBHOOK;
    assert_true(effectsOf(&in) & RESV_PLAN_RELEASE_TABLE);
    /* a reservation that is not seated holds nothing, whatever table_number says */
    for (int from = 0; from < RESV_S_COUNT; from++) {
        if (from == P(SEATED)) continue;
        for (int to = 0; to < RESV_S_COUNT; to++) {
            if (to == P(SEATED) || !(contractTable[from] & (1u << to))) continue;
            in = move((resvStatus)from, (resvStatus)to);
            p = planOk(&in);
            assert_int_equal(0, p.effects & (RESV_PLAN_RELEASE_TABLE | RESV_PLAN_TAKE_TABLE));
        }
    }
    /* seated at T1, then moved to another table: take the new one, release T1 */
    in = move(P(SEATED), P(SEATED));
    in.statusGiven = 0;
    in.fieldsChanged = 1;
    in.givenTable = "C3";
    in.givenTableLen = 2;
    p = planOk(&in);
    assert_true(has(&p, RESV_PLAN_TAKE_TABLE | RESV_PLAN_RELEASE_TABLE));
    assert_memory_equal("C3", p.table, 2);
    assert_memory_equal("T1", p.release, 2);
    /* the same table: kept, not released */
    in.givenTable = "T1";
    p = planOk(&in);
    assert_true(has(&p, RESV_PLAN_TAKE_TABLE));
    assert_false(has(&p, RESV_PLAN_RELEASE_TABLE));
    /* a table of the same bytes but another length is another table */
    in.givenTable = "T1x";
    in.givenTableLen = 3;
    assert_true(effectsOf(&in) & RESV_PLAN_RELEASE_TABLE);
    /* a seated reservation whose data a provider moves backwards keeps its table */
    in = move(P(SEATED), P(ARRIVED));
    in.origin = RESV_O_WEBHOOK;
    in.fieldsChanged = 1;
    p = planOk(&in);
    assert_int_equal(P(SEATED), p.status);
    assert_true(has(&p, RESV_PLAN_TAKE_TABLE | RESV_PLAN_IGNORED));
    assert_false(has(&p, RESV_PLAN_RELEASE_TABLE));
}

/* Only our own move of a known reservation goes back to the provider. */
static void test_push(void **state) {
    (void)state;
    resvPlanInput in = move(P(PENDING), P(CONFIRMED));
    assert_true(effectsOf(&in) & RESV_PLAN_PUSH);
    for (int o = RESV_O_WEBHOOK; o <= RESV_O_PULL; o++) {
        in.origin = (resvOrigin)o;
        assert_false(effectsOf(&in) & RESV_PLAN_PUSH);
    }
    /* the module's own no-show is ours too: the provider learns it */
    in = move(P(CONFIRMED), P(NO_SHOW));
    in.origin = RESV_O_AUTO;
    in.strict = 1;
    assert_true(effectsOf(&in) & RESV_PLAN_PUSH);
    /* a new record is no status change */
    memset(&in, 0, sizeof in);
    in.creating = 1;
    in.fieldsChanged = 1;
    resvPlan p = planOk(&in);
    assert_int_equal(P(PENDING), p.status); /* the default first status */
    assert_int_equal(RESV_PLAN_WRITE | RESV_PLAN_STATUS | RESV_PLAN_STAMP_UPDATED, p.effects);
    /* other fields only: no push */
    in = move(P(CONFIRMED), P(CONFIRMED));
    in.statusGiven = 0;
    in.fieldsChanged = 1;
    assert_int_equal(RESV_PLAN_WRITE | RESV_PLAN_STAMP_UPDATED | RESV_PLAN_HOLD, effectsOf(&in));
    /* a booking of our own (no system_id): nobody to tell, whatever moves it */
    for (int o = RESV_O_API; o <= RESV_O_AUTO; o++) {
        in = move(P(CONFIRMED), P(ARRIVED));
        in.origin = (resvOrigin)o;
        in.strict = o == RESV_O_AUTO;
        in.hasSystem = 0;
        p = planOk(&in);
        assert_int_equal(P(ARRIVED), p.status);
        assert_false(has(&p, RESV_PLAN_PUSH));
    }
}

/* A status stored by hand ("bogus" reads as pending): RESV.UPSERT of pending writes
 * the word back without moving; RESV.STATUS of pending is the no-op it always is. */
static void test_status_rewritten(void **state) {
    (void)state;
    resvPlanInput in = move(P(PENDING), P(PENDING));
    in.statusDiffers = 1;
    resvPlan p = planOk(&in);
    assert_int_equal(RESV_PLAN_WRITE | RESV_PLAN_STATUS | RESV_PLAN_STAMP_UPDATED | RESV_PLAN_HOLD,
                     p.effects);
    assert_int_equal(P(PENDING), p.status);
    in.strict = 1;
    assert_int_equal(0, effectsOf(&in));
    /* an ignored status is not written, whatever its bytes */
    in = move(P(ARRIVED), P(PENDING));
    in.origin = RESV_O_WEBHOOK;
    assert_int_equal(RESV_PLAN_IGNORED, effectsOf(&in));
}

/* Over time a table is held while pending, confirmed, arrived or seated (the given
 * table, else the stored one), and freed by completed, cancelled and no_show. */
static void test_hold(void **state) {
    (void)state;
    for (int from = 0; from < RESV_S_COUNT; from++) {
        for (int to = 0; to < RESV_S_COUNT; to++) {
            resvPlanInput in = move((resvStatus)from, (resvStatus)to);
            resvPlan p;
            if (resvPlanStatus(&in, &p) != RESV_PLAN_APPLY || !(p.effects & RESV_PLAN_WRITE))
                continue;
            int holds = p.status <= P(SEATED);
            assert_int_equal(holds, has(&p, RESV_PLAN_HOLD));
            if (holds) assert_memory_equal("T1", p.hold, 2);
        }
    }
    resvPlanInput in = move(P(PENDING), P(CONFIRMED));
    in.givenTable = "V01+V02";
    in.givenTableLen = 7;
    resvPlan p = planOk(&in);
    assert_true(has(&p, RESV_PLAN_HOLD));
    assert_int_equal(7, p.holdLen);
    in = move(P(PENDING), P(CONFIRMED));
    in.storedTable = NULL;
    in.storedTableLen = 0;
    assert_false(effectsOf(&in) & RESV_PLAN_HOLD);
}

/* The floor rule: our API is refused in this order of causes; the provider's booking is
 * stored, flagged, a table the inventory does not know too. */
static void test_floor(void **state) {
    (void)state;
    resvFloorInput in;
    memset(&in, 0, sizeof in);
    in.party = 4;
    in.seats = 4;
    assert_int_equal(RESV_FLOOR_OK, resvPlanFloor(&in));
    in.party = 5;
    assert_int_equal(RESV_FLOOR_TOO_SMALL, resvPlanFloor(&in));
    in.held = 1;
    assert_int_equal(RESV_FLOOR_TOO_SMALL, resvPlanFloor(&in));
    in.party = 2;
    assert_int_equal(RESV_FLOOR_HELD, resvPlanFloor(&in));
    in.heldKept = 1; /* a clash the write did not make: flagged, not refused */
    assert_int_equal(RESV_FLOOR_OVERBOOKED, resvPlanFloor(&in));
    in.heldKept = 0;
    in.provider = 1;
    assert_int_equal(RESV_FLOOR_OVERBOOKED, resvPlanFloor(&in));
    in.held = 0;
    in.unknownTable = 1; /* the provider's table the inventory does not know: flagged */
    assert_int_equal(RESV_FLOOR_OVERBOOKED, resvPlanFloor(&in));
    in.unknownTable = 0;
    in.notJoinable = 1; /* nor tables that do not join */
    assert_int_equal(RESV_FLOOR_OVERBOOKED, resvPlanFloor(&in));
    in.notJoinable = 0;
    assert_int_equal(RESV_FLOOR_OK, resvPlanFloor(&in));
    in.unknownTable = 1;
    in.provider = 0;
    assert_int_equal(RESV_FLOOR_UNKNOWN_TABLE, resvPlanFloor(&in));
    in.unknownTable = 0;
    in.notJoinable = 1;
    assert_int_equal(RESV_FLOOR_NOT_JOINABLE, resvPlanFloor(&in));

    /* pacing: off at limit 0, refused over the limit unless forced, only when paced */
    memset(&in, 0, sizeof in);
    in.paced = 1;
    in.slotNew = 1; /* created, or moved in from another slot */
    in.party = 2;
    in.covers = 30;
    in.parties = 9;
    assert_int_equal(RESV_FLOOR_OK, resvPlanFloor(&in));
    in.coversLimit = 30;
    assert_int_equal(RESV_FLOOR_OK, resvPlanFloor(&in));
    in.coversLimit = 29;
    assert_int_equal(RESV_FLOOR_CAPACITY, resvPlanFloor(&in));
    in.force = 1; /* stored over the limit, and flagged so */
    assert_int_equal(RESV_FLOOR_OVERBOOKED, resvPlanFloor(&in));
    in.held = 1; /* FORCE is for the pacing only */
    assert_int_equal(RESV_FLOOR_HELD, resvPlanFloor(&in));
    in.held = 0;
    in.force = 0;
    /* a correction in the slot it had: refused only for more covers than it had there */
    in.slotNew = 0;
    in.partyWas = 2;
    assert_int_equal(RESV_FLOOR_OK, resvPlanFloor(&in)); /* not flagged for the others */
    in.partyWas = 3;                                     /* fewer covers */
    assert_int_equal(RESV_FLOOR_OK, resvPlanFloor(&in));
    in.paceKept = 1; /* a flagged booking: flagged still, not refused */
    assert_int_equal(RESV_FLOOR_OVERBOOKED, resvPlanFloor(&in));
    in.paceKept = 0;
    in.partyWas = 1; /* more covers than it had, over the covers limit */
    assert_int_equal(RESV_FLOOR_CAPACITY, resvPlanFloor(&in));
    in.coversLimit = 0;
    in.partiesLimit = 8; /* the parties are not raised by a party already there */
    assert_int_equal(RESV_FLOOR_OK, resvPlanFloor(&in));
    in.slotNew = 1;
    assert_int_equal(RESV_FLOOR_CAPACITY, resvPlanFloor(&in));
    in.partiesLimit = 0;
    in.coversLimit = 29;
    in.provider = 1;
    assert_int_equal(RESV_FLOOR_OVERBOOKED, resvPlanFloor(&in));
    in.unknownTable = 1; /* a table the inventory does not know: still paced */
    assert_int_equal(RESV_FLOOR_OVERBOOKED, resvPlanFloor(&in));
    in.unknownTable = 0;
    in.provider = 0;
    in.coversLimit = 0;
    in.partiesLimit = 8;
    assert_int_equal(RESV_FLOOR_CAPACITY, resvPlanFloor(&in));
    in.paced = 0;
    assert_int_equal(RESV_FLOOR_OK, resvPlanFloor(&in));

    /* a walk-in is here: over the pacing flagged, never refused; the tables still refuse */
    in.paced = 1;
    in.walkIn = 1;
    assert_int_equal(RESV_FLOOR_OVERBOOKED, resvPlanFloor(&in));
    in.partiesLimit = 9;
    assert_int_equal(RESV_FLOOR_OK, resvPlanFloor(&in));
    in.partiesLimit = 8;
    in.party = 5;
    in.seats = 4;
    assert_int_equal(RESV_FLOOR_TOO_SMALL, resvPlanFloor(&in));
    in.party = 4;
    in.held = 1;
    assert_int_equal(RESV_FLOOR_HELD, resvPlanFloor(&in));
}

/* A seated party's window: its own, widened to now and a slot past now. */
static void test_seated_window(void **state) {
    (void)state;
    resvInstant s = 1000, e = 2000;
    resvPlanSeatedWindow(1500, 100, &s, &e); /* inside its window: as booked */
    assert_true(s == 1000 && e == 2000);
    resvPlanSeatedWindow(1950, 100, &s, &e); /* late: until a slot past now */
    assert_true(s == 1000 && e == 2050);
    s = 5000, e = 6000;
    resvPlanSeatedWindow(4000, 100, &s, &e); /* early: from now */
    assert_true(s == 4000 && e == 6000);
    s = e = 300; /* nothing held: the slot from now */
    resvPlanSeatedWindow(300, 100, &s, &e);
    assert_true(s == 300 && e == 400);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_transition_table),
        cmocka_unit_test(test_provider_moves),
        cmocka_unit_test(test_strict_provider_origin),
        cmocka_unit_test(test_arrival_stamp),
        cmocka_unit_test(test_updated_stamp),
        cmocka_unit_test(test_seated_needs_table),
        cmocka_unit_test(test_release_table),
        cmocka_unit_test(test_push),
        cmocka_unit_test(test_status_rewritten),
        cmocka_unit_test(test_hold),
        cmocka_unit_test(test_floor),
        cmocka_unit_test(test_seated_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
